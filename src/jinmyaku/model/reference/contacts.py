"""Contacts that fade (``jinmyaku.model.contacts``), plainly: strengths and ends
computed afresh for every tie, every week.

A tie's strength at week t is ``Σ_k exp(−(t − t_k)/tau)`` over its contacts at
weeks ``t_k ≤ t``; it ends at the first week its strength is below ``drop``.
Ties that end in the same week end in ascending uid order.
"""

from __future__ import annotations

import math


def strength(contact_weeks: list[float], week: int, tau: float) -> float:
    """Discounted contacts at ``week`` of a tie contacted at ``contact_weeks``."""
    return sum(math.exp(-(week - tk) / tau) for tk in contact_weeks)


def ends(ties: dict[int, list[float]], week: int, tau: float, drop: float) -> list[int]:
    """The uids of the ties in ``ties`` (uid → contact weeks) whose strength at
    ``week`` is below ``drop``, ascending."""
    return sorted(u for u, weeks in ties.items() if strength(weeks, week, tau) < drop)
