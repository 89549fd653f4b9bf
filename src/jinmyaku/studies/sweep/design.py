"""Designs: the points of parameter space a sweep runs, from its spec.

* ``grid``: every combination of each parameter's ``values`` (or ``levels``
  evenly spaced values from ``low`` to ``high``); the first parameter varies
  slowest. Points: the product of the numbers of values.
* ``random``: ``samples`` points drawn uniformly and independently within the
  bounds. Points: ``samples``.
* ``sobol``: Saltelli's scheme on a scrambled Sobol' sequence (SALib
  ``sample.sobol``, first and total order only). Points: ``samples · (D + 2)``.
* ``morris``: ``samples`` one-at-a-time trajectories on a grid of ``levels``
  levels (SALib ``sample.morris``). Points: ``samples · (D + 1)``.

The design is drawn from the spec's ``seed`` and is the same on every call.
Integer parameters are rounded to the nearest whole number within their
bounds; for ``random`` and ``sobol`` they are drawn over
``[low − ½, high + ½)`` first so that every whole value is equally likely.
The *nominal* design (before rounding) is what the analysis uses.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from jinmyaku.model import rng as model_rng
from jinmyaku.studies.sweep.spec import Sweep


@dataclass(frozen=True)
class Design:
    """``nominal``: (points, D) floats as drawn; ``values``: per point, the values run
    (int for integer parameters); ``problem``: the SALib problem of the design."""

    nominal: np.ndarray
    values: list[tuple[int | float, ...]]
    problem: dict

    def __len__(self) -> int:
        return len(self.values)


def problem(sweep: Sweep) -> dict:
    """The SALib problem: names and bounds of the parameters, in spec order."""
    ps = sweep.spec.parameters
    return {"num_vars": len(ps), "names": [p.path for p in ps],
            "bounds": [[float(p.low), float(p.high)] if p.values is None
                       else [float(min(p.values)), float(max(p.values))] for p in ps]}


def _grid_values(sweep: Sweep) -> list[list[float]]:
    out = []
    for p, kind in zip(sweep.spec.parameters, sweep.kinds, strict=True):
        if p.values is not None:
            out.append([float(v) for v in p.values])
            continue
        vals = np.linspace(p.low, p.high, sweep.spec.levels)
        if kind is int:
            vals = np.unique(np.floor(vals + 0.5))
        out.append([float(v) for v in vals])
    return out


def make(sweep: Sweep) -> Design:
    """Draw the design of ``sweep`` (deterministic for a given spec)."""
    spec = sweep.spec
    prob = problem(sweep)
    lo = np.array([b[0] for b in prob["bounds"]])
    hi = np.array([b[1] for b in prob["bounds"]])
    ints = np.array([k is int for k in sweep.kinds])
    widen = np.where(ints, 0.5, 0.0)
    if spec.design == "grid":
        x = np.array(list(itertools.product(*_grid_values(sweep))), dtype=float)
    elif spec.design == "random":
        rng = np.random.default_rng(np.random.SeedSequence(spec.seed,
                                                           spawn_key=(model_rng.SWEEP_DESIGN,)))
        u = rng.random((spec.samples, len(lo)))
        x = (lo - widen) + u * ((hi + widen) - (lo - widen))
    elif spec.design == "sobol":
        from SALib.sample import sobol

        wide = {**prob, "bounds": [[a - w, b + w] for a, b, w in zip(lo, hi, widen, strict=True)]}
        x = sobol.sample(wide, spec.samples, calc_second_order=False, scramble=True,
                         seed=spec.seed % 2**32)
    else:
        from SALib.sample import morris

        x = morris.sample(prob, spec.samples, num_levels=spec.levels, seed=spec.seed % 2**32)
    x = np.asarray(x, dtype=float)
    values = []
    for row in x:
        point = []
        for v, a, b, is_int in zip(row, lo, hi, ints, strict=True):
            if is_int:
                point.append(int(min(max(np.floor(v + 0.5), a), b)))
            else:
                point.append(float(min(max(v, a), b)))
        values.append(tuple(point))
    return Design(x, values, prob)
