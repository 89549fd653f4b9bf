"""Kumpula et al. (2007) local search, plainly (docs/model.md, *The kumpula2007 scenario*, rule 1).

The rule, for every node i with ties, in the step's random order
(``rng.permutation(seed, LOCAL_SEARCH, step, N)``), each search seeing the
weights and ties the searches before it left:

1. i picks a neighbour j with probability w_ij / s_i (s_i = Σ_j w_ij; draw 0)
   and w_ij grows by δ;
2. if j has neighbours other than i, j picks one, k, with probability
   w_jk / Σ_{k'≠i} w_jk' (draw 1) and w_jk grows by δ;
3. if i and k are tied, w_ik grows by δ; otherwise, with chance p_Δ (draw 2),
   a new tie i–k of weight w0 is made (origin ``referral``).

Tuned kernels: :mod:`jinmyaku.model.processes.kumpula_kernels` (packed rows,
strengths kept from step to step, the next pick made ahead, prefetching),
and :func:`jinmyaku.model.processes.local_search.search` (the plain Numba loop
run with ``LocalSearch.fast = False``, strengths kept through the sweep).
Here the sums are taken afresh at each pick: the same numbers wherever the
weights are binary fractions (w0 = 1, δ = 0.5: ``tests/test_reference.py``
compares one sweep exactly), else equal up to the last bit.
"""

from __future__ import annotations

import numpy as np

from jinmyaku.model.reference import rng
from jinmyaku.model.reference.ties import set_weight, weight
from jinmyaku.model.ties import create_tie, find_tie
from jinmyaku.model.vocabulary import REFERRAL


def grow(T, tid: int, delta: float, step: int) -> None:
    """w ← w + δ on tie ``tid`` (weights only grow, so the peak is the weight)."""
    x = weight(T, tid) + delta
    set_weight(T, tid, x)
    T.peak[tid] = x
    T.last[tid] = step


def pick(weights: list[float], u: float) -> int:
    """The index drawn with probability ∝ ``weights`` by inverting at ``u`` in [0, 1)."""
    target = u * sum(weights)
    acc = 0.0
    for x, w in enumerate(weights):
        acc += w
        if acc > target:
            return x
    return len(weights) - 1


def search(T, order, delta: float, p_delta: float, w0: float, step: int, seed: int,
           pid) -> np.ndarray:
    """One sweep over ``order``; returns [searches, triangles reinforced, closures, refused]."""
    counts = np.zeros(4, dtype=np.int64)
    for i in order:
        d = int(T.deg[i])
        if d == 0:
            continue
        counts[0] += 1
        key = rng.key(seed, rng.LOCAL_SEARCH, step, pid[i])
        sj = pick([T.ws[i, s] for s in range(d)], rng.uniform(key, 0))
        j, tij = int(T.nbr[i, sj]), int(T.adj[i, sj])
        grow(T, tij, delta, step)
        others = [s for s in range(T.deg[j]) if T.nbr[j, s] != i]
        if not others:
            continue
        sk = others[pick([T.ws[j, s] for s in others], rng.uniform(key, 1))]
        k = int(T.nbr[j, sk])
        grow(T, int(T.adj[j, sk]), delta, step)
        tik = find_tie(T.nbr, T.adj, T.deg, i, k)
        if tik >= 0:
            grow(T, tik, delta, step)
            counts[1] += 1
        elif rng.uniform(key, 2) < p_delta:
            if create_tie(T, i, k, step, REFERRAL, w0, pid) >= 0:
                counts[2] += 1
            else:
                counts[3] += 1  # an end at max_ties whose weakest tie is ≥ w0
    return counts


def week(world, params) -> dict[str, float]:
    """One local-search step of ``world`` with ``scenario.Kumpula`` parameters; the counts."""
    order = rng.permutation(world.seed, rng.LOCAL_SEARCH, world.step, world.people.n)
    c = search(world.ties.arrays(), order, params.delta, params.p_delta, params.w0, world.step,
               world.seed, world.people.pid)
    return {"local_searches": int(c[0]), "triangles_reinforced": int(c[1]),
            "closures": int(c[2]), "closures_refused": int(c[3])}
