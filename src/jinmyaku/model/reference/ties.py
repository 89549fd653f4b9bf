"""The tie rules of docs/model.md §4, plainly, for the other reference modules.

What a tie holds lives in both ends' adjacency rows (``T.ws[a, sa]`` and
``T.ws[b, sb]``): in a fading store its key, ``ln c(t_last) + t_last/τ``
(:mod:`jinmyaku.model.contacts`), in a plain one its weight. These helpers
write both copies, as the tuned :func:`jinmyaku.model.ties.contact` does.
Making and ending ties (the capacity rule, the graveyard) is the store's bookkeeping:
:func:`jinmyaku.model.ties.create_tie` and :func:`jinmyaku.model.ties.kill_tie`,
used as they are.
"""

from __future__ import annotations

import math

import numpy as np


def weight(T, tid: int) -> float:
    """What the rows hold for living tie ``tid``: its key (fading store) or its weight
    (kumpula: ≥ w0, unbounded)."""
    return float(T.ws[T.a[tid], T.sa[tid]])


def set_weight(T, tid: int, x: float) -> None:
    """Give living tie ``tid`` weight ``x`` at both ends."""
    T.ws[T.a[tid], T.sa[tid]] = x
    T.ws[T.b[tid], T.sb[tid]] = x


def strength(T, tid: int, step: int) -> float:
    """Living tie ``tid``'s discounted contacts at ``step``: Σ_k exp(−(step − t_k)/τ)."""
    return math.exp(weight(T, tid) - step / T.fade[0])


def contact(T, tid: int, step: int) -> None:
    """One contact over tie ``tid`` at ``step``: its discounted contacts grow by one,
    c ← c + 1 (so the key becomes ln(c + 1) + step/τ); the peak and the week of the
    last contact follow."""
    c = strength(T, tid, step) + 1.0
    set_weight(T, tid, math.log(c) + step / T.fade[0])
    T.peak[tid] = max(T.peak[tid], c)
    T.last[tid] = step
    T.contacts[tid] += 1


def other_end(T, tid: int, i: int) -> int:
    """The slot at the other end of tie ``tid`` from person ``i``."""
    return int(T.b[tid] if T.a[tid] == i else T.a[tid])


def living_ties(T) -> np.ndarray:
    """Ids of the living tie records, ascending (not free, not in the graveyard)."""
    return np.flatnonzero((T.a >= 0) & (T.death < 0))


def faded(T, step: int) -> list[int]:
    """The uids of the living ties whose strength at ``step`` is below ``end_below``
    (``T.fade[1]`` = its log), ascending: the ties a fading store ends that week."""
    end = math.exp(T.fade[1])
    return sorted(int(T.uid[t]) for t in living_ties(T) if strength(T, int(t), step) < end)
