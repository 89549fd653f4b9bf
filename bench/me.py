"""Time ``jinmyaku me import``, ``me status``, ``me report`` and ``me project`` for a
synthetic person.

Issue 18's targets, for a person of 300 contacts: import + report in ≤ 5 s (``me report``
writes the HTML page and its Markdown twin, without ``--projection``; ``status`` is timed
too, for comparison); the projection of five strategies × 10 replicates in ≤ 60 s on 2
cores. Each step runs as the user runs it, a fresh ``jinmyaku`` process (so start-up is
counted), in a temporary folder with ``--db`` there; median of R runs after one warm-up (the warm-up
compiles the Dunbar-layer kernel into numba's cache on a first run). The projection
(``--project N`` runs, default 1; 0 skips it) runs ``me project --json`` with its
defaults (1,500 people, 1 and 5 years) and ``--workers`` (default 2), after the
import/status runs, and checks that two runs print the same bytes.

    .venv/bin/python bench/me.py [--contacts 300] [--repeats 3] [--project 1] [--workers 2]
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ORIGINS = ("family_school", "workplace", "mixer", "meetup", "activity", "referral")
FREQ = ("daily", "weekly", "monthly", "quarterly", "yearly")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def synthesise(folder: Path, n: int, seed: int = 1) -> list[Path]:
    """Connections.csv, messages.csv, a vCard file, people.csv, knows.csv, log.csv."""
    rnd = random.Random(seed)
    names = [f"Given{i} Family{i % 97}" for i in range(n)]
    url = [f"https://www.linkedin.com/in/person-{i}" for i in range(n)]
    rows = ['Notes:\r\n"When exporting your connection data, some e-mail addresses are '
            'missing."\r\n\r\nFirst Name,Last Name,URL,Email Address,Company,Position,'
            'Connected On']
    for i, name in enumerate(names):
        first, last = name.split()
        d = date(2012, 1, 1) + timedelta(days=rnd.randrange(4700))
        rows.append(f'{first},{last},{url[i]},,"Company {i % 40}, Inc.",Role {i % 7},'
                    f"{d.day} {MONTHS[d.month - 1]} {d.year}")
    (folder / "Connections.csv").write_text("\r\n".join(rows) + "\r\n", encoding="utf-8-sig")
    me = "https://www.linkedin.com/in/me"
    msgs = ["CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,"
            "RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER"]
    for k in range(3000):
        i = min(int(rnd.paretovariate(1.2)) - 1, n - 1)
        d = date(2020, 1, 1) + timedelta(days=rnd.randrange(1800))
        msgs.append(f'c{i},,{names[i]},{url[i]},Me,{me},{d} 10:00:00 UTC,,"hello, {k}",INBOX')
    (folder / "messages.csv").write_text("\r\n".join(msgs) + "\r\n", encoding="utf-8")
    cards = []
    for i in range(0, n, 3):
        cards.append(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{names[i]}\r\nN:{names[i].split()[1]};"
                     f"{names[i].split()[0]};;;\r\nTEL;type=CELL:+81 90 {i:04d} {i:04d}\r\n"
                     f"EMAIL:p{i}@example.com\r\nEND:VCARD\r\n")
    (folder / "contacts.vcf").write_text("".join(cards), encoding="utf-8")
    people = ["person,how_met,when,closeness,contact_frequency,stage,email"]
    for i in range(0, n, 2):
        people.append(f"{names[i]},{rnd.choice(ORIGINS)},{2010 + rnd.randrange(14)},"
                      f"{rnd.random():.2f},{rnd.choice(FREQ)},{rnd.random():.2f},"
                      f"p{i}@example.com")
    (folder / "people.csv").write_text("\n".join(people) + "\n", encoding="utf-8")
    # the template's people are named like the LinkedIn ones: name them by number
    knows = ["person,knows"]
    pairs = {tuple(sorted(rnd.sample(range(n // 2), 2))) for _ in range(600)}
    knows += [f"#{n + 2 + a},#{n + 2 + b}" for a, b in sorted(pairs)]  # ids of people.csv
    (folder / "knows.csv").write_text("\n".join(knows) + "\n", encoding="utf-8")
    log = ["date,kind,person,duration,value,amount"]
    for _ in range(1200):
        i = 2 * min(int(rnd.paretovariate(1.1)) - 1, n // 2 - 1)
        d = date(2021, 1, 1) + timedelta(days=rnd.randrange(1460))
        kind = rnd.choice(("meeting", "meeting", "meeting", "value", "input", "action"))
        who = f"#{n + 2 + i // 2}" if kind in ("meeting", "value") else ""
        value = rnd.choice(("work", "client", "introduction", "information")) \
            if kind == "value" else ""
        log.append(f"{d},{kind},{who},{rnd.choice((30, 60, 90))}m,{value},")
    (folder / "log.csv").write_text("\n".join(log) + "\n", encoding="utf-8")
    return [folder / f for f in ("Connections.csv", "messages.csv", "contacts.vcf",
                                 "people.csv", "knows.csv", "log.csv")]


def cpu_children() -> float:
    """CPU seconds (user + system) of the finished child processes and theirs."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def jinmyaku(*args: str, output: list | None = None) -> float:
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", "from jinmyaku.faces.start import entry; "
                          "entry()", *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stdout + out.stderr)
    if output is not None:
        output.append(out.stdout)
    return time.perf_counter() - t


def projection(runs: int, contacts: int, workers: int) -> None:
    """``me project`` (five strategies × 10 replicates) on the synthetic person."""
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        files = synthesise(folder, contacts)
        db = str(folder / "me.sqlite")
        jinmyaku("me", "import", "--db", db, *map(str, files))
        times, cpu, outputs = [], [], []
        for _ in range(runs):
            c = cpu_children()
            times.append(jinmyaku("me", "project", "--db", db, "--as-of", "2025-01-01",
                                  "--json", "--workers", str(workers), output=outputs))
            cpu.append(cpu_children() - c)
    same = "the same bytes each run" if len(set(outputs)) == 1 else "DIFFERENT OUTPUTS"
    times.sort()
    cpu.sort()
    print(f"projection, 5 strategies x 10 replicates, {workers} workers: "
          f"{times[len(times) // 2]:.1f} s (median of {runs}: "
          f"{', '.join(f'{t:.1f}' for t in times)}; {same}; target ≤ 60 s); "
          f"CPU {cpu[len(cpu) // 2]:.1f} s in all processes (the wall time on {workers} "
          f"otherwise idle cores is about CPU / {workers} plus start-up)")


def in_process(files: list[Path], db: str, step: list[str]) -> float:
    """Import and ``step`` (status, or report) in one fresh process (start-up counted once)."""
    code = ("import contextlib, io, sys, time; t = time.perf_counter()\n"
            "from jinmyaku.faces.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    assert main(['me', 'import', '--db', {db!r}, *{list(map(str, files))!r}]) == 0\n"
            f"    assert main(['me', *{step!r}, '--db', {db!r}, '--as-of', '2025-01-01']) == 0\n"
            "print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stdout + out.stderr)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--contacts", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--project", type=int, default=1, help="projection runs (0: none)")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    times = []
    for r in range(a.repeats + 1):
        with tempfile.TemporaryDirectory() as d:
            folder = Path(d)
            files = synthesise(folder, a.contacts)
            db = str(folder / "me.sqlite")
            # the ZIP is read like the two CSVs; one import command for every file
            imp = jinmyaku("me", "import", "--db", db, *map(str, files))
            status = jinmyaku("me", "status", "--db", db, "--as-of", "2025-01-01")
            report = jinmyaku("me", "report", "--db", db, "--as-of", "2025-01-01", "--out",
                              str(folder / "report.html"))
            one = in_process(files, str(folder / "again.sqlite"),
                             ["report", "--out", str(folder / "again.html")])
            if r:
                times.append((imp, status, report, one))
            else:
                print(f"warm-up: import {imp:.2f} s, status {status:.2f} s, "
                      f"report {report:.2f} s")
    n = len(times)
    imp = sorted(t[0] for t in times)[n // 2]
    status = sorted(t[1] for t in times)[n // 2]
    report = sorted(t[2] for t in times)[n // 2]
    both = sorted(t[0] + t[2] for t in times)[n // 2]
    one = sorted(t[3] for t in times)[n // 2]
    print(f"{a.contacts} contacts, medians of {a.repeats}, each step a fresh process: import "
          f"{imp:.2f} s, status {status:.2f} s, report {report:.2f} s")
    print(f"import + report: {both:.2f} s (target ≤ 5 s); in one process (start-up once): "
          f"{one:.2f} s")
    if a.project:
        projection(a.project, a.contacts, a.workers)


if __name__ == "__main__":
    main()
