"""7. Maintenance: the contacts a person makes with their own ties (docs/model.md §7.7).

The rule (the whole of it; everything else in this module is speed):

    for each person i with ties, from the keys and stages at the start:
        reach for n_i = round(``interactions`` · sociability_i) ties with replacement,
            P(tie ij) ∝ s_ij^β            (s: strength, β = ``preference``)
            (draw r inverts the cumulative s^β at U_MAINTENANCE(r))
        keep draw r with chance  affinity(i, j) / aim_bonus, where
            affinity(i, j) = exp(−|stage_i − stage_j| / stage_scale)
                             · (aim_bonus if aim_i = aim_j else 1)
            (the test uses U_MAINTENANCE(n_i + r))
    every kept draw is one contact over its tie (its strength grows by one).

Affinity is computed only for the ties drawn (thinning), so a week costs one
pass over each row's keys plus the draws, and no gather of every far end.
Ties fade and end without a pass: :meth:`jinmyaku.model.ties.TieStore.end_faded`.

Plain reference: :mod:`jinmyaku.model.reference.maintenance` (``choose``,
``attend``, ``week``), the rule above line by line; ``tests/test_reference.py``
checks that one week of each gives the same ties bit for bit.

How this module is faster than the reference, without changing a result:

* ``choose``: people in parallel chunks (choices read only the start-of-process
  keys); s^β as exp(β·(key − max key of the row)), one exp per slot; the draws
  sorted and inverted in one walk (``_choose_one``). The process takes the
  choices as one flat list (``choose_flat``: person i's draws at
  ``first[i]:first[i + 1]``), not as ``choose``'s array padded to the largest
  reach (370 wide against a mean of 17 at the default sociability).
* ``attend``: chosen ties split among threads by id (``_attend_part``), each
  thread making its own ties' contacts in the order chosen, with both parts of
  each record (hot fields; contacts and calls) and the keys prefetched a few
  ties ahead.

Prefetches are hints: they change no result.
"""

from __future__ import annotations

import math

import numpy as np
from numba import get_num_threads, njit, prange

from jinmyaku.model import rng
from jinmyaku.model.prefetch import prefetch, prefetch1
from jinmyaku.model.processes.base import Process
from jinmyaku.model.scenario import Maintenance as Params
from jinmyaku.model.ties import RECORD_AHEAD, WEIGHT_AHEAD, contact

# speed only: how far ahead the prefetch hints look
_ROW_AHEAD = 2  # choose prefetches the rows of the person this many places on


# ----------------------------------------------------------------- 1. choose


def reach(interactions: int, sociability: np.ndarray) -> np.ndarray:
    """Ties each person reaches for a week: round(interactions · sociability), int32 ≥ 0.

    ``sociability``: each person's multiplier (mean 1; all 1 when
    ``population.sociability_sd`` is 0, and then everyone reaches for ``interactions``).
    Rounding is half to even (numpy's ``rint``), the same in kernel and reference.
    """
    return np.rint(interactions * sociability).astype(np.int32)



@njit(cache=True, parallel=True)
def choose(T, stage, aim, reach, preference: float, stage_scale: float,
           aim_bonus: float, step: int, seed: int, pid):
    """Everyone's contacts for the week, (people, max(reach)) tie ids (-1: none).

    ``reach[i]``: how many ties person i reaches for this week (int ≥ 0; see
    :func:`reach`).
    Choices are made from the keys at the start of the process (a synchronous
    update), so people can be handled in parallel.
    Reference: :func:`jinmyaku.model.reference.maintenance.choose`.
    The process itself uses :func:`choose_flat`, the same choices without the
    padding.
    """
    n = T.deg.size
    width = 0
    for i in range(n):
        width = max(width, reach[i])
    first = _offsets(reach)
    flat = choose_flat(T, stage, aim, reach, first, preference, stage_scale, aim_bonus, step,
                       seed, pid)
    chosen = np.full((n, width), -1, dtype=np.int32)
    for i in prange(n):
        for r in range(reach[i]):
            chosen[i, r] = flat[first[i] + r]
    return chosen


@njit(cache=True)
def _offsets(reach):
    """Where each person's draws start in the flat list (``reach``'s running sum, int64)."""
    first = np.zeros(reach.size + 1, dtype=np.int64)
    for i in range(reach.size):
        first[i + 1] = first[i] + reach[i]
    return first


@njit(cache=True, parallel=True)
def choose_flat(T, stage, aim, reach, first, preference: float, stage_scale: float,
                aim_bonus: float, step: int, seed: int, pid):
    """:func:`choose` as one flat list: person i's draws are entries
    ``first[i]:first[i] + reach[i]`` (tie id, or -1 where thinned or i has no ties).

    The rows of :func:`choose`'s array one after another without their padding:
    the same tie ids in the same order (people, then draws), in about a twentieth
    of the memory at the default sociability (the padded array is as wide as the
    largest reach, 370 against a mean of 17).
    """
    n = T.deg.size
    cap = T.adj.shape[1]
    width = 0
    for i in range(n):
        width = max(width, reach[i])
    flat = np.empty(first[n], dtype=np.int32)
    chunk = 256
    for c in prange((n + chunk - 1) // chunk):
        cum = np.empty(cap)
        target = np.empty(width)
        order = np.empty(width, dtype=np.int64)
        end = min(n, (c + 1) * chunk)
        for i in range(c * chunk, end):
            i2 = i + _ROW_AHEAD  # hints, which change nothing: the rows a few people on
            if i2 < end:
                for s in range(0, T.deg[i2], 16):
                    prefetch(T.nbr, i2, s)
                for s in range(0, T.deg[i2], 8):
                    prefetch(T.ws, i2, s)
            _choose_one(T.deg, T.nbr, T.ws, T.adj, i, cum, target, order, flat, first[i],
                        stage, aim, reach[i], preference, stage_scale, aim_bonus, step, seed,
                        pid)
    return flat


@njit(cache=True)
def _choose_one(deg, nbr, ws, adj, i, cum, target, order, out, at, stage, aim, reach_i,
                preference, stage_scale, aim_bonus, step, seed, pid):
    """Person i's draws and their thinning (the rule of ``choose``), into
    ``out[at:at + reach_i]``."""
    d = deg[i]
    if reach_i == 0:
        return
    if d == 0:
        for r in range(reach_i):
            out[at + r] = -1
        return
    top = ws[i, 0]
    for s in range(1, d):
        top = max(top, ws[i, s])
    total = 0.0
    for s in range(d):
        total += math.exp(preference * (ws[i, s] - top))
        cum[s] = total
    k = rng.key(seed, rng.MAINTENANCE, step, pid[i])
    # the draws in ascending order, then one walk along the cumulative weights:
    # the same slots as a binary search per draw (first cum > target)
    for r in range(reach_i):
        x = rng.uniform(k, r) * total
        pos = r
        while pos > 0 and target[pos - 1] > x:
            target[pos] = target[pos - 1]
            order[pos] = order[pos - 1]
            pos -= 1
        target[pos] = x
        order[pos] = r
    s = 0
    for q in range(reach_i):
        x = target[q]
        while s < d and cum[s] <= x:
            s += 1
        out[at + order[q]] = min(s, d - 1)  # a slot for now
    si, ai = stage[i], aim[i]
    for r in range(reach_i):
        s = out[at + r]
        j = nbr[i, s]
        keep = math.exp(-abs(si - stage[j]) / stage_scale)
        if aim[j] != ai:
            keep /= aim_bonus
        out[at + r] = adj[i, s] if rng.uniform(k, reach_i + r) < keep else -1


# ----------------------------------------------------------------- 2. attend


@njit(cache=True, parallel=True)
def attend(T, chosen, step: int, parts: int = 1) -> int:
    """Make the chosen ties' contacts; returns the contacts made.

    Each contact over a tie applies the same map (its strength grows by one)
    and touches only that tie's record and its two row entries, so a tie's
    state at the end depends only on how many times it was chosen, not on
    the order of other ties. The ties are therefore split among the threads by id (the two
    records that share a cache line go to the same thread), and each thread
    reinforces its own ties in the order they were chosen: the result is that
    of the plain loop, whatever the number of threads or ``parts`` (≥ 1; one
    per thread is best). Reference: :func:`jinmyaku.model.reference.maintenance.attend`.
    """
    flat = chosen.ravel()
    made = np.zeros(parts, dtype=np.int64)
    for p in prange(parts):
        made[p] = _attend_part(T, flat, p, parts, step)
    return made.sum()


@njit(cache=True)
def _attend_part(T, flat, part: int, parts: int, step: int) -> int:
    """Make the contacts of the chosen ties whose id falls in ``part`` of ``parts``;
    returns how many.

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
    a, b, sa, sb, ws, contacts = T.a, T.b, T.sa, T.sb, T.ws, T.contacts
    for e in range(n):
        f = e + RECORD_AHEAD
        if f < n:
            prefetch1(a, own[f])
            prefetch1(contacts, own[f])  # the rest of the record: contacts and calls
        f = e + WEIGHT_AHEAD
        if f < n:
            t = own[f]
            prefetch(ws, a[t], sa[t])
            prefetch(ws, b[t], sb[t])
        contact(T, own[e], step)
        T.calls[own[e]] += 1  # a discretionary contact: a call, in the suite's channel
    return n


# ----------------------------------------------------------------- the process


class Maintenance(Process):
    """The weekly process: choose, attend (reference: ``reference.maintenance.week``)."""

    name = "maintenance"
    params: Params

    def step(self, world) -> dict[str, float]:
        q, p = self.params, world.people
        T = world.ties.arrays()
        # without stage homophily exp(-|Δstage|/inf) = 1 exactly (both factors are exp(0))
        scale = q.stage_scale if q.stage_homophily else np.inf
        n_i = reach(q.interactions, p.sociability)
        chosen = choose_flat(T, p.stage, p.aim, n_i, _offsets(n_i), q.preference, scale,
                             q.aim_bonus, world.step, world.seed, p.pid)
        made = attend(T, chosen, world.step, get_num_threads())
        return {"interactions": made}
