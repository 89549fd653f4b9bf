"""Reliability of the command line against a hostile world (issue 15).

* a full disk (OSError 28, injected) at each write step of ``run``, ``experiment
  claims`` (the report), ``validate``, ``calibrate`` and ``sweep``: exit status 2,
  one paragraph, no traceback, and nothing written before is lost;
* Ctrl-C and SIGTERM at a few moments of a real ``jinmyaku run`` in a subprocess:
  exit status 130 or 143, the old run folder intact, no staging folder left;
* two ``jinmyaku run`` into one folder at once: one is refused with the lock
  message, and the folder ends complete, every manifest checksum matching.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import wait_for

import jinmyaku
from jinmyaku.faces import cli
from jinmyaku.storage import files, folders
from jinmyaku.storage.files import sha256

ENOSPC = os.strerror(errno.ENOSPC)  # "No space left on device"


class DiskFull:
    """Make the ``k``-th atomic file write of the process fail with ENOSPC part-way
    (some bytes already in the temporary file); ``k = None`` only counts them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, k: int | None = None) -> None:
        self.k, self.calls = k, 0
        original = files.atomic_write

        def atomic_write(path, write):
            n, self.calls = self.calls, self.calls + 1
            if n == self.k:
                def partial(tmp: Path) -> None:
                    tmp.write_bytes(b"partial")
                    raise OSError(errno.ENOSPC, ENOSPC, str(tmp))
                return original(path, partial)
            return original(path, write)

        monkeypatch.setattr(files, "atomic_write", atomic_write)


def exchange_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The swap of a written staging folder for the old folder fails (ENOSPC)."""
    def fail(a, b):
        raise OSError(errno.ENOSPC, ENOSPC, str(a))
    monkeypatch.setattr(folders, "_exchange", fail)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` and beside it (hidden leftovers), by relative path."""
    return {str(p.relative_to(folder.parent)): p.read_bytes()
            for p in sorted(folder.parent.rglob("*")) if p.is_file()}


def complete(folder: Path) -> dict:
    """The folder's manifest, after checking it lists every file with its checksum."""
    manifest = json.loads((folder / "manifest.json").read_text())
    written = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    assert written == set(manifest["files"]) | {"manifest.json"}
    for name, digest in manifest["files"].items():
        assert sha256(folder / name) == digest, name
    return manifest


def refused(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    text = " ".join(err.split())
    assert text.startswith("error:") and ENOSPC in text, text
    return text


# ------------------------------------------------------------------ a full disk

RUN = ["run", "small", "--people", "200", "--set", "cohorts.size=10", "--years", "0.1", "-q"]


def test_a_full_disk_while_a_run_folder_is_written(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    with monkeypatch.context() as m:
        count = DiskFull(m)
        assert cli.main([*RUN, "--out", str(out)]) == 0
    capsys.readouterr()
    complete(out)
    before = snapshot(out)
    assert count.calls == 9  # scenario.toml, six Parquet files, report.html, manifest.json
    for k in [*range(count.calls), "swap"]:
        with monkeypatch.context() as m:
            DiskFull(m, k) if k != "swap" else exchange_fails(m)
            assert cli.main([*RUN, "--seed", "9", "--out", str(out)]) == 2, k
        assert "the folder was left as it was" in refused(capsys)
        assert snapshot(out) == before, k  # no partial file, staging folder or lock left


@pytest.fixture(scope="module")
def claims_result():
    """``run_claims``, run once for real and then answered from this cache."""
    from jinmyaku.studies.claims import experiment as ex

    cache = {}
    original = ex.run_claims

    def run_claims(design, **kwargs):
        if "result" not in cache:
            cache["result"] = original(design, **kwargs)
        return cache["result"]
    return run_claims


def test_a_full_disk_while_the_claims_report_is_written(tmp_path, capsys, monkeypatch,
                                                        claims_result):
    from jinmyaku.studies.claims import experiment as ex

    monkeypatch.setattr(ex, "run_claims", claims_result)
    out = tmp_path / "report"
    argv = ["experiment", "claims", "--quick", "--people", "400", "--years", "1.5",
            "--replicates", "2", "--no-sensitivity", "--workers", "0", "-q", "--out", str(out)]
    with monkeypatch.context() as m:
        count = DiskFull(m)
        assert cli.main(argv) == 0
    capsys.readouterr()
    complete(out)
    before = snapshot(out)
    assert count.calls >= 5  # figures, report.md, report.html, tables, manifest.json
    # the first, a middle and the last (the manifest) write: each figure takes a while
    for k in [0, count.calls // 2, count.calls - 1, "swap"]:
        with monkeypatch.context() as m:
            DiskFull(m, k) if k != "swap" else exchange_fails(m)
            assert cli.main(argv) == 2, k
        assert "the folder was left as it was" in refused(capsys)
        assert snapshot(out) == before, k


def observed_network(tmp_path: Path) -> tuple[Path, Path]:
    """A small observed network (40 people, 4 groups) and a scenario file to compare it with."""
    rng = np.random.default_rng(3)
    a = rng.integers(0, 40, 200)
    b = (a + rng.integers(1, 6, 200)) % 40
    edges = tmp_path / "e.csv"
    pd.DataFrame({"source": [f"p{x}" for x in a], "target": [f"p{x}" for x in b],
                  "weight": rng.integers(1, 5, 200)}).to_csv(edges, index=False)
    scenario = tmp_path / "short.toml"
    scenario.write_text(jinmyaku.load("small", ["population.years=0.1"]).to_toml())
    return edges, scenario


def test_a_full_disk_while_validate_writes(tmp_path, capsys, monkeypatch):
    edges, scenario = observed_network(tmp_path)
    out = tmp_path / "validation"
    argv = ["validate", "--against", str(edges), "--scenario", str(scenario), "-q",
            "--out", str(out)]
    with monkeypatch.context() as m:
        count = DiskFull(m)
        assert cli.main(argv) == 0
    capsys.readouterr()
    assert complete(out)["files"].keys() == {"validation.md", "validation.json"}
    before = snapshot(out)
    for k in [*range(count.calls), "swap"]:
        with monkeypatch.context() as m:
            DiskFull(m, k) if k != "swap" else exchange_fails(m)
            assert cli.main([*argv, "--seed", "4"]) == 2, k
        assert "the folder was left as it was" in refused(capsys)
        assert snapshot(out) == before, k


def test_a_full_disk_while_calibrate_writes(tmp_path, capsys, monkeypatch):
    from jinmyaku.studies.validation import calibrate as cal

    edges, _ = observed_network(tmp_path)
    cache = {}
    original = cal.calibrate

    def calibrate(*args, **kwargs):  # the draws are run once
        cache.setdefault("fit", original(*args, **kwargs))
        return cache["fit"]

    monkeypatch.setattr(cal, "calibrate", calibrate)
    out = tmp_path / "fits" / "fitted.toml"
    argv = ["calibrate", "--against", str(edges), "--scenario", "small", "--set",
            "population.years=0.1", "--draws", "8", "-q", "--out", str(out)]
    assert cli.main(argv) == 0
    capsys.readouterr()
    before = snapshot(out)
    with monkeypatch.context() as m:
        DiskFull(m, 0)
        assert cli.main([*argv, "--seed", "2"]) == 2
    assert "a file already there is left as it was" in refused(capsys)
    assert snapshot(out) == before  # the old file, and no temporary file beside it


class FailingConnection:
    """A DuckDB connection whose statements starting with ``fail`` raise a full-disk error."""

    def __init__(self, con, fail: str) -> None:
        self._con, self._fail = con, fail

    def execute(self, sql, *args):
        if sql.startswith(self._fail):
            raise duckdb.IOException(f"Could not write file: {ENOSPC}")
        return self._con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._con, name)


def test_a_full_disk_while_a_sweep_stores_runs(tmp_path, capsys, monkeypatch):
    from jinmyaku.studies.sweep.store import SERIES, Store, series_name

    spec = tmp_path / "spec.toml"
    spec.write_text(textwrap.dedent("""
        scenario = "small"
        set = ["population.people=200", "population.years=0.1", "cohorts.size=10"]
        design = "grid"
        replicates = 1
        seed = 3
        outcomes = ["origin.mixer.ties"]

        [[parameters]]
        path = "processes.mixers.new_tie"
        values = [0.1, 0.3, 0.5]
    """))
    out = tmp_path / "sweep"
    argv = ["sweep", str(spec), "--out", str(out), "--workers", "0", "-q"]

    def stored() -> list[int]:
        with duckdb.connect(str(out / "sweep.duckdb"), read_only=True) as con:
            return [r[0] for r in con.execute("SELECT run FROM runs ORDER BY run").fetchall()]

    def failing_store(fail: str):
        original = Store.open

        def open_(self):
            original(self)
            self.con = FailingConnection(self.con, fail)
            return self
        return open_

    # the second run's series file cannot be written: the first run is kept
    with monkeypatch.context() as m:
        DiskFull(m, 1)
        assert cli.main(argv) == 2
    assert "every run stored before is kept" in refused(capsys)
    assert stored() == [0]
    assert sorted(p.name for p in (out / SERIES).iterdir()) == [series_name(0)]
    # the row of the next run cannot be committed (its series file was written)
    with monkeypatch.context() as m:
        m.setattr(Store, "open", failing_store("INSERT INTO runs"))
        assert cli.main(argv) == 2
    refused(capsys)
    assert stored() == [0]
    # every run stored, then the analysis cannot be saved
    with monkeypatch.context() as m:
        m.setattr(Store, "open", failing_store("DELETE FROM indices"))
        assert cli.main(argv) == 2
    refused(capsys)
    assert stored() == [0, 1, 2]
    # resumed with room again: nothing is redone, the analysis is stored
    assert cli.main(argv) == 0
    assert "0 runs done now, 3 stored before" in " ".join(capsys.readouterr().out.split())
    assert sorted(p.name for p in (out / SERIES).iterdir()) == [series_name(r)
                                                                 for r in range(3)]


# ------------------------------------------------------------------ outputs checked first

def no_work(*args, **kwargs):
    raise AssertionError("the work started before the output was checked")


def foreign_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.tex").write_text("x")
    return folder


def test_a_users_file_a_run_would_write_is_refused_before_the_run(tmp_path, capsys,
                                                                  monkeypatch):
    """Hostile rerun N1: a network.graphml of the user's in a run folder (not in its
    manifest) was overwritten by a new run with --export-graph."""
    from jinmyaku.studies import results

    out = tmp_path / "run"
    assert cli.main([*RUN, "--out", str(out)]) == 0
    capsys.readouterr()
    (out / "network.graphml").write_text("<graphml>mine</graphml>")
    before = snapshot(out)
    monkeypatch.setattr(results, "simulation", no_work)
    assert cli.main([*RUN, "--out", str(out), "--export-graph"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    err = " ".join(err.split())
    assert err.startswith(f"error: {out / 'network.graphml'}: not a file of the run folder")
    assert "Move or rename it, or choose another --out." in err
    assert snapshot(out) == before and sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_calibrate_refuses_a_folder_as_out_before_any_draw(tmp_path, capsys, monkeypatch):
    """Once an IsADirectoryError (a traceback) after every draw had run."""
    from jinmyaku.studies.validation import calibrate as cal

    monkeypatch.setattr(cal, "calibrate", no_work)
    edges, _ = observed_network(tmp_path)
    folder = foreign_folder(tmp_path)
    code = cli.main(["calibrate", "--against", str(edges), "--draws", "8", "-q",
                     "--out", str(folder)])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2 and "is a folder" in err and "Traceback" not in err


@pytest.mark.parametrize("against", [False, True])
def test_validate_claims_its_folder_before_running(tmp_path, capsys, monkeypatch, against):
    from jinmyaku.studies.validation import observed, suite

    monkeypatch.setattr(suite, "run", no_work)
    monkeypatch.setattr(observed, "compare", no_work)
    edges, _ = observed_network(tmp_path)
    folder = foreign_folder(tmp_path)
    argv = ["validate", "-q", "--out", str(folder)] + (["--against", str(edges)]
                                                        if against else ["--quick"])
    code = cli.main(argv)
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2 and "is not a jinmyaku validation folder" in err
    assert [p.name for p in folder.iterdir()] == ["thesis.tex"]


def test_validate_replaces_a_folder_of_an_older_version(tmp_path, capsys, monkeypatch):
    """A folder with nothing but validation.md and validation.json (written before
    validation folders had a manifest) is replaced whole."""
    edges, scenario = observed_network(tmp_path)
    out = tmp_path / "old"
    out.mkdir()
    for name in ("validation.md", "validation.json"):
        (out / name).write_text("old")
    assert cli.main(["validate", "--against", str(edges), "--scenario", str(scenario), "-q",
                     "--out", str(out)]) == 0
    assert (out / "validation.md").read_text() != "old"
    complete(out)


def test_the_claims_report_folder_is_claimed_before_running(tmp_path, capsys, monkeypatch):
    from jinmyaku.studies.claims import experiment as ex

    monkeypatch.setattr(ex, "run_claims", no_work)
    folder = foreign_folder(tmp_path)
    code = cli.main(["experiment", "claims", "--quick", "--no-sensitivity", "-q",
                     "--out", str(folder)])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2 and "not a jinmyaku report folder" in err


@pytest.mark.parametrize("argv", [["validate", "--quick"], ["validate"],
                                  ["validate", "--against", "EDGES"]])
def test_validate_advises_options_it_has(tmp_path, capsys, monkeypatch, argv):
    """Too little memory: validate once advised --people and --years, which it lacks."""
    from jinmyaku.storage import memory
    from jinmyaku.studies.validation import observed, suite

    monkeypatch.setattr(suite, "run", no_work)
    monkeypatch.setattr(observed, "compare", no_work)
    monkeypatch.setattr(memory, "available", lambda: 1 << 20)
    edges, _ = observed_network(tmp_path)
    argv = [str(edges) if a == "EDGES" else a for a in argv]
    code = cli.main([*argv, "-q", "--out", str(tmp_path / "v")])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2 and "GiB" in err and "Traceback" not in err
    assert "--people" not in err and "--years" not in err
    assert "--scenario" in err
    assert ("--quick" in err) == (argv == ["validate"])
    assert not (tmp_path / "v").exists()


# ------------------------------------------------------------------ signals

# A run of a few seconds: about one to import, two to run, a few tenths to write.
LONG = ["run", "small", "--people", "2000", "--years", "1", "--export-graph", "-q"]
START = ("from jinmyaku.faces.start import entry; entry()",)


def jinmyaku_process(*argv: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", *START, *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def old_run(tmp_path_factory):
    """A complete run folder, to be overwritten by the runs that get interrupted."""
    out = tmp_path_factory.mktemp("signals") / "run"
    assert cli.main([*RUN, "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize(("signum", "moment"), [
    (signal.SIGINT, "starting"), (signal.SIGINT, "running"), (signal.SIGTERM, "running"),
    (signal.SIGINT, "writing"), (signal.SIGTERM, "writing")])
def test_a_signal_leaves_the_old_run_folder(old_run, tmp_path, signum, moment):
    out = tmp_path / "run"
    # a copy of the old folder, so that each case starts from the same one
    out.mkdir()
    for p in old_run.iterdir():
        (out / p.name).write_bytes(p.read_bytes())
    before = snapshot(out)
    proc = jinmyaku_process(*LONG, "--out", str(out))
    try:
        if moment == "starting":
            time.sleep(0.8)  # importing the command line (about a second)
        elif moment == "running":
            wait_for(lambda: (tmp_path / ".run.lock").exists(), proc)  # claimed, then running
            time.sleep(0.8)
        else:
            wait_for(lambda: any(tmp_path.glob(".run.new-*")), proc)  # the staging folder
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    expected = 130 if signum == signal.SIGINT else 143
    assert proc.returncode in (expected, -signum), err  # -signum: killed before any handler
    assert "Traceback" not in err, err
    # the old folder whole; no staging folder, lock or temp
    assert snapshot(out) == before, (proc.returncode, err)
    complete(out)


def test_two_runs_into_one_folder(tmp_path):
    out = tmp_path / "run"
    procs = [jinmyaku_process(*LONG, "--seed", str(seed), "--out", str(out))
             for seed in (1, 2)]
    results = [(p.wait(timeout=120), p.communicate()[1]) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    err = next(err for code, err in results if code == 2)
    assert "another jinmyaku process (pid" in " ".join(err.split()) and "Traceback" not in err
    manifest = complete(out)
    winner = next(i for i, (code, _) in enumerate(results) if code == 0)
    assert manifest["seed"] == (1, 2)[winner]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no lock, staging or temp left


@pytest.mark.parametrize("delay", [0.15, 0.3, 0.5])
def test_ctrl_c_early_in_start_up_says_one_line(tmp_path, delay):
    """Ctrl-C while Python imports the command line and sets up (the first half second):
    one line and status 130, no traceback, nothing written. Before the facade stopped
    importing Numba, 0.05-0.3 s gave a KeyboardInterrupt traceback."""
    proc = jinmyaku_process(*RUN, "--out", str(tmp_path / "run"))
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the run finished before the signal")  # a very fast machine
    assert proc.returncode in (130, -signal.SIGINT), err
    assert "Traceback" not in err, err
    assert not (tmp_path / "run").exists()


def interrupted_or_done(proc: subprocess.Popen, out: Path) -> tuple[int, str]:
    """The exit of a run signalled with SIGINT: 130 and the run command's one line (no
    folder, or the folder whole if the signal came as the summary was printed), or 0
    with the folder complete (it came once the command was done). Never killed by the
    signal (-2) and never a traceback."""
    _, err = proc.communicate(timeout=180)
    assert "Traceback" not in err and "Exception ignored" not in err, err
    if proc.returncode == 0:
        complete(out)
    else:
        assert proc.returncode == 130, (proc.returncode, err)
        said = " ".join(err.split())
        whole = (f"interrupted: the run folder {out} was written whole (manifest.json "
                 f"last); only the summary was not shown.")
        assert said in (STARTING, f"interrupted: {NO_RUN}", f"interrupted: {NOTHING}",
                        whole), err
        if said == whole:
            complete(out)
        else:
            assert not out.exists()
    return proc.returncode, err


STARTING = "interrupted while starting: nothing was done."
NO_RUN = "no complete run folder was written (no manifest.json)."
NOTHING = "the command was stopped before it wrote anything."


@pytest.fixture(scope="module")
def small_run_seconds(tmp_path_factory) -> float:
    """How long `jinmyaku run small` takes here, start to exit (kernels cached)."""
    out = tmp_path_factory.mktemp("timed") / "run"
    started = time.monotonic()
    proc = jinmyaku_process("run", "small", "-q", "--out", str(out))
    assert proc.wait(timeout=300) == 0, proc.communicate()
    return time.monotonic() - started


@pytest.mark.parametrize("share", [0.35, 0.5, 0.65, 0.8, 0.9, 0.97])
def test_ctrl_c_at_any_moment_of_a_small_run(tmp_path, small_run_seconds, share):
    """Hostile rerun D12: Ctrl-C about 1.5 s into `jinmyaku run small` (warm kernel
    cache) let the run finish, then the process died by SIGINT (exit -2, nothing said):
    the signal came as Python was freeing the loaded kernels (about 0.2 s after the
    command was done), when Python has put back the default action. Wherever the
    signal lands now (a share of the time the run takes here), the outcome is one of two
    clean ones."""
    out = tmp_path / "run"
    proc = jinmyaku_process("run", "small", "-q", "--out", str(out))
    time.sleep(share * small_run_seconds)  # the moments of a run, whatever its speed
    proc.send_signal(signal.SIGINT)
    interrupted_or_done(proc, out)


def test_ctrl_c_as_a_run_finishes(tmp_path):
    """The signal sent the moment the run folder is swapped in: while the summary is
    printed (130, saying the folder is whole) or while Python exits (0)."""
    out = tmp_path / "run"
    proc = jinmyaku_process("run", "small", "--out", str(out))
    try:
        wait_for(lambda: (out / "manifest.json").exists(), proc, timeout=180)
        proc.send_signal(signal.SIGINT)
        interrupted_or_done(proc, out)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_signal_inside_an_llvm_callback_comes_again_after_it(monkeypatch):
    """A KeyboardInterrupt raised inside llvmlite's object-cache callbacks (called by
    LLVM through ctypes while Numba compiles or loads a kernel) is printed by ctypes
    as "Exception ignored" and lost: the run went on. The handler sends the signal
    again a moment later instead."""
    fake = {}
    exec(compile("def _raw_object_cache_getbuffer(handler, signum):\n"
                 "    import sys\n"
                 "    handler(signum, sys._getframe())\n",
                 "/site-packages/llvmlite/binding/executionengine.py", "exec"), fake)
    previous = signal.signal(signal.SIGINT, cli._on_sigint)
    try:
        with pytest.raises(KeyboardInterrupt):
            cli._on_sigint(signal.SIGINT, sys._getframe())  # elsewhere: at once
        fake["_raw_object_cache_getbuffer"](cli._on_sigint, signal.SIGINT)  # no raise
        with pytest.raises(KeyboardInterrupt):
            time.sleep(5)  # the signal sent again
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_signal_inside_a_weakref_callback_comes_again_after_it(capsys):
    """Ctrl-C landing in a garbage-collector or weakref callback (seen once in a
    fresh-clone run: "Exception ignored in: WeakKeyDictionary … KeyboardInterrupt")
    cannot leave it; the program's unraisable hook prints nothing and sends it again."""
    import weakref

    class Thing:
        pass

    previous_hook = sys.unraisablehook
    previous = signal.signal(signal.SIGINT, cli._on_sigint)
    sys.unraisablehook = cli._unraisable_interrupt(previous_hook)
    try:
        t = Thing()
        ref = weakref.ref(t, lambda r: cli._on_sigint(signal.SIGINT, sys._getframe()))
        del t  # the callback raises KeyboardInterrupt where it cannot leave
        assert ref() is None
        with pytest.raises(KeyboardInterrupt):
            time.sleep(5)  # the signal sent again
    finally:
        sys.unraisablehook = previous_hook
        signal.signal(signal.SIGINT, previous)
    assert "Exception ignored" not in capsys.readouterr().err


def test_setup_interrupted_returns_130(monkeypatch, capsys):
    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "setup_process", interrupted)
    assert cli.main(["scenarios"]) == 130
    assert capsys.readouterr().err == "interrupted while starting: nothing was done.\n"


def test_the_facade_imports_no_numba_and_kernel_layers_choose_the_cache(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["JINMYAKU_CACHE"] = str(tmp_path)
    code = ("import sys, jinmyaku, jinmyaku.faces.start; "
            "print('numba' in sys.modules, 'numpy' in sys.modules); "
            "import jinmyaku.analysis.network, jinmyaku._kernel_cache as kc; "
            "from numba.core import config; print(config.CACHE_DIR == str(kc.folder()))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == ["False", "False", "True"]


def test_an_interrupt_while_the_world_is_built_releases_the_folder(old_run, tmp_path,
                                                                   monkeypatch, capsys):
    """SIGTERM between claiming the folder and running (the world being built) left the
    lock file behind (seen under load by the signal test above)."""
    from jinmyaku.studies import results

    out = tmp_path / "run"
    out.mkdir()
    for p in old_run.iterdir():
        (out / p.name).write_bytes(p.read_bytes())
    before = snapshot(out)

    def terminated(*args, **kwargs):
        raise cli._Terminated

    monkeypatch.setattr(results, "simulation", terminated)
    assert cli.main([*RUN, "--out", str(out)]) == 143
    assert "terminated" in capsys.readouterr().err
    assert snapshot(out) == before and not (tmp_path / ".run.lock").exists()


def test_an_early_interrupt_names_what_the_command_leaves(monkeypatch, capsys):
    """Hostile rerun D4: Ctrl-C while validate or calibrate imported its study printed
    the run command's words ("no complete run folder"). Each command now says its own
    words before importing anything; before any command, the words claim nothing."""
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.scenario_mod, "load", interrupted)
    assert cli.main(["validate", "--quick", "-q"]) == 130
    err = " ".join(capsys.readouterr().err.split())
    assert "no validation folder was written" in err and "run folder" not in err
    assert cli._INTERRUPTED.startswith("no validation folder")  # set by validate
    monkeypatch.setattr(cli, "setup_process", lambda: None)
    monkeypatch.setattr(cli, "app", lambda **kw: interrupted())
    assert cli.main(["anything"]) == 130
    assert "stopped before it wrote anything" in capsys.readouterr().err


@pytest.mark.parametrize("error", [MemoryError("Unable to allocate 50.4 MiB"),
                                   RuntimeError("can't start new thread")])
def test_memory_refused_by_the_system_is_one_message(monkeypatch, capsys, error, tmp_path):
    """Hostile rerun D9: under ulimit -v a run failed with MemoryError or "can't start
    new thread" and a traceback (the memory check cannot see a per-process limit)."""
    from jinmyaku.studies import results

    def refused(*args, **kwargs):
        raise error

    monkeypatch.setattr(results, "simulation", refused)
    assert cli.main([*RUN, "--out", str(tmp_path / "run")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "refused memory" in err and "ulimit -v" in err and "Traceback" not in err
    assert not (tmp_path / "run").exists() and list(tmp_path.iterdir()) == []


def limited(kib: int):
    """For subprocess.Popen: run the child under ``ulimit -v KIB``."""
    def set_limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (kib * 1024, resource.RLIM_INFINITY))
    return set_limit


@pytest.mark.parametrize("kib", [300_000, 700_000])
def test_a_too_small_address_space_is_refused_at_start(tmp_path, kib):
    """Hostile rerun D10: under ulimit -v 700000 the command hung while OpenBLAS started
    its threads (on the tester's machine); lower limits gave an import traceback. The
    program now refuses to start below 1 GiB, naming the limit, before NumPy loads."""
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-c", *START, "run", "small", "-q", "--out",
                           str(out)], capture_output=True, text=True, timeout=120,
                          preexec_fn=limited(kib))
    assert proc.returncode == 2, proc.stderr
    said = " ".join(proc.stderr.split())
    assert said.startswith(f"error: the per-process memory limit (ulimit -v) is {kib:,} KiB, "
                           f"below the 1,048,576 KiB"), said
    assert "ulimit -v unlimited" in said and "Traceback" not in said
    assert list(tmp_path.iterdir()) == []


def test_an_address_space_of_a_gib_is_enough_to_start(tmp_path):
    from jinmyaku.faces import start

    assert start.MIN_ADDRESS_SPACE == 2**30
    proc = subprocess.run([sys.executable, "-c", *START, "scenarios"], capture_output=True,
                          text=True, timeout=120, preexec_fn=limited(2**20 + 1024))
    assert proc.returncode == 0 and "small" in proc.stdout, proc.stderr


def test_other_runtime_errors_are_not_taken_for_memory(monkeypatch, tmp_path):
    from jinmyaku.studies import results

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(results, "simulation", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        cli.main([*RUN, "--out", str(tmp_path / "run")])
