"""The tie ledger: every tie ever made, in memory for small runs, spilled to disk for big ones.

The engine appends dead ties to the ledger after every process
(:meth:`TieLedger.append`, through ``TieStore.flush``). A ledger holds its
rows in memory as lists of NumPy chunks, exactly as the tie store always did,
until ``spill_rows`` rows are buffered; then it sorts the buffer by ``uid``
and writes it as one *sorted run* (a Parquet file, row groups of
``RUN_ROW_GROUP`` rows, ``uid``/``a``/``b`` as int32 when they fit) in its
spill folder, and starts a new buffer. A run is never changed once written,
so a ledger can be copied (``copy.deepcopy`` of a simulation) by linking its
runs, and an interrupted run leaves no half-open file behind.

At the end of a run whose whole ledger (dead and living ties) has at least
``spill_rows`` rows, spilled or not, :meth:`TieLedger.finish` merges the
runs, the buffer and the living ties (each sorted by ``uid``), one ``uid``
window of ``ROW_GROUP`` rows at a time, into one Parquet file with the schema
and the row groups of the run folder's ``ties.parquet``: byte for byte the
file an in-memory ledger gives. Memory for the merge: one row group per run
plus a few copies of one window, whatever the ledger's length. The file is
held by a :class:`SpilledTies`, which is then what ``Results.ties`` is.
Shorter ledgers become a DataFrame in memory, as they always did.

Spill folders are made with :func:`tempfile.mkdtemp` (under ``$TMPDIR``,
default ``/tmp``, unless a folder is given) and removed by ``close()``, when
their owner is garbage-collected, or when the interpreter exits.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from jinmyaku.errors import InputError
from jinmyaku.model.ledgers import MemoryTieLedger
from jinmyaku.model.vocabulary import CAUSES, ORIGINS
from jinmyaku.model.vocabulary import TIE_LEDGER_COLUMNS as LEDGER_COLUMNS
from jinmyaku.storage import files as io

SPILL_ROWS = 4_000_000   # rows buffered in memory before a sorted run is spilled (~250 MB)
RUN_ROW_GROUP = 1 << 16  # rows per row group of a spilled run: the merge reads one per run
ROW_GROUP = io.ROW_GROUP  # rows per row group of ties.parquet

# dtypes of the ledger's columns in memory and in ties.parquet
DTYPES = {"uid": np.int64, "a": np.int64, "b": np.int64, "origin": np.int8,
          "birth": np.int32, "death": np.int32, "cause": np.int8, "weight": np.float64,
          "peak_weight": np.float64, "last_interaction": np.int32, "value": np.float64,
          "contacts": np.int32, "calls": np.int32}
NARROW = ("uid", "a", "b")  # int64 in memory, int32 in a spilled run when every value fits
I32 = np.iinfo(np.int32)
ROW_BYTES = sum(np.dtype(t).itemsize for t in DTYPES.values())  # 70


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT = _Default()  # "use SPILL_ROWS", read when the ledger is made

Columns = dict[str, np.ndarray]


def ties_frame(cols: Columns) -> pd.DataFrame:
    """The ledger columns as the ``Results.ties`` DataFrame (categories, nullable death)."""
    ties = pd.DataFrame(cols)
    ties["origin"] = pd.Categorical.from_codes(ties["origin"], ORIGINS)
    ties["cause"] = pd.Categorical.from_codes(ties["cause"], CAUSES)
    ties["death"] = ties["death"].astype("Int32").mask(ties["death"] < 0)
    return ties


def _sort(pieces: list[Columns]) -> Columns:
    """Concatenate column pieces and sort them by uid (stable), in the canonical dtypes."""
    uid = np.concatenate([p["uid"] for p in pieces]).astype(np.int64, copy=False)
    order = np.argsort(uid, kind="stable")
    out = {"uid": uid[order]}
    for c in LEDGER_COLUMNS[1:]:
        out[c] = np.concatenate([p[c] for p in pieces]).astype(DTYPES[c], copy=False)[order]
    return out


def _slice(cols: Columns, s: slice) -> Columns:
    return {c: v[s] for c, v in cols.items()}


def _rows(cols: Columns) -> int:
    return len(cols["uid"])


def _tempdir(prefix: str, parent: str | os.PathLike | None) -> Path:
    try:
        return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    except OSError as e:
        raise InputError(f"cannot make a folder for the tie ledger in "
                         f"{parent or tempfile.gettempdir()} ({e.strerror or e}); set TMPDIR "
                         f"to a writable folder with free space.") from None


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


class TieLedger(MemoryTieLedger):
    """Append-only store of ledger rows: in memory up to ``spill_rows``, then sorted runs on disk.

    ``spill_rows``: rows buffered in memory before they are spilled (``None``:
    never spill; default :data:`SPILL_ROWS`). ``spill_dir``: where the spill
    folder is made (default: the system's temporary folder). Both may be
    changed until the first spill.
    """

    def __init__(self, spill_rows: int | None | _Default = DEFAULT,
                 spill_dir: str | os.PathLike | None = None) -> None:
        super().__init__()
        self.spill_rows = SPILL_ROWS if spill_rows is DEFAULT else spill_rows
        self.spill_dir = spill_dir
        self._buffered = 0
        self._runs: list[Path] = []
        self._dir: Path | None = None
        self._cleanup: weakref.finalize | None = None

    @property
    def spilled(self) -> bool:
        """True once rows have gone to disk."""
        return bool(self._runs)

    def in_memory(self, alive: int) -> bool:
        """Whether the whole ledger, with ``alive`` living ties, stays under the threshold.

        If not, the result is a :class:`SpilledTies` (:meth:`finish`) even when
        no run was spilled: the living ties can outnumber the dead ones many
        times over, and an in-memory table takes about four copies of it all.
        """
        return self.spill_rows is None or (not self.spilled
                                            and self._rows + alive < self.spill_rows)

    def append(self, cols: Columns) -> None:
        """Add rows (one array per column of ``LEDGER_COLUMNS``, all the same length)."""
        n = _rows(cols)
        super().append(cols)
        self._buffered += n
        if self.spill_rows is not None and self._buffered >= self.spill_rows:
            self._spill()

    # ------------------------------------------------------------ disk

    def _folder(self) -> Path:
        if self._dir is None:
            self._dir = _tempdir("jinmyaku-ledger-", self.spill_dir)
            self._cleanup = weakref.finalize(self, _remove, self._dir)
        return self._dir

    def _buffer(self, consume: bool) -> Columns:
        """The buffered rows sorted by uid; ``consume`` empties the buffer column by column."""
        if self._buffered == 0:
            return {c: np.zeros(0, dtype=t) for c, t in DTYPES.items()}
        uid = np.concatenate(self._chunks["uid"])
        order = np.argsort(uid, kind="stable")
        out = {"uid": uid[order]}
        del uid
        for c in LEDGER_COLUMNS:
            if c != "uid":
                out[c] = np.concatenate(self._chunks[c])[order]
            if consume:
                self._chunks[c] = []
        if consume:
            self._buffered = 0
        return out

    def _spill(self) -> None:
        cols = self._buffer(consume=True)
        path = self._folder() / f"run-{len(self._runs):05d}.parquet"
        arrays = {}
        for c, v in cols.items():
            if c in NARROW and v.size and I32.min <= v.min() and v.max() <= I32.max:
                v = v.astype(np.int32)
            arrays[c] = v
        try:
            pq.write_table(pa.table(arrays), path, row_group_size=RUN_ROW_GROUP,
                           compression="zstd", write_statistics=False)
        except OSError as e:
            with contextlib.suppress(OSError):
                path.unlink()
            raise InputError(f"spilling the tie ledger to {path.parent} failed "
                             f"({e.strerror or e}); set TMPDIR to a folder with more free "
                             f"space.") from None
        self._runs.append(path)

    def close(self) -> None:
        """Remove the spill folder (the ledger is then empty)."""
        if self._cleanup is not None:
            self._cleanup()
        self._runs = []
        self._chunks = {c: [] for c in LEDGER_COLUMNS}
        self._buffered = self._rows = 0

    def __deepcopy__(self, memo) -> TieLedger:
        new = TieLedger(self.spill_rows, self.spill_dir)
        new._chunks = {c: [v.copy() for v in chunks] for c, chunks in self._chunks.items()}
        new._buffered, new._rows = self._buffered, self._rows
        for run in self._runs:  # runs never change: a hard link is a copy
            target = new._folder() / run.name
            try:
                os.link(run, target)
            except OSError:
                shutil.copyfile(run, target)
            new._runs.append(target)
        return new

    def __getstate__(self):
        if self.spilled:
            raise TypeError("a spilled tie ledger cannot be pickled (its rows are on disk)")
        return {**self.__dict__, "_cleanup": None, "_dir": None}

    # ------------------------------------------------------------ reading

    def table(self, alive: Columns) -> Columns:
        """Every row, the ledger's then ``alive``'s, sorted by uid, in memory."""
        if not self._runs:
            return super().table(alive)
        # a spilled ledger read back (memory as if it had never spilled)
        cols = {c: [*v, alive[c]] for c, v in self._chunks.items()}
        pieces = [*(_read_run(p) for p in self._runs),
                  {c: np.concatenate(v) for c, v in cols.items()}]
        return _sort(pieces)

    def finish(self, alive_uid: np.ndarray, alive_rows: Callable[[slice], Columns],
               out_dir: str | os.PathLike | None = None) -> SpilledTies:
        """Merge runs, buffer and living ties into a :class:`SpilledTies` (sorted by uid).

        ``alive_uid``: the living ties' uids, ascending; ``alive_rows(s)``: the
        ledger columns of the living ties ``s`` (a slice of that order). The
        ledger itself is left as it was.
        """
        cursors: list[_Cursor] = [_RunCursor(p) for p in self._runs]
        cursors.append(_ArrayCursor(self._buffer(consume=False)))
        cursors.append(_AliveCursor(alive_uid, alive_rows))
        folder = _tempdir("jinmyaku-ties-", out_dir if out_dir is not None else self.spill_dir)
        ties = SpilledTies(folder, 0)
        try:
            ties._rows = _merge(cursors, ties.path)
        except OSError as e:
            ties.close()
            raise InputError(f"writing the merged tie ledger to {folder} failed "
                             f"({e.strerror or e}); set TMPDIR to a folder with more free "
                             f"space.") from None
        except BaseException:
            ties.close()
            raise
        return ties


def _read_run(path: Path) -> Columns:
    t = pq.read_table(path)
    return {c: t[c].to_numpy().astype(DTYPES[c], copy=False) for c in LEDGER_COLUMNS}


# ------------------------------------------------------------ merging sorted runs

class _Cursor:
    """A sorted source of rows, read forward by uid."""

    def head(self) -> int | None:
        """The next uid, or None when exhausted."""
        raise NotImplementedError

    def take_below(self, hi: int) -> list[Columns]:
        """The next rows with uid < hi (as pieces), advancing past them."""
        raise NotImplementedError


class _ArrayCursor(_Cursor):
    def __init__(self, cols: Columns) -> None:
        self.cols = cols
        self.pos = 0

    def head(self):
        uid = self.cols["uid"]
        return int(uid[self.pos]) if self.pos < uid.size else None

    def take_below(self, hi):
        start = self.pos
        self.pos = start + int(np.searchsorted(self.cols["uid"][start:], hi))
        return [_slice(self.cols, slice(start, self.pos))] if self.pos > start else []


class _RunCursor(_Cursor):
    """A spilled run, one row group in memory at a time."""

    def __init__(self, path: Path) -> None:
        self.file = pq.ParquetFile(path)
        self.group = -1
        self.cur = _ArrayCursor({c: np.zeros(0, dtype=t) for c, t in DTYPES.items()})
        self._advance()

    def _advance(self) -> None:
        while self.cur.head() is None and self.group + 1 < self.file.num_row_groups:
            self.group += 1
            t = self.file.read_row_group(self.group)
            self.cur = _ArrayCursor({c: t[c].to_numpy() for c in LEDGER_COLUMNS})

    def head(self):
        return self.cur.head()

    def take_below(self, hi):
        pieces = []
        while self.cur.head() is not None and self.cur.head() < hi:
            pieces += self.cur.take_below(hi)
            self._advance()
        return pieces


class _AliveCursor(_Cursor):
    """The living ties, gathered from the tie pool one window at a time."""

    def __init__(self, uid: np.ndarray, rows: Callable[[slice], Columns]) -> None:
        self.uid = uid
        self.rows = rows
        self.pos = 0

    def head(self):
        return int(self.uid[self.pos]) if self.pos < self.uid.size else None

    def take_below(self, hi):
        end = self.pos + int(np.searchsorted(self.uid[self.pos:], hi))
        if end == self.pos:
            return []
        piece = self.rows(slice(self.pos, end))
        self.pos = end
        return [piece]


def _merge(cursors: list[_Cursor], path: Path) -> int:
    """Write the cursors' rows to ``path`` sorted by uid, as ties.parquet; returns the rows."""
    writer = None
    carry: Columns | None = None
    total = 0

    def write(cols: Columns) -> None:
        nonlocal writer, total
        table = pa.Table.from_pandas(ties_frame(cols), preserve_index=False)
        if writer is None:
            writer = io.parquet_writer(path, table.schema)
        writer.write_table(table, row_group_size=ROW_GROUP)
        total += table.num_rows

    try:
        while True:
            heads = [h for h in (c.head() for c in cursors) if h is not None]
            if not heads:
                break
            hi = min(heads) + ROW_GROUP  # a uid window: as many rows as a row group at most
            pieces = [p for c in cursors for p in c.take_below(hi)]
            cols = _sort(pieces if carry is None else [carry, *pieces])
            del pieces
            n, start = _rows(cols), 0
            # row groups of exactly ROW_GROUP rows, as pq.write_table makes them
            while n - start >= ROW_GROUP:
                write(_slice(cols, slice(start, start + ROW_GROUP)))
                start += ROW_GROUP
            carry = _slice(cols, slice(start, n)) if start < n else None
        if carry is not None or writer is None:
            write(carry if carry is not None else {c: np.zeros(0, dtype=t)
                                                   for c, t in DTYPES.items()})
    finally:
        if writer is not None:
            writer.close()
    return total


# ------------------------------------------------------------ the result

class SpilledTies:
    """The tie ledger of a spilled run: ``ties.parquet`` in a temporary folder, read on demand.

    It holds exactly what the run folder's ``ties.parquet`` will hold (same
    bytes). Use :meth:`alive` for the living ties, :meth:`batches` to stream
    the ledger one row group (about a million ties) at a time in uid order,
    :meth:`to_pandas` to load it whole (refused when it cannot fit in
    memory), :meth:`duckdb` to query it, or :attr:`path` with any Parquet
    reader. Indexing it like a DataFrame raises a TypeError that says so.
    The folder is removed by :meth:`close`, when this object is
    garbage-collected, or at exit.
    """

    def __init__(self, folder: Path, rows: int) -> None:
        self.folder = folder
        self.path = folder / "ties.parquet"
        self._rows = rows
        self._cleanup = weakref.finalize(self, _remove, folder)

    def __len__(self) -> int:
        return self._rows

    def __repr__(self) -> str:
        return f"<SpilledTies: {self._rows:,} ties in {self.path}>"

    def batches(self, columns: list[str] | None = None, alive: bool = False,
                ) -> Iterator[pd.DataFrame]:
        """The ledger one row group at a time, in uid order (only living ties if ``alive``)."""
        f = pq.ParquetFile(self.path)
        read = None if columns is None else list(dict.fromkeys([*columns, "death"]))
        for g in range(f.num_row_groups):
            t = f.read_row_group(g, columns=read)
            if alive:
                t = t.filter(pc.is_null(t["death"]))
            if columns is not None:
                t = t.select(columns)
            yield t.to_pandas()

    def alive(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The ties alive at the end (death null), in uid order."""
        frames = list(self.batches(columns, alive=True))
        return pd.concat(frames, ignore_index=True)

    def to_pandas(self) -> pd.DataFrame:
        """The whole ledger as a DataFrame, as an in-memory run has it; InputError if too big."""
        need = 3 * ROW_BYTES * self._rows  # Arrow table, DataFrame and a copy while converting
        limit = io.available_memory()
        if limit is not None and need > limit:
            raise InputError(
                f"the tie ledger of this run ({self._rows:,} ties) would need about "
                f"{need / 2**30:.1f} GiB to load, but {limit / 2**30:.1f} GiB is available. "
                f"Stream it instead (Results.ties.batches(), .alive()) or query "
                f"{self.path} with DuckDB (Results.ties.duckdb()).")
        return pd.read_parquet(self.path)

    def duckdb(self, connection=None):
        """The ledger as a DuckDB relation (``connection`` default: DuckDB's default one)."""
        import duckdb

        con = connection if connection is not None else duckdb.default_connection()
        return con.read_parquet(str(self.path))

    def copy_to(self, target: Path) -> None:
        """Copy the ledger's bytes to ``target``."""
        shutil.copyfile(self.path, target)

    def close(self) -> None:
        """Remove the temporary folder."""
        self._cleanup()

    def __getitem__(self, key):
        raise TypeError(self._not_a_frame())

    def __getattr__(self, name):
        if name.startswith("_") or not hasattr(pd.DataFrame, name):
            raise AttributeError(name)
        # DataFrame attributes (.loc, .set_index, ...): say what to use instead
        raise AttributeError(f"{name!r}: {self._not_a_frame()}")

    def _not_a_frame(self) -> str:
        return (f"this run's tie ledger ({self._rows:,} ties) was spilled to disk and is not a "
                f"DataFrame: use .alive() for the living ties, .batches() to stream it, "
                f".to_pandas() to load it whole, or .duckdb() / .path ({self.path}).")

    def __reduce__(self):
        raise TypeError("a spilled tie ledger cannot be pickled or copied; write the results "
                        "and read ties.parquet instead")


def alive(ties: pd.DataFrame | SpilledTies, columns: list[str] | None = None) -> pd.DataFrame:
    """The living ties of a tie ledger, in memory or spilled."""
    if isinstance(ties, SpilledTies):
        return ties.alive(columns)
    out = ties[ties["death"].isna()]
    return out if columns is None else out[columns]


def alive_batches(ties: pd.DataFrame | SpilledTies,
                  columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """The living ties in one or more pieces (one per row group for a spilled ledger)."""
    if isinstance(ties, SpilledTies):
        yield from ties.batches(columns, alive=True)
    else:
        yield alive(ties, columns)
