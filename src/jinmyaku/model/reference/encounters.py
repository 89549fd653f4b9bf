"""Group encounters, plainly: attendees strictly one after another (docs/model.md §7.0).

The rule, for each group (ascending id) of at least two attendees, and for
each attendee i in slot order, with i's key for the process's stream:

1. i has n = ⌊e_i⌋ + [U(0) < e_i − ⌊e_i⌋] encounters (stochastic rounding);
2. the faces i knows here are i's ties, at the start of i's turn, to
   co-attendees;
3. encounter e uses draws 1 + 4e … 4 + 4e: with chance ``seek_known`` (if i
   knows a face here) i meets a known face drawn uniformly; otherwise a
   co-attendee j drawn uniformly among the other S − 1. Meeting someone i is
   tied to is a contact over the tie (a *known* encounter); meeting a stranger
   makes a tie with chance ``new_tie``, which starts with that one contact
   (the capacity rule of §4 applies).

Tuned kernel: :func:`jinmyaku.model.encounters.group_encounters`, which plans
everyone's encounters in parallel from the ties at the start of the event and
then applies them in this order. Its one difference: a sought known face is one
known when the event began, not also one first met earlier at the same event.
With ``seek_known`` = 0 the two agree exactly; otherwise in distribution
(``tests/test_reference.py`` and ``tests/test_scheduling.py``, which compiles
this function with Numba to run whole years).

Written in the subset of Python that Numba compiles, for that test, so it
draws through the engine's :mod:`jinmyaku.model.rng` (the same numbers as
:mod:`jinmyaku.model.reference.rng`).
"""

from __future__ import annotations

import numpy as np

from jinmyaku.model import rng
from jinmyaku.model.ties import contact, create_tie, find_tie, first_key


def group_encounters(T, members, ptr, group_of, n_enc, seek_known: float, p_new: float,
                     origin: int, first_contacts: float, step: int, seed: int,
                     stream: int, pid) -> np.ndarray:
    """Run one week's encounters in every group; returns [encounters, known, new ties].

    ``members[ptr[g]:ptr[g+1]]`` are group g's attendees (ascending slot);
    ``group_of[i]``: i's group this week or −1; ``n_enc[i]``: expected
    encounters (≥ 0); ``seek_known``, ``p_new`` in [0, 1]; ``first_contacts``:
    a new tie's contacts (≥ 1).
    """
    counts = np.zeros(3, dtype=np.int64)
    key0 = first_key(T, first_contacts, step)
    for g in range(ptr.size - 1):
        attendees = members[ptr[g]:ptr[g + 1]]
        size = attendees.size
        if size < 2:
            continue
        for m in range(size):
            i = attendees[m]
            # np.uint64: called from Python, a key comes back as a Python int
            k = np.uint64(rng.key(seed, stream, step, pid[i]))
            n = int(n_enc[i])
            if rng.uniform(k, 0) < n_enc[i] - n:
                n += 1
            # the faces i knows here: i's ties, now, to people in this group
            known = np.array([T.adj[i, s] for s in range(T.deg[i])
                              if group_of[T.nbr[i, s]] == g], dtype=np.int64)
            c = 1
            for _ in range(n):
                tid = -1
                if known.size > 0 and rng.uniform(k, c) < seek_known:
                    tid = known[rng.below(k, c + 1, known.size)]
                    if T.death[tid] >= 0:  # displaced earlier in this turn
                        tid = -1
                if tid >= 0:
                    j = T.b[tid] if T.a[tid] == i else T.a[tid]
                else:
                    r = rng.below(k, c + 2, size - 1)
                    j = attendees[r + 1 if r >= m else r]  # anyone but i
                    tid = find_tie(T.nbr, T.adj, T.deg, i, j)
                counts[0] += 1
                if tid >= 0:
                    counts[1] += 1
                    contact(T, tid, step)
                elif rng.uniform(k, c + 3) < p_new:
                    if create_tie(T, i, j, step, origin, key0, pid) >= 0:
                        counts[2] += 1
                c += 4
    return counts

