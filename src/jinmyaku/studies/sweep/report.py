"""What ``jinmyaku sweep`` prints when done: the indices and the CRN figure.

(The progress bar over runs is the face's: ``jinmyaku.faces.progress``.)
"""

from __future__ import annotations

import math

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jinmyaku.studies.sweep import SweepResult

MAX_ROWS = 12


def _cell(value: float, conf: float) -> str:
    if not math.isfinite(value):
        return "–"
    if not math.isfinite(conf):
        return f"{value:.2g}"
    return f"{value:.2g}[dim]±{conf:.2g}[/]"


def _short_names(paths: list[str]) -> list[str]:
    """The shortest dotted suffixes that tell the parameters apart (e.g. mixers.new_tie)."""
    for n in range(1, max(len(p.split(".")) for p in paths) + 1):
        short = [".".join(p.split(".")[-n:]) for p in paths]
        if len(set(short)) == len(short) and (n > 1 or len(paths) == 1):
            return short
    return paths


def show(result: SweepResult, console: Console) -> None:
    """Print the indices table (Sobol' ST and S1, or Morris mu* and sigma), the CRN figure,
    and where the results went."""
    sw = result.sweep
    spec = sw.spec
    n_runs = len(result.design) * spec.replicates
    ind = result.indices
    if spec.design in ("sobol", "morris") and len(ind):
        main, other = ("ST", "S1") if spec.design == "sobol" else ("mu_star", "sigma")
        label = {"ST": "ST", "S1": "S1", "mu_star": "mu*", "sigma": "sigma"}
        title = ("Sobol' indices: total order ST and first order S1, ± 95% half-width"
                 if spec.design == "sobol" else
                 "Morris mu* and sigma ± 95% half-width, per unit of each parameter's range")
        t = Table(title=title, title_justify="left")
        t.add_column("outcome / parameter", overflow="fold")
        t.add_column(label[main], justify="right")
        t.add_column(label[other], justify="right")
        short = dict(zip(sw.names, _short_names(sw.names), strict=True))
        cells = {(r.outcome, r.parameter, r.index): (r.value, r.conf)
                 for r in ind.itertuples(index=False)}
        outcomes = list(dict.fromkeys(ind["outcome"]))
        for o in outcomes[:MAX_ROWS]:
            t.add_row(f"[bold]{escape(o)}[/]", "", "")
            ranked = sorted(sw.names, key=lambda n, o=o: -np.nan_to_num(
                cells.get((o, n, main), (np.nan,))[0], nan=-np.inf))
            for n in ranked:
                t.add_row(f"  {escape(short[n])}",
                          _cell(*cells.get((o, n, main), (np.nan, np.nan))),
                          _cell(*cells.get((o, n, other), (np.nan, np.nan))))
        console.print(t)
        if len(outcomes) > MAX_ROWS:
            console.print(f"{len(outcomes) - MAX_ROWS} more outcomes in table indices.",
                          style="dim")
        left_out = len(sw.outcomes) - len(outcomes)
        if left_out:
            console.print(f"{left_out} outcome(s) not analysed: not finite at every point, or "
                          f"constant.", style="dim")
    ratio = result.crn_ratio
    n_out = int(np.isfinite(result.crn["ratio"]).sum())
    if math.isfinite(ratio) and spec.crn:
        console.print(
            f"Common random numbers: the variance of a difference between two design points "
            f"is [bold]{ratio:.2f}[/] of what independent seeds would give (median over "
            f"{n_out} outcomes; table crn)"
            + (f", as precise as {1 / ratio:.1f}× the replicates." if ratio > 0 else "."))
    elif math.isfinite(ratio):
        console.print(
            f"Independent seeds (crn = false): the variance of a difference between two design "
            f"points is [bold]{ratio:.2f}[/] times the sum of their variances (median over "
            f"{n_out} outcomes; table crn); about 1 is expected, and less with crn = true.")
    else:
        console.print("No variance-reduction figure: it needs at least 2 replicates and "
                      "2 design points.", style="dim")
    db = escape(str(result.out / "sweep.duckdb"))
    console.print(f"{result.ran} runs done now, {result.skipped} stored before, {n_runs} in all "
                  f"({len(result.design)} points × {spec.replicates} replicates), in "
                  f"{result.seconds:.1f} s. Results in [bold]{db}[/] "
                  f"(tables runs, points, indices, crn, meta)"
                  + (f" and {escape(str(result.out / 'series'))}/." if spec.series else "."))
