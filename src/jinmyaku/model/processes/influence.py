"""10. Influence: stage moves toward the weighted mean of one's K closest ties.

stage_i ← stage_i + rate · (Σ_top-K s_ij·stage_j / Σ_top-K s_ij − stage_i),
s_ij the tie's strength (discounted contacts),
computed for everyone from the stages at the start of this process
(synchronous update; they include this week's growth from action). Ties of
equal strength are ranked by their slot order.

Plain reference: :func:`jinmyaku.model.reference.closest.influence`.
"""

from __future__ import annotations

import numpy as np

from jinmyaku.model.closest import mean_stage
from jinmyaku.model.processes.base import Process
from jinmyaku.model.scenario import Influence as Params


class Influence(Process):
    name = "influence"
    params: Params

    def step(self, world) -> dict[str, float]:
        q, p = self.params, world.people
        r = world.ties.closest(q.k)
        target = mean_stage(r.weight, r.other, r.m, p.stage, world.ties.fading)
        has = ~np.isnan(target)
        p.stage[has] += q.rate * (target[has] - p.stage[has])
        return {}
