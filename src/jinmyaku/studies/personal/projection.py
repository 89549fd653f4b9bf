"""What each strategy would likely do for you: your network placed in a simulated world.

:func:`project` places the person's current network into a simulated population
through the engine's seed network (:class:`~jinmyaku.model.world.SeedNetwork`) and
runs each strategy for them over replicates, on the parallel evaluators
(:mod:`jinmyaku.studies.parallel`). It returns plain data: for each strategy and
each year asked for, the median and the 10–90 % range across replicates of

- **ties alive**, by how they were made: ties kept from today (by how you met them,
  as you said, ``not given`` where you did not) and ties made since (by the
  model's origin);
- **closest five**: the mean stage of your five strongest ties, how many of
  today's closest five are still among them, and how many are still tied at all;
- **opportunities a year**: opportunities received in the year up to that point,
  and their value;
- your own **stage** (it moves with what you do and with your closest five).

How the person is placed (docs/me.md says the same for a reader):

1. *The population.* The scenario (default ``default``) with ``people`` people
   (default :data:`DEFAULT_PEOPLE`, a smaller world around you than the default
   10,000, for speed), no focal cohorts (everyone follows the scenario's
   background mix of strategies), run for the largest year asked for.
2. *You* are one person of it: one who does not leave the world before the end
   (:func:`jinmyaku.model.processes.life_events.stays`: the model's leaving is
   moving away or dying; a projection for you assumes you stay), of the stage
   closest to yours. Your stage is ``stage`` if given, else the mean stage of
   your closest five as you see them (the model's own premise, H1), else the
   mean of everyone's stage you gave, else the drawn one. At the start of week 1
   your strategy (one per arm) and your stage are set
   (:class:`~jinmyaku.model.engine.Intervention`); your workplace, field, aim,
   activity focus and meetup group are those drawn for that person.
3. *Your ties* are given ties (made at week 0) to simulated people, and you get
   no drawn family/school or workplace tie (``SeedNetwork.alone``): your
   starting network is yours alone. Each current person becomes a tie if
   something says how strong it is. A tie's strength is contacts (docs/model.md
   §2.2): from your closeness w (0–1) the starting contacts of a drawn tie of
   that closeness, ``lo·(hi/lo)^w`` with (lo, hi) = ``population.initial_contacts``
   (1 → 30, 0.5 → 7.7, 0 → 2 with the defaults), else the strength that contact
   frequency holds in the model, ``r / (1 − exp(−1/τ))`` for ``r`` contacts a week
   and memory τ = ``processes.ties.memory`` (weekly ≈ 52.5, monthly ≈ 12.2,
   yearly ≈ 1.0); at least :data:`STRENGTH_FLOOR_FACTOR` ×
   ``processes.ties.end_below``. People with neither, or with no contact in the last
   year, are left out (counted), as are the weakest beyond ``population.max_ties``.
4. *Who they are*: ties are placed strongest first; a tie you met at work goes to
   someone at your workplace while it has room, then to someone of your field
   elsewhere (a former colleague); an activity tie to your activity focus, then
   to someone with your aim (topic); a meetup tie to your meetup group, then to
   someone with your aim; family/school, mixer, referral and not-given ties to
   anyone. Among those, the person whose stage is nearest the stage you gave
   (else one at random); their stage is then set to yours for them at week 1.
   A tie whose origin you did not give is recorded with origin ``mixer`` (anyone,
   any field) and reported as ``not given``.
5. *Replicates*: replicate r has its own seed (from ``seed`` and r), shared by every
   strategy, so the strategies of one replicate start from the same world, the same
   placement and the same random numbers: they differ by what you do alone.

Reproducible: the same arguments give the same result, whatever the number of
workers (each task is a pure function of its arguments; results are put in order).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from jinmyaku.errors import InputError
from jinmyaku.model import rng
from jinmyaku.model import scenario as scenario_mod
from jinmyaku.model import world as world_mod
from jinmyaku.model.engine import Analyzer, Intervention, Simulation
from jinmyaku.model.processes.life_events import stays
from jinmyaku.model.vocabulary import MIXER, ORIGIN_CODE, ORIGINS
from jinmyaku.storage import memory
from jinmyaku.studies import parallel
from jinmyaku.studies.personal.measures import current_people

DEFAULT_PEOPLE = 1500
DEFAULT_REPLICATES = 10
DEFAULT_YEARS = (1, 5)
MAX_YEARS = 20
NOT_GIVEN = "not given"
CATEGORIES = (*ORIGINS, NOT_GIVEN)
STRENGTH_FLOOR_FACTOR = 2.0  # the weakest starting strength: this times ties.end_below
WEEKS = 52
WORLD_PER_TIE = 4  # the simulated world has at least this many people per placed tie
# the figures of each year, in the order they are shown
MEASURES = ("ties", "kept", "made", "closest_mean_stage", "closest_kept", "closest_tied",
            "opportunities", "value", "stage")
LABELS = {
    "ties": "ties alive",
    "kept": "  kept from today",
    "made": "  made since",
    "closest_mean_stage": "closest 5: mean stage",
    "closest_kept": "  today's 5 still in it",
    "closest_tied": "  today's 5 still tied",
    "opportunities": "opportunities that year",
    "value": "  their value",
    "stage": "your stage",
}


@dataclass(frozen=True)
class EgoNetwork:
    """The person's current network as the model can take it: one entry per placed tie,
    strongest first (store ids stay here; only numbers go to the simulations)."""

    ids: np.ndarray           # store ids of the placed people
    origin: tuple             # stated origin per tie (one of ORIGINS) or None
    contacts: np.ndarray      # starting strength (contacts, > 0)
    stage: np.ndarray         # their stage as you see it (nan: not given)
    closest: np.ndarray       # bool: among today's closest five
    stage_self: float | None  # your stage as placed (None: the drawn one)
    stage_from: str
    counts: dict = field(default_factory=dict)  # what was placed and what was left out

    @property
    def size(self) -> int:
        return int(self.ids.size)


def steady_contacts(per_year: float, memory: float) -> float:
    """The strength (contacts) a tie holds with ``per_year`` contacts a year, one every
    1/r weeks on average and each discounted by exp(−age/τ): ``r / (1 − exp(−1/τ))``,
    τ = ``memory`` weeks."""
    r = per_year / WEEKS
    return r / -math.expm1(-1.0 / memory) if r > 0 else 0.0


def ego_network(tables: dict[str, pd.DataFrame], sc: scenario_mod.Scenario,
                as_of: date | None = None, stage: float | None = None) -> EgoNetwork:
    """The placed ties of the store's people on ``as_of`` (see the module docstring)."""
    if not len(tables["people"]):
        raise InputError("the store has nobody in it: import your contacts first (jinmyaku "
                         "me template, then jinmyaku me import people.csv).")
    current, closest_ids = current_people(tables, as_of)
    fade = sc.processes.ties
    floor = STRENGTH_FLOOR_FACTOR * fade.end_below
    rows, no_info, lapsed = [], 0, 0
    for r in current.itertuples():
        close = _num(r.closeness)
        per_year = _num(r.per_year)
        if close is not None:
            w = float(world_mod.closeness_contacts(sc, min(1.0, max(0.0, close))))
            w, source = max(floor, w), "closeness"
        elif per_year is not None and per_year > 0:
            w, source = max(floor, steady_contacts(per_year, fade.memory)), "frequency"
        else:
            if per_year is None:
                no_info += 1
            else:
                lapsed += 1
            continue
        origin = r.origin if isinstance(r.origin, str) and r.origin in ORIGIN_CODE else None
        rows.append((w, int(r.id), origin, _num(r.stage), int(r.id) in closest_ids, source))
    if not rows:
        raise InputError(
            f"none of your {len(current)} current people can be placed: the projection needs "
            f"how close you are (closeness 0–1) or how often you are in touch "
            f"(contact_frequency, or messages and logged meetings in the last year) for "
            f"at least one person. Add them in people.csv (jinmyaku me template).")
    rows.sort(key=lambda x: (-x[0], x[1]))
    cap = sc.population.max_ties
    beyond = max(0, len(rows) - cap)
    rows = rows[:cap]
    w = np.array([x[0] for x in rows])
    st = np.array([np.nan if x[3] is None else x[3] for x in rows])
    closest = np.array([x[4] for x in rows], dtype=bool)
    if stage is not None:
        if not 0.0 <= stage <= 1.0:
            raise InputError(f"--stage {stage:g}: give a stage from 0 to 1.")
        self_stage, source = float(stage), "given (--stage)"
    elif np.isfinite(st[closest]).any():
        self_stage, source = float(np.nanmean(st[closest])), "the mean stage of your closest five"
    elif np.isfinite(st).any():
        self_stage, source = float(np.nanmean(st)), "the mean stage of the people you gave one"
    else:
        self_stage, source = None, "drawn (no stage given for anyone)"
    origins = tuple(x[2] for x in rows)
    counts = {
        "current_people": int(len(current)),
        "placed": len(rows),
        "weight_from_closeness": sum(1 for x in rows if x[5] == "closeness"),
        "weight_from_frequency": sum(1 for x in rows if x[5] == "frequency"),
        "left_out_nothing_known": no_info,
        "left_out_no_contact_last_year": lapsed,
        "left_out_beyond_max_ties": beyond,
        "by_origin": {c: sum(1 for o in origins if (o or NOT_GIVEN) == c) for c in CATEGORIES},
        "with_stage": int(np.isfinite(st).sum()),
        "closest_five": int(closest.sum()),
    }
    return EgoNetwork(ids=np.array([x[1] for x in rows], dtype=np.int64), origin=origins,
                      contacts=w, stage=st, closest=closest, stage_self=self_stage,
                      stage_from=source, counts=counts)


def _num(x) -> float | None:
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


# ------------------------------------------------------------------ placement

@dataclass(frozen=True)
class Placement:
    """Where one replicate puts the person (slot ``ego``) and their people (``alters``)."""

    seed: int
    ego: int
    alters: np.ndarray       # slot of each placed tie's person
    contacts: np.ndarray     # starting strength of each tie (contacts)
    code: np.ndarray         # model origin code of each tie
    category: np.ndarray     # index into CATEGORIES (stated origin, or not given)
    stage: np.ndarray        # stage to set at week 1 (nan: keep)
    closest: np.ndarray      # bool: today's closest five
    stage_self: float        # nan: keep the drawn one


def replicate_seed(seed: int, r: int) -> int:
    """The scenario seed of replicate ``r``: the r-th draw of the replicates' stream (the
    same whatever the number of replicates)."""
    return int(rng.generator(seed, rng.PERSONAL_REPLICATE).integers(0, 2**62, size=r + 1)[r])


def place(sc: scenario_mod.Scenario, ego: EgoNetwork) -> Placement:
    """Choose the person's slot and their people's slots in the world of ``sc``
    (module docstring, points 2 and 4)."""
    world = world_mod.build(sc)  # the people's attributes are those of the seeded world
    p = world.people
    n = p.n
    gen = rng.generator(sc.seed, rng.PERSONAL_PLAN)
    order = gen.permutation(n)  # random tie-breaks
    if "life_events" in sc.schedule:
        ok = stays(sc.seed, p.pid, sc.steps, sc.processes.life_events.leave)
    else:
        ok = np.ones(n, dtype=bool)
    if not ok.any():
        ok[:] = True
    target = np.nan if ego.stage_self is None else ego.stage_self
    cand = order[ok[order]]
    if np.isnan(target):
        e = int(cand[0])
    else:
        e = int(cand[np.argmin(np.abs(p.stage[cand] - target))])  # first nearest in order
    used = np.zeros(n, dtype=bool)
    used[e] = True
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    pools = {
        "workplace": (p.workplace == p.workplace[e], p.field == p.field[e]),
        "activity": (p.focus == p.focus[e], p.aim == p.aim[e]),
        "meetup": (p.meetup == p.meetup[e], p.aim == p.aim[e]),
    }
    everyone = np.ones(n, dtype=bool)
    alters = np.empty(ego.size, dtype=np.int64)
    for x in range(ego.size):
        tiers = pools.get(ego.origin[x] or "", ()) + (everyone,)
        for tier in tiers:
            free = np.flatnonzero(tier & ~used)
            if free.size:
                break
        else:  # everyone is used: more ties than people (refused before)
            raise InputError(f"the simulated world of {n} people is too small for your "
                             f"{ego.size} ties; give more --people.")
        if np.isnan(ego.stage[x]):
            pick = free[np.argmin(rank[free])]
        else:
            gap = np.abs(p.stage[free] - ego.stage[x])
            best = free[gap == gap.min()]
            pick = best[np.argmin(rank[best])]
        alters[x] = pick
        used[pick] = True
    code = np.array([ORIGIN_CODE[o] if o else MIXER for o in ego.origin], dtype=np.int64)
    category = np.array([CATEGORIES.index(o or NOT_GIVEN) for o in ego.origin], dtype=np.int64)
    return Placement(seed=sc.seed, ego=e, alters=alters, contacts=ego.contacts.copy(), code=code,
                     category=category, stage=ego.stage.copy(), closest=ego.closest.copy(),
                     stage_self=target)


class _Start(Intervention):
    """Week 1: the person's strategy and stage, and their people's stages as given."""

    week = 1

    def __init__(self, plan: Placement, strategy: str) -> None:
        self.plan, self.strategy = plan, strategy

    def apply(self, world) -> None:
        p, plan = world.people, self.plan
        p.strategy[plan.ego] = world.strategy_names.index(self.strategy)
        if not np.isnan(plan.stage_self):
            p.stage[plan.ego] = p.stage_start[plan.ego] = plan.stage_self
        given = ~np.isnan(plan.stage)
        slots = plan.alters[given]
        p.stage[slots] = p.stage_start[slots] = plan.stage[given]


class _Watch(Analyzer):
    """The person's network at the marks (and a year before each, for opportunities)."""

    def __init__(self, plan: Placement, marks: Sequence[int]) -> None:
        self.plan = plan
        self.marks = list(marks)
        self.due_at = set(self.marks) | {max(0, m - WEEKS) for m in self.marks}
        self.opp: dict[int, tuple[int, float]] = {}
        self.seen: dict[int, dict] = {}
        self.given_pid: np.ndarray | None = None  # the placed people's pids at week 0

    def due(self, step: int) -> bool:
        return step in self.due_at or step == 0

    def observe(self, world) -> None:
        p, T, e = world.people, world.ties, self.plan.ego
        if world.step == 0:
            self.given_pid = p.pid[self.plan.alters].copy()
        self.opp[world.step] = (int(p.opp_count[e]), float(p.opp_value[e]))
        if world.step not in self.marks:
            return
        deg = int(T.deg[e])
        tids = T.adj[e, :deg]
        nbr = T.nbr[e, :deg]
        ws = T.ws[e, :deg]
        pid = p.pid[nbr]
        birth = T.birth[tids]
        code = T.origin[tids]
        index = {int(q): x for x, q in enumerate(self.given_pid)}
        kept = np.zeros(len(CATEGORIES), dtype=np.int64)
        made = np.zeros(len(CATEGORIES), dtype=np.int64)
        for q, b, c in zip(pid.tolist(), birth.tolist(), code.tolist(), strict=True):
            x = index.get(q)
            if b == 0 and x is not None:
                kept[self.plan.category[x]] += 1
            else:
                made[c] += 1
        top = np.lexsort((np.arange(deg), -ws))[:5]  # strongest first; equal: row order
        top_pid = set(pid[top].tolist())
        today = set(self.given_pid[self.plan.closest].tolist())
        alive = set(pid.tolist())
        back = max(0, world.step - WEEKS)
        n0, v0 = self.opp[back]
        n1, v1 = self.opp[world.step]
        scale = WEEKS / (world.step - back) if world.step > back else 0.0
        self.seen[world.step] = {
            "ties": deg, "kept": int(kept.sum()), "made": int(made.sum()),
            "kept_by": kept.tolist(), "made_by": made.tolist(),
            "closest_mean_stage": float(p.stage[nbr[top]].mean()) if deg else float("nan"),
            "closest_kept": len(top_pid & today), "closest_tied": len(alive & today),
            "opportunities": (n1 - n0) * scale, "value": (v1 - v0) * scale,
            "stage": float(p.stage[e]),
        }


def run_one(arg: tuple) -> dict[int, dict]:
    """One task: the scenario, a placement, a strategy and the marks → what was seen."""
    sc, plan, strategy, marks = arg
    seed = world_mod.SeedNetwork(
        a=np.full(plan.alters.size, plan.ego, dtype=np.int64), b=plan.alters,
        weight=np.ones(plan.alters.size), contacts=plan.contacts, origin=plan.code,
        alone=np.arange(sc.population.people) == plan.ego)
    watch = _Watch(plan, marks)
    sim = Simulation(sc, seed_network=seed, interventions=[_Start(plan, strategy)],
                     analyzers=[watch])
    sim.run()
    sim.close()
    return watch.seen


# ------------------------------------------------------------------ the study

def projection_scenario(scenario: str | scenario_mod.Scenario, people: int, years: int,
                        seed: int) -> scenario_mod.Scenario:
    """The scenario of the world around the person: ``people`` people, no focal
    cohorts, ``years`` years."""
    sc = scenario_mod.load(scenario, [f"population.people={people}", "cohorts.size=0",
                                      f"population.years={float(years)}", "population.steps=0"],
                           seed=seed)
    if "budget" not in sc.schedule:
        raise InputError(f"scenario {sc.name!r} does not split people's hours by strategy "
                         f"(no budget process in its schedule), so strategies mean nothing "
                         f"in it; use default or small.")
    return sc


def check_strategies(names: Sequence[str], sc: scenario_mod.Scenario) -> list[str]:
    out = []
    for s in names:
        s = s.strip()
        if s not in sc.strategies:
            raise InputError(f"--strategies: {s!r} is not a strategy of scenario {sc.name!r}; "
                             f"its strategies: {', '.join(sc.strategies)}.")
        if s in out:
            raise InputError(f"--strategies: {s!r} is named twice.")
        out.append(s)
    if not out:
        raise InputError(f"--strategies: give at least one of {', '.join(sc.strategies)}.")
    return out


def _spread(values: Sequence[float]) -> dict:
    v = np.asarray([x for x in values if not math.isnan(x)], dtype=float)
    if not v.size:
        return {"median": None, "p10": None, "p90": None}
    q = np.percentile(v, [50, 10, 90])
    return {"median": round(float(q[0]), 4), "p10": round(float(q[1]), 4),
            "p90": round(float(q[2]), 4)}


def project(tables: dict[str, pd.DataFrame], *, strategies: Sequence[str] | None = None,
            replicates: int = DEFAULT_REPLICATES, years: Sequence[int] = DEFAULT_YEARS,
            scenario: str | scenario_mod.Scenario = "default", seed: int = 1,
            people: int = DEFAULT_PEOPLE, stage: float | None = None,
            as_of: date | None = None, workers: int | None = None,
            progress: Callable[[int, int], None] | None = None) -> dict:
    """Every strategy over ``replicates`` for the person of ``tables`` (module docstring).

    ``workers``: local processes (default the machine's cores; 0: in this process).
    Returns plain data; the same arguments give the same data for any ``workers``.
    """
    if replicates < 2:
        raise InputError(f"--replicates {replicates}: give at least 2 (a range needs more "
                         f"than one run).")
    if not 0 <= seed <= 2**63 - 1:
        raise InputError(f"--seed {seed}: give an integer from 0 to 2**63 - 1.")
    years = sorted({int(y) for y in years})
    if not years or years[0] < 1 or years[-1] > MAX_YEARS:
        raise InputError(f"--years: give whole years from 1 to {MAX_YEARS}, e.g. 1,5.")
    base = projection_scenario(scenario, people, years[-1], seed)
    memory.check(base, spill_rows=None)  # one world per worker, its dead ties in memory
    names = check_strategies(list(strategies) if strategies else list(
        base.cohorts.strategies), base)
    as_of = as_of or date.today()
    ego = ego_network(tables, base, as_of, stage)
    if people < WORLD_PER_TIE * ego.size:
        raise InputError(f"{ego.size} ties to place in a world of {people} people: your "
                         f"people would be too large a part of it; give --people of at "
                         f"least {WORLD_PER_TIE * ego.size}.")
    marks = [WEEKS * y for y in years]
    plans = [place(scenario_mod.load(base, seed=replicate_seed(seed, r)), ego)
             for r in range(replicates)]
    tasks = {(s, r): (scenario_mod.load(base, seed=plans[r].seed), plans[r], name, marks)
             for s, name in enumerate(names) for r in range(replicates)}
    seen: dict[tuple[int, int], dict] = {}
    for key, result in parallel.run_tasks(run_one, tasks, workers=workers, progress=progress):
        seen[key] = result
    outcomes, runs = {}, {}
    for s, name in enumerate(names):
        outcomes[name], runs[name] = {}, {}
        for y, mk in zip(years, marks, strict=True):
            rows = [seen[(s, r)][mk] for r in range(replicates)]
            out = {k: _spread([row[k] for row in rows]) for k in MEASURES}
            out["by_origin"] = {
                c: {"kept": _spread([row["kept_by"][x] for row in rows]),
                    "made": _spread([row["made_by"][x] for row in rows]),
                    "alive": _spread([row["kept_by"][x] + row["made_by"][x] for row in rows])}
                for x, c in enumerate(CATEGORIES)}
            outcomes[name][str(y)] = out
            runs[name][str(y)] = [{k: (None if isinstance(v, float) and math.isnan(v) else
                                       (round(v, 6) if isinstance(v, float) else v))
                                   for k, v in row.items()} for row in rows]
    today_stage = ego.stage[ego.closest]
    return {
        "as_of": as_of.isoformat(),
        "scenario": base.name, "people_simulated": people, "replicates": replicates,
        "seed": seed, "years": years, "strategies": names,
        "you": {"stage": None if ego.stage_self is None else round(ego.stage_self, 4),
                "stage_from": ego.stage_from, **ego.counts},
        "today": {
            "ties": ego.size,
            "by_origin": ego.counts["by_origin"],
            "closest_mean_stage": (round(float(np.nanmean(today_stage)), 4)
                                   if np.isfinite(today_stage).any() else None),
        },
        "outcomes": outcomes,
        "runs": runs,
    }
