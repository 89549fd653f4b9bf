"""Estimate a run's peak memory before it starts, and refuse runs that cannot fit.

The estimate is deliberately conservative (it should over-estimate): for the
default scenario it gives 0.68 GiB where 0.47 GiB was measured
(``bench/run.py``); for 50,000 people over 2 years, 1.34 GiB against 1.05 GiB
measured including writing the results. Terms, in bytes:

* ``BASE``: the interpreter with NumPy, Numba, pandas and pyarrow loaded;
* per person: the people arrays and two adjacency rows of ``max_ties`` int32;
* per living tie: one pool record (78 B) with 1.5× room for pool growth;
  living ties are taken as 0.35 · N · max_ties (0.32 measured on the default);
* per tie ever made (the ledger, kept in memory until the run is written,
  then concatenated, sorted and converted: about 4 copies of 62 B): new ties
  are taken as 0.5 per person-week (0.31 measured on the default) plus the
  starting ties.

A schedule of the Kumpula processes (kumpula2007) makes far fewer ties: its
terms are ``KUMPULA_LIVE`` living ties per person (mean degree ≈ 45 at δ = 0,
≈ 12 at δ ≥ 0.5) and ``KUMPULA_NEW_PER_STEP`` new ties per person-step (ties
die at about p_d · mean degree per person-step; 0.006 measured at δ = 0.5).
For 10,000 nodes and 10,000 steps it gives 1.6 GiB where 0.49 GiB was measured
at δ = 0.5.
"""

from __future__ import annotations

import math
import os

from . import ledger
from .errors import InputError
from .scenario import KUMPULA_PROCESSES, Scenario

BASE = 300 * 2**20
PER_PERSON = 250
RECORD = 78 * 1.5
LEDGER_ROW = ledger.ROW_BYTES * 4
LIVE_SHARE = 0.35
NEW_PER_PERSON_WEEK = 0.5
KUMPULA_LIVE = 25
KUMPULA_NEW_PER_STEP = 0.05
MERGE = 512 * 2**20
MERGE_PER_RUN = 8 * 2**20
ALIVE_SORT = 24
OPP_ROW = 56 * 3


def estimate(sc: Scenario, spill_rows: int | None | object = ledger.DEFAULT) -> int:
    """Estimated peak resident memory of a run of ``sc``, in bytes.

    ``spill_rows`` as for ``Simulation``: tie-ledger rows kept in memory
    before spilling (default ``ledger.SPILL_ROWS``; ``None``: never spill).
    """
    return int(_estimate(sc, sc.population.people, spill_rows))


def _estimate(sc: Scenario, people: int, spill_rows) -> float:
    pop = sc.population
    if spill_rows is ledger.DEFAULT:
        spill_rows = ledger.SPILL_ROWS
    start = (pop.school_ties + pop.workplace_ties) / 2
    if set(sc.schedule) <= set(KUMPULA_PROCESSES):
        live, new = KUMPULA_LIVE, KUMPULA_NEW_PER_STEP
    else:
        live, new = LIVE_SHARE * pop.max_ties, NEW_PER_PERSON_WEEK
    per_person = PER_PERSON + 8 * pop.max_ties + live * RECORD
    rows = (new * sc.steps + start) * people  # ties ever made
    held = rows if spill_rows is None else min(rows, spill_rows)
    ties = held * LEDGER_ROW
    if rows > held:  # spilled: merging the sorted runs, the buffer and the living ties
        ties += MERGE + MERGE_PER_RUN * math.ceil(rows / spill_rows) + ALIVE_SORT * live * people
    opps = 0.0
    if "opportunities" in sc.schedule:  # delivered ≤ made = rate per person-week
        opps = sc.processes.opportunities.rate * sc.steps * people * OPP_ROW
    return BASE + per_person * people + ties + opps


def largest(sc: Scenario, limit: int, spill_rows=ledger.DEFAULT) -> int:
    """The largest population of ``sc``'s horizon whose estimate is within ``limit``."""
    if _estimate(sc, 1, spill_rows) > limit:
        return 0
    lo, hi = 1, 2
    while _estimate(sc, hi, spill_rows) <= limit:
        lo, hi = hi, hi * 2
    while hi - lo > 1:  # the estimate grows with people: bisect
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if _estimate(sc, mid, spill_rows) <= limit else (lo, mid)
    return lo


def available() -> int | None:
    """Memory the run may use now (bytes): MemAvailable on Linux; None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check(sc: Scenario, limit: int | None = None, spill_rows=ledger.DEFAULT) -> None:
    """Raise InputError if the estimated peak exceeds ``limit`` (default: available memory)."""
    limit = available() if limit is None else limit
    if limit is None:
        return
    need = estimate(sc, spill_rows)
    if need <= limit:
        return
    fits = largest(sc, limit, spill_rows)
    raise InputError(
        f"scenario {sc.name!r}: {sc.population.people:,} people for "
        f"{sc.population.years:g} years needs an estimated {need / 2**30:.1f} GiB, but only "
        f"{limit / 2**30:.1f} GiB is available. The largest population that fits for this "
        f"horizon is about {fits:,} people (--people {fits}); or shorten --years.")
