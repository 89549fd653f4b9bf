"""Where a week goes: wall time per process (and recording), in ms a week.

Usage (from the repo root, after `make test` or `make run` has set up .venv):

    .venv/bin/python bench/processes.py                                   # default scenario
    .venv/bin/python bench/processes.py --set population.people=1000000 --weeks 10

Runs the scenario's weeks with the engine and times each process's step and
the recording (the rest is the engine's reserving and flushing of tie
records), after one untimed week (the
first call of each kernel loads it from the cache); one run, so pair two commits
in the same sitting (see bench/README.md) rather than comparing with old figures.
Prints a table, slowest first, and with --json writes it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("GOMP_SPINCOUNT", "300")  # as the jinmyaku command sets it
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="default")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                    help="scenario override, as for `jinmyaku run --set`")
    ap.add_argument("--weeks", type=int, default=None,
                    help="weeks to run (default: the scenario's own)")
    ap.add_argument("--json", default=None, help="write the table here as JSON")
    args = ap.parse_args(argv)

    import jinmyaku
    from jinmyaku.studies.results import simulation

    sc = jinmyaku.load(args.scenario, args.set)
    weeks = sc.steps if args.weeks is None else max(2, min(args.weeks, sc.steps))
    sim = simulation(sc, check_memory=False)
    sim.step()  # untimed: loads every kernel
    weeks -= 1
    spent: Counter[str] = Counter()

    def timed(name, fn):
        def run(*a, **k):
            t = time.perf_counter()
            out = fn(*a, **k)
            spent[name] += time.perf_counter() - t
            return out
        return run

    for proc in sim.processes:  # the engine's own loop, with a clock around each part
        proc.step = timed(proc.name, proc.step)
    sim.recorder.record = timed("(recording)", sim.recorder.record)
    t0 = time.perf_counter()
    for _ in range(weeks):
        sim.step()
    total = time.perf_counter() - t0
    spent["(engine: reserve, flush)"] = total - sum(spent.values())
    rows = [{"part": k, "ms_per_week": 1000 * v / weeks} for k, v in spent.most_common()]
    print(f"{args.scenario} {' '.join(args.set)}: weeks 2-{weeks + 1} in {total:.1f} s "
          f"({1000 * total / weeks:.1f} ms a week)")
    for r in rows:
        print(f"  {r['part']:26s} {r['ms_per_week']:9.2f} ms")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"scenario": args.scenario, "overrides": args.set, "weeks": weeks,
                       "total_s": total, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
