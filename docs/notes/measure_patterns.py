"""Measure the pattern suite on a simulated run (issue 16 notes).

    .venv/bin/python docs/notes/measure_patterns.py SCENARIO [--set KEY=VALUE ...] [--years Y]

Prints one line per check: id, status, simulated value, published figure.
"""

from __future__ import annotations

import argparse
import time

import jinmyaku
from jinmyaku.engine import Simulation
from jinmyaku.studies.results import Results
from jinmyaku.studies.validation.patterns import run_patterns
from jinmyaku.studies.validation.recording import (
    ContactSnapshots,
    MixerEvents,
    TieFormations,
    pattern_data,
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?", default="default")
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--channel", default="contacts", choices=["contacts", "calls"])
    args = ap.parse_args()
    sc = jinmyaku.load(args.scenario, args.set, seed=args.seed)
    t0 = time.perf_counter()
    snaps, mixers, formations = ContactSnapshots(), MixerEvents(), TieFormations()
    sim = Simulation(sc, analyzers=[snaps, mixers, formations]).run()
    res = Results.from_simulation(sim)
    t1 = time.perf_counter()
    rows = run_patterns(pattern_data(snaps, res, args.channel, mixers=mixers,
                                     formations=formations))
    t2 = time.perf_counter()
    for r in rows:
        print(" | ".join(str(x) for x in (r.check, r.status, r.simulated, r.published)))
        if r.check in ("P11", "P12"):
            print("    " + r.note)
    print(f"run {t1 - t0:.1f} s, patterns {t2 - t1:.1f} s")


if __name__ == "__main__":
    main()
