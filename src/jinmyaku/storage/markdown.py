"""Markdown output: the one writer of a Markdown (GitHub pipe) table.

In ``storage`` because it is a file format, like the Parquet and CSV
writers, and because every layer that writes a report (studies and faces)
may import from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def cell(value) -> str:
    """A value as one table cell: ``str(value)`` with ``|`` escaped and line breaks as spaces."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(columns: Sequence, rows: Iterable[Sequence]) -> str:
    """A pipe table: header row, ``|---|`` rule, one line per row; no trailing newline.

    Cells are written with :func:`cell` (so a value with ``|`` or a line break
    cannot break the table); numbers should be formatted by the caller.
    """
    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
