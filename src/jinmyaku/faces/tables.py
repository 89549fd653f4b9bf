"""What ``jinmyaku run`` and ``jinmyaku compare`` print: a headline in plain words,
tables that fit 80 columns, a glossary; or the same numbers as JSON or CSV.

Numbers are rounded to what their interval supports (the half-width to one
significant digit, two when it starts with 1 or 2), structural zeros (nobody
in the cohort has any) print as "—", and shares as percentages.
"""

from __future__ import annotations

import io
import json
import math
from enum import StrEnum

import numpy as np
import pandas as pd
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jinmyaku.faces.render.i18n import N_
from jinmyaku.model.vocabulary import CLOSEST, ORIGINS

NONE = "—"


class Format(StrEnum):
    """Output format of ``run`` and ``compare``."""

    table = "table"
    json = "json"
    csv = "csv"


def lit(value: object) -> str:
    return escape(str(value))


# ---------------------------------------------------------------- numbers for people


def _finite(x) -> bool:
    return x is not None and isinstance(x, int | float) and math.isfinite(x)


def decimals(half: float) -> int:
    """Decimals that show a value whose 95% half-width is ``half``: the half-width to one
    significant digit, or two when its first digit is 1 or 2 (0 to 3 decimals)."""
    if not _finite(half) or half <= 0:
        return 2
    exp = math.floor(math.log10(half))
    lead = half / 10 ** exp
    d = -exp + (1 if lead < 3 else 0)
    return min(3, max(0, d))


def cell(mean, lo, hi, *, percent: bool = False, signed: bool = False,
         zero: str = NONE, d: int | None = None) -> str:
    """``mean±half`` (the wider half of the 95% interval), rounded for people; ``zero``
    (default "—") when the mean and the interval are all 0 (a structural zero), the
    mean alone when the interval is that one value, "—" when there is no value. Shares
    as percentages with ``percent``."""
    if not _finite(mean):
        return NONE
    k = 100.0 if percent else 1.0
    mean, lo, hi = mean * k, lo * k if _finite(lo) else lo, hi * k if _finite(hi) else hi
    if mean == 0 and (not _finite(lo) or (lo == 0 and hi == 0)):
        return zero
    sign = "+" if signed else ""
    unit = "%" if percent else ""
    if not _finite(lo) or not _finite(hi):
        return f"{mean:{sign}.{1 if percent else 2}f}{unit}"
    if lo == hi == mean:  # no spread at all (e.g. every starting tie still alive): no "±0"
        return f"{mean + 0.0:{sign}g}{unit}"
    half = max(mean - lo, hi - mean)
    d = decimals(half) if d is None else d
    return f"{round(mean, d) + 0.0:{sign}.{d}f}±{half:.{d}f}{unit}"  # + 0.0: no "-0.000"


def shared_decimals(rows, mean="mean", *, percent: bool = False) -> int:
    """One precision for one measure: the decimals :func:`cell` gives the least precise
    of ``rows`` (dicts with ``mean``, ``lo``, ``hi``), so that columns stay narrow
    (148.8±0.3 beside 107.0±2.1, not 148.76±0.26 beside 107.01±2.10)."""
    k = 100.0 if percent else 1.0
    ds = [decimals(k * max(r[mean] - r["lo"], r["hi"] - r[mean])) for r in rows
          if r is not None and _finite(r[mean]) and _finite(r["lo"]) and _finite(r["hi"])
          and r["hi"] > r["lo"]]
    return min(ds, default=2)


def span(value, lo, hi) -> str:
    """``+0.26 (95% interval −0.21 to +0.73)``, rounded like :func:`cell`."""
    if not _finite(value):
        return NONE
    if not _finite(lo) or not _finite(hi):
        return f"{value:+.2f}"
    d = decimals(max(value - lo, hi - value))
    return f"{value:+.{d}f} (95% interval {lo:+.{d}f} to {hi:+.{d}f})".replace("-", "−")


def duration(steps: int) -> str:
    """``1 year``, ``5 years``, ``1.5 years``, ``10 weeks``."""
    if steps % 52 == 0:
        years = steps // 52
        return f"{years} year{'s' if years != 1 else ''}"
    if steps < 52:
        return f"{steps} week{'s' if steps != 1 else ''}"
    return f"{steps / 52:.3g} years"


def ratio_text(r) -> str:
    """``3.58×``: a ratio to the reference strategy, as the tables show it."""
    return f"{r:.2f}×" if _finite(r) else NONE


def table(title: str, first: str) -> Table:
    """A table that fits narrow terminals: no outer edge, headers that wrap rather than
    being cut with "…"."""
    t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
              pad_edge=False, title_style="bold")
    t.add_column(first, style="bold", overflow="fold")
    return t


def column(t: Table, header: str) -> None:
    t.add_column(header, justify="right", overflow="fold")


# ---------------------------------------------------------------- run


def headline_parts(vs: pd.DataFrame) -> list[dict]:
    """What the headline says of each strategy against the reference, largest difference
    first: ``strategy``; ``word`` (``more``, ``fewer``, ``same``: about as many at the
    precision the interval allows, or ``none``: no one left in the cohort); ``amount``
    (the difference's size, rounded like :func:`cell`); ``interval`` (``+0.86 to
    +1.04``, or None) and its ``ends`` (``("+0.86", "+1.04")``, or None). The
    terminal and the HTML report say it in their own words."""
    if vs.empty:
        return []
    base = vs["base"].iloc[0]
    others = vs[vs["strategy"] != base].sort_values("difference", ascending=False)
    parts = []
    for r in others.to_dict("records"):
        d, lo, hi = r["difference"], r["lo"], r["hi"]
        if not _finite(d):
            parts.append({"strategy": r["strategy"], "word": "none", "amount": "",
                          "interval": None, "ends": None, "difference": d, "lo": lo, "hi": hi})
            continue
        dd = decimals(max(d - lo, hi - d)) if _finite(lo) else 2
        word = "more" if d > 0 else "fewer"
        if round(abs(d), dd) == 0:
            word = "same"
        ends = ((f"{lo:+.{dd}f}".replace("-", "−"), f"{hi:+.{dd}f}".replace("-", "−"))
                if _finite(lo) else None)
        parts.append({"strategy": r["strategy"], "word": word,
                      "amount": "" if word == "same" else f"{abs(d):.{dd}f}",
                      "interval": f"{ends[0]} to {ends[1]}" if ends else None,
                      "ends": ends, "difference": d, "lo": lo, "hi": hi})
    return parts


def base_mean_text(vs: pd.DataFrame) -> str:
    base_mean = vs["base_mean"].iloc[0]
    return f"{base_mean:.2f}" if _finite(base_mean) else NONE


def headline(vs: pd.DataFrame, steps: int) -> str:
    """One sentence: how many more opportunities a year each strategy brought than the
    reference strategy, with its 95% interval, largest first."""
    if vs.empty:
        return ""
    base = vs["base"].iloc[0]
    staying = "staying passive" if base == "passive" else f"the {base} cohort"
    parts = []
    for i, p in enumerate(headline_parts(vs)):
        if p["word"] == "none":
            parts.append(f"{p['strategy']}: no one left in its cohort")
            continue
        word = {"same": "about as many"}.get(p["word"], p["word"])
        interval = p["interval"] or "no interval"
        amount = f"{p['amount']} " if p["amount"] else ""
        if i == 0:
            parts.append(f"{p['strategy']} brought {amount}{word} opportunities a year "
                         f"per person {'as' if p['word'] == 'same' else 'than'} {staying} "
                         f"(95% interval {interval})")
        else:
            parts.append(f"{p['strategy']} {amount}{word} ({interval})")
    per = base_mean_text(vs)
    who = "passive people" if base == "passive" else f"the {base} cohort"
    if not parts:
        return f"After {duration(steps)}, {who} got {per} opportunities a year per person."
    return (f"After {duration(steps)}, " + "; ".join(parts)
            + f". {who.capitalize()} got {per} a year.")


def noise(vs: pd.DataFrame) -> dict | None:
    """When chance swamps the headline, what :func:`noise_note` says: ``within`` (intervals
    that include 0), ``of`` (strategies against the reference), ``typical`` (the median
    half-width) and ``biggest`` (the largest difference), as text rounded alike; else None.

    Given when half or more of the strategies' intervals include 0, or when the
    typical (median) half-width of the intervals is at least half the largest
    difference: then even the clearest difference is less than two typical
    half-widths from none, and another seed may well reorder the strategies
    (measured on ``small``: over seeds 1–6 the grow cohort's difference ran from
    −0.24 to +0.61 with half-widths near 0.4).
    """
    others = vs[vs["strategy"] != vs["base"]]
    if others.empty:
        return None
    lo, hi, d = (others[k].to_numpy(dtype=float) for k in ("lo", "hi", "difference"))
    ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(d)
    within = int((~ok | ((lo <= 0) & (hi >= 0))).sum())
    half = np.maximum(d - lo, hi - d)[ok]
    biggest = float(np.abs(d[ok]).max()) if ok.any() else 0.0
    typical = float(np.median(half)) if half.size else np.inf
    if within * 2 < len(others) and typical < biggest / 2:
        return None
    dd = decimals(typical)
    return {"within": within, "of": len(others), "typical": f"{typical:.{dd}f}",
            "biggest": f"{biggest:.{dd}f}"}


def noise_note(vs: pd.DataFrame, cohort_size: int, steps: int) -> str | None:
    """A plain warning when chance swamps the headline (:func:`noise`), else None."""
    n = noise(vs)
    if n is None:
        return None
    within, of = n["within"], n["of"]
    include = (f"all {of} intervals include 0" if within == of else
               f"{within} of {of} intervals include"
               f"{'s' if within == 1 else ''} 0" if within else
               "no interval includes 0, but each is wide")
    return (f"Chance is about as large as these differences: {include}, and the intervals "
            f"reach about ±{n['typical']} against differences of at most {n['biggest']}. "
            f"With cohorts of {cohort_size} over {duration(steps)}, this world is for trying "
            f"commands, not for conclusions: run the default scenario (cohorts of 500 over "
            f"5 years), or compare two runs with the same seed (jinmyaku compare), which "
            f"pairs each person with themself.")


def show_run(console: Console, results, vs: pd.DataFrame) -> None:
    """The run's headline, its tables and the glossary."""
    s = results.summary()
    sc = results.scenario
    if s.empty:
        console.print("This scenario has no focal cohorts, so there is no table by strategy; "
                      "the run folder has the full results.")
        return
    cells = {(r["strategy"], r["measure"]): r for r in s.to_dict("records")}
    strategies = list(dict.fromkeys(s["strategy"]))
    base = vs["base"].iloc[0]

    def c(st, measure, **kw):
        r = cells.get((st, measure))
        d = shared_decimals([cells.get((x, measure)) for x in strategies],
                            percent=kw.get("percent", False))
        return NONE if r is None else cell(r["mean"], r["lo"], r["hi"], d=d, **kw)

    console.print(lit(headline(vs, sc.steps)), style="bold")
    note = noise_note(vs, sc.cohort_size, sc.steps)
    if note:
        console.print(note, style="yellow")
    console.print()
    ratio = dict(zip(vs["strategy"], vs["ratio"], strict=True))

    t = table(f"Opportunities received per person per year ({duration(sc.steps)})", "strategy")
    for h in ("n", "opportunities", f"× {base}", "value"):
        column(t, lit(h))
    for st in strategies:
        t.add_row(lit(st), str(cells[(st, "stage_end")]["n"]),
                  c(st, "opportunities_per_year"), ratio_text(ratio.get(st)),
                  c(st, "opportunity_value_per_year"))
    console.print(t)
    console.print()

    t = table("Stage (0 to 1) per person", "strategy")
    for h in ("at start", "at end", "gain", f"closest {CLOSEST}"):
        column(t, h)
    for st in strategies:
        t.add_row(lit(st), c(st, "stage_start"), c(st, "stage_end"), c(st, "stage_gain"),
                  c(st, f"closest{CLOSEST}_stage_end"))
    console.print(t)
    console.print()

    def by_origin(title, measure, **kw):
        t = table(title, "origin")
        for st in strategies:
            column(t, lit(st))
        for o in ORIGINS:
            t.add_row(o, *(c(st, f"{measure}{o}", **kw) for st in strategies))
        if measure == "ties_alive_":
            t.add_row("all", *(c(st, "ties_alive") for st in strategies), style="bold")
        console.print(t)
        console.print()

    by_origin("Ties alive at the end per person, by origin", "ties_alive_")
    by_origin("Share of opportunities received through each tie origin",
              "opportunity_share_", percent=True)
    glossary(console, sc, base)


def glossary_entries(sc, base: str) -> list[tuple[str, str, dict]]:
    """The glossary under the run's tables, also in the HTML report: (term, text, values),
    the text an English message with ``%(name)s`` places for ``values`` (the report looks
    each one up in the catalogue of its language)."""
    leave = None
    if "life_events" in sc.schedule:
        leave = sc.processes.life_events.leave
    values = {"cohort": sc.cohort_size, "closest": CLOSEST, "base": base,
              "leave": f"{leave:g}" if leave else ""}
    left = (N_("any others left the world (each person leaves with a chance of %(leave)s a "
               "week) and were replaced by newcomers, who count in the background, not in a "
               "cohort") if leave else N_("no one leaves in this scenario"))
    return [
        ("stage", N_("how far along a person is, from 0 to 1 (skill, standing, ambition); "
                     "learning and acting raise it, and each opportunity asks for a stage"),
         values),
        ("value", N_("what the opportunities were worth: 1 + 4 × the stage each asked for, "
                     "so 1 to 5 apiece"), values),
        ("±", N_("half the width of the 95%% interval of the cohort's mean in this one "
                 "simulated world: how precisely the mean is known, not how much people "
                 "differ; another seed gives another world"), values),
        ("n", N_("cohort members still in the world at the end, out of %(cohort)s: "
                 "%(left)s; closest %(closest)s also leaves out people with no ties"),
         {**values, "left": left}),
        (f"× {base}", N_("the cohort's mean opportunities over the %(base)s cohort's"), values),
        (NONE, N_("none: no one in the cohort has any (mixer ties for people who never go to "
                  "mixers), or no value to show"), values),
    ]


def glossary(console: Console, sc, base: str) -> None:
    g = Table.grid(padding=(0, 2))
    g.add_column(style="bold", no_wrap=True)
    g.add_column()
    for term, text, values in glossary_entries(sc, base):
        if "left" in values:
            values = {**values, "left": values["left"] % values}
        g.add_row(lit(term), lit(text % values))
    console.print(g, style="dim")


# ---------------------------------------------------------------- compare


def compare_headline(diff: pd.DataFrame, changed) -> str:
    h = diff[diff["measure"] == "opportunities_per_year"]
    what = "; ".join(f"{k} {_value(va)} → {_value(vb)}" for k, va, vb in changed[:3])
    what += f" and {len(changed) - 3} more" if len(changed) > 3 else ""
    if not changed:
        return ("The two runs have the same parameters, so every person's results are the "
                "same in both: every difference is 0.")
    parts = []
    for r in h.sort_values("difference", ascending=False).to_dict("records"):
        d = r["difference"]
        if d == 0 and (not _finite(r["lo"]) or r["lo"] == r["hi"]):
            parts.append(f"{r['strategy']} unchanged")
            continue
        within = _finite(r["lo"]) and r["lo"] <= 0 <= r["hi"]
        parts.append(f"{r['strategy']} {span(d, r['lo'], r['hi'])}"
                     + (", within noise" if within else ""))
    return (f"With {what}, opportunities a year per person changed by: " + "; ".join(parts)
            + ".")


def _value(v) -> str:
    return json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v


def show_compare(console: Console, comp, name_a: str, name_b: str) -> None:
    diff = comp.differences
    console.print(lit(compare_headline(diff, comp.changed)), style="bold")
    console.print()
    strategies = list(dict.fromkeys(diff["strategy"]))
    cells = {(r["strategy"], r["measure"]): r for r in diff.to_dict("records")}

    def c(st, measure):
        r = cells.get((st, measure))
        if r is None:
            return NONE
        d = shared_decimals([cells.get((x, measure)) for x in strategies], "difference")
        return cell(r["difference"], r["lo"], r["hi"], signed=True, zero="0", d=d)

    t = table("B − A per person, by strategy", "strategy")
    for h in ("pairs", "opportunities\na year", "value\na year", "stage\nat end",
              "ties\nalive"):
        column(t, h)
    for st in strategies:
        t.add_row(lit(st), str(cells[(st, "opportunities_per_year")]["pairs"]),
                  c(st, "opportunities_per_year"), c(st, "opportunity_value_per_year"),
                  c(st, "stage_end"), c(st, "ties_alive"))
    console.print(t)
    console.print()
    for title, measure in (("B − A: ties alive at the end per person, by origin", "ties_alive"),
                           ("B − A: opportunities a year per person, by origin of the tie",
                            "opportunities_per_year")):
        t = table(title, "origin")
        for st in strategies:
            column(t, lit(st))
        for o in ORIGINS:
            t.add_row(o, *(c(st, f"{measure}_{o}") for st in strategies))
        console.print(t)
        console.print()
    h = diff[diff["measure"] == "opportunities_per_year"]
    paired_w = (h["hi"] - h["lo"]).to_numpy()
    unpaired_w = (h["unpaired_hi"] - h["unpaired_lo"]).to_numpy()
    ok = (paired_w > 0) & (unpaired_w > 0)
    g = Table.grid(padding=(0, 2))
    g.add_column(style="bold", no_wrap=True)
    g.add_column()
    g.add_row("A, B", f"{lit(name_a)}, {lit(name_b)}: same seed ({comp.a.scenario.seed}) and "
                      f"population, so the same people with the same random numbers")
    changed = "; ".join(f"{k} {_value(va)} → {_value(vb)}" for k, va, vb in comp.changed)
    g.add_row("changed", lit(changed) if changed else "nothing")
    g.add_row("B − A", "each person's result in B minus theirs in A, averaged over the pairs")
    g.add_row("±", "half the width of the 95% interval of that mean, from the paired "
                   "differences" + (
                       f" (about {float((unpaired_w[ok] / paired_w[ok]).mean()):.1f}× narrower "
                       f"than between two independent worlds, for opportunities a year)"
                       if ok.any() else ""))
    g.add_row("pairs", "people in the same cohort at the end of both runs (those who left in "
                       "either run are not paired)")
    g.add_row("0", "no change for anyone in the cohort; — no value to show")
    console.print(g, style="dim")


# ---------------------------------------------------------------- JSON and CSV


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts with NaN as None and NumPy scalars as Python numbers."""
    out = []
    for r in df.to_dict("records"):
        out.append({k: _plain(v) for k, v in r.items()})
    return out


def _plain(v):
    if v is None:
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def to_json(obj: dict) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_csv(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n", float_format="%.10g")
    return buf.getvalue()


VERSUS_COLUMNS = ["strategy", "base", "mean", "base_mean", "difference", "lo", "hi", "ratio",
                  "n", "n_base"]


def run_json(results, vs: pd.DataFrame, out: str, files: list[str]) -> str:
    sc = results.scenario
    vs = vs.reindex(columns=VERSUS_COLUMNS)
    return to_json({
        "format": "jinmyaku.run/1",
        "scenario": sc.name, "seed": sc.seed, "steps": sc.steps, "years": sc.steps / 52,
        "people": sc.population.people, "cohort_size": sc.cohort_size,
        "out": out, "files": files,
        "headline": {"measure": "opportunities_per_year",
                     "text": headline(vs, sc.steps) if not vs.empty else None,
                     "noise_note": noise_note(vs, sc.cohort_size, sc.steps)
                     if not vs.empty else None,
                     "strategies": records(vs)},
        "summary": records(results.summary()),
    })


def run_csv(results, vs: pd.DataFrame) -> str:
    """summary.parquet's rows, then per strategy ``opportunities_per_year_vs_<base>`` (the
    difference from the reference strategy with its interval) and
    ``opportunities_per_year_ratio_<base>`` (mean over the base mean)."""
    s = results.summary()
    rows = [s]
    if not vs.empty:
        base = vs["base"].iloc[0]
        rows.append(pd.DataFrame({"strategy": vs["strategy"],
                                  "measure": f"opportunities_per_year_vs_{base}",
                                  "mean": vs["difference"], "lo": vs["lo"], "hi": vs["hi"],
                                  "n": vs["n"]}))
        rows.append(pd.DataFrame({"strategy": vs["strategy"],
                                  "measure": f"opportunities_per_year_ratio_{base}",
                                  "mean": vs["ratio"], "lo": float("nan"),
                                  "hi": float("nan"), "n": vs["n"]}))
    return to_csv(pd.concat(rows, ignore_index=True)[["strategy", "measure", "mean", "lo", "hi",
                                                      "n"]])


def compare_json(comp, name_a: str, name_b: str) -> str:
    def run(path, res):
        return {"path": path, "scenario": res.scenario.name, "seed": res.scenario.seed,
                "steps": res.scenario.steps}

    return to_json({
        "format": "jinmyaku.compare/1",
        "a": run(name_a, comp.a), "b": run(name_b, comp.b),
        "changed": [{"key": k, "a": va, "b": vb} for k, va, vb in comp.changed],
        "differences": records(comp.differences),
    })


def compare_csv(comp) -> str:
    return to_csv(comp.differences)
