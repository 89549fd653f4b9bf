"""7. Maintenance: attention to existing ties, then decay (docs/model.md §7.7).

The rule (the whole of it; everything else in this module is speed):

    for each person i with ties, from the weights and stages at the start:
        pull(i, j)   = w_ij · exp(−|stage_i − stage_j| / stage_scale)
                            · (aim_bonus if aim_i = aim_j else 1)
        draw ``interactions`` ties with replacement, P(tie ij) ∝ pull(i, j)
        (draw r inverts the cumulative pulls at U_MAINTENANCE(r))
    every draw reinforces its tie once:  w ← w + alpha·(1 − w)
    every living tie decays:             w ← w·(1 − decay)
    ties with w < drop_below die (``decayed``), in ascending record order.

Plain reference: :mod:`jinmyaku.model.reference.maintenance` (``choose``,
``attend``, ``decay``, ``week``), the rule above line by line;
``tests/test_reference.py`` checks that one week of each gives the same ties
bit for bit.

How this module is faster than the reference, without changing a result:

* ``choose``: people in parallel chunks (choices read only the start-of-process
  weights); the exponential factored into two per person instead of one per
  tie; a tie's far end read from one packed row (``other``); the rows of the
  people ahead prefetched (``_ROW_AHEAD``, ``_OTHER_AHEAD``); the draws sorted
  and inverted in one walk (``_choose_one``).
* ``attend``: chosen ties split among threads by id (``_attend_part``), each
  thread reinforcing its own ties in the order chosen, with records and
  weights prefetched a few ties ahead.
* ``decay``: rows multiplied in parallel (``_decay_rows``); the ties below the
  threshold gathered in id order and killed serially (``_drop``).

Prefetches are hints: they change no result.
"""

from __future__ import annotations

import numpy as np
from numba import get_num_threads, njit, prange

from jinmyaku.model import rng
from jinmyaku.model.prefetch import prefetch, prefetch1
from jinmyaku.model.processes.base import Process
from jinmyaku.model.scenario import Maintenance as Params
from jinmyaku.model.ties import RECORD_AHEAD, WEIGHT_AHEAD, kill_tie, reinforce
from jinmyaku.model.vocabulary import DECAYED

# speed only: how far ahead the prefetch hints look
_ROW_AHEAD = 2  # choose prefetches the rows of the person this many places on
_OTHER_AHEAD = 8  # ... and the far end of the tie this many slots on


# ----------------------------------------------------------------- 1. choose


@njit(cache=True, parallel=True)
def choose(T, stage, aim, interactions: int, stage_scale: float, aim_bonus: float,
           step: int, seed: int, pid):
    """Everyone's interaction partners for the week, (people, interactions) tie ids (-1: none).

    Choices are made from the weights at the start of the process (a
    synchronous update), so people can be handled in parallel.
    Reference: :func:`jinmyaku.model.reference.maintenance.choose`.
    """
    n = T.deg.size
    cap = T.adj.shape[1]
    chosen = np.full((n, interactions), -1, dtype=np.int32)
    # exp(-|s_i - s_j|/scale) = up[i]·down[j] if s_j ≥ s_i, else down[i]·up[j]:
    # two exps per person instead of one per tie (stage_scale ≥ 0.01 keeps both
    # within float range). What a tie's far end contributes sits in one row of
    # ``other`` (stage, up, down, aim): one cache line per tie, not four.
    other = np.empty((n, 4))
    for i in range(n):
        up = np.exp(stage[i] / stage_scale)
        other[i, 0] = stage[i]
        other[i, 1] = up
        other[i, 2] = 1.0 / up
        other[i, 3] = aim[i]
    chunk = 256
    for c in prange((n + chunk - 1) // chunk):
        cum = np.empty(cap)
        target = np.empty(interactions)
        order = np.empty(interactions, dtype=np.int64)
        end = min(n, (c + 1) * chunk)
        for i in range(c * chunk, end):
            # hints, which change nothing: the rows of the person _ROW_AHEAD on, and the
            # far ends of the next person's first ties (a large world keeps ``other``
            # in memory, not cache, so these misses would otherwise come one by one)
            i2 = i + _ROW_AHEAD
            if i2 < end:
                for s in range(0, T.deg[i2], 16):
                    prefetch(T.nbr, i2, s)
                for s in range(0, T.deg[i2], 8):
                    prefetch(T.ws, i2, s)
            if i + 1 < end:
                for s in range(min(T.deg[i + 1], _OTHER_AHEAD)):
                    prefetch(other, T.nbr[i + 1, s], 0)
            _choose_one(T.deg, T.nbr, T.ws, T.adj, i, cum, target, order, chosen, other,
                        interactions, aim_bonus, step, seed, pid)
    return chosen


@njit(cache=True)
def _choose_one(deg, nbr, ws, adj, i, cum, target, order, chosen, other, interactions,
                aim_bonus, step, seed, pid):
    """Person i's draws (the rule of ``choose``), into ``chosen[i]``; the rest is scratch."""
    # the arrays, not the Ties tuple: a call with the tuple costs a reference count
    # per array, once per person
    d = deg[i]
    if d == 0 or interactions == 0:
        return
    total = 0.0
    si, up_i, down_i, aim_i = other[i, 0], other[i, 1], other[i, 2], other[i, 3]
    for s in range(d):
        if s + _OTHER_AHEAD < d:  # the far end a few ties on (a hint)
            prefetch(other, nbr[i, s + _OTHER_AHEAD], 0)
        j = nbr[i, s]
        # both products, then a select: no unpredictable branch per tie
        closer = up_i * other[j, 2]
        farther = down_i * other[j, 1]
        a = closer if other[j, 0] >= si else farther
        a = a * aim_bonus if other[j, 3] == aim_i else a
        total += ws[i, s] * a
        cum[s] = total
    k = rng.key(seed, rng.MAINTENANCE, step, pid[i])
    if interactions > 16:
        for r in range(interactions):
            s = np.searchsorted(cum[:d], rng.uniform(k, r) * total, side="right")
            chosen[i, r] = adj[i, min(s, d - 1)]
        return
    # the draws in ascending order, then one walk along the cumulative weights:
    # the same slots as a binary search per draw (first cum > target)
    for r in range(interactions):
        x = rng.uniform(k, r) * total
        pos = r
        while pos > 0 and target[pos - 1] > x:
            target[pos] = target[pos - 1]
            order[pos] = order[pos - 1]
            pos -= 1
        target[pos] = x
        order[pos] = r
    s = 0
    for q in range(interactions):
        x = target[q]
        while s < d and cum[s] <= x:
            s += 1
        chosen[i, order[q]] = adj[i, min(s, d - 1)]


# ----------------------------------------------------------------- 2. attend


@njit(cache=True, parallel=True)
def attend(T, chosen, alpha: float, step: int, parts: int = 1) -> int:
    """Reinforce the chosen ties; returns the interactions made.

    Each reinforcement of a tie applies the same map, w ← w + alpha·(1 − w),
    and touches only that tie's record and its two row entries, so a tie's
    state at the end depends only on how many times it was chosen, not on
    the order. The ties are therefore split among the threads by id (the two
    records that share a cache line go to the same thread), and each thread
    reinforces its own ties in the order they were chosen: the result is that
    of the plain loop, whatever the number of threads or ``parts`` (≥ 1; one
    per thread is best). Reference: :func:`jinmyaku.model.reference.maintenance.attend`.
    """
    flat = chosen.ravel()
    made = np.zeros(parts, dtype=np.int64)
    for p in prange(parts):
        made[p] = _attend_part(T, flat, p, parts, alpha, step)
    return made.sum()


@njit(cache=True)
def _attend_part(T, flat, part: int, parts: int, alpha: float, step: int) -> int:
    """Reinforce the chosen ties whose id falls in ``part`` of ``parts``; returns how many.

    The ties are known in advance, so their records and weights are prefetched a
    few ties ahead (``ties.RECORD_AHEAD``): the cache misses of several ties overlap.
    """
    n = 0
    for e in range(flat.size):  # count first: each part holds only its own ties
        t = flat[e]
        n += t >= 0 and (t >> 1) % parts == part
    own = np.empty(n, dtype=np.int32)
    n = 0
    for e in range(flat.size):
        t = flat[e]
        if t >= 0 and (t >> 1) % parts == part:
            own[n] = t
            n += 1
    a, b, sa, sb, ws = T.a, T.b, T.sa, T.sb, T.ws
    for e in range(n):
        f = e + RECORD_AHEAD
        if f < n:
            prefetch1(a, own[f])
        f = e + WEIGHT_AHEAD
        if f < n:
            t = own[f]
            prefetch(ws, a[t], sa[t])
            prefetch(ws, b[t], sb[t])
        reinforce(T, own[e], step, alpha)
    return n


# ----------------------------------------------------------------- 3. decay


@njit(cache=True, parallel=True)
def _decay_rows(ws, adj, a, deg, keep: float, drop_below: float):
    """Decay every slot's weight (both copies of a tie get the same product); the
    ties now below ``drop_below``, seen from their a end, in ascending id order."""
    n = deg.size
    chunk = 256
    n_chunks = (n + chunk - 1) // chunk
    below = np.zeros(n_chunks + 1, dtype=np.int64)  # slots below, both ends counted
    row_below = np.empty(n, dtype=np.bool_)  # so the second pass visits only these rows
    for c in prange(n_chunks):
        f = 0
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            d = deg[i]
            for s in range(d):  # a plain multiply loop: vectorised
                ws[i, s] *= keep
            r = 0
            for s in range(d):
                r += ws[i, s] < drop_below
            row_below[i] = r > 0
            f += r
        below[c + 1] = f
    start = np.cumsum(below)
    ids = np.empty(start[n_chunks], dtype=np.int64)
    kept = np.zeros(n_chunks, dtype=np.int64)
    for c in prange(n_chunks):
        if below[c + 1] == 0:
            continue
        f = start[c]
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if not row_below[i]:
                continue
            for s in range(deg[i]):
                if ws[i, s] < drop_below and a[adj[i, s]] == i:
                    ids[f] = adj[i, s]
                    f += 1
        kept[c] = f - start[c]
    out = np.empty(kept.sum(), dtype=np.int64)
    m = 0
    for c in range(n_chunks):
        out[m:m + kept[c]] = ids[start[c]:start[c] + kept[c]]
        m += kept[c]
    return np.sort(out)


@njit(cache=True)
def _drop(T, ids, step: int) -> None:
    for tid in ids:
        kill_tie(T, tid, step, DECAYED)


def decay(T, rate: float, drop_below: float, step: int) -> int:
    """Decay every tie once (``rate`` in [0, 1]); kill those below ``drop_below`` (in
    tie-id order). Returns the ties dropped.

    Reference: :func:`jinmyaku.model.reference.maintenance.decay`.
    """
    ids = _decay_rows(T.ws, T.adj, T.a, T.deg, 1.0 - rate, drop_below)
    if ids.size:
        _drop(T, ids, step)
    return int(ids.size)


# ----------------------------------------------------------------- the process


class Maintenance(Process):
    """The weekly process: choose, attend, decay (reference: ``reference.maintenance.week``)."""

    name = "maintenance"
    params: Params

    def step(self, world) -> dict[str, float]:
        q, p = self.params, world.people
        T = world.ties.arrays()
        # without stage homophily exp(-|Δstage|/inf) = 1 exactly (both factors are exp(0))
        scale = q.stage_scale if q.stage_homophily else np.inf
        chosen = choose(T, p.stage, p.aim, q.interactions, scale, q.aim_bonus,
                        world.step, world.seed, p.pid)
        made = attend(T, chosen, q.alpha, world.step, get_num_threads())
        dropped = decay(T, q.decay, q.drop_below, world.step)
        return {"interactions": made, "ties_decayed": dropped}
