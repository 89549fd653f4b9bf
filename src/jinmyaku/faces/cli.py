"""The command line: ``jinmyaku run``, ``scenarios``, ``validate``, ``calibrate``."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

import jinmyaku._kernel_cache as _kernel_cache
from jinmyaku._version import __version__
from jinmyaku.errors import InputError
from jinmyaku.faces import progress as show_progress
from jinmyaku.model import scenario as scenario_mod
from jinmyaku.model.vocabulary import ORIGINS
from jinmyaku.storage import memory

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="jinmyaku (人脈): how a person's network forms, changes and pays off.")
scenarios_app = typer.Typer(help="List built-in scenarios, or print one as TOML.")
app.add_typer(scenarios_app, name="scenarios")
experiment_app = typer.Typer(help="Named experiments over many runs.", no_args_is_help=True)
app.add_typer(experiment_app, name="experiment")
console = Console()
err_console = Console(stderr=True)


def _print_version(value: bool) -> None:
    if value:
        console.print(f"jinmyaku {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option(
        "--version", help="Print the version and exit.", is_eager=True,
        callback=_print_version)] = False) -> None:
    """jinmyaku (人脈): how a person's network forms, changes and pays off."""


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(
        help="Built-in scenario name or TOML file.")] = "default",
    seed: Annotated[int | None, typer.Option(
        help="Random seed (overrides the scenario's).")] = None,
    people: Annotated[int | None, typer.Option(help="Population size.")] = None,
    years: Annotated[float | None, typer.Option(help="Horizon in years.")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Run folder (default runs/NAME-seedN).")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set",
        help="Override a parameter: KEY=VALUE, e.g. processes.mixers.encounters=4.")] = None,
    export_graph: Annotated[bool, typer.Option(
        "--export-graph", help="Also write the final network as GraphML.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run a scenario and show what each strategy did for the people who followed it."""
    from jinmyaku.storage.folders import OutputFolder
    from jinmyaku.studies.results import Results, simulation

    sets = list(set_ or [])
    for key, value in (("population.people", people), ("population.years", years)):
        if value is not None:
            sets.append(f"{key}={value}")
    sc = scenario_mod.load(scenario, sets, seed=seed)
    memory.check(sc)  # before anything is written
    out = out or Path("runs") / f"{sc.name}-seed{sc.seed}"
    folder = OutputFolder(out, "run folder")
    folder.claim()  # one writer per folder, checked before the run; released below

    if _kernel_cache.is_cold():
        err_console.print(COMPILING, highlight=False, soft_wrap=True)
    started = time.perf_counter()
    week_done: dict[int, float] = {}  # week -> time it finished

    sim = simulation(sc, check_memory=False)
    try:  # a spilled tie ledger's temporary files go, whatever happens
        with show_progress.bar(err_console, f"{sc.name} ({sc.population.people:,} people)",
                               unit="weeks", quiet=quiet) as update_bar:

            def progress(done: int, total: int) -> None:
                week_done.setdefault(done, time.perf_counter())  # for the speed shown
                update_bar(done, total)

            sim.run(progress=progress)
            results = Results.from_simulation(sim)
        sim.close()
        elapsed = time.perf_counter() - started
        try:
            files = results.write(folder, export_graph=export_graph)
            show_summary(results)
        finally:
            results.close()
    finally:
        sim.close()
        folder.release()
    console.print(f"\n{throughput(sc.population.people, started, week_done, elapsed)} "
                  f"Results in [bold]{out}[/] ({', '.join(files)}).")


COMPILING = "compiling the model's kernels (first run on this machine, about a minute)…"


def throughput(people: int, started: float, week_done: dict[int, float],
               elapsed: float) -> str:
    """The run's time and its speed in person-weeks per second, saying what it covers.

    The speed counts the weeks after the first only: setting up the world and
    the first week are when kernels are compiled (first run) or loaded from the
    cache, which says nothing about how fast the model runs. ``week_done`` maps
    each week to the time it finished; ``people`` is the starting population.
    """
    text = f"{elapsed:.1f} s in all"
    weeks = sorted(week_done)
    if len(weeks) >= 2 and week_done[weeks[-1]] > week_done[weeks[0]]:
        first, last = weeks[0], weeks[-1]
        setup = week_done[first] - started
        rate = people * (last - first) / (week_done[last] - week_done[first])
        span = f"week {last}" if last == first + 1 else f"weeks {first + 1}–{last}"
        return (f"{text}. Speed over {span}: {rate:,.0f} person-weeks/s (set-up and "
                f"week {first}, which compile or load the kernels, took {setup:.1f} s).")
    return f"{text} ({len(weeks)} week{'s' if len(weeks) != 1 else ''}: too short to measure " \
           f"the speed apart from compiling or loading the kernels)."


def _cell(row) -> str:
    if row is None or row["mean"] != row["mean"]:
        return "–"
    lo, hi = row["lo"], row["hi"]
    if lo != lo:
        return f"{row['mean']:.2f}"
    half = max(row["mean"] - lo, hi - row["mean"])
    return f"{row['mean']:.2f}[dim]±{half:.2f}[/]"


def show_summary(results) -> None:
    """Print the by-strategy tables (means with 95% intervals over each cohort)."""
    s = results.summary()
    if s.empty:
        console.print("This scenario has no focal cohorts, so there is no table by strategy; "
                      "the run folder has the full results.")
        return
    cells = {(r["strategy"], r["measure"]): r for r in s.to_dict("records")}
    strategies = list(dict.fromkeys(s["strategy"]))
    years = results.scenario.steps / 52

    def table(title, columns):
        t = Table(title=title, title_justify="left", show_lines=False)
        t.add_column("strategy", style="bold")
        t.add_column("n", justify="right")
        for label, _ in columns:
            t.add_column(label, justify="right")
        for st in strategies:
            n = cells[(st, "stage_end")]["n"]
            t.add_row(st, str(n), *(_cell(cells.get((st, m))) for _, m in columns))
        console.print(t)

    console.print("Means over each focal cohort, ± the wider half of the 95% interval "
                  "(full intervals: summary.parquet).", style="dim")
    table(f"Stage and opportunities after {years:g} years", [
        ("stage at start", "stage_start"), ("stage at end", "stage_end"),
        ("closest-5 stage", "closest5_stage_end"),
        ("opportunities / yr", "opportunities_per_year"),
        ("value / yr", "opportunity_value_per_year")])

    def by_origin(title, rows):
        t = Table(title=title, title_justify="left")
        t.add_column("origin", style="bold")
        for st in strategies:
            t.add_column(st, justify="right")
        for label, measure in rows:
            t.add_row(label, *(_cell(cells.get((st, measure))) for st in strategies))
        console.print(t)

    by_origin("Ties alive at the end, per person, by origin",
              [(o, f"ties_alive_{o}") for o in ORIGINS] + [("all", "ties_alive")])
    by_origin("Share of opportunities received through each tie origin",
              [(o, f"opportunity_share_{o}") for o in ORIGINS])


@app.command()
def validate(
    quick: Annotated[bool, typer.Option(
        "--quick", help="Smaller worlds (2,000 people, 3 years): a few minutes.")] = False,
    against: Annotated[Path | None, typer.Option(
        help="Observed edge list (CSV: source,target[,weight]) to compare with.")] = None,
    groups: Annotated[Path | None, typer.Option(
        help="Observed node table (CSV: node,group); groups become workplaces.")] = None,
    scenario: Annotated[str, typer.Option(
        help="Scenario to validate (built-in name or TOML, e.g. a fitted one).")] = "default",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    out: Annotated[Path | None, typer.Option(
        help="Folder for validation.md and validation.json (default runs/validation[-quick], "
             "or runs/validation-against).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress messages.")] = False,
) -> None:
    """Check the model against published findings, or against an observed network."""
    from jinmyaku.storage import files as io
    from jinmyaku.storage import markdown
    from jinmyaku.studies.validation import checks, observed

    if groups is not None and against is None:
        raise InputError("--groups needs --against EDGES.csv (the observed network).")
    sc = scenario_mod.load(scenario, seed=seed)
    say = show_progress.messages(err_console, quiet)
    if against is not None:
        e, group, _ = observed.load_observed(against, groups)
        out = out or Path("runs") / "validation-against"
        io.prepare_folder(out)
        say(f"simulating {e.n:,} people with scenario {sc.name!r} …")
        table = observed.compare(e, group, sc)
        t = Table(title=f"{against} beside a simulated network of the same size",
                  title_justify="left")
        for col in ("statistic", "observed", "simulated"):
            t.add_column(col, justify="left" if col == "statistic" else "right")
        for r in table.itertuples(index=False):
            t.add_row(r.statistic, f"{r.observed:.3g}", f"{r.simulated:.3g}")
        console.print(t)
        cmd = " ".join(["jinmyaku validate --against", str(against)]
                       + (["--groups", str(groups)] if groups else [])
                       + ["--scenario", scenario, "--seed", str(seed)])
        md = [f"## {against} beside a simulated network", "", f"Produced by `{cmd}`.", "",
              markdown.table(("statistic", "observed", "simulated"),
                             ((r.statistic, f"{r.observed:.4g}", f"{r.simulated:.4g}")
                              for r in table.itertuples(index=False)))]
        io.write_text(out / "validation.md", "\n".join(md) + "\n")
        io.write_text(out / "validation.json", table.to_json(orient="records", indent=2) + "\n")
        console.print(f"Written: {out / 'validation.md'}, {out / 'validation.json'}.")
        return
    out = out or Path("runs") / ("validation-quick" if quick else "validation")
    io.prepare_folder(out)
    started = time.perf_counter()
    rows = checks.run_suite(quick=quick, seed=seed, scenario=scenario, progress=say)
    elapsed = time.perf_counter() - started
    t = Table(title="Validation: the model against published findings", title_justify="left",
              show_lines=True)
    for col in ("check", "finding", "published", "simulated (95% interval)", "tolerance",
                "result"):
        t.add_column(col, overflow="fold")
    style = {"pass": "[green]pass[/]", "fail": "[red]fail[/]"}
    for r in rows:
        t.add_row(r.check, r.finding, r.published, r.simulated, r.tolerance,
                  style.get(r.status, r.status))
    console.print(t)
    cmd = "jinmyaku validate" + (" --quick" if quick else "") + (
        f" --scenario {scenario}" if scenario != "default" else "") + (
        f" --seed {seed}" if seed != 1 else "")
    io.write_text(out / "validation.md", checks.to_markdown(rows, "Validation table", cmd))
    io.write_text(out / "validation.json", checks.to_json(rows, {
        "jinmyaku": __version__, "command": cmd, "scenario": sc.name, "seed": seed,
        "quick": quick, "seconds": round(elapsed, 1)}))
    n_pass = sum(r.status == "pass" for r in rows)
    console.print(f"{n_pass} of {len(rows)} checks pass ({elapsed:.0f} s). Sources, tolerances "
                  f"and notes: {out / 'validation.md'} (and validation.json).")


@app.command()
def calibrate(
    against: Annotated[Path, typer.Option(
        help="Observed edge list (CSV: source,target[,weight]).")],
    groups: Annotated[Path | None, typer.Option(
        help="Observed node table (CSV: node,group); groups become workplaces.")] = None,
    scenario: Annotated[str, typer.Option(help="Scenario to start from.")] = "default",
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="Fixed override applied before fitting, e.g. population.years=2.")] = None,
    draws: Annotated[int, typer.Option(min=8, help="Simulations (ABC draws).")] = 60,
    accept: Annotated[float, typer.Option(
        min=0.05, max=1.0, help="Share of draws kept.")] = 0.25,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    out: Annotated[Path, typer.Option(
        help="Where to write the fitted scenario (TOML).")] = Path("runs/fitted.toml"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Fit tie decay, focus contact rate and outside mixing to an observed network (ABC)."""
    from jinmyaku.storage import files as io
    from jinmyaku.studies.validation import calibrate as cal
    from jinmyaku.studies.validation import observed

    e, group, _ = observed.load_observed(against, groups)
    sc = scenario_mod.load(scenario, list(set_ or []), seed=seed)
    io.prepare_folder(out.parent if str(out.parent) else Path("."))
    with show_progress.bar(err_console, f"ABC on {e.n:,} people", unit="draws",
                           quiet=quiet) as update:
        fit = cal.calibrate(e, group, sc, draws=draws, accept=accept, seed=seed,
                            progress=update)
    t = Table(title=f"Fitted to {against} (rejection ABC, {len(fit.accepted)} of {draws} "
                    f"draws kept)", title_justify="left")
    for col in ("parameter", "key", "fitted", "95% interval", "prior"):
        t.add_column(col)
    for p in fit.params:
        lo, hi = fit.interval[p.name]
        t.add_row(p.name, p.key, f"{fit.estimate[p.name]:.4g}", f"[{lo:.4g}, {hi:.4g}]",
                  f"{'log-' if p.log else ''}uniform [{p.lo:g}, {p.hi:g}]")
    console.print(t)
    io.write_text(out, cal.fitted_scenario(sc, fit, e.n, str(against)))
    console.print(f"Fitted scenario written to [bold]{out}[/]; compare with "
                  f"[bold]jinmyaku validate --against {against}"
                  f"{' --groups ' + str(groups) if groups else ''} --scenario {out}[/].")


@app.command()
def sweep(
    spec: Annotated[Path, typer.Argument(
        help="Sweep spec (TOML, see docs/sweep.md) or a built-in sweep's name (example).")],
    out: Annotated[Path | None, typer.Option(help="Sweep folder (default sweeps/NAME).")] = None,
    workers: Annotated[int | None, typer.Option(
        help="Worker processes (default: one per core; 0: in this process).")] = None,
    dask: Annotated[str | None, typer.Option(
        help="Run on a Dask cluster: a scheduler address, or 'local' for a LocalCluster.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run a sweep over parameters (grid, random, Sobol' or Morris); resume if interrupted."""
    from jinmyaku.studies.sweep import run_sweep
    from jinmyaku.studies.sweep.report import show

    try:
        with show_progress.bar(err_console, f"sweep {spec.stem}", unit="runs", quiet=quiet,
                               resumed=True) as update:
            result = run_sweep(spec, out, workers=workers, dask=dask, progress=update)
    except KeyboardInterrupt:
        err_console.print("interrupted: every run stored so far is kept; run the same "
                          "command again to resume.")
        raise typer.Exit(130) from None
    show(result, console)


@experiment_app.command("claims")
def experiment_claims(
    quick: Annotated[bool, typer.Option(
        "--quick", help="Smaller worlds and fewer runs (a few minutes on 2 cores).")] = False,
    out: Annotated[Path | None, typer.Option(
        help="Report folder (default reports/claims or reports/claims-quick).")] = None,
    replicates: Annotated[int | None, typer.Option(
        help="Replicate worlds (at least 2; default 4 quick, 10 full).")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the first replicate.")] = None,
    people: Annotated[int | None, typer.Option(
        help="Population of each replicate world (cohorts scale with it).")] = None,
    years: Annotated[float | None, typer.Option(
        help="Horizon of each replicate world (at least 1.5: survival is read at one year, "
             "the shock a year before the end).")] = None,
    scenario: Annotated[str, typer.Option(
        help="Base scenario (built-in name or TOML file).")] = "default",
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="Override a parameter of the base scenario: KEY=VALUE.")] = None,
    sensitivity: Annotated[bool, typer.Option(
        "--sensitivity/--no-sensitivity", help="Run the Morris sensitivity analysis.")] = True,
    workers: Annotated[int | None, typer.Option(
        help="Worker processes (default: one per core; 0 = in this process).")] = None,
    dask: Annotated[str | None, typer.Option(
        help="Run on a Dask cluster: a scheduler address, or 'local'.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Test the post's six claims: replicates, effects with 95% intervals, where each flips."""
    from jinmyaku.storage.files import prepare_folder
    from jinmyaku.studies.claims import experiment as ex
    from jinmyaku.studies.claims.report import VERDICT_MARK, ci_text, write_report

    base = ex.QUICK if quick else ex.FULL
    if replicates is not None and replicates < 2:
        raise InputError(f"--replicates {replicates}: give at least 2 (an interval needs two "
                         f"replicate worlds).")
    if years is not None and years < 1.5:
        raise InputError(f"--years {years:g}: give at least 1.5 (survival is read at one year "
                         f"and the shock is given a year before the end).")
    cohort_size = None
    if people is not None:
        cohort_size = max(10, round(base.cohort_size * people / base.people))
    design = ex.design_with(base, replicates=replicates, seed=seed, scenario=scenario,
                            people=people, years=years, cohort_size=cohort_size,
                            overrides=tuple(set_ or base.overrides),
                            sens_trajectories=None if sensitivity else 0)
    ex.check(design, workers, dask)  # before anything runs or is written
    out = out or Path("reports") / ("claims-quick" if quick else "claims")
    prepare_folder(out)
    with show_progress.bar(err_console, "claims", unit="runs", quiet=quiet) as update:
        result = ex.run_claims(design, workers=workers, dask=dask,
                               progress=lambda stage, done, total: update(done, total, stage))
    write_report(result, out)
    t = Table(title="The six claims (headline effect > 0 supports the claim)",
              title_justify="left")
    for col in ("claim", "verdict", "headline effect", "mean [95% CI]", "holds*"):
        t.add_column(col)
    for r in result.verdicts.to_dict("records"):
        share = r["holds_share"]
        t.add_row(r["claim"].upper(), VERDICT_MARK[r["verdict"]],
                  r["headline"].split(".", 1)[1], ci_text(r),
                  "–" if share != share else f"{100 * share:.0f}%")
    console.print(t)
    console.print("* share of the sensitivity points where the claimed direction holds",
                  style="dim")
    console.print(f"{design.replicates} replicates and {design.sens_runs if sensitivity else 0} "
                  f"sensitivity runs in {result.seconds:.0f} s. Report: "
                  f"[bold]{out / 'report.html'}[/] (and report.md, figures/, tables).")


@scenarios_app.callback(invoke_without_command=True)
def scenarios(ctx: typer.Context) -> None:
    """List the built-in scenarios."""
    if ctx.invoked_subcommand is not None:
        return
    t = Table(title="Built-in scenarios", title_justify="left")
    t.add_column("name", style="bold")
    t.add_column("description")
    for name in scenario_mod.builtin_names():
        t.add_row(name, scenario_mod.load(name).description)
    console.print(t)
    console.print("Print one in full with [bold]jinmyaku scenarios show NAME[/].")


@scenarios_app.command("show")
def scenarios_show(name: Annotated[str, typer.Argument(help="Built-in scenario name.")]) -> None:
    """Print a built-in scenario with every parameter, as TOML to copy and edit."""
    if name not in scenario_mod.builtin_names():
        raise InputError(f"no built-in scenario {name!r}; built-in: "
                         f"{', '.join(scenario_mod.builtin_names())}.")
    sc = scenario_mod.load(name)
    if sc.cohorts.size is None:
        sys.stdout.write(f"# cohorts.size is not given: it follows the population, "
                         f"min(500, people // (2 × strategies)), {sc.cohort_size} here.\n")
    sys.stdout.write(sc.to_toml(resolved=False))


class _Terminated(BaseException):
    """SIGTERM, raised where the program is, so that clean-up code runs as for Ctrl-C."""


def _on_sigterm(signum, frame) -> None:
    raise _Terminated


def setup_process() -> None:
    """What the ``jinmyaku`` program (not the library) does to its process, once, first.

    * ``GOMP_SPINCOUNT=300`` unless the user set it. Numba's parallel loops run
      on OpenMP threads (libgomp), which by default spin about 300,000 turns at
      the end of every loop before they sleep; two runs sharing the cores then
      spend their time slices spinning (two default runs side by side took 147 s
      each, against 9 s for one alone). A short spin keeps one run's speed and
      lets runs share (16 s for the pair). It must be set before libgomp is
      loaded, by the first parallel kernel; worker processes inherit it. See
      bench/README.md, "fifth pass". Library users who want the same set it in
      their environment.
    * The kernel cache folder of this source version is created and older
      versions' folders are pruned (:func:`jinmyaku._kernel_cache.prepare`).
    """
    os.environ.setdefault("GOMP_SPINCOUNT", "300")
    _kernel_cache.prepare()


def main(argv: list[str] | None = None) -> int:
    """Entry point: user errors get one paragraph and exit status 2, never a traceback.

    Usage errors (unknown option, missing argument) are reported by typer
    with exit status 2; :class:`InputError` from any command is reported here.
    Ctrl-C exits with 130 and SIGTERM with 143, both after removing temporary
    files (a spilled tie ledger).
    """
    setup_process()
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not in the main thread: leave signals alone
        previous = None
    try:
        app(args=argv, prog_name="jinmyaku", standalone_mode=True)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except InputError as e:
        err_console.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err_console.print("interrupted: no complete run folder was written (no manifest.json).")
        return 130
    except _Terminated:
        err_console.print("terminated: no complete run folder was written (no manifest.json).")
        return 143
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0


def entry() -> None:
    """Console-script wrapper around :func:`main`."""
    sys.exit(main())
