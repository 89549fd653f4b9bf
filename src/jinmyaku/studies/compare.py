"""Comparisons read from the results tables: each strategy against a reference strategy
within one run, and two runs person by person.

Everything here works from :class:`Results` tables (``people``, ``ties``,
``opportunities``), never from the model's internals, so it reads any run
folder of this format.

*Within a run* (:func:`versus`), each focal cohort's mean is set against the
reference cohort's (``passive`` when the scenario has it): different people,
so the interval is that of a difference of independent means.

*Between two runs* (:func:`paired`): two runs with the same seed and the same
``[population]`` build the same people, and every random draw is tied to a
person, a purpose and a week (common random numbers), so a person's outcome in
run B differs from theirs in run A only where the change between the runs
reaches. Each difference is the mean over persons of (B − A), with the interval
of paired differences. A pair is a person (``pid``) who is in the same focal
cohort at the end of both runs: members who left in either run (and were
replaced by a newcomer) are not paired.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jinmyaku.analysis import intervals
from jinmyaku.errors import InputError
from jinmyaku.model.vocabulary import CLOSEST, ORIGINS
from jinmyaku.storage import ledger
from jinmyaku.studies.results import Results, _opps_by_origin, _ties_by_origin

BASE = "passive"
HEADLINE = "opportunities_per_year"

# Per-person measures, in the order they are shown (names as in summary.parquet).
MEASURES = ["opportunities_per_year", "opportunity_value_per_year", "stage_start", "stage_end",
            "stage_gain", f"closest{CLOSEST}_stage_end", "ties_alive"]
BY_ORIGIN = ["ties_alive", "opportunities_per_year"]  # also per origin: f"{measure}_{origin}"


def base_strategy(strategies: list[str]) -> str | None:
    """The reference strategy: ``passive`` if the scenario has it, else the first."""
    if not strategies:
        return None
    return BASE if BASE in strategies else strategies[0]


def person_measures(res: Results) -> pd.DataFrame:
    """One row per focal cohort member present at the end (index ``pid``): ``cohort`` and
    every per-person measure, with ``ties_alive_<origin>`` and
    ``opportunities_per_year_<origin>`` (received through ties of that origin)."""
    ppl = res.people
    years = res.scenario.steps / 52.0
    pids = ppl["pid"].to_numpy()
    focal = (ppl["cohort"].astype(str) != "background").to_numpy()
    deg = np.zeros((len(ppl), len(ORIGINS)), dtype=np.int64)
    for alive in ledger.alive_batches(res.ties, ["a", "b", "origin"]):
        deg += _ties_by_origin(alive, pids)
    opps = _opps_by_origin(res.opportunities, pids)
    out = pd.DataFrame({
        "pid": pids, "cohort": ppl["cohort"].astype(str).to_numpy(),
        "opportunities_per_year": ppl["opportunities"].to_numpy() / years,
        "opportunity_value_per_year": ppl["opportunity_value"].to_numpy() / years,
        "stage_start": ppl["stage_start"].to_numpy(), "stage_end": ppl["stage"].to_numpy(),
        "stage_gain": (ppl["stage"] - ppl["stage_start"]).to_numpy(),
        f"closest{CLOSEST}_stage_end": ppl[f"closest{CLOSEST}_stage"].to_numpy(dtype=float),
        "ties_alive": deg.sum(axis=1),
    })
    for o, origin in enumerate(ORIGINS):
        out[f"ties_alive_{origin}"] = deg[:, o]
    for o, origin in enumerate(ORIGINS):
        out[f"opportunities_per_year_{origin}"] = opps[:, o] / years
    return out[focal].set_index("pid")


def versus(res: Results, measure: str = HEADLINE) -> pd.DataFrame:
    """Each focal strategy against the reference strategy (:func:`base_strategy`) on a
    per-person ``measure``: columns ``strategy``, ``base``, ``mean``, ``base_mean``,
    ``difference``, ``lo``, ``hi`` (95% interval of the difference of independent
    means), ``ratio`` (mean / base mean; NaN when the base mean is 0), ``n``,
    ``n_base``. One row per strategy, the reference included (difference 0)."""
    strategies = list(res.scenario.cohorts.strategies) if res.scenario.cohort_size > 0 else []
    cols = ["strategy", "base", "mean", "base_mean", "difference", "lo", "hi", "ratio", "n",
            "n_base"]
    base = base_strategy(strategies)
    if base is None:
        return pd.DataFrame(columns=cols)
    pm = person_measures(res)
    values = {s: pm.loc[pm["cohort"] == s, measure].to_numpy(dtype=float) for s in strategies}
    ref = intervals.finite(values[base])
    ref_mean = float(ref.mean()) if ref.size else np.nan
    rows = []
    for s in strategies:
        v = intervals.finite(values[s])
        mean = float(v.mean()) if v.size else np.nan
        if s == base:
            d = intervals.Interval(0.0, np.nan, np.nan)
        else:
            d = intervals.mean_difference(v, ref)
        ratio = mean / ref_mean if ref_mean and np.isfinite(ref_mean) else np.nan
        rows.append({"strategy": s, "base": base, "mean": mean, "base_mean": ref_mean,
                     "difference": d.value, "lo": d.lo, "hi": d.hi, "ratio": ratio,
                     "n": int(v.size), "n_base": int(ref.size)})
    return pd.DataFrame(rows, columns=cols)


# ---------------------------------------------------------------- two runs


@dataclass
class Comparison:
    """Run B against run A, person by person (see the module's docstring).

    ``differences``: one row per (strategy, measure) with ``origin`` (None for a
    measure over all origins), ``a`` and ``b`` (means over the pairs), ``difference``
    (mean of B − A), ``lo``, ``hi`` (its 95% interval from the paired differences),
    ``unpaired_lo``, ``unpaired_hi`` (the interval the same difference would have
    between independent worlds: what pairing saves) and ``pairs``.
    ``changed``: (key, value in A, value in B) of every parameter that differs.
    """

    a: Results
    b: Results
    differences: pd.DataFrame
    changed: list[tuple[str, object, object]]


def check_comparable(a: Results, b: Results, name_a: str = "run A",
                     name_b: str = "run B") -> None:
    """InputError unless ``a`` and ``b`` share their seed and population (the same people
    with the same random numbers): a paired comparison means nothing otherwise."""
    sa, sb = a.scenario, b.scenario
    if sa.seed != sb.seed:
        raise InputError(
            f"{name_a} has seed {sa.seed} and {name_b} seed {sb.seed}: a paired comparison "
            f"needs two runs with the same seed, so that they share their people and their "
            f"random numbers. Run one of them again with --seed {sa.seed}; to compare "
            f"different worlds, use several seeds of each and compare their summaries.")
    if sa.population != sb.population:
        diff = [f"{k} {va} → {vb}" for k, va, vb in changed_parameters(a, b)
                if k.startswith("population.")]
        raise InputError(
            f"{name_a} and {name_b} do not have the same population ({'; '.join(diff)}): "
            f"a paired comparison needs the same people over the same horizon. Compare runs "
            f"that differ in other parameters (--set processes.…, strategies.…).")


def changed_parameters(a: Results, b: Results) -> list[tuple[str, object, object]]:
    """(key path, value in a, value in b) of every resolved parameter that differs."""
    fa = _flat(tomllib.loads(a.scenario.to_toml()))
    fb = _flat(tomllib.loads(b.scenario.to_toml()))
    return [(k, fa.get(k), fb.get(k)) for k in sorted(fa.keys() | fb.keys())
            if fa.get(k) != fb.get(k) and k not in ("name", "description")]


def _flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


def paired(a: Results, b: Results, name_a: str = "run A", name_b: str = "run B") -> Comparison:
    """Run ``b`` against run ``a``, person by person; InputError if they are not comparable
    (:func:`check_comparable`) or share no focal cohort member."""
    check_comparable(a, b, name_a, name_b)
    pa_, pb = person_measures(a), person_measures(b)
    common = pa_.index.intersection(pb.index)
    same = common[(pa_.loc[common, "cohort"] == pb.loc[common, "cohort"]).to_numpy()]
    strategies = [s for s in a.scenario.cohorts.strategies if s in b.scenario.cohorts.strategies]
    measures = [*MEASURES, *(f"{m}_{o}" for m in BY_ORIGIN for o in ORIGINS)]
    rows = []
    for s in strategies:
        who = same[(pa_.loc[same, "cohort"] == s).to_numpy()]
        if who.size == 0:
            continue
        for m in measures:
            x = pa_.loc[who, m].to_numpy(dtype=float)
            y = pb.loc[who, m].to_numpy(dtype=float)
            ok = np.isfinite(x) & np.isfinite(y)
            d = intervals.paired_difference(y[ok], x[ok])
            u = intervals.mean_difference(y[ok], x[ok])
            origin = next((o for o in ORIGINS if m.endswith(f"_{o}")), None)
            rows.append({"strategy": s, "measure": m, "origin": origin,
                         "a": float(x[ok].mean()) if ok.any() else np.nan,
                         "b": float(y[ok].mean()) if ok.any() else np.nan,
                         "difference": d.value, "lo": d.lo, "hi": d.hi,
                         "unpaired_lo": u.lo, "unpaired_hi": u.hi, "pairs": int(ok.sum())})
    if not rows:
        raise InputError(f"{name_a} and {name_b} share no focal cohort member (no person is in "
                         f"the same strategy's cohort at the end of both runs), so there is "
                         f"nothing to pair.")
    cols = ["strategy", "measure", "origin", "a", "b", "difference", "lo", "hi",
            "unpaired_lo", "unpaired_hi", "pairs"]
    return Comparison(a, b, pd.DataFrame(rows, columns=cols), changed_parameters(a, b))
