"""The one progress helper of the faces (faces/progress.py)."""

from __future__ import annotations

import io

from rich.console import Console

from jinmyaku.faces import progress


def console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=120, color_system=None), out


def test_bar_shows_each_label_with_its_own_total():
    c, out = console()
    with progress.bar(c, "main", unit="runs") as update:
        update(0, 10)
        update(4, 10)
        update(2, 3, "stage two")
    text = out.getvalue()
    assert "main" in text and "4/10 runs" in text and "stage two" in text and "2/3" in text


def test_a_resumed_bar_leaves_out_what_was_done_before():
    c, out = console()
    with progress.bar(c, "sweep", unit="runs", resumed=True) as update:
        update(3, 10)
        update(5, 10)
    text = out.getvalue()
    assert "sweep (3 stored before)" in text and "2/7" in text and "5/10" not in text


def test_quiet_bar_and_messages_print_nothing():
    c, out = console()
    with progress.bar(c, "main", quiet=True) as update:
        update(1, 2)
    progress.messages(c, quiet=True)("news")
    assert out.getvalue() == ""
    progress.messages(c)("news")
    assert "news" in out.getvalue()


def test_studies_import_no_rich():
    import pathlib

    import jinmyaku

    studies = pathlib.Path(jinmyaku.__file__).parent / "studies"
    for path in studies.rglob("*.py"):
        assert "rich.progress" not in path.read_text(encoding="utf-8"), path


def test_labels_and_messages_are_printed_literally():
    """User text (a scenario named with brackets, a path) is never read as rich markup:
    ``[/x]`` once crashed with MarkupError and ``[draft]`` vanished."""
    c, out = console()
    with progress.bar(c, "my[draft]run [/x]", unit="weeks") as update:
        update(1, 2)
        update(1, 2, "[bold]stage")
    progress.messages(c)("simulating runs/my[draft]run [/x]")
    text = out.getvalue()
    assert "my[draft]run [/x]" in text and "[bold]stage" in text
    assert "simulating runs/my[draft]run [/x]" in text
