"""Each person's closest ties: their k strongest, ranked, kept between the passes that use them.

Influence pulls a person's stage toward the weighted mean stage of their k
strongest ties, and the recorder reports, every week, the same mean over the
five strongest ("the five people closest to you"). Both rank every person's
ties by weight, ties of equal weight by slot order (:func:`rank`).

A ranking changes only where a weight changed or a tie was made or ended, so
the tie store keeps the last one (:meth:`jinmyaku.model.ties.TieStore.closest`):

* every row is ranked again once anyone has taken the tie arrays with leave
  to change weights since (``TieStore.arrays()``; a caller that only reads
  weights, or only makes and ends ties, says ``changes_weights=False``), or
  when a wider k is asked for (the kept ranking is as wide as the widest k
  asked for, at most the capacity, and a narrower k is its front);
* otherwise only the rows where a tie was made or ended since are ranked
  again (``TieStore.changed``, set by ``create_new_tie`` and ``kill_tie``).

Ranking a row again gives what ranking it afresh gives, so a kept ranking is
the fresh one: in the default week the recorder re-ranks only the rows that
life events touched after influence ranked them all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from jinmyaku.model.prefetch import prefetch

_CHUNK = 256  # rows per parallel task


@dataclass
class Ranking:
    """The k strongest ties of every person, strongest first.

    ``weight[i, :m[i]]`` and ``other[i, :m[i]]`` are person i's ``m[i]`` = min(k,
    degree) strongest ties' weights and the slots at their other ends (the
    arrays are at most k wide: narrower when k exceeds the store's capacity).
    """

    k: int
    weight: np.ndarray  # float64 (people, k)
    other: np.ndarray   # int32 (people, k), slot of the person at the other end
    m: np.ndarray       # int32 (people,), ties ranked (min(k, degree))
    version: int = -1   # the store's weights_version when every row was last ranked

    @classmethod
    def empty(cls, people: int, k: int) -> Ranking:
        return cls(k, np.zeros((people, k)), np.full((people, k), -1, dtype=np.int32),
                   np.zeros(people, dtype=np.int32))

    def front(self, k: int) -> Ranking:
        """The k strongest of this ranking (ranking the first k of a total order —
        weight descending, then slot — gives the front of ranking more). ``k``
        may exceed the width kept: a person never has more ties than that."""
        if k >= self.k:
            return Ranking(k, self.weight, self.other, self.m, self.version)
        return Ranking(k, self.weight[:, :k], self.other[:, :k], np.minimum(self.m, k),
                       self.version)


@njit(cache=True)
def _rank_row(ws, nbr, deg, i: int, k: int, best_w, best_j, m) -> None:
    """Rank row i: insertion into the k best, a later slot never passing an equal weight."""
    c = 0
    for s in range(deg[i]):
        w = ws[i, s]
        if c < k:
            pos = c
            c += 1
        elif w > best_w[i, c - 1]:
            pos = c - 1
        else:
            continue
        while pos > 0 and best_w[i, pos - 1] < w:
            best_w[i, pos] = best_w[i, pos - 1]
            best_j[i, pos] = best_j[i, pos - 1]
            pos -= 1
        best_w[i, pos] = w
        best_j[i, pos] = nbr[i, s]
    m[i] = c


@njit(cache=True, parallel=True)
def rank(ws, nbr, deg, changed, every_row: bool, k: int, best_w, best_j, m) -> None:
    """Rank every row (``every_row``) or the rows with ``changed`` set; clears those flags.

    ``best_w``, ``best_j`` (people, k) and ``m`` (people,) receive the ranking.
    Reference: :func:`jinmyaku.model.reference.closest.ranking`.
    """
    n = deg.size
    for c in prange((n + _CHUNK - 1) // _CHUNK):
        end = min(n, (c + 1) * _CHUNK)
        for i in range(c * _CHUNK, end):
            if every_row:
                if i + 1 < end:  # the next row's weights (a hint)
                    for s in range(0, deg[i + 1], 8):
                        prefetch(ws, i + 1, s)
            elif not changed[i]:
                continue
            _rank_row(ws, nbr, deg, i, k, best_w, best_j, m)
            changed[i] = False


@njit(cache=True, parallel=True)
def mean_stage(best_w, best_j, m, stage, keys=False):
    """Weighted mean stage of each person's ranked ties (NaN for a person without ties).

    ``keys``: the ranked values are keys of a fading store, weighed as strengths;
    within a row strengths are ``exp(key − key of the first)`` times one factor,
    which the mean cancels.
    Reference: :func:`jinmyaku.model.reference.closest.closest_mean_stage`.
    """
    n = m.size
    out = np.empty(n)
    for i in prange(n):
        if m[i] == 0:
            out[i] = np.nan
            continue
        num = 0.0
        den = 0.0
        for x in range(m[i]):
            w = np.exp(best_w[i, x] - best_w[i, 0]) if keys else best_w[i, x]
            num += w * stage[best_j[i, x]]
            den += w
        out[i] = num / den
    return out


@njit(cache=True, parallel=True)
def person_ids(best_j, m, pid, k: int):
    """(people, k) person ids of each person's ranked ties, strongest first; -1 pads."""
    n = m.size
    out = np.full((n, k), -1, dtype=np.int64)
    for i in prange(n):
        for x in range(m[i]):
            out[i, x] = pid[best_j[i, x]]
    return out
