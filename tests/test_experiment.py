"""The claims experiment: the shock is causal, the analysis gets known answers right,
and results do not depend on where the runs ran."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import scenario
from scipy import stats

from jinmyaku.faces.cli import main
from jinmyaku.faces.render.claims_report import Figure, Heading, Para, Table, to_html, to_markdown
from jinmyaku.studies.claims import experiment as ex
from jinmyaku.studies.results import simulate

# A design that runs in seconds: 2 replicates, 3 parameters × 2 trajectories.
TINY = ex.design_with(ex.QUICK, replicates=2, people=400, years=1.5, cohort_size=30,
                      sens_parameters=3, sens_trajectories=2, sens_people=300,
                      sens_years=1.5, sens_cohort_size=20)


def test_t_interval_by_hand():
    ci = ex.t_interval([1.0, 2.0, 3.0, np.nan])
    half = stats.t.ppf(0.975, 2) * 1.0 / np.sqrt(3)
    assert ci == pytest.approx({"mean": 2.0, "lo": 2.0 - half, "hi": 2.0 + half, "n": 3})
    assert ex.status(ci) == "unclear"  # lo = 2 − 2.48 < 0
    assert ex.status(ex.t_interval([2.0, 2.1, 2.2])) == "supported"
    assert ex.status(ex.t_interval([-2.0, -2.1, -2.2])) == "contradicted"


def test_shock_effects_by_hand():
    # persons 0..6 (slot = pid), closest lists of width 3 (so the literal benchmark is 1/3);
    # 4 and 5 are shocked by 0.1 and 0.2. Person 0 has 5 among three ties (exposed);
    # 1 has three ties, none shocked (control); 2 has two shocked alters, 3 no ties and
    # 6 only two ties: all three left out.
    pid = np.arange(7)
    shocked = np.array([False, False, False, False, True, True, False])
    delta = np.array([0, 0, 0, 0, 0.1, 0.2, 0])
    closest = np.array([[5, 1, 2], [0, 2, 3], [5, 4, 0], [-1, -1, -1], [0, 1, 2],
                        [0, 1, 2], [0, 1, -1]])
    base = type("P", (), {"pid": pid, "stage": np.full(7, 0.5)})
    after = type("P", (), {"pid": pid,
                           "stage": np.array([0.51, 0.501, 0.6, 0.5, 0.55, 0.6, 0.7])})
    out = ex.shock_effects(pid, shocked, delta, closest, base, after)
    assert out["shock.pass_through"] == pytest.approx(0.01 / 0.2)
    assert out["shock.exposed"] == 1
    assert out["shock.placebo"] == pytest.approx(0.001 / 0.15)  # mean shock 0.15
    assert out["shock.net_pass_through"] == pytest.approx(0.01 / 0.2 - 0.001 / 0.15)
    assert out["shock.persistence"] == pytest.approx(np.mean([0.05 / 0.1, 0.1 / 0.2]))
    assert out["shock.pass_through_minus_fifth"] == pytest.approx(0.05 - 1 / 3)
    # someone who left (a new pid in the slot) is never counted
    moved = type("P", (), {"pid": np.array([70, 1, 2, 3, 4, 5, 6]), "stage": after.stage})
    assert np.isnan(ex.shock_effects(pid, shocked, delta, closest, base,
                                     moved)["shock.pass_through"])


def test_unshocked_copy_changes_nothing():
    sc = scenario("population.years=1")
    res, shock = ex.run_world(sc, shock_weeks=20, shock_size=0.2, shock_share=0.0)
    plain = simulate(sc)
    pd.testing.assert_frame_equal(res.ties, plain.ties)
    pd.testing.assert_frame_equal(res.people, plain.people)
    assert np.isnan(shock["shock.pass_through"])
    assert shock["shock.placebo"] != shock["shock.placebo"] or shock["shock.placebo"] == 0


def test_shock_passes_through_only_by_influence():
    sc = scenario("population.years=1.5", "population.people=600")
    _, on = ex.run_world(sc, 52, 0.2, 0.05)
    assert on["shock.exposed"] > 20
    assert on["shock.pass_through"] > 0.005
    off = scenario("population.years=1.5", "population.people=600",
                   "processes.influence.rate=0.0")
    _, none = ex.run_world(off, 52, 0.2, 0.05)
    # stage moves only by one's own action and by influence: without influence,
    # another person's shock cannot move anyone's stage at all
    assert none["shock.pass_through"] == 0.0
    assert none["shock.placebo"] == 0.0
    assert none["shock.net_pass_through"] == 0.0
    # own growth slows near stage 1 (diminishing returns), so a shock fades a little
    assert 0.9 < none["shock.persistence"] <= 1.0


def effects_frame(rows: dict[str, tuple[float, float, float, str]], claim: str) -> pd.DataFrame:
    return pd.DataFrame([{"claim": claim, "effect": e, "mean": m, "lo": lo, "hi": hi,
                          "status": st} for e, (m, lo, hi, st) in rows.items()])


@pytest.mark.parametrize(("status", "share", "support_status", "verdict"), [
    ("supported", 0.9, "supported", "supported"),
    ("supported", 0.5, "supported", "depends"),       # flips in half the parameter space
    ("supported", 1.0, "contradicted", "depends"),     # a supporting effect points the other way
    ("unclear", 0.1, "supported", "not supported"),
    ("contradicted", 0.5, "unclear", "depends"),
])
def test_verdict_rules(status, share, support_status, verdict):
    frames = []
    for c, key in ex.HEADLINE.items():
        frames.append(effects_frame({key: (1.0, 0.5, 1.5, "supported"),
                                     f"{c}.other": (1.0, 0.5, 1.5, "supported")}, c))
    eff = pd.concat(frames, ignore_index=True)
    key = ex.HEADLINE["h5"]
    eff.loc[eff["effect"] == key, "status"] = status
    eff.loc[eff["effect"] == "h5.other", "status"] = support_status
    n = 20
    y = np.where(np.arange(n) < round(share * n), 1.0, -1.0)
    Y = pd.DataFrame({k: np.ones(n) for k in ex.HEADLINE.values()})
    Y[key] = y
    v = ex.verdicts(eff, Y, None).set_index("claim")
    assert v.loc["h5", "verdict"] == verdict
    assert v.loc["h2", "verdict"] == "supported"


@pytest.mark.parametrize(("status", "support_status", "verdict"), [
    ("supported", "supported", "supported"),
    ("supported", "contradicted", "depends"),
    ("unclear", "supported", "depends"),
    ("contradicted", "supported", "not supported"),
])
def test_verdict_without_sensitivity(status, support_status, verdict):
    eff = pd.concat([effects_frame({key: (1.0, 0.5, 1.5, "supported"),
                                    f"{c}.other": (1.0, 0.5, 1.5, "supported")}, c)
                     for c, key in ex.HEADLINE.items()], ignore_index=True)
    eff.loc[eff["effect"] == ex.HEADLINE["h3"], "status"] = status
    eff.loc[eff["effect"] == "h3.other", "status"] = support_status
    v = ex.verdicts(eff, None, None).set_index("claim")
    assert v.loc["h3", "verdict"] == verdict
    assert "no sensitivity analysis" in v.loc["h3", "note"]
    assert v.loc["h3", "flips"] == "No sensitivity analysis was run."


def test_a_literal_benchmark_is_a_note_not_evidence_against():
    eff = pd.concat([effects_frame({key: (1.0, 0.5, 1.5, "supported")}, c)
                     for c, key in ex.HEADLINE.items()], ignore_index=True)
    eff = pd.concat([eff, effects_frame({"shock.pass_through_minus_fifth":
                                         (-0.17, -0.18, -0.16, "contradicted")}, "h1")])
    Y = pd.DataFrame({k: np.ones(10) for k in ex.HEADLINE.values()})
    v = ex.verdicts(eff, Y, None).set_index("claim")
    assert v.loc["h1", "verdict"] == "supported"
    assert "far weaker than the literal claim" in v.loc["h1", "note"]


def test_sensitivity_finds_the_parameter_that_flips():
    design = ex.design_with(TINY, sens_parameters=3, sens_trajectories=10)
    X, points = ex.morris_points(design)
    names = ex.morris_problem(design)["names"]
    assert len(points) == design.sens_runs
    # the effect changes sign with the second parameter alone
    j = 1
    lo, hi = ex.SENSITIVITY_PARAMETERS[j][1:]
    Y = pd.DataFrame({k: X[:, j] - (lo + hi) / 2 + 1e-9 for k in ex.HEADLINE.values()})
    sens = ex.sensitivity_table(design, X, Y)
    h2 = sens[sens["claim"] == "h2"].set_index("parameter")
    assert h2["mu_star"].idxmax() == names[j]
    assert h2.loc[names[j], "holds"] == "0% | 0% | 100% | 100%"  # Morris: four levels
    assert h2.loc[names[j], "hold_range"] == 1.0
    counts = [int(k) for k in h2.loc[names[j], "counts"].split(" | ")]
    assert sum(counts) == len(points) == h2.loc[names[j], "points"]
    assert h2.drop(index=names[j])["mu_star"].max() == pytest.approx(0.0, abs=1e-12)
    text = ex.flip_text("h2", float(np.mean(Y[ex.HEADLINE["h2"]] > 0)), sens)
    assert f"flips mostly with `{names[j]}`" in text


def test_morris_points_respect_bounds_and_integers():
    design = ex.design_with(TINY, sens_parameters=9, sens_trajectories=3)
    X, points = ex.morris_points(design)
    for k, (_, lo, hi) in enumerate(ex.SENSITIVITY_PARAMETERS[:9]):
        assert (X[:, k] >= lo).all() and (X[:, k] <= hi).all()
    assert all(isinstance(p["processes.meetups.catchment"], int) for p in points)
    ex.check(design)  # every point is a valid scenario


def test_blocks_render_the_same_content(tmp_path):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1])
    fig.savefig(tmp_path / "f.png")
    blocks = [Heading(1, "Title"), Para("a **bold** `code` <tag>"),
              Table(pd.DataFrame({"x": [1], "y": ["a|b"]})), Figure("f", "cap")]
    md = to_markdown(blocks)
    assert "# Title" in md and "a|b" not in md and "a\\|b" in md and "figures/f.png" in md
    page = to_html(blocks, tmp_path, "t")
    assert "<strong>bold</strong>" in page and "<code>code</code>" in page
    assert "&lt;tag&gt;" in page and "data:image/png;base64," in page
    assert "http://" not in page and "https://" not in page  # opens offline


@pytest.fixture(scope="module")
def tiny_reports(tmp_path_factory):
    out = {}
    for workers in (0, 2):
        res = ex.run_claims(TINY, workers=workers)
        from jinmyaku.faces.render.claims_report import write_report

        folder = tmp_path_factory.mktemp(f"claims-w{workers}")
        write_report(res, folder)
        out[workers] = (res, folder)
    return out


def test_results_identical_whatever_the_workers(tiny_reports):
    (r0, f0), (r2, f2) = tiny_reports[0], tiny_reports[2]
    pd.testing.assert_frame_equal(r0.effects, r2.effects)
    pd.testing.assert_frame_equal(r0.sensitivity_points, r2.sensitivity_points)
    for name in ("report.md", "report.html", "effects.csv", "verdicts.csv", "sensitivity.csv",
                 "replicates.parquet", "figures/survival.png", "figures/survival.svg",
                 "manifest.json"):
        assert (f0 / name).read_bytes() == (f2 / name).read_bytes(), name


def test_report_says_every_claim(tiny_reports):
    res, folder = tiny_reports[0]
    md = (folder / "report.md").read_text()
    for c in ex.HEADLINE:
        assert f"## {c.upper()}:" in md
    assert set(res.verdicts["verdict"]) <= {"supported", "not supported", "depends"}
    for name in ("survival", "stage", "value_by_origin", "starting_ties", "ego_network",
                 "sensitivity"):
        assert (folder / "figures" / f"{name}.png").stat().st_size > 1000
        assert (folder / "figures" / f"{name}.svg").exists()


def test_cli_runs_and_refuses_bad_input(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["experiment", "claims", "--quick", "--people", "400", "--years", "1.5",
                 "--replicates", "2", "--no-sensitivity", "--workers", "0", "-q",
                 "--out", str(out)]) == 0
    assert (out / "manifest.json").exists() and (out / "report.html").exists()
    assert "H5" in capsys.readouterr().out
    assert main(["experiment", "claims", "--quick", "--replicates", "1"]) == 2
    assert "at least 2" in capsys.readouterr().err
    assert main(["experiment", "claims", "--quick", "--set", "seed=4"]) == 2
    assert "use --seed" in capsys.readouterr().err
    assert main(["experiment", "claims", "--quick", "--people", "3000000"]) == 2
    assert "GiB" in capsys.readouterr().err
    assert main(["experiment", "claims", "--quick", "--set", "processes.mixers.new_tie=3"]) == 2
    err = capsys.readouterr().err
    assert "processes.mixers.new_tie" in err and "Traceback" not in err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["experiment", "claims", "--quick", "--out", str(blocker / "sub")]) == 2
    assert "cannot write" in capsys.readouterr().err
    # a network-only scenario (once a KeyError after the runs had started)
    assert main(["experiment", "claims", "--quick", "--scenario", "kumpula2007", "--out",
                 str(tmp_path / "k")]) == 2
    err = capsys.readouterr().err
    assert "Kumpula" in err and "Traceback" not in err and not (tmp_path / "k").exists()
