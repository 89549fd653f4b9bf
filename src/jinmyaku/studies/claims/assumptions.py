"""Claim → mechanism → deciding assumptions (issue 17), and what an hour of each activity buys.

For each of the post's six claims, :data:`MECHANISMS` names the rule of the
model that produces its sign and every assumption that decides that sign, each
a scenario parameter or switch, with its default and the value it takes in the
*null world* (the built-in scenario ``null``), where the claim is false by
construction. The table in ``docs/experiment.md`` and in the report are made
from it; ``tests/test_claims_null.py`` checks that the ``null`` scenario sets
every one of these values.

:func:`hour_buys` reads a scenario and says what one hour a week of each
activity buys in it: the strategies are compared at equal hours, but an hour
does not buy the same kind of thing everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from jinmyaku.model.scenario import Scenario
from jinmyaku.studies.claims.messages import N_, Gettext, same


@dataclass(frozen=True)
class Assumption:
    """One assumption that can decide a claim's sign."""

    key: str            # dotted scenario key
    null: object        # its value in the null world
    how: str            # how it decides the sign


@dataclass(frozen=True)
class Mechanism:
    rule: str
    deciding: tuple[Assumption, ...]


MECHANISMS: dict[str, Mechanism] = {
    "h1": Mechanism(
        "influence: each week a person's stage moves `influence.rate` of the way to the "
        "weighted mean stage of their `influence.k` strongest ties",
        (Assumption("processes.influence.rate", 0.0,
                    N_("at 0 nobody is pulled: the causal pass-through is exactly 0")),
         Assumption("processes.maintenance.stage_homophily", False,
                    N_("selection (attention to people at one's stage) makes the correlation "
                       "with the closest five look like influence; the causal shock removes it")))),
    "h2": Mechanism(
        "mixers: a new random crowd from every field each time, so a mixer tie is met again "
        "only by chance, stays weak and fades; offers go ∝ tie weight and pass with chance "
        "w/(w + trust_half)",
        (Assumption("processes.mixers.recurring", True,
                    N_("a crowd that comes back turns mixer ties into repeated contact")),
         Assumption("processes.opportunities.trust", False,
                    N_("without trust a weak tie carries an offer as well as a strong one")),
         Assumption("processes.opportunities.topic_fit", False,
                    N_("with topic fit, ties across fields (mixers) can rarely use an offer")),
         Assumption("processes.budget.mixer_every", 4,
                    N_("weekly mixers fill the tie capacity, and displaced mixer ties count as "
                       "short-lived")),
         Assumption("processes.budget.meetup_every", 4,
                    N_("events of both kinds equally rare")))),
    "h3": Mechanism(
        "action: weekly focus sessions of one aim and stage band, attended more the more "
        "action hours; co-members meet again and again, share the aim and the stage",
        (Assumption("processes.action.base_attendance", 1.0,
                    N_("at 1 everyone attends their focus weekly: action hours buy no extra ties")),
         Assumption("processes.opportunities.trust", False,
                    N_("repeated meetings make strong ties, which carry offers only under trust")),
         Assumption("processes.opportunities.topic_fit", False,
                    N_("focus ties share the aim, which only matters when topics must fit")),
         Assumption("processes.maintenance.aim_bonus", 1.0,
                    N_("attention to ties that share one's aim keeps focus ties alive")),
         Assumption("processes.action.stage_bands", 1,
                    N_("foci split by stage band tie people of like stage, who can meet each "
                       "other's offers' stage requirement")))),
    "h4": Mechanism(
        "action raises stage; maintenance gives attention ∝ weight × "
        "exp(−|Δstage|/stage_scale) × aim bonus, so ties to one's old stage get less "
        "attention and fade",
        (Assumption("processes.maintenance.stage_homophily", False,
                    N_("without it attention ignores the stage gap and old-stage ties fade no "
                       "faster than others")),
         Assumption("processes.maintenance.aim_bonus", 1.0,
                    N_("a shared aim also steers attention away from the old circle")),
         Assumption("processes.action.base_attendance", 1.0,
                    N_("grow's action hours buy focus sessions whose new ties crowd out "
                       "old ones")))),
    "h5": Mechanism(
        "meetups: a recurring group of one topic; mixers: one-off crowds from every field; "
        "an offer fits only contacts whose aim or field is its topic",
        (Assumption("processes.opportunities.topic_fit", False,
                    N_("without topic fit a contact from any field can use an offer")),
         Assumption("processes.mixers.recurring", True,
                    N_("mixers that come back differ from meetups only by topic")),
         Assumption("processes.budget.mixer_every", 4, N_("a mixer a month ...")),
         Assumption("processes.budget.meetup_every", 4, N_("... and a meetup a month")),
         Assumption("strategies.grow+meetup.mixer", 0.125,
                    N_("by default grow+meetup (a tenth of the background and a cohort) "
                       "spends its event hours at meetups only, so twice as many hours go to "
                       "meetups as to mixers: a meetup is more crowded and makes more ties; "
                       "the null splits them evenly (with `strategies.grow+meetup.meetup` "
                       "0.125)")))),
    "h6": Mechanism(
        "introductions: a person who acted shares progress with chance `share_after_action`, "
        "anyone else with `share_base`; the contact told introduces a fitting contact of "
        "theirs, looking through up to `candidates`",
        (Assumption("processes.introductions.share_after_action", 0.05,
                    N_("the sharing ratio share_after_action / share_base (0.3 / 0.02 = 15) is "
                       "what gives actors more referrals")),
         Assumption("processes.introductions.share_base", 0.05,
                    N_("equal to the above in the null")),
         Assumption("processes.introductions.introducer", "uniform",
                    N_("`degree`: the better connected look through more contacts and find a "
                       "fit more often; `uniform`: one contact, whatever the degree")),
         Assumption("processes.introductions.stage_scale", 10.0,
                    N_("acceptance falls with the stage gap, which favours people who rose")))),
}

# Set in the null world although no claim's sign hangs on them alone: they remove a
# difference the rules above would otherwise carry (stage gaps in who can hold offers).
NULL_EXTRA: dict[str, object] = {"processes.opportunities.stage_power": 0.0}


def null_values() -> dict[str, object]:
    """Every key the null world sets, with its value (from :data:`MECHANISMS`)."""
    out: dict[str, object] = {}
    for m in MECHANISMS.values():
        for a in m.deciding:
            out[a.key] = a.null
    return {**out, **NULL_EXTRA}


def value_of(scenario: Scenario, key: str) -> object:
    """The value at dotted ``key`` (attributes, or a dict's entries such as a strategy's)."""
    node: object = scenario
    for part in key.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


def mechanism_table(scenario: Scenario | None = None) -> pd.DataFrame:
    """One row per claim and deciding assumption: rule, key, default (or the value in
    ``scenario``), null value, how it decides the sign."""
    base = scenario or Scenario()
    rows = []
    for c, m in MECHANISMS.items():
        for a in m.deciding:
            rows.append({"claim": c, "rule": m.rule, "assumption": a.key,
                         "value": value_of(base, a.key), "null": a.null, "how": a.how})
    return pd.DataFrame(rows)


ACTIVITY_NAMES = ("input", "action", "mixer", "meetup", "social")


def _met(encounters: float, proc) -> dict[str, float]:
    """People met per hour and the new ties they make (before capacity and known faces)."""
    return {"encounters": encounters,
            "new_ties": encounters * proc.new_tie * (1 - proc.seek_known)}


def hour_buys(sc: Scenario, _: Gettext = same) -> pd.DataFrame:
    """What one hour a week of each activity buys in ``sc`` (means, at mean propensity).

    Columns: activity, encounters (people met per hour spent; for action, the extra
    focus sessions an hour buys at the grow strategy's action hours), new ties (expected
    first-meeting ties per hour, before capacity and known faces), other (what
    else it buys, in words: English, or through ``_``, a ``gettext``).
    """
    p = sc.processes
    prop = sc.population.propensity_beta
    mean_prop = prop[0] / (prop[0] + prop[1])
    sess = p.action.session_hours
    # sessions an action hour buys beyond base attendance, at the grow strategy's hours
    grow = sc.strategies.get("grow")
    h = grow.action * sc.population.discretionary_hours if grow and grow.action > 0 else sess
    base = p.action.base_attendance
    per_hour = (min(1.0, base + h / sess) - base) / h
    mixer = {"hours": f"{p.budget.mixer_hours:g}", "every": p.budget.mixer_every}
    rows = [
        {"activity": "input", "encounters": 0.0, "new_ties": 0.0,
         "other": _("%(units)s knowledge units (forgotten at %(forgetting)s%%/week; raise "
                    "stage only when acted on)") % {
             "units": f"{p.input.rate * mean_prop:.3g}",
             "forgetting": f"{100 * p.input.forgetting:g}"}},
        {"activity": "action", **_met(p.action.encounters * per_hour, p.action),
         "other": _("stage growth; a focus session per %(hours)s h (besides %(base)s%% without "
                    "action); the weekly chance of sharing news goes from %(before)s to "
                    "%(after)s") % {
             "hours": f"{sess:g}", "base": f"{100 * p.action.base_attendance:g}",
             "before": f"{p.introductions.share_base:g}",
             "after": f"{p.introductions.share_after_action:g}"}},
        {"activity": "mixer", **_met(p.mixers.encounters / p.budget.mixer_hours, p.mixers),
         "other": (_("one mixer per %(hours)s h, held every %(every)s week(s) (the same crowd "
                     "each time); hours in weeks without one go to social hours")
                   if p.mixers.recurring else
                   _("one mixer per %(hours)s h, held every %(every)s week(s) (a new crowd "
                     "each time); hours in weeks without one go to social hours")) % mixer},
        {"activity": "meetup", **_met(p.meetups.encounters / p.budget.meetup_hours,
                                       p.meetups),
         "other": _("one meetup per %(hours)s h, held every %(every)s week(s), the same topic "
                    "group each time; hours in weeks without one go to social hours") % {
             "hours": f"{p.budget.meetup_hours:g}", "every": p.budget.meetup_every}},
        {"activity": "social", **_met(p.work.social_per_hour, p.work),
         "other": _("coworker encounters at one's workplace")},
    ]
    return pd.DataFrame(rows)
