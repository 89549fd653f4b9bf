"""Validation face: statistics on hand-made graphs, CSV reading, the grouped world, ABC recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jinmyaku
from jinmyaku.analysis import intervals
from jinmyaku.analysis import network as S
from jinmyaku.errors import InputError
from jinmyaku.faces.cli import main
from jinmyaku.studies.results import Results
from jinmyaku.studies.validation import calibrate as cal
from jinmyaku.studies.validation import checks
from jinmyaku.studies.validation import observed as O

# ------------------------------------------------------------------ statistics


def triangle_and_pendant() -> S.Edges:
    # 0-1, 0-2, 1-2 form a triangle; 2-3 hangs off node 2
    return S.make_edges(4, [0, 0, 1, 2], [1, 2, 2, 3], [3.0, 2.0, 1.0, 0.5])


def test_overlap_by_hand():
    e = triangle_and_pendant()
    ov = dict(zip(zip(e.a.tolist(), e.b.tolist(), strict=True), S.overlap(e), strict=True))
    assert ov[(0, 1)] == pytest.approx(1.0)       # 1 common / (1 + 1 − 1)
    assert ov[(0, 2)] == pytest.approx(0.5)       # 1 common / (1 + 2 − 1)
    assert ov[(1, 2)] == pytest.approx(0.5)
    assert ov[(2, 3)] == pytest.approx(0.0)       # 0 common / (2 + 0 − 0)


def test_overlap_is_undefined_where_both_ends_have_no_other_tie():
    # Onnela et al.'s O_ij is 0/0 for an isolated pair: NaN, not 0 (a pendant tie is 0)
    e = S.make_edges(5, [0, 0, 1, 2, 3], [1, 2, 2, 3, 4])  # 3-4 hangs off 3: overlap 0
    assert np.isfinite(S.overlap(e)).all()
    e = S.make_edges(6, [0, 0, 1, 4], [1, 2, 2, 5])        # 4-5: both ends have no other tie
    ov = dict(zip(zip(e.a.tolist(), e.b.tolist(), strict=True), S.overlap(e), strict=True))
    assert np.isnan(ov[(4, 5)]) and ov[(0, 1)] == pytest.approx(1.0)


def test_clustering_by_hand():
    cl = S.local_clustering(triangle_and_pendant())
    assert cl[0] == pytest.approx(1.0)
    assert cl[1] == pytest.approx(1.0)
    assert cl[2] == pytest.approx(1 / 3)          # one triangle among 3 pairs of neighbours
    assert np.isnan(cl[3])


def test_repeated_pairs_add_up_in_either_order():
    e = S.make_edges(3, [0, 1, 1], [1, 0, 2], [1.0, 2.0, 4.0])
    assert e.m == 2
    assert dict(zip(zip(e.a.tolist(), e.b.tolist(), strict=True), e.w.tolist(),
                    strict=True)) == {(0, 1): 3.0, (1, 2): 4.0}


def test_layers_by_hand():
    # four well-separated clusters of sizes 2, 3, 5, 10 (strongest first)
    w = [10, 10.1] + [6, 6.1, 5.9] + [3] * 4 + [3.1] + [1] * 9 + [0.9]
    assert S.layer_sizes(w).tolist() == [2, 5, 10, 20]
    assert S.layer_sizes([1, 1, 2, 2, 3]) is None   # fewer than 4 distinct weights


def test_ego_layers_match_single_ego():
    # a star: ego 0 with the weights above, leaves have one tie each
    w = np.array([10, 10.1, 6, 6.1, 5.9, 3, 3, 3, 3, 3.1] + [1] * 9 + [0.9])
    e = S.make_edges(21, np.zeros(20, dtype=int), np.arange(1, 21), w)
    layers = S.ego_layers(e)
    assert layers[0].tolist() == [2, 5, 10, 20]
    assert np.isnan(layers[1:]).all()
    assert S.scaling_ratios(layers[:1])[0] == pytest.approx((2.5 + 2 + 2) / 3)


def test_percolation_order():
    # two triangles joined by one bridge; the bridge is the weakest tie
    a = [0, 0, 1, 3, 3, 4, 2]
    b = [1, 2, 2, 4, 5, 5, 3]
    w = [5, 5, 5, 5, 5, 5, 0.1]
    e = S.make_edges(6, a, b, w)
    f = [0, 1 / 7]
    _, g_weak, _ = S.percolation(e, True, f)
    _, g_strong, _ = S.percolation(e, False, f)
    assert g_weak.tolist() == [1.0, 0.5]          # removing the bridge splits the network
    assert g_strong.tolist() == [1.0, 1.0]        # removing one strong triangle tie does not


def test_inside_group_share():
    e = triangle_and_pendant()
    assert S.inside_group_share(e, np.array([0, 0, 1, 1])) == pytest.approx(0.5)  # 0-1, 2-3
    assert S.inside_group_share(e, np.array([-1, -1, 1, 1])) == pytest.approx(0.25)


def test_top_alters_and_poisson_interval():
    top = checks.top_alters(np.array([1, 1, 1]), np.array([2, 3, 4]), np.array([0.1, 0.9, 0.5]),
                            k=2)
    assert top[top["ego"] == 1]["alter"].tolist() == [3, 4]
    rate, lo, hi = intervals.poisson_rate(10, 100)
    assert rate == pytest.approx(0.1)
    assert lo == pytest.approx(0.04795, abs=1e-4) and hi == pytest.approx(0.18391, abs=1e-4)


# ------------------------------------------------------------------ CSV reading


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_read_edges_adds_repeated_pairs(tmp_path):
    p = write(tmp_path, "e.csv", "source,target,weight\nann,bob,1\nbob,ann,2.5\n\nbob,cy,1\n")
    e, names = O.read_edges(p)
    assert names == ["ann", "bob", "cy"]
    assert e.m == 2
    assert sorted(e.w.tolist()) == [1.0, 3.5]
    e2, _ = O.read_edges(write(tmp_path, "u.csv", "Source,Target\na,b\nb,a\n"))
    assert e2.w.tolist() == [2.0]


@pytest.mark.parametrize("text, needle", [
    ("from,to\na,b\n", "line 1: 'from,to' looks like a header"),
    ("source,target,weight\na,b,1\na,b\nc,d,x\nd,d,1\ne,f,-2\n",
     "line 3: 2 fields, expected 3; line 4: weight 'x' is not a number; line 5: source and "
     "target are the same ('d'); line 6: weight -2 is not a finite number > 0"),
    ("source,target\n", "no ties"),
    ("", "empty"),
])
def test_read_edges_refuses_malformed(tmp_path, text, needle):
    with pytest.raises(InputError, match=None) as err:
        O.read_edges(write(tmp_path, "bad.csv", text))
    assert needle in str(err.value)


def test_read_groups(tmp_path):
    e, names = O.read_edges(write(tmp_path, "e.csv", "source,target\na,b\nb,c\n"))
    codes, labels, extra = O.read_groups(write(tmp_path, "n.csv",
                                               "node,group\na,x\nc,y\nz,x\nb,\n"), names)
    assert labels == ["x", "y"] and extra == ["z"]
    assert codes.tolist() == [0, -1, 1, 0]       # a, b (no group), c, z
    with pytest.raises(InputError, match="line 3: node 'a' already listed on line 2"):
        O.read_groups(write(tmp_path, "d.csv", "node,group\na,x\na,y\n"), names)


def test_cli_refuses_malformed_edges(tmp_path, capsys):
    bad = write(tmp_path, "bad.csv", "source,target\na\n")
    assert main(["validate", "--against", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "line 2: 1 fields, expected 2" in err and "Traceback" not in err


# ------------------------------------------------------------------ grouped world and ABC

SMALL = ["population.people=150", "population.years=0.4", "cohorts.size=5"]


def test_grouped_world_uses_observed_groups():
    sc = jinmyaku.load("small", SMALL)
    group = np.arange(150) % 6
    group[:10] = -1
    sim = O.grouped_simulation(sc, group)
    p = sim.world.people
    assert (p.workplace[10:] == group[10:]).all()
    assert np.unique(p.workplace[:10]).size == 10 and (p.workplace[:10] >= 6).all()
    # starting workplace ties lie inside the observed groups
    res = Results.from_simulation(sim.run())
    t = res.ties[(res.ties["origin"] == "workplace") & (res.ties["birth"] == 0)]
    assert len(t) > 0
    assert (group[t["a"].to_numpy()] == group[t["b"].to_numpy()]).all()


def test_calibration_recovers_memory():
    """Simulate with a memory of 26 weeks, fit it alone by ABC: within a factor 1.6."""
    truth = jinmyaku.load("small", [*SMALL, "processes.ties.memory=26", "seed=7"])
    group = np.arange(150) % 8
    empty = S.Edges(150, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    e, g = O.simulate_like(empty, group, truth)
    fit = cal.calibrate(e, g, jinmyaku.load("small", SMALL), names=("memory",), draws=12,
                        accept=0.4)
    est = fit.estimate["memory"]
    assert 26 / 1.6 <= est <= 26 * 1.6
    lo, hi = fit.interval["memory"]
    assert lo <= est <= hi
    text = cal.fitted_scenario(jinmyaku.load("small", SMALL), fit, 150, "obs.csv")
    assert "processes.ties.memory" in text
    import tomllib
    assert tomllib.loads(text)["processes"]["ties"]["memory"] == pytest.approx(est)


def test_abc_regression_adjustment_on_a_known_line():
    rng = np.random.default_rng(0)
    theta = rng.random((200, 1))
    stats = np.column_stack([2 * theta[:, 0] + rng.normal(0, 0.01, 200),
                             rng.normal(0, 1, 200)])          # second statistic is noise
    adj, wt, idx = cal.abc(theta, stats, np.array([1.0, 5.0]), 0.2)
    assert np.average(adj[:, 0], weights=wt) == pytest.approx(0.5, abs=0.03)


def test_structure_on_frame_roundtrip(tmp_path):
    e = triangle_and_pendant()
    df = pd.DataFrame({"source": e.a, "target": e.b, "weight": e.w})
    p = tmp_path / "t.csv"
    df.to_csv(p, index=False)
    e2, _ = O.read_edges(p)
    st = S.structure(e2, np.array([0, 0, 1, 1]))
    assert st["ties"] == 4 and st["inside_group_share"] == pytest.approx(0.5)
    assert st["clustering"] == pytest.approx((1 + 1 + 1 / 3) / 3)


def test_cli_calibrate_then_validate_against(tmp_path):
    """End to end: calibrate on a small observed network, then compare with the fitted scenario."""
    rng = np.random.default_rng(3)
    a = rng.integers(0, 40, 200)
    b = (a + rng.integers(1, 6, 200)) % 40
    edges = pd.DataFrame({"source": [f"p{x}" for x in a], "target": [f"p{x}" for x in b],
                          "weight": rng.integers(1, 5, 200)})
    edges.to_csv(tmp_path / "e.csv", index=False)
    pd.DataFrame({"node": [f"p{x}" for x in range(40)],
                  "group": [f"g{x // 10}" for x in range(40)]}).to_csv(tmp_path / "n.csv",
                                                                       index=False)
    fitted = tmp_path / "fitted.toml"
    assert main(["calibrate", "--against", str(tmp_path / "e.csv"), "--groups",
                 str(tmp_path / "n.csv"), "--scenario", "small", "--set", "population.years=0.2",
                 "--draws", "8", "--out", str(fitted), "-q"]) == 0
    sc = jinmyaku.load(fitted)
    assert sc.population.people == 40 and sc.population.years == pytest.approx(0.2)
    out = tmp_path / "cmp"
    assert main(["validate", "--against", str(tmp_path / "e.csv"), "--groups",
                 str(tmp_path / "n.csv"), "--scenario", str(fitted), "--out", str(out),
                 "-q"]) == 0
    import json
    rows = json.loads((out / "validation.json").read_text())
    by_key = {r["key"]: r for r in rows}
    assert by_key["nodes"]["observed"] == by_key["nodes"]["simulated"] == 40
    assert 0 < by_key["inside_group_share"]["observed"] < 1


def test_checks_on_a_tiny_world():
    """Every check runs on a tiny world and returns well-formed rows (verdicts not asserted)."""
    sets = ["population.people=300", "population.years=1", "cohorts.size=10",
            "population.workplace_size=10"]
    run = checks.simulate(jinmyaku.load("default", sets), lag=20)
    assert run.snap_step == 32 and len(run.snapshot) > 0
    off = jinmyaku.run("default", overrides=[*sets, "processes.influence.rate=0"])
    rows = (checks.check_dunbar(run) + checks.check_onnela(run) + checks.check_weak_ties(run)
            + checks.check_mixers(run) + checks.check_churn(run)
            + checks.check_influence(run, off, n_boot=20))
    assert [r.check for r in rows] == ["1a", "1b", "2a", "2b", "3a", "3b", "4", "5a", "5b", "6"]
    assert all(r.status in ("pass", "fail") for r in rows)
    churn = rows[7]
    assert 0 <= churn.value <= 1 and churn.lo <= churn.value <= churn.hi
    md = checks.to_markdown(rows, "t", "jinmyaku validate")
    assert md.count("\n| ") == len(rows) + 1
    import json
    assert len(json.loads(checks.to_json(rows, {"seed": 1}))["rows"]) == len(rows)


def test_a_node_table_of_another_network_is_refused(tmp_path):
    """A node table sharing no node with the edge list once doubled the network with
    isolated nodes; now it is refused with its path."""
    names = ["a", "b", "c"]
    path = write(tmp_path, "other.csv", "node,group\nx,1\ny,1\nz,2\n")
    with pytest.raises(InputError, match=r"other\.csv: no node of the node table"):
        O.read_groups(path, names)
    codes, _, extra = O.read_groups(write(tmp_path, "some.csv", "node,group\na,1\nz,2\n"), names)
    assert extra == ["z"]  # one node in common is enough


def test_line_numbers_stay_true_after_a_quoted_field_spanning_lines(tmp_path):
    text = 'source,target\n"a\nb",c\nd\ne,f\n'  # the bad row "d" is on line 4
    with pytest.raises(InputError, match=r"line 4: 1 fields"):
        O.read_edges(write(tmp_path, "q.csv", text))


# ------------------------------------------------------------------ hostile inputs (issue 15)

def test_a_network_above_the_population_cap_is_refused_in_one_line():
    sc = jinmyaku.load("small")
    with pytest.raises(InputError) as err:
        O.sized_scenario(sc, 6_000_000)
    msg = str(err.value)
    assert "6,000,000 nodes" in msg and "at most 5,000,000 people" in msg, msg
    assert "\n" not in msg and "pydantic" not in msg


def test_an_invalid_sized_scenario_names_the_key_not_a_pydantic_dump():
    sc = jinmyaku.load("small")
    with pytest.raises(InputError) as err:
        O.sized_scenario(sc, 500, ["population.years=-1", "processes.mixers.new_tie=nan"])
    msg = str(err.value)
    assert msg.startswith("the scenario for the observed network (500 nodes): invalid scenario")
    assert "population.years: Input should be greater than 0" in msg, msg
    assert "processes.mixers.new_tie: nan is not a finite number" in msg
    assert "\n" not in msg and "errors.pydantic.dev" not in msg
