"""Sweeps: specs refused clearly, designs, the analysis on known functions, executors that agree,
and resuming after a real kill."""

from __future__ import annotations

import os
import shutil
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
from rich.console import Console
from SALib.test_functions import Ishigami

from jinmyaku.errors import InputError
from jinmyaku.faces import cli
from jinmyaku.studies.parallel import evaluator
from jinmyaku.studies.sweep import (
    SweepResult,
    analysis,
    design,
    load_spec,
    plan,
    run_seed,
    run_sweep,
)
from jinmyaku.studies.sweep.report import show
from jinmyaku.studies.sweep.store import SERIES, series_name

TINY = ["population.people=300", "population.years=0.25", "cohorts.size=20"]
OUTCOMES = ["h4.stage_gain.grow_minus_passive", "origin.mixer.ties", "strategy.mixer.stage_gain"]


def spec_text(design_: str = "grid", extra: str = "", params: str | None = None) -> str:
    """A spec on a tiny world; a 2 × 2 grid with 2 replicates (8 runs) unless changed."""
    params = params if params is not None else """
        [[parameters]]
        path = "processes.mixers.new_tie"
        values = [0.1, 0.5]

        [[parameters]]
        path = "processes.influence.k"
        values = [2, 6]
    """
    return textwrap.dedent(f"""
        scenario = "small"
        set = {TINY!r}
        design = "{design_}"
        replicates = 2
        seed = 3
        outcomes = {OUTCOMES!r}
    """).replace("'", '"') + textwrap.dedent(extra) + textwrap.dedent(params)


def write(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def frame(out: Path) -> pd.DataFrame:
    with duckdb.connect(str(out / "sweep.duckdb"), read_only=True) as con:
        return con.execute("SELECT * EXCLUDE (seconds) FROM runs ORDER BY run").df()


def series_bytes(out: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted((out / SERIES).iterdir())}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The tiny grid sweep run uninterrupted in this process: (spec path, folder, result)."""
    tmp = tmp_path_factory.mktemp("sweep")
    spec = write(tmp, spec_text())
    result = run_sweep(spec, tmp / "base", workers=0)
    return spec, tmp / "base", result


# ---------------------------------------------------------------- bad specs

PARAM_FLOAT = """
    [[parameters]]
    path = "processes.mixers.new_tie"
    low = 0.1
    high = 0.5
"""


def param(path: str, low: str = "0.1", high: str = "0.5") -> str:
    return f'\n[[parameters]]\npath = "{path}"\nlow = {low}\nhigh = {high}\n'


BAD = [
    ("sobol", "samples = 4\nbogus = 1\n", PARAM_FLOAT, "bogus: unknown key; allowed: name"),
    ("anneal", "", PARAM_FLOAT, "design: not allowed; input should be 'grid', 'random'"),
    ("sobol", "samples = 6\n", PARAM_FLOAT, "samples = 6: a Sobol design needs a power of 2, "
                                            "e.g. 4 or 8"),
    ("morris", "", PARAM_FLOAT, "samples: required for a morris design"),
    ("random", "samples = 4\n", param("processes.mixers.new_ties"),
     "parameters[0].path = 'processes.mixers.new_ties': no such parameter"),
    ("random", "samples = 4\n", param("processes.mixers"), "only numbers can be swept"),
    ("random", "samples = 4\n", param("processes.mixers.new_tie", "0.5", "0.1"),
     "parameters[0]: low (0.5) must be below high (0.1)"),
    ("random", "samples = 4\n", param("processes.influence.k", "2.5", "6"),
     "parameters[0].low/high: processes.influence.k is an integer parameter"),
    ("random", "samples = 4\n", param("processes.mixers.new_tie", "0.1", "1.5"),
     "parameters[0].high = 1.5: invalid scenario: processes.mixers.new_tie: Input should be "
     "less than or equal to 1"),
    ("random", "samples = 4\n", param("seed", "1", "5"), "`seed` cannot be a parameter"),
    ("sobol", "samples = 4\n", """
        [[parameters]]
        path = "processes.mixers.new_tie"
        values = [0.1, 0.2]
     """, "parameters[0].values: only a grid design takes values"),
]


@pytest.mark.parametrize(("design_", "extra", "params", "message"), BAD)
def test_bad_specs_are_refused_naming_file_and_key(tmp_path, capsys, design_, extra, params,
                                                   message):
    path = write(tmp_path, spec_text(design_, extra, params))
    with pytest.raises(InputError) as info:
        plan(sweep := load_spec(path), design.make(sweep))
    text = str(info.value)
    assert text.startswith(f"{path}: ") and message in text, text
    assert cli.main(["sweep", str(path), "--out", str(tmp_path / "o"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()  # nothing written for a refused spec


def test_unknown_outcomes_and_missing_files_are_refused(tmp_path):
    text = spec_text().replace('"origin.mixer.ties"', '"origin.mixer.tie"')
    with pytest.raises(InputError, match=r"outcomes: unknown 'origin.mixer.tie'; allowed: "):
        load_spec(write(tmp_path, text))
    with pytest.raises(InputError, match="no such sweep spec file"):
        load_spec(tmp_path / "nope.toml")


def test_the_shipped_example_is_valid_and_small():
    sweep = load_spec("example")  # a built-in sweep, by name
    d = design.make(sweep)
    assert sweep.spec.name == "example" and sweep.spec.design == "morris"
    assert len(d) * sweep.spec.replicates == 40
    assert sweep.base.population.people == 1000 and sweep.base.steps == 52
    assert [k for p in d.values for k in p[3:]] and {p[3] for p in d.values} <= {2, 4, 6, 8}
    plan(sweep, d)


def test_a_design_point_outside_the_scenario_rules_is_refused(tmp_path):
    # each share alone is fine at its bounds, but some points add up to more than 1
    params = param("strategies.mixer.mixer", "0.2", "0.85") + param("strategies.mixer.social",
                                                                    "0.05", "0.5")
    text = spec_text("random", "samples = 16\n", params).replace(
        '"cohorts.size=20"', '"cohorts.size=20", "strategies.mixer.mixer=0.5", '
                             '"strategies.mixer.social=0.1"')
    path = write(tmp_path, text)
    sweep = load_spec(path)
    with pytest.raises(InputError, match=r"design point \d+ \(.*\): invalid scenario: "
                                         r"strategies.mixer: activity shares add up to"):
        plan(sweep, design.make(sweep))


# ---------------------------------------------------------------- designs

@pytest.mark.parametrize(("design_", "samples", "points"), [
    ("random", 7, 7), ("sobol", 8, 8 * (3 + 2)), ("morris", 5, 5 * (3 + 1))])
def test_designs_have_the_right_size_and_respect_bounds_and_integers(tmp_path, design_, samples,
                                                                     points):
    params = (param("processes.mixers.new_tie", "0.1", "0.5")
              + param("processes.influence.k", "2", "6")
              + param("processes.ties.memory", "13.0", "104.0"))
    sweep = load_spec(write(tmp_path, spec_text(design_, f"samples = {samples}\n", params)))
    d = design.make(sweep)
    assert len(d) == points and d.nominal.shape == (points, 3)
    v = np.array(d.values, dtype=float)
    assert (v[:, 0] >= 0.1).all() and (v[:, 0] <= 0.5).all()
    assert (v[:, 2] >= 13.0).all() and (v[:, 2] <= 104.0).all()
    ks = [p[1] for p in d.values]
    assert all(type(k) is int and 2 <= k <= 6 for k in ks)
    if design_ != "morris":  # every whole value of k is drawn (widened bounds)
        assert {2, 6} <= set(ks) or design_ == "random"
    assert design.make(sweep).values == d.values  # same spec, same design
    assert all(isinstance(x, float) for p in d.values for x in (p[0], p[2]))


def test_grid_is_every_combination(tmp_path):
    params = """
        [[parameters]]
        path = "processes.mixers.new_tie"
        values = [0.1, 0.2, 0.3]

        [[parameters]]
        path = "processes.influence.k"
        low = 2
        high = 4
    """
    sweep = load_spec(write(tmp_path, spec_text("grid", "levels = 5\n", params)))
    d = design.make(sweep)
    # 5 levels from 2 to 4 round to 2, 3, 4 (2.5 → 3 and 3.5 → 4 are merged)
    assert d.values == [(a, k) for a in (0.1, 0.2, 0.3) for k in (2, 3, 4)]


def test_seeds_are_common_across_points_only_with_crn():
    assert run_seed(3, 0, 1) == run_seed(3, 7, 1) != run_seed(3, 0, 0)
    assert run_seed(3, 0, 1, crn=False) != run_seed(3, 7, 1, crn=False)
    seeds = {run_seed(3, p, r, crn=False) for p in range(20) for r in range(5)}
    assert len(seeds) == 100 and all(0 <= s < 2**63 for s in seeds)


# ---------------------------------------------------------------- analysis on known functions

ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}


def test_sobol_indices_recover_ishigami():
    from SALib.sample import sobol as sobol_sample

    x = sobol_sample.sample(ISHIGAMI, 1024, calc_second_order=False, seed=1)
    t = analysis.sobol(ISHIGAMI, Ishigami.evaluate(x), seed=1).set_index(["parameter", "index"])
    # analytic values for a = 7, b = 0.1
    exact = {("x1", "S1"): 0.3139, ("x2", "S1"): 0.4424, ("x3", "S1"): 0.0,
             ("x1", "ST"): 0.5576, ("x2", "ST"): 0.4424, ("x3", "ST"): 0.2437}
    for key, value in exact.items():
        got, conf = t.loc[key, "value"], t.loc[key, "conf"]
        assert abs(got - value) < 0.05, (key, got)
        assert 0 < conf < 0.1


def test_morris_recovers_a_linear_model_and_sigma_has_an_interval():
    from SALib.sample import morris as morris_sample

    prob = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1], [0, 2], [0, 10]]}
    x = morris_sample.sample(prob, 20, num_levels=4, seed=2)
    y = 3 * x[:, 0] - 1 * x[:, 1] + 0 * x[:, 2]
    t = analysis.morris(prob, x, y, levels=4, seed=2).set_index(["parameter", "index"])
    # per unit of the range: effect = coefficient × range
    assert t.loc[("a", "mu_star"), "value"] == pytest.approx(3.0)
    assert t.loc[("b", "mu"), "value"] == pytest.approx(-2.0)
    assert t.loc[("c", "mu_star"), "value"] == pytest.approx(0.0, abs=1e-12)
    assert t.loc[("a", "sigma"), "value"] == pytest.approx(0.0, abs=1e-9)
    # a nonlinear term gives sigma > 0 and a finite interval; EEs match SALib's mu*
    y2 = y + 4 * x[:, 0] * x[:, 2] / 10
    t2 = analysis.morris(prob, x, y2, levels=4, seed=2).set_index(["parameter", "index"])
    ee = analysis.elementary_effects(prob, x, y2)
    assert np.abs(ee).mean(axis=0)[0] == pytest.approx(t2.loc[("a", "mu_star"), "value"])
    assert t2.loc[("a", "sigma"), "value"] > 0.5
    assert 0 < t2.loc[("a", "sigma"), "conf"] < t2.loc[("a", "sigma"), "value"]


def test_crn_variance_against_brute_force_and_known_cases():
    rng = np.random.default_rng(0)
    effect = np.linspace(0, 1, 6)
    common = rng.normal(size=(400, 1))
    own = rng.normal(size=(400, 6))
    y = effect + common + 0.2 * own  # shared noise dominates: CRN helps
    got = analysis.crn_variance(y)
    pairs = [(i, j) for i in range(6) for j in range(i + 1, 6)]
    paired = np.mean([np.var(y[:, i] - y[:, j], ddof=1) for i, j in pairs])
    indep = np.mean([np.var(y[:, i], ddof=1) + np.var(y[:, j], ddof=1) for i, j in pairs])
    assert got["pairs"] == 15
    assert got["var_paired"] == pytest.approx(paired)
    assert got["ratio"] == pytest.approx(paired / indep)
    assert got["ratio"] == pytest.approx(0.04 / 1.04, rel=0.2)
    independent = analysis.crn_variance(effect + rng.normal(size=(400, 6)))
    assert independent["ratio"] == pytest.approx(1.0, abs=0.15)
    assert np.isnan(analysis.crn_variance(y[:1])["ratio"])


def test_analysis_layer_with_a_fake_evaluator(tmp_path):
    """The sweep's analysis on a Sobol design whose 'runs' are the Ishigami function + CRN noise."""
    params = "".join(param(f"processes.{k}", "0.0", "1.0")
                     for k in ("mixers.new_tie", "mixers.seek_known", "meetups.new_tie"))
    sweep = load_spec(write(tmp_path, spec_text("sobol", "samples = 512\n", params)))
    d = design.make(sweep)
    u = (d.nominal * 2 - 1) * np.pi  # map [0, 1] to Ishigami's [-π, π]
    f = Ishigami.evaluate(u)
    reps = 3
    noise = np.random.default_rng(1).normal(scale=0.5, size=reps)  # one draw per replicate
    runs = pd.DataFrame([{"point": p, "replicate": r, "f": f[p] + noise[r]}
                         for p in range(len(d)) for r in range(reps)])
    indices, crn = analysis.analyse("sobol", d.problem, d.nominal, runs, ["f"], 4, 0)
    st = indices[indices["index"] == "ST"].set_index("parameter")["value"]
    assert st.to_numpy() == pytest.approx([0.5576, 0.4424, 0.2437], abs=0.06)
    assert crn.loc[0, "ratio"] == pytest.approx(0.0, abs=1e-9)  # noise common to every point

    # what the command prints from such a result
    console = Console(record=True, width=200)
    show(SweepResult(tmp_path / "my[draft]sweep", sweep, d, runs, indices, crn,
                     ran=len(runs), skipped=0, seconds=1.0), console)
    text = console.export_text()
    assert "my[draft]sweep/sweep.duckdb" in text  # a path is printed as it is
    assert "Sobol' indices: total order ST" in text and "mixers.new_tie" in text
    assert "variance of a difference between two design points" in text
    assert f"{len(runs)} runs done now" in text and "sweep.duckdb" in text


# ---------------------------------------------------------------- running sweeps

def test_sweep_stores_one_row_per_run_and_series(baseline):
    spec, out, result = baseline
    runs = frame(out)
    assert list(runs["run"]) == list(range(8))
    assert list(runs["point"]) == [0, 0, 1, 1, 2, 2, 3, 3]
    assert runs["seed"].nunique() == 2  # CRN: replicate r has one seed at every point
    assert list(runs["processes.influence.k"]) == [2, 2, 6, 6, 2, 2, 6, 6]
    assert runs["origin.mixer.ties"].notna().all()
    assert set(series_bytes(out)) == {series_name(r) for r in range(8)}
    s = pd.read_parquet(out / SERIES / series_name(5))
    assert (s["run"] == 5).all() and s["step"].max() == 13
    with duckdb.connect(str(out / "sweep.duckdb"), read_only=True) as con:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        assert {"meta", "points", "runs", "indices", "crn"} <= tables
        assert con.execute("SELECT count(*) FROM crn").fetchone()[0] == len(OUTCOMES)
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    assert meta["spec"] == spec.read_text() and meta["runs"] == "8"
    # resuming a finished sweep runs nothing and finds the same
    again = run_sweep(spec, out, workers=0)
    assert (again.ran, again.skipped) == (0, 8)
    pd.testing.assert_frame_equal(again.crn, result.crn)


def test_a_folder_with_another_sweep_is_refused(baseline, tmp_path):
    spec, out, _ = baseline
    other = write(tmp_path, spec.read_text().replace("replicates = 2", "replicates = 3"))
    with pytest.raises(InputError, match="holds the results of a different sweep"):
        run_sweep(other, out, workers=0)


def test_a_sweep_folder_in_use_is_refused_and_left_as_it_was(baseline, tmp_path):
    """One writer per sweep folder: DuckDB's lock on its database file. A second sweep
    (another process) into a folder in use exits 2 with one message, no traceback,
    and changes nothing."""
    spec, base_out, _ = baseline
    out = tmp_path / "busy"
    shutil.copytree(base_out, out)
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with duckdb.connect(str(out / "sweep.duckdb")):  # another writer holds it
        proc = subprocess.run(
            [sys.executable, "-c", "import sys; from jinmyaku.faces.cli import main; "
             "sys.exit(main(sys.argv[1:]))", "sweep", str(spec), "--out", str(out),
             "--workers", "0", "-q"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "another sweep" in " ".join(proc.stderr.split())
    assert {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize(("workers", "dask"), [(1, None), (2, None), (2, "local")])
def test_results_do_not_depend_on_the_executor(baseline, tmp_path, workers, dask):
    spec, out, _ = baseline
    result = run_sweep(spec, tmp_path / "o", workers=workers, dask=dask)
    assert result.ran == 8
    pd.testing.assert_frame_equal(frame(tmp_path / "o"), frame(out))
    assert series_bytes(tmp_path / "o") == series_bytes(out)


def test_resume_after_a_real_kill(baseline, tmp_path):
    spec, base_out, _ = baseline
    out = tmp_path / "killed"
    cmd = [sys.executable, "-c", "import sys; from jinmyaku.faces.cli import main; "
           "sys.exit(main(sys.argv[1:]))", "sweep", str(spec), "--out", str(out),
           "--workers", "1", "-q"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    series = out / SERIES
    deadline = time.monotonic() + 120
    try:
        # the sweep writes a run's file, then commits its row, then handles the next run:
        # two finished files mean at least one committed row
        while time.monotonic() < deadline and proc.poll() is None:
            if series.is_dir() and len(list(series.glob("run-*.parquet"))) >= 2:
                break
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its worker, with no warning
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
    stored = frame(out)
    assert 1 <= len(stored) < 8  # killed mid-sweep, with runs stored
    # a file left between writing and committing must not survive; plant one, and a temp file
    (series / series_name(7)).write_bytes(b"half")
    (series / f".{series_name(7)}.x.tmp").write_bytes(b"half")

    assert cli.main(["sweep", str(spec), "--out", str(out), "--workers", "0", "-q"]) == 0
    runs = frame(out)
    assert list(runs["run"]) == list(range(8))  # every run once (run is the primary key)
    pd.testing.assert_frame_equal(runs, frame(base_out))
    assert series_bytes(out) == series_bytes(base_out)  # no partial or stray files


# ----------------------------------------------------------------- designs too big to plan

FOUR = """
    [[parameters]]
    path = "processes.mixers.new_tie"
    low = 0.1
    high = 0.5

    [[parameters]]
    path = "processes.meetups.new_tie"
    low = 0.1
    high = 0.5

    [[parameters]]
    path = "processes.ties.memory"
    low = 26.0
    high = 104.0

    [[parameters]]
    path = "processes.influence.rate"
    low = 0.0
    high = 0.2
"""


@pytest.mark.parametrize(("design_", "extra", "advice"), [
    ("grid", "levels = 1000\n", "levels = "),
    ("random", "samples = 1000000\n", "samples = "),
    ("morris", "samples = 1000000\nlevels = 4\n", "samples = "),
    ("sobol", "samples = 524288\n", "samples = "),
])
def test_a_design_too_big_to_plan_is_refused_at_once(tmp_path, design_, extra, advice):
    """1,000 levels over 4 parameters (10¹² points) once took 15 GB in 50 s with no
    message; now it is refused before the design is drawn, naming what fits."""
    path = write(tmp_path, spec_text(design_, extra, FOUR).replace("replicates = 2",
                                                                   "replicates = 100000"))
    started = time.perf_counter()
    with pytest.raises(InputError) as err:
        run_sweep(path, tmp_path / "out", workers=0)
    assert time.perf_counter() - started < 5
    msg = " ".join(str(err.value).split())
    assert str(path) in msg and "runs" in msg and advice in msg
    assert not (tmp_path / "out").exists()


def test_the_suggested_design_fits_and_one_more_step_does_not(tmp_path):
    from jinmyaku.studies import sweep as sweep_mod

    path = write(tmp_path, spec_text("random", "samples = 5000\n", FOUR))
    sw = load_spec(path)
    limit = 50 * 2**20  # 50 MiB
    with pytest.raises(InputError) as err:
        sweep_mod.check_size(sw, limit=limit)
    s = int(str(err.value).split("samples = ")[1].split(".")[0])
    assert 0 < s < 5000
    fitting = load_spec(write(tmp_path, spec_text("random", f"samples = {s}\n", FOUR), "a.toml"))
    sweep_mod.check_size(fitting, limit=limit)
    over = load_spec(write(tmp_path, spec_text("random", f"samples = {s + 1}\n", FOUR), "b.toml"))
    with pytest.raises(InputError):
        sweep_mod.check_size(over, limit=limit)
    assert design.points(fitting) == len(design.make(fitting))


@pytest.mark.parametrize(("design_", "extra"), [
    ("grid", "levels = 3\n"), ("random", "samples = 7\n"), ("morris", "samples = 3\n"),
    ("sobol", "samples = 8\n")])
def test_the_size_of_a_design_is_known_before_it_is_drawn(tmp_path, design_, extra):
    sw = load_spec(write(tmp_path, spec_text(design_, extra, FOUR)))
    assert design.points(sw) == len(design.make(sw))


# ------------------------------------------------------------------ hostile specs (issue 15)

@pytest.mark.parametrize(("extra", "params", "message"), [
    ("samples = 4\n", param("processes.mixers.new_tie", "0.1", "inf"),
     "parameters[0].high: inf is not a finite number"),
    ("samples = 4\n", param("processes.mixers.new_tie", "nan", "0.5"),
     "parameters[0].low: nan is not a finite number"),
    ("samples = 4\n", param("processes.mixers.new_tie", "-inf", "0.5"),
     "parameters[0].low: -inf is not a finite number"),
    ("samples = 4\nname = '../../escaped'\n", PARAM_FLOAT,
     "name: '../../escaped' holds '/'; a name may hold only letters"),
    ("samples = 4\nname = '/abs'\n", PARAM_FLOAT, "it names the sweep folder"),
])
def test_non_finite_numbers_and_path_names_in_a_spec_are_refused(tmp_path, extra, params,
                                                                 message):
    path = write(tmp_path, spec_text("random", extra, params))
    with pytest.raises(InputError) as info:
        load_spec(path)
    assert str(info.value).startswith(f"{path}: ") and message in str(info.value), info.value


def test_non_finite_numbers_in_the_base_scenario_overrides_are_refused(tmp_path):
    text = spec_text("random", "samples = 4\n", PARAM_FLOAT)
    assert 'set = ["population.people=300"' in text
    path = write(tmp_path, text.replace('set = ["population.people=300"',
                                        'set = ["population.stage_beta=[inf, 5.0]"', 1))
    with pytest.raises(InputError, match=r"population\.stage_beta\.0: inf is not a finite"):
        load_spec(path)


def test_non_finite_grid_values_are_refused(tmp_path):
    path = write(tmp_path, spec_text(params="""
        [[parameters]]
        path = "processes.mixers.new_tie"
        values = [0.1, nan]
    """))
    with pytest.raises(InputError, match=r"parameters\[0\]\.values: nan is not a finite number"):
        load_spec(path)


def test_a_spec_with_a_bom_is_read_and_an_empty_one_refused(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + spec_text().encode("utf-8"))
    sweep = load_spec(path)
    assert sweep.spec.name == "bom" and not sweep.text.startswith("\ufeff")
    for text in ("", "# nothing yet\n", "\ufeff"):
        empty = tmp_path / "empty.toml"
        empty.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=f"^{empty}: the sweep spec is empty"):
            load_spec(empty)


def test_a_spec_named_after_a_file_that_cannot_name_a_folder_is_refused(tmp_path):
    path = write(tmp_path, spec_text(), name="..toml")  # its stem "." is sweeps/ itself
    with pytest.raises(InputError, match="the sweep is named after its file"):
        load_spec(path)
    path.write_text(spec_text("grid", "name = 'mine'\n"))
    assert load_spec(path).spec.name == "mine"
    assert load_spec(write(tmp_path, spec_text(), "my sweep.toml")).spec.name == "my sweep"


# ----------------------------------------------------------------- what the store removes

def test_the_store_removes_only_its_own_leftovers(tmp_path):
    """Reopening a sweep folder removes a series file without its row and the temporary
    file of an interrupted write, and nothing else (a user's files once went)."""
    from jinmyaku.studies.sweep.store import Store

    sweep = load_spec(write(tmp_path, spec_text()))
    d = design.make(sweep)
    out = tmp_path / "o"
    with Store(out, sweep, d):
        pass
    series = out / SERIES
    ours = [series_name(3), f".{series_name(3)}.k2x9.tmp"]  # left by a killed sweep
    theirs = ["notes.txt", ".hidden", "run-notes.md", "run-12.parquet", ".run.tmp"]
    for name in ours + theirs:
        (series / name).write_text("x")
    (out / "README.md").write_text("mine")
    with Store(out, sweep, d):
        pass
    assert sorted(p.name for p in series.iterdir()) == sorted(theirs)
    assert (out / "README.md").read_text() == "mine"


def test_a_folder_that_holds_no_sweep_is_refused(tmp_path):
    from jinmyaku.studies.sweep.store import Store

    sweep = load_spec(write(tmp_path, spec_text()))
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("x")
    with pytest.raises(InputError, match="is not empty and holds no sweep"):
        Store(out, sweep, design.make(sweep)).open()
    assert [p.name for p in out.iterdir()] == ["thesis.tex"]


def test_when_one_worker_cannot_fit_the_sweep_says_so(tmp_path, monkeypatch):
    from jinmyaku.storage import memory
    from jinmyaku.studies import sweep as sweep_mod

    sweep = load_spec(write(tmp_path, spec_text()))
    scenarios = plan(sweep, design.make(sweep))
    need = memory.estimate(scenarios[0], spill_rows=None)
    monkeypatch.setattr(memory, "available", lambda: need // 2)
    with pytest.raises(InputError) as e:
        sweep_mod._check_memory(scenarios, 4, None)
    text = str(e.value)
    assert "even one worker cannot" in text and "--workers" not in text
    assert "population.people" in text and "population.years" in text
    monkeypatch.setattr(memory, "available", lambda: int(need * 2.5))
    with pytest.raises(InputError, match=r"use fewer --workers \(--workers 2 fits\)"):
        sweep_mod._check_memory(scenarios, 4, None)


@pytest.mark.parametrize(("raised", "code", "word"), [
    (KeyboardInterrupt, 130, "interrupted"), (cli._Terminated, 143, "terminated"),
    (lambda: SystemError("a kernel returned a result with an exception set"), 130,
     "interrupted")])
def test_an_interrupted_sweep_says_how_to_resume(tmp_path, capsys, monkeypatch, raised, code,
                                                 word):
    import jinmyaku.studies.parallel as parallel

    def interrupted(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise raised()  # noqa: B904 (a SystemError from a kernel has it as context)
        yield

    monkeypatch.setattr(parallel, "run_tasks", interrupted)
    spec = write(tmp_path, spec_text())
    assert cli.main(["sweep", str(spec), "--out", str(tmp_path / "o"), "-q"]) == code
    err = capsys.readouterr().err
    assert err.startswith(f"{word}: every run stored so far is kept") and "Traceback" not in err


# Creates the sweep's tables, then runs a DuckDB query of a few seconds (as a big design's
# creation did), saying when it starts: a signal then arrives while DuckDB works.
SLOW_CREATE = """
import pathlib, sys
from jinmyaku.faces import cli
from jinmyaku.studies.sweep import store
real = store.Store._create
def slow(self):
    real(self)
    pathlib.Path(sys.argv[1]).touch()
    self.con.execute("SELECT sum(hash(range)) FROM range(600000000)").fetchall()
store.Store._create = slow
sys.exit(cli.main(["sweep", sys.argv[2], "--out", sys.argv[3], "--workers", "0", "-q"]))
"""


@pytest.mark.parametrize(("signum", "code", "word"), [
    (signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_a_signal_while_the_sweep_database_is_made(tmp_path, signum, code, word):
    """Hostile rerun N2: Ctrl-C or SIGTERM while DuckDB created a big design's tables
    gave DuckDB's "RuntimeError: Query interrupted" traceback and exit status 1. The
    signal is now held until the statement is done, then handled as anywhere else;
    the database just made is removed, and the folder this sweep made with it."""
    spec = write(tmp_path, spec_text())
    started, out = tmp_path / "started", tmp_path / "sw"
    proc = subprocess.Popen([sys.executable, "-c", SLOW_CREATE, str(started), str(spec),
                             str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        wait_for(started.exists, proc, timeout=120)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == code, err
    assert err.startswith(f"{word}: every run stored so far is kept") and "Traceback" not in err
    assert not out.exists()


def test_held_signals_are_delivered_after_the_block():
    from jinmyaku.studies.sweep.store import deferred_interrupt

    class Terminated(BaseException):
        pass

    def on_term(signum, frame):
        raise Terminated

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        done = []
        with pytest.raises(Terminated), deferred_interrupt():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            done.append(1)
        assert done == [1]
        with pytest.raises(KeyboardInterrupt), deferred_interrupt():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            done.append(2)
        assert done == [1, 2] and signal.getsignal(signal.SIGTERM) is on_term
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.mark.parametrize("address", ["localhost", "tcp://host:abc", "udp://h:1",
                                     "tcp://127.0.0.1:1"])
def test_a_bad_dask_address_is_refused_before_the_folder_is_made(tmp_path, address, capsys,
                                                                 monkeypatch):
    """Hostile rerun D6: the sweep folder and its database were made first, also for an
    unknown scheme (udp) and for a scheduler that cannot be reached (port 1 of this
    machine refuses at once; the wait is shortened so the test needs no network)."""
    import jinmyaku.studies.parallel as parallel

    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT", 0.5)
    spec = write(tmp_path, spec_text())
    with pytest.raises(InputError, match="not a scheduler address|cannot reach"):
        run_sweep(spec, tmp_path / "sw", workers=1, dask=address)
    assert not (tmp_path / "sw").exists()
    assert cli.main(["sweep", str(spec), "--out", str(tmp_path / "sw"), "--dask", address,
                     "-q"]) == 2
    err = capsys.readouterr().err
    assert " ".join(err.split()).startswith(f"error: --dask {address}:"), err
    assert "Traceback" not in err and not (tmp_path / "sw").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.toml"]


def test_an_unknown_dask_scheme_names_the_schemes_dask_has():
    from distributed.comm.registry import backends

    with pytest.raises(InputError) as e:
        evaluator(dask="udp://h:1")
    text = str(e.value)
    assert "the scheme udp is not one Dask connects with" in text and "\n" not in text
    assert all(name in text for name in backends) and "tcp" in backends


def test_a_sweep_whose_database_could_not_be_made_starts_over_when_run_again(
        baseline, tmp_path, monkeypatch):
    """Hostile rerun D5: a sweep started with no room on the disk left a half-made
    database, and running the same command again failed ("not a valid DuckDB
    database") until the folder was removed by hand."""
    from jinmyaku.studies.sweep import store as store_mod

    spec, base_out, _ = baseline
    out = tmp_path / "sw"
    real = store_mod.Store._create

    def full(self):
        self.con.execute("CREATE TABLE half (x INTEGER)")
        raise duckdb.IOException("No space left on device")

    monkeypatch.setattr(store_mod.Store, "_create", full)
    with pytest.raises(InputError, match="No space left"):
        run_sweep(spec, out, workers=0)
    assert not (out / "sweep.duckdb").exists()
    monkeypatch.setattr(store_mod.Store, "_create", real)
    run_sweep(spec, out, workers=0)
    pd.testing.assert_frame_equal(frame(out), frame(base_out))
