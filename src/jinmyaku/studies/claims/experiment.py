"""The claims experiment: replicates, a causal shock for H1, and where each claim flips.

``jinmyaku experiment claims`` runs :data:`QUICK` or :data:`FULL`:

1. **Replicates.** The world is run with ``replicates`` seeds. Each replicate
   gives every effect of :mod:`jinmyaku.studies.claims.outcomes`; the 95% interval of an
   effect is the Student-t interval over replicates (replicates are
   independent worlds, the honest unit of repetition).
2. **Shock (H1).** In each replicate, at week ``steps − shock_weeks`` the
   world is copied; in the copy a random ``shock_share`` of people get their
   stage raised by ``shock_size`` (capped at 1). Both worlds then run to the
   end with the same random numbers (they are keyed by person, purpose and
   week), so the difference is caused by the shock alone. The *pass-through*
   is the mean, over people not shocked with five ties of which exactly one
   went to a shocked person, of (their stage in the copy − in the original) ÷
   the shock their alter got; the *placebo* is the same for people with five
   ties none of which went to a shocked person (spill-over through the rest
   of the network); the headline *net pass-through* is their difference.
   "You are the average of five" taken literally would give 1/5.
3. **Sensitivity ("where it flips").** A Morris design (SALib) over
   :data:`SENSITIVITY_PARAMETERS`, each point a smaller world run with the
   same seed (common random numbers), gives each claim's headline effect
   across parameter space: the share of points where it keeps the claimed
   sign, the parameters that move it most (μ*), and the share of points that
   hold at each level of the parameter along which that share changes most.

Verdicts: an effect is *supported* when its interval lies above 0,
*contradicted* when it lies below, *unclear* otherwise. A claim is
**supported** when its headline effect is supported, holds in at least 80% of
the sensitivity points and no supporting effect is contradicted; **not
supported** when its headline effect is contradicted or unclear and holds in
at most 20% of the points; **depends** otherwise. Without a sensitivity
analysis the verdict rests on the defaults alone: supported, not supported
(headline contradicted) or depends (unclear, or a supporting effect
contradicted). Benchmarks (:data:`BENCHMARKS`, e.g. the literal 1/5 of H1)
are reported as a note on the size of an effect, not as evidence against it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from jinmyaku.analysis import intervals
from jinmyaku.errors import InputError
from jinmyaku.model import rng
from jinmyaku.model.closest import person_ids
from jinmyaku.model.engine import Intervention, Simulation
from jinmyaku.model.scenario import KUMPULA_PROCESSES, Scenario, load
from jinmyaku.model.vocabulary import CLOSEST
from jinmyaku.studies.claims import outcomes as claims
from jinmyaku.studies.claims.messages import N_, Gettext, joined, same
from jinmyaku.studies.results import Results

# Each claim's headline effect (the one its verdict rests on), in claims.CLAIMS.
HEADLINE = {
    "h1": "shock.net_pass_through",
    "h2": "h2.value_per_tie_year.others_minus_mixer",
    "h3": "h3.value_per_tie_year.activity_minus_others",
    "h4": "h4.old_stage_ties_lost.grow_minus_passive",
    "h5": "h5.value_per_year.meetup_minus_mixer",
    "h6": "h6.referral_ties.grow_minus_passive",
}
CLAIM_TEXT = {
    "h1": "You become the average of the ~5 people around you.",
    "h2": "Ties from generic mixers rarely last and rarely bring anything.",
    "h3": "Ties formed naturally, through doing things, bring information, work and referrals.",
    "h4": "Changing yourself changes your network; ties to people at your old stage fade.",
    "h5": "Specialised meetups are worth far more than generic mixers.",
    "h6": "Well-connected people introduce you onward when you share your progress.",
}
SHOCK_EFFECTS = {
    "shock.net_pass_through": N_("pass-through minus placebo: the pull of one of your closest "
                                 "five on your stage, per unit of their shock, one year later"),
    "shock.pass_through": N_("stage moved by a shock to one of the closest five, per unit of the "
                             "shock, one year later (1/5 if you were literally their average)"),
    "shock.pass_through_minus_fifth": N_("pass-through minus 1/5: ≥ 0 if you literally became "
                                         "the average of your five within the year"),
    "shock.placebo": N_("same, for people none of whose closest five was shocked (spill-over)"),
    "shock.persistence": N_("share of their own shock the shocked people still carry a year later"),
}

# The minimal meaningful difference of each headline, fixed before any run (issue 17): a
# headline whose interval lies above 0 is "supported" only if its mean is at least this;
# one whose interval lies wholly below it is too small to matter ("not supported").
MMD: dict[str, tuple[float, str]] = {
    "h1": (0.02, N_("a tenth of the literal 1/5: a rise of 0.1 in one of your closest five "
                    "lifts your stage by at least 0.002 within a year")),
    "h2": (0.01, N_("value units per tie-year: over 50 ties, half a value unit a year, about "
                    "one opportunity every four years")),
    "h3": (0.01, N_("value units per tie-year, as for H2")),
    "h4": (0.05, N_("five percentage points of one's starting ties to people at one's old stage")),
    "h5": (0.1, N_("value units a person a year: about one opportunity (mean value about 2) "
                   "every 20 years")),
    "h6": (1.0, N_("one more referral tie per person over the run")),
}

# Effects that compare a size with a literal reading of the claim: a note, not evidence.
BENCHMARKS = ("shock.pass_through_minus_fifth",)

# (dotted parameter, low, high): ranges chosen wide but inside the allowed bounds.
SENSITIVITY_PARAMETERS: tuple[tuple[str, float, float], ...] = (
    # the quick design varies the first six: the assumptions that most favour or
    # disfavour a claim by construction (docs/model.md, Design concepts)
    ("processes.mixers.new_tie", 0.05, 0.8),
    ("processes.maintenance.preference", 0.0, 2.0),
    ("processes.ties.end_below", 0.05, 0.9),
    ("processes.ties.memory", 13.0, 156.0),
    ("processes.opportunities.stage_power", 0.0, 4.0),
    ("processes.action.growth", 0.01, 0.2),
    ("processes.maintenance.stage_scale", 0.05, 0.5),
    ("processes.mixers.seek_known", 0.0, 0.9),
    ("processes.meetups.catchment", 100, 2000),
    ("processes.influence.rate", 0.0, 0.1),
    ("processes.opportunities.trust_half", 1.0, 20.0),
    ("processes.introductions.introduce", 0.1, 1.0),
    ("processes.action.new_tie", 0.1, 0.8),
    ("processes.maintenance.interactions", 2, 30),
)


# The assumptions that decide a claim's sign (studies/claims/assumptions.py), varied by
# the sensitivity analysis beside SENSITIVITY_PARAMETERS (issue 17). Switches run as
# 0/1 (false/true); integers are rounded.
DECIDING_PARAMETERS: tuple[tuple[str, float, float], ...] = (
    ("processes.introductions.share_after_action", 0.02, 0.5),
    ("processes.introductions.share_base", 0.0, 0.3),
    ("processes.opportunities.topic_fit", 0, 1),
    ("processes.opportunities.trust", 0, 1),
    ("processes.mixers.recurring", 0, 1),
    ("processes.maintenance.stage_homophily", 0, 1),
    ("processes.maintenance.aim_bonus", 1.0, 5.0),
    ("processes.budget.mixer_every", 1, 13),
    ("population.max_ties", 50, 1000),
    ("processes.action.base_attendance", 0.05, 1.0),
    ("processes.action.stage_bands", 1, 10),
)

SENS_LEVELS = 4  # grid levels of the Morris design


@dataclass(frozen=True)
class Design:
    """How large the experiment is. Sizes are persons and years."""

    name: str
    replicates: int
    people: int
    years: float
    cohort_size: int
    shock_weeks: int = 52
    shock_size: float = 0.2
    shock_share: float = 0.05
    sens_parameters: int = 6  # the first n of SENSITIVITY_PARAMETERS
    sens_trajectories: int = 4  # Morris trajectories, or Sobol's base samples N
    sens_deciding: int = 0  # the first n of DECIDING_PARAMETERS, varied too
    sens_method: str = "morris"  # or "sobol": Saltelli's balanced scheme (N · (D + 2) points)
    sens_people: int = 1500
    sens_years: float = 2.0
    sens_cohort_size: int = 100
    seed: int = 1
    scenario: str = "default"
    overrides: tuple[str, ...] = field(default_factory=tuple)

    @property
    def sens_runs(self) -> int:
        d = self.sens_parameters + self.sens_deciding
        return self.sens_trajectories * (d + (2 if self.sens_method == "sobol" else 1))


QUICK = Design("quick", replicates=4, people=3000, years=3.0, cohort_size=200,
               sens_parameters=6, sens_trajectories=4,
               sens_deciding=len(DECIDING_PARAMETERS), sens_method="sobol")
FULL = Design("full", replicates=10, people=10_000, years=5.0, cohort_size=500,
              sens_parameters=len(SENSITIVITY_PARAMETERS), sens_trajectories=8,
              sens_deciding=len(DECIDING_PARAMETERS), sens_method="sobol",
              # the main runs' world and horizon: a 3-year world was too short for a tie
              # met once to fade at the longer memories of the design (H4 read 0 there)
              sens_people=10_000, sens_years=5.0, sens_cohort_size=500)


# ---------------------------------------------------------------- one world

def scenario_for(design: Design, seed: int, people: int, years: float, cohort_size: int,
                 extra: list[str] | None = None) -> Scenario:
    """The design's scenario at one size and seed, with any extra overrides."""
    sets = [*design.overrides, f"population.people={people}",
            f"population.years={years}", f"cohorts.size={cohort_size}", *(extra or [])]
    return load(design.scenario, sets, seed=seed)


class StageShock(Intervention):
    """At the start of ``week``, raise a random ``share`` of people's stage by ``size``
    (capped at 1); keeps who was shocked, by how much, and everyone's closest five then.

    The draw of who is shocked comes from its own purpose (``rng.SHOCK``), so it
    is the same whatever else the scenario changes.
    """

    def __init__(self, week: int, size: float, share: float, seed: int) -> None:
        self.week, self.size, self.share, self.seed = week, size, share, seed

    def apply(self, world) -> None:
        p = world.people
        gen = rng.generator(self.seed, rng.SHOCK)
        self.shocked = gen.random(p.n) < self.share
        self.delta = np.where(self.shocked, np.minimum(self.size, 1.0 - p.stage), 0.0)
        p.stage += self.delta
        r = world.ties.closest(CLOSEST)
        self.closest = person_ids(r.other, r.m, p.pid, CLOSEST)
        self.pids = p.pid.copy()


def run_world(sc: Scenario, shock_weeks: int, shock_size: float,
              shock_share: float) -> tuple[Results, dict[str, float]]:
    """Run ``sc`` and its shocked copy (module docstring); return results and shock effects."""
    sim = Simulation(sc)  # in memory: the claims read the whole ledger
    t0 = max(0, sc.steps - shock_weeks)
    sim.run(until=t0)
    shock = StageShock(t0 + 1, shock_size, shock_share, sc.seed)
    twin = sim.fork().add(shock).run()
    sim.run()
    effects = shock_effects(shock.pids, shock.shocked, shock.delta, shock.closest,
                            sim.world.people, twin.world.people)
    return Results.from_simulation(sim), effects


def shock_effects(pid_at_t0: np.ndarray, shocked: np.ndarray, delta: np.ndarray,
                  closest: np.ndarray, base, shocked_world) -> dict[str, float]:
    """Pass-through, placebo and persistence of a stage shock (see the module docstring)."""
    stayed = (base.pid == pid_at_t0) & (shocked_world.pid == pid_at_t0)
    diff = shocked_world.stage - base.stage
    slot_of = pd.Series(np.arange(pid_at_t0.size), index=pid_at_t0)
    pos = slot_of.reindex(closest.ravel()).to_numpy().reshape(closest.shape)
    valid = ~np.isnan(pos)
    hit = np.zeros(closest.shape, dtype=bool)
    size = np.zeros(closest.shape)
    idx = pos[valid].astype(np.int64)
    hit[valid] = shocked[idx]
    size[valid] = delta[idx]
    n_hit = hit.sum(axis=1)
    five = valid.sum(axis=1) == closest.shape[1]  # the literal 1/5 needs five ties
    exposed = stayed & ~shocked & five & (n_hit == 1)
    control = stayed & ~shocked & five & (n_hit == 0)
    alter_shock = (size * hit).sum(axis=1)
    exposed &= alter_shock > 0
    mean_size = float(delta[shocked].mean()) if shocked.any() else np.nan
    own = stayed & shocked & (delta > 0)
    through = float(np.mean(diff[exposed] / alter_shock[exposed])) if exposed.any() else np.nan
    placebo = float(np.mean(diff[control]) / mean_size) if control.any() else np.nan
    return {
        "shock.net_pass_through": through - placebo,
        "shock.pass_through": through,
        "shock.pass_through_minus_fifth": through - 1 / closest.shape[1],
        "shock.placebo": placebo,
        "shock.persistence": float(np.mean(diff[own] / delta[own])) if own.any() else np.nan,
        "shock.exposed": float(exposed.sum()),
    }


def replicate(design: Design, seed: int) -> dict:
    """One replicate of the claims experiment: effects, curves and tables (picklable)."""
    sc = scenario_for(design, seed, design.people, design.years, design.cohort_size)
    started = time.perf_counter()
    res, shock = run_world(sc, design.shock_weeks, design.shock_size, design.shock_share)
    origin, curves = claims.origin_summary(res.ties, sc.steps, np.arange(sc.steps + 1))
    series = res.series[["step", "cohort", "stage", "closest5_stage", "members"]]
    return {
        "seed": seed,
        "outcomes": {**claims.outcomes(res, origin), **shock},
        "survival": curves,
        "origin": origin,
        "starting_ties": claims.starting_ties_lost(res),
        "series": series[series["cohort"] != "background"].reset_index(drop=True),
        "ego": ego_snapshots(res) if seed == design.seed else None,
        "seconds": time.perf_counter() - started,
    }


def sensitivity_point(design: Design, values: dict[str, float]) -> dict[str, float]:
    """Outcomes (with the shock) of one point of the sensitivity design (same seed for all)."""
    extra = [f"{k}={v!r}" for k, v in values.items()]
    sc = scenario_for(design, design.seed, design.sens_people, design.sens_years,
                      design.sens_cohort_size, extra)
    res, shock = run_world(sc, min(design.shock_weeks, sc.steps // 2), design.shock_size,
                           design.shock_share)
    return {**claims.outcomes(res), **shock}


def ego_snapshots(res: Results) -> dict:
    """Ego network of one typical grow-cohort member at the start and at the end.

    The member is the one with the median stage gain among grow-cohort
    members present throughout (not hand-picked). Returns the ego's pid, the
    people (pid → start stage, end stage) and the ties alive at week 0 and
    at the end among the ego and everyone tied to the ego at either time.
    """
    ppl = res.people
    grow = ppl[(ppl["cohort"] == "grow") & (ppl["joined"] == 0)]
    if grow.empty:
        return {}
    gain = (grow["stage"] - grow["stage_start"]).to_numpy()
    ego = int(grow["pid"].to_numpy()[np.argsort(gain, kind="stable")[gain.size // 2]])
    t = res.ties
    end = res.scenario.steps
    at0 = t[(t["birth"] == 0) & (t["death"].isna() | (t["death"] > 0))]
    at_end = t[t["death"].isna()]
    snaps = {}
    members = {ego}
    for name, alive in (("start", at0), ("end", at_end)):
        own = alive[(alive["a"] == ego) | (alive["b"] == ego)]
        members |= set(own["a"]) | set(own["b"])
        snaps[name] = alive
    out = {"ego": ego, "weeks": end, "ties": {}}
    for name, alive in snaps.items():
        inside = alive[alive["a"].isin(members) & alive["b"].isin(members)]
        out["ties"][name] = inside[["a", "b", "origin", "weight"]].astype(
            {"origin": str}).to_dict("list")
    info = ppl.set_index("pid").reindex(sorted(members))
    out["people"] = {"pid": sorted(members),
                     "stage_start": info["stage_start"].tolist(),
                     "stage": info["stage"].tolist()}
    return out


# ---------------------------------------------------------------- many worlds

def t_interval(values) -> dict[str, float]:
    """Mean and 95% Student-t interval over replicates (NaNs left out), with their number.

    :func:`jinmyaku.analysis.intervals.t_mean` as a row: ``mean, lo, hi, n``.
    """
    mean, lo, hi = intervals.t_mean(values)
    return {"mean": mean, "lo": lo, "hi": hi, "n": int(intervals.finite(values).size)}


def status(ci: dict[str, float]) -> str:
    """supported (interval above 0), contradicted (below 0) or unclear."""
    if ci["lo"] > 0:
        return "supported"
    if ci["hi"] < 0:
        return "contradicted"
    return "unclear"


def effects_table(reps: list[dict]) -> pd.DataFrame:
    """One row per claim effect: mean and 95% interval over replicates, and its status."""
    rows = []
    effects = {c: dict(e) for c, e in claims.CLAIMS.items()}
    effects["h1"] = {**SHOCK_EFFECTS, **effects["h1"]}
    for c, named in effects.items():
        for e, meaning in named.items():
            key = e if e.startswith("shock.") else f"{c}.{e}"
            ci = t_interval([r["outcomes"][key] for r in reps])
            rows.append({"claim": c, "effect": key, "meaning": meaning,
                         "headline": key == HEADLINE[c], **ci,
                         "status": status(ci) if key not in ("shock.placebo",
                                                             "shock.persistence",
                                                             "shock.pass_through") else ""})
    return pd.DataFrame(rows)


def morris_problem(design: Design) -> dict:
    params = (SENSITIVITY_PARAMETERS[: design.sens_parameters]
              + DECIDING_PARAMETERS[: design.sens_deciding])
    return {"num_vars": len(params), "names": [p[0] for p in params],
            "bounds": [[p[1], p[2]] for p in params]}


def morris_points(design: Design) -> tuple[np.ndarray, list[dict[str, float]]]:
    """The Morris sample and each point as scenario overrides (integers rounded).

    The sweep's Morris design (:func:`jinmyaku.studies.sweep.design.morris_sample`
    on :data:`SENS_LEVELS` levels, rounded by ``values_run``). Returns the
    values run, as an array (points, D) and as one dict per point: the
    analysis and the levels in the report use the values run (a rounded
    integer parameter's levels are whole numbers).
    """
    from jinmyaku.studies.sweep import design as sweep_design

    problem = morris_problem(design)
    base = load(design.scenario).model_dump()
    ints = []
    for name in problem["names"]:
        node = base
        for part in name.split("."):
            node = node[part]
        ints.append(isinstance(node, int))
    if design.sens_method == "sobol":
        from SALib.sample import sobol

        widen = [0.5 if i else 0.0 for i in ints]  # integers: each whole value equally wide
        wide = {**problem, "bounds": [[a - w, b + w] for (a, b), w in
                                      zip(problem["bounds"], widen, strict=True)]}
        nominal = np.asarray(sobol.sample(wide, design.sens_trajectories,
                                          calc_second_order=False, scramble=True,
                                          seed=design.seed % 2**32), dtype=float)
    else:
        nominal = sweep_design.morris_sample(problem, design.sens_trajectories, SENS_LEVELS,
                                             design.seed)
    values = sweep_design.values_run(nominal, problem["bounds"], ints)
    points = [dict(zip(problem["names"], v, strict=True)) for v in values]
    return np.array(values, dtype=float), points


def sensitivity_table(design: Design, X: np.ndarray, Y: pd.DataFrame) -> pd.DataFrame:
    """Per claim headline and parameter: Morris μ*, σ, μ*'s 95% interval, and the share of
    points that hold (headline > 0) at each of the parameter's levels."""
    from jinmyaku.studies.sweep import analysis as sweep_analysis

    problem = morris_problem(design)
    rows = []
    for c, key in HEADLINE.items():
        y = Y[key].to_numpy(dtype=float)
        finite = np.isfinite(y)
        if finite.sum() < len(y):
            # Morris needs every point; a NaN effect (e.g. no mixer ties) counts as 0 here
            y = np.where(finite, y, 0.0)
        if design.sens_method == "sobol":
            # total-order index in mu_star's place (share of the effect's variance the
            # parameter takes part in), first order in sigma's
            si = sweep_analysis.sobol(problem, y, seed=design.seed % 2**32)
            si["index"] = si["index"].map({"ST": "mu_star", "S1": "sigma"})
        else:
            si = sweep_analysis.morris(problem, X, y, SENS_LEVELS, seed=design.seed)
        si = si.set_index(["index", "parameter"])
        for j, name in enumerate(problem["names"]):
            lo, hi = problem["bounds"][j]
            levels, holds, counts = holds_by_level(X[:, j], y, finite)
            rows.append({"claim": c, "effect": key, "parameter": name,
                         "mu_star": float(si.loc[("mu_star", name), "value"]),
                         "sigma": float(si.loc[("sigma", name), "value"]),
                         "mu_star_conf": float(si.loc[("mu_star", name), "conf"]),
                         "levels": " | ".join(f"{v:.4g}" for v in levels),
                         "holds": " | ".join(_pct(h) for h in holds),
                         "counts": " | ".join(str(k) for k in counts),
                         "points": int(finite.sum()),
                         "hold_range": float(np.nanmax(holds) - np.nanmin(holds))
                         if np.isfinite(holds).any() else np.nan,
                         "low": lo, "high": hi})
    return pd.DataFrame(rows)


def holds_by_level(x: np.ndarray, y: np.ndarray,
                   finite: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Levels, share of points with y > 0 and number of points, at each level of one parameter.

    A Morris design puts each parameter on a few levels; with more than six
    distinct values (other designs) the values are binned into quartiles and
    each bin is labelled by its mean.
    """
    values = np.unique(x)
    if values.size <= 6:
        group = np.searchsorted(values, x)
        levels = values
    else:
        edges = np.quantile(x, [0.25, 0.5, 0.75])
        group = np.searchsorted(edges, x, side="right")
        levels = np.array([x[group == g].mean() for g in range(4)])
    counts = np.array([int(((group == g) & finite).sum()) for g in range(levels.size)])
    holds = np.array([float(np.mean(y[(group == g) & finite] > 0)) if counts[g] else np.nan
                      for g in range(levels.size)])
    return levels, holds, counts


def verdicts(effects: pd.DataFrame, Y: pd.DataFrame | None,
             sens: pd.DataFrame | None, _: Gettext = same) -> pd.DataFrame:
    """Per claim: verdict, headline numbers, share of sensitivity points that hold, flip text
    (the texts in English, or through ``_``, a ``gettext``: the report's language)."""
    rows = []
    for c, key in HEADLINE.items():
        head = effects[effects["effect"] == key].iloc[0]
        st = head["status"]
        mmd = MMD[c][0]
        meaningful = st == "supported" and head["mean"] >= mmd
        negligible = head["hi"] < mmd  # the interval excludes every meaningful effect
        share = np.nan
        if Y is not None and key in Y:
            y = Y[key].to_numpy(dtype=float)
            share = float(np.mean(y[np.isfinite(y)] >= mmd)) if np.isfinite(y).any() else np.nan
        others = effects[(effects["claim"] == c) & (effects["effect"] != key)
                         & ~effects["effect"].isin(BENCHMARKS)]
        against = [e for e, s_ in zip(others["effect"], others["status"], strict=True)
                   if s_ == "contradicted"]
        notes = []
        words = {"mmd": f"{mmd:g}", "share": f"{100 * share:.0f}%" if np.isfinite(share) else ""}
        if not np.isfinite(share):
            verdict = ("supported" if meaningful and not against
                       else "not supported" if st == "contradicted" or negligible
                       else "depends")
            notes.append(_("no sensitivity analysis: the verdict rests on the default "
                           "parameters alone"))
        elif meaningful and share >= 0.8 and not against:
            verdict = "supported"
        elif not meaningful and share <= 0.2:
            verdict = "not supported"
        else:
            verdict = "depends"
        if st == "supported" and not meaningful:
            notes.append(_("above 0 but below the minimal meaningful difference %(mmd)s")
                         % words)
        elif negligible and st != "contradicted":
            notes.append(_("too small to matter: the interval lies below the minimal "
                           "meaningful difference %(mmd)s") % words)
        if against:
            notes.append(_("contradicted in part: %(effects)s points the other way")
                         % {"effects": ", ".join(f"`{e}`" for e in against)})
        if np.isfinite(share) and meaningful and share < 0.8:
            notes.append(_("holds at the defaults but reaches %(mmd)s in only %(share)s of the "
                           "sensitivity points") % words)
        if np.isfinite(share) and not meaningful and share > 0.2:
            notes.append(_("not supported at the defaults, yet reaches %(mmd)s in %(share)s of "
                           "the sensitivity points") % words)
        for bench in effects[(effects["claim"] == c) & effects["effect"].isin(BENCHMARKS)
                             ].to_dict("records"):
            said = {"effect": f"`{bench['effect']}`", "mean": f"{bench['mean']:.3g}"}
            if bench["status"] == "contradicted":
                notes.append(_("far weaker than the literal claim: %(effect)s = %(mean)s") % said)
            elif bench["status"] == "supported":
                notes.append(_("as strong as the literal claim or stronger: %(effect)s = "
                               "%(mean)s") % said)
        rows.append({"claim": c, "text": CLAIM_TEXT[c], "verdict": verdict,
                     "headline": key, "mean": head["mean"], "lo": head["lo"], "hi": head["hi"],
                     "status": st, "mmd": mmd, "holds_share": share,
                     "note": joined(notes, _),
                     "flips": flip_text(c, share, sens, _),
                     "where": where_holds(key, mmd, Y, sens, _)})
    return pd.DataFrame(rows)


def where_holds(key: str, mmd: float, Y: pd.DataFrame | None,
                sens: pd.DataFrame | None, _: Gettext = same) -> str:
    """"Holds when …; fails when …": PRIM boxes (:mod:`.discovery`) over the sensitivity
    points, "holds" meaning the headline reaches its minimal meaningful difference."""
    from jinmyaku.studies.claims.discovery import where_text

    if Y is None or sens is None or key not in Y:
        return ""
    names = list(dict.fromkeys(sens["parameter"]))
    y = Y[key].to_numpy(dtype=float)
    ok = np.isfinite(y)
    return where_text(Y.loc[ok, names].to_numpy(dtype=float), y[ok] >= mmd, names, _)


def flip_text(claim: str, share: float, sens: pd.DataFrame | None, _: Gettext = same) -> str:
    """A plain sentence on where the headline effect changes sign across parameter space."""
    if sens is None:
        return _("No sensitivity analysis was run.")
    if not np.isfinite(share):
        return _("The headline effect was undefined at every point of the sensitivity design.")
    s = sens[sens["claim"] == claim].sort_values("mu_star", ascending=False)
    top = s.iloc[0]
    said = {"top": f"`{top['parameter']}`", "mu": f"{top['mu_star']:.3g}",
            "n": int(top["points"]), "share": f"{100 * share:.0f}%"}
    if len(s) > 1:
        size = _("Its size moves most with %(top)s (μ* %(mu)s), then %(second)s.") % {
            **said, "second": f"`{s.iloc[1]['parameter']}`"}
    else:
        size = _("Its size moves most with %(top)s (μ* %(mu)s).") % said
    if share == 1.0:
        return _("It held at every one of the %(n)s parameter points sampled. %(size)s") % {
            **said, "size": size}
    if share == 0.0:
        return _("It failed at every one of the %(n)s parameter points sampled. %(size)s") % {
            **said, "size": size}
    lead = _("The headline reaches its minimal meaningful difference in %(share)s of the "
             "%(n)s parameter points sampled.") % said
    if not (s["hold_range"] > 0).any():
        return _("%(lead)s No single parameter explains where: the share that holds is the "
                 "same at every level of every parameter (interactions or noise). %(size)s") % {
            "lead": lead, "size": size}
    flip = s.loc[s["hold_range"].idxmax()]
    return _("%(lead)s It flips mostly with %(param)s: at %(levels)s it holds in %(holds)s of "
             "points (%(counts)s points). Each point is one world with one seed, so shares of "
             "a few points are rough. %(size)s") % {
        "lead": lead, "param": f"`{flip['parameter']}`", "levels": flip["levels"],
        "holds": flip["holds"], "counts": flip["counts"], "size": size}


def _pct(x: float) -> str:
    return "–" if not np.isfinite(x) else f"{100 * x:.0f}%"


@dataclass
class ClaimsResult:
    """Everything the report needs."""

    design: Design
    replicates: list[dict]
    effects: pd.DataFrame
    verdicts: pd.DataFrame
    sensitivity_points: pd.DataFrame | None
    sensitivity: pd.DataFrame | None
    seconds: float

    def design_dict(self) -> dict:
        return asdict(self.design)

    @property
    def scenario(self) -> Scenario:
        """The scenario of the replicate worlds (first seed)."""
        d = self.design
        return scenario_for(d, d.seed, d.people, d.years, d.cohort_size)


def run_claims(design: Design, *, workers: int | None = None, dask: str | None = None,
               progress: Callable[[str, int, int], None] | None = None) -> ClaimsResult:
    """Run the replicates and the sensitivity design; results identical for any executor."""
    from functools import partial

    from jinmyaku.studies.parallel import run_tasks

    started = time.perf_counter()
    seeds = [design.seed + r for r in range(design.replicates)]
    reps: dict[int, dict] = {}
    for key, res in run_tasks(partial(replicate, design), {s: s for s in seeds},
                              workers=workers, dask=dask,
                              progress=_stage(progress, "replicates", len(seeds))):
        reps[key] = res
    replicates = [reps[s] for s in sorted(reps)]  # by seed, whatever order they finished
    effects = effects_table(replicates)
    Y = sens = None
    if design.sens_trajectories > 0 and design.sens_parameters + design.sens_deciding > 1:
        X, points = morris_points(design)
        outs: dict[int, dict] = {}
        for key, res in run_tasks(partial(sensitivity_point, design), dict(enumerate(points)),
                                  workers=workers, dask=dask,
                                  progress=_stage(progress, "sensitivity", len(points))):
            outs[key] = res
        Y = pd.DataFrame([outs[i] for i in range(len(points))])
        Y = pd.concat([pd.DataFrame(points), Y], axis=1)
        sens = sensitivity_table(design, X, Y)
    return ClaimsResult(design, replicates, effects, verdicts(effects, Y, sens), Y, sens,
                        time.perf_counter() - started)


def _stage(progress, label: str, total: int):
    if progress is None:
        return None
    return lambda done, _total: progress(label, done, total)


DESIGN_KEYS = ("seed", "population.people", "population.years", "cohorts.size")


def check(design: Design, workers: int | None = None, dask: str | None = None) -> None:
    """Refuse (InputError) a design that cannot run, before anything runs.

    Every scenario it will run is validated (each replicate's seed, each
    sensitivity point); the keys the design sets itself may not be overridden;
    the memory of the runs that can be in flight at once (each world and its
    shocked copy, one per worker) must fit this machine.
    """
    import os

    from jinmyaku.storage import memory

    for item in design.overrides:
        key = item.split("=", 1)[0].strip()
        if key in DESIGN_KEYS:
            raise InputError(f"--set {item}: the experiment sets {key} itself; use --seed, "
                             f"--people or --years instead (cohorts scale with --people).")
    for r in range(design.replicates):
        sc = scenario_for(design, design.seed + r, design.people, design.years,
                          design.cohort_size)
    if set(sc.schedule) <= set(KUMPULA_PROCESSES):
        raise InputError(f"scenario {design.scenario!r}: its schedule ({', '.join(sc.schedule)}) "
                         f"runs only the Kumpula et al. network processes, which give people "
                         f"no stage, strategy or opportunities; the claims experiment needs a "
                         f"scenario with the people's weekly processes, such as default.")
    needed = {"passive", "mixer", "meetup", "grow"}
    missing = needed - set(sc.cohorts.strategies)
    if missing:
        raise InputError(f"scenario {design.scenario!r}: the claims experiment compares the "
                         f"focal cohorts {', '.join(sorted(needed))}; cohorts.strategies lacks "
                         f"{', '.join(sorted(missing))}.")
    biggest = sc
    if design.sens_trajectories > 0:
        for values in morris_points(design)[1]:
            scenario_for(design, design.seed, design.sens_people, design.sens_years,
                         design.sens_cohort_size, [f"{k}={v!r}" for k, v in values.items()])
    limit = memory.available()
    if dask is None and limit is not None:
        concurrent = 1 if workers == 0 else max(1, workers or os.cpu_count() or 1)
        concurrent = min(concurrent, design.replicates)
        need = 2 * memory.estimate(biggest, spill_rows=None)  # the world and its shocked copy
        if need * concurrent > limit:
            raise InputError(
                f"{concurrent} replicate worlds of {design.people:,} people at once, each with "
                f"its shocked copy, need an estimated {need * concurrent / 2**30:.1f} GiB "
                f"({need / 2**30:.1f} GiB each) but {limit / 2**30:.1f} GiB is available; "
                f"use fewer --workers or a smaller --people.")


def design_with(base: Design, **changes) -> Design:
    """A copy of ``base`` with some fields changed (validated by the CLI)."""
    values = asdict(base)
    values.update({k: v for k, v in changes.items() if v is not None})
    values["overrides"] = tuple(values["overrides"])
    return Design(**values)


__all__ = ["FULL", "QUICK", "ClaimsResult", "Design", "check", "run_claims"]
