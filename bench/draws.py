"""How to draw a person's contacts for the new tie process (issue 16): a walk of the
row against a per-row Fenwick tree.

Each person-week draws ``m`` ~ Poisson(budget) ties ∝ their sampling weight (kept
per slot) from the weights at the start of the week (plan), then each draw is a
contact that changes that tie's weight at both ends (apply, in slot order).

* ``walk``: plan = one prefix sum of the row (deg entries, streaming) and a binary
  search per draw; apply = one write per end.
* ``fenwick``: a Fenwick tree per row kept across weeks: plan = a descent per draw
  (log2 capacity steps); apply = a tree update at each end (log2 capacity steps).

Both give draws with the same distribution (not the same draws). Prints draws per
second, median of 5 weeks after a warm-up, for rows of 150 slots and budgets of
5-40 contacts a person-week:

    .venv/bin/python bench/draws.py [--people 100000] [--degree 100]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from numba import njit


@njit(cache=True)
def walk_week(w, nbr, slot_back, deg, m, u, out):
    n, cap = w.shape
    cum = np.empty(cap)
    k = 0
    for i in range(n):  # plan
        d = deg[i]
        t = 0.0
        for s in range(d):
            t += w[i, s]
            cum[s] = t
        for _ in range(m[i]):
            x = u[k] * t
            k += 1
            lo, hi = 0, d - 1
            while lo < hi:
                mid = (lo + hi) // 2
                if cum[mid] > x:
                    hi = mid
                else:
                    lo = mid + 1
            out[i, _] = lo
    total = 0
    for i in range(n):  # apply
        for r in range(m[i]):
            s = out[i, r]
            j = nbr[i, s]
            w[i, s] *= 1.01
            w[j, slot_back[i, s]] *= 1.01
            total += 1
    return total


@njit(cache=True)
def fen_build(w, deg, f):
    n, cap = w.shape
    for i in range(n):
        for s in range(cap):
            f[i, s] = 0.0
        for s in range(deg[i]):
            x = s + 1
            v = w[i, s]
            while x <= cap:
                f[i, x - 1] += v
                x += x & -x


@njit(cache=True)
def fen_add(f, i, s, v, cap):
    x = s + 1
    while x <= cap:
        f[i, x - 1] += v
        x += x & -x


@njit(cache=True)
def fen_week(w, f, nbr, slot_back, deg, m, u, out, top):
    n, cap = w.shape
    k = 0
    for i in range(n):  # plan: descend the tree
        # total = sum of the tree's root ranges
        t = 0.0
        x = deg[i]
        while x > 0:
            t += f[i, x - 1]
            x -= x & -x
        for r in range(m[i]):
            target = u[k] * t
            k += 1
            pos = 0
            step = top
            while step > 0:
                nxt = pos + step
                if nxt <= cap and f[i, nxt - 1] <= target:
                    pos = nxt
                    target -= f[i, nxt - 1]
                step >>= 1
            out[i, r] = min(pos, deg[i] - 1)
    total = 0
    for i in range(n):  # apply
        for r in range(m[i]):
            s = out[i, r]
            j = nbr[i, s]
            sb = slot_back[i, s]
            dv = w[i, s] * 0.01
            w[i, s] += dv
            fen_add(f, i, s, dv, cap)
            dv = w[j, sb] * 0.01
            w[j, sb] += dv
            fen_add(f, j, sb, dv, cap)
            total += 1
    return total


def network(people: int, degree: int, cap: int, rng):
    """A random regular-ish network in rows: nbr, slot_back (the tie's slot at the far end)."""
    nbr = np.full((people, cap), -1, dtype=np.int64)
    back = np.full((people, cap), -1, dtype=np.int64)
    deg = np.zeros(people, dtype=np.int64)
    a = rng.integers(0, people, size=people * degree // 2)
    b = rng.integers(0, people, size=a.size)
    for x, y in zip(a, b, strict=True):
        if x == y or deg[x] >= cap or deg[y] >= cap:
            continue
        nbr[x, deg[x]], nbr[y, deg[y]] = y, x
        back[x, deg[x]], back[y, deg[y]] = deg[y], deg[x]
        deg[x] += 1
        deg[y] += 1
    return nbr, back, deg


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--degree", type=int, default=100)
    ap.add_argument("--capacity", type=int, default=150)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    nbr, back, deg = network(args.people, args.degree, args.capacity, rng)
    w0 = rng.lognormal(0.0, 1.5, size=nbr.shape) * (nbr >= 0)
    top = 1 << int(np.floor(np.log2(args.capacity)))
    print(f"{args.people:,} people, mean degree {deg.mean():.0f}, capacity {args.capacity}")
    for budget in (5, 10, 20, 40):
        m = np.minimum(rng.poisson(budget, size=args.people), 255) * (deg > 0)
        u = rng.random(int(m.sum()))
        out = np.empty((args.people, int(m.max())), dtype=np.int64)
        rates = {}
        for name in ("walk", "fenwick"):
            w = w0.copy()
            f = np.zeros_like(w)
            fen_build(w, deg, f)
            times = []
            for rep in range(6):
                t0 = time.perf_counter()
                if name == "walk":
                    done = walk_week(w, nbr, back, deg, m, u, out)
                else:
                    done = fen_week(w, f, nbr, back, deg, m, u, out, top)
                if rep:  # the first week compiles or warms up
                    times.append(time.perf_counter() - t0)
            rates[name] = done / statistics.median(times)
        print(f"budget {budget:>2}/week: walk {rates['walk'] / 1e6:6.1f} M draws/s, "
              f"fenwick {rates['fenwick'] / 1e6:6.1f} M draws/s")


if __name__ == "__main__":
    main()
