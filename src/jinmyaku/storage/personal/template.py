"""The CSV template for people you know, who knows whom, and your log.

``jinmyaku me template FOLDER`` writes ``people.csv``, ``knows.csv`` and
``log.csv``, each starting with ``#`` lines that say what every column
takes. Lines whose first cell starts with ``#`` are skipped when read, so
the notes can stay; a cell such as ``#12`` is not a note but person number
12 as ``jinmyaku me people`` lists them (usable in ``knows.csv`` and
``log.csv``). Column names are matched without regard to case, spaces,
hyphens or underscores. Required: ``person`` (``people.csv``); ``person``
and ``knows`` (``knows.csv``); ``date`` and ``kind`` (``log.csv``). Files
are UTF-8 (a byte-order mark is fine); one saved by Excel in another
encoding is read with ``--encoding``.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter

from jinmyaku.errors import InputError
from jinmyaku.model.vocabulary import ORIGINS
from jinmyaku.storage.personal import common
from jinmyaku.storage.personal.records import (
    LOG_KINDS,
    VALUE_KINDS,
    Batch,
    Contact,
    Knows,
    LogEntry,
)

FREQUENCY_WORDS = {"daily": 365.0, "weekly": 52.0, "fortnightly": 26.0, "biweekly": 26.0,
                   "monthly": 12.0, "quarterly": 4.0, "yearly": 1.0, "annually": 1.0,
                   "never": 0.0}
PER = {"day": 365.0, "week": 52.0, "month": 12.0, "year": 1.0}
UNITS = {"m": 1.0, "min": 1.0, "mins": 1.0, "minute": 1.0, "minutes": 1.0,
         "h": 60.0, "hr": 60.0, "hrs": 60.0, "hour": 60.0, "hours": 60.0,
         "d": 1440.0, "day": 1440.0, "days": 1440.0}

# (column, what it takes): the documentation written into each file.
PEOPLE = (
    ("person", "their name as you write it (required; one row per person)"),
    ("reading", "how the name is read (furigana) if it helps: ヤマダ タロウ"),
    ("how_met", "how you met: " + " | ".join(ORIGINS)),
    ("when", "when you met: YYYY-MM-DD or YYYY-MM or YYYY"),
    ("introduced_by", "the name of who introduced you (as in the person column)"),
    ("closeness", "how close you are: a number from 0 (not at all) to 1 (closest)"),
    ("contact_frequency", "how often you are in touch: " + " | ".join(FREQUENCY_WORDS)
     + " | N/week | N/month | N/year"),
    ("field", "their field or trade in your words"),
    ("stage", "their stage as you see it: a number from 0 (starting out) to 1 (top)"),
    ("notes", "anything else (kept on this machine only)"),
    ("email", "an e-mail address (finds the same person in other imports)"),
    ("profile_url", "a profile address such as https://www.linkedin.com/in/…"),
    ("phone", "a phone number"),
    ("ended", "when the tie ended if it did: YYYY-MM-DD or YYYY-MM or YYYY"),
)
KNOWS = (
    ("person", "a name from your people (required)"),
    ("knows", "another name from your people whom they know (required)"),
)
LOG = (
    ("date", "YYYY-MM-DD (required)"),
    ("kind", "meeting | value | input | action (required): a meeting with someone; a "
             "piece of value received; an input (something learned); an action (something "
             "done)"),
    ("person", "who (required for a meeting; for value the one it came through)"),
    ("duration", "a number ≥ 0 with a unit: 45m | 1.5h | 2d"),
    ("value", "for kind value: " + " | ".join(VALUE_KINDS)),
    ("amount", "for kind value: a number ≥ 0 in your own unit (money or points)"),
    ("note", "free text"),
)
FILES = {"people.csv": PEOPLE, "knows.csv": KNOWS, "log.csv": LOG}
EXAMPLES = {
    "people.csv": "Hanako Sato,サトウ ハナコ,workplace,2019-04,,0.8,weekly,design,0.6,",
    "knows.csv": "Hanako Sato,Taro Yamada",
    "log.csv": "2024-05-01,meeting,Hanako Sato,1.5h,,,lunch",
}


def template_text(name: str) -> str:
    """The text of one template file: documentation lines, then the header."""
    cols = FILES[name]
    lines = [f"# jinmyaku: {name}. Lines starting with # are notes and are skipped.",
             "# Columns (only the required ones must have a value):"]
    lines += [f"#   {c}: {what.replace(',', ';')}" for c, what in cols]
    lines.append(f"# Example row: {EXAMPLES[name]}")
    lines.append(",".join(c for c, _ in cols))
    return "\n".join(lines) + "\n"


def _col(name: str) -> str:
    return re.sub(r"[\s_\-]+", "_", name.strip().lower().lstrip("\ufeff"))


def kind_of(text: str) -> str | None:
    """``people``, ``knows`` or ``log`` from a template file's header; None if none fits."""
    try:
        for _, cells in common.csv_rows(text):
            if common.blank(cells) or common.comment(cells):
                continue
            cols = {_col(c) for c in cells}
            if {"date", "kind"} <= cols:
                return "log"
            if {"person", "knows"} <= cols:
                return "knows"
            if "person" in cols:
                return "people"
            return None
    except InputError:
        return None
    return None


def _rows(text: str, source: str, spec, required: tuple[str, ...]):
    allowed = [c for c, _ in spec]
    header: dict[str, int] | None = None
    try:
        for line, cells in common.csv_rows(text):
            if common.blank(cells) or common.comment(cells):
                continue
            if header is None:
                names = [_col(c) for c in cells]
                unknown = [c for c in names if c and c not in allowed]
                if unknown:
                    raise InputError(f"{source}: line {line}: unknown column "
                                     f"{', '.join(unknown)}; allowed: {', '.join(allowed)}.")
                dup = [c for c, n in Counter(names).items() if c and n > 1]
                if dup:
                    raise InputError(f"{source}: line {line}: column {dup[0]} twice.")
                missing = [c for c in required if c not in names]
                if missing:
                    raise InputError(f"{source}: line {line}: no {', '.join(missing)} column "
                                     f"(required); allowed: {', '.join(allowed)}.")
                header = {n: i for i, n in enumerate(names) if n}
                width = len(cells)
                continue
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                yield line, None, f"{len(cells)} cells where the header has {width}"
                continue
            yield line, {n: common.clean(cells[i]) if i < len(cells) else None
                         for n, i in header.items()}, None
    except InputError as e:
        if str(e).startswith("line "):
            raise InputError(f"{source}: {e}") from None
        raise
    if header is None:
        raise InputError(f"{source}: no header line; the template's is "
                         f"{','.join(allowed)}.")


def _unit(text: str, what: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise ValueError(f"{what} {text!r}: not a number from 0 to 1") from None
    if not (math.isfinite(x) and 0.0 <= x <= 1.0):
        raise ValueError(f"{what} {text!r}: not a number from 0 to 1")
    return x


def frequency(text: str) -> float:
    """Contacts a year from ``weekly``, ``3/month``, ``2 / year``…; ValueError else."""
    t = text.strip().lower()
    if t in FREQUENCY_WORDS:
        return FREQUENCY_WORDS[t]
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(?:/|per|a|times a|times per)\s*(day|week|month|year)",
                     t)
    if not m:
        raise ValueError(f"contact_frequency {text!r}: not one of "
                         f"{', '.join(FREQUENCY_WORDS)} or N/week, N/month, N/year")
    return float(m.group(1)) * PER[m.group(2)]


def duration(text: str) -> float:
    """Minutes from ``45m``, ``1.5h``, ``2d``; ValueError unless a number ≥ 0 with a unit."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)", text.strip().lower())
    if not m or m.group(2) not in UNITS:
        raise ValueError(f"duration {text!r}: not a number ≥ 0 with a unit (45m, 1.5h, 2d)")
    return float(m.group(1)) * UNITS[m.group(2)]


def origin(text: str) -> str:
    t = re.sub(r"[\s\-/]+", "_", text.strip().lower())
    if t not in ORIGINS:
        raise ValueError(f"how_met {text!r}: not one of {', '.join(ORIGINS)}")
    return t


def read_people(text: str, source: str) -> Batch:
    """``people.csv`` rows as :class:`Contact` records, keyed by the person's name."""
    problems = common.Problems(source)
    batch = Batch("template")
    seen: dict[str, int] = {}
    for line, row, bad in _rows(text, source, PEOPLE, ("person",)):
        if bad:
            problems.add(line, bad)
            continue
        name = row.get("person")
        if not name:
            if any(row.values()):
                problems.add(line, "person is empty (required)")
            continue
        key = "name:" + " ".join(sorted(common.name_keys(name)))
        if key in seen:
            problems.add(line, f"person {name!r} is also on line {seen[key]}; one row per "
                               f"person (write the names apart, e.g. with a place)")
            continue
        seen[key] = line
        c = Contact(key=key, line=line, name=name, reading=row.get("reading"),
                    introduced_by=row.get("introduced_by"), field=row.get("field"),
                    notes=row.get("notes"))
        try:
            if row.get("how_met"):
                c.origin = origin(row["how_met"])
            if row.get("when"):
                c.met_on = _partial(row["when"], "when")
            if row.get("ended"):
                c.ended_on = _partial(row["ended"], "ended")
            if row.get("closeness"):
                c.closeness = _unit(row["closeness"], "closeness")
            if row.get("stage"):
                c.stage = _unit(row["stage"], "stage")
            if row.get("contact_frequency"):
                c.frequency = frequency(row["contact_frequency"])
            if row.get("email"):
                e = common.norm_email(row["email"])
                if e is None:
                    raise ValueError(f"email {row['email']!r}: not an e-mail address")
                c.emails.append(e)
            if row.get("phone"):
                p = common.norm_phone(row["phone"])
                if p is None:
                    raise ValueError(f"phone {row['phone']!r}: fewer than 5 digits")
                c.phones.append(p)
            if row.get("profile_url"):
                c.urls.append(row["profile_url"])
        except ValueError as e:
            problems.add(line, str(e))
            continue
        batch.contacts.append(c)
    problems.raise_if_any()
    return batch


def _partial(text: str, what: str) -> str:
    try:
        return common.iso_date(text, partial=True)
    except ValueError as e:
        raise ValueError(f"{what} {text!r}: {e}") from None


def read_knows(text: str, source: str) -> Batch:
    """``knows.csv``: pairs of names (resolved by the store against your people)."""
    problems = common.Problems(source)
    batch = Batch("knows")
    for line, row, bad in _rows(text, source, KNOWS, ("person", "knows")):
        if bad:
            problems.add(line, bad)
            continue
        a, b = row.get("person"), row.get("knows")
        if not a and not b:
            continue
        if not a or not b:
            problems.add(line, "both person and knows are needed")
            continue
        if common.name_keys(a) & common.name_keys(b):
            problems.add(line, f"{a!r} knows themself")
            continue
        batch.knows.append(Knows(line, a, b))
    problems.raise_if_any()
    return batch


def log_entry(on: str, kind: str, person: str | None = None, dur: str | None = None,
              value: str | None = None, amount: str | None = None,
              note: str | None = None) -> LogEntry:
    """A checked :class:`LogEntry`; ValueError naming the field and what is allowed."""
    try:
        day = common.iso_date(on)
    except ValueError as e:
        raise ValueError(f"date {on!r}: {e}") from None
    k = kind.strip().lower()
    if k not in LOG_KINDS:
        raise ValueError(f"kind {kind!r}: not one of {', '.join(LOG_KINDS)}")
    v = value.strip().lower() if value else None
    if v is not None and k != "value":
        raise ValueError(f"value {value!r}: only for kind value")
    if k == "value" and v not in VALUE_KINDS:
        raise ValueError(f"value {value!r}: kind value needs one of {', '.join(VALUE_KINDS)}")
    if k == "meeting" and not person:
        raise ValueError("a meeting needs a person")
    amt = None
    if amount is not None:
        if k != "value":
            raise ValueError(f"amount {amount!r}: only for kind value")
        try:
            amt = float(amount)
        except ValueError:
            amt = -1.0
        if not (math.isfinite(amt) and amt >= 0):
            raise ValueError(f"amount {amount!r}: not a number ≥ 0")
    minutes = duration(dur) if dur else None
    return LogEntry(on=day, kind=k, person=person, minutes=minutes, value_kind=v,
                    amount=amt, note=note)


def read_log(text: str, source: str) -> Batch:
    """``log.csv`` rows as :class:`LogEntry` records; a row repeated in the file is kept
    as often as it appears, and importing the file again adds nothing."""
    problems = common.Problems(source)
    batch = Batch("log")
    occurrences: Counter[str] = Counter()
    for line, row, bad in _rows(text, source, LOG, ("date", "kind")):
        if bad:
            problems.add(line, bad)
            continue
        if not any(row.values()):
            continue
        try:
            e = log_entry(row.get("date") or "", row.get("kind") or "", row.get("person"),
                          row.get("duration"), row.get("value"), row.get("amount"),
                          row.get("note"))
        except ValueError as err:
            problems.add(line, str(err))
            continue
        content = "\x1f".join(str(x) for x in (e.on, e.kind, e.person, e.minutes,
                                                e.value_kind, e.amount, e.note))
        occurrences[content] += 1
        e.key = hashlib.sha256(f"{content}\x1e{occurrences[content]}".encode()).hexdigest()
        e.line = line
        batch.log.append(e)
    problems.raise_if_any()
    return batch
