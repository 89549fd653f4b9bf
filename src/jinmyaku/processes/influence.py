"""10. Influence: stage moves toward the weighted mean of one's K closest ties.

stage_i ← stage_i + rate · (Σ_top-K w_ij·stage_j / Σ_top-K w_ij − stage_i),
computed for everyone from the stages at the start of this process
(synchronous update; they include this week's growth from action). Ties of
equal weight are ranked by their slot order.
"""

from __future__ import annotations

import numpy as np

from ..closest import Ranking, mean_stage, person_ids, rank
from ..scenario import Influence as Params
from .base import Process


def top_k_mean(T, stage, k: int) -> np.ndarray:
    """Weighted mean stage of each person's k strongest ties (NaN without ties), ranked
    afresh (ties of equal weight by slot order); the tie store keeps a ranking that the
    weekly passes use instead (``TieStore.closest``)."""
    r = _fresh(T, k)
    return mean_stage(r.weight, r.other, r.m, stage)


def top_k_ids(T, pid, k: int) -> np.ndarray:
    """(people, k) person ids of each person's k strongest ties, strongest first; -1 pads."""
    r = _fresh(T, k)
    return person_ids(r.other, r.m, pid, k)


def _fresh(T, k: int) -> Ranking:
    r = Ranking.empty(T.deg.size, k)
    rank(T.ws, T.nbr, T.deg, np.zeros(T.deg.size, dtype=np.bool_), True, k, r.weight,
         r.other, r.m)
    return r


class Influence(Process):
    name = "influence"
    params: Params

    def step(self, world) -> dict[str, float]:
        q, p = self.params, world.people
        r = world.ties.closest(q.k)
        target = mean_stage(r.weight, r.other, r.m, p.stage)
        has = ~np.isnan(target)
        p.stage[has] += q.rate * (target[has] - p.stage[has])
        return {}
