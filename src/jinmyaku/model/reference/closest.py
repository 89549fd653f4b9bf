"""Closest ties and influence, plainly (docs/model.md §2.2 *Closest ties*, §7.10).

Closest ties: a person's ties ranked by weight, strongest first, ties of
equal weight by their position in the person's row; the first k. Influence:
everyone's stage moves a share ``rate`` of the way to the weighted mean stage
of their k closest ties, all computed from the stages at the start of the
process; a person without ties keeps their stage.

Tuned kernels: :func:`jinmyaku.model.closest.rank` (insertion into the k
best, in parallel chunks, rows re-ranked only where needed by
``TieStore.closest``) and :func:`jinmyaku.model.closest.mean_stage`, used by
:mod:`jinmyaku.model.processes.influence` and the recorder.
``tests/test_reference.py`` and ``tests/test_ties.py`` check them against
these, exactly.
"""

from __future__ import annotations

import math

import numpy as np


def ranking(ws_row, nbr_row, d: int, k: int) -> tuple[list[float], list[int]]:
    """One row's k strongest ties: (weights, other ends), by weight descending, then slot."""
    order = sorted(range(d), key=lambda s: (-ws_row[s], s))[:k]
    return [float(ws_row[s]) for s in order], [int(nbr_row[s]) for s in order]


def closest_mean_stage(T, stage, k: int) -> np.ndarray:
    """Each person's weighted mean stage of their k closest ties (NaN without ties)."""
    n = T.deg.size
    out = np.full(n, np.nan)
    for i in range(n):
        w, j = ranking(T.ws[i], T.nbr[i], int(T.deg[i]), k)
        if w and T.fade[0] > 0.0:  # keys of a fading store: weighed as strengths
            w = [math.exp(x - w[0]) for x in w]  # libm exp, as the kernel
        if w:
            num = den = 0.0  # left to right, as the kernel adds (Python's sum() of
            for x in range(len(w)):  # floats is compensated, and can differ in the last bit)
                num += w[x] * stage[j[x]]
                den += w[x]
            out[i] = num / den
    return out


def influence(T, stage, k: int, rate: float) -> None:
    """stage_i ← stage_i + rate · (closest-k mean stage − stage_i), everyone at once
    (``rate`` in [0, 1]); changes ``stage`` in place."""
    target = closest_mean_stage(T, stage, k)
    has = ~np.isnan(target)
    stage[has] += rate * (target[has] - stage[has])
