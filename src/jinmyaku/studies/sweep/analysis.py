"""Analysis of a finished sweep: sensitivity indices and the common-random-numbers figure.

Works on plain arrays, apart from the simulator, so it can be checked on
functions whose answers are known (tests use the Ishigami function and a
linear model).

* Sobol' (SALib ``analyze.sobol``, first and total order): ``S1`` and ``ST``
  with the half-width of their 95% bootstrap interval (``conf``).
* Morris (SALib ``analyze.morris``): ``mu``, ``mu_star`` with its 95%
  half-width, ``sigma`` with a 95% half-width from a bootstrap over
  trajectories (same method as SALib uses for ``mu_star``).
* CRN: for every pair of design points, the variance over replicates of the
  paired difference of an outcome, against the sum of the two points'
  variances (what independent seeds would give for the variance of a
  difference of two runs). See :func:`crn_variance`.

Indices are computed on the mean over replicates of each design point.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from jinmyaku.analysis.intervals import Z95

RESAMPLES = 1000


def sobol(problem: dict, y: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """First and total order Sobol' indices of ``y`` (one value per Saltelli point).

    Returns rows ``parameter, index (S1 | ST), value, conf`` (conf: half-width
    of the 95% bootstrap interval).
    """
    from SALib.analyze import sobol as salib_sobol

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        si = salib_sobol.analyze(problem, np.asarray(y, dtype=float), calc_second_order=False,
                                 num_resamples=RESAMPLES, conf_level=0.95, seed=seed)
    rows = []
    for j, name in enumerate(problem["names"]):
        for index in ("S1", "ST"):
            rows.append({"parameter": name, "index": index, "value": float(si[index][j]),
                         "conf": float(si[f"{index}_conf"][j])})
    return pd.DataFrame(rows)


def elementary_effects(problem: dict, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(trajectories, D) elementary effects of Morris trajectories, per unit of the
    parameter's range (the scale SALib reports ``mu`` and ``mu_star`` on)."""
    d = problem["num_vars"]
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(y) // (d + 1)
    span = np.array([b - a for a, b in problem["bounds"]])
    ee = np.full((n, d), np.nan)
    for t in range(n):
        rows = slice(t * (d + 1), (t + 1) * (d + 1))
        dx = np.diff(x[rows], axis=0) / span
        dy = np.diff(y[rows])
        j = np.argmax(np.abs(dx), axis=1)
        step = dx[np.arange(d), j]
        ee[t, j] = dy / step
    return ee


def morris(problem: dict, x: np.ndarray, y: np.ndarray, levels: int,
           seed: int = 0) -> pd.DataFrame:
    """Morris screening measures of ``y`` on the nominal trajectories ``x``.

    Returns rows ``parameter, index (mu | mu_star | sigma), value, conf``;
    ``conf`` is the 95% half-width (NaN for ``mu``).
    """
    from SALib.analyze import morris as salib_morris

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        si = salib_morris.analyze(problem, x, y, num_resamples=RESAMPLES, conf_level=0.95,
                                  num_levels=levels, seed=seed)
    ee = elementary_effects(problem, x, y)
    rng = np.random.default_rng(seed)
    n = ee.shape[0]
    idx = rng.integers(0, n, size=(RESAMPLES, n))
    sigma_boot = ee[idx].std(axis=1, ddof=1) if n > 1 else np.full((1, ee.shape[1]), np.nan)
    sigma_conf = Z95 * sigma_boot.std(axis=0, ddof=1)
    rows = []
    for j, name in enumerate(problem["names"]):
        rows += [
            {"parameter": name, "index": "mu", "value": float(si["mu"][j]), "conf": np.nan},
            {"parameter": name, "index": "mu_star", "value": float(si["mu_star"][j]),
             "conf": float(si["mu_star_conf"][j])},
            {"parameter": name, "index": "sigma", "value": float(si["sigma"][j]),
             "conf": float(sigma_conf[j])},
        ]
    return pd.DataFrame(rows)


def crn_variance(y: np.ndarray) -> dict[str, float]:
    """How much common random numbers shrink the variance of differences between points.

    ``y``: (replicates, points), replicate r of every point run with the same
    seed under CRN. Over all pairs (i, j) of points with finite values,
    returns ``pairs``; ``var_paired`` = mean of Var_r(y_ri − y_rj) (variance of
    a difference as run); ``var_independent`` = mean of Var(y_i) + Var(y_j)
    (what the same difference would have with independent seeds); ``ratio`` =
    var_paired / var_independent (1 means no reduction; 0.2 means a difference
    is as precise as with 5× the replicates under independent seeds);
    ``reduction`` = 1 − ratio. NaN where fewer than 2 replicates or 2 points.
    """
    y = np.asarray(y, dtype=float)
    nan = {"pairs": 0, "var_paired": np.nan, "var_independent": np.nan, "ratio": np.nan,
           "reduction": np.nan}
    if y.ndim != 2 or y.shape[0] < 2:
        return nan
    y = y[:, np.isfinite(y).all(axis=0)]
    p = y.shape[1]
    if p < 2:
        return nan
    var = y.var(axis=0, ddof=1)
    total_var = y.sum(axis=1).var(ddof=1)  # = Σ_ij Cov(y_i, y_j)
    pairs = p * (p - 1) // 2
    sum_var = var.sum()
    sum_cov_pairs = (total_var - sum_var) / 2.0
    indep = (p - 1) * sum_var / pairs
    paired = ((p - 1) * sum_var - 2.0 * sum_cov_pairs) / pairs
    ratio = paired / indep if indep > 0 else np.nan
    return {"pairs": pairs, "var_paired": float(paired), "var_independent": float(indep),
            "ratio": float(ratio), "reduction": float(1.0 - ratio)}


def analyse(method: str, problem: dict, nominal: np.ndarray, runs: pd.DataFrame,
            outcomes: list[str], levels: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Indices and CRN figures of every outcome of a sweep.

    ``runs``: one row per run with ``point``, ``replicate`` and the outcome
    columns. Returns ``(indices, crn)``: ``indices`` in long form (``outcome,
    method, parameter, index, value, conf``; empty for grid and random designs,
    and leaving out outcomes that are not finite at every point or do not
    vary); ``crn`` one row per outcome (see :func:`crn_variance`).
    """
    n_points = len(nominal)
    rep = int(runs["replicate"].max()) + 1 if len(runs) else 0
    tables, crn_rows = [], []
    for name in outcomes:
        wide = runs.pivot(index="replicate", columns="point", values=name)
        wide = wide.reindex(index=range(rep), columns=range(n_points))
        y = wide.to_numpy(dtype=float)
        crn_rows.append({"outcome": name, **crn_variance(y)})
        if method not in ("sobol", "morris"):
            continue
        mean = y.mean(axis=0)
        if not np.isfinite(mean).all() or np.ptp(mean) == 0:
            continue
        if method == "sobol":
            t = sobol(problem, mean, seed=seed)
        else:
            t = morris(problem, nominal, mean, levels, seed=seed)
        t.insert(0, "method", method)
        t.insert(0, "outcome", name)
        tables.append(t)
    cols = ["outcome", "method", "parameter", "index", "value", "conf"]
    indices = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(
        {c: pd.Series(dtype=float if c in ("value", "conf") else object) for c in cols})
    crn = pd.DataFrame(crn_rows, columns=["outcome", "pairs", "var_paired", "var_independent",
                                          "ratio", "reduction"])
    return indices, crn
