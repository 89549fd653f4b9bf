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
def test_interrupted_results_write_keeps_the_old_run_whole(tmp_path, small_run, monkeypatch,
                                                           error):
    """A write that fails part-way over a complete run leaves that run as it was (its
    manifest and every file), and no staging folder or lock beside it."""
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
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no staging folder, no lock
    # a later complete write marks the folder complete again, with matching digests
    monkeypatch.undo()
    res.write(out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert all(io.sha256(out / n) == d for n, d in manifest["files"].items())


# ------------------------------------------------------------ memory under a cgroup limit

def _cgroup(tmp_path, version: int, limit: str, used: int, cache: int = 0):
    root = tmp_path / "cgroup"
    if version == 2:
        folder = root / "jobs" / "one"
        folder.mkdir(parents=True)
        (root / "cgroup.controllers").write_text("memory cpu\n")
        (folder / "memory.max").write_text(limit + "\n")
        (folder / "memory.current").write_text(f"{used}\n")
        (folder / "memory.stat").write_text(f"anon 5\ninactive_file {cache}\n")
        member = "0::/jobs/one\n"
    else:
        folder = root / "memory" / "jobs" / "one"
        folder.mkdir(parents=True)
        (folder / "memory.limit_in_bytes").write_text(limit + "\n")
        (folder / "memory.usage_in_bytes").write_text(f"{used}\n")
        (folder / "memory.stat").write_text(f"cache 9\ntotal_inactive_file {cache}\n")
        member = "5:devices:/\n4:memory:/jobs/one\n"
    (tmp_path / "membership").write_text(member)
    return root, tmp_path / "membership"


@pytest.mark.parametrize("version", [1, 2])
def test_the_room_under_a_cgroup_limit_is_read(tmp_path, version):
    root, member = _cgroup(tmp_path, version, str(4 * 2**30), 3 * 2**30, cache=2**28)
    assert io.cgroup_room(root, member) == 2**30 + 2**28


@pytest.mark.parametrize(("version", "limit"), [(1, str(9223372036854771712)), (2, "max")])
def test_no_cgroup_limit_means_no_cap(tmp_path, version, limit):
    root, member = _cgroup(tmp_path, version, limit, 2**30)
    assert io.cgroup_room(root, member) is None
    assert io.cgroup_room(tmp_path / "nowhere", member) is None


def test_the_memory_guard_takes_the_smaller_of_the_system_and_the_cgroup(monkeypatch):
    monkeypatch.setattr(io, "cgroup_room", lambda: 123)
    assert io.available_memory() == 123
    monkeypatch.setattr(io, "cgroup_room", lambda: None)
    assert io.available_memory() > 2**20


def test_a_temp_left_by_a_killed_writer_goes_at_the_next_write(tmp_path):
    """SIGKILL during a write leaves ``.NAME.PID-*.tmp``; the next write of NAME removes
    it, but not a temp of a living writer nor one of another name."""
    import signal
    import subprocess
    import sys

    dest = tmp_path / "fitted.toml"
    code = ("import os, signal, sys; from pathlib import Path; "
            "from jinmyaku.storage import files; "
            "files.atomic_write(Path(sys.argv[1]), "
            "lambda tmp: (tmp.write_text('half'), os.kill(os.getpid(), signal.SIGKILL)))")
    proc = subprocess.run([sys.executable, "-c", code, str(dest)], capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    (left,) = tmp_path.glob(".fitted.toml.*.tmp")
    living = tmp_path / f".fitted.toml.{os.getpid()}-abc.tmp"
    living.write_text("being written")
    other = tmp_path / ".other.toml.999999999-x.tmp"
    other.write_text("not ours")
    io.write_text(dest, "whole")
    assert dest.read_text() == "whole"
    assert not left.exists() and living.exists() and other.exists()
