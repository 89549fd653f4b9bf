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
Its local search also keeps the adjacency rows with the weights inline
(``kumpula_kernels.Rows``): at most 20 bytes per slot of ``max_ties`` (the
rows are as wide as the largest degree, rounded up to a power of two) plus
strengths and the list of ties used in a sweep. For 10,000 nodes and 10,000
steps the estimate is 1.56 GiB (0.06 of it the rows) where 0.49 GiB was
measured at δ = 0.5.
"""

from __future__ import annotations

import os

from .errors import InputError
from .scenario import KUMPULA_PROCESSES, Scenario

BASE = 300 * 2**20
PER_PERSON = 250
RECORD = 78 * 1.5
LEDGER_ROW = 62 * 4
LIVE_SHARE = 0.35
NEW_PER_PERSON_WEEK = 0.5
KUMPULA_LIVE = 25
KUMPULA_NEW_PER_STEP = 0.05
KUMPULA_ROW_SLOT = 20  # bytes per slot of the local-search rows (kumpula_kernels.SLOT)
KUMPULA_PER_PERSON = 8 + 12  # strength; ties used in a sweep (3 per person, int32)


def estimate(sc: Scenario) -> int:
    """Estimated peak resident memory of a run of ``sc``, in bytes."""
    pop = sc.population
    return BASE + _per_person(sc) * pop.people


def _per_person(sc: Scenario) -> float:
    pop = sc.population
    adjacency = 8 * pop.max_ties
    if set(sc.schedule) <= set(KUMPULA_PROCESSES):
        return (PER_PERSON + adjacency + KUMPULA_LIVE * RECORD
                + KUMPULA_ROW_SLOT * pop.max_ties + KUMPULA_PER_PERSON
                + (KUMPULA_NEW_PER_STEP * sc.steps + (pop.school_ties + pop.workplace_ties) / 2)
                * LEDGER_ROW)
    live = LIVE_SHARE * pop.max_ties * RECORD
    ever = (NEW_PER_PERSON_WEEK * sc.steps + (pop.school_ties + pop.workplace_ties) / 2)
    return PER_PERSON + adjacency + live + ever * LEDGER_ROW


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


def check(sc: Scenario, limit: int | None = None) -> None:
    """Raise InputError if the estimated peak exceeds ``limit`` (default: available memory)."""
    limit = available() if limit is None else limit
    if limit is None:
        return
    need = estimate(sc)
    if need <= limit:
        return
    largest = int(max(0, limit - BASE) // _per_person(sc))
    raise InputError(
        f"scenario {sc.name!r}: {sc.population.people:,} people for "
        f"{sc.population.years:g} years needs an estimated {need / 2**30:.1f} GiB, but only "
        f"{limit / 2**30:.1f} GiB is available. The largest population that fits for this "
        f"horizon is about {largest:,} people (--people {largest}); or shorten --years.")
