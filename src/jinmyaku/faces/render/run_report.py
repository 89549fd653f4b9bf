"""``report.html`` of a run folder: the headline in plain words, five figures, a glossary.

Written by ``jinmyaku run`` into the run folder (listed in its manifest like
every other file) and rebuilt from a run folder by ``jinmyaku report``. The
numbers and their wording are those of the terminal (:mod:`jinmyaku.faces.tables`),
said in the report's language. One file, offline: figures are inline SVG, the
style sheet is inline, no font or script is loaded. Equal results and language
give equal bytes.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection

from jinmyaku._version import __version__
from jinmyaku.analysis import network
from jinmyaku.analysis.survival import kaplan_meier
from jinmyaku.faces import tables
from jinmyaku.faces.render import figures, palette
from jinmyaku.faces.render.i18n import N_, check_lang, translations
from jinmyaku.faces.render.pages import environment
from jinmyaku.model.vocabulary import ORIGINS
from jinmyaku.storage import files as io
from jinmyaku.storage import ledger

NAME = "report.html"
LAYERS = 4  # Dunbar's layers of an ego network (analysis.network.layer_membership)
MIN_AT_RISK = 20  # a survival curve stops where fewer ties than this are still observed

# Names as the model spells them; each is looked up in the report's catalogue.
LABELS = [N_("passive"), N_("mixer"), N_("meetup"), N_("grow"), N_("grow+meetup"),
          N_("family_school"), N_("workplace"), N_("activity"), N_("referral")]


class Speaker:
    """The report's words in one language: ``_`` (gettext), ``n_`` (ngettext), names."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        t = translations(lang)
        self._, self.n_ = t.gettext, t.ngettext

    def sentences(self, parts: list[str]) -> str:
        """Sentences one after another: with a space in English, none in Japanese."""
        return ("" if self.lang == "ja" else " ").join(parts)

    def name(self, name: str) -> str:
        """A strategy's or an origin's name in this language (unknown names as they are)."""
        return self._(name) if name in LABELS else name

    def duration(self, steps: int) -> str:
        if steps % 52 == 0:
            years = steps // 52
            return self.n_("%(num)d year", "%(num)d years", years) % {"num": years}
        if steps < 52:
            return self.n_("%(num)d week", "%(num)d weeks", steps) % {"num": steps}
        return self._("%(years)s years") % {"years": f"{steps / 52:.3g}"}


# ---------------------------------------------------------------- words


def headline(say: Speaker, vs: pd.DataFrame, steps: int) -> dict:
    """The headline of :func:`jinmyaku.faces.tables.headline_parts`, in ``say``'s language."""
    _ = say._
    base = vs["base"].iloc[0]
    against = (_("staying passive") if base == "passive"
               else _("the %(strategy)s cohort") % {"strategy": say.name(base)})
    lines = []
    for p in tables.headline_parts(vs):
        interval = (_("%(lo)s to %(hi)s") % {"lo": p["ends"][0], "hi": p["ends"][1]}
                    if p["ends"] else _("no interval"))
        values = {"strategy": say.name(p["strategy"]), "amount": p["amount"],
                  "interval": interval}
        text = {
            "more": N_("%(strategy)s: %(amount)s more opportunities a year per person "
                       "(95%% interval %(interval)s)"),
            "fewer": N_("%(strategy)s: %(amount)s fewer opportunities a year per person "
                        "(95%% interval %(interval)s)"),
            "same": N_("%(strategy)s: about as many opportunities a year per person "
                       "(95%% interval %(interval)s)"),
            "none": N_("%(strategy)s: no one was left in its cohort"),
        }[p["word"]]
        lines.append({"strategy": p["strategy"], "text": _(text) % values})
    return {
        "lead": _("After %(duration)s, compared with %(against)s:") % {
            "duration": say.duration(steps), "against": against},
        "lines": lines,
        "base": _("The %(strategy)s cohort got %(per)s opportunities a year per person.") % {
            "strategy": say.name(base), "per": tables.base_mean_text(vs)},
    }


def noise(say: Speaker, vs: pd.DataFrame, cohort_size: int, steps: int) -> str | None:
    n = tables.noise(vs)
    if n is None:
        return None
    return say._(
        "Chance is about as large as these differences: %(within)d of %(of)d intervals "
        "include 0, and the intervals reach about ±%(typical)s against differences of at "
        "most %(biggest)s. With cohorts of %(cohort)d over %(duration)s, this world is for "
        "trying commands, not for conclusions: run the default scenario (cohorts of 500 "
        "over 5 years), or compare two runs with the same seed (`jinmyaku compare`), which "
        "pairs each person with themself.") % {
        **n, "cohort": cohort_size, "duration": say.duration(steps)}


GLOSSARY_TERMS = {"stage": N_("stage"), "value": N_("value")}


def glossary(say: Speaker, sc, base: str) -> list[tuple[str, str]]:
    """The terminal's glossary (:func:`jinmyaku.faces.tables.glossary_entries`), translated."""
    out = []
    for term, text, values in tables.glossary_entries(sc, base):
        values = {**values, "base": say.name(base)}
        if "left" in values:
            values["left"] = say._(values["left"]) % values
        if term in GLOSSARY_TERMS:
            term = say._(term)
        elif term.startswith("× "):
            term = f"× {say.name(base)}"
        out.append((term, say._(text) % values))
    return out


def table_rows(results, vs: pd.DataFrame, say: Speaker) -> list[dict]:
    """Opportunities and their value a year per strategy, as the terminal's first table."""
    s = results.summary()
    cells = {(r["strategy"], r["measure"]): r for r in s.to_dict("records")}
    strategies = list(dict.fromkeys(s["strategy"]))
    ratio = dict(zip(vs["strategy"], vs["ratio"], strict=True))

    def c(st, measure):
        r = cells.get((st, measure))
        d = tables.shared_decimals([cells.get((x, measure)) for x in strategies])
        return tables.NONE if r is None else tables.cell(r["mean"], r["lo"], r["hi"], d=d)

    return [{"strategy": say.name(st), "key": st, "n": cells[(st, "stage_end")]["n"],
             "opportunities": c(st, "opportunities_per_year"),
             "ratio": tables.ratio_text(ratio.get(st)),
             "value": c(st, "opportunity_value_per_year")} for st in strategies]


# ---------------------------------------------------------------- figures


def _legend(ax, **kw) -> None:
    ax.legend(frameon=False, fontsize=8, **kw)


def stage_figure(results, strategies, colours, say: Speaker):
    _ = say._
    s = results.series
    fig, ax = figures.figure(6.4, 3.0, right=1.6)
    years = results.scenario.steps >= 104
    for st in strategies:
        rows = s[s["cohort"] == st]
        x = rows["step"].to_numpy() / (52 if years else 1)
        ax.plot(x, rows["stage"].to_numpy(), color=colours[st], ls=palette.dashes(st),
                marker=palette.marker(st), markevery=max(1, len(x) // 8), ms=4, lw=1.6,
                label=say.name(st))
    ax.set_xlabel(_("years") if years else _("weeks"))
    ax.set_ylabel(_("mean stage (0 to 1)"))
    _legend(ax, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figures.svg(fig, _("Stage by strategy over time"))


def _stacked(ax, strategies, values: dict[str, np.ndarray], say: Speaker) -> None:
    """Horizontal bars, one per strategy (first on top), in segments by origin."""
    y = np.arange(len(strategies))[::-1]
    left = np.zeros(len(strategies))
    for o, origin in enumerate(ORIGINS):
        w = np.array([values[st][o] for st in strategies])
        ax.barh(y, w, left=left, color=palette.origin_colour(origin), edgecolor="white",
                linewidth=0.5, label=say.name(origin), height=0.7)
        left += w
    ax.set_yticks(y, [say.name(st) for st in strategies])
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)


def ties_figure(results, strategies, say: Speaker):
    _ = say._
    s = results.summary()
    mean = {(r["strategy"], r["measure"]): r["mean"] for r in s.to_dict("records")}
    values = {st: np.nan_to_num([mean.get((st, f"ties_alive_{o}"), 0.0) for o in ORIGINS])
              for st in strategies}
    fig, ax = figures.figure(6.4, 0.45 * len(strategies) + 1.0, left=1.3, right=1.6)
    _stacked(ax, strategies, values, say)
    ax.set_xlabel(_("ties alive at the end, per person"))
    _legend(ax, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figures.svg(fig, _("Ties alive at the end by origin"))


def opportunities_figure(pm: pd.DataFrame, vs: pd.DataFrame, strategies, say: Speaker):
    _ = say._
    values = {}
    for st in strategies:
        rows = pm[pm["cohort"] == st]
        values[st] = np.array([rows[f"opportunities_per_year_{o}"].mean() if len(rows) else 0.0
                               for o in ORIGINS])
    values = {k: np.nan_to_num(v) for k, v in values.items()}
    fig, ax = figures.figure(6.4, 0.45 * len(strategies) + 1.0, left=1.3, right=1.6)
    _stacked(ax, strategies, values, say)
    # the interval of each cohort's mean (all origins together)
    y = np.arange(len(strategies))[::-1]
    mean = np.array([values[st].sum() for st in strategies])
    half = []
    for st in strategies:
        v = pm.loc[pm["cohort"] == st, "opportunities_per_year"].to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        half.append(1.96 * v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else 0.0)
    ax.errorbar(mean, y, xerr=np.array(half), fmt="none", ecolor="black", elinewidth=1,
                capsize=3)
    ax.set_xlabel(_("opportunities a year per person, by the origin of the tie they came "
                    "through"))
    _legend(ax, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figures.svg(fig, _("Opportunities by origin"))


def _batches(ties, columns: list[str]) -> Iterator[pd.DataFrame]:
    if isinstance(ties, ledger.SpilledTies):
        yield from ties.batches(columns)
    else:
        yield ties[columns]


def _origin_codes(origin: pd.Series) -> np.ndarray:
    """Origin codes in the vocabulary's order, whatever categories a table read back has."""
    return pd.Categorical(origin.astype(str), categories=list(ORIGINS)).codes


def survival_figure(results, say: Speaker):
    _ = say._
    steps = results.scenario.steps
    ages: dict[int, list[np.ndarray]] = {o: [] for o in range(len(ORIGINS))}
    ends: dict[int, list[np.ndarray]] = {o: [] for o in range(len(ORIGINS))}
    for b in _batches(results.ties, ["origin", "birth", "death", "cause"]):
        death = b["death"].to_numpy(dtype=float, na_value=np.nan)
        end = np.where(np.isnan(death), steps, death)
        age = (end - b["birth"].to_numpy()).astype(np.int64)
        ended = b["cause"].isin(["decayed", "displaced"]).to_numpy()
        codes = _origin_codes(b["origin"])
        for o in range(len(ORIGINS)):
            m = codes == o
            ages[o].append(age[m])
            ends[o].append(ended[m])
    fig, ax = figures.figure(6.4, 3.0, right=1.6)
    years = steps >= 104
    drawn, lowest = 0, 1.0
    for o, origin in enumerate(ORIGINS):
        age, ended = np.concatenate(ages[o]), np.concatenate(ends[o])
        if age.size < MIN_AT_RISK:
            continue
        t, s, at_risk = kaplan_meier(age, ended, steps)
        keep = at_risk >= MIN_AT_RISK
        ax.plot(t[keep] / (52 if years else 1), s[keep], drawstyle="steps-post",
                color=palette.origin_colour(origin), lw=1.8, label=say.name(origin))
        drawn += 1
        lowest = min(lowest, float(s[keep].min()))
    ax.set_ylim(max(0.0, np.floor(lowest * 10 - 0.5) / 10), 1.01)
    ax.set_xlabel(_("age of the tie (years)") if years else _("age of the tie (weeks)"))
    ax.set_ylabel(_("share of ties still alive"))
    if drawn:
        _legend(ax, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figures.svg(fig, _("Survival of ties by origin"))


def pick_ego(results, strategies, vs: pd.DataFrame) -> tuple[int, str] | None:
    """A typical member of the strategy with the largest difference against the reference
    (the first strategy if none): there from the start, still there at the end, with the
    cohort's median number of ties at the end (the lowest pid among equals)."""
    parts = tables.headline_parts(vs) if not vs.empty else []
    order = [p["strategy"] for p in parts if p["word"] != "none"] + list(strategies)
    ppl = results.people
    for st in order:
        m = ppl[(ppl["cohort"].astype(str) == st) & (ppl["joined"] == 0) & (ppl["degree"] > 0)]
        if len(m):
            median = float(np.median(m["degree"]))
            best = m.assign(d=(m["degree"] - median).abs()).sort_values(["d", "pid"]).iloc[0]
            return int(best["pid"]), st
    return None


def ego_ties(results, pid: int) -> pd.DataFrame:
    cols = ["uid", "a", "b", "origin", "birth", "death", "weight"]
    parts = []
    for b in _batches(results.ties, cols):
        m = (b["a"].to_numpy() == pid) | (b["b"].to_numpy() == pid)
        parts.append(b[m])
    t = pd.concat(parts, ignore_index=True)
    t["alter"] = np.where(t["a"] == pid, t["b"], t["a"])
    return t


def ego_figure(results, pid: int, strategy: str, say: Speaker):
    """The ego network at the start and at the end. At the end the alters sit on rings by
    layer (the strongest ties innermost), or by tie strength where the weights do not
    make four layers; at the start on one ring, since starting weights are not stored.
    Around each ring alters go by origin; the ties that lasted from the start to the
    end have a thick black edge in both."""
    _ = say._
    steps = results.scenario.steps
    t = ego_ties(results, pid)
    death = t["death"].to_numpy(dtype=float, na_value=np.nan)
    order = ["code", "alter"]
    start = t[(t["birth"] == 0)]
    start = start.assign(code=_origin_codes(start["origin"])).sort_values(order)
    end = t[np.isnan(death)]
    end = end.assign(code=_origin_codes(end["origin"])).sort_values(order)
    weights = end["weight"].to_numpy(dtype=float)
    layer = network.layer_membership(weights, LAYERS) if len(end) else None
    if layer is not None:
        radius_end = 1.0 + layer.astype(float)
        rings = [(1.0 + k, _("layer %(num)d") % {"num": k + 1}) for k in range(LAYERS)]
    else:
        top = weights.max() if weights.size else 1.0
        radius_end = 1.0 + (LAYERS - 1) * (1.0 - weights / (top or 1.0))
        rings = [(1.0, _("strongest")), (float(LAYERS), _("weakest"))]
    fig, axes = figures.figure(6.4, 3.6, ncols=2, left=0.05, right=0.05, bottom=0.45,
                               top=0.3)
    lasted = set(end["alter"]) & set(start["alter"])
    panels = (
        (axes[0], start, np.full(len(start), LAYERS / 2 + 0.5),
         [(LAYERS / 2 + 0.5, "")], _("start: %(n)d ties") % {"n": len(start)}),
        (axes[1], end, radius_end, rings,
         _("after %(duration)s: %(n)d ties, %(kept)d of them from the start") % {
             "duration": say.duration(steps), "n": len(end), "kept": len(lasted)}),
    )
    for ax, ties, radius, ring_list, title in panels:
        theta = np.linspace(0, 2 * np.pi, len(ties), endpoint=False) + np.pi / 2
        x, y = radius * np.cos(theta), radius * np.sin(theta)
        for r, label in ring_list:
            circle = np.linspace(0, 2 * np.pi, 120)
            ax.plot(r * np.cos(circle), r * np.sin(circle), color="#dddddd", lw=0.6,
                    zorder=0)
            if label:
                ax.text(0, r + 0.08, label, ha="center", va="bottom", fontsize=6,
                        color="#777777")
        spokes = np.zeros((len(x), 2, 2))
        spokes[:, 1, 0], spokes[:, 1, 1] = x, y
        ax.add_collection(LineCollection(spokes, colors="#cccccc", linewidths=0.4, zorder=1))
        colours = [palette.origin_colour(o) for o in ties["origin"].astype(str)]
        kept = ties["alter"].isin(lasted).to_numpy()
        ax.scatter(x, y, c=colours, s=np.where(kept, 30, 18),
                   edgecolors=np.where(kept, "black", "#333333"),
                   linewidths=np.where(kept, 1.5, 0.4), zorder=2)
        ax.scatter([0], [0], c="black", s=40, zorder=3)
        ax.set_title(title, fontsize=8)
        lim = LAYERS + 0.6
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.axis("off")
    present = [o for o in ORIGINS
               if o in {*start["origin"].astype(str), *end["origin"].astype(str)}]
    handles = [axes[1].scatter([], [], c=palette.origin_colour(o), s=18,
                               edgecolors="#333333", linewidths=0.4, label=say.name(o))
               for o in present]
    handles.append(axes[1].scatter([], [], c="white", s=30, edgecolors="black",
                                   linewidths=1.5, label=_("from the start to the end")))
    fig.legend(handles=handles, loc="lower center", ncols=min(4, len(handles)),
               frameon=False, fontsize=7)
    caption = _("One person of the %(strategy)s cohort (person %(pid)d, with the cohort's "
                "median number of ties at the end).") % {
        "strategy": say.name(strategy), "pid": pid}
    return figures.svg(fig, _("One ego network before and after")), caption, layer is not None


# ---------------------------------------------------------------- the page


def render(results, vs: pd.DataFrame, lang: str) -> str:
    """The report's HTML for ``results`` (``vs``: :func:`jinmyaku.studies.compare.versus`).

    The cyclic garbage collector is paused meanwhile: after a run the heap holds
    millions of objects, and the collections that matplotlib's many small objects
    set off would scan them all (a third of the report's time in ``run small``).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _render(results, vs, lang)
    finally:
        if enabled:
            gc.enable()


def _render(results, vs: pd.DataFrame, lang: str) -> str:
    from jinmyaku.studies import compare as compare_mod

    lang = check_lang(lang)
    say = Speaker(lang)
    _ = say._
    sc = results.scenario
    strategies = list(sc.cohorts.strategies) if sc.cohort_size > 0 else []
    colours = palette.strategy_colours(strategies)
    sections = []
    context = {
        "title": _("What each strategy brought: %(scenario)s, seed %(seed)d") % {
            "scenario": sc.name, "seed": sc.seed},
        "facts": _("%(people)s people over %(duration)s, %(strategies)d focal cohorts of "
                   "%(cohort)d people each (scenario %(scenario)s, seed %(seed)d).") % {
            "people": f"{sc.population.people:,}", "duration": say.duration(sc.steps),
            "strategies": len(strategies), "cohort": sc.cohort_size, "scenario": sc.name,
            "seed": sc.seed},
        "version": __version__, "headline": None, "noise": None, "rows": [],
        "glossary": [], "sections": sections, "colours": colours,
    }
    if strategies and not vs.empty:
        base = vs["base"].iloc[0]
        context.update(headline=headline(say, vs, sc.steps),
                       noise=noise(say, vs, sc.cohort_size, sc.steps),
                       rows=table_rows(results, vs, say), base=say.name(base),
                       glossary=glossary(say, sc, base))
        pm = compare_mod.person_measures(results)
        sections += [
            {"id": "opportunities", "title": _("Opportunities by origin"),
             "figure": opportunities_figure(pm, vs, strategies, say),
             "caption": _("Opportunities a year per person in each cohort, split by the "
                          "origin of the tie each came through; the whisker is the 95%% "
                          "interval of the cohort's mean.") % {}},
            {"id": "stage", "title": _("Stage by strategy over time"),
             "figure": stage_figure(results, strategies, colours, say),
             "caption": _("The mean stage (0 to 1) of each cohort's members, week by week.")},
            {"id": "ties", "title": _("Ties alive by origin"),
             "figure": ties_figure(results, strategies, say),
             "caption": _("Ties alive at the end per person in each cohort, split by how "
                          "each tie was made.")},
        ]
    sections.append(
        {"id": "survival", "title": _("Survival of ties by origin"),
         "figure": survival_figure(results, say),
         "caption": _("The share of ties of each origin still alive at each age "
                      "(Kaplan–Meier, over every tie in the world). A tie that ended because "
                      "a person left the world, or that was still alive at the end, counts "
                      "until then; a curve stops where fewer than %(n)d ties are left to "
                      "follow.") % {"n": MIN_AT_RISK}})
    ego = pick_ego(results, strategies, vs) if strategies else None
    if ego is not None:
        svg, caption, layered = ego_figure(results, *ego, say)
        rings = (_("At the end the ties sit on four rings, the layers of this person's "
                   "network by tie strength (the strongest innermost).") if layered else
                 _("At the end the ties sit nearer the centre the stronger they are."))
        sections.append({
            "id": "ego", "title": _("One ego network before and after"), "figure": svg,
            "caption": say.sentences([caption, rings, _(
                "At the start they sit on one ring: the run does not store the weights ties "
                "had then. Colours are the ties' origins; a thick black edge marks a tie "
                "that lasted from the start to the end.")])})
    return environment(lang).get_template("run_report.html.j2").render(**context)


def write(results, vs: pd.DataFrame, folder: Path, lang: str) -> str:
    """Write ``report.html`` into ``folder`` atomically; returns its name."""
    html = render(results, vs, lang)
    io.write_text(Path(folder) / NAME, html)
    return NAME


def rebuild(folder: Path, lang: str) -> Path:
    """``jinmyaku report``: rebuild ``report.html`` of a run folder from its files, and
    list it in the manifest (both written atomically, under the folder's lock)."""
    from jinmyaku.storage.folders import OutputFolder
    from jinmyaku.studies import compare as compare_mod
    from jinmyaku.studies.results import Results

    lang = check_lang(lang)
    folder = Path(folder)
    results = Results.read(folder)  # a complete run folder, checksums checked
    claim = OutputFolder(folder, "run folder")
    claim.claim()  # no run writes the folder meanwhile
    try:
        vs = compare_mod.versus(results)
        write(results, vs, folder, lang)
        path = folder / "manifest.json"
        manifest = json.loads(path.read_text(encoding="utf-8"))
        manifest["files"][NAME] = io.sha256(folder / NAME)
        io.write_text(path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    finally:
        claim.release()
        results.close()
    return folder / NAME
