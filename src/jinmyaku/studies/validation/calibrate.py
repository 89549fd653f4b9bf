"""Fit a few named parameters to an observed network by approximate Bayesian computation.

Method: rejection ABC with a local-linear regression adjustment (Beaumont,
Zhang & Balding 2002), written over NumPy.

1. ``draws`` parameter sets are drawn from the priors below with a Latin
   hypercube (``scipy.stats.qmc``, seeded); parameters with a log prior are
   drawn uniformly in log space.
2. For each set the scenario is run on a world the size of the observed
   network whose workplaces are the observed groups
   (:func:`observed.simulate_like`), draw i with seed ``seed + i``, so the
   spread of the fit includes the model's own randomness (with one seed for
   all draws the interval would ignore it and come out too narrow).
3. Summary statistics (:data:`SUMMARY`): log mean degree, average
   clustering, weight coefficient of variation, overlap–weight Spearman ρ,
   share of ties inside groups (when groups are given), each standardised
   over the draws (an observed value outside the range the draws reach is
   taken at the nearest end of that range), then projected on the parameters by a
   linear regression over all draws (semi-automatic ABC, Fearnhead & Prangle
   2012); the distance is Euclidean in that projection.
4. The ``accept`` share of draws closest to the observed statistics is kept,
   weighted by the Epanechnikov kernel of their distance, and adjusted by a
   weighted linear regression of the (transformed) parameters on the
   projected statistics: θ* = θ − (p − p_obs)·β. The fitted value is the weighted median
   of θ*, with a weighted 2.5–97.5% interval, clipped to the prior.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from jinmyaku._version import __version__
from jinmyaku.analysis import network as S
from jinmyaku.model import rng
from jinmyaku.model import scenario as scenario_mod
from jinmyaku.studies.validation import observed as O


@dataclass(frozen=True)
class Param:
    """A fitted parameter: key path, prior bounds, whether the prior is log-uniform."""

    name: str
    key: str
    lo: float
    hi: float
    log: bool
    meaning: str


PARAMS: dict[str, Param] = {
    "memory": Param("memory", "processes.ties.memory", 8.0, 260.0, True,
                    "tie memory τ: weeks over which a contact's weight falls by a factor e"),
    "focus_rate": Param("focus_rate", "processes.work.encounters", 0.5, 12.0, True,
                        "focus contact rate: encounters per week at one's group (workplace)"),
    "outside_mixing": Param("outside_mixing", "processes.action.base_attendance", 0.0, 0.6,
                            False, "mixing outside the groups: weekly chance of an activity-"
                            "focus session (foci cut across groups)"),
}
SUMMARY = ("degree_mean", "clustering", "weight_cv", "overlap_weight_rho", "inside_group_share")


def summary_vector(stats: dict[str, float], with_groups: bool) -> np.ndarray:
    """The statistics ABC compares (log of the mean degree)."""
    keys = SUMMARY if with_groups else SUMMARY[:-1]
    v = [np.log(max(stats[k], 1e-3)) if k == "degree_mean" else stats[k] for k in keys]
    return np.nan_to_num(np.array(v, dtype=float), nan=0.0)


def _to_unit(p: Param, x: np.ndarray) -> np.ndarray:
    if p.log:
        return (np.log(x) - np.log(p.lo)) / (np.log(p.hi) - np.log(p.lo))
    return (x - p.lo) / (p.hi - p.lo)


def _from_unit(p: Param, u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    if p.log:
        return np.exp(np.log(p.lo) + u * (np.log(p.hi) - np.log(p.lo)))
    return p.lo + u * (p.hi - p.lo)


def _wquantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cw, q * cw[-1])])


@dataclass
class Fit:
    """The outcome of :func:`calibrate`."""

    params: list[Param]
    estimate: dict[str, float]
    interval: dict[str, tuple[float, float]]
    theta: np.ndarray      # (draws, p) parameter values drawn
    stats: np.ndarray      # (draws, s) their summary statistics
    observed: np.ndarray   # (s,) observed summary statistics
    accepted: np.ndarray   # indices of accepted draws

    def overrides(self) -> list[str]:
        return [f"{p.key}={float(self.estimate[p.name])!r}" for p in self.params]


def abc(theta_unit: np.ndarray, stats: np.ndarray, observed: np.ndarray,
        accept: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rejection + regression-adjusted ABC on unit-scaled parameters.

    Distances are measured between *projected* statistics: a linear
    regression of the parameters on the scaled statistics over all draws
    (semi-automatic ABC, Fearnhead & Prangle 2012), so that a statistic that
    does not depend on the parameters (but differs from the observed one by
    chance) carries no weight. Returns (adjusted accepted parameters in
    [0, 1], their Epanechnikov weights, accepted indices).
    """
    mu, sd = stats.mean(axis=0), stats.std(axis=0)
    scale = np.where(sd > 0, sd, 1.0)
    Z = (stats - mu) / scale
    # An observed statistic the draws never reach is taken at the nearest value they reach.
    z_obs = np.clip((observed - mu) / scale, Z.min(axis=0), Z.max(axis=0))
    def design(z: np.ndarray) -> np.ndarray:  # linear and square terms if there are enough draws
        z = np.atleast_2d(z)
        cols = [np.ones(len(z)), *z.T]
        if len(Z) >= 4 * (2 * Z.shape[1] + 1):
            cols += list((z ** 2).T)
        return np.column_stack(cols)

    A = design(Z)
    B, *_ = np.linalg.lstsq(A, theta_unit, rcond=None)
    proj, proj_obs = A @ B, (design(z_obs) @ B)[0]
    d = np.sqrt(((proj - proj_obs) ** 2).sum(axis=1))
    n_acc = max(int(np.ceil(accept * len(d))), min(len(d), theta_unit.shape[1] + 3))
    idx = np.argsort(d, kind="stable")[:n_acc]
    h = d[idx].max() * 1.0001 if d[idx].max() > 0 else 1.0
    wt = 1.0 - (d[idx] / h) ** 2
    X = proj[idx] - proj_obs
    Ax = np.column_stack([np.ones(idx.size), X])
    sw = np.sqrt(wt)[:, None]
    beta, *_ = np.linalg.lstsq(Ax * sw, theta_unit[idx] * sw, rcond=None)
    adjusted = theta_unit[idx] - X @ beta[1:]
    return np.clip(adjusted, 0.0, 1.0), wt, idx


def calibrate(e: S.Edges, group: np.ndarray | None, sc: scenario_mod.Scenario,
              names: tuple[str, ...] = ("memory", "focus_rate", "outside_mixing"),
              draws: int = 60, accept: float = 0.25, seed: int = 1,
              progress: Callable[[int, int], None] | None = None) -> Fit:
    """Fit the named parameters (keys of :data:`PARAMS`) to the observed network ``e``."""
    params = [PARAMS[n] for n in names]
    with_groups = group is not None
    obs = summary_vector(S.structure(e, group), with_groups)
    unit = qmc.LatinHypercube(d=len(params),
                              seed=rng.generator(seed, rng.CALIBRATION_DESIGN)).random(draws)
    theta = np.column_stack([_from_unit(p, unit[:, i]) for i, p in enumerate(params)])
    sims = []
    for i in range(draws):
        sets = [f"{p.key}={float(theta[i, j])!r}" for j, p in enumerate(params)]
        se, sg = O.simulate_like(e, group, sc, sets, seed=seed + i)
        sims.append(summary_vector(S.structure(se, sg if with_groups else None), with_groups))
        if progress:
            progress(i + 1, draws)
    stats = np.array(sims)
    adj, wt, idx = abc(unit, stats, obs, accept)
    est, ci = {}, {}
    for j, p in enumerate(params):
        vals = _from_unit(p, adj[:, j])
        est[p.name] = _wquantile(vals, wt, 0.5)
        ci[p.name] = (_wquantile(vals, wt, 0.025), _wquantile(vals, wt, 0.975))
    return Fit(params, est, ci, theta, stats, obs, idx)


def fitted_scenario(sc: scenario_mod.Scenario, fit: Fit, people: int, source: str) -> str:
    """The fitted scenario as TOML, with a header naming the fit and its intervals."""
    fitted = O.sized_scenario(sc, people, fit.overrides())
    raw = fitted.model_dump(mode="json")
    raw["name"] = f"{sc.name}-fitted"
    raw["description"] = f"{sc.name} fitted to {source} by ABC (jinmyaku calibrate)"
    fitted = scenario_mod.Scenario.model_validate(raw)
    lines = [f"# jinmyaku {__version__}: scenario fitted by `jinmyaku calibrate` to {source}.",
             f"# Rejection ABC with regression adjustment; {len(fit.theta)} draws, "
             f"{len(fit.accepted)} accepted.",
             "# Fitted (weighted median, 95% interval):"]
    for p in fit.params:
        lo, hi = fit.interval[p.name]
        lines.append(f"#   {p.key} = {fit.estimate[p.name]:.4g}  [{lo:.4g}, {hi:.4g}]  "
                     f"prior {'log-' if p.log else ''}uniform [{p.lo:g}, {p.hi:g}]")
    return "\n".join(lines) + "\n" + fitted.to_toml()
