"""The counter-based draws of :mod:`jinmyaku.model.rng` in plain Python (docs/model.md §7.12).

A draw is a pure function of (seed, stream, week, person, counter): the
SplitMix64 finaliser applied to the inputs, in 64-bit unsigned arithmetic
(Python integers masked to 64 bits here). The same numbers as the engine's
Numba functions (``tests/test_reference.py`` checks them).
"""

from __future__ import annotations

import math

import numpy as np

from jinmyaku.model.rng import BONDS, LOCAL_SEARCH, MAINTENANCE, WORLD  # the streams' numbers

__all__ = ["BONDS", "LOCAL_SEARCH", "MAINTENANCE", "WORLD", "below", "key", "mix64",
           "permutation", "poisson", "uniform"]

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB


def mix64(z: int) -> int:
    """SplitMix64 finaliser of a 64-bit unsigned integer."""
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    return z ^ (z >> 31)


def key(seed: int, stream: int, step: int, person: int) -> int:
    """The key of one person's draws for one purpose (``rng.MAINTENANCE`` …) in one week."""
    seed, stream, step, person = int(seed), int(stream), int(step), int(person)
    h = mix64((seed + _GOLDEN) & _MASK)
    h = mix64(h ^ ((stream * _GOLDEN) & _MASK))
    h = mix64(h ^ (((step + 1) * _M1) & _MASK))
    return mix64(h ^ (((person + 1) * _M2) & _MASK))


def uniform(k: int, n: int) -> float:
    """The n-th uniform draw in [0, 1) under key ``k``: U(n) in docs/model.md."""
    return float(mix64((k + (n + 1) * _GOLDEN) & _MASK) >> 11) * (1.0 / 9007199254740992.0)


def below(k: int, n: int, m: int) -> int:
    """The n-th uniform integer draw in [0, m) under key ``k`` (m ≥ 1)."""
    return min(int(uniform(k, n) * m), m - 1)


def _poisson_inverse(u: float, lam: float) -> int:
    """The smallest x with P(X ≤ x) ≥ u for X ~ Poisson(lam): inversion, term by term."""
    p = c = math.exp(-lam)
    x = 0
    while u > c and x < 10_000:
        x += 1
        p *= lam / x
        c += p
    return x


def poisson(k: int, n: int, lam: float) -> int:
    """A Poisson(lam) draw, the n-th of key ``k``: inversion of U(n) for lam ≤ 20; above,
    the sum of ceil(lam/20) inversions of Poisson(lam/parts), drawn under a sub-key of
    (k, n) (a sum of independent Poissons is Poisson)."""
    if lam <= 20.0:
        return _poisson_inverse(uniform(k, n), lam)
    parts = math.ceil(lam / 20.0)
    sub = mix64(k ^ mix64(((n + 1) * _M1) & _MASK))
    return sum(_poisson_inverse(uniform(sub, x), lam / parts) for x in range(parts))


def permutation(seed: int, stream: int, step: int, n: int) -> np.ndarray:
    """A random order of 0..n-1 for one purpose and week (Fisher–Yates on the WORLD key)."""
    order = np.arange(n)
    k = key(seed, stream, step, WORLD)
    for x in range(n - 1, 0, -1):
        y = below(k, x, x + 1)
        order[x], order[y] = order[y], order[x]
    return order
