"""An observed network beside a simulated one of the same size.

Reading: an edge list (CSV, header ``source,target`` or ``source,target,weight``;
repeated pairs, in either order, add up; weight 1 when absent) and an
optional node table (header ``node,group``). Malformed files are refused
with the line numbers at fault (:class:`~jinmyaku.errors.InputError`).

Simulating "the same world": the scenario is run with as many people as the
observed network has nodes, and the observed groups become the model's
workplaces — the focus everyone meets every week (Feld's foci). This is done
by the engine's seed network (:func:`grouped_simulation`,
:class:`~jinmyaku.model.world.SeedNetwork`): the world is built as usual, but each
person's workplace is set to their observed group (people without a group get
a workplace of their own), their field to the block of workplaces that holds
it (an aim that was the old field follows it, and the focus and meetup group
follow the aim), and the starting workplace ties are drawn within the
observed groups with the scenario's ``population.workplace_ties``.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from jinmyaku.analysis import network as S
from jinmyaku.errors import InputError
from jinmyaku.model import scenario as scenario_mod
from jinmyaku.model.engine import Simulation
from jinmyaku.model.world import SeedNetwork
from jinmyaku.storage import memory
from jinmyaku.studies.results import Results

MAX_REPORTED = 5  # malformed lines named in one error message


def _open_rows(path: Path, what: str) -> tuple[list[list[str]], list[int]]:
    """The file's CSV rows and the line each starts on (a quoted field may span lines)."""
    try:
        text = path.read_text("utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such {what} file.") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read the {what} file ({e}).") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, starts, end = [], [], 0
    try:
        for row in reader:
            rows.append(row)
            starts.append(end + 1)
            end = reader.line_num
    except csv.Error as e:
        raise InputError(f"{path}: line {reader.line_num}: not readable as CSV ({e}).") from None
    return rows, starts


def _header(path: Path, rows: list[list[str]], allowed: list[list[str]]) -> list[str]:
    if not rows:
        raise InputError(f"{path}: the file is empty; expected a header line "
                         f"{' or '.join(','.join(a) for a in allowed)}.")
    head = [c.strip().lower() for c in rows[0]]
    if head not in allowed:
        want = " or ".join(",".join(a) for a in allowed)
        raise InputError(f"{path}: line 1: expected the header {want}; "
                         f"found {','.join(rows[0])!r}.")
    return head


def _raise(path: Path, problems: list[str]) -> None:
    more = len(problems) - MAX_REPORTED
    text = "; ".join(problems[:MAX_REPORTED]) + (f"; and {more} more" if more > 0 else "")
    raise InputError(f"{path}: malformed lines: {text}.")


def read_edges(path: str | Path) -> tuple[S.Edges, list[str]]:
    """Read an edge list; returns the network and the node names (index = node id).

    Blank lines are skipped. Refused, with line numbers: a wrong header, a
    wrong number of fields, an empty name, a self-loop, a weight that is not
    a finite number > 0; also a file without ties.
    """
    path = Path(path)
    rows, starts = _open_rows(path, "edge list")
    head = _header(path, rows, [["source", "target"], ["source", "target", "weight"]])
    src, dst, wts, problems = [], [], [], []
    for line, row in zip(starts[1:], rows[1:], strict=True):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(head):
            problems.append(f"line {line}: {len(row)} fields, expected {len(head)}")
            continue
        s, t = row[0].strip(), row[1].strip()
        if not s or not t:
            problems.append(f"line {line}: empty source or target")
            continue
        if s == t:
            problems.append(f"line {line}: source and target are the same ({s!r})")
            continue
        w = 1.0
        if len(head) == 3:
            try:
                w = float(row[2])
            except ValueError:
                problems.append(f"line {line}: weight {row[2].strip()!r} is not a number")
                continue
            if not math.isfinite(w) or w <= 0:
                problems.append(f"line {line}: weight {row[2].strip()} is not a finite number > 0")
                continue
        src.append(s)
        dst.append(t)
        wts.append(w)
    if problems:
        _raise(path, problems)
    if not src:
        raise InputError(f"{path}: no ties after the header.")
    names, codes = np.unique(np.array(src + dst, dtype=object).astype(str), return_inverse=True)
    m = len(src)
    e = S.make_edges(names.size, codes[:m], codes[m:], np.array(wts))
    return e, [str(x) for x in names]


def read_groups(path: str | Path, names: list[str]) -> tuple[np.ndarray, list[str], list[str]]:
    """Read a node table (``node,group``); returns group codes per node (−1: none).

    Also returns the group labels and the names of nodes listed in the table
    but on no tie (added as isolated nodes by :func:`with_isolates`). A node
    listed twice or an empty node name is refused with its line numbers.
    """
    path = Path(path)
    rows, starts = _open_rows(path, "node table")
    _header(path, rows, [["node", "group"]])
    seen: dict[str, int] = {}
    label: dict[str, str] = {}
    problems = []
    for line, row in zip(starts[1:], rows[1:], strict=True):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != 2:
            problems.append(f"line {line}: {len(row)} fields, expected 2")
            continue
        node, grp = row[0].strip(), row[1].strip()
        if not node:
            problems.append(f"line {line}: empty node name")
            continue
        if node in seen:
            problems.append(f"line {line}: node {node!r} already listed on line {seen[node]}")
            continue
        seen[node] = line
        if grp:
            label[node] = grp
    if problems:
        _raise(path, problems)
    known = set(names)
    extra = sorted(n for n in seen if n not in known)
    if seen and len(extra) == len(seen):
        some = ", ".join(repr(n) for n in list(seen)[:3])
        raise InputError(f"{path}: no node of the node table is in the edge list (e.g. {some}); "
                         f"is it the node table of this network?")
    all_names = names + extra
    labels = sorted(set(label.values()))
    index = {g: i for i, g in enumerate(labels)}
    codes = np.array([index[label[n]] if n in label else -1 for n in all_names], dtype=np.int64)
    return codes, labels, extra


def with_isolates(e: S.Edges, extra: int) -> S.Edges:
    """The same ties over ``extra`` more (isolated) nodes."""
    return replace(e, n=e.n + extra)


def load_observed(edges: str | Path, groups: str | Path | None = None
                  ) -> tuple[S.Edges, np.ndarray | None, list[str]]:
    """Read an observed network and its groups; returns (Edges, group codes or None, names)."""
    e, names = read_edges(edges)
    if groups is None:
        return e, None, names
    codes, _, extra = read_groups(groups, names)
    return with_isolates(e, len(extra)), codes, names + extra


# ------------------------------------------------------------------ simulation

def sized_scenario(sc: scenario_mod.Scenario, people: int,
                   overrides: list[str] | None = None, *,
                   seed: int | None = None) -> scenario_mod.Scenario:
    """``sc`` with ``people`` people (focal cohorts shrunk to fit), ``overrides`` applied
    and, if given, ``seed``."""
    if people > scenario_mod.PEOPLE_CAP:
        raise InputError(f"the observed network has {people:,} nodes, but the model simulates "
                         f"at most {scenario_mod.PEOPLE_CAP:,} people (population.people), "
                         f"so it cannot be compared with a network this large.")
    raw = sc.model_dump(mode="json")
    raw["population"]["people"] = max(10, people)
    if raw["cohorts"]["size"] is not None:  # not given: it follows the population already
        k = len(raw["cohorts"]["strategies"])
        raw["cohorts"]["size"] = min(raw["cohorts"]["size"],
                                     scenario_mod.default_cohort_size(max(10, people), k))
    raw = scenario_mod.apply_overrides(raw, list(overrides or []))
    if seed is not None:
        raw["seed"] = seed
    return scenario_mod.validate(raw, f"the scenario for the observed network "
                                      f"({people:,} nodes)")


def grouped_simulation(sc: scenario_mod.Scenario, group: np.ndarray) -> Simulation:
    """A Simulation of ``sc`` whose workplaces are the given groups (one entry per person).

    ``group`` has one code per person (``len(group)`` must equal
    ``population.people``), −1 for no group: the world's seed network
    (:class:`~jinmyaku.model.world.SeedNetwork`). See the module docstring.
    """
    group = np.asarray(group, dtype=np.int64)
    n = sc.population.people
    if group.size != n:
        raise ValueError(f"{group.size} group codes for {n} people")
    memory.check(sc, spill_rows=None)
    return Simulation(sc, seed_network=SeedNetwork(group=group))  # the ledger in memory


def simulated_network(res: Results, n_groups: int) -> tuple[S.Edges, np.ndarray]:
    """The final network of a grouped run, with each person's group (workplace; −1 if own)."""
    ppl = res.people.sort_values("pid")
    e, _ = S.edges_from_ties(res.ties, ppl["pid"].to_numpy())
    wp = ppl["workplace"].to_numpy()
    return e, np.where(wp < n_groups, wp, -1)


def simulate_like(e: S.Edges, group: np.ndarray | None, sc: scenario_mod.Scenario,
                  overrides: list[str] | None = None, *,
                  seed: int | None = None) -> tuple[S.Edges, np.ndarray]:
    """Simulate a world the size of ``e`` whose workplaces are ``group``; its final network."""
    sc = sized_scenario(sc, e.n, overrides, seed=seed)
    g = np.full(sc.population.people, -1) if group is None else np.asarray(group)
    if g.size < sc.population.people:
        g = np.concatenate([g, np.full(sc.population.people - g.size, -1)])
    res = Results.from_simulation(grouped_simulation(sc, g).run())
    n_groups = int(g.max()) + 1 if (g >= 0).any() else 0  # workplaces below: observed groups
    return simulated_network(res, n_groups)


STAT_LABELS = {
    "nodes": "nodes", "ties": "ties", "degree_mean": "degree: mean",
    "degree_median": "degree: median", "degree_p90": "degree: 90th percentile",
    "degree_max": "degree: max", "clustering": "average clustering (degree ≥ 2)",
    "weight_cv": "weight: coefficient of variation",
    "weight_top10_share": "weight: share held by the strongest 10% of ties",
    "overlap_weight_rho": "overlap–weight Spearman ρ",
    "inside_group_share": "share of ties inside groups",
    "layer1": "Dunbar layer 1 (cumulative)", "layer2": "Dunbar layer 2 (cumulative)",
    "layer3": "Dunbar layer 3 (cumulative)", "layer4": "Dunbar layer 4 (cumulative)",
}


def compare(e: S.Edges, group: np.ndarray | None, sc: scenario_mod.Scenario,
            overrides: list[str] | None = None) -> pd.DataFrame:
    """Side by side: the structural statistics of the observed and a simulated network."""
    obs = S.structure(e, group)
    se, sg = simulate_like(e, group, sc, overrides)
    sim = S.structure(se, sg if group is not None else None)
    return pd.DataFrame({"statistic": [STAT_LABELS[k] for k in obs], "key": list(obs),
                         "observed": list(obs.values()), "simulated": [sim[k] for k in obs]})
