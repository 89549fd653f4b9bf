"""Shared helpers: small scenarios that run in about a second."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

import jinmyaku
from jinmyaku.model.engine import Simulation
from jinmyaku.model.ties import TieStore, create_tie
from jinmyaku.studies.results import Results

# A world small enough for many tests, big enough for every process to act.
SMALL = ["population.people=300", "population.years=0.5", "cohorts.size=20"]


def scenario(*overrides: str, base: list[str] | None = None) -> jinmyaku.Scenario:
    """The built-in ``small`` scenario shrunk to SMALL, with more overrides on top."""
    return jinmyaku.load("small", [*(SMALL if base is None else base), *overrides])


def bare(n: int = 12, *overrides: str) -> jinmyaku.Scenario:
    """A world of n people without any starting ties and without focal cohorts."""
    return jinmyaku.load("small", [
        f"population.people={n}", "population.years=1", "cohorts.size=0",
        "population.school_ties=0", "population.workplace_ties=0", *overrides])


def tie(store: TieStore, pid: np.ndarray, i: int, j: int, weight: float,
        origin: int = 0, step: int = 0) -> int:
    """Create one tie by hand (reserving room first); fails the test if refused.

    ``weight``: its strength at ``step`` (discounted contacts in a fading store,
    the raw weight in a plain one)."""
    store.reserve(1)
    x = math.log(weight) + step / store.fade[0] if store.fading else weight
    tid = create_tie(store.arrays(), i, j, step, origin, x, pid)
    assert tid >= 0, f"tie {i}-{j} refused"
    return tid


def alive_pairs(store: TieStore) -> set[tuple[int, int]]:
    """The living ties as (min slot, max slot) pairs."""
    store.flush()
    ids = store.alive_ids()
    return {(min(a, b), max(a, b)) for a, b in zip(store.a[ids], store.b[ids], strict=True)}


@pytest.fixture(scope="session")
def small_run():
    """One run of SMALL with the full schedule: (simulation, results)."""
    sim = Simulation(scenario())
    res = Results.from_simulation(sim.run())
    return sim, res


def wait_for(condition, proc, timeout: float = 60.0) -> None:
    """Poll ``condition()`` until true; fail if the subprocess ``proc`` ends first or
    ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"finished first: {proc.communicate()}"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)
