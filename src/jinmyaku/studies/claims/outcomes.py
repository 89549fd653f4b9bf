"""The post's six claims as measured effects of one run.

:func:`outcomes` reduces one run's :class:`~jinmyaku.studies.results.Results` to a flat
dict of named scalars: per-strategy outcomes of the focal cohorts, per-origin
tie survival and value, and for each claim H1–H6 the effect that tests it,
signed so that a **positive value is what the claim predicts**. The
experiment (:mod:`jinmyaku.studies.claims.experiment`) takes these over replicates for
confidence intervals, and a sweep (:mod:`jinmyaku.studies.sweep`) over parameter
space for where a claim flips.

Definitions (weeks are steps; a tie's *exposure* runs from its birth to its
death, or to the end of the run if alive):

- Survival by origin is the Kaplan–Meier estimate (scipy.stats.ecdf) over
  every tie of that origin; ties that ended because a person left the world
  are censored (they did not fade). ``survival_1y`` is S(52 weeks).
- Value per tie-year by origin is the opportunity value delivered over ties
  of that origin divided by their total exposure in years.
- "Others" in H2/H3 are the ties made after the start (birth > 0) through
  any origin except ``family_school``: ties a person grew during the run,
  work ties made on the job included. The starting ties are left out: they
  start stronger and their age at week 0 is unknown.
- People's stage at the start (H4) is the stage at week 0 of everyone then
  alive (``results.start``), so that alters who later left still count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from jinmyaku.model.vocabulary import ORIGINS
from jinmyaku.studies.claims.messages import N_

YEAR = 52
OLD_STAGE_BAND = 0.1  # "people at your old stage": start stages within ± this of yours
CHOSEN = tuple(o for o in ORIGINS if o != "family_school")

# Each claim's effects: name → (what it means, which way the claim points).
# Every effect is signed so that > 0 supports the claim.
CLAIMS: dict[str, dict[str, str]] = {
    "h1": {
        "closest5_correlation": N_("correlation of own stage with the weighted mean stage of the "
                                   "five closest, at the end (all people with ties)"),
    },
    "h2": {
        "survival_1y.others_minus_mixer": N_("one-year survival of other chosen ties minus that "
                                             "of mixer ties"),
        "value_per_tie_year.others_minus_mixer": N_("value per tie-year of other chosen ties minus "
                                                    "that of mixer ties"),
    },
    "h3": {
        "survival_1y.activity_minus_others": N_("one-year survival of activity ties minus that "
                                                "of other chosen ties"),
        "value_per_tie_year.activity_minus_others": N_("value per tie-year of activity ties minus "
                                                       "that of other chosen ties"),
    },
    "h4": {
        "stage_gain.grow_minus_passive": N_("stage gained by the grow cohort minus the passive "
                                            "one"),
        "old_stage_ties_lost.grow_minus_passive": N_("share of starting ties to people at one's "
                                                     "old stage lost by the end: grow minus "
                                                     "passive"),
        "closest5_turnover.grow_minus_passive": N_("share of the starting closest five no longer "
                                                   "among the closest five: grow minus passive"),
    },
    "h5": {
        "survival_1y.meetup_minus_mixer": N_("one-year survival of meetup ties minus mixer ties"),
        "value_per_tie_year.meetup_minus_mixer": N_("value per tie-year of meetup ties minus "
                                                    "mixer ties"),
        "value_per_year.meetup_minus_mixer": N_("opportunity value a year of the meetup cohort "
                                                "minus the mixer cohort"),
    },
    "h6": {
        "referral_ties.grow_minus_passive": N_("referral ties made per person over the run: grow "
                                               "cohort minus passive cohort"),
        "introductions.top_decile_excess": N_("share of introductions made by the best-connected "
                                              "tenth of people (by degree at the end), minus 0.1"),
    },
}

STRATEGY_MEASURES = ("stage_gain", "value_per_year", "opportunities_per_year",
                     "closest5_turnover", "old_stage_ties_lost", "referral_ties")
ORIGIN_MEASURES = ("survival_1y", "median_life_weeks", "value_per_tie_year", "ties")


def outcome_names(scenario) -> list[str]:
    """The keys :func:`outcomes` returns for runs of ``scenario`` (sorted)."""
    names = [f"{c}.{e}" for c, effects in CLAIMS.items() for e in effects]
    names += [f"strategy.{s}.{m}" for s in scenario.cohorts.strategies for m in STRATEGY_MEASURES]
    names += [f"origin.{o}.{m}" for o in ORIGINS for m in ORIGIN_MEASURES]
    return sorted(names)


def outcomes(results, origin: pd.DataFrame | None = None) -> dict[str, float]:
    """Named scalar outcomes of one run (see the module docstring); NaN where undefined.

    ``origin``: the run's :func:`origin_table`, if already computed.
    """
    out = dict.fromkeys(outcome_names(results.scenario), np.nan)
    steps = results.scenario.steps
    ties = results.ties
    ppl = results.people

    if origin is None:
        origin = origin_table(ties, steps)
    for o, row in origin.iterrows():
        for m in ORIGIN_MEASURES:
            out[f"origin.{o}.{m}"] = float(row[m])
    grown = ties[ties["birth"] > 0]
    others = {o: _pooled(grown[grown["origin"].isin([x for x in CHOSEN if x != o])], steps)
              for o in ("mixer", "activity")}

    strat = strategy_table(results)
    for s, row in strat.iterrows():
        for m in STRATEGY_MEASURES:
            out[f"strategy.{s}.{m}"] = float(row[m])

    def diff(table, a, b, col):
        if a in table.index and b in table.index:
            return float(table.loc[a, col] - table.loc[b, col])
        return np.nan

    has = ppl["closest5_stage"].notna().to_numpy()
    if has.sum() > 2:
        out["h1.closest5_correlation"] = float(np.corrcoef(
            ppl["stage"].to_numpy()[has], ppl["closest5_stage"].to_numpy()[has])[0, 1])
    for col in ("survival_1y", "value_per_tie_year"):
        out[f"h2.{col}.others_minus_mixer"] = others["mixer"][col] - origin.loc["mixer", col]
        out[f"h3.{col}.activity_minus_others"] = (origin.loc["activity", col]
                                                  - others["activity"][col])
        out[f"h5.{col}.meetup_minus_mixer"] = diff(origin, "meetup", "mixer", col)
    out["h4.stage_gain.grow_minus_passive"] = diff(strat, "grow", "passive", "stage_gain")
    out["h4.old_stage_ties_lost.grow_minus_passive"] = diff(strat, "grow", "passive",
                                                            "old_stage_ties_lost")
    out["h4.closest5_turnover.grow_minus_passive"] = diff(strat, "grow", "passive",
                                                          "closest5_turnover")
    out["h5.value_per_year.meetup_minus_mixer"] = diff(strat, "meetup", "mixer", "value_per_year")
    out["h6.referral_ties.grow_minus_passive"] = diff(strat, "grow", "passive", "referral_ties")
    out["h6.introductions.top_decile_excess"] = top_decile_share(
        ppl["degree"].to_numpy(), ppl["introductions_made"].to_numpy()) - 0.1
    return {k: float(v) for k, v in sorted(out.items())}


# ---------------------------------------------------------------- ties by origin

def _lives(ties: pd.DataFrame, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Weeks each tie lived (birth to death, or to the end) and whether it is censored
    (still alive, or ended by a person leaving: it did not fade)."""
    death = ties["death"].to_numpy(dtype=float, na_value=np.nan)
    alive = np.isnan(death)
    life = np.where(alive, steps, death) - ties["birth"].to_numpy()
    return life, alive | (ties["cause"] == "left").to_numpy()


def _km(life: np.ndarray, censored: np.ndarray):
    """Kaplan–Meier fit (scipy.stats.ecdf); None when no tie faded (S = 1 throughout)."""
    if life.size == 0 or censored.all():
        return None
    return stats.ecdf(stats.CensoredData.right_censored(life, censored))


def survival(ties: pd.DataFrame, steps: int):
    """Kaplan–Meier survival of ties (weeks); ties ended by a person leaving are censored.

    Returns a ``scipy.stats`` ECDF result (use ``.sf.evaluate(weeks)``), or None
    without ties or when no tie faded.
    """
    return _km(*_lives(ties, steps))


def survival_at(km, weeks, longest: float) -> np.ndarray:
    """S(t) at ``weeks``; 1 where no tie faded; NaN beyond the longest observed life."""
    weeks = np.asarray(weeks, dtype=float)
    s = np.ones_like(weeks) if km is None else km.sf.evaluate(weeks)
    return np.where(weeks <= longest, s, np.nan)


def _pooled(ties: pd.DataFrame, steps: int, weeks: np.ndarray | None = None) -> dict:
    """Survival and value figures of one group of ties (and S(weeks) if ``weeks`` is given)."""
    if len(ties) == 0:
        return {"ties": 0, "survival_1y": np.nan, "median_life_weeks": np.nan,
                "value_per_tie_year": np.nan, "curve": None}
    life, censored = _lives(ties, steps)
    km = _km(life, censored)
    longest = float(life.max())
    s1 = float(survival_at(km, [YEAR], longest)[0])
    median = np.nan
    if km is not None:
        grid = np.arange(0, int(longest) + 1)
        below = np.flatnonzero(km.sf.evaluate(grid) <= 0.5)
        median = float(grid[below[0]]) if below.size else np.nan
    years = life.sum() / YEAR  # exposure: every tie's life so far, censored or not
    value = float(ties["value"].sum() / years) if years > 0 else np.nan
    return {"ties": len(ties), "survival_1y": s1, "median_life_weeks": median,
            "value_per_tie_year": value,
            "curve": None if weeks is None else survival_at(km, weeks, longest)}


def origin_summary(ties: pd.DataFrame, steps: int,
                   weeks: np.ndarray | None = None) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """:func:`origin_table` and, if ``weeks`` is given, each origin's S(weeks), in one pass."""
    rows = {o: _pooled(ties[ties["origin"] == o], steps, weeks) for o in ORIGINS}
    curves = {o: r.pop("curve") for o, r in rows.items()}
    table = pd.DataFrame.from_dict(rows, orient="index")[list(ORIGIN_MEASURES)]
    return table, {o: c for o, c in curves.items() if c is not None}


def origin_table(ties: pd.DataFrame, steps: int) -> pd.DataFrame:
    """Per origin: ties made, one-year survival, median life (weeks), value per tie-year."""
    return origin_summary(ties, steps)[0]


# ---------------------------------------------------------------- focal cohorts

def strategy_table(results) -> pd.DataFrame:
    """Per focal strategy, means over the cohort's members present at the end.

    ``stage_gain``; ``value_per_year`` and ``opportunities_per_year``
    received; ``closest5_turnover`` = 1 − share of the starting closest five
    still among the closest five; ``old_stage_ties_lost`` = share of a
    member's starting ties to people whose start stage was within
    ±``OLD_STAGE_BAND`` of theirs that had faded by the end (stages at week 0,
    see :func:`start_stage`; ties ended by someone leaving are left out);
    ``referral_ties`` = referral ties made per member over the run.
    """
    sc = results.scenario
    years = sc.steps / YEAR
    ppl = results.people
    ties = results.ties
    start = start_stage(results)
    rows = {}
    initial = ties[ties["birth"] == 0]
    referral = ties[ties["origin"] == "referral"]
    for s in sc.cohorts.strategies:
        m = ppl[ppl["cohort"] == s]
        if len(m) == 0:
            continue
        members = m["pid"].to_numpy()
        rows[s] = {
            "stage_gain": float((m["stage"] - m["stage_start"]).mean()),
            "value_per_year": float(m["opportunity_value"].mean() / years),
            "opportunities_per_year": float(m["opportunities"].mean() / years),
            "closest5_turnover": float(1.0 - m["closest5_kept"].mean()),
            "old_stage_ties_lost": _old_stage_lost(initial, members, start),
            "referral_ties": float((np.isin(referral["a"], members).sum()
                                    + np.isin(referral["b"], members).sum()) / len(m)),
        }
    return pd.DataFrame.from_dict(rows, orient="index",
                                  columns=list(STRATEGY_MEASURES)).astype(float)


def start_stage(results) -> pd.Series:
    """Stage at week 0 by pid, for everyone alive then (also those who left since)."""
    start = getattr(results, "start", None)
    if start is not None and len(start):
        return start.set_index("pid")["stage"]
    ppl = results.people  # results without a week-0 table: people present at the end only
    return ppl[ppl["joined"] == 0].set_index("pid")["stage_start"]


STAGE_BINS = ("below", "same", "above")  # alter's start stage vs ego's, ± OLD_STAGE_BAND


def _starting_ties(initial: pd.DataFrame, members: np.ndarray,
                   start: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Members' starting ties that did not end by someone leaving.

    Returns (bin of the alter's start stage relative to the ego's: 0 below,
    1 same, 2 above; faded by the end).
    """
    keep = initial["cause"] != "left"
    bins, lost = [], []
    for ego_col, alter_col in (("a", "b"), ("b", "a")):
        t = initial[keep & np.isin(initial[ego_col], members)]
        gap = (start.reindex(t[alter_col].to_numpy()).to_numpy()
               - start.reindex(t[ego_col].to_numpy()).to_numpy())
        b = np.where(gap < -OLD_STAGE_BAND, 0, np.where(gap > OLD_STAGE_BAND, 2, 1))
        bins.append(np.where(np.isnan(gap), -1, b))
        lost.append(t["death"].notna().to_numpy())
    return np.concatenate(bins), np.concatenate(lost)


def _old_stage_lost(initial: pd.DataFrame, members: np.ndarray, start: pd.Series) -> float:
    """Share of members' starting ties to people at their old stage that faded by the end."""
    bins, lost = _starting_ties(initial, members, start)
    near = lost[bins == 1]
    return float(near.mean()) if near.size else np.nan


def starting_ties_lost(results) -> pd.DataFrame:
    """Per focal strategy and alter's relative start stage: share of starting ties faded.

    Columns: strategy, alter_stage (below / same / above the ego's start
    stage, ± ``OLD_STAGE_BAND``), ties, lost (share in [0, 1]).
    """
    ppl = results.people
    ties = results.ties
    initial = ties[ties["birth"] == 0]
    start = start_stage(results)
    rows = []
    for s in results.scenario.cohorts.strategies:
        members = ppl.loc[ppl["cohort"] == s, "pid"].to_numpy()
        bins, lost = _starting_ties(initial, members, start)
        for b, name in enumerate(STAGE_BINS):
            x = lost[bins == b]
            rows.append({"strategy": s, "alter_stage": name, "ties": int(x.size),
                         "lost": float(x.mean()) if x.size else np.nan})
    return pd.DataFrame(rows)


def top_decile_share(degree: np.ndarray, made: np.ndarray) -> float:
    """Share of all introductions made by the top tenth of people by degree (ties by rank)."""
    total = made.sum()
    if total == 0:
        return np.nan
    order = np.lexsort((np.arange(degree.size), -degree))  # highest degree first, stable
    top = order[: max(1, degree.size // 10)]
    return float(made[top].sum() / total)
