"""The interface every weekly process has."""

from __future__ import annotations

from typing import ClassVar

from jinmyaku.model.world import World


class Process:
    """One weekly process: set up once, then ``step`` every week.

    A process reads and changes only the world; it never assumes another
    process is in the schedule. ``max_new_ties`` bounds the ties one step can
    create so the engine can reserve room in the tie pool beforehand.
    ``step`` returns counts to record for the week (name → number).
    """

    name: ClassVar[str]
    # the block of ``scenario.processes`` holding the parameters (None: the same as name)
    params_group: ClassVar[str | None] = None

    def __init__(self, params, world: World) -> None:
        self.params = params

    def attach(self, recorder) -> None:
        """Called once by the engine with its recorder (a process that writes a ledger
        the recorder owns takes it here)."""

    def max_new_ties(self, world: World) -> int:
        return 0

    def step(self, world: World) -> dict[str, float]:
        raise NotImplementedError
