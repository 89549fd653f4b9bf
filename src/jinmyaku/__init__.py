"""jinmyaku (人脈): simulate, measure and explain how a person's network forms and changes.

>>> import jinmyaku
>>> res = jinmyaku.run("small", seed=3)
>>> res.summary()  # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path

from jinmyaku._version import __version__

# Numba's parallel loops run on OpenMP threads (libgomp), which by default spin for
# about 300,000 turns at the end of every loop before they sleep. Two runs sharing the
# cores then spend their time slices spinning: two default runs side by side took 147 s
# each, against 9 s for one alone. A short spin keeps one run's speed and lets runs
# share (16 s for the pair). Set before libgomp is loaded (by the first parallel
# kernel); a value the user set is kept. See bench/README.md, "fifth pass".
os.environ.setdefault("GOMP_SPINCOUNT", "300")

from jinmyaku import _kernel_cache  # noqa: E402

_kernel_cache.configure()  # before any kernel module is imported

from jinmyaku.model.scenario import Scenario, load  # noqa: E402


def run(scenario: str | Path | Scenario = "default", *, seed: int | None = None,
        people: int | None = None, years: float | None = None,
        overrides: list[str] | None = None, progress=None):
    """Run a scenario (built-in name, TOML path or :class:`Scenario`); return its Results.

    ``seed``, ``people`` and ``years`` override the scenario's values, as do
    ``overrides`` of the form ``"processes.mixers.encounters=4"``.
    """
    from jinmyaku.model.scenario import apply_overrides
    from jinmyaku.studies.results import simulate

    sets = list(overrides or [])
    if seed is not None:
        sets.append(f"seed={seed}")
    if people is not None:
        sets.append(f"population.people={people}")
    if years is not None:
        sets.append(f"population.years={years}")
    if isinstance(scenario, Scenario):
        scenario = Scenario.model_validate(apply_overrides(scenario.model_dump(), sets))
    else:
        scenario = load(scenario, sets)
    return simulate(scenario, progress=progress)


__all__ = ["Scenario", "__version__", "load", "run"]
