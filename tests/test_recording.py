"""What a run records for the pattern suite (studies.validation.recording): windows of
contacts that lose and double-count nothing, on either channel; mixer encounters (P11)
and stages at tie formation (P12) as a plain recount has them, the same with the seed,
and a run with them attached the same as one without."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jinmyaku
from jinmyaku.engine import Simulation
from jinmyaku.model.engine import Analyzer
from jinmyaku.studies.results import Results
from jinmyaku.studies.validation.patterns import run_patterns
from jinmyaku.studies.validation.recording import (
    ContactSnapshots,
    MixerEvents,
    TieFormations,
    contact_windows,
    pattern_data,
)


def _run(*sets: str):
    sc = jinmyaku.load("small", ["population.people=300", "population.years=3", *sets])
    snaps = ContactSnapshots()
    res = Results.from_simulation(Simulation(sc, analyzers=[snaps]).run())
    ties = res.ties if isinstance(res.ties, pd.DataFrame) else res.ties.to_pandas()
    return snaps, res, ties


@pytest.fixture(scope="module")
def run():
    return _run()


def test_windows_hold_every_contact_of_the_run_once(run):
    snaps, res, ties = run
    cw = contact_windows(snaps, ties)
    assert cw.windows == 3 and len(snaps.snaps) == 4  # weeks 0, 52, 104, 156
    assert (cw.contacts["contacts"] > 0).all()
    # starting ties count no contacts; every later one is in exactly one window
    assert cw.contacts["contacts"].sum() == ties["contacts"].sum() > 10_000


def test_the_calls_channel_holds_the_discretionary_contacts_only(run):
    snaps, res, ties = run
    calls = contact_windows(snaps, ties, "calls")
    # maintenance's contacts and the bonds' (§7.6b), week by week
    made = res.events["interactions"].sum() + res.events["bond_contacts"].sum()
    assert res.events["bond_contacts"].sum() > 100
    assert calls.contacts["contacts"].sum() == ties["calls"].sum() == made > 1000
    assert (ties["calls"] <= ties["contacts"]).all()
    every = contact_windows(snaps, ties).contacts["contacts"].sum()
    assert calls.contacts["contacts"].sum() < every  # focus encounters are not calls


def test_without_maintenance_and_bonds_there_are_no_calls():
    snaps, res, ties = _run("schedule=['budget', 'action', 'work', 'opportunities']")
    assert ties["contacts"].sum() > 0
    assert ties["calls"].sum() == 0
    assert contact_windows(snaps, ties, "calls").contacts.empty


# ----------------------------------------------------------------- P11 and P12 recorders

class PlainWeeks(Analyzer):
    """Everyone's pid and stage, and the tied pairs of pids, at the end of every week."""

    def __init__(self) -> None:
        self.pid, self.stage, self.pairs = {}, {}, {}

    def observe(self, world) -> None:
        store, t = world.ties, world.step
        ids = store.alive_ids()
        self.pid[t] = world.people.pid.copy()
        self.stage[t] = dict(zip(world.people.pid.tolist(), world.people.stage.tolist(),
                                 strict=True))
        self.pairs[t] = {(min(a, b), max(a, b))
                         for a, b in zip(store.pa[ids].tolist(), store.pb[ids].tolist(),
                                         strict=True)}


def _before_mixers(sim) -> list[dict]:
    """Wraps the mixers' step to note, before each week's events, the tied pairs,
    who attends and the group each attendee was drawn into (a plain recount)."""
    proc = sim.process("mixers")
    seen, step = [], proc.step

    def noting(world):
        store = world.ties
        ids = store.alive_ids()
        group, _ = proc._group_of(world)
        pid = world.people.pid
        seen.append({"week": world.step,
                     "pairs": {(min(a, b), max(a, b)) for a, b in
                               zip(store.pa[ids].tolist(), store.pb[ids].tolist(), strict=True)},
                     "group": dict(zip(pid[group >= 0].tolist(), group[group >= 0].tolist(),
                                       strict=True))})
        return step(world)

    proc.step = noting
    return seen


SMALL = ("population.people=300", "population.years=1")
LAG = 10


def _recorded(noted: bool):
    sc = jinmyaku.load("small", list(SMALL))
    mixers, formations = MixerEvents(), TieFormations(lag_weeks=LAG)
    plain = PlainWeeks()
    sim = Simulation(sc, analyzers=[mixers, formations, *([plain] if noted else [])])
    seen = _before_mixers(sim) if noted else None
    res = Results.from_simulation(sim.run())
    return mixers, formations, plain, seen, res


@pytest.fixture(scope="module")
def recorded():
    return _recorded(noted=True)


def test_mixer_events_match_a_plain_recount(recorded):
    mixers, _, _, seen, res = recorded
    m = mixers.data()
    enc, att = m.encounters, m.attendance
    assert len(att) > 500 and len(enc) > 1000 and 0 < enc["known"].mean() < 1
    weeks = {s["week"]: s for s in seen}
    for week, a in att.groupby("week"):
        s = weeks[week]
        # the attendees and their events are the week's draw (events numbered by group)
        assert sorted(a["person"]) == sorted(s["group"])
        drawn = a["person"].map(s["group"])
        assert (drawn.groupby(a["event"]).nunique() == 1).all()
        assert drawn.nunique() == a["event"].nunique()
        # known co-attendees: those tied to the person when the events began
        for _, ev in a.groupby("event"):
            ps = ev["person"].tolist()
            want = [sum((min(p, q), max(p, q)) in s["pairs"] for q in ps if q != p) for p in ps]
            assert ev["known_attendees"].tolist() == want
    e = enc.merge(att[["event", "person"]].rename(columns={"person": "i"}), on=["event", "i"])
    e = e.merge(att[["event", "person"]].rename(columns={"person": "j"}), on=["event", "j"])
    assert len(e) == len(enc)  # everyone met is a co-attendee at the same event
    assert (enc["i"] < enc["j"]).all() and not enc.duplicated(["event", "i", "j"]).any()
    known = [(r.i, r.j) in weeks[r.week]["pairs"] for r in enc.itertuples()]
    assert enc["known"].tolist() == known
    # every encounter of the run is in the table (pairs met twice counted twice in times)
    per_week = enc.groupby("week")["times"].sum()
    ev = res.events.set_index("step")["mixers_encounters"]
    assert per_week.to_dict() == {w: int(n) for w, n in ev.items() if n > 0}
    assert enc.attrs["ended"] == mixers.ended


def test_tie_formations_match_a_plain_recount(recorded):
    _, formations, plain, _, res = recorded
    si = formations.data()
    ties = res.ties if isinstance(res.ties, pd.DataFrame) else res.ties.to_pandas()
    last = max(plain.pid)
    # ties made in weeks whose lag has run, seen alive at the end of their week (not made
    # and ended in it), with both ends there at the week's start and lag weeks later
    death = ties["death"].fillna(-1).to_numpy()  # NaN or -1 while alive
    made = ties[(ties["birth"] >= 1) & (ties["birth"] - 1 + LAG <= last)
                & ((death < 0) | (death > ties["birth"]))]
    want = {}
    for r in made.itertuples():
        t0, t1 = r.birth - 1, r.birth - 1 + LAG
        if all(p in plain.stage[t0] and p in plain.stage[r.birth] and p in plain.stage[t1]
               for p in (r.a, r.b)):
            want[r.uid] = (r.birth, r.a, r.b, plain.stage[t0][r.a], plain.stage[t0][r.b],
                           plain.stage[t1][r.a], plain.stage[t1][r.b])
    tied = si.tied
    got = {r.uid: (r.week, r.a, r.b, r.stage_a0, r.stage_b0, r.stage_a1, r.stage_b1)
           for r in tied.itertuples()}
    assert len(got) == len(tied) > 500
    assert got == want
    # baseline: one pair per tie noted, each untied at the end of its week, both there at
    # its start, stages as the plain record has them
    assert formations.drawn == formations.formed >= len(tied)
    base = si.baseline
    assert len(base) > 500 and (base["uid"] == -1).all()
    for r in base.itertuples():
        t0, t1 = r.week - 1, r.week - 1 + LAG
        assert r.a != r.b and (min(r.a, r.b), max(r.a, r.b)) not in plain.pairs[r.week]
        assert (r.stage_a0, r.stage_b0) == (plain.stage[t0][r.a], plain.stage[t0][r.b])
        assert (r.stage_a1, r.stage_b1) == (plain.stage[t1][r.a], plain.stage[t1][r.b])
        assert r.a in plain.stage[r.week] and r.b in plain.stage[r.week]


def test_recorders_repeat_with_the_seed_and_change_nothing(recorded):
    mixers, formations, _, _, res = recorded
    again, formations2, _, _, res2 = _recorded(noted=False)
    for a, b in ((mixers.data().encounters, again.data().encounters),
                 (mixers.data().attendance, again.data().attendance),
                 (formations.data().tied, formations2.data().tied),
                 (formations.data().baseline, formations2.data().baseline)):
        pd.testing.assert_frame_equal(a, b)
    bare = Results.from_simulation(Simulation(jinmyaku.load("small", list(SMALL))).run())
    for got in (res, res2):  # with the recorders attached (and the plain recount too)
        for name in ("ties", "events", "series", "opportunities", "people"):
            a, b = getattr(got, name), getattr(bare, name)
            if not isinstance(a, pd.DataFrame):
                a, b = a.to_pandas(), b.to_pandas()
            pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)


def test_pattern_data_measures_p11_and_p12(recorded):
    mixers, formations, _, _, _ = recorded
    rows = {r.check: r for r in run_patterns(pattern_data(None, mixers=mixers,
                                                          formations=formations))}
    assert rows["P11"].status != "not measured" and np.isfinite(rows["P11"].value)
    assert rows["P12"].status != "not measured"
    assert rows["P1"].status == "not measured"  # no contact snapshots given


def test_without_mixers_in_the_schedule_p11_is_not_measured():
    sc = jinmyaku.load("small", [*SMALL, "schedule=['budget', 'action', 'work']"])
    mixers = MixerEvents()
    Simulation(sc, analyzers=[mixers]).run(until=5)
    assert mixers.data() is None
