"""The engine's seams: run(until), fork, interventions, analyzers and the seed network."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jinmyaku
from jinmyaku.model.engine import Analyzer, Intervention, Simulation
from jinmyaku.model.vocabulary import MIXER, ORIGINS, REFERRAL
from jinmyaku.model.world import SeedNetwork
from jinmyaku.studies.results import Results

SMALL = ["population.people=300", "cohorts.size=20", "population.years=0.5"]


def scenario(*extra: str):
    return jinmyaku.load("small", [*SMALL, *extra])


def same(a: Results, b: Results) -> None:
    for name in ("series", "events", "ties", "opportunities", "people"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)


class StageBoost(Intervention):
    def __init__(self, week: int, who: np.ndarray, by: float) -> None:
        self.week, self.who, self.by = week, who, by
        self.applied_at: int | None = None

    def apply(self, world) -> None:
        self.applied_at = world.step
        world.people.stage[self.who] = np.minimum(1.0, world.people.stage[self.who] + self.by)


class Degrees(Analyzer):
    def __init__(self, weeks: set[int]) -> None:
        self.weeks = weeks
        self.seen: dict[int, np.ndarray] = {}

    def due(self, step: int) -> bool:
        return step in self.weeks

    def observe(self, world) -> None:
        self.seen[world.step] = world.ties.deg.copy()


def test_running_in_parts_gives_the_world_of_one_run():
    sc = scenario()
    whole = Results.from_simulation(Simulation(sc).run())
    parts = Simulation(sc).run(until=5).run(until=5).run(until=11).run()
    same(whole, Results.from_simulation(parts))
    with pytest.raises(ValueError, match="until"):
        Simulation(sc).run(until=sc.steps + 1)


def test_a_fork_goes_on_as_the_original_would_and_apart_from_it():
    sc = scenario()
    whole = Results.from_simulation(Simulation(sc).run())
    sim = Simulation(sc).run(until=8)
    twin = sim.fork()
    twin.world.people.stage[:] = 1.0  # changing the fork leaves the original alone
    same(whole, Results.from_simulation(sim.run()))
    assert not Results.from_simulation(twin.run()).people.equals(whole.people)


def test_an_intervention_changes_the_world_at_the_start_of_its_week():
    sc = scenario()
    who = np.arange(0, 300, 7)
    boost = StageBoost(10, who, 0.3)
    watch = Degrees({9, 10})
    sim = Simulation(sc, interventions=[boost], analyzers=[watch]).run(until=9)
    before = sim.world.people.stage[who].copy()
    assert boost.applied_at is None  # not yet: week 10 has not started
    sim.run(until=10)
    assert boost.applied_at == 10
    plain = Simulation(sc).run(until=10)
    # the same world up to week 9, then the boosted people differ
    assert not np.allclose(sim.world.people.stage[who], plain.world.people.stage[who])
    assert np.all(sim.world.people.stage[who] >= before)
    np.testing.assert_array_equal(watch.seen[9], Simulation(sc).run(until=9).world.ties.deg)


def test_a_do_nothing_intervention_changes_nothing():
    sc = scenario()
    plain = Results.from_simulation(Simulation(sc).run())
    nothing = StageBoost(3, np.zeros(0, dtype=np.int64), 0.5)
    same(plain, Results.from_simulation(Simulation(sc, interventions=[nothing]).run()))
    assert nothing.applied_at == 3


def test_an_intervention_for_a_week_that_has_run_is_refused():
    sim = Simulation(scenario()).run(until=4)
    with pytest.raises(ValueError, match="week 4"):
        sim.add(StageBoost(4, np.arange(3), 0.1))
    with pytest.raises(TypeError):
        sim.add(object())


def test_analyzers_observe_their_weeks_including_the_built_world():
    sc = scenario()
    watch = Degrees({0, 3, sc.steps})
    sim = Simulation(sc, analyzers=[watch]).run()
    assert sorted(watch.seen) == [0, 3, sc.steps]
    np.testing.assert_array_equal(watch.seen[sc.steps], sim.world.ties.deg)
    np.testing.assert_array_equal(watch.seen[0], Simulation(sc).world.ties.deg)
    # observing changes nothing
    same(Results.from_simulation(sim), Results.from_simulation(Simulation(sc).run()))


class Attached(Analyzer):
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.sim = None

    def attach(self, simulation) -> None:
        self.sim = simulation
        self.calls.append(("attach", simulation.world.step))

    def due(self, step: int) -> bool:
        return step % 2 == 0

    def observe(self, world) -> None:
        self.calls.append(("observe", world.step))


def test_an_analyzer_is_attached_once_before_it_first_observes():
    sc = scenario()
    first, later = Attached(), Attached()
    sim = Simulation(sc, analyzers=[first]).run(until=3)
    sim.add(later).run(until=4)
    assert first.calls == [("attach", 0), ("observe", 0), ("observe", 2), ("observe", 4)]
    assert later.calls == [("attach", 3), ("observe", 4)]
    assert first.sim is sim and later.sim is sim
    twin = sim.fork()  # a fork's analyzers hold the fork, not the original
    assert twin.analyzers[0].sim is twin


def test_a_seed_network_starts_with_its_ties():
    sc = scenario()
    a = np.array([0, 0, 5, 17])
    b = np.array([1, 2, 9, 200])
    w = np.array([0.9, 0.5, 0.7, 0.3])
    o = np.array([MIXER, REFERRAL, MIXER, REFERRAL])
    sim = Simulation(sc, seed_network=SeedNetwork(a=a, b=b, weight=w, origin=o))
    res = Results.from_simulation(sim)
    first = res.ties.sort_values("uid").head(4)  # made first, in the order given
    np.testing.assert_array_equal(first["a"], a)
    np.testing.assert_array_equal(first["b"], b)
    # a closeness w starts as lo·(hi/lo)^w contacts, the drawn starting ties' range
    lo, hi = sc.population.initial_contacts
    np.testing.assert_allclose(first["weight"], lo * (hi / lo) ** w, rtol=1e-12)
    assert list(first["origin"]) == [ORIGINS[x] for x in o]
    assert (first["birth"] == 0).all()
    # each given pair has exactly one tie (a drawn tie between them is not made)
    alive = res.ties[res.ties["death"].isna()]
    pairs = set(zip(np.minimum(alive["a"], alive["b"]), np.maximum(alive["a"], alive["b"]),
                    strict=True))
    assert len(pairs) == len(alive)


@pytest.mark.parametrize(("seed", "words"), [
    (SeedNetwork(group=np.zeros(5, dtype=np.int64)), "5 group codes for 300 people"),
    (SeedNetwork(a=np.array([0]), b=np.array([1])), "together"),
    (SeedNetwork(a=np.array([0]), b=np.array([300]), weight=np.array([0.5]),
                 origin=np.array([0])), "0..299"),
    (SeedNetwork(a=np.array([0]), b=np.array([1]), weight=np.array([1.5]),
                 origin=np.array([0])), "(0, 1]"),
    (SeedNetwork(a=np.array([0]), b=np.array([1]), weight=np.array([0.5]),
                 origin=np.array([len(ORIGINS)])), "origins"),
])
def test_a_seed_network_that_does_not_fit_is_refused(seed, words):
    with pytest.raises(ValueError) as err:
        Simulation(scenario(), seed_network=seed)
    assert words in str(err.value)


def test_a_grouped_seed_network_places_people_in_their_groups():
    sc = scenario()
    group = np.arange(300) % 7
    group[:12] = -1
    sim = Simulation(sc, seed_network=SeedNetwork(group=group))
    p = sim.world.people
    np.testing.assert_array_equal(p.workplace[12:], group[12:])
    assert np.unique(p.workplace[:12]).size == 12 and (p.workplace[:12] >= 7).all()
    res = Results.from_simulation(sim)
    t = res.ties[(res.ties["origin"] == "workplace")]
    assert len(t) > 0 and (group[t["a"].to_numpy()] == group[t["b"].to_numpy()]).all()
    none = Simulation(sc, seed_network=SeedNetwork(group=group, group_ties=False))
    assert not (Results.from_simulation(none).ties["origin"] == "workplace").any()


def test_people_flagged_alone_start_with_their_given_ties_only():
    sc = scenario()
    alone = np.zeros(300, dtype=bool)
    alone[[3, 40]] = True
    given = SeedNetwork(a=np.array([3]), b=np.array([7]), weight=np.array([0.6]),
                        origin=np.array([MIXER]), alone=alone)
    w = Simulation(sc, seed_network=given).world
    assert w.ties.deg[3] == 1 and w.ties.nbr[3, 0] == 7 and w.ties.deg[40] == 0
    # everyone else's drawn ties are those of the world without the flags
    plain = Simulation(sc, seed_network=SeedNetwork(
        a=given.a, b=given.b, weight=given.weight, origin=given.origin)).world

    def pairs(world):
        ids = world.ties.alive_ids()
        return {(min(a, b), max(a, b)) for a, b in
                zip(world.ties.a[ids], world.ties.b[ids], strict=True)}

    assert pairs(w) == {p for p in pairs(plain) if not alone[list(p)].any()} | {(3, 7)}
    assert len(pairs(plain)) > len(pairs(w)) + 10  # the flagged had drawn ties to lose
    with pytest.raises(ValueError, match="'alone' flags"):
        Simulation(sc, seed_network=SeedNetwork(alone=np.zeros(5, dtype=bool)))
