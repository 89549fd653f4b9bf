"""10. Influence: stage moves toward the weighted mean of one's K closest ties.

stage_i ← stage_i + rate · (Σ_top-K w_ij·stage_j / Σ_top-K w_ij − stage_i),
computed for everyone from the stages at the start of this process
(synchronous update; they include this week's growth from action). Ties of
equal weight are ranked by their slot order.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..scenario import Influence as Params
from .base import Process


@njit(cache=True, parallel=True)
def top_k_mean(T, stage, k: int):
    """Weighted mean stage of each person's k strongest ties (NaN without ties)."""
    n = T.deg.size
    out = np.full(n, np.nan)
    for i in prange(n):
        best_w = np.empty(k)
        best_j = np.empty(k, dtype=np.int64)
        d = T.deg[i]
        if d == 0:
            continue
        m = 0
        for s in range(d):
            tid = T.adj[i, s]
            w = T.w[tid]
            if m < k:
                pos = m
                m += 1
            elif w > best_w[m - 1]:
                pos = m - 1
            else:
                continue
            while pos > 0 and best_w[pos - 1] < w:
                best_w[pos] = best_w[pos - 1]
                best_j[pos] = best_j[pos - 1]
                pos -= 1
            best_w[pos] = w
            best_j[pos] = T.nbr[i, s]
        num = 0.0
        den = 0.0
        for x in range(m):
            num += best_w[x] * stage[best_j[x]]
            den += best_w[x]
        out[i] = num / den
    return out


class Influence(Process):
    name = "influence"
    params: Params

    def step(self, world) -> dict[str, float]:
        q, p = self.params, world.people
        target = top_k_mean(world.ties.arrays(), p.stage, q.k)
        has = ~np.isnan(target)
        p.stage[has] += q.rate * (target[has] - p.stage[has])
        return {}
