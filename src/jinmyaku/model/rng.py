"""Counter-based random numbers for the engine's kernels.

Every draw is a pure function of ``(seed, stream, step, person, counter)``
hashed with the SplitMix64 finaliser. Nothing carries random state between
draws, so

* a draw does not depend on the order in which people are visited, nor on
  the number of threads or worker processes that visit them (kernels that
  change ties still visit people in a fixed order, so runs are reproducible);
* draws are tied to a person and a purpose (the *stream*), which gives common
  random numbers: two scenarios that differ in one policy see the same luck
  everywhere else.

Streams are small integer constants, one per purpose, listed below.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# One stream per purpose. Never reuse a number for a different purpose.
BUDGET = 1
INPUT = 2
ACTION = 3
MIXERS = 4
MEETUPS = 5
WORK = 6
MAINTENANCE = 7
INTRODUCTIONS = 8
OPPORTUNITIES = 9
INFLUENCE = 10
LIFE_EVENTS = 11
FOCI = 12
MIXER_EVENTS = 13
FOCUS_SESSIONS = 14
LOCAL_SEARCH = 15
GLOBAL_ATTACHMENT = 16
NODE_DELETION = 17
REDUNDANCY = 18  # opportunities: whether an offer is news to its recipient
BONDS = 19  # close bonds: their contacts and who makes a new bond
# World-level draws of a purpose (not of one person) use the key of person WORLD.
WORLD = -1

# Set-up and study purposes: NumPy generators (``generator(seed, PURPOSE)``) for work
# done once, not week by week. Numbers kept from before they were listed here, so
# that results stay as they were; never reuse one for a different purpose.
BUILD = 0                # drawing the people and their starting circles
SCHOOL_TIES = 101        # starting family/school ties (a kernel stream of the build)
WORKPLACE_TIES = 102     # starting workplace ties (likewise)
VALIDATION_RESAMPLE = 66  # validation: resampling for the influence check
CALIBRATION_DESIGN = 77   # calibration: the Latin hypercube of candidate parameters
SUMMARY_BOOTSTRAP = 4242  # a run's summary: bootstrap of shares by origin
SHOCK = 7331             # the claims experiment: who gets the stage shock
SWEEP_DESIGN = 0x5EED    # a sweep's random design (the spawn key of the spec seed's stream)
PERSONAL_PLAN = 8118     # the personal projection: where the person and their people are placed
PERSONAL_REPLICATE = 8119  # the personal projection: each replicate's seed
PATTERN_BASELINE = 1612   # the pattern suite (P12): untied pairs drawn in a week of tie formations

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@njit(cache=True, inline="always")
def mix64(z: np.uint64) -> np.uint64:
    """SplitMix64 finaliser: a bijective 64-bit hash."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def key(seed: int, stream: int, step: int, person: int) -> np.uint64:
    """The 64-bit key of one person's draws for one purpose in one week."""
    h = mix64(np.uint64(seed) + _GOLDEN)
    h = mix64(h ^ (np.uint64(stream) * _GOLDEN))
    h = mix64(h ^ (np.uint64(step + 1) * _M1))
    return mix64(h ^ (np.uint64(person + 1) * _M2))


@njit(cache=True, inline="always")
def uniform(k: np.uint64, n: int) -> float:
    """The n-th uniform draw in [0, 1) under key ``k``."""
    return float(mix64(k + np.uint64(n + 1) * _GOLDEN) >> _S11) * _INV53


@njit(cache=True, inline="always")
def below(k: np.uint64, n: int, m: int) -> int:
    """The n-th uniform integer draw in [0, m) under key ``k`` (m ≥ 1)."""
    return min(int(uniform(k, n) * m), m - 1)


@njit(cache=True)
def _poisson_small(u: float, lam: float) -> int:
    p = np.exp(-lam)
    c = p
    x = 0
    while u > c and x < 10_000:
        x += 1
        p *= lam / x
        c += p
    return x


@njit(cache=True)
def poisson(k: np.uint64, n: int, lam: float) -> int:
    """A Poisson(lam) draw, the n-th of key ``k``.

    Inversion for lam ≤ 20; above, the sum of ceil(lam / 20) independent
    inversions (a sum of Poissons is Poisson), with draws from a sub-key of
    (k, n) so no other draw of ``k`` is touched.
    """
    if lam <= 20.0:
        return _poisson_small(uniform(k, n), lam)
    parts = int(np.ceil(lam / 20.0))
    sub = mix64(k ^ mix64(np.uint64(n + 1) * _M1))
    total = 0
    for x in range(parts):
        total += _poisson_small(uniform(sub, x), lam / parts)
    return total


@njit(cache=True)
def permutation(seed: int, stream: int, step: int, n: int):
    """A random order of 0..n-1 for one purpose and week (Fisher–Yates on the WORLD key)."""
    order = np.arange(n)
    k = key(seed, stream, step, WORLD)
    for x in range(n - 1, 0, -1):
        y = below(k, x, x + 1)
        t = order[x]
        order[x] = order[y]
        order[y] = t
    return order


def generator(seed: int, *purpose: int) -> np.random.Generator:
    """A NumPy generator for set-up work (building the world), one per purpose."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *purpose])))


@njit(cache=True)
def uniforms(seed: int, stream: int, step: int, pids, n: int = 0):
    """Draw n (default 0) of each person's key, for a whole array of person ids."""
    out = np.empty(pids.size)
    for x in range(pids.size):
        out[x] = uniform(key(seed, stream, step, pids[x]), n)
    return out
