"""The command line, through ``jinmyaku.faces.cli.main(argv)`` (returns the exit status)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from jinmyaku import __version__
from jinmyaku.faces import cli
from jinmyaku.model.scenario import load
from jinmyaku.storage.files import sha256

RUN = ["run", "small", "--years", "0.2", "-q"]
PARQUET = ["series", "events", "ties", "opportunities", "people", "summary"]


def main(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_run_writes_a_complete_run_folder(tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, err = main(capsys, *RUN, "--out", str(out), "--set", "population.people=500",
                             "--people", "200", "--set", "cohorts.size=20", "--export-graph")
    assert code == 0, err
    assert "Traceback" not in stdout + err
    expected = {"scenario.toml", "manifest.json", "network.graphml", "report.html",
                *(f"{n}.parquet" for n in PARQUET)}
    assert {p.name for p in out.iterdir()} == expected
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["files"]) == expected - {"manifest.json"}
    for name, digest in manifest["files"].items():
        assert sha256(out / name) == digest, name
    # --people is applied after --set population.people; --years 0.2 is 10 weeks
    sc = tomllib.loads((out / "scenario.toml").read_text())
    assert sc["population"]["people"] == 200 and sc["cohorts"]["size"] == 20
    assert manifest["steps"] == 10 and manifest["scenario"] == "small"
    assert manifest["seed"] == sc["seed"] and manifest["jinmyaku"] == __version__
    assert load(out / "scenario.toml").population.people == 200
    people = pd.read_parquet(out / "people.parquet")
    assert len(people) == 200
    assert pd.read_parquet(out / "series.parquet")["step"].max() == 10
    g = nx.read_graphml(out / "network.graphml")
    assert g.number_of_nodes() == 200
    ties = pd.read_parquet(out / "ties.parquet")
    assert g.number_of_edges() == int(ties["death"].isna().sum())
    # the summary tables name every focal strategy
    for strategy in load("small").cohorts.strategies:
        assert strategy in stdout
    assert str(out) in stdout.replace("\n", "")


@pytest.mark.parametrize("cohorts", ["cohorts.size=0", "cohorts.strategies=[]"])
def test_run_without_focal_cohorts(cohorts, tmp_path, capsys):
    code, stdout, err = main(capsys, *RUN, "--people", "100", "--years", "0.05",
                             "--set", cohorts, "--out", str(tmp_path / "r"))
    assert code == 0, err
    assert "Traceback" not in stdout + err
    if cohorts.endswith("[]"):
        assert "no focal cohorts" in stdout
    assert (tmp_path / "r" / "manifest.json").exists()


def test_scenarios_lists_builtins(capsys):
    code, stdout, err = main(capsys, "scenarios")
    assert code == 0, err
    assert "default" in stdout and "small" in stdout


@pytest.mark.parametrize("name", ["default", "small"])
def test_scenarios_show_prints_toml_that_loads_back(name, tmp_path, capsys):
    code, stdout, err = main(capsys, "scenarios", "show", name)
    assert code == 0, err
    raw = tomllib.loads(stdout)  # valid TOML, nothing else on stdout
    assert raw["name"] == name and "processes" in raw and "strategies" in raw
    path = tmp_path / "shown.toml"
    path.write_text(stdout, encoding="utf-8")
    assert load(path) == load(name)


def test_version(capsys):
    code, stdout, _ = main(capsys, "--version")
    assert code == 0 and __version__ in stdout


def _file_under_a_file(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    return str(blocker / "run")


def _malformed(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[population\npeople = 10\n")
    return path


BAD = [
    pytest.param(lambda t: ["run", "no-such-scenario"], "neither a built-in", id="unknown-name"),
    pytest.param(lambda t: ["run", str(t / "missing.toml")], "no such scenario file",
                 id="missing-file"),
    pytest.param(lambda t: ["run", str(_malformed(t))], "not valid TOML", id="malformed-toml"),
    pytest.param(lambda t: ["run", "small", "--set", "processes.mixers.seek_known=2"],
                 "processes.mixers.seek_known", id="out-of-range-set"),
    pytest.param(lambda t: ["run", "small", "--set", "population.people"], "KEY=VALUE",
                 id="set-without-value"),
    pytest.param(lambda t: ["run", "small", "--set", "seed.x=1"], "not a table",
                 id="set-into-a-number"),
    pytest.param(lambda t: ["run", "small", "--set", "population.peeple=3"], "unknown key",
                 id="set-unknown-key"),
    pytest.param(lambda t: ["run", "small", "--people", "200"], "cohorts.size",
                 id="cohorts-larger-than-population"),
    pytest.param(lambda t: ["run", "small", "--years", "-1"], "population.years",
                 id="negative-years"),
    pytest.param(lambda t: ["run", "small", "--people", "many"], "--people", id="not-a-number"),
    pytest.param(lambda t: ["run", "small", "--colour"], "--colour", id="unknown-option"),
    pytest.param(lambda t: ["scenarios", "show", "nope"], "no built-in scenario",
                 id="show-unknown"),
    pytest.param(lambda t: ["run", "small", "--people", "100", "--set", "cohorts.size=5",
                            "--out", _file_under_a_file(t)], "cannot write results",
                 id="out-under-a-file"),
]


@pytest.mark.parametrize(("argv", "words"), BAD)
def test_bad_input_exits_2_without_traceback(argv, words, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a default run folder would land here
    args = argv(tmp_path)
    code, stdout, err = main(capsys, *args, *(["-q"] if args[0] == "run" else []))
    assert code == 2, (stdout, err)
    text = stdout + err
    assert "Traceback" not in text
    assert words in " ".join(text.split()), text  # rich may wrap long messages
    assert not (tmp_path / "runs").exists()  # nothing was run or written


def test_unwritable_out_is_refused_before_running(tmp_path, capsys, monkeypatch):
    import jinmyaku.model.engine

    def no_run(*args, **kwargs):
        raise AssertionError("the simulation ran before the folder was checked")

    monkeypatch.setattr(jinmyaku.model.engine.Simulation, "__init__", no_run)
    code, _, err = main(capsys, *RUN, "--people", "100", "--set", "cohorts.size=5",
                        "--out", _file_under_a_file(tmp_path))
    assert code == 2 and "a-file" in err and "Traceback" not in err


def test_interrupted_run_exits_130_and_writes_no_manifest(tmp_path, capsys, monkeypatch):
    import jinmyaku.model.engine

    def interrupted(self, progress=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(jinmyaku.model.engine.Simulation, "run", interrupted)
    out = tmp_path / "r"
    code, _, err = main(capsys, *RUN, "--people", "100", "--set", "cohorts.size=5",
                        "--out", str(out))
    assert code == 130
    assert "Traceback" not in err
    assert not (out / "manifest.json").exists()


def test_a_strategy_named_background_is_refused(tmp_path, capsys):
    path = tmp_path / "bg.toml"
    path.write_text('name = "bg"\nbackground = { passive = 1.0 }\n'
                    '[population]\npeople = 100\nyears = 0.05\n'
                    '[cohorts]\nsize = 10\nstrategies = ["background"]\n'
                    '[strategies.passive]\nsocial = 1.0\n'
                    '[strategies.background]\ninput = 1.0\n')
    code, stdout, err = main(capsys, "run", str(path), "-q", "--out", str(tmp_path / "r"))
    assert code == 2 and "Traceback" not in stdout + err
    assert "strategies.background" in err and "reserved" in err
    assert not (tmp_path / "r" / "manifest.json").exists()


@pytest.mark.parametrize("cold", [True, False])
def test_a_cold_kernel_cache_is_announced_and_the_speed_leaves_out_week_one(
        cold, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli._kernel_cache, "is_cold", lambda: cold)
    code, stdout, err = main(capsys, *RUN, "--people", "300", "--set", "cohorts.size=20",
                             "--out", str(tmp_path / "run"))
    assert code == 0, err
    assert (cli.COMPILING in err) == cold
    text = " ".join(stdout.split())
    assert "Speed over weeks 2–10:" in text and "person-weeks/s" in text
    assert "set-up and week 1, which compile or load the kernels, took" in text


def test_the_speed_is_over_the_weeks_after_the_first():
    # set-up and week 1 took 50 s (compiling); weeks 2-3 took 1 s for 1,000 people
    text = cli.throughput(1000, 0.0, {1: 50.0, 2: 50.5, 3: 51.0}, elapsed=52.0)
    assert text.startswith("52.0 s in all. Speed over weeks 2–3: 2,000 person-weeks/s")
    assert "took 50.0 s" in text
    assert "Speed over week 2: 1,000 person-weeks/s" in cli.throughput(
        500, 0.0, {1: 10.0, 2: 10.5}, elapsed=11.0)
    one = cli.throughput(1000, 0.0, {1: 50.0}, elapsed=50.0)
    assert "person-weeks/s" not in one and "too short" in one


@pytest.mark.parametrize("argv, seed", [
    (["--seed", "6"], 6), (["--set", "seed=5"], 5), (["--set", "seed=5", "--seed", "6"], 6)])
def test_seed_from_option_or_set(argv, seed, tmp_path, capsys):
    out = tmp_path / "run"
    code, _, err = main(capsys, "run", "small", "--years", "0.05", "-q", "--people", "300",
                        "--set", "cohorts.size=20", *argv, "--out", str(out))
    assert code == 0, err
    assert tomllib.loads((out / "scenario.toml").read_text())["seed"] == seed
    assert json.loads((out / "manifest.json").read_text())["seed"] == seed


def _cli_env(**changes: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(changes)
    return env


CLI = ("from jinmyaku.faces.cli import entry; entry()",)


def test_the_first_run_on_a_machine_says_it_is_compiling(tmp_path):
    """A fresh kernel cache: the command says so before it compiles (stopped there)."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-c", *CLI, "run", "small", "--people", "200", "--set",
         "cohorts.size=10", "--set", "population.steps=2", "-q", "--out", str(tmp_path / "r")],
        env=_cli_env(JINMYAKU_CACHE=str(tmp_path / "fresh")), stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL, text=True)
    try:
        first = proc.stderr.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert first.strip() == cli.COMPILING


def test_a_later_run_does_not_say_it_is_compiling(tmp_path):
    import subprocess
    import sys

    import jinmyaku
    from jinmyaku.studies.results import simulate

    simulate(jinmyaku.load("small", ["population.people=200", "population.steps=2",
                                     "cohorts.size=10"]))  # the kernels are in the cache
    out = subprocess.run(
        [sys.executable, "-c", *CLI, "run", "small", "--people", "200", "--set",
         "cohorts.size=10", "--set", "population.steps=2", "-q", "--out", str(tmp_path / "r")],
        env=_cli_env(), capture_output=True, text=True, check=True)
    assert cli.COMPILING not in out.stderr
    assert "Speed over week 2:" in " ".join(out.stdout.split())


# ------------------------------------------------------------------ issue 15, CLI side

TINY = ["--people", "100", "--set", "cohorts.size=5", "--years", "0.05", "-q"]


def test_user_text_is_printed_literally(tmp_path, capsys, monkeypatch):
    """Paths, keys and values with brackets are printed as given, never as rich markup
    (``[/x]`` crashed with MarkupError, exit 1; ``[draft]`` and ``[strategies]`` vanished)."""
    out = tmp_path / "my[draft]run"
    code, stdout, err = main(capsys, "run", "small", *TINY, "--out", str(out))
    assert code == 0, err
    assert f"Results in {out}" in stdout.replace("\n", "")
    for bad in ("[/x]", "[strategies]", "a[/b]c"):
        code, stdout, err = main(capsys, "run", "small", *TINY, "--set", f"{bad}=1")
        assert code == 2 and "Traceback" not in err
        assert f"{bad}: unknown key" in " ".join(err.split())
    monkeypatch.chdir(tmp_path)
    code, _, err = main(capsys, "run", str(tmp_path / "no[/such].toml"), "-q")
    assert code == 2 and "no[/such].toml" in err and "Traceback" not in err


def test_a_run_with_overrides_gets_its_own_default_folder(tmp_path, capsys, monkeypatch):
    """Two runs with other --set values once wrote the same runs/NAME-seedN."""
    monkeypatch.chdir(tmp_path)
    assert main(capsys, "run", "small", *TINY)[0] == 0
    assert main(capsys, "run", "small", *TINY, "--set", "processes.mixers.new_tie=0.2")[0] == 0
    folders = sorted(p.name for p in (tmp_path / "runs").iterdir())
    seed = load("small").seed
    assert len(folders) == 2 and all(f.startswith(f"small-seed{seed}-") for f in folders)
    assert all(len(f.rsplit("-", 1)[1]) == 8 for f in folders)
    sc = load("small")
    assert cli.default_run_folder(sc, []) == Path("runs") / f"small-seed{seed}"
    assert cli.default_run_folder(sc, ["seed=4"]) == Path("runs") / f"small-seed{seed}"
    one = cli.default_run_folder(sc, ["a.b=1", "c.d = 2"])
    assert one == cli.default_run_folder(sc, ["c.d=2", "a.b=0", "a.b=1"])  # order, last wins
    assert one != cli.default_run_folder(sc, ["a.b=1", "c.d=3"])


def _interrupted_in_a_kernel(signal_exception):
    """What a signal inside a compiled kernel looks like: a SystemError whose context is
    the exception the signal handler raised."""
    def run(self, progress=None):
        try:
            raise signal_exception
        except BaseException:
            message = "<built-in function step> returned a result with an exception set"
            raise SystemError(message)  # noqa: B904 (the context is the point)
    return run


@pytest.mark.parametrize(("raised", "code", "word"), [
    (KeyboardInterrupt, 130, "interrupted"), (cli._Terminated, 143, "terminated")])
def test_a_signal_inside_a_kernel_is_an_interruption(raised, code, word, tmp_path, capsys,
                                                     monkeypatch):
    import jinmyaku.model.engine

    monkeypatch.setattr(jinmyaku.model.engine.Simulation, "run",
                        _interrupted_in_a_kernel(raised()))
    got, stdout, err = main(capsys, "run", "small", *TINY, "--out", str(tmp_path / "r"))
    assert got == code and "Traceback" not in stdout + err
    assert err.startswith(f"{word}: no complete run folder was written")
    assert not (tmp_path / "r").exists() and list(tmp_path.iterdir()) == []


def test_a_system_error_of_another_kind_is_not_hidden(tmp_path, monkeypatch):
    import jinmyaku.model.engine

    def broken(self, progress=None):
        raise SystemError("a real bug")

    monkeypatch.setattr(jinmyaku.model.engine.Simulation, "run", broken)
    with pytest.raises(SystemError, match="a real bug"):
        cli.main(["run", "small", *TINY, "--out", str(tmp_path / "r")])


def test_a_terminal_that_cannot_encode_gets_question_marks(monkeypatch):
    """PYTHONIOENCODING=ascii or LANG=C: no UnicodeEncodeError, unencodable text as '?'."""
    import io
    import sys

    streams = {name: io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict")
               for name in ("stdout", "stderr")}
    for name, stream in streams.items():
        monkeypatch.setattr(sys, name, stream)
    assert cli.main(["run", "人脈", "-q"]) == 2
    assert cli.main(["--help"]) == 0
    assert cli.main(["scenarios"]) == 0
    for stream in streams.values():
        stream.flush()
    err = streams["stderr"].buffer.getvalue().decode("ascii")
    out = streams["stdout"].buffer.getvalue().decode("ascii")
    assert "error:" in err and "'??'" in err
    assert "Usage" in out and "jinmyaku (??)" in out and "Built-in scenarios" in out


def test_ctrl_c_while_the_program_starts(capsys, monkeypatch):
    """Ctrl-C while the command line is imported: exit 130 and one line, no traceback."""
    import sys

    from jinmyaku.faces import start

    class Interrupting:
        def find_spec(self, name, path=None, target=None):
            if name == "jinmyaku.faces.cli":
                raise KeyboardInterrupt
            return None

    monkeypatch.delitem(sys.modules, "jinmyaku.faces.cli")
    monkeypatch.setattr(sys, "meta_path", [Interrupting(), *sys.meta_path])
    with pytest.raises(SystemExit) as e:
        start.entry()
    assert e.value.code == 130
    err = capsys.readouterr().err
    assert err.startswith("interrupted") and "Traceback" not in err


def test_the_program_is_started_by_the_launcher():
    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["jinmyaku"] == "jinmyaku.faces.start:entry"


def test_an_os_error_no_command_expected_is_one_paragraph(tmp_path, capsys, monkeypatch):
    """A full disk where no command turns it into an InputError (a spilled tie ledger's
    temporary files, say): exit status 2, one paragraph, no traceback."""
    import errno
    import os

    import jinmyaku.model.engine

    def full(self, progress=None):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "spill"))

    monkeypatch.setattr(jinmyaku.model.engine.Simulation, "run", full)
    code, stdout, err = main(capsys, "run", "small", *TINY, "--out", str(tmp_path / "r"))
    text = " ".join(err.split())
    assert code == 2 and "Traceback" not in stdout + err
    assert text.startswith(f"error: {tmp_path / 'spill'}: No space left on device")
    assert not (tmp_path / "r").exists()
