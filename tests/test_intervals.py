"""The one interval module (analysis/intervals.py): values by hand, and properties (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from jinmyaku.analysis import intervals as I

finite_floats = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
samples = st.lists(finite_floats, min_size=2, max_size=50)


def test_normal_mean_by_hand():
    v = [1.0, 2.0, 3.0, np.nan, np.inf]
    mean, lo, hi = I.normal_mean(v)
    half = 1.959963984540054 * 1.0 / math.sqrt(3)
    assert mean == 2.0 and lo == pytest.approx(2.0 - half) and hi == pytest.approx(2.0 + half)


def test_t_mean_by_hand():
    mean, lo, hi = I.t_mean([1.0, 2.0, 3.0, np.nan])
    half = stats.t.ppf(0.975, 2) / math.sqrt(3)
    assert mean == 2.0 and (lo, hi) == pytest.approx((2.0 - half, 2.0 + half))


@pytest.mark.parametrize("f", [I.normal_mean, I.t_mean])
def test_means_without_enough_values(f):
    assert all(math.isnan(x) for x in f([]))
    assert all(math.isnan(x) for x in f([np.nan, np.inf]))
    mean, lo, hi = f([4.0, np.nan])
    assert mean == 4.0 and math.isnan(lo) and math.isnan(hi)


@settings(max_examples=200, deadline=None)
@given(samples)
def test_mean_intervals_contain_the_mean_and_t_is_wider(v):
    mean, lo, hi = I.normal_mean(v)
    tm, tlo, thi = I.t_mean(v)
    assert mean == tm == float(np.mean(v))
    assert lo <= mean <= hi and tlo <= tm <= thi
    assert hi - lo == pytest.approx(2 * (mean - lo), rel=1e-9, abs=1e-6)  # symmetric
    assert thi - tlo >= (hi - lo) * (1 - 1e-12)  # t quantile > z quantile for any df


@settings(max_examples=100, deadline=None)
@given(samples, st.floats(0.5, 100.0), finite_floats)
def test_mean_intervals_move_and_scale_with_the_data(v, scale, shift):
    v = np.asarray(v)
    m, lo, hi = I.normal_mean(v)
    m2, lo2, hi2 = I.normal_mean(v * scale + shift)
    assert m2 == pytest.approx(m * scale + shift, rel=1e-9, abs=1e-3)
    assert hi2 - lo2 == pytest.approx((hi - lo) * scale, rel=1e-6, abs=1e-3)


def test_poisson_rate_by_hand():
    rate, lo, hi = I.poisson_rate(10, 100)
    assert rate == pytest.approx(0.1)
    assert lo == pytest.approx(0.04795, abs=1e-4) and hi == pytest.approx(0.18391, abs=1e-4)
    rate, lo, hi = I.poisson_rate(0, 10)
    assert rate == 0.0 and lo == 0.0 and hi == pytest.approx(stats.chi2.ppf(0.975, 2) / 20)
    assert all(math.isnan(x) for x in I.poisson_rate(3, 0))


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 500), st.floats(0.1, 1e4))
def test_poisson_interval_brackets_the_rate_and_grows_with_k(k, exposure):
    rate, lo, hi = I.poisson_rate(k, exposure)
    assert 0.0 <= lo <= rate < hi
    _, lo1, hi1 = I.poisson_rate(k + 1, exposure)
    assert lo1 >= lo and hi1 > hi


def test_proportion_difference_by_hand():
    d, lo, hi = I.proportion_difference(30, 100, 10, 100)
    se = math.sqrt(0.3 * 0.7 / 100 + 0.1 * 0.9 / 100)
    assert d == pytest.approx(0.2) and (lo, hi) == pytest.approx((0.2 - 1.96 * se,
                                                                  0.2 + 1.96 * se), abs=1e-4)
    assert all(math.isnan(x) for x in I.proportion_difference(1, 0, 1, 5))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 200), st.integers(1, 200), st.data())
def test_proportion_difference_is_antisymmetric(n1, n2, data):
    k1, k2 = data.draw(st.integers(0, n1)), data.draw(st.integers(0, n2))
    d, lo, hi = I.proportion_difference(k1, n1, k2, n2)
    e, elo, ehi = I.proportion_difference(k2, n2, k1, n1)
    assert lo <= d <= hi
    assert e == pytest.approx(-d) and elo == pytest.approx(-hi) and ehi == pytest.approx(-lo)


@pytest.mark.filterwarnings("ignore::scipy.stats.ConstantInputWarning")
def test_spearman_by_hand_and_edge_cases():
    x = np.arange(10.0)
    rho, lo, hi = I.spearman(x, x ** 3)
    assert rho == pytest.approx(1.0) and lo < 1.0 and hi > 0.999
    assert all(math.isnan(v) for v in I.spearman([1, 2, 3], [1, 2, 3]))      # n < 4
    assert all(math.isnan(v) for v in I.spearman(x, np.ones(10)))          # constant
    rho, _, _ = I.spearman(np.append(x, np.nan), np.append(-x, 5.0))       # NaN pair left out
    assert rho == pytest.approx(-1.0)


@settings(max_examples=100, deadline=None)
@pytest.mark.filterwarnings("ignore::scipy.stats.ConstantInputWarning")
@given(st.lists(st.tuples(finite_floats, finite_floats), min_size=4, max_size=40))
def test_spearman_interval_lies_in_minus_one_one_around_rho(pairs):
    x, y = np.array(pairs).T
    rho, lo, hi = I.spearman(x, y)
    if math.isnan(rho):
        assert np.ptp(x) == 0 or np.ptp(y) == 0
        return
    # ρ is clipped to ±0.999999 before the z transform, so at |ρ| = 1 the far bound
    # stops just short of ρ
    assert -1.0 <= lo <= hi <= 1.0
    assert lo <= rho + 1e-6 and hi >= rho - 1e-6


def test_percentile_interval():
    assert I.percentile(np.arange(101.0)) == (2.5, 97.5)
    assert all(math.isnan(v) for v in I.percentile([]))


def test_intervals_are_tuples():
    iv = I.normal_mean([1.0, 2.0])
    assert isinstance(iv, tuple) and iv.value == iv[0] == 1.5 and len(iv) == 3
