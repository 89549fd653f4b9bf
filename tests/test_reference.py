"""Each plain rule of ``jinmyaku.model.reference`` against the tuned kernel the engine runs.

Exact where the kernel promises the plain rule's results (maintenance, closest
ties and influence, local search, encounters without seeking known faces):
both run on deep copies of one world, with the same counter-based draws, and
every tie array must come out equal, bit for bit. Each exact test has a
companion that breaks the rule in the reference (a *mutant*) and requires the
comparison to notice, so the tests can fail. Encounters that seek known faces
differ by design (docs/model.md §7.0) and are compared in distribution in
``tests/test_scheduling.py``.
"""

from __future__ import annotations

import ast
import copy
import math
from pathlib import Path

import numpy as np
import pytest
from conftest import scenario
from hypothesis import example, given, settings
from hypothesis import strategies as st

import jinmyaku
from jinmyaku.model import closest, encounters, rng
from jinmyaku.model.engine import Simulation
from jinmyaku.model.processes.influence import Influence
from jinmyaku.model.processes.local_search import LocalSearch
from jinmyaku.model.processes.maintenance import Maintenance, choose, reach
from jinmyaku.model.reference import closest as ref_closest
from jinmyaku.model.reference import encounters as ref_encounters
from jinmyaku.model.reference import local_search as ref_local_search
from jinmyaku.model.reference import maintenance as ref_maintenance
from jinmyaku.model.reference import rng as ref_rng

# every array of the tie store a weekly rule may touch
STORE = ("a", "b", "sa", "sb", "ws", "adj", "nbr", "deg", "peak", "last", "death", "cause", "w",
         "origin", "uid", "free", "grave", "counters", "by_origin", "changed")


def same_store(x, y) -> bool:
    """True if two tie stores hold the same arrays, bit for bit."""
    return all(np.array_equal(getattr(x, f), getattr(y, f)) for f in STORE) and all(
        np.array_equal(u, v) for u, v in zip(x.wheel.arrays(), y.wheel.arrays(), strict=True))


@pytest.fixture(scope="module")
def world():
    """The small world after 10 weeks of the full schedule (ties of every origin)."""
    sim = Simulation(scenario())
    sim.run(until=10)
    return sim.world


def next_week(world):
    """A deep copy of ``world``, advanced to the next week (before any process)."""
    w = copy.deepcopy(world)
    w.step += 1
    return w


# ----------------------------------------------------------------- maintenance (§7.7)


def test_maintenance_choices_are_the_reference_choices(world):
    p, q = world.people, world.scenario.processes.maintenance
    spread = np.random.default_rng(3).lognormal(-0.5 ** 2 / 2, 0.5, p.n)  # people differ
    args = (p.stage, p.aim, reach(q.interactions, spread), q.preference, q.stage_scale,
            q.aim_bonus, 11, world.seed, p.pid)
    fast = choose(world.ties.arrays(changes_weights=False), *args)
    plain = ref_maintenance.choose(world.ties.arrays(changes_weights=False), *args)
    assert (fast >= 0).sum() > 500 and (fast == -1).sum() > 500  # kept and thinned draws
    np.testing.assert_array_equal(fast, plain)


BUSY = {"stage_scale": 0.15, "aim_bonus": 2.0, "interactions": 8, "preference": 1.0,
        "sociability_sd": 0.7}
maintenance_params = st.fixed_dictionaries({
    "stage_scale": st.sampled_from([0.01, 0.15, 1.0]),
    "aim_bonus": st.sampled_from([1.0, 2.0, 10.0]),
    "interactions": st.sampled_from([0, 1, 8, 17]),
    "preference": st.sampled_from([0.0, 1.0, 2.5]),
    "sociability_sd": st.sampled_from([0.0, 0.7]),
})


@settings(max_examples=8, deadline=None)
@given(maintenance_params)
@example(BUSY)
def test_a_week_of_maintenance_is_the_reference_week(world, params):
    params = dict(params)
    sd = params.pop("sociability_sd")
    q = world.scenario.processes.maintenance.model_copy(update=params)
    fast, plain = next_week(world), next_week(world)
    spread = np.random.default_rng(4).lognormal(-sd ** 2 / 2, sd, fast.people.n)
    fast.people.sociability[:] = spread  # people who reach for different numbers of ties
    plain.people.sociability[:] = spread
    got = Maintenance(q, fast).step(fast)
    want = ref_maintenance.week(plain, q)
    assert got == want
    if params | {"sociability_sd": sd} == BUSY:  # the comparison has contacts to make
        assert want["interactions"] > 300
    fast.ties.flush()
    plain.ties.flush()
    assert same_store(fast.ties, plain.ties)
    assert fast.ties.ledger_table().keys() == plain.ties.ledger_table().keys()
    for name, col in fast.ties.ledger_table().items():
        np.testing.assert_array_equal(col, plain.ties.ledger_table()[name], err_msg=name)


def test_the_maintenance_comparison_catches_a_wrong_rule(world, monkeypatch):
    """Mutants: the aim bonus forgotten, the reach by strength^β lost, or sociability
    ignored, must show."""
    q = world.scenario.processes.maintenance.model_copy(
        update={k: v for k, v in BUSY.items() if k != "sociability_sd"})
    fast = next_week(world)
    Maintenance(q, fast).step(fast)
    with monkeypatch.context() as m:
        m.setattr(ref_maintenance, "affinity",
                  lambda si, sj, ai, aj, scale, bonus: math.exp(-abs(si - sj) / scale))
        plain = next_week(world)
        ref_maintenance.week(plain, q)
        assert not same_store(fast.ties, plain.ties)
    plain = next_week(world)
    ref_maintenance.week(plain, q.model_copy(update={"preference": 0.0}))
    assert not same_store(fast.ties, plain.ties)
    plain = next_week(world)
    plain.people.sociability[:] = np.where(np.arange(plain.people.n) % 2 == 0, 0.5, 1.5)
    ref_maintenance.week(plain, q)
    assert not same_store(fast.ties, plain.ties)


# ----------------------------------------------------------------- fading (§4)


def test_ties_end_in_the_week_their_strength_falls_below_the_threshold(monkeypatch):
    """The store's timers end exactly the ties a plain scan of every tie would end, week
    by week, in ascending uid order — over a year of the full schedule, with contacts
    that move timers later and ties displaced or ended by people leaving."""
    from jinmyaku.model.reference import ties as ref_ties
    from jinmyaku.model.ties import TieStore

    sc = scenario("population.years=1", "processes.ties.memory=8",
                  "processes.ties.end_below=0.5")
    sim = Simulation(sc)
    real = TieStore.end_faded
    seen = []

    def checked(store, step):
        store.flush()
        want = ref_ties.faded(store.arrays(changes_weights=False), step)
        n = real(store, step)
        T = store.arrays(changes_weights=False)
        got = [int(T.uid[t]) for t in T.grave[:T.counters[1]]]
        assert got == want, step
        seen.append(n)
        return n

    monkeypatch.setattr(TieStore, "end_faded", checked)
    sim.run()
    assert len(seen) == sc.steps and sum(seen) > 500 and sum(x > 0 for x in seen) > 40


def test_the_fading_comparison_sees_a_wrong_threshold():
    from jinmyaku.model.reference import ties as ref_ties

    sim = Simulation(scenario("processes.ties.memory=8", "processes.ties.end_below=0.5"))
    sim.run(until=20)
    T = sim.world.ties.arrays(changes_weights=False)
    right = ref_ties.faded(T, 30)
    T.fade[1] = math.log(0.6)
    assert ref_ties.faded(T, 30) != right


# ----------------------------------------------------------------- encounters (§7.0)


def _encounters(world, kernel, seek_known: float):
    """One event per workplace, everyone with 2.5 encounters: (store, counts)."""
    w = next_week(world)
    p = w.people
    members, ptr = encounters.groups(p.workplace, w.places.workplaces)
    counts = kernel(w.ties.arrays(), members, ptr, p.workplace.astype(np.int32),
                    np.full(p.n, 2.5), seek_known, 0.6, 1, 1.0, w.step, w.seed, 6, p.pid)
    w.ties.flush()
    return w.ties, [int(c) for c in counts]


def test_encounters_without_seeking_faces_are_the_reference_encounters(world):
    """With seek_known = 0 the plan-then-apply kernel must be the one-after-another rule."""
    fast, got = _encounters(world, encounters.group_encounters, 0.0)
    plain, want = _encounters(world, ref_encounters.group_encounters, 0.0)
    assert got == want and got[1] > 100 and got[2] > 50  # encounters to compare
    assert same_store(fast, plain)


def test_the_encounter_comparison_sees_the_documented_difference(world):
    """Seeking faces, the kernel looks only among faces known when the event began: with
    many first meetings the two kernels part (compared in distribution elsewhere)."""
    fast, got = _encounters(world, encounters.group_encounters, 0.9)
    plain, want = _encounters(world, ref_encounters.group_encounters, 0.9)
    assert got[0] == want[0]  # the same numbers of encounters (draw 0 alone)
    assert not same_store(fast, plain)


# ----------------------------------------------------------------- closest ties, influence


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0.05, 0.3, 0.3, 0.7, 1.0]), max_size=9),
                min_size=1, max_size=6), st.integers(1, 10))
def test_ranking_is_the_reference_ranking(rows, k):
    n, cap = len(rows), 9
    ws = np.zeros((n, cap))
    nbr = np.full((n, cap), -1, dtype=np.int32)
    deg = np.array([len(r) for r in rows], dtype=np.int32)
    for i, r in enumerate(rows):
        ws[i, :len(r)] = r
        nbr[i, :len(r)] = np.arange(len(r)) + 100 * i
    width = min(k, cap)
    best_w, best_j = np.zeros((n, width)), np.full((n, width), -1, dtype=np.int32)
    m = np.zeros(n, dtype=np.int32)
    closest.rank(ws, nbr, deg, np.zeros(n, dtype=np.bool_), True, width, best_w, best_j, m)
    for i in range(n):
        w, j = ref_closest.ranking(ws[i], nbr[i], int(deg[i]), k)
        assert m[i] == len(w)
        assert list(best_w[i, :m[i]]) == w and list(best_j[i, :m[i]]) == j


def test_a_week_of_influence_is_the_reference_week(world):
    q = world.scenario.processes.influence
    fast, plain = next_week(world), next_week(world)
    Influence(q, fast).step(fast)
    ref_closest.influence(plain.ties.arrays(), plain.people.stage, q.k, q.rate)
    assert not np.array_equal(fast.people.stage, world.people.stage)
    np.testing.assert_array_equal(fast.people.stage, plain.people.stage)


def test_the_influence_comparison_catches_a_wrong_rule(world, monkeypatch):
    """Mutant: one tie too few among the closest (k − 1). (Breaking ties of equal weight
    the other way is caught by the ranking test above, not here: it rarely moves a mean.)"""
    q = world.scenario.processes.influence
    fast = next_week(world)
    Influence(q, fast).step(fast)
    ranking = ref_closest.ranking
    monkeypatch.setattr(ref_closest, "ranking",
                        lambda ws_row, nbr_row, d, k: ranking(ws_row, nbr_row, d, k - 1))
    plain = next_week(world)
    ref_closest.influence(plain.ties.arrays(), plain.people.stage, q.k, q.rate)
    assert not np.array_equal(fast.people.stage, plain.people.stage)


# ----------------------------------------------------------------- kumpula local search


@pytest.fixture(scope="module")
def kumpula_world():
    """80 nodes after 15 steps of local search and global attachment (w0 = 1, δ = 0.5:
    every weight a binary fraction, so sums are exact in any order)."""
    sc = jinmyaku.load("kumpula2007", [
        "population.people=80", "population.steps=20", "processes.kumpula.p_delta=0.3",
        "schedule=['local_search', 'global_attachment']", "population.max_ties=12"])
    sim = Simulation(sc)
    sim.run(until=15)
    return sim.world


def _search_week(world, fast: bool | None):
    """One local-search step: the rows kernel (True), the plain Numba loop (False) or the
    reference (None); (store, counts)."""
    w = next_week(world)
    w.ties.reserve(w.people.n)
    q = w.scenario.processes.kumpula
    if fast is None:
        counts = ref_local_search.week(w, q)
    else:
        proc = LocalSearch(q, w)
        proc.fast = fast
        counts = proc.step(w)
    w.ties.flush()
    return w.ties, counts


def test_a_local_search_step_is_the_reference_step(kumpula_world):
    plain, want = _search_week(kumpula_world, None)
    assert want["closures"] > 0 and want["triangles_reinforced"] > 0
    for fast in (True, False):
        store, got = _search_week(kumpula_world, fast)
        assert got == want, fast
        assert same_store(store, plain), fast


def test_the_local_search_comparison_catches_a_wrong_rule(kumpula_world, monkeypatch):
    """Mutant: j's pick of k made in proportion to weight squared."""
    fast, _ = _search_week(kumpula_world, True)
    pick = ref_local_search.pick
    monkeypatch.setattr(ref_local_search, "pick",
                        lambda weights, u: pick([w * w for w in weights], u))
    plain, _ = _search_week(kumpula_world, None)
    assert not same_store(fast, plain)


# ----------------------------------------------------------------- the engine stays apart


def test_nothing_outside_the_references_imports_them():
    src = Path(jinmyaku.__file__).parent
    for path in src.rglob("*.py"):
        if "reference" in path.relative_to(src).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            assert not any("jinmyaku.model.reference" in n for n in names), path


# ----------------------------------------------------------------- the draws themselves


@settings(max_examples=200, deadline=None)
@given(st.integers(-2**62, 2**62), st.integers(0, 200), st.integers(-1, 10**6),
       st.integers(-1, 10**9), st.integers(0, 10**4), st.integers(1, 10**6))
def test_plain_draws_are_the_engines_draws(seed, stream, step, person, n, m):
    # a key comes back to Python as an int: as uint64 again, it draws as inside a kernel
    k = np.uint64(rng.key(seed, stream, step, person))
    plain = ref_rng.key(seed, stream, step, person)
    assert int(k) == plain
    assert ref_rng.uniform(plain, n) == rng.uniform(k, n)
    assert ref_rng.below(plain, n, m) == rng.below(k, n, m)


def test_plain_permutation_is_the_engines():
    for n in (0, 1, 2, 57):
        np.testing.assert_array_equal(ref_rng.permutation(3, rng.LOCAL_SEARCH, 4, n),
                                      rng.permutation(3, rng.LOCAL_SEARCH, 4, n))


# ----------------------------------------------------------------- bonds (§7.6b)

from jinmyaku.model.processes import bonds as bonds_mod  # noqa: E402
from jinmyaku.model.reference import bonds as ref_bonds  # noqa: E402


def test_first_bonds_are_the_reference_bonds(world):
    built = Simulation(scenario()).world  # the world as built, its bonds just made
    cap = built.scenario.processes.bonds.per_person
    plain = ref_bonds.first_bonds(built.ties.arrays(changes_weights=False), built.people.n, cap)
    assert cap >= 2 and sum(map(len, plain)) > built.people.n  # most people hold bonds
    np.testing.assert_array_equal(built.bonds, ref_bonds.as_table(plain, cap))


bonds_params = st.fixed_dictionaries({
    "per_person": st.sampled_from([1, 4, 7]),
    "contacts": st.sampled_from([0.0, 1.5, 30.0]),
    "form": st.sampled_from([0.0, 0.2, 1.0]),
})
BOND_BUSY = {"per_person": 4, "contacts": 1.5, "form": 0.2}


@settings(max_examples=6, deadline=None)
@given(bonds_params)
@example(BOND_BUSY)
def test_a_week_of_bonds_is_the_reference_week(world, params):
    q = world.scenario.processes.bonds.model_copy(update=params)
    fast, plain = next_week(world), next_week(world)
    # start from the kernel's own bonds, cut to the tried size, some of whose ties ended
    table = fast.bonds[:, :q.per_person].copy()
    lists = [[(int(t), int(u)) for t, u in row if t >= 0] for row in table]
    fast.bonds = ref_bonds.as_table(lists, q.per_person)
    T = plain.ties.arrays()
    from jinmyaku.model.processes.life_events import end_all_ties
    for w in (fast, plain):  # five people leave: their bonds must be forgotten
        end_all_ties(w.ties.arrays(), np.arange(5), w.step)
    got = bonds_mod.Bonds(q, fast).step(fast)
    want = ref_bonds.week(T, lists, q, plain.step, plain.seed, plain.people.pid)
    assert got == want
    if params == BOND_BUSY:  # the comparison has bonds to end, form and keep up
        assert want["bonds_ended"] > 0 and want["bonds_formed"] > 5
        assert want["bond_contacts"] > 300
    np.testing.assert_array_equal(fast.bonds, ref_bonds.as_table(lists, q.per_person))
    fast.ties.flush()
    plain.ties.flush()
    assert same_store(fast.ties, plain.ties)
    np.testing.assert_array_equal(fast.ties.calls, plain.ties.calls)


def test_the_bonds_comparison_catches_a_wrong_rule(world, monkeypatch):
    """Mutants: bonds formed with the weakest tie, or contacts at one bond in two, must show."""
    q = world.scenario.processes.bonds.model_copy(update=BOND_BUSY)

    def run_both(mutate):
        fast, plain = next_week(world), next_week(world)
        lists = [[(int(t), int(u)) for t, u in row if t >= 0]
                 for row in fast.bonds[:, :q.per_person]]
        fast.bonds = ref_bonds.as_table(lists, q.per_person)
        bonds_mod.Bonds(q, fast).step(fast)
        with monkeypatch.context() as m:
            mutate(m)
            ref_bonds.week(plain.ties.arrays(), lists, q, plain.step, plain.seed,
                           plain.people.pid)
        same = np.array_equal(fast.bonds, ref_bonds.as_table(lists, q.per_person))
        return same and same_store(fast.ties, plain.ties)

    assert run_both(lambda m: None)
    real = ref_bonds.strongest

    def weakest(T, bonds, i, cap, only_origin=None):
        s = real(T, bonds, i, cap, only_origin)
        T2 = T._replace(ws=-T.ws)
        return real(T2, bonds, i, cap, only_origin) if s >= 0 else s
    assert not run_both(lambda m: m.setattr(ref_bonds, "strongest", weakest))
    real_contact = ref_bonds.contact
    count = [0]

    def every_other(T, tid, step):
        count[0] += 1
        if count[0] % 2:
            real_contact(T, tid, step)
    assert not run_both(lambda m: m.setattr(ref_bonds, "contact", every_other))


def test_reference_poisson_is_the_kernel_poisson():
    for lam in (0.0, 0.3, 1.5, 19.9, 20.0, 45.0):
        for n in range(40):
            k = np.uint64(rng.key(7, rng.BONDS, 3, n))
            plain = ref_rng.key(7, rng.BONDS, 3, n)
            assert rng.poisson(k, n, lam) == ref_rng.poisson(plain, n, lam)
