"""Sweeps: many runs over a design of parameter space, stored for SQL, analysed with SALib.

>>> from jinmyaku.studies.sweep import run_sweep
>>> result = run_sweep("my-sweep.toml", out="sweeps/my-sweep", workers=2)  # doctest: +SKIP
>>> result.indices  # doctest: +SKIP

The pieces: :mod:`.spec` (the TOML spec), :mod:`.design` (the points),
:mod:`.store` (DuckDB + Parquet, resumable), :mod:`.analysis` (Sobol', Morris,
common random numbers); the runs go through :func:`jinmyaku.studies.parallel.run_tasks`
and are reduced to outcomes by :func:`jinmyaku.studies.claims.outcomes.outcomes`.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from jinmyaku._version import __version__
from jinmyaku.errors import InputError
from jinmyaku.model.scenario import Scenario, _format_errors
from jinmyaku.storage import memory
from jinmyaku.studies.sweep import analysis
from jinmyaku.studies.sweep import design as design_mod
from jinmyaku.studies.sweep.design import Design
from jinmyaku.studies.sweep.spec import Sweep, load_spec
from jinmyaku.studies.sweep.store import Store

__all__ = ["SweepResult", "evaluate", "load_spec", "plan", "run_seed", "run_sweep"]


def run_seed(seed: int, point: int, replicate: int, crn: bool = True) -> int:
    """The seed of one run (0 ≤ seed < 2**63).

    With common random numbers (``crn``), replicate r of every design point has
    the same seed, derived from the spec's ``seed`` and r alone; without, each
    (point, replicate) gets its own.
    """
    key = (replicate,) if crn else (replicate, point)
    state = np.random.SeedSequence(seed, spawn_key=key).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


def _set(raw: dict, dotted: str, value: Any) -> None:
    node = raw
    parts = dotted.split(".")
    for p in parts[:-1]:
        node = node[p]
    node[parts[-1]] = value


def _scenario(sweep: Sweep, base: dict, assign: dict[str, Any], label: str) -> Scenario:
    raw = copy.deepcopy(base)
    for k, v in assign.items():
        _set(raw, k, v)
    try:
        return Scenario.model_validate(raw)
    except ValidationError as e:
        raise InputError(_format_errors(f"{sweep.path}: {label}", e, raw)) from None


def plan(sweep: Sweep, design: Design) -> list[Scenario]:
    """The scenario of every design point (seed still the base's), all validated first.

    Each parameter's bounds are checked on their own first (the others at the
    base value), so an out-of-range bound is refused even if no point reaches it.
    """
    base = sweep.base.model_dump(mode="json")
    for i, p in enumerate(sweep.spec.parameters):
        for key in ("low", "high"):
            v = getattr(p, key)
            if v is not None:
                kind = sweep.kinds[i]
                _scenario(sweep, base, {p.path: kind(v)}, f"parameters[{i}].{key} = {v}")
    scenarios = []
    for k, values in enumerate(design.values):
        assign = dict(zip(sweep.names, values, strict=True))
        shown = ", ".join(f"{n}={v:g}" for n, v in assign.items())
        scenarios.append(_scenario(sweep, base, assign, f"design point {k} ({shown})"))
    return scenarios


def evaluate(task: dict) -> dict:
    """Run one sweep task (in a worker): scenario → outcomes and per-step series.

    ``task``: ``{"scenario": resolved scenario as JSON, "series": bool}``.
    Returns ``outcomes`` (name → float), ``series`` (DataFrame or None),
    ``seconds`` (wall time of the run) and ``jinmyaku`` (the worker's version).
    """
    from jinmyaku.studies.claims.outcomes import outcomes
    from jinmyaku.studies.results import simulate

    started = time.perf_counter()
    sc = Scenario.model_validate(task["scenario"])
    results = simulate(sc, check_memory=False, spill_rows=None)  # outcomes need it all
    out = outcomes(results)
    return {"outcomes": {k: float(v) for k, v in out.items()},
            "series": results.series if task["series"] else None,
            "seconds": time.perf_counter() - started, "jinmyaku": __version__}


@dataclass
class SweepResult:
    """What :func:`run_sweep` did and found. ``runs``: one row per run (parameters,
    outcomes); ``indices``: Sobol'/Morris indices, long form; ``crn``: per outcome,
    the variance of paired differences against independent seeds."""

    out: Path
    sweep: Sweep
    design: Design
    runs: pd.DataFrame
    indices: pd.DataFrame
    crn: pd.DataFrame
    ran: int
    skipped: int
    seconds: float

    @property
    def crn_ratio(self) -> float:
        """Median over outcomes of Var(paired difference) / (sum of the two variances)."""
        r = self.crn["ratio"].to_numpy(dtype=float)
        r = r[np.isfinite(r)]
        return float(np.median(r)) if r.size else float("nan")


def _check_memory(scenarios: list[Scenario], workers: int | None, dask: str | None) -> None:
    if dask or not scenarios:
        return
    import os

    concurrent = 1 if workers == 0 else max(1, workers or os.cpu_count() or 1)
    biggest = max(scenarios, key=lambda s: memory.estimate(s, spill_rows=None))
    limit = memory.available()
    need = memory.estimate(biggest, spill_rows=None) / 2**30
    if limit is not None and need * 2**30 > limit:  # not even one run fits
        raise InputError(f"{biggest.population.people:,} people for "
                         f"{biggest.population.years:g} years (the largest run of the design) "
                         f"need an estimated {need:.1f} GiB, but only {limit / 2**30:.1f} GiB "
                         f"is available, so even one worker cannot run it. Make the sweep's "
                         f"population (population.people) or horizon (population.years) "
                         f"smaller, in its base scenario or the parameter ranges.")
    if limit is not None and need * 2**30 * concurrent > limit:
        fit = max(1, int(limit // (need * 2**30)))
        raise InputError(f"{concurrent} workers each running up to "
                         f"{biggest.population.people:,} people need an estimated "
                         f"{need * concurrent:.1f} GiB ({need:.1f} GiB each), but "
                         f"{limit / 2**30:.1f} GiB is available; use fewer --workers "
                         f"(--workers {fit} fits).")


# What planning and storing a sweep costs in memory (bytes), besides the runs themselves:
# a planned design point holds its validated Scenario (about 20 KB, measured with
# tracemalloc on the example sweep), and a stored run one row of parameters and
# outcomes, with the copies the analysis makes.
POINT_BYTES = 24_000
RUN_BYTES_PER_COLUMN = 64
PLAN_SHARE = 0.5  # of the memory available, what planning and storing may take


def check_size(sweep: Sweep, limit: int | None = None) -> None:
    """Refuse (InputError) a design too big to plan and store in memory, before drawing
    it; the message names the largest design of the same kind that fits.

    ``limit``: bytes available (default: what the machine has now).
    """
    spec = sweep.spec
    limit = memory.available() if limit is None else limit
    if limit is None:
        return
    budget = PLAN_SHARE * limit
    columns = len(sweep.outcomes) + len(spec.parameters) + 6
    per_point = POINT_BYTES + spec.replicates * RUN_BYTES_PER_COLUMN * columns

    def need(points: int) -> float:
        return points * per_point

    points = design_mod.points(sweep)
    if need(points) <= budget:
        return
    fits = int(budget // per_point)
    if spec.design == "grid":
        free = [p for p in spec.parameters if p.values is None]
        lv = spec.levels
        while lv > 2 and need(design_mod.points(sweep, levels=lv)) > budget:
            lv -= 1
        advice = (f"levels = {lv}" if free and need(design_mod.points(sweep, levels=lv)) <= budget
                  else "fewer values per parameter")
    else:
        per = design_mod.points(sweep, samples=1)
        s = max(0, fits // per)
        if spec.design == "sobol" and s:
            s = 1 << (s.bit_length() - 1)
        advice = f"samples = {s}" if s else "fewer replicates"
    raise InputError(
        f"{sweep.path}: the {spec.design} design has {points:,} points × {spec.replicates:,} "
        f"replicates = {points * spec.replicates:,} runs; planning and storing them needs an "
        f"estimated {need(points) / 2**30:,.1f} GiB, more than half of the "
        f"{limit / 2**30:.1f} GiB available. About {fits:,} points fit at "
        f"{spec.replicates:,} replicates: use {advice}.")


def run_sweep(spec_path: str | Path, out: str | Path | None = None, *,
              workers: int | None = None, dask: str | None = None,
              progress: Callable[[int, int], None] | None = None) -> SweepResult:
    """Run (or resume) the sweep of ``spec_path`` into ``out``; analyse; return the result.

    ``out``: the sweep folder (default ``sweeps/NAME``). ``workers``: local
    worker processes (default: one per core; 0 runs in this process) or Dask
    LocalCluster workers; ``dask``: ``"local"`` or a scheduler address.
    ``progress(stored, total)`` is called at the start and after each stored run.
    Runs already stored in ``out`` are skipped; a folder holding another sweep
    is refused. Results do not depend on the executor or the number of workers.
    """
    from jinmyaku.studies.parallel import evaluator, run_tasks

    started = time.perf_counter()
    sweep = load_spec(spec_path)
    spec = sweep.spec
    out = Path(out) if out is not None else Path("sweeps") / spec.name
    check_size(sweep)  # before the design is drawn
    design = design_mod.make(sweep)
    scenarios = plan(sweep, design)
    _check_memory(scenarios, workers, dask)
    reps = spec.replicates
    total = len(design) * reps
    ran = 0
    # The address checked and the cluster connected to (or the workers' pool made)
    # before the folder is: a bad or unreachable scheduler leaves nothing behind.
    with evaluator(workers, dask) as ev, Store(out, sweep, design) as store:
        done = store.done()
        skipped = len(done)
        if progress is not None:
            progress(skipped, total)

        def tasks():
            for run in range(total):
                if run in done:
                    continue
                point, rep = divmod(run, reps)
                seed = run_seed(spec.seed, point, rep, spec.crn)
                sc = scenarios[point].model_dump(mode="json")
                sc["seed"] = seed
                yield run, {"scenario": sc, "series": spec.series}

        for run, res in run_tasks(evaluate, tasks(), using=ev):
            if res["jinmyaku"] != __version__:
                raise InputError(f"a worker runs jinmyaku {res['jinmyaku']} but this machine "
                                 f"runs {__version__}; install the same version on every "
                                 f"Dask worker.")
            point, rep = divmod(run, reps)
            store.add(run, point, rep, run_seed(spec.seed, point, rep, spec.crn),
                      res["outcomes"], res["seconds"], res["series"])
            ran += 1
            if progress is not None:
                progress(skipped + ran, total)

        runs = store.runs()
        indices, crn = analysis.analyse(spec.design, design.problem, design.nominal, runs,
                                        list(sweep.outcomes), spec.levels, spec.seed % 2**32)
        store.save_analysis(indices, crn)
    return SweepResult(out, sweep, design, runs, indices, crn, ran, skipped,
                       time.perf_counter() - started)
