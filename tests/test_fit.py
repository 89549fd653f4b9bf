"""The calibration's statistics and distance (studies.validation.fit): the statistics are
the suite's own (P1, P2, P5), and the distance is 0 exactly when every band is met."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_patterns import star_windows, status

from jinmyaku.studies.validation import fit
from jinmyaku.studies.validation import patterns as suite

IN_BANDS = {"L1": 5.0, "L2": 15.0, "L3": 50.0, "L4": 150.0, "ratio": 3.0, "cv": 2.0,
            "alpha": 1.5}


def test_statistics_are_the_suites_own_on_layered_counts():
    cw = star_windows()
    x = fit.statistics(cw)
    rows = suite.check_layers(cw) + suite.check_weight_spread(cw)
    assert [r.check for r in rows] == ["P1", "P2", "P5"]
    assert x["ratio"] == pytest.approx(rows[1].value)
    assert x["cv"] == pytest.approx(rows[2].value)
    # the suite passes these counts, and the distance agrees: every band met
    assert {status(rows, c) for c in ("P1", "P2", "P5")} == {"pass"}
    assert fit.distance(x) == 0.0


def test_distance_is_zero_inside_every_band_and_grows_outside():
    assert fit.distance(IN_BANDS) == 0.0
    edge = IN_BANDS | {"L4": 100.0, "ratio": 4.0, "cv": 1.5, "alpha": 2.5}
    assert fit.distance(edge) == pytest.approx(0.0, abs=1e-12)
    small = IN_BANDS | {"L4": 88.0}
    assert fit.distance(small) == pytest.approx(math.log(100 / 88) ** 2)
    worse = IN_BANDS | {"L4": 60.0, "cv": 1.0, "alpha": 4.6}
    assert fit.distance(worse) > fit.distance(small) > 0.0
    assert fit.distance(IN_BANDS | {"cv": math.nan}) == 100.0


def test_distance_fails_on_uniform_counts():
    """Counts built to fail P1/P5 (every alter alike) are far from the bands."""
    x = fit.statistics(star_windows(uniform=True))
    assert fit.distance(x) > 0.1


def test_overrides_round_integer_parameters():
    got = fit.overrides({"processes.maintenance.interactions": 7.6,
                         "processes.maintenance.preference": 1.25})
    assert got == ["processes.maintenance.interactions=8",
                   "processes.maintenance.preference=1.25"]
    assert set(fit.PRIOR) >= set(fit.INTEGER)
    assert all(lo < hi for lo, hi in fit.PRIOR.values())
    assert np.isfinite(list(fit.PRIOR.values())).all()


def test_the_defaults_are_the_fitted_set_with_the_least_distance():
    """The accepted sets ship as package data; the default scenario's values are the
    set with the least distance, to two significant figures (so docs, data and
    defaults cannot drift apart), and every accepted set lies inside the prior."""
    from importlib.resources import files

    import pandas as pd

    from jinmyaku.model.scenario import load
    from jinmyaku.studies.claims.assumptions import value_of

    table = pd.read_csv(files("jinmyaku.studies.validation") / "fitted" / "patterns.csv")
    assert list(table.columns) == [*fit.PRIOR, "weight", "distance"]
    assert table["weight"].sum() == pytest.approx(1.0, abs=1e-4)
    for key, (lo, hi) in fit.PRIOR.items():
        assert table[key].between(lo, hi).all(), key
    best = table.loc[table["distance"].idxmin()]
    sc = load("default")
    for key in fit.PRIOR:
        want = float(f"{best[key]:.2g}") if key not in fit.INTEGER else round(best[key])
        assert value_of(sc, key) == pytest.approx(want), (key, value_of(sc, key), best[key])
