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
# tie updates: every living tie is decayed once a week, plus every reinforcement
# or creation by an encounter, an interaction, an introduction or a delivery.
updates = int(ev["ties_alive"].iloc[1:].sum())
for col in ("interactions", "focus_encounters", "mixers_encounters", "meetups_encounters",
            "work_encounters", "introductions", "opportunities_delivered"):
    if col in ev:
        updates += int(ev[col].sum())
# The floor: one pass that reads every living tie's whole state (its record in
# the pool and both ends' row entries: id, neighbour, weight), timed on the
# network at the end of the run (the largest it gets, so the floor is generous).
import numpy as np
from numba import njit

@njit
def _stream(T):
    acc = 0.0
    for tid in range(T.a.size):
        if T.a[tid] >= 0 and T.death[tid] < 0:
            acc += (T.b[tid] + T.pa[tid] + T.pb[tid] + T.w[tid] + T.origin[tid] + T.birth[tid]
                    + T.last[tid] + T.cause[tid] + T.value[tid] + T.peak[tid] + T.uid[tid]
                    + T.sa[tid] + T.sb[tid])
    for i in range(T.deg.size):
        for s in range(T.deg[i]):
            acc += T.adj[i, s] + T.nbr[i, s] + T.ws[i, s]
    return acc

Tarr = sim.world.ties.arrays()
floor_step = median_of_5(lambda: _stream(Tarr))
# The update floor: the week's mean number of tie updates other than decay (each
# reinforcement or creation), carried out as maintenance reinforcements (alpha 0:
# weights unchanged) of living ties drawn at random, on all cores with the engine's
# own kernel (records and weights prefetched). Decay is in the stream floor above.
from numba import get_num_threads
from jinmyaku.model.processes.maintenance import attend
per_week = max(0, updates - int(ev["ties_alive"].iloc[1:].sum())) // max(1, sc.steps)
alive = sim.world.ties.alive_ids()
update_step = 0.0
if per_week and alive.size:
    pick = np.random.default_rng(0).integers(0, alive.size, per_week)
    chosen = alive[pick].astype(np.int32).reshape(-1, 1)
    update_step = median_of_5(lambda: attend(Tarr, chosen, sc.steps, get_num_threads()))
# The model floor: the least of a week that this model's own rules ask for, made by
# the engine's own kernels on the same network — the update floor above, plus the
# one pass that draws maintenance's partners (choose, with one interaction each: every
# tie's weight times the affinity to its far end, which depends on both ends' stages
# and so cannot be kept from one week to the next) and one ranking of every row
# (influence's closest ties, after the week's reinforcements). Every other process
# (the four events' encounters, introductions, opportunities, life events,
# recording) and decay come on top. The kumpula2007 schedule has neither process.
from jinmyaku.model.closest import Ranking, rank
from jinmyaku.model.processes.maintenance import choose
people = sim.world.people
mq, iq = sc.processes.maintenance, sc.processes.influence
kept = Ranking.empty(Tarr.deg.size, iq.k)
one_each = np.ones(Tarr.deg.size, dtype=np.int32)  # one interaction each
def _model_pass():
    choose(Tarr, people.stage, people.aim, one_each, mq.preference, mq.stage_scale,
           mq.aim_bonus, sc.steps, sc.seed, people.pid)
    rank(Tarr.ws, Tarr.nbr, Tarr.deg, Tarr.changed, True, kept.k, kept.weight, kept.other,
         kept.m)
model_step = 0.0
if "maintenance" in sc.schedule:
    model_step = median_of_5(_model_pass) + update_step
print(json.dumps({
    "import_s": t_import, "build_s": t_build, "steps_s": t_steps, "steps_cpu_s": cpu_steps,
    "wall_s": wall,
    "person_weeks": sc.population.people * sc.steps, "tie_updates": updates,
    # kumpula2007: one node update = one node's turn in local search, global
    # attachment and node deletion in one step (sweep)
    "node_updates": sc.population.people * sc.steps,
    "ties_alive_end": int(ev["ties_alive"].iloc[-1]),
    "floor_step_s": floor_step, "floor_s": floor_step * sc.steps,
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
            "times_floor": med["steps_s"] / med["floor_s"],
            "times_floors": med["steps_s"] / (med["floor_s"] + med["update_floor_s"]),
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
              f"{row['tie_updates_per_s']:>13,.0f} tie updates/s | "
              f"peak {med['peak_rss_mb']:,.0f} MB ({row['bytes_per_person'] / 1024:.1f} KB/person, "
              f"{row['bytes_per_tie']:.0f} B/living tie) | "
              f"{row['times_floor']:.1f}× the floor ({med['floor_s']:.1f} s); "
              f"{row['times_floors']:.1f}× floor + updates ({med['update_floor_s']:.1f} s)"
              + (f"; {row['times_model_floor']:.1f}× the model floor "
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
