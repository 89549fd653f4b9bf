"""Picking a tie in proportion to its weight: the one cumulative-sum walk of the kernels.

A row of the tie store (``ws[i, 0..deg[i]-1]``, see :mod:`jinmyaku.model.ties`)
holds person i's tie weights in slot order. To draw a slot s with
probability ``ws[i, s] / Σ ws[i, :]`` a kernel takes one uniform draw u,
sets ``target = u · Σ ws[i, :]`` (the sum in slot order, :func:`row_sum`, or
a strength kept up to date) and walks the row, adding weights in slot order
until the running sum first exceeds the target. The walk, the order of the
additions and the fallback (the last slot, when rounding leaves the target
at or above the sum) are fixed here, so every kernel that uses these
helpers draws the same slot from the same draw.

The helpers take the arrays, not the ``Ties`` tuple (a call with the tuple
costs a reference count per array), and are inlined into their callers.
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True, inline="always")
def row_sum(ws, deg, i: int) -> float:
    """s_i = Σ_s ws[i, s] over i's ``deg[i]`` slots, summed in slot order."""
    acc = 0.0
    for s in range(deg[i]):
        acc += ws[i, s]
    return acc


@njit(cache=True, inline="always")
def slot_by_weight(ws, i: int, d: int, target: float) -> int:
    """The first slot s < d of row i whose running weight sum exceeds ``target``.

    ``target = u · Σ_{s<d} ws[i, s]`` with u uniform in [0, 1) picks slot s
    with probability ``ws[i, s] / Σ``. The last slot (d − 1) if the sum
    never exceeds the target; d must be ≥ 1.
    """
    acc = 0.0
    for s in range(d):
        acc += ws[i, s]
        if acc > target:
            return s
    return d - 1


@njit(cache=True, inline="always")
def slot_by_weight_except(ws, nbr, i: int, d: int, target: float, skip: int) -> int:
    """:func:`slot_by_weight` over the slots of row i whose neighbour is not ``skip``.

    ``target = u · (Σ ws[i, :] − w_skip)`` picks each other slot with
    probability ``ws[i, s] / (Σ − w_skip)``. The last such slot if the sum
    never exceeds the target; −1 if there is none.
    """
    last = -1
    acc = 0.0
    for s in range(d):
        if nbr[i, s] != skip:
            last = s
            acc += ws[i, s]
            if acc > target:
                return s
    return last


# A fading store's rows hold keys (jinmyaku.model.contacts): a slot's strength is
# exp(key − t/τ). The helpers below read a row as strengths in either kind of store
# (``fade[0]`` = τ, 0 for a plain store whose rows hold weights); they draw exactly as
# :func:`row_sum` and :func:`slot_by_weight` do over those strengths.


@njit(cache=True, inline="always")
def slot_strength(ws, fade, i: int, s: int, step: int) -> float:
    """The strength of slot s of row i at ``step`` (contacts, or the weight)."""
    tau = fade[0]
    return math.exp(ws[i, s] - step / tau) if tau > 0.0 else ws[i, s]


@njit(cache=True, inline="always")
def row_strength(ws, fade, deg, i: int, step: int) -> float:
    """Σ_s strength of row i's slots at ``step``, summed in slot order."""
    acc = 0.0
    for s in range(deg[i]):
        acc += slot_strength(ws, fade, i, s, step)
    return acc


@njit(cache=True, inline="always")
def slot_by_strength(ws, fade, i: int, d: int, step: int, target: float) -> int:
    """:func:`slot_by_weight` over strengths: the first slot whose running strength
    exceeds ``target`` (= u · :func:`row_strength`); the last slot if none does."""
    acc = 0.0
    for s in range(d):
        acc += slot_strength(ws, fade, i, s, step)
        if acc > target:
            return s
    return d - 1
