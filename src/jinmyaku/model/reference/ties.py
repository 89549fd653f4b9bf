"""The weight rules of docs/model.md §2.2, plainly, for the other reference modules.

A tie's weight lives in both ends' adjacency rows (``T.ws[a, sa]`` and
``T.ws[b, sb]``); these helpers write both copies, as the tuned
:func:`jinmyaku.model.ties.reinforce` does. Making and ending ties (the
capacity rule, the graveyard) is the store's bookkeeping:
:func:`jinmyaku.model.ties.create_tie` and :func:`jinmyaku.model.ties.kill_tie`,
used as they are.
"""

from __future__ import annotations

import numpy as np


def weight(T, tid: int) -> float:
    """The weight of living tie ``tid``, in (0, 1] (kumpula: ≥ w0, unbounded)."""
    return float(T.ws[T.a[tid], T.sa[tid]])


def set_weight(T, tid: int, x: float) -> None:
    """Give living tie ``tid`` weight ``x`` at both ends."""
    T.ws[T.a[tid], T.sa[tid]] = x
    T.ws[T.b[tid], T.sb[tid]] = x


def reinforce(T, tid: int, step: int, alpha: float) -> None:
    """One interaction over tie ``tid``: w ← w + alpha·(1 − w) (alpha in [0, 1]);
    the peak and the week of last interaction follow."""
    w = weight(T, tid)
    x = w + alpha * (1.0 - w)
    set_weight(T, tid, x)
    T.peak[tid] = max(T.peak[tid], x)
    T.last[tid] = step


def other_end(T, tid: int, i: int) -> int:
    """The slot at the other end of tie ``tid`` from person ``i``."""
    return int(T.b[tid] if T.a[tid] == i else T.a[tid])


def living_ties(T) -> np.ndarray:
    """Ids of the living tie records, ascending (not free, not in the graveyard)."""
    return np.flatnonzero((T.a >= 0) & (T.death < 0))
