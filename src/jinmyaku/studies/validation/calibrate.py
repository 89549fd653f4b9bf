"""Fit a few named parameters to an observed network by approximate Bayesian computation.

Method: rejection ABC with a local-linear regression adjustment (Beaumont,
Zhang & Balding 2002), written over NumPy, repeated with several seeds.

1. ``draws`` parameter sets are drawn from the priors below with a Latin
   hypercube (``scipy.stats.qmc``, seeded); parameters with a log prior are
   drawn uniformly in log space.
2. For each set the scenario is run on a world the size of the observed
   network whose workplaces are the observed groups, held fixed for the whole
   run (:func:`observed.simulate_like`), each draw with its own seed, so the
   spread of the fit includes the model's own randomness (with one seed for
   all draws the interval would ignore it and come out too narrow).
3. Summary statistics (:data:`SUMMARY`): log mean degree, average
   clustering, weight coefficient of variation, overlap–weight Spearman ρ,
   share of ties inside groups (when groups are given), each standardised
   over the draws (an observed value outside the range the draws reach is
   taken at the nearest end of that range, and said: :func:`reach_warnings`),
   then projected on the parameters by a linear regression over all draws
   (semi-automatic ABC, Fearnhead & Prangle 2012); the distance is Euclidean
   in that projection.
4. The ``accept`` share of draws closest to the observed statistics is kept,
   weighted by the Epanechnikov kernel of their distance, and adjusted by a
   weighted linear regression of the (transformed) parameters on the
   projected statistics: θ* = θ − (p − p_obs)·β. A seed's fitted value is the
   weighted median of θ*, with a weighted 2.5–97.5% interval, clipped to the prior.

**Seeds.** Steps 1–4 are repeated ``seeds`` times, independently: replicate r
(0, 1, …) takes the (r + 1)-th Latin hypercube drawn from one engine on the
generator ``(seed, CALIBRATION_DESIGN)`` (replicate 0 the first, so one seed
gives the fit of earlier versions) and runs draw i with seed ``seed + r·draws +
i`` (no simulation seed is shared between replicates). The posteriors *agree*
(:func:`posteriors_agree`) when, for every parameter, each replicate's median
lies inside every other replicate's 95% interval.

**Pooled fit** (the one written): the adjusted accepted draws of all replicates
pooled, each replicate's kernel weights scaled to sum to one (every seed counts
the same), and the weighted median and 2.5–97.5% interval taken over the pool.
Pooling the draws rather than taking the median of the replicates' medians
keeps an interval, and one that widens when the seeds disagree (it covers the
spread between them as well as within them), while it stays a proper ABC
posterior sample: each replicate is an independent sample from the same
approximate posterior, and their mixture is one too.

**What the fit reached.** The fitted scenario is then simulated with seeds
``seed, seed + 1, …, seed + seeds − 1`` (as ``validate --against --scenario
FITTED --seed SEED --seeds SEEDS`` does) and its summary statistics, mean over
those runs, are set beside the observed ones with their relative errors.

**Warnings** (:attr:`Calibration.warnings`): an observed statistic outside the
range the prior's draws reach (:func:`reach_warnings`); a fitted value on the
edge of its prior, within :data:`EDGE` of the prior's range (on the prior's
scale) from a bound (:func:`edge_warnings`); posteriors that disagree across
seeds (:func:`agreement_warnings`).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

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
SUMMARY_LABELS = {"degree_mean": "mean degree", "clustering": "average clustering",
                  "weight_cv": "weight coefficient of variation",
                  "overlap_weight_rho": "overlap–weight Spearman ρ",
                  "inside_group_share": "share of ties inside groups"}
EDGE = 0.02  # a fitted median this near a prior bound (share of the prior range): on its edge
MAX_SEEDS = 20  # --seeds: at most this many replicates


def summary_keys(with_groups: bool) -> tuple[str, ...]:
    """The statistics compared: :data:`SUMMARY`, without the inside-group share if no groups."""
    return SUMMARY if with_groups else SUMMARY[:-1]


def summary_vector(stats: dict[str, float], with_groups: bool) -> np.ndarray:
    """The statistics ABC compares (log of the mean degree; an undefined one is 0)."""
    keys = summary_keys(with_groups)
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
    """One replicate (seed) of the ABC: its draws, what it accepted and its fit."""

    params: list[Param]
    estimate: dict[str, float]             # weighted median of the adjusted accepted draws
    interval: dict[str, tuple[float, float]]  # their weighted 2.5–97.5%
    theta: np.ndarray      # (draws, p) parameter values drawn
    stats: np.ndarray      # (draws, s) their summary statistics, as ABC compares them
    raw: np.ndarray        # (draws, s) the same statistics as measured (mean degree, not its log)
    observed: np.ndarray   # (s,) observed summary statistics, as ABC compares them
    accepted: np.ndarray   # indices of accepted draws
    adjusted: np.ndarray   # (accepted, p) their regression-adjusted values on the unit scale
    weights: np.ndarray    # (accepted,) their Epanechnikov weights
    replicate: int = 0     # r: the (r + 1)-th hypercube of the design engine
    sim_seeds: tuple[int, int] = (0, 0)  # first and last simulation seed of the draws

    def overrides(self) -> list[str]:
        return [f"{p.key}={float(self.estimate[p.name])!r}" for p in self.params]


@dataclass
class Calibration:
    """The outcome of :func:`calibrate`: one :class:`Fit` per seed, the pooled fit, what
    the fitted scenario reached, and the warnings."""

    params: list[Param]
    fits: list[Fit]
    estimate: dict[str, float]                  # pooled: weighted median
    interval: dict[str, tuple[float, float]]    # pooled: weighted 2.5–97.5%
    agree: dict[str, bool | None]               # per parameter; None with one seed
    keys: tuple[str, ...]                       # the summary statistics compared
    observed: dict[str, float]                  # their observed values (mean degree as is)
    drawn: dict[str, tuple[float, float]]       # the range all draws of all seeds reach
    reached: dict[str, tuple[float, float, float]]  # at the fit: mean, min, max over seeds
    reach_seeds: list[int] = field(default_factory=list)  # seeds of the runs at the fit
    warnings: list[str] = field(default_factory=list)

    @property
    def draws(self) -> int:
        """Draws of all seeds."""
        return sum(len(f.theta) for f in self.fits)

    @property
    def accepted(self) -> int:
        """Accepted draws of all seeds."""
        return sum(len(f.accepted) for f in self.fits)

    def overrides(self) -> list[str]:
        """The pooled fit as ``KEY=VALUE`` overrides."""
        return [f"{p.key}={float(self.estimate[p.name])!r}" for p in self.params]

    def relative_error(self, key: str) -> float:
        """(reached − observed) / |observed| for statistic ``key`` (NaN if undefined)."""
        return relative_error(self.reached[key][0], self.observed[key])


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


def design(k: int, draws: int, seed: int, replicate: int = 0) -> np.ndarray:
    """The Latin hypercube of replicate ``replicate`` (0, 1, …): (draws, k) points in
    [0, 1), the (replicate + 1)-th hypercube of ``draws`` points drawn from one engine on
    the generator (seed, CALIBRATION_DESIGN) — each a Latin hypercube of its own."""
    engine = qmc.LatinHypercube(d=k, seed=rng.generator(seed, rng.CALIBRATION_DESIGN))
    for _ in range(replicate):
        engine.random(draws)
    return engine.random(draws)


def simulation_seed(seed: int, replicate: int, draws: int, i: int) -> int:
    """The seed of draw ``i`` of replicate ``replicate``: ``seed + replicate·draws + i``."""
    return seed + replicate * draws + i


def draw_overrides(params: Sequence[Param], theta_row: np.ndarray) -> list[str]:
    """One draw's parameter values as ``KEY=VALUE`` overrides."""
    return [f"{p.key}={float(theta_row[j])!r}" for j, p in enumerate(params)]


def posteriors_agree(medians: Sequence[float],
                     intervals: Sequence[tuple[float, float]]) -> bool | None:
    """Whether the posteriors of one parameter agree across seeds: each seed's median
    lies inside every other seed's 95% interval (bounds included). None for fewer
    than two seeds (nothing to compare)."""
    if len(medians) != len(intervals):
        raise ValueError(f"{len(medians)} medians for {len(intervals)} intervals")
    if len(medians) < 2:
        return None
    return all(lo <= m <= hi
               for i, m in enumerate(medians)
               for j, (lo, hi) in enumerate(intervals) if i != j)


def relative_error(value: float, observed: float) -> float:
    """(value − observed) / |observed|; NaN when either is undefined or observed is 0."""
    if not (math.isfinite(value) and math.isfinite(observed)) or observed == 0:
        return math.nan
    return (value - observed) / abs(observed)


def reach_warnings(keys: Sequence[str], observed: dict[str, float],
                   drawn: dict[str, tuple[float, float]], draws: int) -> list[str]:
    """A warning for each observed statistic outside ``drawn[key]``, the range the
    prior's ``draws`` draws reach (an undefined observed value is not compared)."""
    out = []
    for k in keys:
        v, (lo, hi) = observed[k], drawn[k]
        if not math.isfinite(v) or not (math.isfinite(lo) and math.isfinite(hi)):
            continue
        if v < lo or v > hi:
            side = "above" if v > hi else "below"
            out.append(
                f"the observed {SUMMARY_LABELS[k]} ({v:.4g}) lies {side} what the prior's "
                f"{draws} draws reach ([{lo:.4g}, {hi:.4g}]): no parameter set tried "
                f"reproduces it, so the fit is taken at the nearest value reached; the model, "
                f"within these priors, cannot reach this statistic of the data.")
    return out


def edge_warnings(params: Sequence[Param], estimate: dict[str, float],
                  edge: float = EDGE) -> list[str]:
    """A warning for each fitted value within ``edge`` of its prior's range (on the
    prior's scale: log for a log prior) from a bound."""
    out = []
    for p in params:
        u = float(_to_unit(p, np.array([estimate[p.name]]))[0])
        if edge < u < 1 - edge:
            continue
        side, bound = ("lower", p.lo) if u <= edge else ("upper", p.hi)
        out.append(
            f"{p.name} = {estimate[p.name]:.4g} sits on the {side} edge of its prior "
            f"({'log-' if p.log else ''}uniform [{p.lo:g}, {p.hi:g}]; within {edge:.0%} of "
            f"its range from {bound:g}): the data ask for a value the prior does not allow, "
            f"or the model cannot reach the observed statistics by this parameter; read it "
            f"as a bound ('{'at most' if side == 'lower' else 'at least'} about this'), "
            f"not as an estimate.")
    return out


def agreement_warnings(params: Sequence[Param], agree: dict[str, bool | None],
                       seeds: int) -> list[str]:
    """A warning for each parameter whose posteriors disagree across seeds."""
    return [f"the {seeds} seeds' posteriors of {p.name} disagree (a seed's median lies "
            f"outside another seed's 95% interval): the fit depends on the seed; more "
            f"--draws shrink that, and the pooled interval covers the spread between seeds."
            for p in params if agree[p.name] is False]


def _fit_one(e: S.Edges, group: np.ndarray | None, sc: scenario_mod.Scenario,
             params: list[Param], obs: np.ndarray, draws: int, accept: float, seed: int,
             replicate: int, step: Callable[[], None]) -> Fit:
    """Steps 1–4 of the module docstring for one replicate."""
    with_groups = group is not None
    keys = summary_keys(with_groups)
    unit = design(len(params), draws, seed, replicate)
    theta = np.column_stack([_from_unit(p, unit[:, i]) for i, p in enumerate(params)])
    stats, raw = [], []
    for i in range(draws):
        se, sg = O.simulate_like(e, group, sc, draw_overrides(params, theta[i]),
                                 seed=simulation_seed(seed, replicate, draws, i))
        st = S.structure(se, sg if with_groups else None)
        stats.append(summary_vector(st, with_groups))
        raw.append([st[k] for k in keys])
        step()
    stats_a = np.array(stats)
    adj, wt, idx = abc(unit, stats_a, obs, accept)
    est, ci = {}, {}
    for j, p in enumerate(params):
        vals = _from_unit(p, adj[:, j])
        est[p.name] = _wquantile(vals, wt, 0.5)
        ci[p.name] = (_wquantile(vals, wt, 0.025), _wquantile(vals, wt, 0.975))
    first = simulation_seed(seed, replicate, draws, 0)
    return Fit(params, est, ci, theta, stats_a, np.array(raw, dtype=float), obs, idx, adj, wt,
               replicate, (first, first + draws - 1))


def calibrate(e: S.Edges, group: np.ndarray | None, sc: scenario_mod.Scenario,
              names: tuple[str, ...] = ("memory", "focus_rate", "outside_mixing"),
              draws: int = 60, accept: float = 0.25, seed: int = 1, seeds: int = 1,
              progress: Callable[[int, int], None] | None = None) -> Calibration:
    """Fit the named parameters (keys of :data:`PARAMS`) to the observed network ``e``.

    ``group``: the observed group of each node (−1: none), or None; ``draws``
    (≥ 1) simulations per seed; ``accept`` (0–1] the share of them kept; ``seed``
    the base seed; ``seeds`` (1–:data:`MAX_SEEDS`) independent replicates (see
    the module docstring). ``progress(done, total)`` counts simulations:
    ``seeds·(draws + 1)`` in all (the draws, then the fitted scenario once per seed).
    """
    if not 1 <= seeds <= MAX_SEEDS:
        raise ValueError(f"seeds must be 1..{MAX_SEEDS}, not {seeds}")
    params = [PARAMS[n] for n in names]
    with_groups = group is not None
    keys = summary_keys(with_groups)
    obs_st = S.structure(e, group)
    obs = summary_vector(obs_st, with_groups)
    total, done = seeds * (draws + 1), [0]

    def step() -> None:
        done[0] += 1
        if progress:
            progress(done[0], total)

    fits = [_fit_one(e, group, sc, params, obs, draws, accept, seed, r, step)
            for r in range(seeds)]
    est, ci, agree = {}, {}, {}
    for j, p in enumerate(params):
        vals = np.concatenate([_from_unit(p, f.adjusted[:, j]) for f in fits])
        wts = np.concatenate([f.weights / f.weights.sum() for f in fits])
        est[p.name] = _wquantile(vals, wts, 0.5)
        ci[p.name] = (_wquantile(vals, wts, 0.025), _wquantile(vals, wts, 0.975))
        agree[p.name] = posteriors_agree([f.estimate[p.name] for f in fits],
                                         [f.interval[p.name] for f in fits])
    raw = np.vstack([f.raw for f in fits])
    drawn = {}
    for c, k in enumerate(keys):
        col = raw[:, c][np.isfinite(raw[:, c])]
        drawn[k] = (float(col.min()), float(col.max())) if col.size else (math.nan, math.nan)
    observed = {k: float(obs_st[k]) for k in keys}
    cal = Calibration(params, fits, est, ci, agree, keys, observed, drawn, {})
    cal.reach_seeds = [seed + k for k in range(seeds)]
    at_fit = O.simulated_statistics(e, group, sc, cal.overrides(), seeds=cal.reach_seeds,
                                    progress=lambda *_: step())
    cal.reached = {k: O.seed_mean([s[k] for s in at_fit]) for k in keys}
    cal.warnings = (reach_warnings(keys, observed, drawn, len(raw))
                    + edge_warnings(params, est) + agreement_warnings(params, agree, seeds))
    return cal


def _comment(text: str, indent: str = "") -> list[str]:
    """``text`` as TOML comment lines of at most about 90 characters."""
    return [f"# {indent}{line}" for line in textwrap.wrap(text, 86 - len(indent))] or ["#"]


def fitted_scenario(sc: scenario_mod.Scenario, fit: Calibration, people: int,
                    source: str) -> str:
    """The fitted scenario as TOML (the pooled fit), with a header of comments: the
    method, each seed's fit and interval, whether the seeds agree, the statistics
    the fit reached beside the observed ones, and the warnings."""
    fitted = O.sized_scenario(sc, people, fit.overrides())
    raw = fitted.model_dump(mode="json")
    raw["name"] = f"{sc.name}-fitted"
    raw["description"] = f"{sc.name} fitted to {source} by ABC (jinmyaku calibrate)"
    fitted = scenario_mod.Scenario.model_validate(raw)
    n = len(fit.fits)
    per = len(fit.fits[0].theta)
    lines = [f"# jinmyaku {__version__}: scenario fitted by `jinmyaku calibrate` to {source}.",
             f"# Rejection ABC with regression adjustment; {n} seed{'s' if n > 1 else ''} × "
             f"{per} draws, {fit.accepted} accepted in all; observed groups held fixed "
             f"(job changes off) in the fitting runs only.",
             "# Fitted, pooled over seeds (weighted median, 95% interval):"]
    for p in fit.params:
        lo, hi = fit.interval[p.name]
        lines.append(f"#   {p.key} = {fit.estimate[p.name]:.4g}  [{lo:.4g}, {hi:.4g}]  "
                     f"prior {'log-' if p.log else ''}uniform [{p.lo:g}, {p.hi:g}]")
    if n > 1:
        lines.append("# Per seed (median [95% interval]); seeds agree when each median lies "
                     "inside every other seed's interval:")
        for f in fit.fits:
            vals = ", ".join(f"{p.name} {f.estimate[p.name]:.4g} [{f.interval[p.name][0]:.4g}, "
                             f"{f.interval[p.name][1]:.4g}]" for p in fit.params)
            lines.append(f"#   seed {f.replicate + 1} (runs {f.sim_seeds[0]}–{f.sim_seeds[1]}): "
                         f"{vals}")
        lines.append("#   agree: " + ", ".join(
            f"{p.name} {'yes' if fit.agree[p.name] else 'no'}" for p in fit.params))
    seeds = fit.reach_seeds
    lines.append(f"# Reached at the fit (mean of {len(seeds)} run{'s' if len(seeds) > 1 else ''}, "
                 f"seed {seeds[0]}{f'–{seeds[-1]}' if len(seeds) > 1 else ''}) beside "
                 f"observed, relative error:")
    for k in fit.keys:
        err = fit.relative_error(k)
        lines.append(f"#   {SUMMARY_LABELS[k]}: {fit.reached[k][0]:.4g} against "
                     f"{fit.observed[k]:.4g}" + (f" ({err:+.0%})" if math.isfinite(err) else ""))
    for w in fit.warnings:
        lines += _comment("warning: " + w)
    return "\n".join(lines) + "\n" + fitted.to_toml()
