"""Kumpula et al. (2007), rule 3: node deletion (ND).

Every node, with chance ``p_d`` per step, loses all its ties (cause
``left``) and is replaced by a newcomer in the same slot: a new person id,
``joined`` = this step, outside the focal cohorts. Other attributes are kept
(the Kumpula processes do not read them). Deletions are independent of one
another, so the order of the sweep does not matter (ascending slot).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from jinmyaku.model import rng
from jinmyaku.model.processes import kumpula_kernels
from jinmyaku.model.processes.base import Process
from jinmyaku.model.scenario import Kumpula as Params
from jinmyaku.model.ties import kill_tie
from jinmyaku.model.vocabulary import LEFT
from jinmyaku.model.world import BACKGROUND


@njit(cache=True)
def delete(T, pid, joined, cohort, p_d: float, step: int, seed: int, next_pid: int):
    """One ND sweep; returns [nodes deleted, ties ended]. Draw 0 of i decides.

    It is the plain rule (one sequential loop in a fixed order, no prefetching, no
    threads), so it is its own reference (see ``jinmyaku.model.reference``).
    """
    counts = np.zeros(2, dtype=np.int64)
    for i in range(T.deg.size):
        if rng.uniform(rng.key(seed, rng.NODE_DELETION, step, pid[i]), 0) >= p_d:
            continue
        while T.deg[i] > 0:
            kill_tie(T, T.adj[i, T.deg[i] - 1], step, LEFT)
            counts[1] += 1
        pid[i] = next_pid + counts[0]
        joined[i] = step
        cohort[i] = BACKGROUND
        counts[0] += 1
    return counts


class NodeDeletion(Process):
    name = "node_deletion"
    params_group = "kumpula"
    params: Params

    def step(self, world) -> dict[str, float]:
        p = world.people
        rows = kumpula_kernels.rows_for(world.ties)  # local search's copy of the rows, if any
        before = rows.before(world.ties) if rows is not None else None
        c = delete(world.ties.arrays(), p.pid, p.joined, p.cohort, self.params.p_d, world.step,
                   world.seed, world.next_pid)
        if rows is not None:
            rows.patch(world.ties, before)
        world.next_pid += int(c[0])
        return {"nodes_deleted": int(c[0]), "ties_ended_by_deletion": int(c[1])}
