"""The engine: builds the world and runs the weekly schedule.

Step 0 is the world as built. Each week t = 1..steps runs the scenario's
processes in its schedule order; before each process the engine reserves room
for the ties it may create, and after it moves dead ties to the ledger. Then
the recorder takes the week's reductions.

Dead ties go to the tie ledger (``jinmyaku.ledger``): in memory up to
``spill_rows`` rows, then spilled to a temporary folder as sorted Parquet
runs; :meth:`Simulation.close` removes that folder (so does garbage
collection, or the end of the interpreter).
"""

from __future__ import annotations

from collections.abc import Callable

from . import ledger, memory
from . import world as world_mod
from .processes import REGISTRY
from .processes.base import Process
from .recorder import Recorder
from .scenario import Scenario


class Simulation:
    """One run of one scenario with one seed."""

    def __init__(self, scenario: Scenario, check_memory: bool = True,
                 spill_rows: int | None | object = ledger.DEFAULT) -> None:
        """Build the world; first refuse (InputError) a run whose estimated memory cannot fit.

        ``spill_rows``: tie-ledger rows kept in memory before they are spilled to
        disk (default ``ledger.SPILL_ROWS``); a run whose ledger, dead and living
        ties together, reaches it gives ``Results.ties`` as a
        ``ledger.SpilledTies``. ``None`` keeps the whole ledger in memory, for
        callers that need ``Results.ties`` as a DataFrame.
        """
        spill_rows = ledger.SPILL_ROWS if spill_rows is ledger.DEFAULT else spill_rows
        if check_memory:
            memory.check(scenario, spill_rows=spill_rows)
        self.scenario = scenario
        self.world = world_mod.build(scenario)
        self.world.ties.ledger.spill_rows = spill_rows
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

    def close(self) -> None:
        """Remove the tie ledger's spill files (the simulation cannot go on after this)."""
        self.world.ties.ledger.close()
