"""Peak memory of a run that writes its folder, against the estimate (medians of runs).

Usage (from the repo root):

    .venv/bin/python bench/memory.py --people 100000 --years 2                 # default threshold
    .venv/bin/python bench/memory.py --people 100000 --years 2 --spill-rows none   # in memory
    .venv/bin/python bench/memory.py --people 100000 --years 2 --spill-rows 500000

Each run is a fresh child process (after one warm-up run of the small scenario
that fills numba's cache): it runs the default scenario with the overrides,
builds the results, writes the run folder to a temporary folder and computes
the summary, then reports ``ru_maxrss`` after the weeks and at the end, the
tie-ledger rows and whether they went through disk, and ``memory.estimate``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import json, resource, sys, tempfile
import jinmyaku
from jinmyaku.storage import memory
from jinmyaku.studies.results import simulation
from jinmyaku.storage.ledger import SpilledTies
from jinmyaku.studies.results import Results

arg = sys.argv[1]
kw = {} if arg == "default" else {"spill_rows": None if arg == "none" else int(arg)}
sc = jinmyaku.load(sys.argv[2], sys.argv[3:])
sim = simulation(sc, check_memory=False, **kw)
while sim.world.step < sc.steps:
    sim.step()
steps_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
runs = len(sim.world.ties.ledger._runs)
res = Results.from_simulation(sim)
with tempfile.TemporaryDirectory() as out:
    res.write(out)
res.summary()
print(json.dumps({
    "ties": len(res.ties), "spilled_runs": runs, "on_disk": isinstance(res.ties, SpilledTies),
    "steps_peak_mb": round(steps_mb),
    "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "estimate_mb": round(memory.estimate(sc, **kw) / 2**20)}))
res.close()
sim.close()
"""


def main() -> None:
    os.environ.setdefault("GOMP_SPINCOUNT", "300")  # as the jinmyaku command sets it
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", default="default")
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--years", type=float, default=5)
    ap.add_argument("--spill-rows", default="default",
                    help="rows kept in memory before spilling: a number, 'none' or 'default'")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    sets = [f"population.people={args.people}", f"population.years={args.years}"]
    subprocess.run([sys.executable, "-c", CHILD, "default", "small", "population.people=300",
                    "population.years=0.1", "cohorts.size=10"], check=True,
                   capture_output=True)
    runs = []
    for _ in range(args.repeats):
        out = subprocess.run([sys.executable, "-c", CHILD, args.spill_rows, args.scenario,
                              *sets], capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(out.stderr)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(json.dumps(runs[-1]), flush=True)
    peaks = [r["peak_mb"] for r in runs]
    print(f"{args.scenario} {args.people:,} people, {args.years:g} years, spill rows "
          f"{args.spill_rows}: peak {statistics.median(peaks):.0f} MiB (median of "
          f"{len(peaks)}: {min(peaks)}–{max(peaks)}), estimate {runs[0]['estimate_mb']} MiB")


if __name__ == "__main__":
    main()
