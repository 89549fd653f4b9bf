"""The engine: builds the world and runs the weekly schedule, with its seams.

Step 0 is the world as built (from the scenario alone, or around a given
``seed_network``). Each week t = 1..steps:

1. the interventions due at week t change the world (:class:`Intervention`);
2. the scenario's processes run in its schedule order; before each process
   the engine reserves room for the ties it may create, and after it moves
   dead ties to the tie ledger;
3. ties whose discounted contacts have fallen below ``ties.end_below`` end
   (``TieStore.end_faded``: only the timers due this week are looked at);
4. the recorder takes the week's reductions;
5. the analyzers due at week t observe the world (:class:`Analyzer`); what a
   process keeps of its week for an observer (``Mixers.last_plan``) is theirs
   to read then.

Analyzers due at week 0 observe the world as built. Studies change or watch
a running simulation only through these seams; nothing outside the engine
steps or edits a :class:`Simulation`.

Dead ties go to the tie ledger the simulation is given (default: in memory;
``jinmyaku.storage.ledger.TieLedger`` spills to disk past a number of rows).
The recorder owns every recorded output: series, events and both ledgers.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable

from jinmyaku.model import world as world_mod
from jinmyaku.model.processes import REGISTRY
from jinmyaku.model.processes.base import Process
from jinmyaku.model.recorder import Recorder
from jinmyaku.model.scenario import Scenario
from jinmyaku.model.world import SeedNetwork, World


class Intervention:
    """Changes the world at the start of week ``week`` (≥ 1), before its processes.

    Subclasses set ``week`` and override :meth:`apply`. An intervention may keep
    what it did (who it changed, by how much) for the study that made it.
    """

    week: int = 1

    def apply(self, world: World) -> None:
        raise NotImplementedError


class Analyzer:
    """Observes the world at the end of the weeks it is due (after the recorder).

    Subclasses override :meth:`due` (default: every week, the built world too)
    and :meth:`observe`; an analyzer keeps what it saw and must not change the
    world. One that reads what a process keeps of its week (such as
    ``Mixers.keep_plan``) asks the process for it in :meth:`attach`.
    """

    def attach(self, simulation: Simulation) -> None:
        """Called once when the analyzer is added, before it first observes (default: nothing)."""

    def due(self, step: int) -> bool:
        return True

    def observe(self, world: World) -> None:
        raise NotImplementedError


class Simulation:
    """One run of one scenario with one seed.

    ``seed_network``: start from a given network placed into the population
    (:class:`jinmyaku.model.world.SeedNetwork`). ``interventions`` and
    ``analyzers``: see the module docstring. ``tie_ledger``: where dead ties go
    (anything with the interface of ``jinmyaku.model.ledgers.MemoryTieLedger``;
    default one of those).
    """

    def __init__(self, scenario: Scenario, *, seed_network: SeedNetwork | None = None,
                 interventions: Iterable[Intervention] = (),
                 analyzers: Iterable[Analyzer] = (), tie_ledger=None) -> None:
        self.scenario = scenario
        self.world = world_mod.build(scenario, seed_network=seed_network, tie_ledger=tie_ledger)
        self.processes: list[Process] = []
        for name in scenario.schedule:
            cls = REGISTRY[name]
            params = getattr(scenario.processes, cls.params_group or name)
            self.processes.append(cls(params, self.world))
        self.recorder = Recorder(self.world)
        for proc in self.processes:
            proc.attach(self.recorder)
        self.interventions: list[Intervention] = []
        self.analyzers: list[Analyzer] = []
        self.recorder.record(self.world, {})
        self.add(*interventions, *analyzers)

    def add(self, *seams: Intervention | Analyzer) -> Simulation:
        """Add interventions (for weeks still to run) and analyzers; returns the simulation.

        An analyzer due at the current week observes the world at once.
        """
        for s in seams:
            if isinstance(s, Intervention):
                if s.week <= self.world.step:
                    raise ValueError(f"an intervention at week {s.week} cannot be added at "
                                     f"week {self.world.step}: that week has run")
                self.interventions.append(s)
            elif isinstance(s, Analyzer):
                self.analyzers.append(s)
                s.attach(self)
                if s.due(self.world.step):
                    s.observe(self.world)
            else:
                raise TypeError(f"{s!r} is neither an Intervention nor an Analyzer")
        return self

    def step(self) -> None:
        """Advance the world by one week."""
        w = self.world
        w.step += 1
        w.ties.week = w.step
        for iv in self.interventions:
            if iv.week == w.step:
                iv.apply(w)
        counts: dict[str, float] = {}
        for proc in self.processes:
            w.ties.reserve(proc.max_new_ties(w))
            counts.update(proc.step(w))
            w.ties.flush()
        if w.ties.fading:  # ties whose contacts have faded below the threshold end
            counts["ties_decayed"] = w.ties.end_faded(w.step)
            w.ties.flush()
        self.recorder.record(w, counts)
        for an in self.analyzers:
            if an.due(w.step):
                an.observe(w)

    def run(self, until: int | None = None,
            progress: Callable[[int, int], None] | None = None) -> Simulation:
        """Run to the end of week ``until`` (default: the scenario's last week); returns self.

        ``progress(done, total)`` is called after each week. Runs in parts
        (``run(until=52)`` then ``run()``) give the same world as one run.
        """
        total = self.scenario.steps
        until = total if until is None else until
        if not 0 <= until <= total:
            raise ValueError(f"until={until}: must lie in 0..{total} (the scenario's weeks)")
        while self.world.step < until:
            self.step()
            if progress is not None:
                progress(self.world.step, total)
        return self

    @property
    def done(self) -> bool:
        """True when every week of the scenario has run."""
        return self.world.step >= self.scenario.steps

    def fork(self) -> Simulation:
        """An independent copy of this simulation as it stands (world, recorder, seams).

        Both go on with the same random numbers (they are keyed by person,
        purpose and week), so a difference between them afterwards is caused
        by what is done to one of them alone.
        """
        return copy.deepcopy(self)

    def process(self, name: str) -> Process | None:
        return next((p for p in self.processes if p.name == name), None)

    def close(self) -> None:
        """Release the tie ledger's spill files, if any (the simulation cannot go on after this)."""
        self.world.ties.ledger.close()
