"""``jinmyaku me report``: your own network on one offline page, and its Markdown twin.

The figures are :func:`jinmyaku.studies.personal.measures.measure`'s, the same as
``me status --json``: layers, retention by how you met (Kaplan–Meier curves), value
by how you met, the closest five and their mean stage, turnover and signature,
brokerage (or the sentence saying it needs who knows whom), fading ties; an
ego-network picture in rings by layer; and, if asked, the projection's medians
and 10–90 % ranges per strategy (:func:`jinmyaku.studies.personal.projection.project`).

Every section is one dict (title, paragraphs, figure, caption, tables), rendered
twice: as HTML by ``me_report.html.j2`` on the rendering layer, and as Markdown
(text and tables; the figures are only in the HTML). Words come from the shared
catalogues (English and Japanese).

:func:`redact` makes a copy of the store's tables in which every person is
"Person N" (N: their number in the store) and every other free text (reading,
field, notes, who introduced you) is gone, *before* anything is measured: no
name can reach a table, a figure's text or the Markdown.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from markupsafe import Markup

from jinmyaku._version import __version__
from jinmyaku.faces.render import figures, palette
from jinmyaku.faces.render.i18n import N_, check_lang
from jinmyaku.faces.render.pages import environment
from jinmyaku.faces.render.run_report import Speaker
from jinmyaku.storage import markdown

NAME = "me-report.html"
REDACTED_NAME = "me-report-redacted.html"
DUNBAR = (5, 15, 50, 150)
FADING_SHOWN = 30  # rows of the fading table
FADING_DRAWN = 15  # bars of the fading figure
# The columns of the people table a measure reads; every other one is emptied by redact().
MEASURED_COLUMNS = ("id", "origin", "met_on", "connected_on", "ended_on", "closeness",
                    "frequency", "stage")
NOT_GIVEN = N_("not given")
# The measures' own English names (studies.personal.measures.LAYER_NAMES), translated here.
LAYER_NAMES = {
    "support clique (≈5)": N_("support clique (≈5)"),
    "sympathy group (≈15)": N_("sympathy group (≈15)"),
    "affinity group (≈50)": N_("affinity group (≈50)"),
    "active network (≈150)": N_("active network (≈150)"),
}
VALUE_KINDS = {"work": N_("work"), "client": N_("client"),
               "introduction": N_("introduction"), "information": N_("information")}
# How the projection chose your stage (projection.ego_network's words).
STAGE_FROM = {
    "the mean stage of your closest five": N_("the mean stage of your closest five"),
    "the mean stage of the people you gave one": N_("the mean stage of the people you gave "
                                                    "one"),
    "drawn (no stage given for anyone)": N_("drawn (no stage given for anyone)"),
    "given (--stage)": N_("given (--stage)"),
}
PROJECTION_ROWS = {  # projection.MEASURES, in its order, with digits shown
    "ties": (N_("ties alive"), 0), "kept": (N_("kept from today"), 0),
    "made": (N_("made since"), 0), "closest_mean_stage": (N_("closest five: mean stage"), 2),
    "closest_kept": (N_("today's five still among the closest five"), 1),
    "closest_tied": (N_("today's five still tied"), 1),
    "opportunities": (N_("opportunities that year"), 1), "value": (N_("their value"), 1),
    "stage": (N_("your stage"), 2),
}
PROJECTION_PANELS = ("ties", "closest_mean_stage", "opportunities")


@dataclass(frozen=True)
class Report:
    html: str
    markdown: str


def redact(tables: dict[str, pd.DataFrame], label: str = "Person %(num)d"
           ) -> dict[str, pd.DataFrame]:
    """A copy of the store's tables with each name replaced by ``label`` (``%(num)d``: the
    person's number in the store) and every other text of a person emptied."""
    ppl = tables["people"].copy()
    for col in ppl.columns:
        if col not in MEASURED_COLUMNS and col != "name":
            ppl[col] = None
    ppl["name"] = [label % {"num": int(i)} for i in ppl["id"]]
    return {**tables, "people": ppl}


def _f(x, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


class _Words:
    """The report's words: the run report's :class:`Speaker` and this report's names."""

    def __init__(self, lang: str) -> None:
        self.say = Speaker(lang)
        self._ = self.say._
        self.n_ = self.say.n_
        self.lang = lang

    def origin(self, name: str | None) -> str:
        return self._(NOT_GIVEN) if name is None else self.say.name(name)

    def layer(self, names: list[str], i: int) -> str:
        name = names[i]
        if name in LAYER_NAMES:
            return self._(LAYER_NAMES[name])
        return self._("layer %(num)d") % {"num": i + 1}

    def by(self, by: str) -> str:
        return {"frequency": self._("contact frequency"), "closeness": self._("closeness"),
                "contacts a year": self._("contacts a year")}.get(by, by)


def _table(columns: list[str], rows: list[list], numeric: list[bool] | None = None,
           colours: list[str | None] | None = None, caption: str = "") -> dict:
    return {"columns": columns, "rows": [[str(v) for v in r] for r in rows],
            "numeric": numeric or [False] * len(columns),
            "colours": colours or [None] * len(rows), "caption": caption}


def _section(id_: str, title: str, text: list[str], figure: Markup | None = None,
             caption: str = "", tables: list[dict] | None = None) -> dict:
    return {"id": id_, "title": title, "text": [t for t in text if t], "figure": figure,
            "caption": caption, "tables": tables or []}


def _legend(ax, **kw) -> None:
    ax.legend(frameon=False, fontsize=8, **kw)


# ---------------------------------------------------------------- the ego network


def ego_figure(current: pd.DataFrame, m: dict, w: _Words) -> tuple[Markup, bool]:
    """Your current people on rings by layer (innermost the closest layer), people without
    a layer value on an outer ring; around each ring by how you met; colours by origin; the
    closest five larger, with a black edge and their names."""
    _ = w._
    L = m["layers"]
    members = {int(k): int(v) for k, v in (L.get("members") or {}).items()}
    k = L["k"] if members else 0
    closest = [p["id"] for p in m["closest"]["people"]]
    names = {p["id"]: p["name"] for p in m["closest"]["people"]}
    order = {o: i for i, o in enumerate(palette.ORIGIN_COLOURS)}
    ppl = current.assign(
        ring=[members.get(int(i), k) for i in current["id"]],
        okey=[order.get(o, len(order)) if isinstance(o, str) else len(order) + 1
              for o in current["origin"]]).sort_values(["ring", "okey", "id"])
    rings = sorted(set(ppl["ring"]))
    fig, ax = figures.figure(6.4, 5.4, left=0.05, right=1.9, bottom=0.05, top=0.05)
    circle = np.linspace(0, 2 * np.pi, 160)
    xs, ys = {}, {}
    for r in rings:
        grp = ppl[ppl["ring"] == r]
        radius = 1.0 + r
        ax.plot(radius * np.cos(circle), radius * np.sin(circle), color="#dddddd", lw=0.6,
                zorder=0)
        label = (w.layer(L["names"], r) if r < k else _("no value for layers"))
        ax.text(0, radius + 0.06, label, ha="center", va="bottom", fontsize=6,
                color="#666666")
        theta = np.linspace(0, 2 * np.pi, len(grp), endpoint=False) + np.pi / 2 + 0.35 * r
        for pid, t in zip(grp["id"], theta, strict=True):
            xs[int(pid)], ys[int(pid)] = radius * np.cos(t), radius * np.sin(t)
    ids = [int(i) for i in ppl["id"]]
    origins = [o if isinstance(o, str) else None for o in ppl["origin"]]
    x = np.array([xs[i] for i in ids])
    y = np.array([ys[i] for i in ids])
    face = [palette.origin_colour(o) if o else "white" for o in origins]
    big = np.array([i in names for i in ids])
    ax.scatter(x, y, c=face, s=np.where(big, 46, 16 if len(ids) < 120 else 9),
               edgecolors=np.where(big, "black", "#555555"),
               linewidths=np.where(big, 1.4, 0.4), zorder=2)
    ax.scatter([0], [0], c="black", s=50, zorder=3)
    ax.text(0, -0.35, _("you"), ha="center", va="top", fontsize=7)
    for pid in closest:
        if pid in xs:
            ax.annotate(names[pid], (xs[pid], ys[pid]), xytext=(5, 3),
                        textcoords="offset points", fontsize=7, zorder=4)
    lim = 1.0 + (max(rings) if rings else 0) + 0.7
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.axis("off")
    present = [o for o in palette.ORIGIN_COLOURS if o in set(origins)]
    handles = [ax.scatter([], [], c=palette.origin_colour(o), s=18, edgecolors="#555555",
                          linewidths=0.4, label=w.origin(o)) for o in present]
    if None in origins:
        handles.append(ax.scatter([], [], c="white", s=18, edgecolors="#555555",
                                  linewidths=0.4, label=w.origin(None)))
    if names:
        handles.append(ax.scatter([], [], c="white", s=46, edgecolors="black",
                                  linewidths=1.4, label=_("your closest five")))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(1 - 1.85 / 6.4, 0.97),
               frameon=False, fontsize=8)
    return figures.svg(fig, _("Your network in rings by layer")), k > 0


# ---------------------------------------------------------------- sections


def _layers(m: dict, w: _Words) -> dict:
    _ = w._
    L = m["layers"]
    title = _("Layers")
    if not L["k"]:
        return _section("layers", title, [_(
            "Layers need at least two different values of %(by)s among your current "
            "people; give contact frequency or closeness in people.csv, or log meetings.")
            % {"by": w.by(L["by"])}])
    names = [w.layer(L["names"], i) for i in range(L["k"])]
    fig, ax = figures.figure(6.4, 0.42 * L["k"] + 1.0, left=1.9, right=1.6)
    yy = np.arange(L["k"])[::-1]
    ax.barh(yy, L["sizes"], color="#888888", height=0.6, label=_("your layers"))
    for yv, size in zip(yy, L["sizes"], strict=True):
        ax.text(size, yv, f" {size}", va="center", fontsize=8)
    if L["k"] == 4:
        ax.scatter(DUNBAR, yy, marker="D", c="black", s=22, zorder=3,
                   label=_("Dunbar's typical sizes"))
        _legend(ax, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_yticks(yy, names)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(_("people (cumulative: each layer with the layers inside it)"))
    svg = figures.svg(fig, title)
    rows = [[n, s, DUNBAR[i] if L["k"] == 4 else "–"]
            for i, (n, s) in enumerate(zip(names, L["sizes"], strict=True))]
    text = [_("Layers from %(by)s: %(measured)d current people measured, %(without)d "
              "without a value.") % {"by": w.by(L["by"]), "measured": L["measured"],
                                     "without": L["without"]}]
    if L["k"] < 4:
        text.append(_("Only %(k)d layers could be told apart (too few different values).")
                    % {"k": L["k"]})
    return _section("layers", title, text, svg, _(
        "The cumulative size of each layer, beside Dunbar's typical 5, 15, 50 and 150. The "
        "layers are the simulator's own (the exact one-dimensional k-means of its Dunbar "
        "check) over log(1 + contacts a year), or over closeness."),
        [_table([_("layer"), _("cumulative size"), _("Dunbar")], rows,
                [False, True, True])])


def _closest(m: dict, current: pd.DataFrame, w: _Words) -> dict:
    _ = w._
    c = m["closest"]
    title = _("Your closest five")
    if not c["people"]:
        return _section("closest", title, [_(
            "No one has a closeness or a contact frequency yet, so there is no closest "
            "five.")])
    origin = dict(zip(current["id"].astype(int), current["origin"], strict=True))
    text = [_("By %(by)s. Their mean stage, as you see them: %(stage)s (%(n)d of them with "
              "a stage).") % {"by": w.by(c["by"]), "stage": _f(c["mean_stage"]),
                              "n": c["with_stage"]}]
    rows = [[f"#{p['id']}", p["name"], w.origin(origin.get(p["id"]) or None), _f(p["stage"])]
            for p in c["people"]]
    colours = [palette.origin_colour(origin[p["id"]]) if isinstance(origin.get(p["id"]), str)
               else None for p in c["people"]]
    table = _table(["#", _("name"), _("how you met"), _("stage")], rows,
                   [True, False, False, True], colours)
    svg = None
    if c["with_stage"]:
        n = len(c["people"])
        fig, ax = figures.figure(6.4, 0.35 * n + 1.0, left=1.8, right=0.3)
        yy = np.arange(n)[::-1]
        stages = [p["stage"] or 0.0 for p in c["people"]]
        ax.barh(yy, stages, color=[x or "white" for x in colours], edgecolor="#555555",
                linewidth=0.5, height=0.6)
        ax.axvline(c["mean_stage"], color="black", ls="--", lw=1, label=_("their mean"))
        ax.set_yticks(yy, [p["name"] for p in c["people"]])
        ax.tick_params(axis="y", length=0)
        ax.set_xlim(0, 1)
        ax.set_xlabel(_("stage as you see it (0 to 1)"))
        _legend(ax, loc="lower right")
        svg = figures.svg(fig, title)
    return _section("closest", title, text, svg, _(
        "Each one's stage as you gave it; the dashed line is their mean. Colours say how you "
        "met."), [table])


def _retention(m: dict, w: _Words) -> dict:
    _ = w._
    title = _("Retention by how you met")
    left = _("%(n)d ties with how you met and when have no end and no contact record: left "
             "out.") % {"n": m["retention_unknown"]} if m["retention_unknown"] else ""
    if not m["retention"]:
        return _section("retention", title, [_(
            "Retention needs people with how you met and when (people.csv, or the day you "
            "connected on LinkedIn) and a contact record or an end date."), left])
    fig, ax = figures.figure(6.4, 3.0, right=1.7)
    for curve in m.get("retention_curves", []):
        ax.plot(curve["years"], curve["alive"], drawstyle="steps-post", lw=1.8,
                color=palette.origin_colour(curve["origin"]), label=w.origin(curve["origin"]))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(_("age of the tie (years)"))
    ax.set_ylabel(_("share of ties still alive"))
    _legend(ax, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    svg = figures.svg(fig, title)
    rows = [[w.origin(r["origin"]), r["ties"], r["ended"], _pct(r["survival_1y"]),
             _f(r["median_years"], 1)] for r in m["retention"]]
    colours = [palette.origin_colour(r["origin"]) for r in m["retention"]]
    return _section("retention", title, [left], svg, _(
        "The share of your ties of each origin still alive at each age (Kaplan–Meier, the "
        "claims study's own estimator). A tie ends on its end date, or at its last contact "
        "when that was more than a year ago; the others are counted until the day "
        "measured."), [_table([_("how you met"), _("ties"), _("ended"),
                               _("alive after 1 year"), _("median life (years)")], rows,
                              [False, True, True, True, True], colours)])


def _value(m: dict, w: _Words) -> dict:
    _ = w._
    title = _("Value received by how you met")
    rows_in = m["value_by_origin"]
    if not any(r["pieces"] for r in rows_in):
        return _section("value", title, [_(
            "No value logged yet. Record a piece of value received with jinmyaku me log "
            "value PERSON --value work (or client, introduction, information).")])
    drawn = [r for r in rows_in if r["origin"] is not None and r["per_tie_year"] is not None]
    svg = None
    if drawn:
        fig, ax = figures.figure(6.4, 0.4 * len(drawn) + 1.0, left=1.4, right=0.6)
        yy = np.arange(len(drawn))[::-1]
        per = [r["per_tie_year"] for r in drawn]
        ax.barh(yy, per, color=[palette.origin_colour(r["origin"]) for r in drawn],
                edgecolor="#555555", linewidth=0.5, height=0.6)
        for yv, r in zip(yy, drawn, strict=True):
            ax.text(r["per_tie_year"], yv, " " + w.n_("%(num)d piece", "%(num)d pieces",
                                                      r["pieces"]) % {"num": r["pieces"]},
                    va="center", fontsize=7)
        ax.set_yticks(yy, [w.origin(r["origin"]) for r in drawn])
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel(_("pieces of value a year per tie"))
        svg = figures.svg(fig, title)
    rows = [[w.origin(r["origin"]), r["people"], r["pieces"],
             *(r["kinds"][k] for k in VALUE_KINDS), f"{r['amount']:g}",
             "–" if r["per_tie_year"] is None else f"{r['per_tie_year']:.3g}"]
            for r in rows_in]
    colours = [palette.origin_colour(r["origin"]) if r["origin"] else None for r in rows_in]
    return _section("value", title, [], svg, _(
        "Pieces of value you logged through people of each origin, per tie-year: each tie "
        "counts from when you met to its end or the day measured. Amounts are in your own "
        "unit."), [_table([_("how you met"), _("people"), _("pieces"),
                           *(_(v) for v in VALUE_KINDS.values()), _("amount"),
                           _("per tie-year")], rows, [False] + [True] * 8, colours)])


def _turnover(m: dict, w: _Words) -> dict:
    _ = w._
    title = _("Turnover of your closest, and your signature")
    rows_in = m["turnover"]
    if not rows_in:
        return _section("turnover", title, [_(
            "No complete calendar year of contacts (messages or logged meetings) yet.")])
    rows = [[r["year"], r["people"], _pct(r["closest5_turnover"]),
             _pct(r["closest15_turnover"]), _f(r["signature_jsd"])] for r in rows_in]
    table = _table([_("year"), _("people"), _("closest 5 replaced"), _("closest 15 replaced"),
                    _("signature change")], rows, [True] * 5)
    svg = None
    later = [r for r in rows_in if r["signature_jsd"] is not None]
    if later:
        fig, ax = figures.figure(6.4, 3.0, right=2.1)
        yrs = [r["year"] for r in later]
        for key, label, style in (
                ("closest5_turnover", _("closest 5 replaced"), dict(color="black", ls="-",
                                                                    marker="o")),
                ("closest15_turnover", _("closest 15 replaced"), dict(color="#777777",
                                                                      ls="--", marker="s")),
                ("signature_jsd", _("signature change"), dict(color=palette.OKABE_ITO[
                    "vermillion"], ls=":", marker="^"))):
            v = [np.nan if r[key] is None else r[key] for r in later]
            ax.plot(yrs, v, lw=1.5, ms=4, label=label, **style)
        ax.set_ylim(0, 1.02)
        ax.set_xticks(yrs, [str(y) for y in yrs])
        ax.set_xlabel(_("year (against the year before)"))
        ax.set_ylabel(_("share replaced, or distance (0 to 1)"))
        _legend(ax, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        svg = figures.svg(fig, title)
    return _section("turnover", title, [], svg, _(
        "Each complete calendar year, your closest 5 and 15 are the people with the most "
        "contact days; turnover is the share of them not among the next year's. Your "
        "signature is the year's share of contact days by rank; its change is the "
        "Jensen–Shannon distance from the year before (0: the same shape, 1: nothing "
        "shared)."), [table])


def _brokerage(m: dict, w: _Words) -> dict:
    _ = w._
    b = m["brokerage"]
    title = _("Brokerage")
    if not b["present"]:
        return _section("brokerage", title, [_(
            "Brokerage (constraint, effective size, local bridges) needs who knows whom "
            "among your people: import a knows.csv (jinmyaku me template writes one) to "
            "measure it.")])
    fig, ax = figures.figure(6.4, 1.8, left=1.9, right=0.5)
    labels = [_("your current people"), _("effective size"), _("local bridges")]
    values = [b["people"], b["effective_size"], b["local_bridges"]]
    yy = np.arange(3)[::-1]
    ax.barh(yy, values, color=["#bbbbbb", "#555555", palette.OKABE_ITO["vermillion"]],
            height=0.6)
    for yv, v in zip(yy, values, strict=True):
        ax.text(v, yv, f" {v:.1f}" if isinstance(v, float) else f" {v}", va="center",
                fontsize=8)
    ax.set_yticks(yy, labels)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel(_("people"))
    svg = figures.svg(fig, title)
    rows = [[_("effective size"), f"{b['effective_size']:.1f}"],
            [_("efficiency"), f"{b['efficiency']:.2f}"],
            [_("constraint"), f"{b['constraint']:.3f}"],
            [_("local bridges"), b["local_bridges"]]]
    return _section("brokerage", title, [_(
        "Who knows whom names %(named)d of your %(people)d current people; the others are "
        "taken to know none of your people.") % {"named": b["named"], "people": b["people"]}],
        svg, _("Effective size: how many of your people are not redundant (Burt); "
               "constraint: how much your ties lead back to one another (lower: more "
               "brokerage); local bridges: ties to people who know none of your others."),
        [_table([_("measure"), _("value")], rows, [False, True])])


def _fading(m: dict, current: pd.DataFrame, w: _Words) -> dict:
    _ = w._
    title = _("Fading ties")
    rows_in = m["fading"]
    if not rows_in:
        return _section("fading", title, [_(
            "No fading ties (or no contact records to tell).")])
    origin = dict(zip(current["id"].astype(int), current["origin"], strict=True))
    names = m["layers"]["names"]
    drawn = rows_in[:FADING_DRAWN]
    fig, ax = figures.figure(6.4, 0.28 * len(drawn) + 1.0, left=1.8, right=0.3)
    yy = np.arange(len(drawn))[::-1]
    ratio = [r["days_since"] / r["usual_days"] for r in drawn]
    colours = [palette.origin_colour(origin[r["id"]]) if isinstance(origin.get(r["id"]), str)
               else "white" for r in drawn]
    ax.barh(yy, ratio, color=colours, edgecolor="#555555", linewidth=0.5, height=0.6)
    ax.axvline(2.0, color="black", ls="--", lw=1)
    ax.set_yticks(yy, [r["name"] for r in drawn])
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel(_("time since the last contact, in usual gaps of their layer"))
    svg = figures.svg(fig, title)
    rows = [[f"#{r['id']}", r["name"], w.layer(names, r["layer"]), r["last_contact"],
             r["days_since"], f"{r['usual_days']:g}"] for r in rows_in[:FADING_SHOWN]]
    text = [w.n_("%(num)d person has had no contact for more than twice the usual gap of "
                 "their layer.", "%(num)d people have had no contact for more than twice the "
                 "usual gap of their layer.", len(rows_in)) % {"num": len(rows_in)}]
    if len(rows_in) > FADING_SHOWN:
        text.append(_("The %(n)d longest overdue are listed.") % {"n": FADING_SHOWN})
    return _section("fading", title, text, svg, _(
        "The most overdue: the time since the last contact divided by the usual gap of the "
        "person's layer (a year over the layer's median contacts a year); the dashed line is "
        "twice the usual gap. Colours say how you met."),
        [_table(["#", _("name"), _("layer"), _("last contact"), _("days since"),
                 _("usual gap (days)")], rows, [True, False, False, False, True, True])])


def _cell(s: dict, digits: int) -> str:
    if s["median"] is None:
        return "–"
    return f"{s['median']:.{digits}f} ({s['p10']:.{digits}f}–{s['p90']:.{digits}f})"


def _projection(r: dict, w: _Words) -> dict:
    _ = w._
    title = _("What each strategy would likely do for you")
    you = r["you"]
    strategies = r["strategies"]
    colours = palette.strategy_colours(strategies)
    stage = _("drawn") if you["stage"] is None else f"{you['stage']:.2f}"
    text = [_("Your network placed in a simulated world of %(people)s people (scenario "
              "%(scenario)s): %(placed)d of your %(current)d current people as ties, each "
              "strategy over %(replicates)d replicate worlds (seed %(seed)d). Your stage: "
              "%(stage)s (%(from)s). Today: %(ties)d ties, your closest five's mean stage "
              "%(closest)s.") % {
        "people": f"{r['people_simulated']:,}", "scenario": r["scenario"],
        "placed": you["placed"], "current": you["current_people"],
        "replicates": r["replicates"], "seed": r["seed"], "stage": stage,
        "from": _(STAGE_FROM[you["stage_from"]]) if you["stage_from"] in STAGE_FROM
        else you["stage_from"], "ties": r["today"]["ties"],
        "closest": _f(r["today"]["closest_mean_stage"])}]
    left = [(you["left_out_nothing_known"], N_("%(num)d with neither closeness nor contact "
                                               "frequency")),
            (you["left_out_no_contact_last_year"], N_("%(num)d with no contact in the last "
                                                      "year")),
            (you["left_out_beyond_max_ties"], N_("%(num)d beyond the model's most ties (the "
                                                 "weakest)"))]
    if any(n for n, _x in left):
        text.append(_("Left out: %(list)s.") % {"list": _("; ").join(
            _(msg) % {"num": n} for n, msg in left if n)})
    years = [str(y) for y in r["years"]]
    fig, axes = figures.figure(6.4, 0.32 * len(strategies) * len(years) + 1.3, left=1.2,
                               right=0.2, bottom=0.75, top=0.3, ncols=len(PROJECTION_PANELS),
                               sharey=True)
    gap = 0.8 / max(1, len(years))
    for ax, key in zip(axes, PROJECTION_PANELS, strict=True):
        for i, s in enumerate(strategies):
            for j, y in enumerate(years):
                c = r["outcomes"][s][y][key]
                if c["median"] is None:
                    continue
                yv = len(strategies) - 1 - i + 0.4 - (j + 0.5) * gap
                ax.plot([c["p10"], c["p90"]], [yv, yv], color=colours[s], lw=1.6)
                filled = j == len(years) - 1
                ax.scatter([c["median"]], [yv], s=26, marker=palette.marker(s), zorder=3,
                           c=colours[s] if filled else "white", edgecolors=colours[s],
                           linewidths=1.3)
        ax.set_title(_(PROJECTION_ROWS[key][0]), fontsize=8)
        ax.tick_params(axis="y", length=0)
    axes[0].set_yticks(np.arange(len(strategies))[::-1], [w.say.name(s) for s in strategies])
    handles = [axes[0].scatter([], [], s=26, c="white" if j < len(years) - 1 else "#555555",
                               edgecolors="#555555", linewidths=1.3,
                               label=w.n_("in %(num)d year", "in %(num)d years", int(y))
                               % {"num": int(y)})
               for j, y in enumerate(years)]
    fig.legend(handles=handles, loc="lower center", ncols=len(handles), frameon=False,
               fontsize=8)
    svg = figures.svg(fig, title)
    tables = []
    for y in years:
        rows = [[_(label), *(_cell(r["outcomes"][s][y][k], digits) for s in strategies)]
                for k, (label, digits) in PROJECTION_ROWS.items()]
        tables.append(_table(["", *(w.say.name(s) for s in strategies)], rows,
                             [False] + [True] * len(strategies),
                             caption=w.n_("In %(num)d year", "In %(num)d years", int(y))
                             % {"num": int(y)}))
    return _section("projection", title, text, svg, _(
        "Dots: medians across the replicate worlds; lines: their 10–90%% ranges; hollow: "
        "the earlier year. Never a single number: the model's spread, not a forecast. "
        "Ties kept from today are counted by how you met them; ties made since by how the "
        "model made them. Opportunities and their value are the model's units. docs/me.md "
        "says how you are placed and what the model cannot take from your data.") % {},
        tables)


# ---------------------------------------------------------------- the page


def _log_sentence(m: dict, w: _Words) -> str:
    lg = m["log"]
    return w._("In the last 12 months you logged %(meetings)d meetings (%(mh)s h), %(values)d "
               "pieces of value received, %(inputs)d inputs and %(actions)d actions.") % {
        "meetings": lg["meeting"]["entries"], "mh": f"{lg['meeting']['hours']:.1f}",
        "values": lg["value"]["entries"], "inputs": lg["input"]["entries"],
        "actions": lg["action"]["entries"]}


def make(tables: dict[str, pd.DataFrame], as_of: date, lang: str, *, redacted: bool = False,
         projection: dict | None = None, by: str = "auto") -> Report:
    """The report (HTML and Markdown) of the store's ``tables`` as on ``as_of``.
    ``redacted``: through :func:`redact` first; ``projection``: what
    :func:`jinmyaku.studies.personal.projection.project` returned, if it was run."""
    from jinmyaku.studies.personal.measures import current_people, measure

    lang = check_lang(lang)
    w = _Words(lang)
    _ = w._
    if redacted:
        tables = redact(tables, _("Person %(num)d"))
    enabled = gc.isenabled()
    gc.disable()  # matplotlib's many small objects: collections would only cost time
    try:
        m = measure(tables, as_of, by, curves=True)
        current, _ids = current_people(tables, as_of)
        ego, layered = ego_figure(current, m, w)
        sections = [
            _section("network", _("Your network in rings by layer"), [], ego, _(
                "Each dot is one of your current people, on the ring of their layer (the "
                "closest layer innermost) and around it by how you met. Your closest five "
                "are larger and named.") if layered else _(
                "Each dot is one of your current people, by how you met; layers cannot be "
                "told apart yet (see Layers), so they share one ring.")),
            _layers(m, w), _closest(m, current, w), _retention(m, w), _value(m, w),
            _turnover(m, w), _brokerage(m, w), _fading(m, current, w)]
        if projection is not None:
            sections.append(_projection(projection, w))
    finally:
        if enabled:
            gc.enable()
    notes = []
    if redacted:
        notes.append(_("Redacted for sharing: every name is replaced by the person's number "
                       "in your store, and readings, e-mail and web addresses, phone numbers "
                       "and notes are left out."))
    if projection is None:
        notes.append(_("What each strategy would likely do for you is not in this report: "
                       "add --projection (about 20 seconds more) or run jinmyaku me "
                       "project."))
    context = {
        "title": _("Your network on %(date)s") % {"date": m["as_of"]},
        "facts": w.say.sentences([
            _("%(people)d people in your store, %(current)d of them current; %(origin)d with "
              "how you met, %(record)d with a contact record.") % {
                "people": m["people"], "current": m["current"], "origin": m["with_origin"],
                "record": m["with_contact_record"]},
            _log_sentence(m, w)]),
        "notes": notes, "sections": sections, "version": __version__,
    }
    html = environment(lang).get_template("me_report.html.j2").render(**context)
    return Report(html=html, markdown=_markdown(context, w))


def _markdown(context: dict, w: _Words) -> str:
    """The same page as Markdown: text and tables; the figures are in the HTML."""
    out = [f"# {context['title']}", "", context["facts"], ""]
    for n in context["notes"]:
        out += [f"> {n}", ""]
    for s in context["sections"]:
        out += [f"## {s['title']}", ""]
        for t in s["text"]:
            out += [t, ""]
        if s["figure"] is not None:
            out += [f"*{w._('(The figure is in the HTML report.)')}* {s['caption']}", ""]
        for t in s["tables"]:
            if t["caption"]:
                out += [f"**{t['caption']}**", ""]
            out += [markdown.table(t["columns"], t["rows"]), ""]
    out.append(w._("Made by jinmyaku %(version)s.") % {"version": context["version"]})
    return "\n".join(out) + "\n"
