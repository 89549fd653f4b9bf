"""The sweep store: one DuckDB database and one Parquet file of series per run.

Layout of a sweep folder::

    OUT/sweep.duckdb             tables meta, points, runs, indices, crn
    OUT/series/run-000012.parquet  per-step series of run 12 (if the spec keeps series)

A run is stored by first writing its series file atomically (temporary name,
then rename), then inserting its row into ``runs`` in one transaction: the
row is the commit point. A sweep killed at any moment leaves whole rows and
whole files only; a series file without its row (killed between the two
steps) and the hidden temporary file of a series file being written
(``.run-NNNNNN.parquet.*.tmp``) are removed when the sweep is opened again,
and the run is redone. Nothing else in the folder is ever removed: files the
store did not write are left alone, and a folder that is not empty and holds
no sweep is refused. A failed write (a full disk) is reported as an
InputError; every run stored before it is kept.
Only the process that runs the sweep writes; workers return their results.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from jinmyaku._version import __version__
from jinmyaku.errors import InputError
from jinmyaku.storage import files as io
from jinmyaku.studies.sweep.design import Design
from jinmyaku.studies.sweep.spec import Sweep

DB = "sweep.duckdb"
SERIES = "series"
SERIES_FILE = re.compile(r"run-\d{6}\.parquet")  # what series_name gives
SERIES_TMP = re.compile(r"\.run-\d{6}\.parquet\..+\.tmp")  # its files.atomic_write temp


HELD = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) and SIGTERM back until the block is done, then deliver them
    to the handlers there were before (Ctrl-C: KeyboardInterrupt).

    A signal whose Python handler raises while DuckDB runs a statement becomes DuckDB's
    own ``RuntimeError: Query interrupted``, which says neither which signal nor
    that it was one. The blocks held are short (storing a run, creating or reading
    the tables). No-op outside the main thread.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {}
    try:
        for signum in HELD:
            previous[signum] = signal.signal(signum, lambda n, frame: caught.append(n))
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    for signum in dict.fromkeys(caught):  # each once, in the order they came
        signal.raise_signal(signum)


def q(name: str) -> str:
    """A quoted SQL identifier (parameter and outcome names contain dots)."""
    return '"' + name.replace('"', '""') + '"'


def series_name(run: int) -> str:
    """File name of a run's series."""
    return f"run-{run:06d}.parquet"


class Store:
    """The database of one sweep folder; open with :meth:`open`, close when done."""

    def __init__(self, out: Path, sweep: Sweep, design: Design) -> None:
        self.out = Path(out)
        self.sweep = sweep
        self.design = design
        self.con: duckdb.DuckDBPyConnection | None = None
        self._made_folder = False  # by open: removed again if the database is
        fixed = {"run", "point", "replicate", "seed", "seconds"}
        names = [*sweep.names, *sweep.outcomes]
        clash = sorted(n for n in set(names) if names.count(n) > 1 or n in fixed)
        if clash:
            raise sweep.error(f"parameter and outcome names must differ from each other and "
                              f"from {', '.join(sorted(fixed))}: {', '.join(clash)}.")

    # ------------------------------------------------------------ opening

    def open(self) -> Store:
        """Create or reopen the store; refuse a folder holding another sweep, or a folder
        that is not empty and holds no sweep."""
        if self.out.is_dir() and not (self.out / DB).exists():
            other = [p.name for p in self.out.iterdir()
                     if not (p.name == SERIES and p.is_dir() and not any(p.iterdir()))]
            if other:
                raise InputError(
                    f"{self.out}: the folder exists, is not empty and holds no sweep (no "
                    f"{DB}); it is left as it is. Choose a new or empty folder with --out.")
        self._made_folder = not self.out.exists()
        io.prepare_folder(self.out)
        new = not (self.out / DB).exists()
        try:
            (self.out / SERIES).mkdir(exist_ok=True)
            self.con = duckdb.connect(str(self.out / DB))
        except (OSError, duckdb.Error) as e:
            if new:  # our own half-made file (a full disk): gone, so a rerun starts over
                self._remove_new_database()
                raise self._failed("creating the sweep database", e) from None
            raise InputError(f"{self.out / DB}: cannot open the sweep database ({e}). Is "
                             f"another sweep or a query using it right now?") from None
        try:
            with deferred_interrupt():  # a signal is delivered after, and handled below
                tables = {r[0] for r in self.con.execute(
                    "SELECT table_name FROM information_schema.tables").fetchall()}
                if "meta" in tables:
                    self._check_same()
                else:
                    self._create()
                self._tidy()
        except (OSError, duckdb.Error) as e:
            self.close()
            if new:
                self._remove_new_database()
            raise self._failed("creating the sweep database", e) from None
        except BaseException:
            self.close()
            if new:
                self._remove_new_database()
            raise
        return self

    def _remove_new_database(self) -> None:
        """Remove the database file (and its write-ahead log) this open created: a
        database whose creation failed holds no run, and a damaged one would stop the
        rerun that should start the sweep over. The folder goes too if this open made
        it and it holds nothing else."""
        self.close()
        for name in (DB, DB + ".wal"):
            with contextlib.suppress(OSError):
                (self.out / name).unlink()
        if self._made_folder:
            for folder in (self.out / SERIES, self.out):
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only if empty

    def _failed(self, what: str, e: BaseException) -> InputError:
        text = getattr(e, "strerror", None) or str(e)
        return InputError(f"{self.out}: {what} failed ({text}); every run stored before is "
                          f"kept. Free some space (or fix the folder) and run the same "
                          f"command again to resume.")

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None

    def __enter__(self) -> Store:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _meta(self) -> dict[str, str]:
        return dict(self.con.execute("SELECT key, value FROM meta").fetchall())

    def _check_same(self) -> None:
        meta = self._meta()
        if meta.get("digest") != self.sweep.digest:
            raise InputError(
                f"{self.out} holds the results of a different sweep (spec "
                f"{meta.get('spec_path', '?')}, digest {meta.get('digest', '?')[:12]}; this spec "
                f"{self.sweep.path}, digest {self.sweep.digest[:12]}). A sweep resumes only with "
                f"the same spec, base scenario and jinmyaku version; give another --out, or "
                f"remove {self.out} to start over.")
        stored = self.con.execute("SELECT * FROM points ORDER BY point").fetchall()
        expected = [(i, *v) for i, v in enumerate(self.design.values)]
        if [tuple(r) for r in stored] != expected:
            raise InputError(f"{self.out}: the design drawn now differs from the stored one "
                             f"(another SALib version?); give another --out to start over.")

    def _create(self) -> None:
        sw, d = self.sweep, self.design
        types = ["BIGINT" if k is int else "DOUBLE" for k in sw.kinds]
        params = ", ".join(f"{q(n)} {t}" for n, t in zip(sw.names, types, strict=True))
        outs = ", ".join(f"{q(o)} DOUBLE" for o in sw.outcomes)
        meta = {
            "digest": sw.digest, "spec": sw.text, "spec_path": str(sw.path),
            "name": sw.spec.name, "design": sw.spec.design, "points": str(len(d)),
            "replicates": str(sw.spec.replicates), "runs": str(len(d) * sw.spec.replicates),
            "parameters": json.dumps(sw.names), "outcomes": json.dumps(list(sw.outcomes)),
            "base_scenario": sw.base.to_toml(), "jinmyaku": __version__,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        c = self.con
        c.begin()  # a failure before the commit leaves no tables: the next open starts over
        c.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        c.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
        c.execute(f"CREATE TABLE points (point INTEGER PRIMARY KEY, {params})")
        # one statement from an Arrow table (a row at a time took 8 s per 100,000 points)
        columns = list(zip(*d.values, strict=True)) if d.values else [()] * len(sw.names)
        points = pa.table(
            [pa.array(range(len(d)), pa.int32()),
             *(pa.array(col, pa.int64() if kind is int else pa.float64())
               for col, kind in zip(columns, sw.kinds, strict=True))],
            names=["point", *(f"p{k}" for k in range(len(sw.names)))])
        c.register("jinmyaku_new_points", points)
        try:
            c.execute("INSERT INTO points SELECT * FROM jinmyaku_new_points")
        finally:
            c.unregister("jinmyaku_new_points")
        c.execute(f"CREATE TABLE runs (run INTEGER PRIMARY KEY, point INTEGER NOT NULL, "
                  f"replicate INTEGER NOT NULL, seed BIGINT NOT NULL, {params}, {outs}, "
                  f"seconds DOUBLE)")
        c.execute("CREATE TABLE indices (outcome VARCHAR, method VARCHAR, parameter VARCHAR, "
                  "\"index\" VARCHAR, value DOUBLE, conf DOUBLE)")
        c.execute("CREATE TABLE crn (outcome VARCHAR, pairs BIGINT, var_paired DOUBLE, "
                  "var_independent DOUBLE, ratio DOUBLE, reduction DOUBLE)")
        c.commit()

    def _tidy(self) -> None:
        """Remove what the store itself left: series files whose run row was never
        committed and the temporary files of interrupted writes; nothing else."""
        folder = self.out / SERIES
        kept = {series_name(r) for r in self.done()}
        for f in folder.iterdir():
            ours = (SERIES_FILE.fullmatch(f.name) and f.name not in kept) or \
                SERIES_TMP.fullmatch(f.name)
            if ours and f.is_file():
                with contextlib.suppress(OSError):
                    f.unlink()
        for f in self.out.glob(f".{DB}*.tmp"):
            with contextlib.suppress(OSError):
                f.unlink()

    # ------------------------------------------------------------ runs

    def done(self) -> set[int]:
        """Ids of the runs stored."""
        with deferred_interrupt():
            return {r[0] for r in self.con.execute("SELECT run FROM runs").fetchall()}

    def add(self, run: int, point: int, replicate: int, seed: int,
            outcomes: dict[str, float], seconds: float, series: pd.DataFrame | None) -> None:
        """Store one run: its series file first (atomically), then its row (the commit)."""
        missing = [o for o in self.sweep.outcomes if o not in outcomes]
        if missing:
            raise RuntimeError(f"run {run}: the outcomes lack {', '.join(missing)}")
        row = [run, point, replicate, seed, *self.design.values[point],
               *(float(outcomes[o]) for o in self.sweep.outcomes), float(seconds)]
        with deferred_interrupt():
            try:
                if series is not None:
                    table = pa.Table.from_pandas(series, preserve_index=False)
                    table = table.add_column(0, "run", pa.array([run] * len(series),
                                                                pa.int32()))
                    io.write_parquet(self.out / SERIES / series_name(run), table)
                self.con.execute(f"INSERT INTO runs VALUES ({', '.join(['?'] * len(row))})",
                                 row)
            except (OSError, duckdb.Error) as e:
                raise self._failed(f"storing run {run}", e) from None

    def runs(self) -> pd.DataFrame:
        """Every stored run, by run id."""
        with deferred_interrupt():
            return self.con.execute("SELECT * FROM runs ORDER BY run").df()

    def save_analysis(self, indices: pd.DataFrame, crn: pd.DataFrame) -> None:
        """Replace the ``indices`` and ``crn`` tables in one transaction."""
        try:
            with deferred_interrupt():
                self._save_analysis(indices, crn)
        except (OSError, duckdb.Error) as e:
            with contextlib.suppress(duckdb.Error):
                self.con.rollback()
            raise self._failed("storing the analysis", e) from None

    def _save_analysis(self, indices: pd.DataFrame, crn: pd.DataFrame) -> None:
        c = self.con
        c.begin()
        c.execute("DELETE FROM indices")
        c.execute("DELETE FROM crn")
        if len(indices):
            c.executemany("INSERT INTO indices VALUES (?, ?, ?, ?, ?, ?)",
                          indices[["outcome", "method", "parameter", "index", "value",
                                   "conf"]].itertuples(index=False, name=None))
        if len(crn):
            c.executemany("INSERT INTO crn VALUES (?, ?, ?, ?, ?, ?)",
                          [(o, int(p), *map(float, rest)) for o, p, *rest in
                           crn.itertuples(index=False, name=None)])
        c.commit()
