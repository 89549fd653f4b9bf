"""How long ties last: the Kaplan–Meier estimate on whole weeks."""

from __future__ import annotations

import numpy as np


def kaplan_meier(age: np.ndarray, ended: np.ndarray,
                 horizon: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Share of ties still alive at each age 0..``horizon`` (weeks), and the ties at risk.

    ``age``: each tie's age in whole weeks when it ended or when observation stopped;
    ``ended``: True where the tie ended (an event), False where it was censored
    (still alive at the end, or cut short by something else). Returns ``t``
    (0..horizon), ``s`` (``s[k]``: the share alive after age ``t[k]``) and
    ``at_risk`` (ties observed up to age ``t[k]``). A product-limit estimate with
    integer times, so it is two ``bincount`` passes and no sort.
    """
    age = np.asarray(age, dtype=np.int64)
    ended = np.asarray(ended, dtype=bool)
    if age.size and age.min() < 0:
        raise ValueError("a tie's age cannot be negative")
    age = np.minimum(age, horizon)
    n = horizon + 1
    deaths = np.bincount(age[ended], minlength=n)[:n]
    leaving = np.bincount(age, minlength=n)[:n]
    at_risk = np.cumsum(leaving[::-1])[::-1]  # ties whose age reached t
    with np.errstate(invalid="ignore", divide="ignore"):
        step = np.where(at_risk > 0, 1.0 - deaths / np.maximum(at_risk, 1), 1.0)
    return np.arange(n), np.cumprod(step), at_risk
