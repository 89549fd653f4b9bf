"""Progress on the terminal: the one place a study's progress callbacks become a rich bar.

Studies know nothing of rich. They take a plain callback, ``progress(done,
total)`` (runs, weeks or draws done so far) or ``progress(message)`` (a line
of news), and a face passes one of the callables made here:

- :func:`bar` — a context manager yielding ``update(done, total, label=None)``:
  one bar per ``label`` (the bar's own label when None), each created on
  its first update with that update's total;
- :func:`messages` — ``say(message)``, a dim line on the console.

Both do nothing visible when ``quiet``. Labels and messages are printed as they are,
never read as rich markup: they hold user text (scenario names, paths).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


@contextlib.contextmanager
def bar(console: Console, label: str, *, unit: str = "", quiet: bool = False,
        resumed: bool = False) -> Iterator[Callable[..., None]]:
    """A transient bar (done / total ``unit``, elapsed, time left) on ``console``.

    Yields ``update(done, total, label=None)``. With ``resumed``, what is
    already done at the first update (runs stored by an earlier, interrupted
    call) is shown in the label and left out of the bar, so that it does not
    count towards the speed and the time left.
    """
    columns = [TextColumn("{task.description}", style="bold", markup=False), BarColumn(),
               MofNCompleteColumn()]
    if unit:
        columns.append(TextColumn(unit))
    columns += [TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn()]
    with Progress(*columns, console=console, disable=quiet, transient=True) as progress:
        tasks: dict[str, tuple[TaskID, int]] = {}

        def update(done: int, total: int, label: str | None = None) -> None:
            name = label if label is not None else default
            if name not in tasks:
                before = done if resumed else 0
                shown = f"{name} ({before} stored before)" if before else name
                tasks[name] = (progress.add_task(shown, total=total - before), before)
            task, before = tasks[name]
            progress.update(task, completed=done - before)

        default = label
        yield update


def messages(console: Console, quiet: bool = False) -> Callable[[str], None]:
    """``say(message)``: print a dim line of progress news on ``console`` (nothing if quiet)."""
    if quiet:
        return lambda message: None
    return lambda message: console.print(message, style="dim", markup=False, highlight=False)
