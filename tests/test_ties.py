"""Properties of the tie store under random sequences of operations (hypothesis).

A TieStore on a handful of people with a tiny capacity and a tiny pool is
driven by random create / kill / contact / flush operations, one a week; in a
fading store, ties whose strength has fallen below the threshold end at the
start of each week. A plain-Python model records what must be true (which ties
live, their strengths, which died when and why); after every operation the
store's structure is checked, and after the sequence its ledger is compared
with the model.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import scenario
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from jinmyaku.model.engine import Simulation
from jinmyaku.model.reference.closest import ranking as plain_ranking
from jinmyaku.model.ties import (
    NFREE,
    TieStore,
    contact,
    create_tie,
    find_tie,
    kill_tie,
    weakest_tie,
    weight,
)
from jinmyaku.model.vocabulary import ALIVE, DECAYED, DISPLACED, LEFT, ORIGINS

N = 5  # people
CAP = 2  # ties a person can hold: small so the capacity rule is exercised often
PID = np.arange(N, dtype=np.int64) * 10 + 7  # person ids differ from slots on purpose
TAU, END = 3.0, 0.3  # a fading store's memory (weeks) and threshold: ties end within weeks

# strengths of new ties (contacts); repeated values: equal strengths
weights = st.one_of(st.sampled_from([1.0, 2.0, 5.0]), st.floats(min_value=0.5, max_value=20.0))
people = st.integers(0, N - 1)

def _op(code, i, j, w, pick, cause):
    """Codes 0-5: create (mostly creations, so people often reach capacity), 6: kill,
    7, 8: contact, 9: flush."""
    if code <= 5:
        return ("create", i, j, w)
    return [("kill", pick, cause), ("contact", pick), ("contact", pick), ("flush",)][code - 6]


ops = st.builds(_op, st.integers(0, 9), people, people, weights, st.integers(0, 100),
                st.sampled_from([DECAYED, LEFT]))


def make_store(fading: bool, pool: int) -> TieStore:
    return TieStore(N, CAP, pool=pool, memory=TAU if fading else 0.0, end_below=END)


def check_ranking(store: TieStore, k: int = 1) -> None:
    """The kept ranking of closest ties (re-ranking only rows where ties were made or
    ended, when weights were not touched) is the plain one, ties of equal weight by slot.
    k = 1 is below the capacity, so ties are pushed out of the ranking."""
    kept = store.closest(k)
    for i in range(N):
        w, j = plain_ranking(store.ws[i], store.nbr[i], int(store.deg[i]), k)
        assert kept.m[i] == len(w)
        assert list(kept.weight[i, :len(w)]) == w and list(kept.other[i, :len(w)]) == j


def check_structure(store: TieStore) -> None:
    """Symmetry, no self-ties or duplicates, positive strengths, degrees, counts."""
    check_ranking(store)
    T = store.arrays(changes_weights=False)
    cap = store.capacity
    assert T.adj.shape == (N, cap) and T.nbr.shape == (N, cap)
    seen: dict[int, list[int]] = {}
    for i in range(N):
        d = int(T.deg[i])
        assert 0 <= d <= cap
        assert d == int((T.adj[i] >= 0).sum()), "deg differs from the filled adj slots"
        assert (T.adj[i, :d] >= 0).all() and (T.adj[i, d:] == -1).all()
        assert (T.nbr[i, :d] >= 0).all() and (T.nbr[i, d:] == -1).all()
        for s in range(d):
            tid = int(T.adj[i, s])
            assert T.a[tid] >= 0 and T.death[tid] < 0, "adj holds a dead or free record"
            a, b = int(T.a[tid]), int(T.b[tid])
            assert i in (a, b)
            assert T.nbr[i, s] == (b if a == i else a), "nbr is not the tie's other end"
            assert (T.sa[tid] if a == i else T.sb[tid]) == s, "sa/sb is not the tie's slot"
            assert T.ws[i, s] == T.ws[b if a == i else a, T.sb[tid] if a == i else T.sa[tid]], \
                "the two copies of a weight differ"
            seen.setdefault(tid, []).append(i)
        mine = np.bincount(T.origin[T.adj[i, :d]], minlength=T.by_origin.shape[1])
        assert (T.by_origin[i] == mine).all(), "living ties by origin are miscounted"
    # every tie in adj is seen from exactly its two ends, once each
    for tid, ends in seen.items():
        assert sorted(ends) == sorted((int(T.a[tid]), int(T.b[tid]))), (tid, ends)
    # living records (not free, not in the graveyard) are exactly those in adj
    living = {int(t) for t in range(T.a.size) if T.a[t] >= 0 and T.death[t] < 0}
    assert living == set(seen)
    assert store.n_alive == len(living) == int(T.deg.sum()) // 2
    pairs = [(min(T.a[t], T.b[t]), max(T.a[t], T.b[t])) for t in living]
    assert all(a != b for a, b in pairs), "self-tie"
    assert len(set(pairs)) == len(pairs), "two ties between the same pair"
    for t in living:
        w = store.weights([t])[0]
        assert 0.0 < w, w
        assert T.peak[t] >= w * (1 - 1e-12)
        assert T.pa[t] == PID[T.a[t]] and T.pb[t] == PID[T.b[t]]
    # find_tie agrees with the pairs, from both ends
    for i in range(N):
        for j in range(N):
            tid = find_tie(T.nbr, T.adj, T.deg, i, j)
            if (min(i, j), max(i, j)) in set(pairs):
                assert tid >= 0 and {int(T.a[tid]), int(T.b[tid])} == {i, j}
            else:
                assert tid == -1


def run_ops(store: TieStore, sequence, check_acceptance: bool = False) -> dict:
    """Apply the operations, checking each against the model; return the model.

    Creation is always checked one way: a tie the store accepts obeys the
    capacity rule (no self-tie, no duplicate, each full endpoint had a weakest
    tie weaker than the newcomer and lost exactly that one), and a refusal
    changes nothing. With ``check_acceptance`` it is also checked the other
    way: every tie the rule allows is made.
    """
    alive: dict[int, int] = {}  # uid -> tid of living ties
    created: dict[int, tuple[int, int, int]] = {}  # uid -> (pid a, pid b, birth)
    died: dict[int, tuple[int, int]] = {}  # uid -> (death step, cause)

    def weight_of(uid):
        return float(store.weights([alive[uid]])[0])

    def ties_of(i):
        return [u for u, t in alive.items() if i in (store.a[t], store.b[t])]

    for step, op in enumerate(sequence, start=1):
        store.week = step
        if store.fading:  # the week begins: ties faded below the threshold end
            ending = sorted(u for u in alive if weight_of(u) < END)
            strengths = {u: weight_of(u) for u in ending}
            assert store.end_faded(step) == len(ending)
            for u in ending:
                t = alive.pop(u)
                assert store.death[t] == step and store.cause[t] == DECAYED
                assert store.w[t] == pytest.approx(strengths[u], rel=1e-12)
                died[u] = (step, DECAYED)
            check_structure(store)
        kind = op[0]
        if kind == "create":
            _, i, j, w = op
            store.reserve(1)  # may grow the pool: fetch the arrays afterwards
            T = store.arrays(changes_weights=False)  # making a tie changes no living weight
            before = {u: weight_of(u) for u in alive}
            mine_before = {x: ties_of(x) for x in (i, j)}
            exists = find_tie(T.nbr, T.adj, T.deg, i, j) >= 0
            full = sorted({x for x in (i, j) if len(mine_before[x]) == CAP})
            weakest = {x: min(before[u] for u in mine_before[x]) for x in full}
            # the capacity rule: a full person only accepts a tie stronger than its weakest
            allowed = i != j and not exists and all(weakest[x] < w for x in full)
            next_uid = int(T.counters[2])
            key = math.log(w) + step / TAU if store.fading else w
            tid = create_tie(T, i, j, step, (i + j) % len(ORIGINS), key, PID)
            if check_acceptance:
                assert (tid >= 0) == allowed, (
                    f"create({i}, {j}, w={w}) with full endpoints {full} "
                    f"(weakest {weakest}) returned {tid}")
            if tid < 0:
                assert {u: weight_of(u) for u in alive} == before, "refusal changed ties"
                assert int(T.counters[2]) == next_uid
                continue
            assert allowed, f"create({i}, {j}, w={w}) broke the rule (weakest {weakest})"
            assert T.uid[tid] == next_uid and weight(T, tid) == key and T.birth[tid] == step
            gone = [u for u, t in alive.items() if T.death[t] >= 0]
            # exactly one weakest tie dropped per full endpoint, with cause "displaced"
            assert len(gone) == len(full)
            for x in full:
                dropped = [u for u in gone if u in mine_before[x]]
                assert len(dropped) == 1 and before[dropped[0]] == weakest[x] < w
            for u in gone:
                assert T.cause[alive[u]] == DISPLACED and T.death[alive[u]] == step
                died[u] = (step, DISPLACED)
                del alive[u]
            alive[next_uid] = tid
            created[next_uid] = (int(PID[i]), int(PID[j]), step)
        elif kind == "kill":
            if not alive:
                continue
            _, pick, cause = op
            uid = sorted(alive)[pick % len(alive)]
            kill_tie(store.arrays(changes_weights=False), alive.pop(uid), step, cause)
            died[uid] = (step, cause)
        elif kind == "contact":
            if not alive or not store.fading:
                continue
            uid = sorted(alive)[op[1] % len(alive)]
            tid = alive[uid]
            w0, p0 = weight_of(uid), float(store.peak[tid])
            contact(store.arrays(), tid, step)
            assert weight_of(uid) == pytest.approx(w0 + 1.0, rel=1e-12)
            assert store.peak[tid] == max(p0, store.peak[tid]) and store.last[tid] == step
            assert store.peak[tid] == pytest.approx(max(p0, w0 + 1.0), rel=1e-12)
        else:
            store.flush()
        check_structure(store)
    return {"alive": alive, "created": created, "died": died}


@settings(max_examples=300, deadline=None)
@given(st.lists(ops, min_size=10, max_size=80), st.integers(1, 8), st.booleans())
def test_random_operations_keep_the_store_consistent(sequence, pool, fading):
    store = make_store(fading, pool)
    model = run_ops(store, sequence)
    table = store.ledger_table()
    # every tie ever created appears exactly once, by uid
    uids = table["uid"].tolist()
    assert uids == sorted(model["created"]), "ledger uids differ from the ties created"
    assert len(set(uids)) == len(uids)
    for x, uid in enumerate(uids):
        pa, pb, birth = model["created"][uid]
        assert (table["a"][x], table["b"][x], table["birth"][x]) == (pa, pb, birth)
        if uid in model["died"]:
            assert (table["death"][x], table["cause"][x]) == model["died"][uid]
        else:
            assert table["death"][x] == -1 and table["cause"][x] == ALIVE
            assert uid in model["alive"]
        assert 0.0 < table["weight"][x]
    # after ledger_table (which flushes) no record is in the graveyard
    assert store.counters[1] == 0
    check_structure(store)


@settings(max_examples=300, deadline=None,
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # fail fast: no shrinking
@example([("create", 0, 1, 5.0), ("create", 0, 2, 2.0), ("create", 3, 0, 3.0)], 4, True)
@given(st.lists(ops, min_size=10, max_size=80), st.integers(1, 8), st.booleans())
def test_every_tie_the_capacity_rule_allows_is_made(sequence, pool, fading):
    run_ops(make_store(fading, pool), sequence, check_acceptance=True)


def test_capacity_rule_by_hand():
    """A full person refuses a tie no stronger than their weakest, and swaps for a stronger."""
    store = TieStore(N, 2, pool=4)
    T = store.arrays()
    assert create_tie(T, 0, 1, 0, 0, 0.5, PID) >= 0
    weak = create_tie(T, 0, 2, 0, 0, 0.2, PID)
    assert weak >= 0 and weakest_tie(T, 0) == weak
    store.reserve(4)
    T = store.arrays()
    assert create_tie(T, 0, 3, 1, 0, 0.2, PID) == -1  # equal to the weakest: refused
    assert create_tie(T, 3, 0, 1, 0, 0.1, PID) == -1  # either argument order
    assert T.deg[0] == 2 and T.deg[3] == 0
    new = create_tie(T, 3, 0, 1, 0, 0.3, PID)
    assert new >= 0
    assert T.death[weak] == 1 and T.cause[weak] == DISPLACED
    assert find_tie(T.nbr, T.adj, T.deg, 0, 2) == -1 and T.deg[2] == 0
    assert sorted(T.nbr[0, :2].tolist()) == [1, 3]


@pytest.mark.parametrize("pool", [1, 5])
def test_reserve_grows_pool_and_keeps_ties(pool):
    store = TieStore(N, CAP, pool=pool)
    made = []
    for i in range(N):  # a ring: everyone has two ties
        store.reserve(1)
        made.append(create_tie(store.arrays(), i, (i + 1) % N, 0, 0, 0.5, PID))
    assert min(made) >= 0 and len(set(made)) == N
    assert store.pool >= N and store.n_alive == N
    store.reserve(100)
    assert store.counters[0] >= 100 and store.n_alive == N
    check_structure(store)


def test_an_empty_pool_refuses_before_displacing_anything():
    """With no free record, a tie that would displace weaker ones is refused and nothing dies."""
    store = TieStore(N, 1, pool=2)
    T = store.arrays()
    assert create_tie(T, 0, 1, 0, 0, 0.1, PID) >= 0
    assert create_tie(T, 2, 3, 0, 0, 0.1, PID) >= 0
    assert store.counters[0] == 0  # the pool is used up
    assert create_tie(T, 0, 2, 1, 0, 0.5, PID) == -1
    assert T.deg.tolist() == [1, 1, 1, 1, 0]
    assert store.counters[1] == 0  # nothing went to the graveyard
    check_structure(store)


def test_living_ties_by_origin_are_kept_through_a_run():
    """Every process makes and ends ties through create_tie/kill_tie, which keep each
    person's living ties by origin: the counts match a count of the living ties
    after building the world and after a run in which people leave and change jobs."""
    sim = Simulation(scenario("processes.life_events.leave=0.02"))

    def recount():
        store = sim.world.ties
        store.flush()
        ids = store.alive_ids()
        out = np.zeros_like(store.by_origin)
        np.add.at(out, (store.a[ids], store.origin[ids]), 1)
        np.add.at(out, (store.b[ids], store.origin[ids]), 1)
        return out

    assert (sim.world.ties.by_origin == recount()).all()
    for _ in range(15):
        sim.step()
    assert sim.recorder.events[-1]["left"] > 0
    assert (sim.world.ties.by_origin == recount()).all()


def test_a_copied_store_is_independent_and_whole():
    """deepcopy and pickle keep the record fields as views of the copied records."""
    import copy
    import pickle

    store = make_store(True, 8)
    T = store.arrays()
    tid = create_tie(T, 0, 1, 0, 0, math.log(2.0), PID)
    for twin in (copy.deepcopy(store), pickle.loads(pickle.dumps(store))):
        assert np.shares_memory(twin.a, twin._hot) and np.shares_memory(twin.peak, twin._hot)
        assert np.shares_memory(twin.uid, twin._rest)
        assert twin.a[tid] == 0 and twin.b[tid] == 1 and twin.peak[tid] == 2.0
        twin.reserve(64)  # growing copies the records: the views must follow
        contact(twin.arrays(), tid, 0)
        assert twin.peak[tid] == pytest.approx(3.0) and store.peak[tid] == 2.0
        assert twin.wheel.size == store.wheel.size == 1  # its end timer came along
        check_structure(twin)
    check_structure(store)


def test_records_start_on_a_cache_line_and_keep_their_ties_when_the_pool_grows():
    store = TieStore(N, CAP, pool=8)
    tid = create_tie(store.arrays(), 0, 1, 3, 2, 0.5, PID)
    for _ in range(2):
        assert store._hot.ctypes.data % 64 == 0 and store._rest.ctypes.data % 64 == 0
        assert store.a.base is not None and np.shares_memory(store.a, store._hot)
        assert (store.a[tid], store.b[tid], store.birth[tid], store.origin[tid]) == (0, 1, 3, 2)
        assert (store.a[store.pool // 2:] == -1).all()  # new records are free
        store.reserve(store.pool + 100)  # grow
    check_structure(store)


def test_growing_in_place_hands_out_the_records_moving_would(monkeypatch):
    """A pool that grows within its room and one that moves to new buffers every time
    (room = pool) go through the same ties, records, free stack and rows."""
    people, cap = 40, 6
    rng = np.random.default_rng(11)
    pid = np.arange(people, dtype=np.int64)
    ops = [(int(rng.integers(people)), int(rng.integers(people)), float(rng.random()))
           for _ in range(600)]
    stores = []
    for moving in (False, True):
        if moving:
            monkeypatch.setattr(TieStore, "_room", lambda self, pool: pool)
        store = TieStore(people, cap, pool=4)
        for step, (i, j, w) in enumerate(ops):
            store.reserve(1 + step % 3)
            T = store.arrays()
            tid = find_tie(T.nbr, T.adj, T.deg, i, j)
            if tid >= 0 and w < 0.3:
                kill_tie(T, tid, step, DECAYED)
            else:
                create_tie(T, i, j, step, step % 6, 0.1 + w, pid)
            if step % 7 == 0:
                store.flush()
        store.flush()
        stores.append(store)
    in_place, moved = stores
    assert in_place._hot_buf.shape[0] > in_place.pool  # it had room to spare
    assert moved._hot_buf.shape[0] == moved.pool
    assert in_place.pool == moved.pool
    for name in ("_hot", "_rest", "adj", "nbr", "ws", "deg", "counters"):
        np.testing.assert_array_equal(getattr(in_place, name), getattr(moved, name))
    nfree = int(in_place.counters[NFREE])
    np.testing.assert_array_equal(in_place.free[:nfree], moved.free[:nfree])


@pytest.mark.parametrize("k", [5, 3, 7])
def test_kept_ranking_is_the_plain_one_every_week(k):
    """In the default week influence ranks every row; the recorder then re-ranks only the
    rows life events touched. Every process that says it leaves weights alone must. With
    influence's k other than the recorder's five, the kept ranking is the wider of the two
    and the narrower is its front."""
    sim = Simulation(scenario("processes.life_events.leave=0.02",
                              f"processes.influence.k={k}"))
    w = sim.world
    record = sim.recorder.record
    before_recording = []

    def checked(world, counts):
        # influence's ranking is still valid, and life events flagged the rows they touched
        kept = world.ties._ranking
        before_recording.append((kept.version == world.ties.weights_version,
                                 int(world.ties.changed.sum())))
        record(world, counts)

    sim.recorder.record = checked
    equal_weights = 0
    for _ in range(15):
        sim.step()
        for width in sorted({5, k}):
            r = w.ties.closest(width)
            for i in range(w.people.n):
                d = int(w.ties.deg[i])
                ws, nbr = plain_ranking(w.ties.ws[i], w.ties.nbr[i], d, width)
                assert r.m[i] == len(ws)
                assert list(r.weight[i, :len(ws)]) == ws and list(r.other[i, :len(ws)]) == nbr
                equal_weights += len(set(w.ties.ws[i, :d])) < d
    assert w.ties._ranking.k == max(5, k)
    assert equal_weights > 0  # rows with equal weights: slot order decided some ranks
    assert all(valid for valid, _ in before_recording)
    # the recorder re-ranked some rows, not all of them (the partial path was taken)
    flagged = [n for _, n in before_recording]
    assert 0 < max(flagged) < w.people.n
