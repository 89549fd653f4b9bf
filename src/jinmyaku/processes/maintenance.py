"""7. Maintenance: attention to existing ties, then decay.

Each person starts ``interactions`` interactions a week, each with a tie
drawn (from the weights at the start of this process, after the week's
encounters) with probability
∝ weight × affinity, where
affinity = exp(−|Δstage| / stage_scale) × (aim_bonus if aims match else 1).
A chosen tie is reinforced (w ← w + alpha·(1 − w)). Then every tie decays
(w ← w·(1 − decay)), and ties below ``drop_below`` die.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .. import rng
from ..scenario import Maintenance as Params
from ..ties import DECAYED, is_alive, kill_tie, reinforce
from .base import Process


@njit(cache=True, parallel=True)
def choose(T, stage, aim, interactions: int, stage_scale: float, aim_bonus: float,
           step: int, seed: int, pid):
    """Everyone's interaction partners for the week, as tie ids (-1: none).

    Choices are made from the weights at the start of the process (a
    synchronous update), so people can be handled in parallel.
    """
    n = T.deg.size
    cap = T.adj.shape[1]
    chosen = np.full((n, interactions), -1, dtype=np.int32)
    # exp(-|s_i - s_j|/scale) = up[i]·down[j] if s_j ≥ s_i, else down[i]·up[j]:
    # two exps per person instead of one per tie.
    # (stage_scale ≥ 0.01 keeps both within float range; scalar loop, no SIMD exp)
    up = np.empty(n)
    down = np.empty(n)
    for i in range(n):
        up[i] = np.exp(stage[i] / stage_scale)
        down[i] = 1.0 / up[i]
    chunk = 256
    for c in prange((n + chunk - 1) // chunk):
        cum = np.empty(cap)
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            _choose_one(T, i, cum, chosen, stage, up, down, aim, interactions, aim_bonus,
                        step, seed, pid)
    return chosen


@njit(cache=True)
def _choose_one(T, i, cum, chosen, stage, up, down, aim, interactions, aim_bonus, step,
                seed, pid):
    d = T.deg[i]
    if d > 0 and interactions > 0:
        total = 0.0
        si = stage[i]
        for s in range(d):
            j = T.nbr[i, s]
            a = up[i] * down[j] if stage[j] >= si else down[i] * up[j]
            if aim[i] == aim[j]:
                a *= aim_bonus
            total += T.w[T.adj[i, s]] * a
            cum[s] = total
        k = rng.key(seed, rng.MAINTENANCE, step, pid[i])
        for r in range(interactions):
            s = np.searchsorted(cum[:d], rng.uniform(k, r) * total, side="right")
            chosen[i, r] = T.adj[i, min(s, d - 1)]


@njit(cache=True)
def attend(w, peak, last, chosen, alpha: float, step: int) -> int:
    """Reinforce the chosen ties, person by person; returns the interactions made."""
    made = 0
    for i in range(chosen.shape[0]):
        for r in range(chosen.shape[1]):
            tid = chosen[i, r]
            if tid >= 0:
                reinforce(w, peak, last, tid, step, alpha)
                made += 1
    return made


@njit(cache=True)
def decay(T, rate: float, drop_below: float, step: int) -> int:
    """Decay every tie once; kill those below the threshold. Returns ties dropped."""
    keep = 1.0 - rate
    dropped = 0
    for tid in range(T.a.size):  # one linear pass over the pool
        if is_alive(T.a, T.death, tid):
            w = T.w[tid] * keep
            T.w[tid] = w
            if w < drop_below:
                kill_tie(T, tid, step, DECAYED)
                dropped += 1
    return dropped


class Maintenance(Process):
    name = "maintenance"
    params: Params

    def step(self, world) -> dict[str, float]:
        q, p = self.params, world.people
        T = world.ties.arrays()
        chosen = choose(T, p.stage, p.aim, q.interactions, q.stage_scale, q.aim_bonus,
                        world.step, world.seed, p.pid)
        made = attend(T.w, T.peak, T.last, chosen, q.alpha, world.step)
        dropped = decay(T, q.decay, q.drop_below, world.step)
        return {"interactions": made, "ties_decayed": dropped}
