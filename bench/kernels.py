"""Where a week goes, kernel by kernel: wall time per compiled kernel call, in ms a week.

Usage (from the repo root, after `make test` or `make run` has set up .venv):

    .venv/bin/python bench/kernels.py                           # default scenario
    .venv/bin/python bench/kernels.py --set population.people=100000 --weeks 26

Like ``bench/processes.py`` (one untimed week, then the scenario's weeks), but
each process's time is split among the kernels it calls from Python
(maintenance's ``choose`` and ``attend``, the encounters' ``plan`` and
``apply``, the ranking of closest ties …), each labelled with the process (or
the recorder, or the engine) that called it; what a process spends outside
its kernels (numpy, Python) is its ``(rest)``. One run: pair commits in one
sitting (bench/README.md).
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
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    ap.add_argument("--weeks", type=int, default=None)
    ap.add_argument("--json", default=None, help="write the table here as JSON")
    args = ap.parse_args(argv)

    import jinmyaku
    from jinmyaku.model import closest, encounters, ties
    from jinmyaku.model import recorder as recorder_mod
    from jinmyaku.model.processes import (
        introductions,
        life_events,
        maintenance,
        opportunities,
    )
    from jinmyaku.studies.results import simulation

    sc = jinmyaku.load(args.scenario, args.set)
    weeks = sc.steps if args.weeks is None else max(2, min(args.weeks, sc.steps))
    sim = simulation(sc, check_memory=False)
    sim.step()  # untimed: loads every kernel
    weeks -= 1
    spent: Counter[str] = Counter()
    inside = Counter()  # kernel time inside each caller
    where = ["(engine)"]

    def kernel(module, name):
        fn = getattr(module, name)

        def run(*a, **k):
            t = time.perf_counter()
            out = fn(*a, **k)
            dt = time.perf_counter() - t
            spent[f"{where[-1]}: {name}"] += dt
            inside[where[-1]] += dt
            return out
        setattr(module, name, run)

    for mod, names in ((maintenance, ("choose", "choose_flat", "attend")),
                       (encounters, ("plan", "apply", "_counting_sort")),
                       (closest, ("rank", "mean_stage")), (ties, ("rank", "_end_faded")),
                       (introductions, ("introduce",)), (opportunities, ("route",)),
                       (life_events, ("end_all_ties",)),
                       (recorder_mod, ("mean_stage", "ties_by_origin"))):
        for name in names:
            if hasattr(mod, name):  # (choose_flat: from the flat choices on)
                kernel(mod, name)
    for m in (sys.modules[p.__module__] for p in sim.processes):
        for name in ("mean_stage",):
            if hasattr(m, name) and not getattr(getattr(m, name), "__name__", "") == "run":
                kernel(m, name)

    def part(name, fn):
        def run(*a, **k):
            where.append(name)
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[f"{name}: (all)"] += time.perf_counter() - t
                where.pop()
        return run

    for proc in sim.processes:
        proc.step = part(proc.name, proc.step)
    sim.recorder.record = part("(recording)", sim.recorder.record)
    t0 = time.perf_counter()
    for _ in range(weeks):
        sim.step()
    total = time.perf_counter() - t0
    alls = {k.split(":")[0]: v for k, v in spent.items() if k.endswith("(all)")}
    rows = []
    for who, v in sorted(alls.items(), key=lambda kv: -kv[1]):
        rows.append({"part": who, "ms_per_week": 1000 * v / weeks})
        for k, u in sorted(spent.items(), key=lambda kv: -kv[1]):
            if k.startswith(who + ":") and not k.endswith("(all)"):
                rows.append({"part": "  " + k.split(": ", 1)[1], "ms_per_week": 1000 * u / weeks})
        if inside[who]:
            rows.append({"part": "  (rest)", "ms_per_week": 1000 * (v - inside[who]) / weeks})
    eng = total - sum(alls.values())
    rows.append({"part": "(engine: reserve, flush, ends)", "ms_per_week": 1000 * eng / weeks})
    for k, u in spent.items():
        if k.startswith("(engine):"):
            rows.append({"part": "  " + k.split(": ", 1)[1], "ms_per_week": 1000 * u / weeks})
    print(f"{args.scenario} {' '.join(args.set)}: weeks 2-{weeks + 1} in {total:.1f} s "
          f"({1000 * total / weeks:.1f} ms a week)")
    for r in rows:
        print(f"  {r['part']:34s} {r['ms_per_week']:9.2f} ms")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"scenario": args.scenario, "overrides": args.set, "weeks": weeks,
                       "total_s": total, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
