"""Scenarios: validated, complete descriptions of a simulated world.

A scenario is a TOML file checked by the pydantic models below. Unknown keys,
wrong types and out-of-range values are refused with the file, the key path
and what is allowed. Every parameter has a default, a unit and a range; the
source of each default is in ``docs/model.md``.
"""

from __future__ import annotations

import numbers
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)

from jinmyaku.errors import InputError
from jinmyaku.model.vocabulary import STRATEGIES

# Strict numbers: a TOML boolean is not taken for 1 or 0 (an int is still a valid float).
Int = Annotated[int, Strict()]
Float = Annotated[float, Strict()]
Share = Annotated[float, Strict(), Field(ge=0.0, le=1.0)]
Prob = Annotated[float, Strict(), Field(ge=0.0, le=1.0)]
Rate = Annotated[float, Strict(), Field(ge=0.0, le=1.0)]
Weight = Annotated[float, Strict(), Field(gt=0.0, le=1.0)]
# discounted contacts of a tie (docs/model.md §4): at least one, as a tie is made by one
Contacts = Annotated[float, Strict(), Field(ge=1.0, le=10_000.0)]

ACTIVITIES = ("input", "action", "mixer", "meetup", "social")
# The jinmyaku processes, in the default weekly order.
DEFAULT_SCHEDULE = (
    "budget", "input", "action", "mixers", "meetups", "work", "bonds", "maintenance",
    "introductions", "opportunities", "influence", "life_events",
)
# The Kumpula et al. (2007) weighted network model (scenario ``kumpula2007``); its
# weights grow without bound, so it never shares a schedule with the processes above.
KUMPULA_PROCESSES = ("local_search", "global_attachment", "node_deletion")
PROCESS_NAMES = DEFAULT_SCHEDULE + KUMPULA_PROCESSES
PEOPLE_CAP = 5_000_000  # the most people a scenario may have (population.people)
NAME_MAX = 100  # the longest scenario (and sweep) name, in characters


def name_problem(name: str, folder: str = "run folder") -> str | None:
    """Why ``name`` cannot be a scenario's (or a sweep's) name, or None if it can.

    A name becomes a folder name (``runs/NAME-seedN``, ``sweeps/NAME``), so it is
    a name, not a path: 1 to ``NAME_MAX`` characters, each a letter or a digit
    (any script: ``人脈`` is a name), ``-``, ``_`` or ``.``, the first a letter, a
    digit or ``_`` (so never ``.``, ``..``, a hidden name or an option-like ``-x``).
    """
    rule = (f"a name may hold only letters, digits, '-', '_' and '.', start with a letter, "
            f"a digit or '_', and be 1 to {NAME_MAX} characters long (it names the "
            f"{folder}, so it cannot be a path), e.g. \"my-scenario_2\"")
    if not name:
        return f"the name is empty; {rule}"
    if len(name) > NAME_MAX:
        return f"the name is {len(name)} characters long; {rule}"
    bad = sorted({c for c in name if not (c.isalnum() or c in "-_.")})
    if bad:
        return f"{name!r} holds {', '.join(map(repr, bad))}; {rule}"
    if not (name[0].isalnum() or name[0] == "_"):
        return f"{name!r} starts with {name[0]!r}; {rule}"
    return None


class Model(BaseModel):
    # inf and nan are refused everywhere: no parameter of the model has a meaning for them
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Population(Model):
    """Who lives in the world at the start."""

    people: Int = Field(10_000, ge=10, le=PEOPLE_CAP, description="population size (persons)")
    years: Float = Field(5.0, gt=0.0, le=50.0, description="horizon (years of 52 weeks)")
    steps: Int = Field(0, ge=0, le=10_000_000,
                       description="steps to run if > 0, overriding years (a step is a week; "
                                   "a sweep over all nodes in kumpula2007)")
    fields: Int = Field(20, ge=1, le=1000, description="industries = topics (count)")
    aim_is_field: Prob = Field(0.7, description="chance a person's aim is their own field")
    stage_beta: tuple[Annotated[Float, Field(gt=0)], Annotated[Float, Field(gt=0)]] = Field(
        (2.0, 5.0), description="Beta(a, b) of the initial stage")
    propensity_beta: tuple[Annotated[Float, Field(gt=0)], Annotated[Float, Field(gt=0)]] = Field(
        (2.0, 2.0), description="Beta(a, b) of input and action propensities")
    discretionary_hours: Float = Field(5.0, ge=0.0, le=60.0,
                                       description="free hours a week, equal for everyone (h)")
    sociability_sd: Float = Field(
        0.89, ge=0.0, le=2.0,
        description="SD of ln(sociability): each person's lognormal multiplier (mean 1) of "
                    "the ties they reach for a week (maintenance.interactions); 0: all alike; "
                    "calibrated to patterns P1, P2, P5")
    max_ties: Int = Field(150, ge=2, le=2000, description="most ties a person holds (Dunbar)")
    school_group: Int = Field(40, ge=2, le=10_000,
                              description="size of a family/school circle (persons)")
    school_ties: Float = Field(10.0, ge=0.0, le=500.0,
                               description="mean family/school ties per person at start")
    workplace_size: Float = Field(25.0, ge=2.0, le=100_000.0,
                                  description="mean workplace size (persons)")
    workplace_ties: Float = Field(6.0, ge=0.0, le=500.0,
                                  description="mean workplace ties per person at start")
    initial_contacts: tuple[Contacts, Contacts] = Field(
        (2.0, 30.0), description="starting ties' contacts, log-uniform in [lo, hi] (contacts; "
                                 "a tie met weekly for ever holds about ties.memory)")


class Strategy(Model):
    """Shares of the discretionary hours given to each activity (sum ≤ 1)."""

    input: Share = 0.0
    action: Share = 0.0
    mixer: Share = 0.0
    meetup: Share = 0.0
    social: Share = 0.0

    @model_validator(mode="after")
    def _sum(self) -> Strategy:
        total = sum(getattr(self, a) for a in ACTIVITIES)
        if total > 1.0 + 1e-9:
            raise ValueError(f"activity shares add up to {total:.3g}; they may add up to at most 1")
        return self


def _default_strategies() -> dict[str, Strategy]:
    return {
        "passive": Strategy(social=1.0),
        "mixer": Strategy(mixer=0.75, social=0.25),
        "meetup": Strategy(meetup=0.75, social=0.25),
        "grow": Strategy(input=0.375, action=0.375, social=0.25),
        "grow+meetup": Strategy(input=0.25, action=0.25, meetup=0.25, social=0.25),
    }


COHORT_CAP = 500  # persons per focal strategy when cohorts.size is not given


def default_cohort_size(people: int, strategies: int) -> int:
    """Persons per focal strategy when ``cohorts.size`` is not given: the focal
    cohorts take at most half the population, and at most 500 people each,
    ``min(500, people // (2 × strategies))`` (10,000 people and 5 strategies: 500)."""
    return min(COHORT_CAP, people // (2 * max(strategies, 1)))


class Cohorts(Model):
    """Focal cohorts: typical people, drawn at random, told to follow one strategy."""

    size: Int | None = Field(
        None, ge=0, le=1_000_000,
        description="persons per focal strategy; not given: min(500, people // (2 × "
                    "number of strategies))")
    strategies: list[str] = Field(default_factory=lambda: list(STRATEGIES))


class Budget(Model):
    mixer_hours: Float = Field(3.0, gt=0.0, le=24.0, description="hours one mixer takes (h)")
    meetup_hours: Float = Field(3.0, gt=0.0, le=24.0, description="hours one meetup takes (h)")
    mixer_every: Int = Field(1, ge=1, le=520, description=(
        "weeks between mixers: one is held in weeks divisible by it (credit saved for a "
        "mixer never exceeds one mixer's hours; the rest is social hours)"))
    meetup_every: Int = Field(1, ge=1, le=520, description=(
        "weeks between meetups: one is held in weeks divisible by it (as mixer_every)"))


class Input(Model):
    rate: Float = Field(0.1, ge=0.0, le=10.0,
                        description="knowledge per study hour at propensity 1 (units/h)")
    forgetting: Rate = Field(0.01, description="share of knowledge lost per week")


class Action(Model):
    conversion: Float = Field(0.1, ge=0.0, le=10.0,
                              description="knowledge put to use per action hour (units/h)")
    practice: Float = Field(0.01, ge=0.0, le=10.0,
                            description="stage growth fuel per action hour without knowledge")
    growth: Float = Field(0.05, ge=0.0, le=10.0,
                          description="stage gained per unit of fuel at stage 0")
    reflection: Float = Field(0.02, ge=0.0, le=10.0,
                              description="knowledge learnt per action hour (units/h)")
    stage_bands: Int = Field(5, ge=1, le=100, description="stage bands that split foci")
    focus_size: Int = Field(40, ge=2, le=100_000, description="target members per focus")
    base_attendance: Prob = Field(0.1, description="weekly chance of a focus session w/o action")
    session_hours: Float = Field(2.0, gt=0.0, le=24.0, description="hours of one focus session")
    encounters: Int = Field(3, ge=0, le=100, description="co-members met per session")
    seek_known: Prob = Field(0.5, description="chance an encounter seeks a known co-member")
    new_tie: Prob = Field(0.4, description="chance a first encounter becomes a tie")
    refocus: Prob = Field(0.05, description="weekly chance an actor outside their band moves")


class Events(Model):
    """Encounter rules shared by mixers and meetups (equal defaults on purpose).

    With equal rules, what separates a mixer from a meetup is structure
    alone: a new random crowd from every field each week, or a recurring
    group of one topic.
    """

    encounters: Int = Field(6, ge=0, le=100, description="people talked to per event")
    seek_known: Prob = Field(0.5, description="chance an encounter seeks a known attendee")
    new_tie: Prob = Field(0.3, description="chance a first encounter becomes a tie")


class Mixers(Events):
    event_size: Int = Field(40, ge=2, le=100_000,
                            description="attendees per mixer event (events are drawn anew weekly)")
    recurring: bool = Field(False, description=(
        "false: a new random crowd each time; true: a fixed group for life, as many groups "
        "as meetup groups, across fields (a mixer is then a meetup without a topic)"))


class Meetups(Events):
    catchment: Int = Field(500, ge=2, le=10_000_000,
                           description="persons per meetup group of a topic")


class Work(Model):
    encounters: Float = Field(5.3, ge=0.0, le=100.0, description=(
        "coworkers met per week (calibrated to patterns P1, P2, P5)"))
    social_per_hour: Float = Field(1.0, ge=0.0, le=100.0,
                                   description="extra coworker encounters per social hour")
    seek_known: Prob = 0.7
    new_tie: Prob = 0.3


class Ties(Model):
    """How ties fade: a tie's strength is its contacts, each discounted by its age."""

    memory: Float = Field(54.0, ge=4.0, le=520.0, description=(
        "τ: a contact counts exp(-age/τ) (weeks); a tie met weekly for ever holds about τ "
        "contacts; calibrated to patterns P1, P2, P5)"))
    end_below: Float = Field(0.25, gt=0.0, lt=1.0, description=(
        "a tie ends when its discounted contacts fall below this (contacts; a single "
        "contact lasts τ·ln(1/x) weeks)"))


class Bonds(Model):
    """Close bonds: the few ties (kin, a partner, the closest friends) kept up whatever the
    week's strength (docs/model.md §7.6b)."""

    per_person: Int = Field(5, ge=0, le=20, description=(
        "most close bonds a person holds (Dunbar's support clique, about 5); 0: no bond "
        "layer, and the process makes no draw"))
    contacts: Float = Field(1.0, ge=0.0, le=50.0, description=(
        "contacts a week over each bond, the mean of a Poisson draw per pair (the support "
        "clique is met about weekly)"))
    form: Prob = Field(0.02, description=(
        "weekly chance that a person with room for a bond makes their strongest other tie "
        "one (when its other end has room too)"))


class Maintenance(Model):
    interactions: Int = Field(16, ge=0, le=1000, description=(
        "ties a person reaches for a week (each drawn ∝ strength^preference, then kept "
        "with chance affinity / aim_bonus; times the person's sociability; calibrated)"))
    preference: Float = Field(0.79, ge=0.0, le=3.0, description=(
        "β: a tie is reached for ∝ strength^β (0: any tie alike; 1: in proportion to its "
        "contacts; > 1: cumulative advantage; calibrated)"))
    stage_scale: Float = Field(0.15, ge=0.01, le=10.0,
                               description="affinity falls as exp(-|Δstage|/scale)")
    aim_bonus: Float = Field(2.0, ge=1.0, le=100.0, description="affinity factor for shared aim")
    stage_homophily: bool = Field(True, description=(
        "attention falls with the stage gap, exp(-|Δstage|/stage_scale) (false: the stage "
        "gap does not matter; the aim bonus stays)"))


class Introductions(Model):
    share_after_action: Prob = Field(0.3, description="weekly chance an actor shares progress")
    share_base: Prob = Field(0.02, description="weekly chance anyone else shares news")
    introduce: Prob = Field(0.5, description=(
        "chance of an introduction over a strong tie, times s / (s + trust_half), s the "
        "tie's strength"))
    trust_half: Float = Field(5.0, gt=0.0, le=1000.0, description=(
        "strength at which an introduction is half as likely as over the strongest ties "
        "(contacts)"))
    candidates: Int = Field(10, ge=1, le=1000, description="contacts the introducer considers")
    introducer: Literal["degree", "uniform"] = Field("degree", description=(
        "degree: the introducer looks through up to `candidates` contacts, so the better "
        "connected find a fitting one more often; uniform: they ask one contact drawn at "
        "random, so their chance does not grow with their degree"))
    stage_scale: Float = Field(0.15, gt=0.0, le=10.0,
                               description="acceptance falls as exp(-|Δstage|/scale)")


class Opportunities(Model):
    rate: Float = Field(0.02, ge=0.0, le=5.0,
                        description="opportunities per person-week at mean stage power")
    stage_power: Float = Field(2.0, ge=0.0, le=10.0, description="γ in rate ∝ stage**γ")
    own_aim: Prob = Field(0.5, description="chance the topic is the holder's aim")
    own_field: Prob = Field(0.3, description="chance the topic is the holder's field")
    max_hops: Int = Field(3, ge=1, le=20)
    trust_half: Float = Field(5.0, gt=0.0, le=1000.0, description=(
        "strength at which an offer is made half the time (contacts)"))
    forward: Prob = Field(0.5, description="chance an unfitting holder forwards it on")
    strength_pull: Float = Field(1.0, ge=0.0, le=3.0, description=(
        "λ: a fitting contact is offered the opportunity ∝ strength^λ (0: any fitting "
        "contact alike; 1: in proportion to contacts)"))
    redundancy: Prob = Field(0.0, description=(
        "an offer over a tie is no news, and adds nothing, with chance redundancy × the "
        "tie's overlap (common contacts ÷ contacts of either end but the other): what an "
        "embedded tie knows its other end has heard already"))
    topic_fit: bool = Field(True, description=(
        "an opportunity fits only contacts whose aim or field is its topic (false: any "
        "topic fits; the stage requirement stays)"))
    trust: bool = Field(True, description=(
        "offers go to a fitting contact drawn ∝ strength^strength_pull and pass with chance "
        "s/(s+trust_half) (false: drawn uniformly, passing with chance 1/2 whatever the "
        "strength)"))


class Influence(Model):
    k: Int = Field(5, ge=1, le=1000, description="closest ties that pull on stage")
    rate: Rate = Field(0.02, description="share of the gap closed per week")


class LifeEvents(Model):
    job_change: Rate = Field(0.0048, description="weekly chance of a new workplace (~4 years)")
    same_field: Prob = Field(0.8, description="chance a new job stays in the field")
    leave: Rate = Field(0.001, description="weekly chance of leaving (replaced by a newcomer)")


class Kumpula(Model):
    """The Kumpula et al. (2007) model: one step is one sweep over every node.

    Weights are kept raw (start at ``w0``, grow by ``delta`` per reinforcement,
    unbounded), as in the paper; see docs/model.md, "The kumpula2007 scenario".
    """

    delta: Float = Field(0.5, ge=0.0, le=100.0,
                         description="weight added per reinforcement in local search (paper 0-1)")
    p_delta: Prob = Field(0.05, description="chance local search closes an open triangle")
    p_r: Prob = Field(0.0005, description="chance per step of a global attachment")
    p_d: Prob = Field(0.001, description="chance per step a node loses all ties (replaced)")
    w0: Float = Field(1.0, gt=0.0, le=1000.0, description="weight of a new tie")


class Processes(Model):
    ties: Ties = Ties()
    budget: Budget = Budget()
    input: Input = Input()
    action: Action = Action()
    mixers: Mixers = Mixers()
    meetups: Meetups = Meetups()
    work: Work = Work()
    bonds: Bonds = Bonds()
    maintenance: Maintenance = Maintenance()
    introductions: Introductions = Introductions()
    opportunities: Opportunities = Opportunities()
    influence: Influence = Influence()
    life_events: LifeEvents = LifeEvents()
    kumpula: Kumpula = Kumpula()


class Scenario(Model):
    """A complete, validated scenario."""

    name: str = "unnamed"
    description: str = ""
    seed: Int = Field(1, ge=0, le=2**63 - 1)
    population: Population = Population()
    strategies: dict[str, Strategy] = Field(default_factory=_default_strategies)
    background: dict[str, Share] = Field(
        default_factory=lambda: {"passive": 0.6, "mixer": 0.1, "meetup": 0.1, "grow": 0.1,
                                 "grow+meetup": 0.1},
        description="strategy shares of everyone outside the focal cohorts (sum 1)")
    cohorts: Cohorts = Cohorts()
    schedule: list[Literal[PROCESS_NAMES]] = Field(default_factory=lambda: list(DEFAULT_SCHEDULE))
    processes: Processes = Processes()

    @field_validator("name")
    @classmethod
    def _a_name_not_a_path(cls, name: str) -> str:
        problem = name_problem(name)
        if problem:
            raise ValueError(problem)
        return name

    @property
    def fading(self) -> bool:
        """True unless the schedule is the Kumpula model's: ties are fading contacts
        (docs/model.md §4) rather than raw weights."""
        return not (self.schedule and set(self.schedule) <= set(KUMPULA_PROCESSES))

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        known = set(self.strategies)
        if "background" in known:
            raise ValueError("strategies.background: 'background' is reserved for people "
                             "outside the focal cohorts; give the strategy another name")
        for where, names in (("background", list(self.background)),
                             ("cohorts.strategies", list(self.cohorts.strategies))):
            for name in names:
                if name not in known:
                    raise ValueError(f"{where}: strategy {name!r} is not defined in "
                                     f"[strategies]; defined: {', '.join(sorted(known))}")
        total = sum(self.background.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"background shares add up to {total:.6g}; they must add up to 1")
        if len(set(self.cohorts.strategies)) != len(self.cohorts.strategies):
            raise ValueError("cohorts.strategies names a strategy twice")
        lo, hi = self.population.initial_contacts
        if lo > hi:
            raise ValueError(f"population.initial_contacts: lo {lo} is above hi {hi}")
        opp = self.processes.opportunities
        if opp.own_aim + opp.own_field > 1.0 + 1e-9:
            raise ValueError(f"processes.opportunities: own_aim + own_field = "
                             f"{opp.own_aim + opp.own_field:.3g}; they may add up to at most 1")
        if len(set(self.schedule)) != len(self.schedule):
            raise ValueError("schedule names a process twice")
        kumpula = [p for p in self.schedule if p in KUMPULA_PROCESSES]
        if kumpula and len(kumpula) != len(self.schedule):
            raise ValueError(f"schedule mixes the Kumpula processes ({', '.join(kumpula)}), "
                             f"whose raw tie weights never fade, with processes whose ties "
                             f"are fading contacts; use one kind or the other")
        n_focal = self.cohort_size * len(self.cohorts.strategies)
        if n_focal > self.population.people:
            k = len(self.cohorts.strategies)
            raise ValueError(f"the focal cohorts need {n_focal} people ({k} strategies × "
                             f"cohorts.size {self.cohort_size}) but the population has "
                             f"{self.population.people}; lower cohorts.size, e.g. "
                             f"--set cohorts.size={max(1, self.population.people // (2 * k))}")
        return self

    @property
    def cohort_size(self) -> int:
        """Persons per focal strategy: ``cohorts.size``, or if not given
        :func:`default_cohort_size` of the population and the number of strategies."""
        if self.cohorts.size is not None:
            return self.cohorts.size
        return default_cohort_size(self.population.people, len(self.cohorts.strategies))

    def resolved(self) -> dict[str, Any]:
        """Every parameter as plain data (``model_dump(mode="json")``) with derived
        values filled in: what a run actually used (``cohorts.size`` included)."""
        raw = self.model_dump(mode="json")
        raw["cohorts"]["size"] = self.cohort_size
        return raw

    @property
    def steps(self) -> int:
        """Number of steps: ``population.steps`` if > 0, else 52 a year (at least 1)."""
        if self.population.steps > 0:
            return self.population.steps
        return max(1, round(self.population.years * 52))

    def to_toml(self, *, resolved: bool = True) -> str:
        """The scenario as TOML. ``resolved``: every parameter given, derived ones with
        the value they take (what a run used); else derived ones are left out, so the
        text loads back to an equal scenario whose cohorts still follow its population."""
        raw = self.resolved() if resolved else self.model_dump(mode="json", exclude_none=True)
        return tomli_w.dumps(raw)


# ---------------------------------------------------------------- loading

def builtin_names() -> list[str]:
    """Names of the scenarios shipped with the package."""
    folder = resources.files("jinmyaku.model") / "scenarios"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def builtin_text(name: str) -> str:
    return (resources.files("jinmyaku.model") / "scenarios" / f"{name}.toml").read_text("utf-8")


# Advice on a population above PEOPLE_CAP from a layer that knows the machine, which
# the model cannot import: jinmyaku.storage.memory adds the largest population that
# fits in the memory available, when that is below the cap (advise_on_people_cap).
_cap_advisers: list[Callable[[Scenario], str | None]] = []


def advise_on_people_cap(adviser: Callable[[Scenario], str | None]) -> None:
    """Have ``adviser`` add to the message refusing a population above the cap.

    ``adviser`` gets the scenario with ``population.people`` at the cap and
    returns a sentence to append (or None). Registered once per function.
    """
    if adviser not in _cap_advisers:
        _cap_advisers.append(adviser)


def _people_cap_advice(raw: Any) -> str:
    if not isinstance(raw, dict) or not isinstance(raw.get("population"), dict):
        return ""
    at_cap = {**raw, "population": {**raw["population"], "people": PEOPLE_CAP}}
    try:
        sc = Scenario.model_validate(at_cap)
    except ValidationError:  # other problems too: they are reported, no advice
        return ""
    return "".join(f" {text}" for text in (a(sc) for a in _cap_advisers) if text)


def _format_errors(source: str, err: ValidationError, raw: Any = None) -> str:
    lines = []
    above_cap = False
    for e in err.errors():
        path = ".".join(str(p) for p in e["loc"])
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; `jinmyaku scenarios show default` lists keys)"
        elif e["type"] == "value_error":
            msg = msg.removeprefix("Value error, ")
        elif e["type"] == "literal_error":
            msg = f"not allowed; {msg.lower()}"
        elif e["type"] == "finite_number":
            msg = f"{e['input']!r} is not a finite number (inf and nan are not allowed)"
        elif e["type"] == "less_than_equal" and e["loc"] == ("population", "people"):
            above_cap = True
            msg = (f"{e['input']:,} people is above the cap of {PEOPLE_CAP:,}, the most a "
                   f"scenario may have")
        lines.append(f"{path}: {msg}" if path else msg)
    text = f"{source}: invalid scenario: " + "; ".join(lines) + "."
    return text + (_people_cap_advice(raw) if above_cap else "")


def validate(raw: dict, source: str) -> Scenario:
    """``raw`` (plain data) as a :class:`Scenario`; if it is not valid, an
    :class:`InputError` naming ``source``, every key at fault and what is allowed."""
    try:
        return Scenario.model_validate(raw)
    except ValidationError as e:
        raise InputError(_format_errors(source, e, raw)) from None


def parse_value(text: str) -> Any:
    """Read a ``--set`` value as a TOML literal (number, bool, array, string);
    anything that is not one is the plain string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):  # RecursionError: nested too deep
        return text


def apply_overrides(raw: dict, overrides: list[str]) -> dict:
    """Apply ``key.path=value`` overrides to a raw scenario mapping."""
    for item in overrides:
        if "=" not in item:
            raise InputError(f"--set {item!r}: expected KEY=VALUE, e.g. "
                             f"--set processes.mixers.encounters=4.")
        key, text = item.split("=", 1)
        parts = [p for p in key.strip().split(".") if p]
        if not parts:
            raise InputError(f"--set {item!r}: the key is empty.")
        node = raw
        for p in parts[:-1]:
            nxt = node.get(p)
            if nxt is None:
                nxt = node[p] = {}
            if not isinstance(nxt, dict):
                raise InputError(f"--set {item!r}: {p!r} is not a table of parameters.")
            node = nxt
        node[parts[-1]] = parse_value(text.strip())
    return raw


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise InputError(f"seed {seed!r}: give an integer from 0 to 2**63 - 1.")
    if not 0 <= int(seed) <= 2**63 - 1:
        raise InputError(f"seed {seed}: give an integer from 0 to 2**63 - 1.")
    return int(seed)


def read_text(path: Path, what: str) -> str:
    """A TOML file's text; an :class:`InputError` if it cannot be read (``what``: "scenario
    file", "sweep spec"). A UTF-8 byte-order mark at the start is dropped (some Windows
    editors write one)."""
    try:
        return path.read_text("utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such {what}.") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:  # ValueError: a NUL in the path
        raise InputError(f"{path}: cannot read the {what} ({e}).") from None


def parse_toml(text: str, label: str, what: str, instead: str) -> dict:
    """``text`` read as TOML; an :class:`InputError` naming ``label`` if it is not TOML or
    sets no keys: an empty file is a mistake, not "all defaults" (``instead``: what to
    do instead, for the message)."""
    try:
        raw = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"{label}: not valid TOML ({e}).") from None
    except RecursionError:
        raise InputError(f"{label}: not valid TOML (arrays or tables nested too "
                         f"deeply).") from None
    if not raw:
        raise InputError(f"{label}: the {what} is empty (it sets no keys); {instead}.")
    return raw


def load(source: str | Path | Scenario, overrides: list[str] | None = None, *,
         seed: int | None = None) -> Scenario:
    """Load a scenario (built-in name, TOML path, or a :class:`Scenario` to change),
    apply ``overrides`` (``"key.path=value"`` strings), set ``seed``, validate.

    ``seed`` (an integer) replaces the scenario's seed, after any override. Every
    problem a user can fix is an :class:`InputError`: a missing, unreadable, empty
    or malformed file, a bad override, an invalid scenario.
    """
    if seed is not None:
        seed = _check_seed(seed)
    if isinstance(source, Scenario):
        raw = apply_overrides(source.model_dump(mode="json"), list(overrides or []))
        if seed is not None:
            raw["seed"] = seed
        return validate(raw, f"scenario {source.name!r} with changes")
    src = str(source)
    path = Path(src)
    if src in builtin_names():
        label = f"built-in scenario {src!r}"
        raw = parse_toml(builtin_text(src), label, "scenario", "")
    elif path.suffix == ".toml" or path.exists():
        label = str(path)
        if not path.exists():
            raise InputError(f"{path}: no such scenario file. Built-in scenarios: "
                             f"{', '.join(builtin_names())}.")
        raw = parse_toml(read_text(path, "scenario file"), label, "scenario file",
                         f"write the keys to set (every other key keeps its default), or run "
                         f"a built-in scenario as it is ({', '.join(builtin_names())})")
    else:
        raise InputError(f"{src!r} is neither a built-in scenario ({', '.join(builtin_names())}) "
                         f"nor a .toml file.")
    if overrides:
        # Override the resolved scenario (defaults filled in), so that e.g.
        # --set strategies.mixer.mixer=0.5 changes one share and keeps the other
        # strategies; if the file alone is not valid, let the overrides mend it.
        try:
            raw = Scenario.model_validate(raw).model_dump(mode="json")
        except ValidationError:
            pass
        raw = apply_overrides(raw, overrides)
    if seed is not None:
        raw["seed"] = seed
    return validate(raw, label + (" with --set overrides" if overrides else ""))
