"""Maintenance, plainly: attention to existing ties, then decay (docs/model.md §7.7).

The rule, for each person i with ties, from the weights and stages at the
start of the process:

1. *choose*: i makes ``interactions`` draws with replacement among i's ties,
   tie i–j with probability ∝ w_ij · affinity_ij, where
   affinity_ij = exp(−|stage_i − stage_j| / stage_scale), times ``aim_bonus``
   if i and j share an aim; draw r inverts the cumulative weights at
   U_MAINTENANCE(r);
2. *attend*: every draw reinforces its tie once (w ← w + alpha·(1 − w));
3. *decay*: every living tie w ← w · (1 − decay); ties now below
   ``drop_below`` die (cause ``decayed``) in ascending record order.

Tuned kernel: :mod:`jinmyaku.model.processes.maintenance` (``choose`` in
parallel chunks with prefetching and the exponential factored per person,
``attend`` with the ties split among threads by id, ``decay`` over the rows
in parallel). ``tests/test_reference.py`` checks that one week of each gives
the same ties, bit for bit. (The kernel's factored exponential equals
exp(−|Δstage|/stage_scale) up to rounding, so a draw within rounding of the
boundary between two ties could pick the other one; in the worlds tested none
does.)
"""

from __future__ import annotations

import math

import numpy as np

from jinmyaku.model.reference import rng
from jinmyaku.model.reference.ties import living_ties, reinforce, set_weight, weight
from jinmyaku.model.ties import kill_tie
from jinmyaku.model.vocabulary import DECAYED


def affinity(stage_i: float, stage_j: float, aim_i: int, aim_j: int, stage_scale: float,
             aim_bonus: float) -> float:
    """exp(−|Δstage| / stage_scale), times aim_bonus (≥ 1) for a shared aim; in (0, aim_bonus]."""
    a = math.exp(-abs(stage_i - stage_j) / stage_scale)
    return a * aim_bonus if aim_i == aim_j else a


def choose(T, stage, aim, interactions: int, stage_scale: float, aim_bonus: float, step: int,
           seed: int, pid) -> np.ndarray:
    """Everyone's chosen ties for the week, (people, interactions) tie ids; -1: none."""
    n = T.deg.size
    chosen = np.full((n, interactions), -1, dtype=np.int32)
    for i in range(n):
        d = int(T.deg[i])
        if d == 0:
            continue
        pull = [T.ws[i, s] * affinity(stage[i], stage[T.nbr[i, s]], aim[i], aim[T.nbr[i, s]],
                                      stage_scale, aim_bonus) for s in range(d)]
        cum = np.cumsum(pull)
        key = rng.key(seed, rng.MAINTENANCE, step, pid[i])
        for r in range(interactions):
            x = rng.uniform(key, r) * cum[-1]
            s = int(np.searchsorted(cum, x, side="right"))  # the first slot with cum > x
            chosen[i, r] = T.adj[i, min(s, d - 1)]
    return chosen


def attend(T, chosen: np.ndarray, alpha: float, step: int) -> int:
    """Reinforce each chosen tie once per choice, people by slot; returns the interactions."""
    made = 0
    for tid in chosen.ravel():
        if tid >= 0:
            reinforce(T, int(tid), step, alpha)
            made += 1
    return made


def decay(T, rate: float, drop_below: float, step: int) -> int:
    """Every living tie loses a share ``rate`` of its weight; those below ``drop_below``
    die, in ascending record order. Returns the ties dropped."""
    ids = living_ties(T)
    for tid in ids:
        set_weight(T, tid, weight(T, tid) * (1.0 - rate))
    weak = [tid for tid in ids if weight(T, tid) < drop_below]
    for tid in weak:
        kill_tie(T, tid, step, DECAYED)
    return len(weak)


def week(world, params) -> dict[str, float]:
    """One week's maintenance of ``world`` with ``scenario.Maintenance`` parameters; the counts."""
    p, q = world.people, params
    T = world.ties.arrays()
    chosen = choose(T, p.stage, p.aim, q.interactions, q.stage_scale, q.aim_bonus, world.step,
                    world.seed, p.pid)
    made = attend(T, chosen, q.alpha, world.step)
    dropped = decay(T, q.decay, q.drop_below, world.step)
    return {"interactions": made, "ties_decayed": dropped}
