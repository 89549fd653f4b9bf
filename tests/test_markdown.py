"""The one Markdown table writer (storage/markdown.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jinmyaku.storage import markdown


def test_table_by_hand():
    out = markdown.table(["a", "b"], [(1, "x|y"), (2.5, "two\nlines")])
    assert out == "| a | b |\n|---|---|\n| 1 | x\\|y |\n| 2.5 | two lines |"


def test_table_without_rows():
    assert markdown.table(("a",), []) == "| a |\n|---|"


@given(st.lists(st.lists(st.text(), min_size=3, max_size=3), max_size=5))
def test_every_row_has_one_line_and_as_many_cells_as_columns(rows):
    lines = markdown.table(["x", "y", "z"], rows).split("\n")
    assert len(lines) == 2 + len(rows)
    for line in lines:
        # unescaped pipes delimit the cells: 3 cells -> 4 delimiters
        assert line.replace("\\|", "").count("|") == 4
