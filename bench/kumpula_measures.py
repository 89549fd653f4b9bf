"""The Kumpula et al. (2007) result: overlap–weight correlation and modularity against δ.

Usage (from the repo root):

    .venv/bin/python bench/kumpula_measures.py                       # N 10,000, 10,000 steps
    .venv/bin/python bench/kumpula_measures.py --people 2000 --deltas 0 1

Runs the built-in ``kumpula2007`` scenario once per δ and prints, for the final
network, the Pearson and Spearman correlation between tie weight and
neighbourhood overlap, the weighted modularity of a Louvain partition (seed 1),
the mean degree and the time taken.
"""

from __future__ import annotations

import argparse
import os
import time

import jinmyaku
from jinmyaku.analysis.network import kumpula_measures as measures


def main() -> None:
    os.environ.setdefault("GOMP_SPINCOUNT", "300")  # as the jinmyaku command sets it
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--steps", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--deltas", type=float, nargs="*", default=[0.0, 0.5, 1.0])
    args = ap.parse_args()
    print(f"kumpula2007, {args.people:,} nodes, {args.steps:,} steps, seed {args.seed}")
    print(f"{'delta':>6} {'pearson':>8} {'spearman':>9} {'modularity':>11} {'communities':>12} "
          f"{'<k>':>6} {'<w>':>8} {'run s':>7}")
    for delta in args.deltas:
        t0 = time.perf_counter()
        res = jinmyaku.run("kumpula2007", seed=args.seed, people=args.people,
                           overrides=[f"population.steps={args.steps}",
                                      f"processes.kumpula.delta={delta}"])
        took = time.perf_counter() - t0
        m = measures(res.ties, args.people, seed=1)
        print(f"{delta:6.2f} {m['pearson']:8.3f} {m['spearman']:9.3f} {m['modularity']:11.3f} "
              f"{m['communities']:12d} {m['mean_degree']:6.2f} {m['mean_weight']:8.1f} "
              f"{took:7.1f}", flush=True)


if __name__ == "__main__":
    main()
