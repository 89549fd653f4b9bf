"""The personal store: one SQLite file on this machine (stdlib ``sqlite3``).

Where: ``--db PATH``, else ``me.sqlite`` in the user's data folder
(:func:`default_path`: ``~/.local/share/jinmyaku`` on Linux,
``~/Library/Application Support/jinmyaku`` on macOS, ``%LOCALAPPDATA%\\jinmyaku``
on Windows, from ``platformdirs``), never the working folder unless asked.
The folder is made readable by its owner only (0700), the file 0600.

Schema: ``PRAGMA user_version`` is the number of :data:`MIGRATIONS` applied;
opening a store applies the missing ones in one transaction, and refuses a
store made by a newer version. ``PRAGMA application_id`` marks the file as
jinmyaku's so that another SQLite file is not taken for one.

Tables: ``people`` (name, reading, company, position); ``identifiers``
(profile address, e-mail, phone, each normalised for matching); ``imports``
(each file imported, by SHA-256); ``source_keys`` (each source's key of a
person, so a newer export updates people instead of adding them); ``ties``
(how met — the model's origins —, when, introduced by, closeness, contacts
a year, field, stage as seen, ended); ``knows`` (who knows whom among your
people); ``touches`` (dated contacts seen in a source, e.g. LinkedIn
messages); ``log`` (meetings, value received, inputs, actions, with date
and duration); ``merges`` (what ``me merge`` joined).

Every import is one transaction: a file is written whole or not at all.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from jinmyaku.errors import InputError
from jinmyaku.storage.personal import common
from jinmyaku.storage.personal.records import Batch, Contact, LogEntry

APPLICATION_ID = 0x4A4D594B  # "JMYK"

# Each migration is frozen once released: a change is a new entry.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE people (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        reading TEXT,
        company TEXT,
        position TEXT,
        added TEXT NOT NULL
    );
    CREATE TABLE identifiers (
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('url', 'email', 'phone')),
        value TEXT NOT NULL,
        shown TEXT NOT NULL,
        PRIMARY KEY (person_id, kind, value)
    );
    CREATE INDEX identifiers_by_value ON identifiers(kind, value);
    CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL UNIQUE,
        at TEXT NOT NULL
    );
    CREATE TABLE source_keys (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        import_id INTEGER REFERENCES imports(id),
        PRIMARY KEY (kind, key)
    );
    CREATE TABLE ties (
        person_id INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
        origin TEXT CHECK (origin IN ('family_school', 'workplace', 'mixer', 'meetup',
                                      'activity', 'referral')),
        met_on TEXT,
        connected_on TEXT,
        ended_on TEXT,
        introduced_by TEXT,
        closeness REAL CHECK (closeness BETWEEN 0 AND 1),
        frequency REAL CHECK (frequency >= 0),
        field TEXT,
        stage REAL CHECK (stage BETWEEN 0 AND 1),
        notes TEXT
    );
    CREATE TABLE knows (
        a INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        b INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        import_id INTEGER REFERENCES imports(id),
        PRIMARY KEY (a, b),
        CHECK (a < b)
    );
    CREATE TABLE touches (
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        on_date TEXT NOT NULL,
        channel TEXT NOT NULL,
        PRIMARY KEY (person_id, on_date, channel)
    );
    CREATE TABLE log (
        id INTEGER PRIMARY KEY,
        on_date TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('meeting', 'value', 'input', 'action')),
        person_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
        minutes REAL CHECK (minutes >= 0),
        value_kind TEXT CHECK (value_kind IN ('work', 'client', 'introduction',
                                              'information')),
        amount REAL CHECK (amount >= 0),
        note TEXT,
        key TEXT UNIQUE,
        import_id INTEGER REFERENCES imports(id)
    );
    CREATE INDEX log_by_person ON log(person_id);
    CREATE TABLE merges (
        kept INTEGER NOT NULL,
        gone INTEGER NOT NULL,
        gone_name TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE not_duplicates (
        a INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        b INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        PRIMARY KEY (a, b),
        CHECK (a < b)
    );
    """,
)
VERSION = len(MIGRATIONS)
V1_ORIGINS = ("family_school", "workplace", "mixer", "meetup", "activity", "referral")
PERSON_FIELDS = ("name", "reading", "company", "position")
TIE_FIELDS = ("origin", "met_on", "connected_on", "ended_on", "introduced_by", "closeness",
              "frequency", "field", "stage", "notes")


def default_path() -> Path:
    """``me.sqlite`` in the user's data folder (platformdirs), never the working folder."""
    import platformdirs

    return platformdirs.user_data_path("jinmyaku", appauthor=False) / "me.sqlite"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class ImportSummary:
    """What one import did."""

    file: str
    kind: str
    already: str | None = None  # when the same file was imported before
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    touches: int = 0
    touches_unmatched: int = 0
    knows: int = 0
    log: int = 0
    notes: list[str] = field(default_factory=list)


class Store:
    """An open personal store; use as a context manager (closes the connection)."""

    def __init__(self, path: Path, create: bool = True) -> None:
        self.path = Path(path)
        if not self.path.exists():
            if not create:
                raise InputError(f"{self.path}: no personal store here yet; import a file "
                                 f"first (jinmyaku me import FILE) or give --db.")
            self._create_file()
        elif self.path.is_dir():
            raise InputError(f"{self.path}: is a folder; --db names the store's file.")
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None)
        except sqlite3.Error as e:
            raise InputError(f"{self.path}: cannot open the store ({e}).") from None
        try:
            self.db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as e:
            self.db.close()
            raise InputError(f"{self.path}: not a jinmyaku store ({e}).") from None
        except InputError:
            self.db.close()
            raise

    def _create_file(self) -> None:
        folder = self.path.parent
        try:
            if not folder.exists():
                folder.mkdir(parents=True, mode=0o700)
            os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except OSError as e:
            raise InputError(f"{self.path}: cannot create the store ({e.strerror or e}).") \
                from None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------ schema

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        app = self.db.execute("PRAGMA application_id").fetchone()[0]
        tables = self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app != APPLICATION_ID and (app != 0 or tables):
            raise InputError(f"{self.path}: an SQLite file that is not a jinmyaku store; "
                             f"give another --db.")
        if version > VERSION:
            raise InputError(f"{self.path}: made by a newer jinmyaku (schema {version}, this "
                             f"one reads up to {VERSION}); upgrade jinmyaku.")
        if version == VERSION:
            return
        with self.transaction():
            for sql in MIGRATIONS[version:]:
                for statement in sql.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
            self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.db.execute(f"PRAGMA user_version = {VERSION}")

    @contextlib.contextmanager
    def transaction(self):
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error: all or nothing."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise InputError(f"{self.path}: the store is busy or read-only ({e}).") from None
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # ------------------------------------------------------------ import

    def import_batch(self, batch: Batch, file: str, sha256: str) -> ImportSummary:
        """Write one file's records in one transaction; the same file again adds nothing."""
        s = ImportSummary(file, batch.kind, notes=list(batch.notes))
        with self.transaction():
            row = self.db.execute("SELECT at FROM imports WHERE sha256 = ?",
                                  (sha256,)).fetchone()
            if row:
                s.already = row[0]
                return s
            imp = self.db.execute("INSERT INTO imports (kind, file, sha256, at) VALUES "
                                  "(?, ?, ?, ?)", (batch.kind, file, sha256, _now())).lastrowid
            for c in batch.contacts:
                outcome = self._upsert(batch.kind, c, imp)
                setattr(s, outcome, getattr(s, outcome) + 1)
            for t in batch.touches:
                pid = self._by_key(batch.kind, t.key)
                if pid is None:
                    s.touches_unmatched += 1
                    continue
                s.touches += self.db.execute(
                    "INSERT OR IGNORE INTO touches VALUES (?, ?, ?)",
                    (pid, t.on, t.channel)).rowcount
            if batch.knows or batch.log:
                self._names(batch, s, imp, file)
        return s

    def _by_key(self, kind: str, key: str) -> int | None:
        row = self.db.execute("SELECT person_id FROM source_keys WHERE kind = ? AND key = ?",
                              (kind, key)).fetchone()
        return row[0] if row else None

    def _upsert(self, kind: str, c: Contact, imp: int) -> str:
        pid = self._by_key(kind, c.key)
        changed = False
        person = {"name": c.name, "reading": c.reading, "company": c.company,
                  "position": c.position}
        tie = {f: getattr(c, f) for f in TIE_FIELDS}
        if pid is None:
            pid = self.db.execute(
                "INSERT INTO people (name, reading, company, position, added) "
                "VALUES (?, ?, ?, ?, ?)", (*person.values(), _now())).lastrowid
            self.db.execute(f"INSERT INTO ties (person_id, {', '.join(TIE_FIELDS)}) VALUES "
                            f"(?{', ?' * len(TIE_FIELDS)})", (pid, *tie.values()))
            self.db.execute("INSERT INTO source_keys VALUES (?, ?, ?, ?)",
                            (kind, c.key, pid, imp))
            outcome = "added"
        else:
            # a template (your own words) sets names; other sources only fill them in
            old = dict(zip(PERSON_FIELDS, self.db.execute(
                f"SELECT {', '.join(PERSON_FIELDS)} FROM people WHERE id = ?", (pid,)
            ).fetchone(), strict=True))
            for f, v in person.items():
                if v is not None and v != old[f] and (
                        kind == "template" or f in ("company", "position") or old[f] is None):
                    self.db.execute(f"UPDATE people SET {f} = ? WHERE id = ?", (v, pid))
                    changed = True
            old_tie = dict(zip(TIE_FIELDS, self.db.execute(
                f"SELECT {', '.join(TIE_FIELDS)} FROM ties WHERE person_id = ?", (pid,)
            ).fetchone(), strict=True))
            for f, v in tie.items():
                if v is not None and v != old_tie[f]:
                    self.db.execute(f"UPDATE ties SET {f} = ? WHERE person_id = ?", (v, pid))
                    changed = True
            outcome = "updated" if changed else "unchanged"
        ids = ([("url", common.norm_url(u), u) for u in c.urls]
               + [("email", e, e) for e in c.emails] + [("phone", p, p) for p in c.phones])
        added = 0
        for kind_, value, shown in ids:
            if value:
                added += self.db.execute("INSERT OR IGNORE INTO identifiers VALUES "
                                         "(?, ?, ?, ?)", (pid, kind_, value, shown)).rowcount
        if added and outcome == "unchanged":
            outcome = "updated"
        return outcome

    # ------------------------------------------------------------ names

    def _index(self) -> tuple[dict[str, set[int]], dict[int, str]]:
        """Name and reading keys → person ids; id → name."""
        index: dict[str, set[int]] = {}
        names: dict[int, str] = {}
        for pid, name, reading in self.db.execute("SELECT id, name, reading FROM people"):
            names[pid] = name
            for k in common.name_keys(name):
                index.setdefault("n:" + k, set()).add(pid)
            r = common.reading_key(reading)
            if r:
                index.setdefault("r:" + r, set()).add(pid)
        return index, names

    @staticmethod
    def _lookup(index, text: str) -> set[int]:
        if text.strip().lstrip("#").isdigit() and text.strip().startswith("#"):
            return {int(text.strip()[1:])}
        hits: set[int] = set()
        for k in common.name_keys(text):
            hits |= index.get("n:" + k, set())
        if not hits:
            r = common.reading_key(text)
            hits = set(index.get("r:" + r, set())) if r else set()
        return hits

    def resolve(self, text: str) -> int:
        """The id of the one person ``text`` names (a name, a reading, or ``#ID``);
        InputError if none or several."""
        index, names = self._index()
        hits = self._lookup(index, text)
        if text.strip().startswith("#") and hits and next(iter(hits)) not in names:
            hits = set()
        if len(hits) == 1:
            return hits.pop()
        if not hits:
            raise InputError(f"no person {text!r} in the store; names as imported, a reading, "
                             f"or #ID from jinmyaku me people.")
        listed = ", ".join(f"#{p} {names[p]}" for p in sorted(hits)[:8])
        raise InputError(f"{text!r} names {len(hits)} people ({listed}); give #ID, or merge "
                         f"them if they are one (jinmyaku me duplicates).")

    def _names(self, batch: Batch, s: ImportSummary, imp: int, file: str) -> None:
        index, names = self._index()
        problems = common.Problems(file)

        def one(text: str, line: int) -> int | None:
            hits = self._lookup(index, text)
            hits &= set(names)
            if len(hits) == 1:
                return next(iter(hits))
            if not hits:
                problems.add(line, f"no person {text!r} in the store (import people.csv or "
                                   f"your contacts first)")
            else:
                problems.add(line, f"{text!r} names {len(hits)} people "
                                   f"({', '.join(f'#{p}' for p in sorted(hits)[:8])}); write "
                                   f"#ID or merge them first")
            return None

        for k in batch.knows:
            a, b = one(k.a, k.line), one(k.b, k.line)
            if a is None or b is None:
                continue
            if a == b:
                problems.add(k.line, f"{k.a!r} and {k.b!r} are the same person (#{a})")
                continue
            s.knows += self.db.execute("INSERT OR IGNORE INTO knows VALUES (?, ?, ?)",
                                       (min(a, b), max(a, b), imp)).rowcount
        for e in batch.log:
            pid = one(e.person, e.line) if e.person else None
            if e.person and pid is None:
                continue
            e.person_id = pid
            s.log += self._insert_log(e, imp)
        problems.raise_if_any()  # inside the transaction: rolls the whole file back

    # ------------------------------------------------------------ log

    def _insert_log(self, e: LogEntry, imp: int | None) -> int:
        return self.db.execute(
            "INSERT OR IGNORE INTO log (on_date, kind, person_id, minutes, value_kind, "
            "amount, note, key, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (e.on, e.kind, e.person_id, e.minutes, e.value_kind, e.amount, e.note, e.key,
             imp)).rowcount

    def add_log(self, e: LogEntry) -> int:
        """Record one entry (``me log``); its id."""
        with self.transaction():
            if e.person and e.person_id is None:
                e.person_id = self.resolve(e.person)
            self._insert_log(e, None)
            return self.db.execute("SELECT last_insert_rowid()").fetchone()[0]

    # ------------------------------------------------------------ people, duplicates, merge

    def people(self) -> pd.DataFrame:
        """Everyone: id, name, reading, company, origin, sources (kinds), identifiers."""
        return pd.read_sql_query(
            "SELECT p.id, p.name, p.reading, p.company, t.origin, "
            "(SELECT group_concat(DISTINCT kind) FROM source_keys s WHERE s.person_id = p.id) "
            "AS sources, (SELECT group_concat(shown, ' ') FROM identifiers i "
            "WHERE i.person_id = p.id) AS identifiers "
            "FROM people p LEFT JOIN ties t ON t.person_id = p.id ORDER BY p.id", self.db)

    def duplicates(self) -> list[tuple[int, int, list[str]]]:
        """Pairs (a < b) that look like one person, with the reasons: a shared profile
        address, e-mail or phone, the same normalised name, or the same reading. Pairs
        marked as not duplicates are left out."""
        keys: dict[tuple[str, str], set[int]] = {}
        for pid, kind, value in self.db.execute("SELECT person_id, kind, value FROM "
                                                "identifiers"):
            keys.setdefault((kind, value), set()).add(pid)
        for pid, name, reading in self.db.execute("SELECT id, name, reading FROM people"):
            for k in common.name_keys(name):
                keys.setdefault(("name", k), set()).add(pid)
            r = common.reading_key(reading)
            if r:
                keys.setdefault(("reading", r), set()).add(pid)
        apart = set(self.db.execute("SELECT a, b FROM not_duplicates").fetchall())
        pairs: dict[tuple[int, int], list[str]] = {}
        for (kind, value), ids in keys.items():
            if len(ids) < 2:
                continue
            ordered = sorted(ids)
            for i, a in enumerate(ordered):
                for b in ordered[i + 1:]:
                    if (a, b) in apart:
                        continue
                    why = f"same {kind}" if kind in ("name", "reading") else \
                        f"same {kind} {value}"
                    reasons = pairs.setdefault((a, b), [])
                    if why not in reasons:
                        reasons.append(why)
        return [(a, b, r) for (a, b), r in sorted(pairs.items())]

    def not_duplicates(self, a: int, b: int) -> None:
        """Remember that ``a`` and ``b`` are two people (``me merge --apart``)."""
        self._exists(a, b)
        with self.transaction():
            self.db.execute("INSERT OR IGNORE INTO not_duplicates VALUES (?, ?)",
                            (min(a, b), max(a, b)))

    def _exists(self, *ids: int) -> dict[int, str]:
        if len(set(ids)) != len(ids):
            raise InputError(f"#{ids[0]} twice: give two different people.")
        names = {}
        for pid in ids:
            row = self.db.execute("SELECT name FROM people WHERE id = ?", (pid,)).fetchone()
            if row is None:
                raise InputError(f"no person #{pid} in the store; see jinmyaku me people.")
            names[pid] = row[0]
        return names

    def merge(self, keep: int, gone: int) -> str:
        """Make ``gone`` part of ``keep``: identifiers, source keys, contacts, log and who
        knows whom move over; fields ``keep`` lacks are filled from ``gone``; ``gone`` is
        removed. Returns ``gone``'s name."""
        names = self._exists(keep, gone)
        db = self.db
        with self.transaction():
            for table, fields, idcol in (("people", PERSON_FIELDS, "id"),
                                         ("ties", TIE_FIELDS, "person_id")):
                for f in fields:
                    db.execute(f"UPDATE {table} SET {f} = (SELECT {f} FROM {table} WHERE "
                               f"{idcol} = :g) WHERE {idcol} = :k AND {f} IS NULL",
                               {"k": keep, "g": gone})
            db.execute("INSERT OR IGNORE INTO identifiers SELECT ?, kind, value, shown FROM "
                       "identifiers WHERE person_id = ?", (keep, gone))
            db.execute("UPDATE source_keys SET person_id = ? WHERE person_id = ?", (keep, gone))
            db.execute("INSERT OR IGNORE INTO touches SELECT ?, on_date, channel FROM touches "
                       "WHERE person_id = ?", (keep, gone))
            db.execute("UPDATE log SET person_id = ? WHERE person_id = ?", (keep, gone))
            for a, b, imp in db.execute("SELECT a, b, import_id FROM knows WHERE a = ? OR "
                                        "b = ?", (gone, gone)).fetchall():
                other = b if a == gone else a
                if other != keep:
                    db.execute("INSERT OR IGNORE INTO knows VALUES (?, ?, ?)",
                               (min(keep, other), max(keep, other), imp))
            db.execute("INSERT INTO merges VALUES (?, ?, ?, ?)",
                       (keep, gone, names[gone], _now()))
            db.execute("DELETE FROM people WHERE id = ?", (gone,))
        return names[gone]

    # ------------------------------------------------------------ for the measures

    def tables(self) -> dict[str, pd.DataFrame]:
        """Plain tables for the measures: ``people`` (with their tie fields), ``touches``,
        ``log`` and ``knows``."""
        q = {
            "people": "SELECT p.id, p.name, p.reading, t.* FROM people p "
                      "LEFT JOIN ties t ON t.person_id = p.id ORDER BY p.id",
            "touches": "SELECT person_id, on_date, channel FROM touches",
            "log": "SELECT id, on_date, kind, person_id, minutes, value_kind, amount FROM log",
            "knows": "SELECT a, b FROM knows",
        }
        out = {k: pd.read_sql_query(v, self.db) for k, v in q.items()}
        out["people"] = out["people"].drop(columns=["person_id"])
        return out

