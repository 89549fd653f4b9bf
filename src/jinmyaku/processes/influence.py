"""10. Influence: stage moves toward the weighted mean of one's K closest ties.

stage_i ← stage_i + rate · (Σ_top-K w_ij·stage_j / Σ_top-K w_ij − stage_i),
computed for everyone from the stages at the start of this process
(synchronous update; they include this week's growth from action). Ties of
equal weight are ranked by their slot order.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..prefetch import prefetch
from ..scenario import Influence as Params
from .base import Process


@njit(cache=True)
def _top_k_one(T, i, stage, k, best_w, best_j) -> float:
    """Weighted mean stage of i's k strongest ties (NaN without ties)."""
    d = T.deg[i]
    if d == 0:
        return np.nan
    m = 0
    for s in range(d):
        w = T.ws[i, s]
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
    return num / den


@njit(cache=True, inline="always")
def _prefetch_row(ws, deg, i: int, end: int) -> None:
    """Prefetch person i's weights (the next row to rank), if i < end (a hint)."""
    if i < end:
        for s in range(0, deg[i], 8):
            prefetch(ws, i, s)


@njit(cache=True, parallel=True)
def top_k_mean(T, stage, k: int):
    """Weighted mean stage of each person's k strongest ties (NaN without ties).

    Ties of equal weight are ranked by slot order.
    """
    n = T.deg.size
    out = np.empty(n)
    chunk = 256
    for c in prange((n + chunk - 1) // chunk):
        best_w = np.empty(k)
        best_j = np.empty(k, dtype=np.int64)
        end = min(n, (c + 1) * chunk)
        for i in range(c * chunk, end):
            _prefetch_row(T.ws, T.deg, i + 1, end)
            out[i] = _top_k_one(T, i, stage, k, best_w, best_j)
    return out


@njit(cache=True, parallel=True)
def top_k_ids(T, pid, k: int):
    """(people, k) person ids of each person's k strongest ties, strongest first; -1 pads."""
    n = T.deg.size
    out = np.full((n, k), -1, dtype=np.int64)
    unused = np.zeros(n)  # _top_k_one also returns a mean; only its ranking is used here
    chunk = 256
    for c in prange((n + chunk - 1) // chunk):
        best_w = np.empty(k)
        best_j = np.empty(k, dtype=np.int64)
        end = min(n, (c + 1) * chunk)
        for i in range(c * chunk, end):
            _prefetch_row(T.ws, T.deg, i + 1, end)
            _top_k_one(T, i, unused, k, best_w, best_j)
            for x in range(min(k, T.deg[i])):
                out[i, x] = pid[best_j[x]]
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
