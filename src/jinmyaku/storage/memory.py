"""Estimate a run's peak memory before it starts, and refuse runs that cannot fit.

The estimate is deliberately conservative (it should over-estimate). Terms, in bytes:

* ``BASE``: the interpreter with NumPy, Numba, pandas and pyarrow loaded;
* per person: the people arrays and the adjacency rows, ``max_ties`` slots of
  16 B (tie id and neighbour, int32; the tie's weight, float64);
* per living tie: one pool record (88 B: 32 + 48 in two record groups, 8 in the
  free and graveyard stacks) with 1.5× room for pool growth;
  living ties are taken as 0.35 · N · max_ties (0.33 measured on the default
  at 5 and at 10 years, 0.23 at one year);
* the tie ledger (every tie ever made: dead ones as they die, living ones at
  the end). Ties ever made are taken as 0.5 per person-week plus the starting
  ties (measured on the default: 0.46 over the first two years, 0.30 over
  ten). A ledger shorter than the spill threshold (``spill_rows``, default
  ``ledger.SPILL_ROWS`` = 4 million rows) is kept in memory, then
  concatenated, sorted and converted: about 4 copies of 66 B a row
  (``LEDGER_ROW``). A longer one is spilled to disk (``jinmyaku.storage.ledger``):
  at most ``spill_rows`` rows are buffered, plus a sorted copy while a run is
  written (``SPILL_ROW`` a row), and the final merge holds one window of a
  million rows (``MERGE``), one row group of each spilled run
  (``MERGE_PER_RUN``) and the ids, uids and order of the living ties
  (``ALIVE_SORT`` each). A spilled ledger is never counted below the longest
  in-memory one, so the estimate grows with people and years;
* the opportunity ledger (when scheduled), kept in memory: at most ``rate``
  rows per person-week (the opportunities made; 0.013 delivered per
  person-week on the default for rate 0.02), 56 B a row and two copies at
  the end (``OPP_ROW``). It has about 1/20 as many rows as the tie ledger
  (some 7 million for a million people over ten years: about 1 GB with its
  copies), so it is not spilled.

Measured peaks (``ru_maxrss``, running and writing the run folder, medians of
3; see bench/README.md, "Memory") against the estimate:

=====================  ===============================  ========  ========
default scenario        tie ledger                       estimate  measured
=====================  ===============================  ========  ========
10,000 people, 5 y      in memory (1.0 M rows)           0.69 GiB  0.52 GiB
10,000 people, 10 y     in memory (1.6 M rows)           1.00 GiB  0.61 GiB
100,000 people, 2 y     in memory (``spill_rows=None``)  2.42 GiB  1.84 GiB
100,000 people, 2 y     merged on disk (5.5 M rows)      2.10 GiB  1.34 GiB
100,000 people, 2 y     ``spill_rows=500_000``: 2 runs   1.72 GiB  1.28 GiB
200,000 people, 1 y     in memory (``spill_rows=None``)  3.31 GiB  2.46 GiB
200,000 people, 1 y     merged on disk (7.3 M rows)      2.96 GiB  1.62 GiB
=====================  ===============================  ========  ========

The table was measured before the tie weights moved into the adjacency rows
(8 more bytes a slot and 8 a record; 0.02 GiB more for the default, 0.24 GiB
for 200,000 people). For 1,000,000 people over 10 years the estimate is
13.7 GiB (72.6 GiB with the ledger kept in memory): pool 6.3 GiB, adjacency
2.2 GiB, opportunity ledger 1.6 GiB, spilled tie ledger 3.0 GiB, the rest
0.5 GiB.

A schedule of the Kumpula processes (kumpula2007) makes far fewer ties: its
terms are ``KUMPULA_LIVE`` living ties per person (mean degree ≈ 45 at δ = 0,
≈ 12 at δ ≥ 0.5) and ``KUMPULA_NEW_PER_STEP`` new ties per person-step (ties
die at about p_d · mean degree per person-step; 0.006 measured at δ = 0.5).
Its local search also keeps the adjacency rows with the weights inline
(``kumpula_kernels.Rows``): at most 20 bytes per slot of ``max_ties`` (the
rows are as wide as the largest degree, rounded up to a power of two) plus
strengths and the list of ties used in a sweep. For 10,000 nodes and 10,000
steps the estimate is 1.35 GiB (0.03 of it the rows) where 0.49 GiB was
measured at δ = 0.5.
"""

from __future__ import annotations

import math

from jinmyaku.errors import InputError
from jinmyaku.model.scenario import KUMPULA_PROCESSES, PEOPLE_CAP, Scenario
from jinmyaku.storage import files, ledger

BASE = 300 * 2**20
PER_PERSON = 250 + 24 + 1  # people arrays; living ties by origin (6 × int32); changed flag
RANKED_TIE = 12  # a ranked closest tie (weight float64, other end int32), k per person
RECORD = 88 * 1.5
LIVE_SHARE = 0.35
ADJACENCY_SLOT = 16                     # adj and nbr (int32) and ws (float64) per slot
NEW_PER_PERSON_WEEK = 0.5
KUMPULA_LIVE = 25
KUMPULA_NEW_PER_STEP = 0.05
LEDGER_ROW = ledger.ROW_BYTES * 4       # a ledger row kept in memory, converted at the end
SPILL_ROW = ledger.ROW_BYTES * 2.25     # a buffered row of a spilling ledger, and its sorted copy
MERGE = 384 * 2**20                     # one window of the final merge (a million rows, 5 copies)
MERGE_PER_RUN = 8 * 2**20               # one row group of each spilled run, decoded
ALIVE_SORT = 32                         # per living tie at the merge: ids, uids, their order
OPP_ROW = 56 * 3                        # an opportunity-ledger row and its copies at the end
KUMPULA_ROW_SLOT = 20  # bytes per slot of the local-search rows (kumpula_kernels.SLOT)
KUMPULA_PER_PERSON = 8 + 12  # strength; ties used in a sweep (3 per person, int32)


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
    per_person = PER_PERSON + ADJACENCY_SLOT * pop.max_ties + live * RECORD
    # the kept ranking of closest ties (jinmyaku.model.closest): the recorder's five, or
    # influence's k if wider, never wider than the capacity
    ranked = max(5, sc.processes.influence.k) if "influence" in sc.schedule else 5
    per_person += RANKED_TIE * min(ranked, pop.max_ties) + 4
    if set(sc.schedule) <= set(KUMPULA_PROCESSES):  # local search's packed rows
        per_person += KUMPULA_ROW_SLOT * pop.max_ties + KUMPULA_PER_PERSON
    rows = (new * sc.steps + start) * people  # ties ever made, dead and living
    if spill_rows is None or rows < spill_rows:
        ties = rows * LEDGER_ROW
    else:  # spilled; never below the longest ledger kept in memory, so it grows with people
        spilled = (spill_rows * SPILL_ROW + MERGE + MERGE_PER_RUN * math.ceil(rows / spill_rows)
                   + ALIVE_SORT * live * people)
        ties = max(spill_rows * LEDGER_ROW, spilled)
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


available = files.available_memory  # memory the run may use now (bytes), or None


def _horizon(sc: Scenario) -> tuple[str, str]:
    """The run's horizon in words, and the knob that shortens it: ``population.steps``
    when it is set (kumpula2007: a step is a sweep over all nodes), else ``--years``."""
    if sc.population.steps > 0:
        return (f"{sc.steps:,} steps", "lower population.steps (--set population.steps=…)")
    return f"{sc.population.years:g} years", "shorten --years"


def check(sc: Scenario, limit: int | None = None, spill_rows=ledger.DEFAULT) -> None:
    """Raise InputError if the estimated peak exceeds ``limit`` (default: available memory)."""
    limit = available() if limit is None else limit
    if limit is None:
        return
    need = estimate(sc, spill_rows)
    if need <= limit:
        return
    fits = largest(sc, limit, spill_rows)
    horizon, shorter = _horizon(sc)
    raise InputError(
        f"scenario {sc.name!r}: {sc.population.people:,} people for "
        f"{horizon} needs an estimated {need / 2**30:.1f} GiB, but only "
        f"{limit / 2**30:.1f} GiB is available. The largest population that fits for this "
        f"horizon is about {fits:,} people (--people {fits}); or {shorter}.")


def cap_advice(sc: Scenario) -> str | None:
    """For a population refused above the cap (``sc`` has the cap's population): the
    largest population that fits in the memory available now for ``sc``'s horizon,
    when memory, not the cap, is the limit on this machine."""
    limit = available()
    if limit is None or estimate(sc) <= limit:
        return f"The most this scenario may have is --people {PEOPLE_CAP}."
    fits = largest(sc, limit)
    horizon, _ = _horizon(sc)
    return (f"On this machine memory is the tighter limit: with {limit / 2**30:.1f} GiB "
            f"available, the largest population that fits for {horizon} is about "
            f"{fits:,} people (--people {fits}).")

