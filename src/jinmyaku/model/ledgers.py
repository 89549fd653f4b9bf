"""The model's two ledgers, kept in memory: every tie ever made and every opportunity delivered.

The tie store hands dead ties to its tie ledger after every process
(``TieStore.flush``); at the end the living ties are added and the whole is
sorted by ``uid`` (:meth:`MemoryTieLedger.table`). The opportunities process
appends each week's deliveries to the opportunity ledger. The recorder owns
both. ``jinmyaku.storage.ledger.TieLedger`` is a tie ledger that spills to
disk past a number of rows, for runs whose ledger does not fit in memory.
"""

from __future__ import annotations

import numpy as np

from jinmyaku.model.vocabulary import TIE_LEDGER_COLUMNS

Columns = dict[str, np.ndarray]


def _scatter(values: np.ndarray, to: np.ndarray) -> np.ndarray:
    """``values`` rearranged so that ``values[k]`` lands at ``to[k]`` (a permutation)."""
    out = np.empty_like(values)
    out[to] = values
    return out


class MemoryTieLedger:
    """Append-only rows of the tie ledger (columns of ``TIE_LEDGER_COLUMNS``), in memory."""

    spill_rows: int | None = None

    def __init__(self) -> None:
        self._chunks: dict[str, list[np.ndarray]] = {c: [] for c in TIE_LEDGER_COLUMNS}
        self._rows = 0

    def __len__(self) -> int:
        return self._rows

    @property
    def spilled(self) -> bool:
        """True once rows have gone to disk (never, for this ledger)."""
        return False

    def in_memory(self, alive: int) -> bool:
        """Whether the whole ledger, with ``alive`` living ties, is given as a table in memory."""
        return True

    def append(self, cols: Columns) -> None:
        """Add rows (one array per column of ``TIE_LEDGER_COLUMNS``, all the same length)."""
        n = len(cols["uid"])
        if n == 0:
            return
        for c in TIE_LEDGER_COLUMNS:
            self._chunks[c].append(cols[c])
        self._rows += n

    def close(self) -> None:
        """Forget every row."""
        self._chunks = {c: [] for c in TIE_LEDGER_COLUMNS}
        self._rows = 0

    def table(self, alive: Columns) -> Columns:
        """Every row, the ledger's then ``alive``'s, sorted by uid."""
        cols = {c: [*v, alive[c]] for c, v in self._chunks.items()}
        out = {c: np.concatenate(v) for c, v in cols.items()}
        return sort_by_uid(out)


def sort_by_uid(cols: Columns) -> Columns:
    """Ledger columns sorted by uid (stable)."""
    uid = cols["uid"]
    if uid.size and uid.max() + 1 == uid.size:
        # uids are unique, so here they are 0..U-1 in some order: each row goes to
        # its uid, which is where sorting would put it, without the sort
        return {c: _scatter(v, uid) for c, v in cols.items()}
    order = np.argsort(uid, kind="stable")
    return {c: v[order] for c, v in cols.items()}


class OpportunityLedger:
    """Every delivered opportunity, week by week (columns of ``OPPORTUNITY_LEDGER_COLUMNS``).

    A week's rows come as integer columns ``(holder, recipient, topic, hops,
    origin, tie)`` and a value column, as the routing kernel writes them.
    """

    def __init__(self) -> None:
        self._weeks: list[tuple[int, np.ndarray, np.ndarray]] = []

    def append(self, step: int, ints: np.ndarray, values: np.ndarray) -> None:
        """Add one week's deliveries (``ints``: (n, 6) int64; ``values``: (n,) float64)."""
        if values.size:
            self._weeks.append((step, ints, values))

    def table(self) -> Columns:
        """Every delivered opportunity, in the order it happened."""
        if not self._weeks:
            ints = np.zeros((0, 6), dtype=np.int64)
            vals = np.zeros(0)
            steps = np.zeros(0, dtype=np.int32)
        else:
            ints = np.concatenate([x[1] for x in self._weeks])
            vals = np.concatenate([x[2] for x in self._weeks])
            steps = np.concatenate([np.full(x[2].size, x[0], dtype=np.int32)
                                    for x in self._weeks])
        return {"step": steps, "holder": ints[:, 0], "recipient": ints[:, 1],
                "topic": ints[:, 2].astype(np.int32), "hops": ints[:, 3].astype(np.int8),
                "origin": ints[:, 4].astype(np.int8), "value": vals, "tie": ints[:, 5]}
