"""Atomic writing: a file appears whole or not at all; a run folder is complete or unmarked."""

from __future__ import annotations

import json
import os
import stat

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jinmyaku.errors import InputError
from jinmyaku.storage import files as io


class Boom(Exception):
    pass


@pytest.mark.parametrize("error", [Boom, KeyboardInterrupt])
def test_failed_write_keeps_old_content_and_leaves_no_temp_file(tmp_path, error):
    dest = tmp_path / "data.txt"
    dest.write_text("old content")

    def half_then_fail(tmp):
        tmp.write_text("new cont")  # half written...
        raise error("disk on fire")

    with pytest.raises(error):
        io.atomic_write(dest, half_then_fail)
    assert dest.read_text() == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["data.txt"]


def test_failed_first_write_creates_nothing(tmp_path):
    def fail(tmp):
        raise Boom

    with pytest.raises(Boom):
        io.atomic_write(tmp_path / "new.txt", fail)
    assert list(tmp_path.iterdir()) == []


def test_successful_write_replaces_whole_file_with_normal_permissions(tmp_path):
    dest = tmp_path / "data.txt"
    dest.write_text("old content that is longer than the new one")
    io.write_text(dest, "new")
    assert dest.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["data.txt"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(dest.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077, 0o002])
def test_files_get_the_umask_in_force_when_written_read_without_changing_it(tmp_path, mask):
    """The umask is read when a file is written (not once at import), by both ways of
    reading it, and reading it leaves it as it was."""
    previous = os.umask(mask)
    try:
        assert io.umask() == mask
        assert io._umask_by_probe() == mask
        io.write_text(tmp_path / "f.txt", "x")
        assert stat.S_IMODE((tmp_path / "f.txt").stat().st_mode) == 0o666 & ~mask
        assert os.umask(mask) == mask  # unchanged by reading it
    finally:
        os.umask(previous)


def test_parquet_bytes_depend_only_on_the_table(tmp_path):
    table = pa.table({"x": [1, 2, 3], "y": ["a", "b", "a"]})
    io.write_parquet(tmp_path / "a.parquet", table)
    io.write_parquet(tmp_path / "b.parquet", table)
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert pq.read_table(tmp_path / "a.parquet").equals(table)


def test_prepare_folder_refuses_a_path_under_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="cannot write results there"):
        io.prepare_folder(tmp_path / "file" / "run")
    io.prepare_folder(tmp_path / "new" / "nested")
    assert (tmp_path / "new" / "nested").is_dir()
    assert list((tmp_path / "new" / "nested").iterdir()) == []  # the probe is gone


def _fail_on_third_parquet(monkeypatch, error):
    calls = []
    real = io.write_parquet

    def flaky(path, table):
        calls.append(path.name)
        if len(calls) == 3:
            # fail in the middle of writing the file, as a full disk would
            io.atomic_write(path, lambda tmp: (tmp.write_bytes(b"PAR1 half"), _raise(error)))
        real(path, table)

    monkeypatch.setattr(io, "write_parquet", flaky)
    return calls


def _raise(error):
    raise error


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_interrupted_results_write_leaves_no_manifest(tmp_path, small_run, monkeypatch, error):
    _, res = small_run
    out = tmp_path / "run"
    res.write(out)  # a complete earlier run in the same folder
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert "manifest.json" in before
    calls = _fail_on_third_parquet(monkeypatch, error)
    if isinstance(error, OSError):
        with pytest.raises(InputError, match="writing results failed"):
            res.write(out)
    else:
        with pytest.raises(KeyboardInterrupt):
            res.write(out)
    assert len(calls) == 3
    names = {p.name for p in out.iterdir()}
    assert "manifest.json" not in names  # the folder is no longer marked complete
    assert names == set(before) - {"manifest.json"}  # no temporary files left
    # the file being written when it failed still holds its earlier, whole content
    assert (out / calls[-1]).read_bytes() == before[calls[-1]]
    # a later complete write marks the folder complete again, with matching digests
    monkeypatch.undo()
    res.write(out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert all(io.sha256(out / n) == d for n, d in manifest["files"].items())
