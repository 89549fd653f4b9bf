"""One Morris pipeline for the sweep and the claims experiment (studies/sweep/design, analysis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jinmyaku.studies.claims import experiment as ex
from jinmyaku.studies.sweep import analysis
from jinmyaku.studies.sweep import design as sweep_design


def test_claims_points_are_the_sweep_design_rounded():
    d = ex.design_with(ex.FULL, seed=3, sens_trajectories=3, sens_method="morris",
                       sens_deciding=0)
    X, points = ex.morris_points(d)
    problem = ex.morris_problem(d)
    nominal = sweep_design.morris_sample(problem, 3, ex.SENS_LEVELS, 3)
    assert X.shape == nominal.shape == (3 * (len(problem["names"]) + 1), len(problem["names"]))
    ints = ["processes.meetups.catchment", "processes.maintenance.interactions"]
    cols = [problem["names"].index(name) for name in ints]
    assert np.array_equal(X[:, cols], np.floor(nominal[:, cols] + 0.5))
    others = [j for j in range(X.shape[1]) if j not in cols]
    assert np.array_equal(X[:, others], nominal[:, others])
    assert all(isinstance(p[name], int) for p in points for name in ints)


@given(st.lists(st.floats(-10, 10, allow_nan=False), min_size=1, max_size=20))
def test_values_run_round_halves_up_and_stay_in_bounds(xs):
    x = np.array(xs)[:, None].repeat(2, axis=1)
    vals = sweep_design.values_run(x, [(-5, 5), (-5.0, 5.0)], [True, False])
    for v, (i, f) in zip(xs, vals, strict=True):
        assert isinstance(i, int) and -5 <= i <= 5 and isinstance(f, float)
        assert i == min(max(int(np.floor(v + 0.5)), -5), 5)
        assert f == min(max(v, -5.0), 5.0)


def test_morris_indices_on_a_linear_model():
    # y = 3 x0 + 0 x1: mu* is 3 × the range of x0 per unit range, 0 for x1; sigma 0
    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 2.0], [0.0, 1.0]]}
    x = sweep_design.morris_sample(problem, 6, 4, seed=5)
    t = analysis.morris(problem, x, 3 * x[:, 0], 4, seed=5).set_index(["index", "parameter"])
    assert t.loc[("mu_star", "a"), "value"] == pytest.approx(6.0)
    assert t.loc[("mu_star", "b"), "value"] == pytest.approx(0.0)
    assert t.loc[("sigma", "a"), "value"] == pytest.approx(0.0, abs=1e-12)
