"""The sweep spec: a TOML file naming a base scenario, a design and its parameters.

See ``docs/sweep.md`` for the format. :func:`load_spec` reads and checks a
spec and resolves its base scenario; every problem is an
:class:`~jinmyaku.errors.InputError` naming the file, the key and what is
allowed.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, model_validator

from jinmyaku._version import __version__
from jinmyaku.errors import InputError
from jinmyaku.model.scenario import (
    Scenario,
    builtin_names,
    load,
    name_problem,
    parse_toml,
    read_text,
)

Int = Annotated[int, Strict()]
Number = Annotated[float, Strict()] | Annotated[int, Strict()]
DESIGNS = ("grid", "random", "sobol", "morris")


class Parameter(BaseModel):
    """One swept parameter: its dotted scenario path, and bounds or (grid only) values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(min_length=1,
                      description="dotted scenario key, e.g. processes.mixers.new_tie")
    low: Number | None = Field(None, description="lower bound (inclusive)")
    high: Number | None = Field(None, description="upper bound (inclusive)")
    values: list[Number] | None = Field(None, min_length=1, description="grid values")


class Spec(BaseModel):
    """A sweep: base scenario, design, parameters, replicates, seeds and outcomes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("", description="sweep name (default: the file name without .toml)")
    description: str = ""
    scenario: str = Field("default", description="built-in scenario or TOML path "
                                                 "(relative to the spec file)")
    set: list[str] = Field(default_factory=list, description="overrides KEY=VALUE of the base")
    design: Literal[DESIGNS]
    samples: Int | None = Field(None, ge=1, le=1_000_000,
                                description="random: points; sobol: base N (a power of 2); "
                                            "morris: trajectories")
    levels: Int = Field(4, ge=2, le=1000, description="morris: grid levels (even); grid: points "
                                                      "per parameter given by bounds")
    replicates: Int = Field(3, ge=1, le=100_000, description="runs per design point")
    seed: Int = Field(1, ge=0, le=2**63 - 1, description="seeds the design and every run")
    crn: bool = Field(True, description="common random numbers across design points")
    outcomes: list[str] | None = Field(None, min_length=1,
                                       description="outcome names to keep (default: all)")
    series: bool = Field(True, description="store each run's per-step series as Parquet")
    parameters: list[Parameter] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Spec:
        if self.design != "grid" and self.samples is None:
            raise ValueError(f"samples: required for a {self.design} design ("
                             + {"random": "the number of points",
                                "sobol": "the base sample N, a power of 2; points = N·(D+2)",
                                "morris": "the number of trajectories; points = N·(D+1)",
                                }[self.design] + ")")
        if self.design == "grid" and self.samples is not None:
            raise ValueError("samples: not used by a grid design (its points are every "
                             "combination of the parameters' values); remove it")
        if self.design == "sobol" and self.samples & (self.samples - 1):
            lo = 1 << (self.samples.bit_length() - 1)
            raise ValueError(f"samples = {self.samples}: a Sobol design needs a power of 2, "
                             f"e.g. {lo} or {2 * lo}")
        if self.design == "morris" and self.levels % 2:
            raise ValueError(f"levels = {self.levels}: a Morris design needs an even number "
                             f"of levels, e.g. 4")
        if self.outcomes is not None and len(set(self.outcomes)) != len(self.outcomes):
            raise ValueError("outcomes: a name is given twice")
        if self.name and (problem := name_problem(self.name, "sweep folder")):
            raise ValueError(f"name: {problem}")
        seen = set()
        for i, p in enumerate(self.parameters):
            where = f"parameters[{i}]"
            for key, numbers in (("low", [p.low]), ("high", [p.high]), ("values", p.values)):
                bad = [v for v in numbers or [] if v is not None and not math.isfinite(v)]
                if bad:
                    raise ValueError(f"{where}.{key}: {bad[0]} is not a finite number (inf "
                                     f"and nan are not allowed)")
            if p.path in seen:
                raise ValueError(f"{where}.path: {p.path!r} is swept twice")
            seen.add(p.path)
            if p.path == "seed" or p.path.startswith("seed."):
                raise ValueError(f"{where}.path: the sweep sets each run's seed itself (from "
                                 f"`seed` and the replicate); `seed` cannot be a parameter")
            if p.values is not None:
                if self.design != "grid":
                    raise ValueError(f"{where}.values: only a grid design takes values; a "
                                     f"{self.design} design needs low and high")
                if p.low is not None or p.high is not None:
                    raise ValueError(f"{where}: give values or low and high, not both")
                if len(set(p.values)) != len(p.values):
                    raise ValueError(f"{where}.values: a value is given twice")
                continue
            if p.low is None or p.high is None:
                raise ValueError(f"{where}: low and high are required"
                                 + (" (or values, for a grid)" if self.design == "grid" else ""))
            if not (math.isfinite(p.low) and math.isfinite(p.high)) or not p.low < p.high:
                raise ValueError(f"{where}: low ({p.low}) must be below high ({p.high})")
        return self


@dataclass(frozen=True)
class Sweep:
    """A checked spec with its resolved base scenario.

    ``kinds``: per parameter, ``int`` or ``float`` (the type of the base
    scenario's value: integer parameters are rounded); ``outcomes``: the
    outcome names kept (sorted); ``digest``: SHA-256 of everything that
    determines the results (spec, resolved base scenario, jinmyaku version).
    """

    path: Path
    text: str
    spec: Spec
    base: Scenario
    kinds: tuple[type, ...]
    outcomes: tuple[str, ...]
    digest: str

    @property
    def names(self) -> list[str]:
        """The parameters' dotted paths, in spec order."""
        return [p.path for p in self.spec.parameters]

    def error(self, message: str) -> InputError:
        return InputError(f"{self.path}: {message}")


def _format(path: Path, err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ""
        for p in e["loc"]:
            loc += f"[{p}]" if isinstance(p, int) else (f".{p}" if loc else str(p))
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = ("unknown key; allowed: " + ", ".join(
                Parameter.model_fields if loc.startswith("parameters[") else Spec.model_fields))
        elif e["type"] == "value_error":
            msg = msg.removeprefix("Value error, ")
        elif e["type"] == "literal_error":
            msg = f"not allowed; {msg.lower()}"
        elif e["type"] == "missing" and loc == "design":
            msg = "required: one of " + ", ".join(DESIGNS)
        if loc.startswith("parameters[") and ".function-after" in loc:
            loc = loc.split(".function-after")[0]
        parts.append(f"{loc}: {msg}" if loc and not msg.startswith(loc) else msg)
    return f"{path}: invalid sweep spec: " + "; ".join(parts) + "."


def _lookup(raw: dict, dotted: str) -> Any:
    node: Any = raw
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return KeyError
        node = node[part]
    return node


def builtin_sweeps() -> list[str]:
    """Names of the sweep specs shipped with the package (``jinmyaku sweep NAME``)."""
    folder = resources.files("jinmyaku.studies.sweep") / "specs"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_spec(path: str | Path) -> Sweep:
    """Read, check and resolve a sweep spec (a TOML path, or the name of a built-in sweep);
    InputError naming the file and key on any problem."""
    path = Path(path)
    if not path.exists() and str(path) in builtin_sweeps():
        specs = resources.files("jinmyaku.studies.sweep") / "specs"
        text = (specs / f"{path}.toml").read_text("utf-8")
    else:
        if not path.exists():
            raise InputError(f"{path}: no such sweep spec file (built-in sweeps: "
                             f"{', '.join(builtin_sweeps())}).")
        text = read_text(path, "sweep spec")
    raw = parse_toml(text, str(path), "sweep spec",
                     "it needs at least a design and one [[parameters]] table (see "
                     "docs/sweep.md, or run a built-in sweep: "
                     f"{', '.join(builtin_sweeps())})")
    try:
        spec = Spec.model_validate(raw)
    except ValidationError as e:
        raise InputError(_format(path, e)) from None
    if not spec.name:
        if path.stem.startswith("."):  # "..toml" would make the folder sweeps/.
            raise InputError(f"{path}: the sweep is named after its file, and "
                             f"{path.stem!r} cannot name the sweep folder (sweeps/NAME); give "
                             f"it a name with name = '…' in the spec.")
        spec = spec.model_copy(update={"name": path.stem})

    source = spec.scenario
    if source not in builtin_names():
        candidate = Path(source)
        if not candidate.is_absolute():
            candidate = path.parent / candidate
        source = str(candidate)
    try:
        base = load(source, spec.set)
    except InputError as e:
        raise InputError(f"{path}: the base scenario (scenario = {spec.scenario!r}, set = "
                         f"[...]) is not valid: {e}") from None
    dump = base.resolved()

    kinds: list[type] = []
    for i, p in enumerate(spec.parameters):
        where = f"{path}: parameters[{i}].path = {p.path!r}"
        value = _lookup(dump, p.path)
        if value is KeyError:
            raise InputError(f"{where}: no such parameter in the base scenario; give a dotted "
                             f"key path such as processes.mixers.new_tie (`jinmyaku scenarios "
                             f"show default` lists every key).")
        if isinstance(value, bool) or not isinstance(value, int | float):
            kind = "a table" if isinstance(value, dict) else f"{type(value).__name__} {value!r}"
            raise InputError(f"{where}: only numbers can be swept, and this is {kind}.")
        kind = int if isinstance(value, int) else float
        numbers = p.values if p.values is not None else [p.low, p.high]
        if kind is int and any(float(v) != round(v) for v in numbers):
            key = "values" if p.values is not None else "low/high"
            raise InputError(f"{path}: parameters[{i}].{key}: {p.path} is an integer parameter "
                             f"(e.g. {value}); give whole numbers.")
        kinds.append(kind)

    from jinmyaku.studies.claims.outcomes import outcome_names

    known = outcome_names(base)
    if spec.outcomes is not None:
        unknown = [o for o in spec.outcomes if o not in known]
        if unknown:
            raise InputError(f"{path}: outcomes: unknown {', '.join(map(repr, unknown))}; "
                             f"allowed: {', '.join(known)}.")
        names = tuple(sorted(spec.outcomes))
    else:
        names = tuple(sorted(known))

    identity = {"spec": spec.model_dump(mode="json", exclude={"name", "description"}),
                "base": dump, "outcomes": names, "jinmyaku": __version__}
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
    return Sweep(path, text, spec, base, tuple(kinds), names, digest)
