"""The plain encounter kernel: attendees strictly one after another.

The engine's kernel (``jinmyaku.model.encounters``) plans everyone's encounters in
parallel from the ties at the start of the event and then applies them in
order; here each attendee's turn sees every tie made by the turns before it,
including when seeking a known face. Kept only to test that the two give the
same distributions (tests/test_scheduling.py).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from jinmyaku.model import rng
from jinmyaku.model.ties import create_tie, reinforce


@njit(cache=False)
def group_encounters(T, members, ptr, group_of, n_enc, seek_known: float, p_new: float,
                     origin: int, weight: float, alpha: float, step: int, seed: int,
                     stream: int, pid):
    """Run one week's encounters in every group.

    members[ptr[g]:ptr[g+1]] are the attendees of group g; ``group_of[i]`` is
    i's group this week or -1; ``n_enc[i]`` is i's expected encounters (a
    fraction is rounded stochastically). Returns counts
    ``[encounters, with_known_person, new_ties]``.
    """
    counts = np.zeros(3, dtype=np.int64)
    cap = T.adj.shape[1]
    known = np.empty(cap, dtype=np.int64)
    # tie_to[j]: id of the tie i–j during i's turn (-1: none) — an O(1) lookup
    # instead of scanning an adjacency row for every encounter
    tie_to = np.full(T.deg.size, -1, dtype=np.int64)
    touched = np.empty(cap + int(n_enc.max()) + 2, dtype=np.int64)
    for g in range(ptr.size - 1):
        lo = ptr[g]
        size = ptr[g + 1] - lo
        if size < 2:
            continue
        for m in range(size):
            i = members[lo + m]
            k = rng.key(seed, stream, step, pid[i])
            c = 0
            e = n_enc[i]
            n = int(e)
            if rng.uniform(k, c) < e - n:
                n += 1
            c += 1
            if n == 0:
                continue
            # i's ties at the start of the turn; co-attendees among them are "known"
            nk = 0
            nt = 0
            for s in range(T.deg[i]):
                o = T.nbr[i, s]
                tie_to[o] = T.adj[i, s]
                touched[nt] = o
                nt += 1
                if seek_known > 0.0 and group_of[o] == g:
                    known[nk] = T.adj[i, s]
                    nk += 1
            for _ in range(n):
                tid = -1
                if nk > 0 and rng.uniform(k, c) < seek_known:
                    tid = known[rng.below(k, c + 1, nk)]
                    if T.death[tid] >= 0:  # ended earlier in this turn (displaced)
                        tid = -1
                c += 2
                if tid >= 0:
                    j = T.b[tid] if T.a[tid] == i else T.a[tid]
                else:
                    r = rng.below(k, c, size - 1)
                    if r >= m:
                        r += 1
                    j = members[lo + r]
                    tid = tie_to[j]
                    if tid >= 0 and T.death[tid] >= 0:  # displaced earlier in this turn
                        tid = -1
                c += 1
                counts[0] += 1
                if tid >= 0:
                    counts[1] += 1
                    reinforce(T, tid, step, alpha)
                elif rng.uniform(k, c) < p_new:
                    new = create_tie(T, i, j, step, origin, weight, pid)
                    if new >= 0:
                        counts[2] += 1
                        tie_to[j] = new
                        touched[nt] = j
                        nt += 1
                c += 1
            for x in range(nt):
                tie_to[touched[x]] = -1
    return counts
