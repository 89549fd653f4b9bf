"""The world: people (structure of arrays), places and ties, built from a scenario.

Everything the weekly processes read or change lives here. People are
indexed by *slot* (0..N-1); a slot's persistent id ``pid`` changes when a
person leaves and a newcomer takes the slot, so outputs name people by pid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from jinmyaku.model import rng
from jinmyaku.model.encounters import groups
from jinmyaku.model.scenario import ACTIVITIES, Scenario
from jinmyaku.model.ties import TieStore, create_tie, first_key
from jinmyaku.model.vocabulary import BACKGROUND, FAMILY_SCHOOL, ORIGINS, WORKPLACE


@dataclass
class People:
    """One array per attribute, indexed by slot."""

    pid: np.ndarray          # int64, persistent person id
    stage: np.ndarray        # float64 in [0, 1]
    stage_start: np.ndarray  # float64, stage when the person entered the world
    field: np.ndarray        # int32 in [0, fields)
    aim: np.ndarray          # int32 topic in [0, fields)
    p_input: np.ndarray      # float64 in [0, 1], input propensity
    p_action: np.ndarray     # float64 in [0, 1], action propensity
    sociability: np.ndarray  # float64 > 0, mean 1: multiplies the ties reached for a week (§7.7)
    hours: np.ndarray        # float64, discretionary hours per week
    strategy: np.ndarray     # int32 index into World.strategy_names
    cohort: np.ndarray       # int32 focal strategy index, or BACKGROUND
    joined: np.ndarray       # int32 step the person entered (0 at start)
    workplace: np.ndarray    # int32 workplace id
    focus: np.ndarray        # int32 activity focus id
    meetup: np.ndarray       # int32 meetup group id
    knowledge: np.ndarray    # float64 ≥ 0, knowledge units
    credit: np.ndarray       # float64 (N, 5) unspent hours per activity
    # this week's choices (set by the budget process)
    hours_input: np.ndarray
    hours_action: np.ndarray
    hours_social: np.ndarray
    attend_mixer: np.ndarray   # bool
    attend_meetup: np.ndarray  # bool
    acted: np.ndarray          # bool, worked on their aim this week (set by action)
    # what the person has received and done so far
    opp_count: np.ndarray      # int64 opportunities received
    opp_value: np.ndarray      # float64 value received
    intros_made: np.ndarray    # int64 introductions made as introducer

    @property
    def n(self) -> int:
        return self.pid.size


@dataclass
class Places:
    """Counts of workplaces, activity foci and meetup groups (ids are 0..count-1)."""

    fields: int
    workplaces_per_field: int
    stage_bands: int
    foci_per_cell: int
    meetups_per_topic: int

    @property
    def workplaces(self) -> int:
        return self.fields * self.workplaces_per_field

    @property
    def foci(self) -> int:
        return self.fields * self.stage_bands * self.foci_per_cell

    @property
    def meetups(self) -> int:
        return self.fields * self.meetups_per_topic

    def band(self, stage: np.ndarray) -> np.ndarray:
        return np.minimum((stage * self.stage_bands).astype(np.int32), self.stage_bands - 1)


@dataclass(frozen=True)
class SeedNetwork:
    """A given network to start from, placed into a population of ``population.people``.

    ``group``: one code per person (slot), ≥ 0 for a group, −1 for none, or
    None. Each group becomes a workplace — the focus its members meet every
    week — and people without a group get a workplace of their own; a
    person's field becomes the block of workplaces that holds theirs (an aim
    that was the old field follows it, and the focus and meetup group follow
    the aim). With ``group_ties`` the starting workplace ties are drawn within
    these groups, ``population.workplace_ties`` on average, instead of within
    drawn workplaces.

    ``a``, ``b``, ``weight``, ``origin``: given ties between slots (origin
    codes of ``jinmyaku.model.vocabulary.ORIGINS``, weights in (0, 1]), made
    at week 0 in the order given, before any drawn tie; a drawn tie between
    two people already tied is not made. A weight is a closeness: in a fading
    store a tie of weight w starts with ``lo·(hi/lo)^w`` contacts, (lo, hi) =
    ``population.initial_contacts``, the range of the drawn starting ties.

    ``alone``: one flag per person (slot), or None. A flagged person's starting
    ties are the given ones only: no family/school or workplace tie is drawn for
    them (the draws are made all the same, so everyone else's ties are those of
    the same world without the flags).

    ``contacts``: optional starting strengths (contacts, > 0) of the given ties,
    one per tie; in a fading store they replace the closeness mapping above
    (a person's own ties measured in contacts, for instance).
    """

    group: np.ndarray | None = None
    group_ties: bool = True
    a: np.ndarray | None = None
    b: np.ndarray | None = None
    weight: np.ndarray | None = None
    origin: np.ndarray | None = None
    alone: np.ndarray | None = None
    contacts: np.ndarray | None = None

    def check(self, people: int) -> None:
        """Raise ValueError unless the arrays fit a population of ``people``."""
        if self.group is not None and np.asarray(self.group).shape != (people,):
            raise ValueError(f"seed network: {np.asarray(self.group).size} group codes for "
                             f"{people} people")
        if self.alone is not None and np.asarray(self.alone).shape != (people,):
            raise ValueError(f"seed network: {np.asarray(self.alone).size} 'alone' flags for "
                             f"{people} people")
        cols = [self.a, self.b, self.weight, self.origin]
        if any(c is None for c in cols) and any(c is not None for c in cols):
            raise ValueError("seed network: give a, b, weight and origin together, or none")
        if self.a is None:
            return
        a, b, w, o = (np.asarray(c) for c in cols)
        if not a.shape == b.shape == w.shape == o.shape or a.ndim != 1:
            raise ValueError("seed network: a, b, weight and origin must be 1-d, of one length")
        if a.size and (min(a.min(), b.min()) < 0 or max(a.max(), b.max()) >= people):
            raise ValueError(f"seed network: tie ends must be people 0..{people - 1}")
        if a.size and not (np.all(w > 0) and np.all(w <= 1)):
            raise ValueError("seed network: weights must lie in (0, 1]")
        if a.size and (o.min() < 0 or o.max() >= len(ORIGINS)):
            raise ValueError(f"seed network: origins must be codes 0..{len(ORIGINS) - 1}")
        if self.contacts is not None:
            c = np.asarray(self.contacts, dtype=np.float64)
            if c.shape != a.shape or not np.all(np.isfinite(c) & (c > 0)):
                raise ValueError("seed network: contacts must be one positive number per tie")

    @property
    def ties(self) -> int:
        return 0 if self.a is None else int(np.asarray(self.a).size)


@dataclass
class World:
    scenario: Scenario
    people: People
    places: Places
    ties: TieStore
    strategy_names: list[str]
    strategy_shares: np.ndarray  # (S, 5) share of hours per activity
    step: int = 0
    next_pid: int = 0
    # close bonds (processes.bonds): (people, per_person, 2) int64, each bond's tie id
    # and that tie's uid (a bond whose tie has ended or whose record holds a newer tie
    # is gone); -1: no bond. None until the bonds process first runs.
    bonds: np.ndarray | None = None

    @property
    def seed(self) -> int:
        return self.scenario.seed


def _places(sc: Scenario) -> Places:
    pop, pr = sc.population, sc.processes
    n, f = pop.people, pop.fields
    bands = pr.action.stage_bands
    return Places(
        fields=f,
        workplaces_per_field=max(1, round(n / (f * pop.workplace_size))),
        stage_bands=bands,
        foci_per_cell=max(1, round(n / (f * bands * pr.action.focus_size))),
        meetups_per_topic=max(1, round(n / (f * pr.meetups.catchment))),
    )


def draw_people(gen: np.random.Generator, n: int, sc: Scenario, places: Places,
                strategy_index: dict[str, int]) -> dict[str, np.ndarray]:
    """Draw the attributes of ``n`` newcomers (also used at the start)."""
    pop = sc.population
    stage = gen.beta(*pop.stage_beta, size=n)
    fld = gen.integers(0, pop.fields, size=n, dtype=np.int32)
    aim = np.where(gen.random(n) < pop.aim_is_field, fld,
                   gen.integers(0, pop.fields, size=n, dtype=np.int32)).astype(np.int32)
    names = list(sc.background)
    shares = np.array([sc.background[s] for s in names])
    strat = gen.choice(len(names), size=n, p=shares / shares.sum())
    strat = np.array([strategy_index[names[s]] for s in strat], dtype=np.int32)
    wp = fld * places.workplaces_per_field + gen.integers(
        0, places.workplaces_per_field, size=n, dtype=np.int32)
    focus = focus_of(places, aim, places.band(stage), gen.integers(0, 1 << 30, size=n))
    return {
        "stage": stage,
        "field": fld,
        "aim": aim,
        "p_input": gen.beta(*pop.propensity_beta, size=n),
        "p_action": gen.beta(*pop.propensity_beta, size=n),
        "strategy": strat,
        "workplace": wp.astype(np.int32),
        "focus": focus,
        "meetup": (aim * places.meetups_per_topic
                   + gen.integers(0, places.meetups_per_topic, size=n)).astype(np.int32),
        # drawn last, and only when it varies, so sociability_sd = 0 leaves every other draw
        "sociability": (gen.lognormal(-pop.sociability_sd ** 2 / 2, pop.sociability_sd, size=n)
                        if pop.sociability_sd > 0 else np.ones(n)),
    }


def focus_of(places: Places, topic, band, draw) -> np.ndarray:
    """The focus id for a topic and stage band; ``draw`` picks one of the cell's instances."""
    cell = (np.asarray(topic, dtype=np.int64) * places.stage_bands + band)
    return (cell * places.foci_per_cell + np.asarray(draw) % places.foci_per_cell).astype(np.int32)


@njit(cache=True)
def _tie_within_groups(T, members, ptr, start_g: int, start_x: int, mean_ties: float,
                       c_lo: float, c_hi: float, origin: int, seed: int, stream: int, pid,
                       alone):
    """Tie each pair inside each group with chance mean_ties / (size - 1), with
    contacts log-uniform in [c_lo, c_hi].

    A pair with a person flagged in ``alone`` is drawn but not tied.

    Works person by person from member position ``start_x`` of group
    ``start_g``; before a person's row of pairs it checks that the free tie
    records cover the row (each pair makes at most one record; displaced ties
    wait in the graveyard and use none). Returns the (group, position) where it
    stopped for lack of records, or (number of groups, 0) when done.
    """
    for g in range(start_g, ptr.size - 1):
        lo, hi = ptr[g], ptr[g + 1]
        size = hi - lo
        if size < 2:
            continue
        p = min(1.0, mean_ties / (size - 1))
        first = start_x if g == start_g else lo
        for x in range(max(first, lo), hi):
            if T.counters[0] < hi - x - 1:
                return g, x
            i = members[x]
            k = rng.key(seed, stream, g, pid[i])
            c = 0
            for y in range(x + 1, hi):
                if rng.uniform(k, c) < p and not (alone[i] or alone[members[y]]):
                    contacts = c_lo * (c_hi / c_lo) ** rng.uniform(k, c + 1)  # log-uniform
                    create_tie(T, i, members[y], 0, origin, first_key(T, contacts, 0), pid)
                c += 2
    return ptr.size - 1, 0


def tie_within_groups(world: World, group: np.ndarray, n_groups: int, mean_ties: float,
                      origin: int, stream: int, alone: np.ndarray | None = None) -> None:
    """Give every group of people its starting ties (growing the tie pool as needed);
    none for the people flagged in ``alone``."""
    members, ptr = groups(group.astype(np.int64), n_groups)
    if alone is None:
        alone = np.zeros(group.size, dtype=np.bool_)
    lo, hi = world.scenario.population.initial_contacts
    g, x = 0, 0
    while g < n_groups:
        g, x = _tie_within_groups(world.ties.arrays(), members, ptr, g, x, mean_ties, lo, hi,
                                  origin, world.seed, stream, world.people.pid,
                                  np.asarray(alone, dtype=np.bool_))
        if g < n_groups:
            world.ties.reserve(max(int(ptr[g + 1] - x), world.ties.pool // 2))
    world.ties.flush()


def build(sc: Scenario, seed_network: SeedNetwork | None = None,
          tie_ledger=None) -> World:
    """Build the world at step 0: people, places, family/school and workplace ties.

    ``seed_network``: start from a given network (:class:`SeedNetwork`).
    ``tie_ledger``: where the tie store puts dead ties (default in memory).
    """
    n = sc.population.people
    if seed_network is not None:
        seed_network.check(n)
    places = _places(sc)
    names = list(sc.strategies)
    index = {s: i for i, s in enumerate(names)}
    shares = np.array([[getattr(sc.strategies[s], a) for a in ACTIVITIES] for s in names])
    gen = rng.generator(sc.seed, rng.BUILD)
    attrs = draw_people(gen, n, sc, places, index)

    cohort = np.full(n, BACKGROUND, dtype=np.int32)
    size = sc.cohort_size
    focal = gen.permutation(n)[: size * len(sc.cohorts.strategies)]
    for c, name in enumerate(sc.cohorts.strategies):
        members = focal[c * size:(c + 1) * size]
        cohort[members] = index[name]
        attrs["strategy"][members] = index[name]

    zeros = np.zeros(n)
    people = People(
        pid=np.arange(n, dtype=np.int64),
        stage_start=attrs["stage"].copy(),
        hours=np.full(n, sc.population.discretionary_hours),
        cohort=cohort,
        joined=np.zeros(n, dtype=np.int32),
        knowledge=zeros.copy(),
        credit=np.zeros((n, len(ACTIVITIES))),
        hours_input=zeros.copy(), hours_action=zeros.copy(), hours_social=zeros.copy(),
        attend_mixer=np.zeros(n, dtype=bool), attend_meetup=np.zeros(n, dtype=bool),
        acted=np.zeros(n, dtype=bool),
        opp_count=np.zeros(n, dtype=np.int64), opp_value=zeros.copy(),
        intros_made=np.zeros(n, dtype=np.int64),
        **attrs,
    )
    # Start each person part-way to their next event so periodic attendance is not in step.
    bud = sc.processes.budget
    people.credit[:, 2] = gen.random(n) * bud.mixer_hours
    people.credit[:, 3] = gen.random(n) * bud.meetup_hours
    pop = sc.population
    grouped = seed_network is not None and seed_network.group is not None
    # a grouped world's pool starts sized for its family and school ties alone
    drawn = pop.school_ties + (0.0 if grouped else pop.workplace_ties)
    fade = sc.processes.ties
    ties = TieStore(n, pop.max_ties, pool=max(1024, int(n * drawn * 0.75) + n),
                    ledger=tie_ledger, memory=fade.memory if sc.fading else 0.0,
                    end_below=fade.end_below)
    world = World(sc, people, places, ties, names, shares, next_pid=n)
    if seed_network is not None and seed_network.ties:
        _make_given_ties(world, seed_network)

    # Family and school: circles of people at a similar stage (the old circle).
    noisy_stage = people.stage + gen.normal(0.0, 0.05, size=n)
    order = np.argsort(noisy_stage, kind="stable")
    school = np.empty(n, dtype=np.int64)
    school[order] = np.arange(n) // pop.school_group
    alone = None if seed_network is None else seed_network.alone
    tie_within_groups(world, school, int(school.max()) + 1, pop.school_ties, FAMILY_SCHOOL,
                      rng.SCHOOL_TIES, alone)
    if grouped:
        place_in_groups(world, np.asarray(seed_network.group, dtype=np.int64))
        if not seed_network.group_ties:
            return world
    tie_within_groups(world, people.workplace, places.workplaces, pop.workplace_ties,
                      WORKPLACE, rng.WORKPLACE_TIES, alone)
    return world


def place_in_groups(world: World, group: np.ndarray) -> None:
    """Make each given group a workplace (:class:`SeedNetwork`); −1: one's own workplace."""
    p, pl = world.people, world.places
    n_given = int(group.max()) + 1 if (group >= 0).any() else 0
    codes = group.copy()
    lonely = np.flatnonzero(codes < 0)
    codes[lonely] = n_given + np.arange(lonely.size)
    total = int(codes.max()) + 1
    pl.workplaces_per_field = -(-total // pl.fields)
    old_field = p.field.copy()
    p.workplace[:] = codes
    p.field[:] = codes // pl.workplaces_per_field
    p.aim[:] = np.where(p.aim == old_field, p.field, p.aim)
    p.focus[:] = focus_of(pl, p.aim, pl.band(p.stage), p.focus)
    p.meetup[:] = p.aim * pl.meetups_per_topic + p.meetup % pl.meetups_per_topic


def closeness_contacts(sc: Scenario, closeness: np.ndarray | float) -> np.ndarray:
    """Starting contacts of a tie of closeness w in (0, 1]: ``lo·(hi/lo)^w``, (lo, hi) =
    ``population.initial_contacts`` (the range of the drawn starting ties)."""
    lo, hi = sc.population.initial_contacts
    return lo * (hi / lo) ** np.asarray(closeness, dtype=np.float64)


def _make_given_ties(world: World, seed: SeedNetwork) -> None:
    """Make a seed network's ties at week 0, in the order given."""
    world.ties.reserve(seed.ties)
    T = world.ties.arrays()
    a, b = np.asarray(seed.a, dtype=np.int64), np.asarray(seed.b, dtype=np.int64)
    w, o = np.asarray(seed.weight, dtype=np.float64), np.asarray(seed.origin, dtype=np.int64)
    if world.ties.fading and seed.contacts is not None:
        w = np.log(np.asarray(seed.contacts, dtype=np.float64))
    elif world.ties.fading:  # a closeness in (0, 1] as starting contacts
        w = np.log(closeness_contacts(world.scenario, w))
    for x in range(a.size):
        create_tie(T, int(a[x]), int(b[x]), 0, int(o[x]), float(w[x]), world.people.pid)
    world.ties.flush()
