"""Kumpula et al. (2007), rule 2: global attachment (GA).

Every node, in a random order drawn anew each step, with chance ``p_r`` — or
always if it has no ties at its turn — ties to a node drawn uniformly among
those it is not tied to yet (drawn uniformly among all others and drawn again
on a neighbour, up to 64 times). The new tie has weight ``w0`` and origin
``mixer`` (a stranger met by chance).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from jinmyaku.model import rng
from jinmyaku.model.processes import kumpula_kernels
from jinmyaku.model.processes.base import Process
from jinmyaku.model.scenario import Kumpula as Params
from jinmyaku.model.ties import create_tie, find_tie
from jinmyaku.model.vocabulary import MIXER

TRIES = 64


@njit(cache=True)
def attach(T, order, p_r: float, w0: float, step: int, seed: int, pid):
    """One GA sweep over ``order``; returns [attachments, refused].

    Draws of i (key (seed, GLOBAL_ATTACHMENT, step, pid_i)): 0 decides,
    1, 2, … pick the partner (one per try).

    It is the plain rule (one sequential loop in a fixed order, no prefetching, no
    threads), so it is its own reference (see ``jinmyaku.model.reference``).
    """
    counts = np.zeros(2, dtype=np.int64)
    n = T.deg.size
    for x in range(order.size):
        i = order[x]
        d = T.deg[i]
        if d >= n - 1:
            continue
        key = rng.key(seed, rng.GLOBAL_ATTACHMENT, step, pid[i])
        if d > 0 and rng.uniform(key, 0) >= p_r:
            continue
        for t in range(TRIES):
            j = rng.below(key, 1 + t, n - 1)
            if j >= i:
                j += 1
            if find_tie(T.nbr, T.adj, T.deg, i, j) < 0:
                if create_tie(T, i, j, step, MIXER, w0, pid) >= 0:
                    counts[0] += 1
                else:
                    counts[1] += 1  # an endpoint at max_ties whose weakest tie is ≥ w0
                break
    return counts


class GlobalAttachment(Process):
    name = "global_attachment"
    params_group = "kumpula"
    params: Params

    def max_new_ties(self, world) -> int:
        return world.people.n

    def step(self, world) -> dict[str, float]:
        q = self.params
        order = rng.permutation(world.seed, rng.GLOBAL_ATTACHMENT, world.step, world.people.n)
        rows = kumpula_kernels.rows_for(world.ties)  # local search's copy of the rows, if any
        before = rows.before(world.ties) if rows is not None else None
        c = attach(world.ties.arrays(), order, q.p_r, q.w0, world.step, world.seed,
                   world.people.pid)
        if rows is not None:
            rows.patch(world.ties, before)
        return {"global_attachments": int(c[0]), "attachments_refused": int(c[1])}
