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
bounds (:func:`values_run`); for ``random`` and ``sobol`` they are drawn over
``[low − ½, high + ½)`` first so that every whole value is equally likely.
The *nominal* design (before rounding) is what the analysis uses.

:func:`morris_sample` and :func:`values_run` are also the claims
experiment's Morris design (``studies.claims.experiment.morris_points``):
one sampler and one rounding rule for both.
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


def points(sweep: Sweep, samples: int | None = None, levels: int | None = None) -> int:
    """How many points the design of ``sweep`` has, without drawing it (``samples`` and
    ``levels`` replace the spec's, to size an alternative)."""
    spec = sweep.spec
    samples = spec.samples if samples is None else samples
    levels = spec.levels if levels is None else levels
    d = len(spec.parameters)
    if spec.design == "grid":
        n = 1
        for p, kind in zip(spec.parameters, sweep.kinds, strict=True):
            if p.values is not None:
                n *= len(p.values)
            elif kind is int:
                n *= min(levels, int(p.high) - int(p.low) + 1)
            else:
                n *= levels
        return n
    if spec.design == "random":
        return samples
    if spec.design == "sobol":
        return samples * (d + 2)
    return samples * (d + 1)  # morris


def morris_sample(problem: dict, trajectories: int, levels: int, seed: int) -> np.ndarray:
    """Morris one-at-a-time trajectories (SALib ``sample.morris``) as a nominal design.

    ``trajectories · (D + 1)`` rows of D floats on a grid of ``levels`` levels
    within ``problem["bounds"]``; the same for the same arguments (the seed
    is taken modulo 2³², as NumPy's legacy seeding needs).
    """
    from SALib.sample import morris

    x = morris.sample(problem, trajectories, num_levels=levels, seed=seed % 2**32)
    return np.asarray(x, dtype=float)


def values_run(x: np.ndarray, bounds, ints) -> list[tuple[int | float, ...]]:
    """The parameter values run at each point of a nominal design ``x`` (points, D).

    Integer parameters (``ints[k]`` true) are rounded to the nearest whole
    number, halves up, and become ``int``; every value is clipped to its
    ``bounds[k] = (low, high)``.
    """
    lo = [float(b[0]) for b in bounds]
    hi = [float(b[1]) for b in bounds]
    values = []
    for row in np.asarray(x, dtype=float):
        point = []
        for v, a, b, is_int in zip(row, lo, hi, ints, strict=True):
            if is_int:
                point.append(int(min(max(np.floor(v + 0.5), a), b)))
            else:
                point.append(float(min(max(v, a), b)))
        values.append(tuple(point))
    return values


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
        x = morris_sample(prob, spec.samples, spec.levels, spec.seed)
    x = np.asarray(x, dtype=float)
    return Design(x, values_run(x, prob["bounds"], ints), prob)
