"""95% intervals: the one place where jinmyaku turns numbers into an estimate and its interval.

Every function is pure (no state, no random draws of its own) and returns an
:class:`Interval` ``(value, lo, hi)``, a named tuple, so ``value, lo, hi =
...`` and ``*interval`` work. The interval is in the units of ``value``.
Undefined parts are NaN, never an exception: no data gives ``(nan, nan,
nan)``; an estimate without an interval (one value) gives ``(value, nan,
nan)``.

Which interval, where:

- :func:`normal_mean` — mean ± z·SE (per-person values in a run summary,
  validation means over egos);
- :func:`t_mean` — mean ± t·SE (few replicate worlds, claims experiment);
- :func:`mean_difference` — difference of two independent means, ± z·√(SE₁² + SE₂²)
  (one strategy's cohort against another's in one run);
- :func:`paired_difference` — mean of paired differences ± z·SE of the differences
  (the same people in two runs that share their random numbers);
- :func:`poisson_rate` — exact (Garwood) interval of a Poisson rate;
- :func:`proportion_difference` — Wald interval of p1 − p2;
- :func:`spearman` — Spearman's ρ with a Fisher-z interval;
- :func:`percentile` — the percentile interval of bootstrap replicates.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

Z95 = 1.959963984540054
"""Two-sided 95% quantile of the standard normal, Φ⁻¹(0.975)."""


class Interval(NamedTuple):
    """An estimate and its 95% interval, in the estimate's units (NaN where undefined)."""

    value: float
    lo: float
    hi: float


NAN = Interval(np.nan, np.nan, np.nan)


def finite(values) -> np.ndarray:
    """The finite values of ``values`` as a 1-D float array (NaN and ±inf left out)."""
    v = np.asarray(values, dtype=float).ravel()
    return v[np.isfinite(v)]


def normal_mean(values) -> Interval:
    """Mean and normal 95% interval, mean ± 1.96·SE with SE = s/√n (s: sample SD, ddof 1).

    Over the finite values only. No finite value: all NaN; one: the mean with
    a NaN interval.
    """
    v = finite(values)
    if v.size == 0:
        return NAN
    mean = float(v.mean())
    if v.size < 2:
        return Interval(mean, np.nan, np.nan)
    se = float(v.std(ddof=1) / np.sqrt(v.size))
    return Interval(mean, mean - Z95 * se, mean + Z95 * se)


def t_mean(values) -> Interval:
    """Mean and Student-t 95% interval, mean ± t₀.₉₇₅,ₙ₋₁·s/√n, for a few replicates.

    Over the finite values only. No finite value: all NaN; one: the mean with
    a NaN interval.
    """
    v = finite(values)
    if v.size == 0:
        return NAN
    mean = float(v.mean())
    if v.size < 2:
        return Interval(mean, np.nan, np.nan)
    from scipy import stats  # here: scipy.stats takes ~0.4 s to import

    half = float(stats.t.ppf(0.975, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size))
    return Interval(mean, mean - half, mean + half)


def mean_difference(x, y) -> Interval:
    """mean(x) − mean(y) of two independent samples with the normal 95% interval.

    SE = √(s_x²/n_x + s_y²/n_y) (Welch's, with z rather than t: cohorts are tens
    to hundreds of people). Over the finite values of each. Either sample empty:
    all NaN; either with one value: the difference with a NaN interval.
    """
    a, b = finite(x), finite(y)
    if a.size == 0 or b.size == 0:
        return NAN
    d = float(a.mean() - b.mean())
    if a.size < 2 or b.size < 2:
        return Interval(d, np.nan, np.nan)
    se = math.sqrt(float(a.var(ddof=1)) / a.size + float(b.var(ddof=1)) / b.size)
    return Interval(d, d - Z95 * se, d + Z95 * se)


def paired_difference(x, y) -> Interval:
    """Mean of the paired differences x[i] − y[i] with the normal 95% interval.

    ``x`` and ``y`` are aligned (pair i is ``x[i]``, ``y[i]``); pairs where
    either value is not finite are left out. SE = s_d/√n, s_d the sample SD of
    the differences: when the two members of a pair share their luck (common
    random numbers) s_d is much smaller than the SD of either sample, and so is
    the interval. No pair: all NaN; one: the difference with a NaN interval.
    """
    a, b = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"paired samples differ in length ({a.size} and {b.size})")
    ok = np.isfinite(a) & np.isfinite(b)
    return normal_mean(a[ok] - b[ok])


def poisson_rate(k: float, exposure: float) -> Interval:
    """Rate k/exposure with the exact (Garwood 1936) 95% interval, per unit of exposure.

    ``k`` events in ``exposure`` (e.g. tie-weeks); bounds from the χ²
    quantiles χ²₀.₀₂₅(2k)/2 and χ²₀.₉₇₅(2k + 2)/2 over the exposure; the lower
    bound is 0 when k = 0. Exposure ≤ 0: all NaN.
    """
    if exposure <= 0:
        return NAN
    from scipy import stats

    lo = stats.chi2.ppf(0.025, 2 * k) / 2 if k > 0 else 0.0
    hi = stats.chi2.ppf(0.975, 2 * (k + 1)) / 2
    return Interval(k / exposure, lo / exposure, hi / exposure)


def proportion_difference(k1: int, n1: int, k2: int, n2: int) -> Interval:
    """Difference of two proportions k1/n1 − k2/n2 with the Wald 95% interval.

    SE = √(p1(1 − p1)/n1 + p2(1 − p2)/n2); the bounds are not clipped to
    [−1, 1], and the interval has zero width when both shares are 0 or 1.
    Either n = 0: all NaN.
    """
    if n1 == 0 or n2 == 0:
        return NAN
    p1, p2 = k1 / n1, k2 / n2
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    d = p1 - p2
    return Interval(d, d - Z95 * se, d + Z95 * se)


def spearman(x, y) -> Interval:
    """Spearman's ρ with a Fisher-z 95% interval (SE ≈ 1.03/√(n−3), Fieller et al. 1957).

    Over the pairs where both values are finite; ρ is clipped to ±0.999999
    before the z transform (so at ρ = ±1 the interval ends just short of ρ,
    within 1e-6). Fewer than 4 pairs, or ρ undefined (a constant
    variable): all NaN.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    n = int(ok.sum())
    if n < 4:
        return NAN
    from scipy import stats

    rho = float(stats.spearmanr(x[ok], y[ok]).statistic)
    if not np.isfinite(rho):
        return NAN
    z = np.arctanh(np.clip(rho, -0.999999, 0.999999))
    half = Z95 * 1.03 / np.sqrt(n - 3)
    return Interval(rho, float(np.tanh(z - half)), float(np.tanh(z + half)))


def percentile(replicates) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of bootstrap replicates (NumPy's linear rule).

    Returns ``(lo, hi)``; no replicates: ``(nan, nan)``. NaN replicates are
    not left out (they make the bounds NaN): leave them out before.
    """
    r = np.asarray(replicates, dtype=float)
    if r.size == 0:
        return np.nan, np.nan
    lo, hi = np.percentile(r, [2.5, 97.5])
    return float(lo), float(hi)
