"""The engine: builds the world and runs the weekly schedule.

Step 0 is the world as built. Each week t = 1..steps runs the scenario's
processes in its schedule order; before each process the engine reserves room
for the ties it may create, and after it moves dead ties to the ledger. Then
the recorder takes the week's reductions.
"""

from __future__ import annotations

from collections.abc import Callable

from . import memory
from . import world as world_mod
from .processes import REGISTRY
from .processes.base import Process
from .recorder import Recorder
from .scenario import Scenario


class Simulation:
    """One run of one scenario with one seed."""

    def __init__(self, scenario: Scenario, check_memory: bool = True) -> None:
        """Build the world; first refuse (InputError) a run whose estimated memory cannot fit."""
        if check_memory:
            memory.check(scenario)
        self.scenario = scenario
        self.world = world_mod.build(scenario)
        self.processes: list[Process] = []
        for name in scenario.schedule:
            cls = REGISTRY[name]
            params = getattr(scenario.processes, cls.params_group or name)
            self.processes.append(cls(params, self.world))
        self.recorder = Recorder(self.world)
        self.recorder.record(self.world, {})

    def step(self) -> None:
        """Advance the world by one week."""
        w = self.world
        w.step += 1
        counts: dict[str, float] = {}
        for proc in self.processes:
            w.ties.reserve(proc.max_new_ties(w))
            counts.update(proc.step(w))
            w.ties.flush()
        self.recorder.record(w, counts)

    def run(self, progress: Callable[[int, int], None] | None = None):
        """Run every remaining week; ``progress(done, total)`` is called each week."""
        from .results import Results

        total = self.scenario.steps
        while self.world.step < total:
            self.step()
            if progress is not None:
                progress(self.world.step, total)
        return Results.from_simulation(self)

    def process(self, name: str) -> Process | None:
        return next((p for p in self.processes if p.name == name), None)
