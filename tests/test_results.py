"""The recorded tables agree with each other and with the final world."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import scenario

from jinmyaku.model.engine import Simulation
from jinmyaku.model.vocabulary import ORIGINS
from jinmyaku.studies.results import Results


@pytest.fixture(scope="module")
def no_leaving():
    """A full-schedule run in which nobody leaves, so every receipt stays countable."""
    sim = Simulation(scenario("processes.life_events.leave=0", "seed=5"))
    return sim, Results.from_simulation(sim.run())


def test_tie_ledger_is_well_formed(small_run):
    sim, res = small_run
    t = res.ties
    assert t["uid"].is_unique and t["uid"].is_monotonic_increasing
    assert (t["a"] != t["b"]).all()
    # strengths: positive, at most their peak; a faded tie's below the threshold (half a
    # year is too short for any to fade here: test_processes checks fading week by week)
    assert (t["weight"] > 0).all() and (t["peak_weight"] >= t["weight"] * (1 - 1e-12)).all()
    faded = t["cause"] == "decayed"
    assert (t.loc[faded, "weight"] < sim.scenario.processes.ties.end_below).all()
    assert (t["last_interaction"] >= t["birth"]).all()
    dead = t["death"].notna()
    assert (t.loc[dead, "death"] >= t.loc[dead, "birth"]).all()
    assert (t.loc[dead, "cause"] != "alive").all() and (t.loc[~dead, "cause"] == "alive").all()
    assert t["a"].max() < sim.world.next_pid and t["b"].max() < sim.world.next_pid
    # living ties join people present at the end, and make up their degrees
    alive = t[~dead]
    pids = set(res.people["pid"])
    assert set(alive["a"]) <= pids and set(alive["b"]) <= pids
    degree = pd.concat([alive["a"], alive["b"]]).value_counts()
    ppl = res.people.set_index("pid")
    np.testing.assert_array_equal(ppl["degree"], degree.reindex(ppl.index, fill_value=0))
    assert res.events["ties_alive"].iloc[-1] == len(alive)
    # every origin shows up in a run of the full schedule
    assert set(t["origin"].astype(str)) == set(ORIGINS)


def test_series_match_the_final_people(small_run):
    sim, res = small_run
    s, ppl, sc = res.series, res.people, res.scenario
    names = ["background", *[n for n in sc.strategies if n in sc.cohorts.strategies]]
    for _, rows in s.groupby("step"):
        assert rows["cohort"].tolist() == names  # background first, then by strategy order
        assert rows["members"].sum() == sc.population.people
    assert sorted(s["step"].unique()) == list(range(sc.steps + 1))
    last = s[s["step"] == sc.steps].set_index("cohort")
    alive = res.ties[res.ties["death"].isna()]
    for cohort, members in ppl.groupby("cohort", observed=True):
        row = last.loc[str(cohort)]
        assert row["members"] == len(members)
        assert row["stage"] == pytest.approx(members["stage"].mean(), rel=1e-12)
        assert row["degree"] == pytest.approx(members["degree"].mean(), rel=1e-12)
        assert row["knowledge"] == pytest.approx(members["knowledge"].mean(), rel=1e-12)
        pids = set(members["pid"])
        for origin in ORIGINS:
            o = alive[alive["origin"] == origin]
            count = o["a"].isin(pids).sum() + o["b"].isin(pids).sum()
            assert row[f"ties_{origin}"] == pytest.approx(count / len(members), rel=1e-12)


def test_opportunities_recorded_per_step_add_up(no_leaving):
    sim, res = no_leaving
    opp, s, ev = res.opportunities, res.series, res.events
    assert len(opp) > 100
    per_step = opp.groupby("step").size().reindex(ev["step"], fill_value=0)
    np.testing.assert_array_equal(ev["opportunities_delivered"], per_step)
    np.testing.assert_array_equal(s.groupby("step")["opportunities"].sum(), per_step)
    value = opp.groupby("step")["value"].sum().reindex(ev["step"], fill_value=0)
    np.testing.assert_allclose(s.groupby("step")["opportunity_value"].sum(), value, rtol=1e-9)
    np.testing.assert_allclose(ev["value_delivered"], value, rtol=1e-9)
    # and per person, in the final people table
    got = opp.groupby("recipient").size()
    ppl = res.people.set_index("pid")
    np.testing.assert_array_equal(ppl["opportunities"], got.reindex(ppl.index, fill_value=0))


def test_summary_matches_the_people_table(no_leaving):
    sim, res = no_leaving
    summary = res.summary().set_index(["strategy", "measure"])
    ppl = res.people
    years = res.scenario.steps / 52
    for strategy in res.scenario.cohorts.strategies:
        members = ppl[ppl["cohort"] == strategy]
        assert len(members) == res.scenario.cohorts.size
        row = summary.loc[(strategy, "stage_end")]
        assert row["n"] == len(members)
        assert row["mean"] == pytest.approx(members["stage"].mean(), rel=1e-12)
        assert row["lo"] <= row["mean"] <= row["hi"]
        assert summary.loc[(strategy, "ties_alive"), "mean"] == pytest.approx(
            members["degree"].mean(), rel=1e-12)
        assert summary.loc[(strategy, "opportunities_per_year"), "mean"] == pytest.approx(
            members["opportunities"].mean() / years, rel=1e-12)
        shares = [summary.loc[(strategy, f"opportunity_share_{o}"), "mean"] for o in ORIGINS]
        if members["opportunities"].sum() > 0:
            assert sum(shares) == pytest.approx(1.0, rel=1e-12)
        by_origin = sum(summary.loc[(strategy, f"ties_alive_{o}"), "mean"] for o in ORIGINS)
        assert by_origin == pytest.approx(members["degree"].mean(), rel=1e-12)


def test_graph_is_the_living_network(small_run):
    _, res = small_run
    g = res.graph()
    alive = res.ties[res.ties["death"].isna()]
    assert g.number_of_nodes() == len(res.people)
    assert g.number_of_edges() == len(alive)
    row = alive.iloc[len(alive) // 2]
    edge = g.edges[int(row["a"]), int(row["b"])]
    assert edge["weight"] == row["weight"] and edge["origin"] == str(row["origin"])
