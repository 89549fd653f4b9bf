"""Contacts that fade: key arithmetic and the wheel of tie ends against the plain rule
(jinmyaku.model.reference.contacts), which recomputes every tie's strength every week."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jinmyaku.model import contacts as C
from jinmyaku.model.reference import contacts as ref


@settings(deadline=None)  # the first call compiles
@given(st.lists(st.integers(0, 400), min_size=1, max_size=30), st.integers(0, 200),
       st.sampled_from([4.0, 26.0, 52.0]))
def test_the_key_gives_the_discounted_contacts(weeks, later, tau):
    weeks = sorted(weeks)
    key = C.new_key(1.0, weeks[0], tau)
    for w in weeks[1:]:
        key = C.add_contacts(key, 1.0, w, tau)
    at = weeks[-1] + later
    assert C.strength(key, at, tau) == pytest.approx(ref.strength(weeks, at, tau), rel=1e-9)


@settings(deadline=None)
@given(st.floats(-50, 200), st.sampled_from([3.0, 26.0, 52.0]), st.floats(0.01, 2.0))
def test_end_week_is_the_first_week_below_drop(key, tau, drop):
    log_drop = math.log(drop)
    t = C.end_week(key, tau, log_drop)
    assert key < log_drop + t / tau
    assert t == 0 or key >= log_drop + (t - 1) / tau


def _run(seed: int, weeks: int, tau: float, drop: float, buckets: int):
    """A toy population of ties: each week some are made, some contacted, some ended
    otherwise (displaced); the wheel ends the rest. Returns, week by week, the uids the
    wheel ended and the uids the plain rule ends, with the strengths the rule saw."""
    rng = np.random.default_rng(seed)
    pool = 400
    keys = np.zeros(pool)
    uids = np.full(pool, -1, dtype=np.int64)
    alive = np.zeros(pool, dtype=np.bool_)
    wheel = C.Wheel(entries=8, buckets=buckets)
    history: dict[int, list[float]] = {}  # uid -> contact weeks (the plain rule's view)
    next_uid = 0
    log_drop = math.log(drop)
    got, want = [], []
    for week in range(1, weeks + 1):
        # new ties in free records
        free = np.flatnonzero(~alive)
        for t in rng.choice(free, size=min(free.size, rng.poisson(6)), replace=False):
            n = float(rng.integers(1, 4))
            keys[t] = C.new_key(n, week, tau)
            uids[t] = next_uid
            alive[t] = True
            history[next_uid] = [week] * int(n)
            wheel.reserve(1)
            assert C.schedule(*wheel.arrays(), t, next_uid, C.end_week(keys[t], tau, log_drop),
                              week)
            next_uid += 1
        # contacts over living ties, strong ties more often
        living = np.flatnonzero(alive)
        if living.size:
            p = np.exp(keys[living] - keys[living].max())
            for t in rng.choice(living, size=rng.poisson(10), p=p / p.sum()):
                keys[t] = C.add_contacts(keys[t], 1.0, week, tau)
                history[uids[t]].append(week)
            # some end otherwise (their wheel entries become stale)
            for t in living[rng.random(living.size) < 0.01]:
                alive[t] = False
                del history[uids[t]]
        # the plain rule, then the wheel
        want.append(ref.ends(history, week, tau, drop))
        n = wheel.size
        bufs = [np.empty(n, dtype=np.int64) for _ in range(5)]
        ended = C.ends_due(*wheel.arrays(), week, tau, log_drop, keys, uids, alive, *bufs)
        got.append([int(uids[t]) for t in ended])
        # a strength within 1e-9 of drop may fall either side by rounding: not compared
        near = {u for u in {*want[-1], *got[-1]}
                if abs(ref.strength(history[u], week, tau) - drop) < 1e-9}
        for t in ended:
            alive[t] = False
            del history[uids[t]]
        want[-1] = [u for u in want[-1] if u not in near]
        got[-1] = [u for u in got[-1] if u not in near]
        # every living tie has an entry on the wheel (and stale ones are bounded)
        assert wheel.size >= int(alive.sum())
    return got, want


@pytest.mark.parametrize(("tau", "drop", "buckets"), [(26.0, 0.3, 512), (4.0, 0.5, 8),
                                                      (52.0, 0.1, 16)])
def test_the_wheel_ends_what_the_plain_rule_ends_week_by_week(tau, drop, buckets):
    """Also with a wheel much shorter than the longest life (8 or 16 weeks against
    ties living a year or more): entries parked beyond the horizon come back."""
    got, want = _run(seed=7, weeks=300, tau=tau, drop=drop, buckets=buckets)
    assert sum(len(w) for w in want) > 50  # the test saw many ends
    assert got == want


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([2, 8, 64]))
def test_any_seed_and_wheel_size(seed, buckets):
    got, want = _run(seed=seed, weeks=80, tau=10.0, drop=0.4, buckets=buckets)
    assert got == want


def test_a_missed_end_would_be_seen():
    """The comparison can fail: a wheel on which new ties are never put (they never
    end) disagrees with the plain rule."""
    real = C.schedule

    def forgetful(*args):
        return True  # pretends to schedule

    try:
        C.schedule = forgetful
        with pytest.raises(AssertionError):
            got, want = _run(seed=1, weeks=100, tau=8.0, drop=0.5, buckets=64)
            assert got == want
    finally:
        C.schedule = real


def test_a_wheel_is_checked_and_grows():
    with pytest.raises(ValueError):
        C.Wheel(buckets=12)
    w = C.Wheel(entries=2, buckets=4)
    for t in range(5):
        w.reserve(1)
        assert C.schedule(*w.arrays(), t, t, 3, 0)
    assert w.size == 5
    n = w.size
    bufs = [np.empty(n, dtype=np.int64) for _ in range(5)]
    ended = C.ends_due(*w.arrays(), 3, 1.0, 0.0, np.full(5, -10.0), np.arange(5),
                       np.ones(5, dtype=np.bool_), *bufs)
    assert list(ended) == [0, 1, 2, 3, 4] and w.size == 0
