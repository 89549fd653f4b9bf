"""Kumpula et al. (2007), rule 1: weighted local search (LA) and triadic closure.

Every node i with ties, in a random order drawn anew each step (asynchronous
update: each search sees the weights and ties left by the searches before it),
chooses a neighbour j with probability w_ij / s_i (s_i: i's strength). The
weight w_ij grows by ``delta``. If j has other neighbours, j chooses one of
them, k ≠ i, with probability w_jk / (s_j − w_ij); w_jk grows by ``delta``;
if i and k are tied w_ik grows by ``delta``, else with chance ``p_delta`` a
new i–k tie of weight ``w0`` is made (origin ``referral``: met through a
common contact). Weights are raw (≥ w0, unbounded), as in the paper.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from jinmyaku.model import rng
from jinmyaku.model.choice import row_sum, slot_by_weight, slot_by_weight_except
from jinmyaku.model.processes import kumpula_kernels
from jinmyaku.model.processes.base import Process
from jinmyaku.model.scenario import Kumpula as Params
from jinmyaku.model.ties import NGRAVE, create_tie, find_tie, set_weight, weight
from jinmyaku.model.vocabulary import REFERRAL


@njit(cache=True, inline="always")
def _grow(T, tid: int, by: float, step: int) -> None:
    """Add ``by`` to the weight of tie ``tid`` (weights only grow, so peak = weight)."""
    x = weight(T, tid) + by
    set_weight(T, tid, x)
    T.peak[tid] = x
    T.last[tid] = step


@njit(cache=True)
def strengths(ws, deg):
    """s_i = Σ_j w_ij of every node (one pass over the adjacency rows)."""
    out = np.zeros(deg.size)
    for i in range(deg.size):
        out[i] = row_sum(ws, deg, i)
    return out


@njit(cache=True)
def search(T, order, delta: float, p_delta: float, w0: float, step: int, seed: int, pid):
    """One LA sweep over ``order``; returns [searches, triangles reinforced, closures, refused].

    Draws of i (key (seed, LOCAL_SEARCH, step, pid_i)): 0 picks j, 1 picks k,
    2 decides the closure. Strengths are computed once at the start of the
    sweep and kept up to date through it, so a pick scans a row only until
    the cumulative weight passes the target. A plain loop (``LocalSearch.fast = False``);
    the rule in plain Python, sums taken afresh: ``jinmyaku.model.reference.local_search``.
    """
    counts = np.zeros(4, dtype=np.int64)
    ws, adj, nbr, deg = T.ws, T.adj, T.nbr, T.deg
    st = strengths(ws, deg)
    for x in range(order.size):
        i = order[x]
        d = deg[i]
        if d == 0:
            continue
        counts[0] += 1
        key = rng.key(seed, rng.LOCAL_SEARCH, step, pid[i])
        # j ∝ w_ij
        sj = slot_by_weight(ws, i, d, rng.uniform(key, 0) * st[i])
        j = nbr[i, sj]
        tij = adj[i, sj]
        wij = ws[i, sj] + delta
        _grow(T, tij, delta, step)
        st[i] += delta
        st[j] += delta
        dj = deg[j]
        if dj < 2:
            continue
        # k ≠ i among j's neighbours, ∝ w_jk
        sk = slot_by_weight_except(ws, nbr, j, dj, rng.uniform(key, 1) * (st[j] - wij), i)
        k = nbr[j, sk]
        _grow(T, adj[j, sk], delta, step)
        st[j] += delta
        st[k] += delta
        tik = find_tie(nbr, adj, deg, i, k)
        if tik >= 0:
            _grow(T, tik, delta, step)
            st[i] += delta
            st[k] += delta
            counts[1] += 1
        elif rng.uniform(key, 2) < p_delta:
            g0 = T.counters[NGRAVE]
            if create_tie(T, i, k, step, REFERRAL, w0, pid) >= 0:
                if T.counters[NGRAVE] == g0:
                    st[i] += w0
                    st[k] += w0
                else:  # a full end dropped its weakest tie: sum the rows touched again
                    for g in range(g0, T.counters[NGRAVE]):
                        t = T.grave[g]
                        st[T.a[t]] = row_sum(ws, deg, T.a[t])
                        st[T.b[t]] = row_sum(ws, deg, T.b[t])
                    st[i] = row_sum(ws, deg, i)
                    st[k] = row_sum(ws, deg, k)
                counts[2] += 1
            else:
                counts[3] += 1  # an endpoint at max_ties whose weakest tie is ≥ w0
    return counts


class LocalSearch(Process):
    name = "local_search"
    params_group = "kumpula"
    params: Params
    # False: run the plain kernel above instead of the rows of kumpula_kernels (the same
    # results, slower; kept as the reference the fast kernel is tested against)
    fast = True

    def max_new_ties(self, world) -> int:
        return world.people.n  # at most one closure per node

    def step(self, world) -> dict[str, float]:
        q = self.params
        order = rng.permutation(world.seed, rng.LOCAL_SEARCH, world.step, world.people.n)
        if self.fast:
            rows = kumpula_kernels.rows_for(world.ties, create=True)
            c = rows.search(world.ties, order, q.delta, q.p_delta, q.w0, world.step,
                            world.seed, world.people.pid)
        else:
            kumpula_kernels.invalidate(world.ties)
            c = search(world.ties.arrays(), order, q.delta, q.p_delta, q.w0, world.step,
                       world.seed, world.people.pid)
        return {"local_searches": int(c[0]), "triangles_reinforced": int(c[1]),
                "closures": int(c[2]), "closures_refused": int(c[3])}
