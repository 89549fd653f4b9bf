"""What a week's tie updates cost, by the random cache lines each one touches.

Usage (from the repo root, after `make test` or `make run` has set up .venv):

    .venv/bin/python bench/updates.py --set population.people=100000 --set population.years=2

Runs the scenario, then, on the network at its end, times (median of 5, all
cores) the week's mean number of tie updates other than decay, made to living
ties drawn at random, two ways:

- **as the engine makes them**: maintenance's ``attend`` kernel (alpha 0, so
  no weight changes), which touches the tie's record and both ends' weights,
  three random cache lines per update;
- **one line each**: the weight at one end only, with the row and slot given
  (a lower bound for any layout that keeps weights in the adjacency rows).

The first is ``bench/run.py``'s update floor; the gap between the two is
what a record-free update path could save at most.
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from numba import get_num_threads, njit, prange
from timing import median_of_5

import jinmyaku
from jinmyaku.model.prefetch import prefetch
from jinmyaku.model.processes.maintenance import attend
from jinmyaku.studies.results import Results, simulation

_AHEAD = 8  # prefetch distance, as maintenance's attend uses for weights


@njit(parallel=True)
def _one_line(ws, rows, slots, parts: int) -> None:
    """Weight updates ws[rows[e], slots[e]] ← ws + 0·(1 − ws), rows split among parts."""
    n = rows.size
    for p in prange(parts):
        for e in range(n):
            r = rows[e]
            if r % parts != p:
                continue
            f = e + _AHEAD
            if f < n:
                prefetch(ws, rows[f], slots[f])
            s = slots[e]
            ws[r, s] = ws[r, s] + 0.0 * (1.0 - ws[r, s])


def main() -> None:
    os.environ.setdefault("GOMP_SPINCOUNT", "300")  # as the jinmyaku command sets it
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default="default")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                    help="scenario override, as for `jinmyaku run --set`")
    args = ap.parse_args()
    sc = jinmyaku.load(args.scenario, args.set)
    sim = simulation(sc, check_memory=False)
    res = Results.from_simulation(sim.run())
    ev = res.events
    cols = [c for c in ("interactions", "focus_encounters", "mixers_encounters",
                        "meetups_encounters", "work_encounters", "introductions",
                        "opportunities_delivered") if c in ev]
    per_week = int(ev[cols].to_numpy().sum()) // max(1, sc.steps)
    store = sim.world.ties
    T = store.arrays()
    alive = store.alive_ids()
    ids = alive[np.random.default_rng(0).integers(0, alive.size, per_week)].astype(np.int32)
    end_a = np.arange(per_week) % 2 == 0  # alternate ends
    rows = np.where(end_a, T.a[ids], T.b[ids]).astype(np.int64)
    slots = np.where(end_a, T.sa[ids], T.sb[ids]).astype(np.int64)
    parts = get_num_threads()
    three = 1000 * median_of_5(lambda: attend(T, ids.reshape(-1, 1), 0.0, sc.steps, parts))
    one = 1000 * median_of_5(lambda: _one_line(T.ws, rows, slots, parts))
    print(f"{sc.population.people:,} people, {alive.size:,} living ties, {per_week:,} updates "
          f"a week, {parts} threads: as the engine makes them {three:.1f} ms "
          f"({1e6 * three / per_week:.0f} ns each); one weight line {one:.1f} ms "
          f"({1e6 * one / per_week:.0f} ns each)")
    sim.close()


if __name__ == "__main__":
    main()
