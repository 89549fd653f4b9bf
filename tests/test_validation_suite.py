"""``jinmyaku validate``: the check suite and the pattern suite (issue 16) from one main run.

The CLI tests shrink the suite's world (``checks.suite_scenario``) to 300 people
for 3 years — the quick world's horizon, so three 52-week windows — and leave
the Kumpula check out (its scenario name made unknown: a "not run" row).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import jinmyaku
from jinmyaku.faces.cli import main
from jinmyaku.model import scenario as scenario_mod
from jinmyaku.storage.files import sha256
from jinmyaku.studies.validation import checks, suite
from jinmyaku.studies.validation.recording import ContactSnapshots

TINY = ["population.people=300", "cohorts.size=10", "population.workplace_size=10"]
PATTERNS = [f"P{i}" for i in range(1, 13)]
STATUSES = {"pass", "fail", "not measured"}


@pytest.fixture
def tiny_suite(monkeypatch):
    """The suite's worlds (main and without influence) at 300 people for 3 years."""
    def tiny(base="default", quick=False, seed=1, overrides=None):
        return scenario_mod.load(base, [*TINY, "population.years=3", *(overrides or [])],
                                 seed=seed)

    monkeypatch.setattr(checks, "suite_scenario", tiny)
    monkeypatch.setattr(checks, "KUMPULA", "no-such-scenario")


def table_after(md: str, heading: str) -> list[list[str]]:
    """The cells of the first pipe table after ``heading`` (header and rule left out)."""
    lines = md[md.index(heading):].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| "))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("| "):
            break
        rows.append([c.strip() for c in line.strip("|").split(" | ")])
    return rows


def test_validate_quick_writes_the_pattern_suite_beside_the_checks(tmp_path, capsys,
                                                                  tiny_suite):
    out = tmp_path / "v"
    assert main(["validate", "--quick", "-q", "--out", str(out)]) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert "Pattern suite (issue 16)" in said and "pattern suite:" in said
    md = (out / "validation.md").read_text()
    js = json.loads((out / "validation.json").read_text())

    # the check table as before, first
    assert md.startswith("## Validation table")
    checks_table = table_after(md, "## Validation table")
    assert [r[0] for r in checks_table] == ["1a", "1b", "2a", "2b", "3a", "3b", "4", "5a", "5b",
                                            "6", "7"]
    assert [r["check"] for r in js["rows"]] == [r[0] for r in checks_table]
    assert md.index("## Validation table") < md.index("## Pattern suite (issue 16)") \
        < md.index("### Calls channel (diagnostic)")

    # the pattern suite on the contacts channel: every field of a check row
    pat = table_after(md, "## Pattern suite (issue 16)")
    assert [r[0] for r in pat] == PATTERNS
    assert all(len(r) == len(checks.COLUMNS) for r in pat)
    status = checks.COLUMNS.index("status")
    assert {r[status] for r in pat} <= STATUSES
    assert "3 full windows of 52 weeks (weeks 0–156)" in md
    n = {s: sum(r[status] == s for r in pat) for s in STATUSES}
    assert f"{n['pass']} pass, {n['fail']} fail, {n['not measured']} not measured." in md
    assert js["pattern_windows"] == 3
    assert [r["check"] for r in js["patterns"]] == PATTERNS
    assert all(r.keys() == js["rows"][0].keys() for r in js["patterns"])
    by = {r["check"]: r for r in js["patterns"]}
    # three windows: churn and bridge decay (consecutive windows) and deliveries are measured
    # and the main run's recorders give mixer encounters (P11) and formations (P12)
    for check in ("P1", "P3", "P4", "P8", "P10", "P11", "P12"):
        assert by[check]["status"] in ("pass", "fail"), by[check]

    # the calls channel: a compact table and the full rows in the JSON
    calls = table_after(md, "### Calls channel (diagnostic)")
    assert [r[0] for r in calls] == PATTERNS
    assert {r[1] for r in calls} <= STATUSES
    assert [r[3] for r in calls] == [r[status] for r in pat]  # the contacts channel beside
    assert [r["check"] for r in js["patterns_calls"]] == PATTERNS
    assert [r["status"] for r in js["patterns_calls"]] == [r[1] for r in calls]
    assert all(r.keys() == js["rows"][0].keys() for r in js["patterns_calls"])
    # the channels differ (discretionary contacts are a part of all contacts)
    assert [r["simulated"] for r in js["patterns_calls"]] != [r["simulated"]
                                                             for r in js["patterns"]]

    # written whole: the manifest lists both files with their checksums
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["files"] == {name: sha256(out / name)
                                 for name in ("validation.md", "validation.json")}


def test_validate_twice_with_one_seed_gives_the_same_rows(tmp_path, capsys, tiny_suite):
    for name in ("a", "b"):
        assert main(["validate", "--quick", "-q", "--seed", "3", "--out",
                     str(tmp_path / name)]) == 0
    capsys.readouterr()
    a, b = tmp_path / "a", tmp_path / "b"
    assert (a / "validation.md").read_bytes() == (b / "validation.md").read_bytes()
    ja = json.loads((a / "validation.json").read_text())
    jb = json.loads((b / "validation.json").read_text())
    for key in ("rows", "patterns", "patterns_calls"):
        assert json.dumps(ja[key], ensure_ascii=False).encode() \
            == json.dumps(jb[key], ensure_ascii=False).encode(), key
    # the elapsed time is the only field that may differ
    ja.pop("seconds"), jb.pop("seconds")
    assert ja == jb and ja["seed"] == 3


def test_contact_snapshots_leave_the_main_run_unchanged():
    """The pattern suite's analyzer only reads: the checks see the same run."""
    sc = jinmyaku.load("default", [*TINY, "population.years=1"])
    plain = checks.simulate(sc, lag=20)
    snaps = ContactSnapshots()
    seen = checks.simulate(sc, lag=20, analyzers=[snaps])
    assert len(snaps.snaps) == 2  # weeks 0 and 52
    pd.testing.assert_frame_equal(plain.results.ties, seen.results.ties)
    pd.testing.assert_frame_equal(plain.results.opportunities, seen.results.opportunities)
    pd.testing.assert_frame_equal(plain.snapshot, seen.snapshot)
    rows = [checks.check_dunbar, checks.check_onnela, checks.check_churn]
    assert [r.to_json() for f in rows for r in f(plain)] \
        == [r.to_json() for f in rows for r in f(seen)]


@pytest.mark.parametrize("years, windows", [(0.5, 0), (1, 1)])
def test_a_short_run_measures_what_it_can(years, windows):
    """Under a year: nothing to measure (no error); one window: no churn, no deliveries."""
    sc = jinmyaku.load("default", [*TINY, f"population.years={years}"])
    snaps = ContactSnapshots(suite.WINDOW)
    res = checks.simulate(sc, lag=10, analyzers=[snaps]).results
    assert len(snaps.snaps) - 1 == windows
    for channel in suite.CHANNELS:
        rows = suite.measure_patterns(snaps, res, 1, channel)
        assert [r.check for r in rows] == PATTERNS
        by = {r.check: r for r in rows}
        assert {r.status for r in rows} <= STATUSES
        if windows == 0:
            assert all(r.status == "not measured" for r in rows)
        else:
            assert by["P1"].status in ("pass", "fail")
            for check in ("P3", "P4", "P10"):
                assert by[check].status == "not measured"
                assert "two consecutive windows" in by[check].note
            assert by["P8"].status == by["P9"].status == "not measured"
    t = suite.Tables(checks.check_dunbar(checks.simulate(sc, lag=10)), rows, rows, windows)
    md = suite.to_markdown(t, "t", "jinmyaku validate")
    if windows == 0:
        assert "the run is shorter than one window, so nothing could be measured" in md
        assert "0 pass, 0 fail, 12 not measured." in md
    else:
        assert "1 full window of 52 weeks (weeks 0–52)" in md
