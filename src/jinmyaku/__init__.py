"""jinmyaku (人脈): simulate, measure and explain how a person's network forms and changes.

>>> import jinmyaku
>>> res = jinmyaku.run("small", seed=3)
>>> res.summary()  # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from pathlib import Path  # noqa: E402

from . import _kernel_cache  # noqa: E402

_kernel_cache.configure()  # before any kernel module is imported

from .scenario import Scenario, load  # noqa: E402


def run(scenario: str | Path | Scenario = "default", *, seed: int | None = None,
        people: int | None = None, years: float | None = None,
        overrides: list[str] | None = None, progress=None):
    """Run a scenario (built-in name, TOML path or :class:`Scenario`); return its Results.

    ``seed``, ``people`` and ``years`` override the scenario's values, as do
    ``overrides`` of the form ``"processes.mixers.encounters=4"``.
    """
    from .engine import Simulation

    sets = list(overrides or [])
    if seed is not None:
        sets.append(f"seed={seed}")
    if people is not None:
        sets.append(f"population.people={people}")
    if years is not None:
        sets.append(f"population.years={years}")
    if isinstance(scenario, Scenario):
        from .scenario import apply_overrides

        scenario = Scenario.model_validate(apply_overrides(scenario.model_dump(), sets))
    else:
        scenario = load(scenario, sets)
    return Simulation(scenario).run(progress=progress)


__all__ = ["Scenario", "__version__", "load", "run"]
