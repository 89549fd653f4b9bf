"""jinmyaku (人脈): simulate, measure and explain how a person's network forms and changes.

>>> import jinmyaku
>>> res = jinmyaku.run("small", seed=3)
>>> res.summary()  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from jinmyaku._version import __version__

# Importing jinmyaku changes nothing in the process or on disk, and imports neither
# Numba nor NumPy (a quarter of a second): the layers that hold compiled kernels
# (jinmyaku.model, jinmyaku.analysis) tell Numba where this source version's kernels
# live when they are first imported. The `jinmyaku` command also creates that
# folder, prunes old ones and sets GOMP_SPINCOUNT: see jinmyaku._kernel_cache and
# jinmyaku.faces.cli.main.

if TYPE_CHECKING:
    from collections.abc import Callable

    from jinmyaku.model.scenario import Scenario, load
    from jinmyaku.studies.results import Results


def __getattr__(name: str):
    """``Scenario`` and ``load`` are imported on first use, so that ``import jinmyaku`` is
    quick (the ``jinmyaku`` program catches Ctrl-C only once this package is imported)."""
    if name in ("Scenario", "load"):
        from jinmyaku.model import scenario

        return getattr(scenario, name)
    raise AttributeError(f"module 'jinmyaku' has no attribute {name!r}")


def run(scenario: str | Path | Scenario = "default", *, seed: int | None = None,
        people: int | None = None, years: float | None = None,
        overrides: list[str] | None = None,
        progress: Callable[[int, int], None] | None = None) -> Results:
    """Run a scenario (built-in name, TOML path or :class:`Scenario`); return its Results.

    ``seed``, ``people`` and ``years`` override the scenario's values, as do
    ``overrides`` of the form ``"processes.mixers.encounters=4"``. ``progress``,
    if given, is called as ``progress(weeks_done, weeks)`` after every week.
    """
    from jinmyaku.model.scenario import load
    from jinmyaku.studies.results import simulate

    sets = list(overrides or [])
    if people is not None:
        sets.append(f"population.people={people}")
    if years is not None:
        sets.append(f"population.years={years}")
    return simulate(load(scenario, sets, seed=seed), progress=progress)


__all__ = ["Scenario", "__version__", "load", "run"]
