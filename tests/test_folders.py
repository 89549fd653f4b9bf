"""Output folders: written whole or not at all, one writer at a time, others' files left alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jinmyaku.errors import InputError
from jinmyaku.storage import folders
from jinmyaku.storage.folders import MARKER, OutputFolder


def fill_with(content: str, fail_after: int | None = None, error: BaseException | None = None):
    def fill(staging: Path) -> list[str]:
        names = ["a.txt", "b.txt", "c.txt"]
        for k, name in enumerate(names):
            if fail_after is not None and k == fail_after:
                raise error
            (staging / name).write_text(f"{content} {name}")
        (staging / MARKER).write_text(content)
        return names
    return fill


def contents(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in folder.iterdir()}


def beside(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


def test_a_new_folder_is_written_and_a_second_write_replaces_it(tmp_path):
    out = tmp_path / "run"
    with OutputFolder(out) as f:
        assert f.write(fill_with("one")) == ["a.txt", "b.txt", "c.txt"]
    assert contents(out)["a.txt"] == "one a.txt"
    with OutputFolder(out) as f:
        f.write(fill_with("two"))
    assert set(contents(out).values()) == {"two", "two a.txt", "two b.txt", "two c.txt"}
    assert beside(out) == []  # no lock, staging or old folder left


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failed_write_leaves_the_old_folder_as_it_was(tmp_path, error):
    out = tmp_path / "run"
    with OutputFolder(out) as f:
        f.write(fill_with("old"))
    before = contents(out)
    with pytest.raises(type(error)), OutputFolder(out) as f:
        f.write(fill_with("new", fail_after=2, error=error))
    assert contents(out) == before
    assert beside(out) == []


@pytest.mark.parametrize("exchange", [True, False])
def test_both_ways_of_swapping_give_the_new_folder(tmp_path, monkeypatch, exchange):
    if not exchange:  # a system without renameat2: two renames
        monkeypatch.setattr(folders, "_exchange", lambda a, b: False)
    out = tmp_path / "run"
    for word in ("old", "new"):
        with OutputFolder(out) as f:
            f.write(fill_with(word))
    assert contents(out)[MARKER] == "new" and beside(out) == []


def test_a_second_writer_is_refused_while_the_first_holds_the_folder(tmp_path):
    out = tmp_path / "run"
    with OutputFolder(out):
        with pytest.raises(InputError, match=rf"another jinmyaku process \(pid {os.getpid()}\)"):
            OutputFolder(out).claim()
    with OutputFolder(out) as f:  # free again once the first let go
        f.write(fill_with("x"))


def test_a_second_writer_in_another_process_is_refused(tmp_path):
    out = tmp_path / "run"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\n"
         "from jinmyaku.storage.folders import OutputFolder\n"
         f"f = OutputFolder({str(out)!r}); f.claim(); print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(InputError, match=rf"pid {holder.pid}\)"):
            OutputFolder(out).claim()
    finally:
        holder.kill()
        holder.wait()
    with OutputFolder(out) as f:  # a killed holder's lock went with it
        f.write(fill_with("after"))
    assert contents(out)[MARKER] == "after"


def test_a_folder_of_someone_elses_files_is_refused_and_left_alone(tmp_path):
    out = tmp_path / "photos"
    out.mkdir()
    (out / "holiday.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(InputError, match="not a jinmyaku run folder"):
        OutputFolder(out, "run folder").claim()
    assert [p.name for p in out.iterdir()] == ["holiday.jpg"]
    assert (out / "holiday.jpg").read_bytes() == b"\xff\xd8"
    assert beside(out) == []
    empty = tmp_path / "empty"
    empty.mkdir()
    with OutputFolder(empty) as f:  # an empty folder is fine
        f.write(fill_with("e"))


def test_what_a_killed_writer_left_is_cleaned_or_restored(tmp_path):
    out = tmp_path / "run"
    # killed between the two renames of a swap: the old run aside, no folder
    old = tmp_path / ".run.old-99999"
    old.mkdir()
    (old / MARKER).write_text("old")
    stale = tmp_path / ".run.new-99998"
    stale.mkdir()
    (stale / "a.txt").write_text("half")
    with OutputFolder(out):
        assert contents(out) == {MARKER: "old"}
    assert beside(out) == []


def test_sigkill_during_the_write_loses_nothing(tmp_path):
    """A writer killed at random moments while writing over a complete folder: the
    folder is always the old one or the new one, whole."""
    out = tmp_path / "run"
    with OutputFolder(out) as f:
        f.write(fill_with("old"))
    # (the old folder's manifest lists no files: a.txt, b.txt, c.txt count as the
    # user's and are carried into the new folder)
    script = ("import time, sys\n"
              "from jinmyaku.storage.folders import OutputFolder\n"
              "def fill(s):\n"
              "    for k in range(200):\n"
              "        (s / f'f{k}.txt').write_text('new')\n"
              "        time.sleep(0.001)\n"
              "    (s / 'manifest.json').write_text('new')\n"
              "    return [f'f{k}.txt' for k in range(200)]\n"
              f"with OutputFolder({str(out)!r}) as f:\n"
              "    print('go', flush=True)\n"
              "    f.write(fill)\n")
    seen = set()
    for delay in (0.0, 0.05, 0.1, 0.2, 0.3, 0.5):
        p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        p.stdout.readline()
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        with OutputFolder(out):  # the next writer cleans up after the killed one
            state = (out / MARKER).read_text()
            seen.add(state)
            files = contents(out)
            assert (state == "old" and len(files) == 4) or (state == "new" and len(files) == 204)
        assert beside(out) == []
    assert "old" in seen


def _fill_listed(names: list[str], content: str):
    """A fill that writes ``names`` and a JSON manifest listing them (as runs do)."""
    import json

    def fill(staging: Path) -> list[str]:
        for name in names:
            (staging / name).write_text(f"{content} {name}")
        (staging / MARKER).write_text(json.dumps({"files": {n: "x" for n in names}}))
        return names
    return fill


def test_a_users_own_files_survive_a_new_write_and_an_old_runs_extras_do_not(tmp_path):
    """Hostile rerun D7: a second run deleted notes the user kept in the run folder."""
    out = tmp_path / "run"
    with OutputFolder(out) as f:
        f.write(_fill_listed(["a.txt", "network.graphml"], "one"))
    (out / "notes.txt").write_text("mine")
    (out / "drafts").mkdir()
    (out / "drafts" / "d.txt").write_text("also mine")
    with OutputFolder(out) as f:
        f.write(_fill_listed(["a.txt"], "two"))
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "drafts" / "d.txt").read_text() == "also mine"
    assert (out / "a.txt").read_text() == "two a.txt"
    assert not (out / "network.graphml").exists()  # the old run's, not the user's
    assert beside(out) == []


def test_a_users_file_with_a_name_the_write_makes_is_refused_not_overwritten(tmp_path):
    """Hostile rerun N1: a user's own network.graphml (not in the old manifest) was
    replaced by a new run's. A writer that says what it writes is refused when it
    claims the folder; one that does not, before the swap. Either way the folder
    is left as it was and nothing is left beside it."""
    out = tmp_path / "run"
    with OutputFolder(out) as f:
        f.write(_fill_listed(["a.txt"], "one"))
    (out / "network.graphml").write_text("mine")
    (out / "notes.txt").write_text("also mine")
    before = contents(out)
    folder = OutputFolder(out, "run folder", writes=["a.txt", "network.graphml"])
    with pytest.raises(InputError) as e:
        folder.claim()
    text = str(e.value)
    assert text.startswith(f"{out / 'network.graphml'}: not a file of the run folder there")
    assert "Move or rename it, or choose another --out." in text and "notes.txt" not in text
    assert contents(out) == before and beside(out) == []  # no lock left either
    with OutputFolder(out) as f, pytest.raises(InputError, match="network.graphml: not a file"):
        f.write(_fill_listed(["a.txt", "network.graphml"], "two"))
    assert contents(out) == before and beside(out) == []
    # a name in a sub-folder the write makes counts by its top-level name
    (out / "figures").mkdir()
    with pytest.raises(InputError, match="figures: not a file"):
        OutputFolder(out, writes=["figures/a.png"]).claim()
    # the old run's own network.graphml (listed) is replaced as before
    (out / "figures").rmdir()
    (out / "network.graphml").unlink()
    with OutputFolder(out, writes=["a.txt", "network.graphml"]) as f:
        f.write(_fill_listed(["a.txt", "network.graphml"], "two"))
    with OutputFolder(out, writes=["a.txt", "network.graphml"]) as f:
        f.write(_fill_listed(["a.txt", "network.graphml"], "three"))
    assert (out / "network.graphml").read_text() == "three network.graphml"
    assert (out / "notes.txt").read_text() == "also mine"


def test_out_through_a_symbolic_link_replaces_the_target_and_keeps_the_link(tmp_path):
    """Hostile rerun D2: the link was replaced by a folder and a link left beside it."""
    target = tmp_path / "target"
    with OutputFolder(target) as f:
        f.write(_fill_listed(["a.txt"], "one"))
    link = tmp_path / "link"
    link.symlink_to(target)
    with OutputFolder(link) as f:
        f.write(_fill_listed(["a.txt"], "two"))
    assert link.is_symlink() and (link / "a.txt").read_text() == "two a.txt"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "target"]


def test_the_folder_one_is_in_is_refused(tmp_path, monkeypatch):
    """Hostile rerun D3: ``--out .`` was refused as not empty (its lock was inside it),
    or ran to the end and failed at the swap."""
    here = tmp_path / "here"
    (here / "deeper").mkdir(parents=True)
    monkeypatch.chdir(here / "deeper")
    for out in (".", "..", str(here), str(here / "deeper")):
        with pytest.raises(InputError, match="the folder you are in"):
            OutputFolder(out)
    OutputFolder("results")  # a name is fine
    assert sorted(p.name for p in here.iterdir()) == ["deeper"]


def test_a_full_disk_when_the_lock_is_written_is_a_clear_error(tmp_path, monkeypatch):
    """Hostile rerun D8: with 0 bytes free the lock file was left and the message named
    no file."""
    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(folders.os, "pwrite", full)
    with pytest.raises(InputError, match=r"\.run\.lock.*No space left"):
        OutputFolder(tmp_path / "run").claim()
    assert list(tmp_path.iterdir()) == []
