"""Issue 19, the command-line parts: the headline, 80-column tables, --format json|csv,
``jinmyaku compare`` (paired by person) and its refusals, ``jinmyaku.open``, the example."""

from __future__ import annotations

import io
import json
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

import jinmyaku
from jinmyaku.analysis import intervals
from jinmyaku.errors import InputError
from jinmyaku.faces import cli, tables
from jinmyaku.model.vocabulary import ORIGINS
from jinmyaku.studies import compare

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--people", "300", "--years", "0.5", "--set", "cohorts.size=20", "-q"]
CHANGE = "processes.mixers.seek_known=0.1"


def main(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Three tiny run folders: A, B (one mixer parameter changed), C (another seed)."""
    root = tmp_path_factory.mktemp("runs")
    for name, extra in (("a", []), ("b", ["--set", CHANGE]), ("c", ["--seed", "2"])):
        assert cli.main(["run", "small", *TINY, *extra, "--out", str(root / name),
                         "--format", "json"]) == 0
    return root


# ---------------------------------------------------------------- numbers and words


def test_numbers_are_rounded_for_people():
    assert tables.cell(0.0, 0.0, 0.0) == "—"  # a structural zero
    assert tables.cell(1.0, 1.0, 1.0, percent=True) == "100%"  # no spread: no "±0.00"
    assert tables.cell(3.0, 3.0, 3.0, signed=True) == "+3"
    assert tables.cell(float("nan"), float("nan"), float("nan")) == "—"
    assert tables.cell(0.32, 0.27, 0.37) == "0.32±0.05"
    assert tables.cell(26.52, 24.83, 28.21) == "26.5±1.7"
    assert tables.cell(0.17, 0.01, 0.33, percent=True) == "17±16%"
    assert tables.cell(0.26, 0.21, 0.31, signed=True) == "+0.26±0.05"
    assert tables.cell(0.0, 0.0, 0.0, signed=True, zero="0") == "0"
    assert [tables.duration(s) for s in (52, 260, 10, 1, 78)] == [
        "1 year", "5 years", "10 weeks", "1 week", "1.5 years"]


def _vs(rows):
    cols = ["strategy", "difference", "lo", "hi"]
    df = pd.DataFrame(rows, columns=cols)
    df["base"] = "passive"
    df["mean"] = df["base_mean"] = 0.5
    df["ratio"] = 1.0
    df["n"] = df["n_base"] = 100
    return df


def test_the_headline_says_more_or_fewer_with_the_interval_largest_first():
    vs = _vs([("passive", 0.0, np.nan, np.nan), ("mixer", -0.12, -0.58, 0.34),
              ("grow", 1.16, 1.06, 1.26)])
    text = tables.headline(vs, 260)
    assert text == ("After 5 years, grow brought 1.16 more opportunities a year per person "
                    "than staying passive (95% interval +1.06 to +1.26); mixer 0.1 fewer "
                    "(−0.6 to +0.3). Passive people got 0.50 a year.")
    assert "1 years" not in tables.headline(vs, 52)


def test_the_noise_note_is_given_only_when_chance_swamps_the_differences():
    clear = _vs([("passive", 0, np.nan, np.nan), ("mixer", 0.06, 0.0, 0.12),
                 ("meetup", 0.11, 0.04, 0.18), ("grow", 1.16, 1.06, 1.26)])
    assert tables.noise_note(clear, 500, 260) is None
    swamped = _vs([("passive", 0, np.nan, np.nan), ("mixer", -0.12, -0.58, 0.34),
                   ("grow", 0.26, -0.21, 0.73)])
    note = tables.noise_note(swamped, 50, 52)
    assert note is not None and "all 2 intervals include 0" in note
    assert "for trying commands, not for conclusions" in note
    # no interval includes 0, but they are wide against the differences (small, seed 4)
    wide = _vs([("passive", 0, np.nan, np.nan), ("meetup", 0.55, 0.12, 0.98),
                ("grow", 0.50, 0.11, 0.89)])
    assert "no interval includes 0" in tables.noise_note(wide, 50, 52)


def test_versus_is_the_difference_of_independent_means(runs):
    res = jinmyaku.open(runs / "a")
    vs = compare.versus(res).set_index("strategy")
    ppl = res.people
    years = res.scenario.steps / 52
    rate = {s: ppl.loc[ppl["cohort"] == s, "opportunities"].to_numpy() / years
            for s in res.scenario.cohorts.strategies}
    for s, x in rate.items():
        y = rate["passive"]
        d = x.mean() - y.mean()
        assert vs.loc[s, "difference"] == pytest.approx(d, abs=1e-12)
        assert vs.loc[s, "ratio"] == pytest.approx(x.mean() / y.mean())
        if s != "passive":
            half = 1.959963984540054 * np.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
            assert vs.loc[s, "hi"] - d == pytest.approx(half)


# ---------------------------------------------------------------- the table at 80 columns


def _render(results, width=80) -> str:
    buf = io.StringIO()
    con = Console(file=buf, width=width, force_terminal=False, color_system=None)
    tables.show_run(con, results, compare.versus(results))
    return buf.getvalue()


@pytest.mark.parametrize("names", [None, ["passive", "grow+meetup", "family-and-school"]])
def test_the_run_tables_fit_80_columns_without_cut_headers(names, runs, tmp_path):
    if names is None:
        res = jinmyaku.open(runs / "a")
    else:
        sets = ["population.people=300", "population.years=0.2", "cohorts.size=20",
                f"cohorts.strategies={json.dumps(names)}",
                'strategies.family-and-school = {}']
        try:
            res = jinmyaku.run("small", overrides=sets)
        except InputError:
            pytest.skip("strategies cannot be added by --set in this scenario format")
    text = _render(res)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in text
    for header in ("opportunities", "× passive", "closest 5", "family_school"):
        assert header in text
    assert "0.00±0.00" not in text and "1 years" not in text
    assert text.startswith("After ")
    for term in ("stage", "value", "±", "n ", "left the world"):
        assert term in text
    for name in names or []:
        assert name in text  # whole, not cut


class _Stub:
    """Results whose summary is given (to render numbers of any size)."""

    def __init__(self, res, summary):
        self.scenario = res.scenario
        self._summary = summary

    def summary(self):
        return self._summary.copy()


def test_default_sized_numbers_fit_80_columns_without_folding(runs):
    """The default run's magnitudes (ties 148.76±0.26 beside 107.01±2.10, five strategies)
    once folded "family_school" and "107.01±2.1/0" over two lines."""
    res = jinmyaku.open(runs / "a")
    s = res.summary()
    ties = s["measure"].str.startswith("ties_alive")
    big = np.where(np.arange(len(s)) % 2 == 0, 148.76, 107.01)
    half = np.where(np.arange(len(s)) % 2 == 0, 0.26, 2.10)
    s.loc[ties, "mean"] = big[ties]
    s.loc[ties, "lo"] = big[ties] - half[ties]
    s.loc[ties, "hi"] = big[ties] + half[ties]
    stub = _Stub(res, s)
    buf = io.StringIO()
    tables.show_run(Console(file=buf, width=80, color_system=None), stub, compare.versus(res))
    text = buf.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    body = text[text.index("Opportunities received"):text.index("\nstage ")]
    firsts = {line.split()[0] for line in body.splitlines() if line.strip()}
    assert set(ORIGINS) | {"all", "passive", "grow+meetup"} <= firsts  # nothing folded
    assert not any(re.fullmatch(r"[\d.±%]+", f) for f in firsts)  # no cell's tail alone


def test_run_piped_at_80_columns(runs, tmp_path):
    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(ROOT / "src")}
    p = subprocess.run([sys.executable, "-c", "from jinmyaku.faces.start import entry; entry()",
                        "run", "small", *TINY, "--out", str(tmp_path / "r")],
                       capture_output=True, text=True, env=env, timeout=600)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith("After 26 weeks, ")
    assert max(len(line) for line in lines) <= 80
    assert "…" not in p.stdout
    assert "opportunities" in p.stdout and "× passive" in p.stdout


# ---------------------------------------------------------------- JSON and CSV


def test_run_json_and_csv(runs, tmp_path, capsys):
    code, out, err = main(capsys, "run", "small", *TINY, "--out", str(tmp_path / "j"),
                          "--format", "json")
    assert code == 0, err
    doc = json.loads(out)  # nothing else on stdout
    assert doc["format"] == "jinmyaku.run/1"
    assert {"scenario", "seed", "steps", "years", "people", "cohort_size", "out", "files",
            "headline", "summary"} <= set(doc)
    assert doc["steps"] == 26 and doc["cohort_size"] == 20
    assert doc["headline"]["text"].startswith("After 26 weeks")
    row = doc["headline"]["strategies"][0]
    assert set(row) == {"strategy", "base", "mean", "base_mean", "difference", "lo", "hi",
                        "ratio", "n", "n_base"}
    summary = pd.read_parquet(tmp_path / "j" / "summary.parquet")
    assert len(doc["summary"]) == len(summary)
    assert set(doc["summary"][0]) == {"strategy", "measure", "mean", "lo", "hi", "n"}
    mixer_ties = next(r for r in doc["summary"] if r["strategy"] == "passive"
                       and r["measure"] == "ties_alive_mixer")
    assert mixer_ties["mean"] == 0

    code, out, err = main(capsys, "run", "small", *TINY, "--out", str(tmp_path / "c"),
                          "--format", "csv")
    assert code == 0, err
    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns) == ["strategy", "measure", "mean", "lo", "hi", "n"]
    assert set(summary["measure"]) < set(df["measure"])
    assert {"opportunities_per_year_vs_passive", "opportunities_per_year_ratio_passive"} <= set(
        df["measure"])


def test_compare_json_and_csv_keys(runs, capsys):
    code, out, err = main(capsys, "compare", str(runs / "a"), str(runs / "b"), "--format",
                          "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["format"] == "jinmyaku.compare/1"
    assert doc["changed"] == [{"key": "processes.mixers.seek_known", "a": 0.5, "b": 0.1}]
    assert set(doc["differences"][0]) == {"strategy", "measure", "origin", "a", "b",
                                          "difference", "lo", "hi", "unpaired_lo",
                                          "unpaired_hi", "pairs"}
    code, out, err = main(capsys, "compare", str(runs / "a"), str(runs / "b"), "--format",
                          "csv")
    assert code == 0, err
    assert len(pd.read_csv(io.StringIO(out))) == len(doc["differences"])


# ---------------------------------------------------------------- compare


def _brute_force(folder: Path) -> pd.DataFrame:
    """Per focal member present at the end: opportunities a year (all and by origin) and
    living ties (all and by origin), counted from the raw tables row by row."""
    ppl = pd.read_parquet(folder / "people.parquet")
    ties = pd.read_parquet(folder / "ties.parquet")
    opps = pd.read_parquet(folder / "opportunities.parquet")
    steps = json.loads((folder / "manifest.json").read_text())["steps"]
    alive = ties[ties["death"].isna()]
    rows = {}
    for p in ppl[ppl["cohort"] != "background"].itertuples():
        mine = alive[(alive["a"] == p.pid) | (alive["b"] == p.pid)]
        got = opps[opps["recipient"] == p.pid]
        r = {"cohort": p.cohort, "opportunities_per_year": p.opportunities * 52 / steps,
             "ties_alive": len(mine)}
        for o in ORIGINS:
            r[f"ties_alive_{o}"] = int((mine["origin"] == o).sum())
            r[f"opportunities_per_year_{o}"] = int((got["origin"] == o).sum()) * 52 / steps
        rows[p.pid] = r
    return pd.DataFrame.from_dict(rows, orient="index")


def test_compare_is_the_brute_force_paired_difference(runs, capsys):
    code, out, err = main(capsys, "compare", str(runs / "a"), str(runs / "b"), "--format",
                          "json")
    assert code == 0, err
    got = pd.DataFrame(json.loads(out)["differences"]).set_index(["strategy", "measure"])
    a, b = _brute_force(runs / "a"), _brute_force(runs / "b")
    both = a.index.intersection(b.index)
    both = both[(a.loc[both, "cohort"] == b.loc[both, "cohort"]).to_numpy()]
    checked = 0
    for s in a["cohort"].unique():
        who = both[(a.loc[both, "cohort"] == s).to_numpy()]
        for m in ["opportunities_per_year", "ties_alive", *(f"ties_alive_{o}" for o in ORIGINS),
                  *(f"opportunities_per_year_{o}" for o in ORIGINS)]:
            d = b.loc[who, m].to_numpy(float) - a.loc[who, m].to_numpy(float)
            row = got.loc[(s, m)]
            assert row["pairs"] == len(who)
            assert row["difference"] == pytest.approx(d.mean(), abs=1e-12)
            if d.std() > 0:
                half = 1.959963984540054 * d.std(ddof=1) / np.sqrt(d.size)
                assert row["hi"] - row["difference"] == pytest.approx(half)
                assert row["difference"] - row["lo"] == pytest.approx(half)
            checked += 1
    assert checked > 50
    # the change reaches mixer-goers: their mixer ties differ, and pairing narrows intervals
    mixer = got.loc[("mixer", "ties_alive_mixer")]
    assert mixer["difference"] != 0
    assert mixer["hi"] - mixer["lo"] < mixer["unpaired_hi"] - mixer["unpaired_lo"]
    # it does not reach people who never go to mixers' mixer ties
    assert got.loc[("passive", "ties_alive_mixer"), "difference"] == 0


def test_compare_prints_a_headline_and_fits_80_columns(runs):
    a, b = jinmyaku.open(runs / "a"), jinmyaku.open(runs / "b")
    comp = compare.paired(a, b)
    buf = io.StringIO()
    tables.show_compare(Console(file=buf, width=80, color_system=None), comp, "A", "B")
    text = buf.getvalue()
    assert text.startswith("With processes.mixers.seek_known 0.5 → 0.1, opportunities")
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    body = text[text.index("B − A per person"):text.index("\nA, B ")]
    firsts = {line.split()[0] for line in body.splitlines() if line.strip()}
    assert set(ORIGINS) | set(a.scenario.cohorts.strategies) <= firsts  # nothing folded
    assert not any(re.fullmatch(r"[\d.±%]+", f) for f in firsts)


def test_a_run_against_itself_differs_nowhere(runs):
    a = jinmyaku.open(runs / "a")
    comp = compare.paired(a, a)
    assert comp.changed == []
    assert (comp.differences["difference"] == 0).all()
    assert "every difference is 0" in tables.compare_headline(comp.differences, [])


def _damaged(runs, tmp_path, how):
    import shutil

    folder = tmp_path / "damaged"
    shutil.copytree(runs / "b", folder)
    if how == "byte":
        p = folder / "people.parquet"
        data = bytearray(p.read_bytes())
        data[len(data) // 2] ^= 0xFF
        p.write_bytes(bytes(data))
    elif how == "missing":
        (folder / "ties.parquet").unlink()
    elif how == "manifest":
        (folder / "manifest.json").unlink()
    return folder


@pytest.mark.parametrize(("how", "words"), [
    ("byte", "people.parquet: damaged or changed since the run"),
    ("missing", "ties.parquet: missing"),
    ("manifest", "no manifest.json"),
])
def test_compare_refuses_a_damaged_or_incomplete_folder(how, words, runs, tmp_path, capsys):
    folder = _damaged(runs, tmp_path, how)
    code, out, err = main(capsys, "compare", str(runs / "a"), str(folder))
    assert code == 2
    assert words in " ".join(err.split()) and "Traceback" not in err
    assert out == ""


def test_compare_refuses_another_seed(runs, capsys):
    code, out, err = main(capsys, "compare", str(runs / "a"), str(runs / "c"))
    assert code == 2 and out == ""
    flat = " ".join(err.split())
    assert "seed 1" in flat and "seed 2" in flat and "same seed" in flat


def test_compare_refuses_another_population(runs, tmp_path, capsys):
    other = tmp_path / "d"
    assert cli.main(["run", "small", *TINY, "--set", "population.school_ties=5",
                     "--out", str(other), "--format", "csv"]) == 0
    capsys.readouterr()
    code, out, err = main(capsys, "compare", str(runs / "a"), str(other))
    assert code == 2 and out == ""
    flat = " ".join(err.split())
    assert "same population" in flat and "population.school_ties 10.0 → 5" in flat


def test_compare_refuses_a_folder_that_is_not_a_run(tmp_path, runs, capsys):
    code, _, err = main(capsys, "compare", str(runs / "a"), str(tmp_path / "nothing"))
    assert code == 2 and "no such run folder" in err


# ---------------------------------------------------------------- open


def test_open_gives_the_results_run_gave(tmp_path):
    res = jinmyaku.run("small", people=300, years=0.5, overrides=["cohorts.size=20"])
    res.write(tmp_path / "r")
    back = jinmyaku.open(tmp_path / "r")
    assert back.scenario == res.scenario
    for name in ("series", "events", "ties", "opportunities", "people"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(res, name), obj=name)
    pd.testing.assert_frame_equal(back.summary(), res.summary())
    back._summaries.clear()  # recomputed from the tables read back: the same
    pd.testing.assert_frame_equal(back.summary(), res.summary())
    assert back.start is None
    assert nx_edges(back) == nx_edges(res)


def nx_edges(res):
    return sorted(res.graph().edges(data="weight"))


def test_open_refuses_an_incomplete_folder(tmp_path, runs):
    with pytest.raises(InputError, match="no manifest.json"):
        jinmyaku.open(_damaged(runs, tmp_path, "manifest"))
    with pytest.raises(InputError, match="no such run folder"):
        jinmyaku.open(tmp_path / "nowhere")


# ---------------------------------------------------------------- intervals and the example


def test_paired_and_independent_differences():
    rng = np.random.default_rng(7)
    x = rng.normal(size=200)
    y = x + 0.1 + rng.normal(scale=0.05, size=200)
    d = y - x
    p = intervals.paired_difference(y, x)
    assert p.value == pytest.approx(d.mean())
    assert p.hi - p.value == pytest.approx(intervals.Z95 * d.std(ddof=1) / np.sqrt(200))
    u = intervals.mean_difference(y, x)
    assert u.value == pytest.approx(d.mean())
    assert (u.hi - u.lo) > 10 * (p.hi - p.lo)  # pairing removes the shared part
    assert np.isnan(intervals.paired_difference([], []).value)
    assert np.isnan(intervals.mean_difference([1.0], [2.0]).lo)
    with pytest.raises(ValueError):
        intervals.paired_difference([1, 2], [1])


def test_the_example_script_runs(tmp_path, capsys):
    runpy.run_path(str(ROOT / "docs/examples/compare_runs.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "processes.mixers.seek_known" in out and "opportunities_per_year" in out


@pytest.fixture(autouse=True)
def _argv_for_the_example(request, tmp_path, monkeypatch):
    if request.node.name == "test_the_example_script_runs":
        monkeypatch.setattr(sys, "argv", ["compare_runs.py", str(tmp_path / "runs")])
