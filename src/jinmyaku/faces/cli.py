"""The command line: ``jinmyaku run``, ``report``, ``compare``, ``scenarios``, ``validate``,
``calibrate``, ``sweep``, ``experiment``; the personal mode ``me`` is
:mod:`jinmyaku.faces.me`."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

import jinmyaku._kernel_cache as _kernel_cache
from jinmyaku._version import __version__
from jinmyaku.errors import InputError
from jinmyaku.faces import STARTING_INTERRUPTED, tables
from jinmyaku.faces import progress as show_progress
from jinmyaku.faces.me import me_app
from jinmyaku.faces.render.i18n import check_lang
from jinmyaku.model import scenario as scenario_mod
from jinmyaku.storage import memory

if TYPE_CHECKING:  # imported when a command runs: importing the studies takes a while
    from jinmyaku.studies.validation.calibrate import Calibration

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="jinmyaku (人脈): how a person's network forms, changes and pays off.")
scenarios_app = typer.Typer(help="List built-in scenarios, or print one as TOML.")
app.add_typer(scenarios_app, name="scenarios")
experiment_app = typer.Typer(help="Named experiments over many runs.", no_args_is_help=True)
app.add_typer(experiment_app, name="experiment")
app.add_typer(me_app, name="me")
console = Console()
err_console = Console(stderr=True)


def lit(value: object) -> str:
    """``value`` as text to put inside rich markup, shown literally: user text (paths,
    scenario and strategy names, keys) may hold brackets such as ``[draft]`` or ``[/x]``."""
    return escape(str(value))


def say_error(message: str) -> None:
    """One paragraph on stderr, ``error:`` in bold red, the message exactly as given."""
    err_console.print(Text.assemble(("error:", "bold red"), " ", message), highlight=False,
                      soft_wrap=True)


@contextlib.contextmanager
def writing(what: str, path: Path, kept: str):
    """Turn an OSError while writing ``what`` to ``path`` (a full disk, a lost mount) into
    an InputError saying what was kept (``kept``)."""
    try:
        yield
    except OSError as e:
        raise InputError(f"{path}: writing {what} failed ({e.strerror or e}); {kept}") from None


def default_run_folder(sc: scenario_mod.Scenario, sets: list[str]) -> Path:
    """``runs/NAME-seedN``, or ``runs/NAME-seedN-HASH`` when parameters were overridden
    (``--set``, ``--people``, ``--years``): HASH is 8 hex digits of the SHA-256 of the
    overrides (``KEY=VALUE``, the last value of each key, sorted by key; the seed is in
    the name already), so runs with other parameters do not overwrite each other."""
    given: dict[str, str] = {}
    for item in sets:
        key, _, value = item.partition("=")
        if key.strip() != "seed":
            given[key.strip()] = value.strip()
    name = f"{sc.name}-seed{sc.seed}"
    if given:
        text = "\n".join(f"{k}={v}" for k, v in sorted(given.items()))
        name += "-" + hashlib.sha256(text.encode()).hexdigest()[:8]
    return Path("runs") / name


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
        help="Run folder (default runs/NAME-seedN; with --set, --people or --years "
             "runs/NAME-seedN-HASH, HASH from the overrides).")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set",
        help="Override a parameter: KEY=VALUE, e.g. processes.mixers.encounters=4.")] = None,
    export_graph: Annotated[bool, typer.Option(
        "--export-graph", help="Also write the final network as GraphML.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    format_: Annotated[tables.Format, typer.Option(
        "--format", help="table: for people; json or csv: the numbers, for scripts "
                         "(docs/simulate.md lists the keys).")] = tables.Format.table,
    lang: Annotated[str | None, typer.Option(
        help="Language of report.html: en or ja (default: the locale's, ja for LANG=ja_*, "
             "else en).")] = None,
) -> None:
    """Run a scenario, show what each strategy did for the people who followed it, and
    write the run folder with report.html."""
    global _INTERRUPTED
    _INTERRUPTED = "no complete run folder was written (no manifest.json)."
    from jinmyaku.storage.folders import OutputFolder
    from jinmyaku.studies import compare as compare_mod
    from jinmyaku.studies.results import Results, run_files, simulation

    sets = list(set_ or [])
    for key, value in (("population.people", people), ("population.years", years)):
        if value is not None:
            sets.append(f"{key}={value}")
    sc = scenario_mod.load(scenario, sets, seed=seed)
    lang = check_lang(lang)
    memory.check(sc)  # before anything is written
    out = out or default_run_folder(sc, sets)
    # report.html's name, without loading the renderer (matplotlib) before the run
    folder = OutputFolder(out, "run folder", writes=(*run_files(export_graph), "report.html"))
    _INTERRUPTED = lambda: (  # noqa: E731  (said when interrupted: the folder swapped in?)
        f"the run folder {out} was written whole (manifest.json last); only the summary "
        f"was not shown." if folder.swapped else
        "no complete run folder was written (no manifest.json).")
    folder.claim()  # one writer per folder, no file of the user's in the way, before the run
    try:  # released also when interrupted while the world is built
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
                vs = compare_mod.versus(results)

                def report(staging: Path) -> list[str]:
                    from jinmyaku.faces.render import run_report

                    return [run_report.write(results, vs, staging, lang)]

                files = results.write(folder, export_graph=export_graph, extra=report)
                if format_ is tables.Format.json:
                    sys.stdout.write(tables.run_json(results, vs, str(out), files))
                elif format_ is tables.Format.csv:
                    sys.stdout.write(tables.run_csv(results, vs))
                else:
                    tables.show_run(console, results, vs)
            finally:
                results.close()
        finally:
            sim.close()
    finally:
        folder.release()
    done = (f"{throughput(sc.population.people, started, week_done, elapsed)} "
            f"Results in [bold]{lit(out)}[/] ({', '.join(files)}).")
    if format_ is tables.Format.table:
        console.print(f"\n{done}")
    elif not quiet:
        err_console.print(done)


@app.command()
def compare(
    run_a: Annotated[Path, typer.Argument(help="Run folder A (the reference).")],
    run_b: Annotated[Path, typer.Argument(help="Run folder B (the change).")],
    format_: Annotated[tables.Format, typer.Option(
        "--format", help="table: for people; json or csv: the numbers, for scripts "
                         "(docs/simulate.md lists the keys).")] = tables.Format.table,
) -> None:
    """Compare two runs with the same seed and population, person by person (B − A)."""
    from jinmyaku.studies import compare as compare_mod
    from jinmyaku.studies.results import Results

    a, b = Results.read(run_a), Results.read(run_b)  # manifests and checksums first
    comp = compare_mod.paired(a, b, f"run A ({run_a})", f"run B ({run_b})")
    if format_ is tables.Format.json:
        sys.stdout.write(tables.compare_json(comp, str(run_a), str(run_b)))
    elif format_ is tables.Format.csv:
        sys.stdout.write(tables.compare_csv(comp))
    else:
        tables.show_compare(console, comp, str(run_a), str(run_b))


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run folder written by jinmyaku run.")],
    lang: Annotated[str | None, typer.Option(
        help="Language: en or ja (default: the locale's, ja for LANG=ja_*, else en).")] = None,
) -> None:
    """Rebuild report.html of a run folder from its files (e.g. in another language)."""
    global _INTERRUPTED
    _INTERRUPTED = "report.html and manifest.json are each as they were or rebuilt whole."
    from jinmyaku.faces.render import run_report

    lang = check_lang(lang)
    path = run_report.rebuild(run_dir, lang)
    console.print(f"Written: [bold]{lit(path)}[/] ({lang}).")


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


EDGES_HELP = ("Observed edge list: CSV, headerless CSV, tab- or whitespace-separated text "
              "(.tsv, .txt, .edges) or GraphML; source, target[, weight] (docs/validation.md)")
DEFAULT_SEEDS = 3        # validate --against and calibrate --against: seeds by default
MAX_VALIDATE_SEEDS = 100
MAX_CALIBRATE_SEEDS = 20  # = studies.validation.calibrate.MAX_SEEDS (not imported here)


@app.command()
def validate(
    quick: Annotated[bool, typer.Option(
        "--quick", help="Smaller worlds (2,000 people, 3 years): a few minutes.")] = False,
    against: Annotated[Path | None, typer.Option(
        help=EDGES_HELP + " to compare with.")] = None,
    groups: Annotated[Path | None, typer.Option(
        help="Observed node table (CSV: node,group); groups become workplaces, held fixed "
             "(no job changes).")] = None,
    scenario: Annotated[str, typer.Option(
        help="Scenario to validate (built-in name or TOML, e.g. a fitted one).")] = "default",
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="With --against: override a parameter of the scenario, KEY=VALUE "
                      "(repeatable), as in run and calibrate.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    seeds: Annotated[int | None, typer.Option(
        min=1, max=MAX_VALIDATE_SEEDS,
        help="With --against: simulate with seeds SEED … SEED+N−1 and report the mean and "
             "range of each statistic (default 3).")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Folder for validation.md and validation.json (default runs/validation[-quick], "
             "or runs/validation-against).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress messages.")] = False,
) -> None:
    """Check the model against published findings, or against an observed network."""
    global _INTERRUPTED
    _INTERRUPTED = "no validation folder was written; one already there is left as it was."
    from jinmyaku.storage import files as io
    from jinmyaku.storage.folders import OutputFolder
    from jinmyaku.studies.validation import checks, observed, suite

    for given, option in ((groups, "--groups"), (set_, "--set"), (seeds, "--seeds")):
        if given is not None and against is None:
            raise InputError(f"{option} needs --against EDGES (the observed network); the "
                             f"suite of published findings runs the scenario as it is.")
    sets = list(set_ or [])
    n_seeds = seeds if seeds is not None else DEFAULT_SEEDS
    sc = scenario_mod.load(scenario, sets, seed=seed)
    say = show_progress.messages(err_console, quiet)
    if against is not None:
        e, group, _ = observed.load_observed(against, groups)
        sized = observed.sized_scenario(sc, e.n)
        check_memory(sized, f"comparing with {against} simulates a world of its size", (
            "The observed network sets the population; give --scenario a scenario file "
            "with a shorter horizon (population.years), or compare a smaller network."))
        out = out or Path("runs") / "validation-against"
    else:
        sized = checks.suite_scenario(scenario, quick, seed)
        check_memory(sized, "the validation suite's main run", lambda fits: (
            ("Use --quick (2,000 people for 3 years), or give" if not quick else "Give")
            + f" --scenario a scenario file with population.people = {fits:,} or fewer "
            f"(or a shorter population.years)."))
        out = out or Path("runs") / ("validation-quick" if quick else "validation")
    folder = OutputFolder(out, "validation folder", known=VALIDATION_FILES)
    folder.claim()  # before anything runs: one writer, a writable folder
    try:
        if against is not None:
            md, js = _validate_against(against, groups, e, group, sc, scenario, seed, say,
                                       sets, n_seeds)
            meta = {"jinmyaku": __version__, "against": str(against), "scenario": sc.name,
                    "seed": seed, "seeds": n_seeds, "set": sets}
            done = f"Written: {lit(out / 'validation.md')}, {lit(out / 'validation.json')}."
        else:
            started = time.perf_counter()
            tables = suite.run(quick=quick, seed=seed, scenario=scenario, progress=say)
            rows = tables.rows
            elapsed = time.perf_counter() - started
            t = Table(title="Validation: the model against published findings",
                      title_justify="left", show_lines=True)
            for col in ("check", "finding", "published", "simulated (95% interval)",
                        "tolerance", "result"):
                t.add_column(col, overflow="fold")
            style = {"pass": "[green]pass[/]", "fail": "[red]fail[/]"}
            for r in rows:
                t.add_row(lit(r.check), lit(r.finding), lit(r.published), lit(r.simulated),
                          lit(r.tolerance), style.get(r.status, lit(r.status)))
            console.print(t)
            t = Table(title="Pattern suite (issue 16): contacts per tie in 52-week windows",
                      title_justify="left", show_lines=True)
            for col in ("check", "finding", "published", "simulated (95% interval)",
                        "tolerance", "result", "calls channel"):
                t.add_column(col, overflow="fold")
            for r, c in zip(tables.patterns, tables.patterns_calls, strict=True):
                t.add_row(lit(r.check), lit(r.finding), lit(r.published), lit(r.simulated),
                          lit(r.tolerance), style.get(r.status, lit(r.status)),
                          style.get(c.status, lit(c.status)))
            console.print(t)
            cmd = "jinmyaku validate" + (" --quick" if quick else "") + (
                f" --scenario {scenario}" if scenario != "default" else "") + (
                f" --seed {seed}" if seed != 1 else "")
            meta = {"jinmyaku": __version__, "command": cmd, "scenario": sc.name,
                    "seed": seed, "quick": quick}
            md = suite.to_markdown(tables, "Validation table", cmd)
            js = suite.to_json(tables, {**meta, "seconds": round(elapsed, 1)})
            n_pass = sum(r.status == "pass" for r in rows)
            done = (f"{n_pass} of {len(rows)} checks pass; pattern suite: "
                    f"{suite.tally(tables.patterns)} ({elapsed:.0f} s). Sources, "
                    f"tolerances and notes: {lit(out / 'validation.md')} (and "
                    f"validation.json).")

        def fill(staging: Path) -> list[str]:
            io.write_text(staging / "validation.md", md)
            io.write_text(staging / "validation.json", js)
            files = ["validation.md", "validation.json"]
            io.write_manifest(staging, files, {**meta, "output": "validation"})
            return files

        with writing("the validation folder", out, "the folder was left as it was."):
            folder.write(fill)
    finally:
        folder.release()
    console.print(done)


# What a validation folder written before validation folders had a manifest held.
VALIDATION_FILES = ("validation.md", "validation.json")


def _validate_against(against: Path, groups: Path | None, e, group, sc: scenario_mod.Scenario,
                      scenario: str, seed: int, say, sets: list[str],
                      n_seeds: int) -> tuple[str, str]:
    """Compare with the observed network, simulated with seeds ``seed`` … ``seed + n_seeds
    − 1``; print the table; return (Markdown, JSON)."""
    from jinmyaku.storage import markdown
    from jinmyaku.studies.validation import observed

    plural = "s" if n_seeds > 1 else ""
    say(f"simulating {e.n:,} people with scenario {sc.name!r}, {n_seeds} seed{plural} …")
    seeds = [seed + k for k in range(n_seeds)]
    table = observed.compare(e, group, sc, seeds=seeds)
    several = n_seeds > 1
    sim_col = f"simulated (mean of {n_seeds} seeds)" if several else "simulated"
    cols = ("statistic", "observed", sim_col) + (("range over seeds",) if several else ())

    def cells(r, digits: int) -> tuple[str, ...]:
        out = (r.statistic, f"{r.observed:.{digits}g}", f"{r.simulated:.{digits}g}")
        if several:
            out += (f"{r.simulated_min:.{digits}g} – {r.simulated_max:.{digits}g}",)
        return out

    t = Table(title=f"{lit(against)} beside simulated networks of the same size "
                    f"(seed{plural} {seeds[0]}{f'–{seeds[-1]}' if several else ''})",
              title_justify="left")
    for col in cols:
        t.add_column(col, justify="left" if col == "statistic" else "right")
    for r in table.itertuples(index=False):
        t.add_row(*(lit(c) for c in cells(r, 3)))
    console.print(t)
    if group is not None:
        console.print("Observed groups held fixed: no job changes in the simulated runs "
                      "(docs/validation.md).")
    cmd = " ".join(["jinmyaku validate --against", str(against)]
                   + (["--groups", str(groups)] if groups else [])
                   + ["--scenario", scenario] + [f"--set {s}" for s in sets]
                   + ["--seed", str(seed), "--seeds", str(n_seeds)])
    md = [f"## {against} beside a simulated network", "", f"Produced by `{cmd}`.", ""]
    if group is not None:
        md += ["The observed groups are the simulated people's workplaces for the whole run "
               "(job changes off), so the share of ties inside groups is measured on the "
               "observed grouping.", ""]
    md.append(markdown.table(cols, (cells(r, 4) for r in table.itertuples(index=False))))
    return "\n".join(md) + "\n", table.to_json(orient="records", indent=2) + "\n"


def check_memory(sc: scenario_mod.Scenario, what: str, advice) -> None:
    """Refuse (InputError) a simulation of ``sc`` that cannot fit in the memory available,
    before anything runs, advising options the command has: ``advice`` is the text, or
    a function of the largest population that fits for the horizon."""
    limit = memory.available()
    if limit is None:
        return
    need = memory.estimate(sc, spill_rows=None)  # these runs keep the tie ledger in memory
    if need <= limit:
        return
    fits = memory.largest(sc, limit, spill_rows=None)
    raise InputError(
        f"{what}: {sc.population.people:,} people for {sc.population.years:g} years with "
        f"scenario {sc.name!r} need an estimated {need / 2**30:.1f} GiB, but only "
        f"{limit / 2**30:.1f} GiB is available. "
        f"{advice(fits) if callable(advice) else advice}")


def check_file_out(out: Path, what: str) -> None:
    """Before any work: ``out`` (a file to write) is not a folder and its folder is
    writable (created if need be); InputError if not."""
    from jinmyaku.storage import files as io

    if out.is_dir():
        raise InputError(f"{out}: is a folder; --out names the {what} file to write, e.g. "
                         f"{out / 'fitted.toml'}.")
    io.prepare_folder(out.parent if str(out.parent) else Path("."))


@app.command()
def calibrate(
    against: Annotated[Path, typer.Option(help=EDGES_HELP + ".")],
    groups: Annotated[Path | None, typer.Option(
        help="Observed node table (CSV: node,group); groups become workplaces, held fixed "
             "(no job changes).")] = None,
    scenario: Annotated[str, typer.Option(help="Scenario to start from.")] = "default",
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="Fixed override applied before fitting, e.g. population.years=2.")] = None,
    draws: Annotated[int, typer.Option(min=8, help="Simulations (ABC draws) per seed.")] = 60,
    accept: Annotated[float, typer.Option(
        min=0.05, max=1.0, help="Share of draws kept.")] = 0.25,
    seed: Annotated[int, typer.Option(help="Random seed (the seeds below derive from it).")] = 1,
    seeds: Annotated[int, typer.Option(
        min=1, max=MAX_CALIBRATE_SEEDS,
        help="Independent ABC replicates (design and simulation seeds derived from --seed); "
             "the written fit pools them.")] = DEFAULT_SEEDS,
    out: Annotated[Path, typer.Option(
        help="Where to write the fitted scenario (TOML).")] = Path("runs/fitted.toml"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Fit tie memory, focus contact rate and outside mixing to an observed network (ABC),
    with several seeds; print each seed's fit, the statistics the fit reached and warnings."""
    global _INTERRUPTED
    _INTERRUPTED = f"no fitted scenario was written; a file {out} already there is left as it was."
    from jinmyaku.storage import files as io
    from jinmyaku.studies.validation import calibrate as cal
    from jinmyaku.studies.validation import observed

    e, group, _ = observed.load_observed(against, groups)
    sc = scenario_mod.load(scenario, list(set_ or []), seed=seed)
    check_file_out(out, "fitted scenario")  # before any draw
    check_memory(observed.sized_scenario(sc, e.n), f"fitting to {against} simulates a world "
                 f"of its size", "The observed network sets the population; shorten the "
                 "horizon with --set population.years=…, or fit a smaller network.")
    with show_progress.bar(err_console, f"ABC on {e.n:,} people, {seeds} seed"
                           f"{'s' if seeds > 1 else ''}", unit="runs", quiet=quiet) as update:
        fit = cal.calibrate(e, group, sc, draws=draws, accept=accept, seed=seed, seeds=seeds,
                            progress=update)
    show_calibration(fit, against, draws)
    with writing("the fitted scenario", out, "a file already there is left as it was."):
        io.write_text(out, cal.fitted_scenario(sc, fit, e.n, str(against)))
    console.print(f"Fitted scenario (pooled fit) written to [bold]{lit(out)}[/], its header "
                  f"recording the above; compare with [bold]jinmyaku validate --against "
                  f"{lit(against)}{' --groups ' + lit(groups) if groups else ''} --scenario "
                  f"{lit(out)} --seed {seed} --seeds {seeds}[/].")


def say_warning(message: str) -> None:
    """One paragraph on the console, ``warning:`` in bold yellow, the message in yellow."""
    console.print(Text.assemble(("warning:", "bold yellow"), " ", (message, "yellow")),
                  highlight=False, soft_wrap=True)


def show_calibration(fit: Calibration, against: Path, draws: int) -> None:
    """Print a :class:`~jinmyaku.studies.validation.calibrate.Calibration`: each seed's fit
    and the pooled one, whether the seeds agree, the statistics reached beside the observed
    ones with relative errors and the range the draws reached, then the warnings."""
    import math

    from jinmyaku.studies.validation import calibrate as cal

    n = len(fit.fits)
    t = Table(title=f"Fitted to {lit(against)} (rejection ABC; {n} seed{'s' if n > 1 else ''} × "
                    f"{draws} draws, {fit.accepted} kept in all): median \\[95% interval]",
              title_justify="left")
    t.add_column("fit", overflow="fold")
    for p in fit.params:
        t.add_column(f"{p.name}\n{p.key}\n{'log-' if p.log else ''}uniform "
                     f"\\[{p.lo:g}, {p.hi:g}]", justify="right", overflow="fold")

    def cell(est: float, ci: tuple[float, float]) -> str:
        return f"{est:.4g} \\[{ci[0]:.4g}, {ci[1]:.4g}]"

    if n > 1:
        for f in fit.fits:
            t.add_row(f"seed {f.replicate + 1} (runs {f.sim_seeds[0]}–{f.sim_seeds[1]})",
                      *(cell(f.estimate[p.name], f.interval[p.name]) for p in fit.params))
    t.add_row("[bold]pooled (written)[/]" if n > 1 else "[bold]fitted (written)[/]",
              *(cell(fit.estimate[p.name], fit.interval[p.name]) for p in fit.params))
    if n > 1:
        t.add_row("seeds agree", *("[green]yes[/]" if fit.agree[p.name] else "[yellow]no[/]"
                                   for p in fit.params))
    console.print(t)
    if n > 1:
        console.print("Seeds agree when each seed's median lies inside every other seed's 95% "
                      "interval; the pooled fit pools all seeds' accepted draws, each seed "
                      "weighing the same.")
    seeds = fit.reach_seeds
    runs = f"seed{'s' if len(seeds) > 1 else ''} {seeds[0]}" + (
        f"–{seeds[-1]}" if len(seeds) > 1 else "")
    t = Table(title=f"What the fitted scenario reached (mean of {len(seeds)} "
                    f"run{'s' if len(seeds) > 1 else ''}, {runs})", title_justify="left")
    for col in ("statistic", "observed", "reached at the fit", "relative error",
                f"reached by the {fit.draws} draws"):
        t.add_column(col, justify="left" if col == "statistic" else "right")
    for k in fit.keys:
        err = fit.relative_error(k)
        lo, hi = fit.drawn[k]
        obs = fit.observed[k]
        outside = math.isfinite(obs) and (obs < lo or obs > hi)
        t.add_row(lit(cal.SUMMARY_LABELS[k]),
                  f"[yellow]{obs:.4g}[/]" if outside else f"{obs:.4g}",
                  f"{fit.reached[k][0]:.4g}", f"{err:+.1%}" if math.isfinite(err) else "—",
                  f"\\[{lo:.4g}, {hi:.4g}]")
    console.print(t)
    for w in fit.warnings:
        say_warning(w)
    if not fit.warnings:
        console.print(f"No warning: every observed statistic lies within what the draws reach, "
                      f"no fitted value is within {cal.EDGE:.0%} of a prior bound"
                      + (", the seeds agree." if n > 1 else "."))


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
    global _INTERRUPTED
    _INTERRUPTED = "every run stored so far is kept; run the same command again to resume."
    from jinmyaku.studies.sweep import run_sweep
    from jinmyaku.studies.sweep.report import show

    with show_progress.bar(err_console, f"sweep {spec.stem}", unit="runs", quiet=quiet,
                           resumed=True) as update:
        result = run_sweep(spec, out, workers=workers, dask=dask, progress=update)
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
        "--sensitivity/--no-sensitivity",
        help="Run the sensitivity analysis (Sobol', balanced; where each claim flips).")] = True,
    workers: Annotated[int | None, typer.Option(
        help="Worker processes (default: one per core; 0 = in this process).")] = None,
    dask: Annotated[str | None, typer.Option(
        help="Run on a Dask cluster: a scheduler address, or 'local'.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    lang: Annotated[str | None, typer.Option(
        help="Language of report.html and report.md: en or ja (default: the locale's); "
             "the CSV tables and the figures' own labels stay in English.")] = None,
) -> None:
    """Test the post's six claims: replicates, effects with 95% intervals, where each flips."""
    lang = check_lang(lang)
    from jinmyaku.faces.render.claims_report import (
        REPORT_FILES,
        VERDICT_MARK,
        ci_text,
        write_report,
    )
    from jinmyaku.storage.folders import OutputFolder
    from jinmyaku.studies.claims import experiment as ex

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
    global _INTERRUPTED
    _INTERRUPTED = "no report was written; a report folder already there is left as it was."
    folder = OutputFolder(out, "report folder", writes=REPORT_FILES)
    folder.claim()  # before anything runs: one writer, a writable folder, no file in the way
    try:
        with show_progress.bar(err_console, "claims", unit="runs", quiet=quiet) as update:
            result = ex.run_claims(design, workers=workers, dask=dask,
                                   progress=lambda stage, done, total: update(done, total,
                                                                              stage))
        write_report(result, folder, lang)
    finally:
        folder.release()
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
    console.print("* share of the sensitivity points where the headline reaches its minimal "
                  "meaningful difference",
                  style="dim")
    console.print(f"{design.replicates} replicates and {design.sens_runs if sensitivity else 0} "
                  f"sensitivity runs in {result.seconds:.0f} s. Report: "
                  f"[bold]{lit(out / 'report.html')}[/] (and report.md, figures/, tables).")


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


def _in_llvm_callback(frame) -> bool:
    """Whether ``frame`` runs inside llvmlite's object-cache callbacks, which LLVM calls
    through ctypes while Numba compiles or loads a kernel. An exception raised there
    cannot leave the callback: ctypes prints it ("Exception ignored") and goes on."""
    while frame is not None:
        code = frame.f_code
        if code.co_name.startswith("_raw_object_cache_") and "llvmlite" in code.co_filename:
            return True
        frame = frame.f_back
    return False


def _raise_later(signum: int) -> None:
    """Send ``signum`` to this process again in a moment (from a thread)."""
    import threading

    threading.Timer(0.02, os.kill, (os.getpid(), signum)).start()


def _on_sigint(signum, frame) -> None:
    """Ctrl-C: KeyboardInterrupt, or, inside an LLVM callback, again a moment later."""
    if _in_llvm_callback(frame):
        _raise_later(signum)
        return
    raise KeyboardInterrupt


def _unraisable_interrupt(hook):
    """An ``sys.unraisablehook`` that, for an interruption raised where it cannot leave
    (a weakref or garbage-collector callback, a ``__del__``, a ctypes callback), prints
    nothing and sends the signal again a moment later; anything else goes to ``hook``.
    Without it, Python prints "Exception ignored … KeyboardInterrupt" with a traceback
    and the interruption is lost."""
    def unraisable(u) -> None:
        if u.exc_type is KeyboardInterrupt:
            _raise_later(signal.SIGINT)
        elif u.exc_type is _Terminated:
            _raise_later(signal.SIGTERM)
        else:
            hook(u)
    return unraisable


def _on_sigterm(signum, frame) -> None:
    if _in_llvm_callback(frame):
        _raise_later(signum)
        return
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
    * A population refused above the cap also names the largest that fits this
      machine's memory (the model cannot import the storage layer, so the
      program registers the advice; importing the library registers nothing).
    """
    os.environ.setdefault("GOMP_SPINCOUNT", "300")
    _kernel_cache.prepare()
    scenario_mod.advise_on_people_cap(memory.cap_advice)


# What an interruption leaves, said after "interrupted:"; each command sets its own.
_INTERRUPTED = "the command was stopped before it wrote anything."


def interruption(e: BaseException) -> int | None:
    """130 (Ctrl-C) or 143 (SIGTERM) if ``e`` is an interruption, else None.

    A signal arriving while a compiled (Numba) kernel runs surfaces as a
    ``SystemError`` whose cause or context is the KeyboardInterrupt (or the
    SIGTERM exception) raised by the handler; typer turns Ctrl-C into exit
    status 130 (a SystemExit whose context is the KeyboardInterrupt).
    """
    if isinstance(e, KeyboardInterrupt):
        return 130
    if isinstance(e, _Terminated):
        return 143
    if not isinstance(e, SystemError | SystemExit) or (
            isinstance(e, SystemExit) and e.code != 130):
        return None
    seen: set[int] = set()
    link = e.__cause__ or e.__context__
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if isinstance(link, KeyboardInterrupt):
            return 130
        if isinstance(link, _Terminated):
            return 143
        link = link.__cause__ or link.__context__
    return None


def tolerant_output() -> None:
    """Where stdout or stderr cannot encode every character (``PYTHONIOENCODING=ascii``,
    ``LANG=C``), print what it cannot as ``?`` rather than fail with UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            with contextlib.suppress(Exception):
                stream.reconfigure(errors="replace")


def main(argv: list[str] | None = None, *, exiting: bool = False) -> int:
    """Entry point: user errors get one paragraph and exit status 2, never a traceback.

    Usage errors (unknown option, missing argument) are reported by typer
    with exit status 2; :class:`InputError` from any command is reported here,
    and so is an OSError no command turned into one (a full disk, say).
    Ctrl-C exits with 130 and SIGTERM with 143, both after removing temporary
    files (a spilled tie ledger, a staging folder), also when the signal arrives
    inside a compiled kernel.

    ``exiting``: the process exits as soon as this returns (the ``jinmyaku``
    program). Then Ctrl-C and SIGTERM are ignored from the moment the command is
    done: its files are whole and its output printed, and what is left is Python
    freeing the compiled kernels (about 0.2 s), during which a signal would kill
    the process (exit status -2, nothing said) or raise where nothing catches it.
    """
    global _INTERRUPTED
    _INTERRUPTED = "the command was stopped before it wrote anything."
    if (sys.argv[1:] if argv is None else argv)[:1] == ["me"]:
        _INTERRUPTED = ("the store has every file imported before the one under way; that "
                        "one was written whole or not at all.")
    previous: dict[int, object] = {}
    hook = sys.unraisablehook
    try:
        tolerant_output()
        setup_process()
        with contextlib.suppress(ValueError):  # not in the main thread: leave signals alone
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                previous[signal.SIGINT] = signal.signal(signal.SIGINT, _on_sigint)
            previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, _on_sigterm)
        sys.unraisablehook = _unraisable_interrupt(hook)
    except KeyboardInterrupt:
        sys.stderr.write(STARTING_INTERRUPTED)
        return 130
    try:
        return _main(argv)
    finally:
        if exiting:
            with contextlib.suppress(ValueError):  # not in the main thread
                for signum in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(signum, signal.SIG_IGN)
        else:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            sys.unraisablehook = hook


# Said when the system refuses memory or a thread despite the memory check (which reads
# the memory available and a cgroup's limit, not a per-process limit such as ulimit -v).
OUT_OF_MEMORY = (
    "the system refused memory (or a thread) to this command. A per-process limit "
    "(ulimit -v) or other programs may leave less than the memory check saw. Raise the "
    "limit, close other programs, or run a smaller world (--people, population.years); "
    "files already written are as each command says (a run folder is written whole or "
    "not at all).")


def _main(argv: list[str] | None) -> int:
    try:
        app(args=argv, prog_name="jinmyaku", standalone_mode=True)
    except InputError as e:
        say_error(str(e))
        return 2
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        say_error(f"{where}{e.strerror or e}. If the disk is full or the folder cannot be "
                  f"written, free some space or choose another --out and try again.")
        return 2
    except MemoryError:
        say_error(OUT_OF_MEMORY)
        return 2
    except RuntimeError as e:
        if "can't start new thread" not in str(e):
            raise
        say_error(OUT_OF_MEMORY)
        return 2
    except BaseException as e:
        code = interruption(e)
        if code is None:
            if isinstance(e, SystemExit):
                return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            raise
        word = "interrupted" if code == 130 else "terminated"
        said = _INTERRUPTED() if callable(_INTERRUPTED) else _INTERRUPTED
        err_console.print(f"{word}: {said}", markup=False, highlight=False,
                          soft_wrap=True)
        return code
    return 0


def entry() -> None:
    """Console-script wrapper around :func:`main`."""
    sys.exit(main(exiting=True))
