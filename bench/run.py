"""Benchmark the engine: wall time, throughput and peak memory, as medians of runs.

Usage (from the repo root, after `make test` or `make run` has set up .venv):

    .venv/bin/python bench/run.py                      # default scenario, 3 runs
    .venv/bin/python bench/run.py --people 10000 100000 --years 5 --repeats 3
    .venv/bin/python bench/run.py --scenario kumpula2007 --steps 2000   # node updates/s

Each run is a fresh child process (so peak memory is that run's own), after
one warm-up run that fills numba's compilation cache. Prints a table and
writes it as JSON to bench/results/ (or --json PATH) so commits can be compared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])  # the bench folder: its shared timer
from timing import median_of_5
t0 = time.perf_counter()
import jinmyaku
from jinmyaku.studies.results import simulation
from jinmyaku.studies.results import Results
t_import = time.perf_counter() - t0
sc = jinmyaku.load(sys.argv[2], sys.argv[3:])
t1 = time.perf_counter()
sim = simulation(sc)
t_build = time.perf_counter() - t1
t2 = time.perf_counter()
c2 = time.process_time()
res = Results.from_simulation(sim.run())
t_steps = time.perf_counter() - t2
cpu_steps = time.process_time() - c2
wall = time.perf_counter() - t0  # import, build and run: not the floor measured below
ev = res.events
# tie updates: every contact the run made over a tie (a new tie's first contact
# included; starting ties count none): the ledger's contacts, dead and living ties.
# kumpula2007's plain store counts no contacts: there, every living tie's weight
# change a step counts instead (as before the contact-based process).
if hasattr(res.ties, "batches"):  # spilled to disk: stream the column
    contacts = sum(int(b["contacts"].sum()) for b in res.ties.batches(["contacts"]))
else:
    contacts = int(res.ties["contacts"].sum())
fading = sim.world.ties.fading
updates = contacts if fading else int(ev["ties_alive"].iloc[1:].sum())
import numpy as np
from numba import get_num_threads
Tarr = sim.world.ties.arrays()
# The contact floor: the week's mean contacts, each made by maintenance's own attend
# kernel (ties.contact: a random read-modify-write of the tie's record and both ends'
# keys, records and keys prefetched) on living ties drawn at random, on all cores,
# on the network at the end of the run: what the week's contacts cost as random
# record updates, whatever process makes them.
from jinmyaku.model.processes.maintenance import _offsets, attend, choose_flat, reach
per_week = updates // max(1, sc.steps)
alive = sim.world.ties.alive_ids()
update_step = 0.0
if fading and per_week and alive.size:
    pick = np.random.default_rng(0).integers(0, alive.size, per_week)
    chosen = alive[pick].astype(np.int32)
    update_step = median_of_5(lambda: attend(Tarr, chosen, sc.steps, get_num_threads()))
# The model floor: the contact floor plus the one pass over each row's keys that
# maintenance's choice needs (choose_flat with the scenario's own reach: every
# tie's s^β, the draws and their thinning), by the engine's kernel on all cores.
# Everything else a week does comes on top (the four events' plans and the order
# in which their encounters are applied, introductions, opportunities, life events,
# the ranking for influence, recording). kumpula2007 has no maintenance: none.
people = sim.world.people
model_step = 0.0
if "maintenance" in sc.schedule and fading:
    mq = sc.processes.maintenance
    n_i = reach(mq.interactions, people.sociability)
    first = _offsets(n_i)
    scale = mq.stage_scale if mq.stage_homophily else np.inf
    model_step = update_step + median_of_5(lambda: choose_flat(
        Tarr, people.stage, people.aim, n_i, first, mq.preference, scale, mq.aim_bonus,
        sc.steps, sc.seed, people.pid))
print(json.dumps({
    "import_s": t_import, "build_s": t_build, "steps_s": t_steps, "steps_cpu_s": cpu_steps,
    "wall_s": wall,
    "person_weeks": sc.population.people * sc.steps, "tie_updates": updates,
    # kumpula2007: one node update = one node's turn in local search, global
    # attachment and node deletion in one step (sweep)
    "node_updates": sc.population.people * sc.steps,
    "ties_alive_end": int(ev["ties_alive"].iloc[-1]),
    "updates_per_week": per_week, "update_floor_step_s": update_step,
    "update_floor_s": update_step * sc.steps,
    "model_floor_step_s": model_step, "model_floor_s": model_step * sc.steps,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def one_run(scenario: str, overrides: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(Path(__file__).parent), scenario,
                          *overrides],
                         capture_output=True, text=True)
    if out.returncode != 0:  # say why, not only that the child failed
        sys.exit(f"bench: the run {scenario} {' '.join(overrides)} failed:\n"
                 f"{out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    os.environ.setdefault("GOMP_SPINCOUNT", "300")  # as the jinmyaku command sets it
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default="default")
    ap.add_argument("--people", type=int, nargs="*", default=[])
    ap.add_argument("--years", type=float, default=None)
    ap.add_argument("--steps", type=int, default=None, help="steps (overrides --years)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    sizes = args.people or [None]
    rows = []
    one_run(args.scenario, ["population.people=200", "population.steps=5",
                            "cohorts.size=10"])  # warm the compilation cache
    for n in sizes:
        overrides = []
        if n is not None:
            overrides.append(f"population.people={n}")
        if args.years is not None:
            overrides.append(f"population.years={args.years}")
        if args.steps is not None:
            overrides.append(f"population.steps={args.steps}")
        runs = [one_run(args.scenario, overrides) for _ in range(args.repeats)]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        row = {
            "scenario": args.scenario, "overrides": overrides, "repeats": args.repeats,
            "people": n or "scenario", **med,
            "person_weeks_per_s": med["person_weeks"] / med["steps_s"],
            "tie_updates_per_s": med["tie_updates"] / med["steps_s"],
            "node_updates_per_s": med["node_updates"] / med["steps_s"],
            "node_updates_per_cpu_s": med["node_updates"] / med["steps_cpu_s"],
            "times_contact_floor": med["steps_s"] / med["update_floor_s"]
            if med["update_floor_s"] else None,
            "times_model_floor": med["steps_s"] / med["model_floor_s"]
            if med["model_floor_s"] else None,
            "bytes_per_person": med["peak_rss_mb"] * 2**20 / (n or _people(args.scenario)),
            "bytes_per_tie": med["peak_rss_mb"] * 2**20 / max(1, med["ties_alive_end"]),
            "wall_s_all": [r["wall_s"] for r in runs],
        }
        rows.append(row)
        if args.scenario == "kumpula2007":
            each = ", ".join(f"{r['steps_s']:.1f}" for r in runs)
            print(f"{str(row['people']):>10} nodes | wall {med['wall_s']:6.1f} s "
                  f"(steps {med['steps_s']:.1f}, cpu {med['steps_cpu_s']:.1f}) | "
                  f"{row['node_updates_per_s']:>11,.0f} node updates/s "
                  f"({row['node_updates_per_cpu_s']:,.0f} per cpu-s; runs "
                  f"{each} s) | "
                  f"peak {med['peak_rss_mb']:,.0f} MB", flush=True)
            continue
        print(f"{str(row['people']):>10} people | wall {med['wall_s']:6.1f} s "
              f"(build {med['build_s']:.1f}, steps {med['steps_s']:.1f}) | "
              f"{row['person_weeks_per_s']:>11,.0f} person-weeks/s | "
              f"{row['tie_updates_per_s']:>13,.0f} contacts/s | "
              f"peak {med['peak_rss_mb']:,.0f} MB ({row['bytes_per_person'] / 1024:.1f} KB/person, "
              f"{row['bytes_per_tie']:.0f} B/living tie) | "
              + (f"{row['times_contact_floor']:.1f}× the contact floor "
                 f"({med['update_floor_s']:.1f} s); " if row["times_contact_floor"] else "")
              + (f"{row['times_model_floor']:.1f}× the model floor "
                 f"({med['model_floor_s']:.1f} s)" if row["times_model_floor"] else ""),
              flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    report = {"commit": commit, "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
              "machine": {"python": platform.python_version(), "cpus": _cpus(),
                          "platform": platform.platform()}, "rows": rows}
    path = args.json or Path(__file__).parent / "results" / f"bench-{commit}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {path}")


def _people(scenario: str) -> int:
    import jinmyaku

    return jinmyaku.load(scenario).population.people


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


if __name__ == "__main__":
    main()
