"""The claims report: figures (PNG and SVG), Markdown, and one self-contained HTML page.

The page and the Markdown are rendered from the same list of blocks
(headings, paragraphs, tables, figures), so they always say the same thing.
The HTML embeds its figures as data URIs and loads nothing from the
network. Every file is written atomically; ``manifest.json`` comes last.
Equal inputs give equal bytes (SVG dates and ids are fixed).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pyarrow as pa
from matplotlib.figure import Figure as MplFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

from jinmyaku._version import __version__
from jinmyaku.errors import InputError
from jinmyaku.faces.render import palette
from jinmyaku.faces.render.i18n import N_, translations
from jinmyaku.model.vocabulary import ORIGINS
from jinmyaku.storage import files as io
from jinmyaku.storage import markdown
from jinmyaku.storage.folders import OutputFolder
from jinmyaku.studies.claims.assumptions import hour_buys, mechanism_table
from jinmyaku.studies.claims.experiment import (
    CLAIM_TEXT,
    HEADLINE,
    MMD,
    ClaimsResult,
    t_interval,
    verdicts,
)

# Figures are matplotlib Figure objects saved directly (Agg for PNG, the SVG backend
# for SVG), not pyplot figures: no global backend is chosen and no figure is left open
# in the caller's pyplot state. Settings apply only while a figure is saved.
SAVE_RC = {"svg.hashsalt": "jinmyaku"}  # fixed SVG ids: equal figures give equal bytes
# one colour per origin and per strategy in every figure (faces/render/palette.py)
ORIGIN_COLOURS = {o: palette.origin_colour(o) for o in ORIGINS}
HOLDS, FAILS = palette.OKABE_ITO["bluish green"], palette.OKABE_ITO["vermillion"]
# Plain words: no glyph that needs an emoji font (issue 17)
VERDICT_MARK = {"supported": "supported", "not supported": "not supported",
                "depends": "depends"}


# ---------------------------------------------------------------- blocks

@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str


@dataclass
class Table:
    frame: pd.DataFrame


@dataclass
class Figure:
    name: str
    caption: str


def to_markdown(blocks: list) -> str:
    out = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append("#" * b.level + " " + b.text)
        elif isinstance(b, Para):
            out.append(b.text)
        elif isinstance(b, Table):
            out.append(markdown.table(list(b.frame.columns), b.frame.itertuples(index=False)))
        elif isinstance(b, Figure):
            out.append(f"![{b.caption}](figures/{b.name}.png)\n\n*{b.caption}* "
                       f"([SVG](figures/{b.name}.svg))")
    return "\n\n".join(out) + "\n"


def to_html(blocks: list, figures: Path, title: str, lang: str = "en") -> str:
    """The blocks as one self-contained page: the render layer's template
    (``claims_report.html.j2`` on ``base.html.j2``), Markdown by markdown-it-py, figures
    embedded as PNG."""
    from jinmyaku.faces.render.pages import environment

    items = []
    for b in blocks:
        if isinstance(b, Heading):
            items.append({"kind": "heading", "level": b.level, "text": b.text})
        elif isinstance(b, Para):
            items.append({"kind": "para", "text": b.text})
        elif isinstance(b, Table):
            items.append({"kind": "table", "markdown": to_markdown([b])})
        elif isinstance(b, Figure):
            data = base64.b64encode((figures / f"{b.name}.png").read_bytes()).decode()
            items.append({"kind": "figure", "caption": b.caption, "png": data})
    return environment(lang).get_template("claims_report.html.j2").render(
        blocks=items, title=title, version=__version__)


# ---------------------------------------------------------------- numbers

def fmt(x: float, digits: int = 3) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:.{digits}g}"


def ci_text(row) -> str:
    if not np.isfinite(row["lo"]):
        return fmt(row["mean"])
    return f"{fmt(row['mean'])} [{fmt(row['lo'])}, {fmt(row['hi'])}]"


# ---------------------------------------------------------------- figures

def _figure(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float]):
    """A new figure (no pyplot) and its axes, as ``plt.subplots`` gives them."""
    fig = MplFigure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols)


def _save(fig: MplFigure, folder: Path, name: str) -> None:
    with matplotlib.rc_context(SAVE_RC):
        for ext, meta in (("png", {"Software": None}), ("svg", {"Date": None})):
            io.atomic_write(folder / f"{name}.{ext}",
                            lambda tmp, ext=ext, meta=meta: fig.savefig(
                                tmp, format=ext, dpi=110, metadata=meta, bbox_inches="tight"))


def _band(ax, x, runs: np.ndarray, colour: str, label: str) -> None:
    """Mean over replicates with its pointwise 95% t-interval as a band."""
    cis = [t_interval(runs[:, k]) for k in range(runs.shape[1])]
    mean = np.array([c["mean"] for c in cis])
    lo = np.array([c["lo"] for c in cis])
    hi = np.array([c["hi"] for c in cis])
    ax.plot(x, mean, color=colour, label=label, lw=1.8)
    ax.fill_between(x, lo, hi, color=colour, alpha=0.2, lw=0)


def fig_survival(res: ClaimsResult, folder: Path) -> None:
    fig, ax = _figure(figsize=(7, 4.2))
    for o in ORIGINS:
        curves = [r["survival"][o] for r in res.replicates if o in r["survival"]]
        if not curves:
            continue
        n = min(len(c) for c in curves)
        runs = np.array([c[:n] for c in curves])
        _band(ax, np.arange(n) / 52, runs, ORIGIN_COLOURS[o], o)
    ax.set(xlabel="years since the tie was made", ylabel="share of ties still alive",
           ylim=(0, 1.02), title="How long ties last, by how they began (Kaplan–Meier)")
    ax.legend(frameon=False, fontsize=9)
    ax.grid(alpha=0.3)
    _save(fig, folder, "survival")


def fig_stage(res: ClaimsResult, folder: Path) -> None:
    fig, ax = _figure(figsize=(7, 4.2))
    series = [r["series"] for r in res.replicates]
    strategies = list(dict.fromkeys(series[0]["cohort"]))
    colours = palette.strategy_colours(strategies)
    for s in strategies:
        runs = np.array([df.loc[df["cohort"] == s, "stage"].to_numpy() for df in series])
        steps = series[0].loc[series[0]["cohort"] == s, "step"].to_numpy()
        _band(ax, steps / 52, runs, colours[s], s)
        ax.lines[-1].set_linestyle(palette.dashes(s))
        ax.lines[-1].set_marker(palette.marker(s))
        ax.lines[-1].set_markevery(max(1, len(steps) // 8))
    ax.set(xlabel="years", ylabel="mean stage of the cohort",
           title="Stage over time, by strategy (equal free hours)")
    ax.legend(frameon=False, fontsize=9)
    ax.grid(alpha=0.3)
    _save(fig, folder, "stage")


def bottom_line(res: ClaimsResult) -> pd.DataFrame:
    """Per strategy: opportunities and their value a year, stage gained; mean and 95%
    interval over replicates."""
    rows = []
    for s in res.scenario.cohorts.strategies:
        row = {"strategy": s}
        for m in ("opportunities_per_year", "value_per_year", "stage_gain"):
            ci = t_interval([r["outcomes"].get(f"strategy.{s}.{m}", np.nan)
                             for r in res.replicates])
            row.update({m: ci["mean"], f"{m}_lo": ci["lo"], f"{m}_hi": ci["hi"]})
        rows.append(row)
    return pd.DataFrame(rows)


def fig_bottom_line(res: ClaimsResult, folder: Path) -> None:
    t = bottom_line(res)
    colours = palette.strategy_colours(t["strategy"])
    fig, ax = _figure(figsize=(8, 0.45 * len(t) + 1.4))
    y = np.arange(len(t))[::-1]
    err = np.array([t["opportunities_per_year"] - t["opportunities_per_year_lo"],
                    t["opportunities_per_year_hi"] - t["opportunities_per_year"]])
    ax.barh(y, t["opportunities_per_year"], color=[colours[s] for s in t["strategy"]],
            xerr=np.nan_to_num(err), capsize=3)
    ax.set_yticks(y, t["strategy"])
    ax.set(xlabel="opportunities a year (jobs, clients, information) per person",
           title="The bottom line: what each way of spending the same free hours brings")
    ax.grid(alpha=0.3, axis="x")
    _save(fig, folder, "bottom_line")


def _strategy_bars(res: ClaimsResult, folder: Path, measure: str, label: str, title: str,
                   name: str) -> None:
    strategies = list(res.scenario.cohorts.strategies)
    colours = palette.strategy_colours(strategies)
    cis = [t_interval([r["outcomes"].get(f"strategy.{s}.{measure}", np.nan)
                       for r in res.replicates]) for s in strategies]
    mean = np.array([c["mean"] for c in cis])
    err = np.array([[c["mean"] - c["lo"] for c in cis], [c["hi"] - c["mean"] for c in cis]])
    fig, ax = _figure(figsize=(8, 0.45 * len(strategies) + 1.4))
    y = np.arange(len(strategies))[::-1]
    ax.barh(y, mean, color=[colours[s] for s in strategies], xerr=np.nan_to_num(err),
            capsize=3)
    ax.set_yticks(y, strategies)
    ax.set(xlabel=label, title=title)
    ax.grid(alpha=0.3, axis="x")
    _save(fig, folder, name)


def fig_value_by_strategy(res: ClaimsResult, folder: Path) -> None:
    _strategy_bars(res, folder, "value_per_year", "opportunity value a year per person",
                   "H5: what a person gets, by strategy", "value_by_strategy")


def fig_referrals(res: ClaimsResult, folder: Path) -> None:
    _strategy_bars(res, folder, "referral_ties", "referral ties made per person over the run",
                   "H6: introductions received, by strategy", "referrals")


def fig_value(res: ClaimsResult, folder: Path) -> None:
    fig, axes = _figure(1, 2, figsize=(10, 4))
    for ax, col, label in ((axes[0], "value_per_tie_year", "opportunity value per tie-year"),
                           (axes[1], "survival_1y", "share alive after one year")):
        cis = [t_interval([r["origin"].loc[o, col] for r in res.replicates]) for o in ORIGINS]
        mean = np.array([c["mean"] for c in cis])
        err = np.array([[c["mean"] - c["lo"] for c in cis], [c["hi"] - c["mean"] for c in cis]])
        ax.bar(range(len(ORIGINS)), mean, color=[ORIGIN_COLOURS[o] for o in ORIGINS],
               yerr=np.nan_to_num(err), capsize=3)
        ax.set_xticks(range(len(ORIGINS)), ORIGINS, rotation=30, ha="right")
        ax.set(ylabel=label)
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle("What ties bring and how long they last, by origin (95% intervals)")
    _save(fig, folder, "value_by_origin")


def fig_starting_ties(res: ClaimsResult, folder: Path) -> None:
    tables = [r["starting_ties"] for r in res.replicates]
    strategies = list(dict.fromkeys(tables[0]["strategy"]))
    bins = list(dict.fromkeys(tables[0]["alter_stage"]))
    fig, ax = _figure(figsize=(8, 4))
    width = 0.8 / len(strategies)
    colours = palette.strategy_colours(strategies)
    for k, s in enumerate(strategies):
        cis = [t_interval([t.loc[(t["strategy"] == s) & (t["alter_stage"] == b), "lost"].iloc[0]
                           for t in tables]) for b in bins]
        mean = np.array([c["mean"] for c in cis])
        err = np.array([[c["mean"] - c["lo"] for c in cis], [c["hi"] - c["mean"] for c in cis]])
        ax.bar(np.arange(len(bins)) + k * width, mean, width, label=s, color=colours[s],
               yerr=np.nan_to_num(err), capsize=2)
    ax.set_xticks(np.arange(len(bins)) + 0.4 - width / 2,
                  [f"alter's stage {b} the ego's" if b != "same" else "alter at the ego's stage"
                   for b in bins])
    ax.set(ylabel="share of starting ties faded by the end",
           title="Starting ties lost, by the alter's stage relative to the ego's")
    ax.legend(frameon=False, fontsize=8, ncol=3)
    ax.grid(alpha=0.3, axis="y")
    _save(fig, folder, "starting_ties")


def fig_ego(res: ClaimsResult, folder: Path) -> bool:
    """Ego network at the start and the end: closer to the centre = stronger tie."""
    ego = next((r["ego"] for r in res.replicates if r.get("ego")), None)
    if not ego:
        return False
    me = ego["ego"]
    stages = {"start": dict(zip(ego["people"]["pid"], ego["people"]["stage_start"], strict=True)),
              "end": dict(zip(ego["people"]["pid"], ego["people"]["stage"], strict=True))}
    fig, axes = _figure(1, 2, figsize=(11, 5.6))
    art = None
    for ax, name in zip(axes, ("start", "end"), strict=True):
        t = pd.DataFrame(ego["ties"][name])
        mine = t[(t["a"] == me) | (t["b"] == me)].copy()
        mine["alter"] = np.where(mine["a"] == me, mine["b"], mine["a"])
        mine["rank"] = mine["origin"].map({o: k for k, o in enumerate(ORIGINS)})
        mine = mine.sort_values(["rank", "alter"]).reset_index(drop=True)
        angle = 2 * np.pi * np.arange(len(mine)) / max(1, len(mine))
        radius = 0.15 + 0.85 * (1 - mine["weight"].to_numpy())
        pos = {a: (r * np.cos(q), r * np.sin(q))
               for a, r, q in zip(mine["alter"], radius, angle, strict=True)}
        pos[me] = (0.0, 0.0)
        among = t[t["a"].isin(pos) & t["b"].isin(pos) & (t["a"] != me) & (t["b"] != me)]
        for a, b in zip(among["a"], among["b"], strict=True):
            ax.plot(*zip(pos[a], pos[b], strict=True), color="#cccccc", lw=0.3, zorder=1)
        for a, o, w in zip(mine["alter"], mine["origin"], mine["weight"], strict=True):
            ax.plot(*zip(pos[me], pos[a], strict=True), color=ORIGIN_COLOURS[o],
                    lw=0.5 + 2.5 * w, zorder=2)
        xy = np.array([pos[a] for a in mine["alter"]]).reshape(-1, 2)
        grey_bad = matplotlib.colormaps["viridis"].with_extremes(bad="#bbbbbb")
        art = ax.scatter(xy[:, 0], xy[:, 1],
                         c=[stages[name].get(a, np.nan) for a in mine["alter"]],
                         cmap=grey_bad, vmin=0, vmax=1, s=30, zorder=3, edgecolors="white",
                         linewidths=0.4, plotnonfinite=True)  # grey: left the world since
        ax.scatter([0], [0], c=[stages[name][me]], cmap="viridis", vmin=0, vmax=1, s=220,
                   zorder=4, edgecolors="black")
        for r in (0.25, 0.5, 0.75, 1.0):
            ax.add_patch(Circle((0, 0), r, fill=False, color="#eeeeee", lw=0.8, zorder=0))
        when = "at the start" if name == "start" else f"after {ego['weeks'] / 52:g} years"
        ax.set_title(f"{when}: {len(mine)} ties, own stage {stages[name][me]:.2f}")
        ax.set_aspect("equal")
        ax.set(xlim=(-1.05, 1.05), ylim=(-1.05, 1.05))
        ax.axis("off")
    fig.colorbar(art, ax=axes, shrink=0.6, label="stage")
    handles = [Line2D([], [], color=c, lw=2, label=o) for o, c in ORIGIN_COLOURS.items()]
    axes[1].legend(handles=handles, frameon=False, fontsize=8, loc="lower right",
                   bbox_to_anchor=(1.12, -0.05))
    fig.suptitle(f"One grow-cohort member's ties (median stage gain; person {me})\nthe closer "
                 f"to the centre, the stronger the tie; thin grey lines: ties among their "
                 f"contacts; grey dots: people who later left")
    _save(fig, folder, "ego_network")
    return True


def fig_sensitivity(res: ClaimsResult, folder: Path) -> bool:
    if res.sensitivity is None:
        return False
    fig, axes = _figure(2, 3, figsize=(12, 6.5))
    for ax, (c, key) in zip(axes.ravel(), HEADLINE.items(), strict=True):
        s = res.sensitivity[res.sensitivity["claim"] == c].sort_values("mu_star",
                                                                       ascending=False)
        param = (s.loc[s["hold_range"].idxmax(), "parameter"] if s["hold_range"].max() > 0
                 else s.iloc[0]["parameter"])
        x = res.sensitivity_points[param].to_numpy(dtype=float)
        y = res.sensitivity_points[key].to_numpy(dtype=float)
        ax.scatter(x, y, s=14, c=np.where(y >= MMD[c][0], HOLDS, FAILS))
        ax.axhline(0, color="k", lw=0.8)
        ax.set(title=f"{c.upper()}: {key.split('.', 1)[1]}", xlabel=param.removeprefix(
            "processes."), ylabel="effect (> 0 supports)")
        ax.title.set_fontsize(8.5)
        ax.grid(alpha=0.3)
    fig.suptitle("Where each claim flips: its headline effect against the parameter along "
                 "which it flips most (green: reaches its minimal meaningful difference)")
    fig.tight_layout()
    _save(fig, folder, "sensitivity")
    return True


# ---------------------------------------------------------------- the report

# The claims as the post's reader reads them (the same texts as experiment.CLAIM_TEXT,
# marked here for the catalogue)
CLAIM_MESSAGES = (
    N_("You become the average of the ~5 people around you."),
    N_("Ties from generic mixers rarely last and rarely bring anything."),
    N_("Ties formed naturally, through doing things, bring information, work and referrals."),
    N_("Changing yourself changes your network; ties to people at your old stage fade."),
    N_("Specialised meetups are worth far more than generic mixers."),
    N_("Well-connected people introduce you onward when you share your progress."),
    N_("supported"), N_("not supported"), N_("depends"),
    # an effect's status (effects.csv; "context" where it has none)
    N_("contradicted"), N_("unclear"), N_("context"),
    # the activities of "What an hour buys" (assumptions.ACTIVITY_NAMES)
    N_("input"), N_("action"), N_("mixer"), N_("meetup"), N_("social"),
)


def blocks_for(res: ClaimsResult, figures: dict[str, bool], lang: str = "en") -> list:
    """The report's blocks in ``lang``: every sentence, heading, column name and caption
    through the catalogue; numbers, parameter keys and effect names stay as they are (in
    code spans). Figures draw their own text in English (PNG: the page's fonts do not
    reach them). The sentences the study builds (notes, where a claim flips, what an hour
    buys) are built again in ``lang``; in English they are the study's own."""
    _ = translations(lang).gettext
    d = res.design
    ver = res.verdicts
    if lang != "en":
        ver = verdicts(res.effects, res.sensitivity_points, res.sensitivity, _)
    quick = " --quick" if d.name == "quick" else ""
    b: list = [Heading(1, _("Does the post hold? The six claims, tested")),
               Para(_("%(command)s (jinmyaku %(version)s): %(replicates)s replicate worlds of "
                      "%(people)s people over %(years)s years (scenario %(scenario)s, seeds "
                      "%(first)s–%(last)s), focal cohorts of %(cohort)s per strategy; intervals "
                      "are 95%% Student-t intervals over replicates. Each effect is signed so "
                      "that a positive value is what the claim predicts.") % {
                   "command": f"`jinmyaku experiment claims{quick}`", "version": __version__,
                   "replicates": d.replicates, "people": f"{d.people:,}",
                   "years": f"{d.years:g}", "scenario": f"`{d.scenario}`", "first": d.seed,
                   "last": d.seed + d.replicates - 1, "cohort": d.cohort_size}),
               Table(pd.DataFrame({
                   _("claim"): [c.upper() for c in ver["claim"]],
                   _("what the post says"): [_(t) for t in ver["text"]],
                   _("verdict"): [_(VERDICT_MARK[v]) for v in ver["verdict"]],
                   _("headline effect [95% CI]"): [f"`{h}` " + ci_text(r) for h, r in
                                                zip(ver["headline"], ver.to_dict("records"),
                                                    strict=True)],
                   _("reaches its minimal meaningful difference in sensitivity points"): [
                       "–" if not np.isfinite(x) else f"{100 * x:.0f}%"
                       for x in ver["holds_share"]]}))]
    bl = bottom_line(res)
    b.insert(1, Para(_("**The bottom line.** Opportunities a year per person by how the same "
                       "free hours are spent (95-percent intervals over replicate worlds):") + " "
                     + "; ".join(f"{r['strategy']} {fmt(r['opportunities_per_year'])} "
                                 f"[{fmt(r['opportunities_per_year_lo'])}, "
                                 f"{fmt(r['opportunities_per_year_hi'])}]"
                                 for r in bl.to_dict("records")) + "."))
    if figures.get("bottom_line"):
        b.insert(2, Figure("bottom_line", _("Opportunities a year per person, by strategy "
                                            "(equal free hours; 95-percent intervals).")))
    b.append(Para(_("How verdicts are reached: an effect is *supported* when its interval lies "
                    "above 0 and *contradicted* when it lies below. A claim is **supported** "
                    "when its headline effect is supported, holds in at least 80%% of the "
                    "sensitivity points and no supporting effect is contradicted; **not "
                    "supported** when its headline is not supported and holds in at most 20%% "
                    "of them; **depends** otherwise (the note says why). Without a sensitivity "
                    "analysis the verdict rests on the default parameters alone. A verdict "
                    "tests a direction, not the post's adjectives (\"far more\", \"rarely\"): "
                    "the numbers say how large. These are verdicts about the model, whose "
                    "assumptions are listed in `docs/model.md` (Known limitations); they are "
                    "evidence about the world only as far as the model is.") % {}))
    eff = res.effects
    for c in HEADLINE:
        v = ver[ver["claim"] == c].iloc[0]
        b.append(Heading(2, f"{c.upper()}: {_(CLAIM_TEXT[c])}"))
        verdict = _("**Verdict: %(verdict)s.** Headline %(headline)s = %(value)s (%(status)s).") % {
            "verdict": _(VERDICT_MARK[v["verdict"]]), "headline": f"`{v['headline']}`",
            "value": ci_text(v), "status": _(v["status"])}
        if v["note"]:
            verdict += " " + _("Note: %(note)s.") % {"note": v["note"]}
        b.append(Para(verdict))
        rows = eff[eff["claim"] == c]
        b.append(Table(pd.DataFrame({
            _("effect"): [f"`{e}`" for e in rows["effect"]],
            _("meaning"): [_(m) for m in rows["meaning"]],
            _("mean [95% CI]"): [ci_text(r) for r in rows.to_dict("records")],
            _("status"): [_(s or "context") for s in rows["status"]]})))
        mmd = v.get("mmd", np.nan)
        if np.isfinite(mmd):
            b.append(Para(_("**Minimal meaningful difference** (fixed before the run): "
                            "%(mmd)s, %(meaning)s.") % {"mmd": f"{mmd:g}",
                                                        "meaning": _(MMD[c][1])}))
        where = v.get("where", "")
        b.append(Para(_("**Where it flips.**") + f" {where + ' ' if where else ''}{v['flips']}"))
        if c == "h1":
            b.append(Para(_("The pass-through is causal: the shocked copy of the world shares "
                            "every random number with the original, so the difference is the "
                            "shock's doing; the net pass-through subtracts the spill-over that "
                            "reaches people none of whose closest five was shocked (placebo). "
                            "Only people with at least five ties count, so that 1/5 is the "
                            "literal benchmark. The correlation of one's stage with the closest "
                            "five mixes influence with selection (people keep up ties with "
                            "people like them), so it overstates influence.")))
            if figures.get("stage"):
                b.append(Figure("stage", _("Mean stage of each focal cohort over time, with "
                                           "95% bands over replicates.")))
        if c == "h2" and figures.get("survival"):
            b.append(Figure("survival", _("Kaplan–Meier survival of ties by origin (ties ended "
                                          "by a person leaving are censored); bands: 95%% over "
                                          "replicates.") % {}))
        if c == "h3" and figures.get("value_by_origin"):
            b.append(Figure("value_by_origin", _("Value per tie-year and one-year survival by "
                                                 "origin.")))
        if c == "h5" and figures.get("value_by_strategy"):
            b.append(Figure("value_by_strategy", _(
                "Opportunity value a year per person, by strategy (95%% intervals over "
                "replicates).") % {}))
        if c == "h6" and figures.get("referrals"):
            b.append(Figure("referrals", _("Referral ties made per person over the run, by "
                                           "strategy (95%% intervals over replicates).") % {}))
        if c == "h4":
            if figures.get("starting_ties"):
                b.append(Figure("starting_ties", _("Share of each cohort's starting ties that "
                                                   "faded, by the alter's start stage relative "
                                                   "to the ego's (±0.1).")))
            if figures.get("ego_network"):
                b.append(Figure("ego_network", _("A grow-cohort member's ego network at the "
                                                 "start and at the end (edges coloured by "
                                                 "origin, nodes by stage).")))
    if figures.get("sensitivity"):
        p = res.design
        b.append(Heading(2, _("Sensitivity analysis")))
        method = (_("Sobol' indices on Saltelli's balanced sample (SALib; total order in the "
                    "μ* column, first order in σ's)") if p.sens_method == "sobol"
                  else _("Morris elementary effects (SALib)"))
        b.append(Para(_("%(method)s: %(samples)s base samples or trajectories over %(params)s "
                        "parameters = %(runs)s runs of %(people)s people over %(years)s years, "
                        "all with seed %(seed)s (common random numbers), the H1 shock applied "
                        "%(weeks)s weeks before the end. μ* is the mean absolute elementary "
                        "effect (in the effect's units over the parameter's whole range).") % {
            "method": method, "samples": p.sens_trajectories,
            "params": p.sens_parameters + p.sens_deciding, "runs": p.sens_runs,
            "people": f"{p.sens_people:,}", "years": f"{p.sens_years:g}", "seed": p.seed,
            "weeks": min(p.shock_weeks, int(p.sens_years * 52) // 2)}))
        s = res.sensitivity.sort_values(["claim", "mu_star"], ascending=[True, False])
        top = s.groupby("claim", sort=False).head(3)
        b.append(Table(pd.DataFrame({
            _("claim"): [c.upper() for c in top["claim"]],
            _("parameter"): [f"`{p}`" for p in top["parameter"]],
            _("range"): [f"{lo:g}–{hi:g}" for lo, hi in zip(top["low"], top["high"],
                                                          strict=True)],
            _("μ* [95% CI half-width]"): [f"{fmt(m)} ± {fmt(h)}" for m, h in
                                          zip(top["mu_star"], top["mu_star_conf"], strict=True)],
            _("levels"): top["levels"],
            _("holds at each level"): top["holds"], _("points"): top["counts"]})))
        b.append(Figure("sensitivity", _("Each claim's headline effect across the sensitivity "
                                         "design, against the parameter along which the share "
                                         "of points that hold changes most (else the one with "
                                         "the largest μ*).")))
    b.append(Heading(2, _("Claim → mechanism → deciding assumptions")))
    b.append(Para(_("For each claim, the rule of the model that produces its sign and the "
                    "assumptions that decide it, each a parameter or switch; the null world "
                    "(`--scenario null`) sets every one to the value in the last column, and "
                    "there no claim may come out supported (docs/experiment.md).")))
    mech = mechanism_table(res.scenario)
    b.append(Table(pd.DataFrame({
        _("claim"): [c.upper() for c in mech["claim"]],
        _("assumption"): [f"`{a}`" for a in mech["assumption"]],
        _("here"): [_plain(v) for v in mech["value"]],
        _("null world"): [_plain(v) for v in mech["null"]],
        _("how it decides the sign"): [_(h) for h in mech["how"]]})))
    b.append(Heading(2, _("What an hour buys")))
    b.append(Para(_("Strategies get equal hours, but an hour of each activity buys a different "
                    "kind of thing (at mean propensity; new ties before capacity and known "
                    "faces):")))
    hb = hour_buys(res.scenario, _)
    b.append(Table(pd.DataFrame({
        _("activity"): [_(a) for a in hb["activity"]],
        _("people met per hour"): [fmt(x) for x in hb["encounters"]],
        _("new ties per hour"): [fmt(x) for x in hb["new_ties"]],
        _("what else"): hb["other"]})))
    b.append(Heading(2, _("Reproduce")))
    b.append(Para(_("%(command)s gives the same numbers, byte for byte, whatever the number of "
                    "workers. The tables behind this page are in %(files)s beside it.") % {
        "command": f"`jinmyaku experiment claims{quick} --seed {d.seed}`",
        "files": _("%(effects)s, %(verdicts)s, %(sensitivity)s, %(points)s and "
                   "%(replicates)s") % {
            "effects": "`effects.csv`", "verdicts": "`verdicts.csv`",
            "sensitivity": "`sensitivity.csv`", "points": "`sensitivity_points.parquet`",
            "replicates": "`replicates.parquet`"}}))
    return b


def _plain(v) -> str:
    return str(v).lower() if isinstance(v, bool) else f"{v:g}" if isinstance(v, float) else str(v)


def fmt_pct(x: float) -> str:
    return "–" if not np.isfinite(x) else f"{100 * x:.0f}%"


REPORT_FILES = ("report.md", "report.html", "figures", "effects.csv", "verdicts.csv",
                "sensitivity.csv", "replicates.parquet", "sensitivity_points.parquet")
"""What a report folder may get, ``manifest.json`` aside (some only with sensitivity)."""


def write_report(res: ClaimsResult, out: str | Path | OutputFolder,
                 lang: str = "en") -> list[str]:
    """Write the report folder whole or not at all (a report already there is replaced
    only once the new one is complete); returns the files written (manifest last).
    ``out`` may be an :class:`OutputFolder` claimed before the experiment ran."""
    if not isinstance(out, OutputFolder):
        with OutputFolder(out, "report folder", writes=REPORT_FILES) as folder:
            return write_report(res, folder, lang)
    try:
        return out.write(lambda staging: _write_report_files(res, staging, lang))
    except OSError as e:
        raise InputError(f"{out.out}: writing the report failed ({e.strerror or e}); the "
                         f"folder was left as it was.") from None


def _write_report_files(res: ClaimsResult, out: Path, lang: str = "en") -> list[str]:
    fig_dir = out / "figures"
    fig_dir.mkdir(exist_ok=True)
    # fig_ego and fig_sensitivity return False when there is nothing to draw
    figures = {name: draw(res, fig_dir) is not False for name, draw in (
        ("bottom_line", fig_bottom_line),
        ("survival", fig_survival), ("value_by_origin", fig_value), ("stage", fig_stage),
        ("starting_ties", fig_starting_ties), ("ego_network", fig_ego),
        ("value_by_strategy", fig_value_by_strategy), ("referrals", fig_referrals),
        ("sensitivity", fig_sensitivity))}
    blocks = blocks_for(res, figures, lang)
    _ = translations(lang).gettext
    io.write_text(out / "report.md", to_markdown(blocks))
    io.write_text(out / "report.html",
                  to_html(blocks, fig_dir, _("jinmyaku: the six claims, tested"), lang))
    files = ["report.md", "report.html"]
    files += [f"figures/{n}.{e}" for n, ok in figures.items() if ok for e in ("png", "svg")]
    for name, df in (("effects", res.effects), ("verdicts", res.verdicts),
                     ("sensitivity", res.sensitivity)):
        if df is not None:
            io.write_text(out / f"{name}.csv", df.to_csv(index=False, float_format="%.6g"))
            files.append(f"{name}.csv")
    reps = pd.DataFrame([r["outcomes"] | {"seed": r["seed"]} for r in res.replicates])
    io.write_parquet(out / "replicates.parquet", pa.Table.from_pandas(reps,
                                                                      preserve_index=False))
    files.append("replicates.parquet")
    if res.sensitivity_points is not None:
        io.write_parquet(out / "sensitivity_points.parquet",
                         pa.Table.from_pandas(res.sensitivity_points, preserve_index=False))
        files.append("sensitivity_points.parquet")
    io.write_manifest(out, files, {"jinmyaku": __version__, "experiment": "claims",
                                   "design": json.loads(json.dumps(res.design_dict()))})
    return files
