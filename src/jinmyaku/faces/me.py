"""``jinmyaku me …``: your own network, kept on this machine and measured like the
simulated ones (docs/me.md).

Nothing here opens a network connection. The store is a file in your data folder
(``jinmyaku me where``), or ``--db PATH``.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jinmyaku.errors import InputError

me_app = typer.Typer(no_args_is_help=True, help=(
    "Your own network: import contacts (LinkedIn, vCard, the CSV template), keep a log, "
    "measure it. Kept on this machine only."))
console = Console()

DbOption = Annotated[Path | None, typer.Option(
    "--db", help="The store's file (default: me.sqlite in your data folder; see "
                 "'jinmyaku me where').")]
ORDER = {"linkedin": 0, "vcard": 1, "template": 2, "knows": 3, "log": 4}


def lit(value: object) -> str:
    """User text shown literally inside Rich markup."""
    return escape(str(value))


def _path(db: Path | None) -> Path:
    from jinmyaku.storage.personal.store import default_path

    return db if db is not None else default_path()


def _open(db: Path | None, create: bool = False):
    from jinmyaku.storage.personal.store import Store

    return Store(_path(db), create=create)


def _id(text: str) -> int:
    t = text.strip().lstrip("#")
    if not t.isdigit():
        raise InputError(f"{text!r}: give a person's number as listed by jinmyaku me people "
                         f"or me duplicates (e.g. 12 or #12).")
    return int(t)


@me_app.command("where")
def where(db: DbOption = None) -> None:
    """Say where the store is (and whether it exists yet)."""
    p = _path(db)
    state = "exists" if p.exists() else "not created yet (the first import creates it)"
    console.print(f"{lit(p)} ({state})", highlight=False, soft_wrap=True)


@me_app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(
        help="LinkedIn's export ZIP, Connections.csv or messages.csv; .vcf files; the "
             "template's people.csv, knows.csv, log.csv.")],
    db: DbOption = None,
    encoding: Annotated[str | None, typer.Option(
        help="Encoding of CSV files not in UTF-8, e.g. cp932 (Excel in Japanese).")] = None,
) -> None:
    """Import files into the store: each file whole or not at all; a file imported
    before adds nothing."""
    from jinmyaku.storage.personal import sources

    read = []
    for f in files:  # every file is read (and refused) before anything is written
        batch, digest = sources.read(f, encoding)
        read.append((f, batch, digest))
    read.sort(key=lambda x: ORDER[x[1].kind])  # people before who-knows-whom and the log
    done: list[str] = []
    with _open(db, create=True) as store:
        for f, batch, digest in read:
            try:
                s = store.import_batch(batch, str(f), digest)
            except InputError as e:
                if done:
                    raise InputError(f"{e} (Imported before it: {', '.join(done)}.)") from None
                raise
            done.append(str(f))
            if s.already:
                console.print(f"{lit(f)}: imported before ({lit(s.already)}); nothing added.",
                              highlight=False, soft_wrap=True)
                continue
            parts = []
            if batch.contacts:
                parts.append(f"{s.added} {'person' if s.added == 1 else 'people'} added, "
                             f"{s.updated} updated, {s.unchanged} unchanged")
            if batch.touches:
                parts.append(f"{s.touches} contact days added"
                             + (f" ({s.touches_unmatched} with people not in the store)"
                                if s.touches_unmatched else ""))
            if batch.knows:
                parts.append(f"{s.knows} who-knows-whom pairs added")
            if batch.log:
                parts.append(f"{s.log} log entries added")
            console.print(f"{lit(f)} ({batch.kind}): {'; '.join(parts) or 'nothing to add'}.",
                          highlight=False, soft_wrap=True)
            for note in s.notes[:10]:
                console.print(f"  {lit(note)}", style="dim", highlight=False, soft_wrap=True)
            if len(s.notes) > 10:
                console.print(f"  … and {len(s.notes) - 10} more notes", style="dim")
        dups = store.duplicates()
    if dups:
        console.print(f"{len(dups)} pairs may be the same person: see [bold]jinmyaku me "
                      f"duplicates[/].", highlight=False)


@me_app.command("template")
def template_(folder: Annotated[Path, typer.Argument(
        help="Folder to write people.csv, knows.csv and log.csv in.")] = Path("me-template")
              ) -> None:
    """Write the CSV template (people.csv, knows.csv, log.csv), each column explained."""
    from jinmyaku.storage.personal import template

    targets = [folder / name for name in template.FILES]
    there = [str(p) for p in targets if p.exists()]
    if there:
        raise InputError(f"{', '.join(there)}: already there; choose another folder (nothing "
                         f"was written).")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for p in targets:
            p.write_text(template.template_text(p.name), encoding="utf-8")
    except OSError as e:
        raise InputError(f"{folder}: cannot write the template ({e.strerror or e}).") from None
    console.print(f"Written: {', '.join(lit(p) for p in targets)}. Fill them in, then "
                  f"[bold]jinmyaku me import {lit(folder / 'people.csv')}[/].",
                  highlight=False, soft_wrap=True)


@me_app.command("people")
def people(db: DbOption = None) -> None:
    """List everyone in the store with their number, for me log and me merge."""
    with _open(db) as store:
        df = store.people()
    t = Table(title=f"{len(df)} people", title_justify="left")
    for col in ("#", "name", "reading", "company", "how met", "from", "addresses"):
        t.add_column(col, overflow="fold")
    for r in df.itertuples():
        t.add_row(str(r.id), *(lit(x) if isinstance(x, str) else "" for x in (
            r.name, r.reading, r.company, r.origin, r.sources, r.identifiers)))
    console.print(t)


@me_app.command("duplicates")
def duplicates(db: DbOption = None) -> None:
    """List pairs that look like one person (same profile address, e-mail, phone, name or
    reading)."""
    with _open(db) as store:
        pairs = store.duplicates()
        names = dict(zip(*[store.people()[c] for c in ("id", "name")], strict=True))
    if not pairs:
        console.print("No two people look alike.")
        return
    t = Table(title=f"{len(pairs)} pairs that may be one person", title_justify="left")
    for col in ("#", "name", "#", "name", "why"):
        t.add_column(col, overflow="fold")
    for a, b, why in pairs:
        t.add_row(str(a), lit(names[a]), str(b), lit(names[b]), lit(", ".join(why)))
    console.print(t)
    console.print("Merge one pair with [bold]jinmyaku me merge KEEP OTHER[/]; say two are "
                  "different people with [bold]jinmyaku me merge --apart A B[/].")


@me_app.command("merge")
def merge(
    keep: Annotated[str, typer.Argument(help="Number of the person to keep.")],
    other: Annotated[str, typer.Argument(help="Number of the person merged into it.")],
    apart: Annotated[bool, typer.Option(
        "--apart", help="They are two people: stop listing them as duplicates.")] = False,
    db: DbOption = None,
) -> None:
    """Merge OTHER into KEEP (addresses, sources, contacts, log, who knows whom)."""
    a, b = _id(keep), _id(other)
    with _open(db) as store:
        if apart:
            store.not_duplicates(a, b)
            console.print(f"#{a} and #{b} are kept apart.")
            return
        gone = store.merge(a, b)
    console.print(f"#{b} ({lit(gone)}) merged into #{a}.", highlight=False)


@me_app.command("log")
def log(
    kind: Annotated[str, typer.Argument(help="meeting, value, input or action.")],
    person: Annotated[str | None, typer.Argument(
        help="Who: a name, a reading or #ID (needed for a meeting).")] = None,
    on: Annotated[str | None, typer.Option(
        "--date", help="YYYY-MM-DD (default today).")] = None,
    duration: Annotated[str | None, typer.Option(help="45m, 1.5h or 2d.")] = None,
    value: Annotated[str | None, typer.Option(
        help="For value: work, client, introduction or information.")] = None,
    amount: Annotated[str | None, typer.Option(
        help="For value: a number ≥ 0 in your own unit.")] = None,
    note: Annotated[str | None, typer.Option(help="Free text.")] = None,
    db: DbOption = None,
) -> None:
    """Record a meeting, a piece of value received, an input or an action."""
    from jinmyaku.storage.personal import template

    try:
        entry = template.log_entry(on or date.today().isoformat(), kind, person, duration,
                                   value, amount, note)
    except ValueError as e:
        raise InputError(f"{e}.") from None
    with _open(db, create=True) as store:
        entry_id = store.add_log(entry)
    who = f" with #{entry.person_id}" if entry.person_id else ""
    console.print(f"Logged {entry.kind}{who} on {entry.on} (entry {entry_id}).",
                  highlight=False)


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def _f(x, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


@me_app.command("status")
def status(
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Measure as on this day, YYYY-MM-DD (default today).")] = None,
    by: Annotated[str, typer.Option(
        help="Layers from: auto, frequency or closeness.")] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print the measures as JSON.")
                       ] = False,
    db: DbOption = None,
) -> None:
    """Measure your network: layers, closest five, retention and value by how you met,
    turnover, brokerage, fading ties."""
    from jinmyaku.storage.personal.common import iso_date
    from jinmyaku.studies.personal.measures import measure

    if by not in ("auto", "frequency", "closeness"):
        raise InputError(f"--by {by!r}: auto, frequency or closeness.")
    try:
        day = date.fromisoformat(iso_date(as_of)) if as_of else None
    except ValueError as e:
        raise InputError(f"--as-of {as_of!r}: {e}.") from None
    with _open(db) as store:
        m = measure(store.tables(), day, by)
    if as_json:
        console.print_json(json.dumps(m, ensure_ascii=False))
        return
    show_status(m)


def show_status(m: dict) -> None:
    """Print :func:`~jinmyaku.studies.personal.measures.measure`'s data as tables."""
    p = console.print
    p(f"[bold]Your network on {m['as_of']}[/]: {m['people']} people ({m['current']} current), "
      f"{m['with_origin']} with how you met, {m['with_contact_record']} with a contact record.")
    lg = m["log"]
    p("Last 12 months: " + ", ".join(f"{v['entries']} {k}{'s' if v['entries'] != 1 else ''}"
                                     f" ({v['hours']:.1f} h)" for k, v in lg.items()) + ".")

    L = m["layers"]
    if L["k"]:
        t = Table(title=f"Layers (from {L['by']}; {L['measured']} people measured, "
                        f"{L['without']} without a value)", title_justify="left")
        t.add_column("layer")
        t.add_column("cumulative size", justify="right")
        for name, size in zip(L["names"], L["sizes"], strict=True):
            t.add_row(name, str(size))
        p(t)
        if L.get("note"):
            p(L["note"], style="dim")
    else:
        p(f"Layers: {lit(L['note'])}")

    c = m["closest"]
    if c["people"]:
        t = Table(title=f"Closest five (by {c['by']})", title_justify="left")
        t.add_column("#", justify="right")
        t.add_column("name")
        t.add_column("stage", justify="right")
        for r in c["people"]:
            t.add_row(str(r["id"]), lit(r["name"]), _f(r["stage"]))
        p(t)
        p(f"Mean stage of the closest five: {_f(c['mean_stage'])} "
          f"({c['with_stage']} with a stage).")

    if m["retention"]:
        t = Table(title="Retention by how you met (Kaplan–Meier, censored at the day "
                        "measured)", title_justify="left")
        for col in ("how met", "ties", "ended", "alive after 1 year", "median life (years)"):
            t.add_column(col, justify="left" if col == "how met" else "right")
        for r in m["retention"]:
            t.add_row(r["origin"], str(r["ties"]), str(r["ended"]), _pct(r["survival_1y"]),
                      _f(r["median_years"], 1))
        p(t)
    if m["retention_unknown"]:
        p(f"{m['retention_unknown']} ties with how met and when have no end and no contact "
          f"record: left out of retention.", style="dim")

    if m["value_by_origin"]:
        t = Table(title="Value received by how you met", title_justify="left")
        for col in ("how met", "people", "pieces", "work", "client", "intro", "info",
                    "amount", "per tie-year"):
            t.add_column(col, justify="left" if col == "how met" else "right",
                         min_width=13 if col == "how met" else None)
        for r in m["value_by_origin"]:
            k = r["kinds"]
            t.add_row(r["origin"] or "(not given)", str(r["people"]), str(r["pieces"]),
                      str(k["work"]), str(k["client"]), str(k["introduction"]),
                      str(k["information"]), f"{r['amount']:g}", _f(r["per_tie_year"]))
        p(t)

    if m["turnover"]:
        t = Table(title="Closest 5 and 15 by contact days, year by year", title_justify="left")
        for col in ("year", "people", "closest 5 replaced", "closest 15 replaced",
                    "signature change (JSD)"):
            t.add_column(col, justify="right")
        for r in m["turnover"]:
            t.add_row(str(r["year"]), str(r["people"]), _pct(r["closest5_turnover"]),
                      _pct(r["closest15_turnover"]), _f(r["signature_jsd"]))
        p(t)
    else:
        p("Turnover: no complete year of contacts (log or messages) yet.", style="dim")

    b = m["brokerage"]
    if b["present"]:
        p(f"Brokerage: effective size {b['effective_size']:.1f} of {b['people']} "
          f"(efficiency {b['efficiency']:.2f}), constraint {b['constraint']:.3f}, "
          f"{b['local_bridges']} local bridges. {lit(b['sentence'])}")
    else:
        p(lit(b["sentence"]))

    if m["fading"]:
        t = Table(title="Fading: no contact for longer than usual for their layer",
                  title_justify="left")
        for col in ("#", "name", "layer", "last contact", "days since", "usual gap (days)"):
            t.add_column(col)
        names = m["layers"]["names"]
        for r in m["fading"][:30]:
            t.add_row(str(r["id"]), lit(r["name"]), names[r["layer"]], r["last_contact"],
                      str(r["days_since"]), f"{r['usual_days']:g}")
        p(t)
    else:
        p("Fading: none (or no contact records to tell).", style="dim")


def _split(text: str, what: str) -> list[str]:
    items = [x.strip() for x in text.split(",")]
    if not all(items):
        raise InputError(f"{what} {text!r}: give names separated by commas, e.g. "
                         f"passive,grow (an empty name was found).")
    return items


def _years(text: str) -> list[int]:
    from jinmyaku.studies.personal.projection import MAX_YEARS

    out = []
    for item in text.split(","):
        item = item.strip()
        if not item.isdigit() or not 1 <= int(item) <= MAX_YEARS:
            raise InputError(f"--years {text!r}: give whole years from 1 to {MAX_YEARS} "
                             f"separated by commas, e.g. 1,5.")
        out.append(int(item))
    return out


@me_app.command("project")
def project_(
    strategies: Annotated[str | None, typer.Option(
        help="Strategies to try, separated by commas (default: the scenario's five, "
             "passive,mixer,meetup,grow,grow+meetup).")] = None,
    replicates: Annotated[int, typer.Option(
        help="Simulated worlds per strategy (at least 2).")] = 10,
    years: Annotated[str, typer.Option(help="When to look, in years: e.g. 1,5.")] = "1,5",
    scenario: Annotated[str, typer.Option(
        help="The world's rules: a built-in scenario or a TOML file.")] = "default",
    people: Annotated[int | None, typer.Option(
        help="People in the simulated world around you (default 1,500).")] = None,
    stage: Annotated[float | None, typer.Option(
        help="Your own stage, 0–1 (default: the mean stage of your closest five).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the replicates.")] = 1,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Your network as on this day, YYYY-MM-DD (default today).")] = None,
    workers: Annotated[int | None, typer.Option(
        help="Worker processes (default: one per core; 0 = in this process).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")
                       ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    db: DbOption = None,
) -> None:
    """What each strategy would likely do for you: your network placed in a simulated
    world, each strategy run over replicates; medians with 10–90% ranges."""
    from jinmyaku.faces import progress as show_progress
    from jinmyaku.storage.personal.common import iso_date
    from jinmyaku.studies.personal import projection

    names = _split(strategies, "--strategies") if strategies is not None else None
    marks = _years(years)
    try:
        day = date.fromisoformat(iso_date(as_of)) if as_of else None
    except ValueError as e:
        raise InputError(f"--as-of {as_of!r}: {e}.") from None
    if people is not None and people < 10:
        raise InputError(f"--people {people}: give at least 10 (and more than your ties).")
    with _open(db) as store:
        tables = store.tables()
    err = Console(stderr=True)
    with show_progress.bar(err, "projection", unit="runs", quiet=quiet or as_json) as update:
        result = projection.project(
            tables, strategies=names, replicates=replicates, years=marks, scenario=scenario,
            seed=seed, people=people or projection.DEFAULT_PEOPLE, stage=stage, as_of=day,
            workers=workers, progress=update)
    if as_json:
        import sys

        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
        return
    show_projection(result)


def _cell(s: dict, digits: int) -> str:
    if s["median"] is None:
        return "–"
    return (f"{s['median']:.{digits}f} ({s['p10']:.{digits}f}–{s['p90']:.{digits}f})")


DIGITS = {"ties": 0, "kept": 0, "made": 0, "closest_mean_stage": 2, "closest_kept": 1,
          "closest_tied": 1, "opportunities": 1, "value": 1, "stage": 2}


def show_projection(r: dict) -> None:
    """Print :func:`~jinmyaku.studies.personal.projection.project`'s data as tables."""
    from jinmyaku.studies.personal.projection import CATEGORIES, LABELS

    p = console.print
    you = r["you"]
    stage = "drawn" if you["stage"] is None else f"{you['stage']:.2f}"
    p(f"[bold]Your network in a simulated world[/] of {r['people_simulated']:,} people "
      f"(scenario {lit(r['scenario'])}, {r['replicates']} replicates, seed {r['seed']}). "
      f"{you['placed']} of your {you['current_people']} current people are placed as ties "
      f"({you['weight_from_closeness']} as strong as your closeness says, "
      f"{you['weight_from_frequency']} as your contact frequency); your stage {stage} "
      f"({lit(you['stage_from'])}).", highlight=False, soft_wrap=True)
    left = [(you["left_out_nothing_known"], "with neither closeness nor contact frequency"),
            (you["left_out_no_contact_last_year"], "with no contact in the last year"),
            (you["left_out_beyond_max_ties"], "beyond the model's most ties (the weakest)")]
    if any(n for n, _ in left):
        p("Left out: " + "; ".join(f"{n} {why}" for n, why in left if n) + ".", style="dim",
          highlight=False, soft_wrap=True)
    p("Each cell: median (10–90% range) across replicates. Today: "
      f"{r['today']['ties']} ties, closest five's mean stage "
      f"{_f(r['today']['closest_mean_stage'])}.", highlight=False, soft_wrap=True)
    for y in map(str, r["years"]):
        t = Table(title=f"In {y} year{'s' if y != '1' else ''}", title_justify="left",
                  box=box.SIMPLE_HEAD, pad_edge=False)
        t.add_column("")
        for s in r["strategies"]:
            t.add_column(lit(s), justify="right")
        for k, label in LABELS.items():
            t.add_row(label, *(_cell(r["outcomes"][s][y][k], DIGITS[k]) for s in r["strategies"]))
        t.add_row("ties alive by origin", *([""] * len(r["strategies"])))
        for c in CATEGORIES:
            cells = [r["outcomes"][s][y]["by_origin"][c]["alive"] for s in r["strategies"]]
            if all(x["median"] == 0 and x["p90"] == 0 for x in cells):
                continue
            t.add_row(f"  {c}", *(_cell(x, 0) for x in cells))
        p(t)
    p("Ties 'kept from today' are counted by how you met them (as you said); ties made since "
      "by how the model made them. Opportunities and their value are the model's units "
      "(docs/model.md §7.9). See docs/me.md for how you are placed and what the model "
      "cannot represent.", style="dim", highlight=False, soft_wrap=True)


def _report_path(out: Path | None, db: Path | None, redact: bool) -> Path:
    """Where the report goes: ``--out``, else beside the store (in your data folder), never
    the working folder unasked. InputError for a folder, another suffix, a missing or
    unwritable folder, before anything is measured."""
    import tempfile

    from jinmyaku.faces.render import me_report

    if out is None:
        return _path(db).parent / (me_report.REDACTED_NAME if redact else me_report.NAME)
    if out.is_dir():
        raise InputError(f"--out {out}: is a folder; give the report's file, e.g. "
                         f"{out / me_report.NAME}.")
    if out.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"--out {out}: give a file ending in .html (the Markdown twin is "
                         f"written beside it, ending in .md).")
    if not out.parent.is_dir():
        raise InputError(f"--out {out}: the folder {out.parent} does not exist.")
    try:
        with tempfile.NamedTemporaryFile(dir=out.parent, prefix=".probe-"):
            pass
    except OSError as e:
        raise InputError(f"--out {out}: cannot write in {out.parent} "
                         f"({e.strerror or e}).") from None
    return out


@me_app.command("report")
def report(
    out: Annotated[Path | None, typer.Option(
        "--out", help="The HTML file to write (default: me-report.html beside the store, "
                      "in your data folder); the Markdown twin goes beside it (.md).")
                   ] = None,
    lang: Annotated[str | None, typer.Option(
        help="en or ja (default: the locale's, ja for LANG=ja_*).")] = None,
    redact: Annotated[bool, typer.Option(
        "--redact", help="Replace every name by the person's number and leave out readings, "
                         "e-mail and web addresses, phone numbers and notes, to share it "
                         "(default file: me-report-redacted.html).")] = False,
    with_projection: Annotated[bool, typer.Option(
        "--projection", help="Add what each strategy would likely do for you (me project's "
                             "defaults; about 20 s more).")] = False,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Measure as on this day, YYYY-MM-DD (default today).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    db: DbOption = None,
) -> None:
    """Write your network's report: one offline HTML page (and its Markdown twin) with the
    figures of me status, an ego-network picture, optionally the projection."""
    from jinmyaku.faces.render import me_report
    from jinmyaku.faces.render.i18n import check_lang
    from jinmyaku.storage import files
    from jinmyaku.storage.personal.common import iso_date

    lang = check_lang(lang)
    try:
        day = date.fromisoformat(iso_date(as_of)) if as_of else date.today()
    except ValueError as e:
        raise InputError(f"--as-of {as_of!r}: {e}.") from None
    path = _report_path(out, db, redact)
    with _open(db) as store:
        tables = store.tables()
    if tables["people"].empty:
        raise InputError(f"{_path(db)}: no people in the store yet; import a file first "
                         f"(jinmyaku me import FILE), then write the report.")
    result = None
    if with_projection:
        from jinmyaku.faces import progress as show_progress
        from jinmyaku.studies.personal import projection

        err = Console(stderr=True)
        with show_progress.bar(err, "projection", unit="runs", quiet=quiet) as update:
            result = projection.project(tables, as_of=day, progress=update)
    rep = me_report.make(tables, day, lang, redacted=redact, projection=result)
    twin = path.with_suffix(".md")
    try:  # readable by you only, like the store
        files.write_text(twin, rep.markdown, mode=0o600)
        files.write_text(path, rep.html, mode=0o600)
    except OSError as e:
        raise InputError(f"{path}: cannot write the report ({e.strerror or e}).") from None
    console.print(f"Written: [bold]{lit(path)}[/] and {lit(twin)} ({lang}"
                  f"{', redacted' if redact else ''}).", highlight=False, soft_wrap=True)
