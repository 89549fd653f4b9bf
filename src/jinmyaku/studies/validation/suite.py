"""What ``jinmyaku validate`` runs: the check suite (1a…7) and the pattern suite (P1–P12).

Both suites read the same *main* run of the scenario (:func:`checks.simulate`):
the checks through its tie snapshot a year before the end and its ledgers,
the pattern suite (issue 16, :mod:`jinmyaku.studies.validation.patterns`)
through a :class:`~jinmyaku.studies.validation.recording.ContactSnapshots`
analyzer attached to that run — analyzers only read, so the run, and the
checks' rows, are the same as without it. The pattern suite is measured on
two channels of contacts per tie and 52-week window:

- ``contacts`` (the suite's measure): every contact over a tie — encounters
  at foci, discretionary contacts, deliveries, introductions;
- ``calls`` (a diagnostic): discretionary contacts only, what a phone record
  would see (docs/model.md §7.7).

A run of W full years gives W windows (weeks 0–52, 52–104, …; weeks after
the last full year are not used); a check whose data the run does not give
(fewer than two windows for churn, nothing recorded for mixers or selection)
says "not measured".
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass

from jinmyaku.analysis import patterns as P
from jinmyaku.storage import markdown
from jinmyaku.studies.validation import checks
from jinmyaku.studies.validation.checks import Row
from jinmyaku.studies.validation.patterns import PatternData, run_patterns
from jinmyaku.studies.validation.recording import (
    ContactSnapshots,
    MixerEvents,
    TieFormations,
    pattern_data,
)

WINDOW = 52  # weeks in a pattern window: a year
CHANNELS = ("contacts", "calls")


@dataclass
class Tables:
    """The validate face's tables from one main run."""

    rows: list[Row]            # the check suite, 1a…7
    patterns: list[Row]        # the pattern suite on the "contacts" channel
    patterns_calls: list[Row]  # the same checks on the "calls" channel (a diagnostic)
    windows: int               # full 52-week windows the main run gave


def measure_patterns(snaps: ContactSnapshots, results, seed: int = 1,
                     channel: str = "contacts", mixers: P.MixerEncounters | None = None,
                     selection: P.SelectionInfluence | None = None) -> list[Row]:
    """The pattern suite's rows (P1–P12) on ``channel`` of a finished run; ``mixers`` and
    ``selection`` (P11, P12: the same on every channel) as their recorders' ``data()``."""
    # a run shorter than one window: no contact windows to measure
    data = PatternData() if len(snaps.snaps) < 2 else pattern_data(snaps, results, channel)
    return run_patterns(dataclasses.replace(data, mixers=mixers, selection=selection), seed)


def run(quick: bool = False, seed: int = 1, scenario: str = "default",
        progress: Callable[[str], None] | None = None) -> Tables:
    """Both suites: one main run (with its contact snapshots), the pattern suite on it, then
    the checks (which add the run without influence and the Kumpula runs)."""
    sc = checks.suite_scenario(scenario, quick, seed)
    snaps, mixers, formations = ContactSnapshots(WINDOW), MixerEvents(), TieFormations()
    main = checks.simulate(sc, progress=progress, analyzers=[snaps, mixers, formations])
    mix, sel = mixers.data(), formations.data()  # built once: the same on both channels
    patterns, calls = (measure_patterns(snaps, main.results, seed, ch, mix, sel)
                       for ch in CHANNELS)
    windows = max(0, len(snaps.snaps) - 1)
    del snaps, mixers, formations  # not needed for the checks' further runs
    if progress:
        progress(f"pattern suite measured ({windows} windows of {WINDOW} weeks)")
    rows = checks.run_checks(main, quick, seed, scenario, progress)
    return Tables(rows, patterns, calls, windows)


# ------------------------------------------------------------------ output

def tally(rows: list[Row]) -> str:
    """``n pass, n fail, n not measured`` (and ``, n not run`` if any; no full stop)."""
    n = {s: sum(r.status == s for r in rows) for s in ("pass", "fail", "not measured")}
    other = len(rows) - sum(n.values())
    return ", ".join([f"{v} {s}" for s, v in n.items()]
                     + ([f"{other} not run"] if other else []))


def _windows_text(windows: int) -> str:
    if windows == 0:
        return "the run is shorter than one window, so nothing could be measured"
    last = windows * WINDOW
    return (f"{windows} full window{'s' if windows != 1 else ''} of {WINDOW} weeks "
            f"(weeks 0–{last})")


def to_markdown(t: Tables, title: str, command: str) -> str:
    """The check table (as :func:`checks.to_markdown` writes it), then the pattern suite's
    table on the contacts channel and a compact table of the calls channel."""
    lines = [checks.to_markdown(t.rows, title, command),
             "## Pattern suite (issue 16)", "",
             "The same main run, measured on contacts per tie in each 52-week window: every "
             "contact over a tie (encounters at foci, discretionary contacts, deliveries, "
             f"introductions); {_windows_text(t.windows)}. Tolerances are fixed in "
             "`studies/validation/patterns.py`; a check without its data says \"not "
             "measured\".", "",
             markdown.table(checks.COLUMNS,
                            ([getattr(r, c) for c in checks.COLUMNS] for r in t.patterns)),
             "", tally(t.patterns) + ".", "",
             "### Calls channel (diagnostic)", "",
             "The same checks on discretionary contacts only (what a phone record would "
             "see); a diagnostic beside the contacts channel, not the suite's verdict.", "",
             markdown.table(("check", "status", "simulated", "contacts channel"),
                            ((c.check, c.status, c.simulated, r.status)
                             for c, r in zip(t.patterns_calls, t.patterns, strict=True))),
             "", tally(t.patterns_calls) + ".", ""]
    return "\n".join(lines)


def to_json(t: Tables, meta: dict) -> str:
    """``meta``, the check rows (``rows``), the pattern rows (``patterns``, contacts
    channel; ``patterns_calls``, calls channel) with the same fields, and the windows."""
    return json.dumps({**meta, "rows": [r.to_json() for r in t.rows],
                       "pattern_windows": t.windows,
                       "patterns": [r.to_json() for r in t.patterns],
                       "patterns_calls": [r.to_json() for r in t.patterns_calls]},
                      indent=2, ensure_ascii=False) + "\n"
