"""Maintenance, plainly: the contacts a person makes with their own ties (docs/model.md §7.7).

The rule, for each person i with ties, from the keys and stages at the start
of the process:

1. *choose*: i reaches for n_i = round(``interactions`` · sociability_i) ties
   (``processes.maintenance.reach``) with replacement, tie i–j
   with probability ∝ s_ij^β (s: strength, β = ``preference``); draw r
   inverts the cumulative s^β at U_MAINTENANCE(r); it is kept with chance
   affinity_ij / aim_bonus (the test uses U_MAINTENANCE(n_i + r)),
   where affinity_ij = exp(−|stage_i − stage_j| / stage_scale), times
   ``aim_bonus`` if i and j share an aim;
2. *attend*: every kept draw is one contact over its tie.

Ties fade and end by the store's timers (``TieStore.end_faded``; reference:
:func:`jinmyaku.model.reference.contacts.ends`).

Tuned kernel: :mod:`jinmyaku.model.processes.maintenance` (``choose`` in
parallel chunks, ``attend`` with the ties split among threads by id).
``tests/test_reference.py`` checks that one week of each gives the same ties,
bit for bit. (The kernel computes s^β as exp(β·(key − max key)), the
reference as strength**β normalised by the strongest; a draw within rounding
of the boundary between two ties could pick the other one; in the worlds
tested none does.)
"""

from __future__ import annotations

import math

import numpy as np

from jinmyaku.model.reference import rng
from jinmyaku.model.reference.ties import contact


def affinity(stage_i: float, stage_j: float, aim_i: int, aim_j: int, stage_scale: float,
             aim_bonus: float) -> float:
    """exp(−|Δstage| / stage_scale), times aim_bonus (≥ 1) for a shared aim; in (0, aim_bonus]."""
    a = math.exp(-abs(stage_i - stage_j) / stage_scale)
    return a * aim_bonus if aim_i == aim_j else a


def choose(T, stage, aim, reach, preference: float, stage_scale: float,
           aim_bonus: float, step: int, seed: int, pid) -> np.ndarray:
    """Everyone's contacts for the week, (people, max(reach)) tie ids; -1: none.

    ``reach[i]``: the ties person i reaches for this week.
    """
    n = T.deg.size
    chosen = np.full((n, int(max(reach, default=0))), -1, dtype=np.int32)
    for i in range(n):
        d = int(T.deg[i])
        if d == 0:
            continue
        top = max(T.ws[i, s] for s in range(d))
        # strength^β relative to the strongest tie's (the common factor cancels)
        pull = [math.exp(preference * (T.ws[i, s] - top)) for s in range(d)]
        cum = np.cumsum(pull)
        key = rng.key(seed, rng.MAINTENANCE, step, pid[i])
        n_i = int(reach[i])
        for r in range(n_i):
            x = rng.uniform(key, r) * cum[-1]
            s = min(int(np.searchsorted(cum, x, side="right")), d - 1)  # first cum > x
            j = T.nbr[i, s]
            keep = affinity(stage[i], stage[j], aim[i], aim[j], stage_scale, aim_bonus) / aim_bonus
            if rng.uniform(key, n_i + r) < keep:
                chosen[i, r] = T.adj[i, s]
    return chosen


def attend(T, chosen: np.ndarray, step: int) -> int:
    """One contact per kept choice, people by slot; returns the contacts made."""
    made = 0
    for tid in chosen.ravel():
        if tid >= 0:
            contact(T, int(tid), step)
            T.calls[tid] += 1  # a discretionary contact (the calls channel)
            made += 1
    return made


def week(world, params) -> dict[str, float]:
    """One week's maintenance of ``world`` with ``scenario.Maintenance`` parameters; the counts."""
    p, q = world.people, params
    T = world.ties.arrays()
    scale = q.stage_scale if q.stage_homophily else math.inf  # exp(-|Δ|/inf) = 1
    reach = [round(q.interactions * float(x)) for x in p.sociability]  # half to even, as rint
    chosen = choose(T, p.stage, p.aim, reach, q.preference, scale,
                    q.aim_bonus, world.step, world.seed, p.pid)
    return {"interactions": attend(T, chosen, world.step)}
