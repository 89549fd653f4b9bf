"""Results of a run: tables in memory, a summary with intervals, and the run folder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from jinmyaku._version import __version__
from jinmyaku.analysis import intervals
from jinmyaku.errors import InputError
from jinmyaku.model import rng as model_rng
from jinmyaku.model.closest import mean_stage, person_ids
from jinmyaku.model.engine import Simulation
from jinmyaku.model.scenario import Scenario
from jinmyaku.model.vocabulary import BACKGROUND, CLOSEST, ORIGINS
from jinmyaku.storage import files as io
from jinmyaku.storage import ledger, memory
from jinmyaku.storage.folders import OutputFolder
from jinmyaku.storage.ledger import SpilledTies

if TYPE_CHECKING:
    import networkx as nx


@dataclass
class Results:
    """What a run produced, as pandas DataFrames.

    ``series``: per step and cohort means; ``events``: per step process counts;
    ``ties``: the tie ledger (every tie ever made); ``opportunities``: every
    delivered opportunity; ``people``: the final people table; ``start``:
    pid and stage at week 0 of everyone alive then (kept in memory, not written).

    When the run's tie ledger is too long to be kept in memory (at least
    ``ledger.SPILL_ROWS`` ties, dead and living; see ``Simulation``),
    ``ties`` is a :class:`ledger.SpilledTies` instead of a DataFrame: the
    sorted ``ties.parquet`` in a temporary folder, read on demand;
    :meth:`close` removes it.
    """

    scenario: Scenario
    series: pd.DataFrame
    events: pd.DataFrame
    ties: pd.DataFrame | SpilledTies
    opportunities: pd.DataFrame
    people: pd.DataFrame
    start: pd.DataFrame | None = None
    _summaries: dict[int, pd.DataFrame] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def from_simulation(cls, sim: Simulation) -> Results:
        """The results of a simulation as it stands (normally after its last week)."""
        w = sim.world
        p = w.people
        T = w.ties.arrays(changes_weights=False)
        closest = w.ties.closest(CLOSEST)
        sc = w.scenario
        series = pd.DataFrame(sim.recorder.series())
        events = pd.DataFrame(sim.recorder.event_table())
        w.ties.flush()
        if w.ties.ledger.in_memory(w.ties.n_alive):
            ties = ledger.ties_frame(w.ties.ledger_table())
        else:  # dead and living ties past the threshold: merged into a Parquet file
            ties = w.ties.ledger_file()
        opps = pd.DataFrame(sim.recorder.opportunities.table())
        opps["origin"] = pd.Categorical.from_codes(opps["origin"].astype(np.int8), ORIGINS)
        names = np.array([*w.strategy_names, "background"], dtype=object)
        people = pd.DataFrame({
            "pid": p.pid, "slot": np.arange(p.n, dtype=np.int64),
            "cohort": names[np.where(p.cohort == BACKGROUND, len(w.strategy_names), p.cohort)],
            "strategy": names[p.strategy], "joined": p.joined,
            "field": p.field, "aim": p.aim, "stage_start": p.stage_start, "stage": p.stage,
            f"closest{CLOSEST}_stage": mean_stage(closest.weight, closest.other, closest.m,
                                                  p.stage, w.ties.fading),
            f"closest{CLOSEST}_kept": _kept(sim.recorder.closest_start,
                                            person_ids(closest.other, closest.m, p.pid, CLOSEST),
                                            p.joined),
            "knowledge": p.knowledge, "degree": T.deg.copy(),
            "workplace": p.workplace, "focus": p.focus, "meetup": p.meetup,
            "opportunities": p.opp_count, "opportunity_value": p.opp_value,
            "introductions_made": p.intros_made,
        })
        for col in ("cohort", "strategy"):
            people[col] = pd.Categorical(people[col], categories=list(names))
        start = pd.DataFrame({"pid": sim.recorder.start_pid, "stage": sim.recorder.start_stage})
        return cls(sc, series, events, ties, opps, people, start)

    @classmethod
    def read(cls, folder: str | Path) -> Results:
        """The Results of a run folder written by :meth:`write` (``jinmyaku.open``).

        The manifest's checksums are checked first: a folder that is not a
        complete run (no ``manifest.json``, a file missing or changed) is refused
        with an InputError naming the file. The tables are the ones ``run`` gave,
        read back from Parquet (the whole tie ledger, also for a run that spilled
        it); ``summary()`` at its default ``n_boot`` is ``summary.parquet``.
        ``start`` (everyone's stage at week 0) is not in the folder: it is None.
        """
        from jinmyaku.model.scenario import load

        folder = Path(folder)
        manifest = io.read_manifest(folder, required=RUN_FILES)
        sc = load(folder / "scenario.toml")
        if sc.seed != manifest.get("seed") or sc.steps != manifest.get("steps"):
            raise InputError(f"{folder}: scenario.toml (seed {sc.seed}, {sc.steps} steps) "
                             f"does not match manifest.json (seed {manifest.get('seed')}, "
                             f"{manifest.get('steps')} steps); the run folder is damaged.")

        def table(name: str) -> pd.DataFrame:
            try:
                return pd.read_parquet(folder / f"{name}.parquet")
            except (OSError, ValueError, pa.ArrowException) as e:
                raise InputError(f"{folder / f'{name}.parquet'}: cannot be read as a table "
                                 f"({e}).") from None

        res = cls(sc, table("series"), table("events"), table("ties"),
                  table("opportunities"), table("people"))
        res._summaries[1000] = table("summary")
        return res

    # ------------------------------------------------------------ summary

    def summary(self, n_boot: int = 1000) -> pd.DataFrame:
        """See :meth:`_summary`; computed once per ``n_boot`` and kept."""
        if n_boot not in self._summaries:
            self._summaries[n_boot] = self._summary(n_boot)
        return self._summaries[n_boot].copy()

    def _summary(self, n_boot: int) -> pd.DataFrame:
        """Per focal strategy: means with 95% intervals over the cohort's members at the end.

        Long form: one row per (strategy, measure) with ``mean``, ``lo``, ``hi``
        and ``n``. Means of per-person values use the normal interval
        mean ± 1.96·SE; shares of opportunities by origin are ratios over the
        cohort, with a percentile bootstrap over its members (seeded).
        """
        sc = self.scenario
        years = sc.steps / 52.0
        ppl = self.people
        deg_by_origin = np.zeros((len(ppl), len(ORIGINS)), dtype=np.int64)
        for alive in ledger.alive_batches(self.ties, ["a", "b", "origin"]):  # one, unless spilled
            deg_by_origin += _ties_by_origin(alive, ppl["pid"].to_numpy())
        opp_by_origin = _opps_by_origin(self.opportunities, ppl["pid"].to_numpy())
        rows = []
        rng = model_rng.generator(sc.seed, model_rng.SUMMARY_BOOTSTRAP)
        # no focal cohorts (cohorts.size = 0, e.g. kumpula2007): an empty summary
        for strat in sc.cohorts.strategies if sc.cohort_size > 0 else []:
            m = (ppl["cohort"] == strat).to_numpy()
            n = int(m.sum())

            def add(measure, values, strat=strat):
                finite = np.isfinite(np.asarray(values, dtype=float))
                rows.append({"strategy": strat, "measure": measure, **_mean_ci(values),
                             "n": int(finite.sum())})

            add("stage_start", ppl["stage_start"].to_numpy()[m])
            add("stage_end", ppl["stage"].to_numpy()[m])
            add("stage_gain", (ppl["stage"] - ppl["stage_start"]).to_numpy()[m])
            add(f"closest{CLOSEST}_stage_end", ppl[f"closest{CLOSEST}_stage"].to_numpy()[m])
            add("ties_alive", deg_by_origin[m].sum(axis=1))
            for o, origin in enumerate(ORIGINS):
                add(f"ties_alive_{origin}", deg_by_origin[m, o])
            add("opportunities_per_year", ppl["opportunities"].to_numpy()[m] / years)
            add("opportunity_value_per_year", ppl["opportunity_value"].to_numpy()[m] / years)
            counts = opp_by_origin[m]
            for o, origin in enumerate(ORIGINS):
                rows.append({"strategy": strat, "measure": f"opportunity_share_{origin}",
                             **_ratio_ci(counts, o, rng, n_boot), "n": n})
        return pd.DataFrame(rows, columns=["strategy", "measure", "mean", "lo", "hi", "n"])

    # ------------------------------------------------------------ graph and files

    def graph(self) -> nx.Graph:
        """The final network as a NetworkX graph (nodes by pid; ties with weight, origin)."""
        import networkx as nx

        g = nx.Graph()
        ppl = self.people.sort_values("pid")
        for row in ppl.itertuples(index=False):
            g.add_node(int(row.pid), cohort=str(row.cohort), strategy=str(row.strategy),
                       field=int(row.field), aim=int(row.aim), stage=float(row.stage))
        alive = ledger.alive(self.ties).sort_values("uid")
        for row in alive.itertuples(index=False):
            g.add_edge(int(row.a), int(row.b), weight=float(row.weight), origin=str(row.origin),
                       birth=int(row.birth), value=float(row.value))
        return g

    def write(self, out: str | Path | OutputFolder, export_graph: bool = False,
              extra: Callable[[Path], list[str]] | None = None) -> list[str]:
        """Write the run folder (see README, "Where results go"); returns the file names.

        The folder is written whole or not at all (:mod:`jinmyaku.storage.folders`):
        a run already there is replaced only once the new one is complete. ``out``
        may be an :class:`OutputFolder` claimed before the run started. ``extra``
        writes more files into the folder before the manifest (``jinmyaku run``'s
        ``report.html``) and returns their names, which the manifest lists too.
        """
        if not isinstance(out, OutputFolder):
            with OutputFolder(out, "run folder", writes=run_files(export_graph)) as folder:
                return self.write(folder, export_graph, extra)
        try:
            return out.write(lambda staging: self._write_files(staging, export_graph, extra))
        except OSError as e:
            raise InputError(f"{out.out}: writing results failed ({e.strerror or e}); the "
                             f"folder was left as it was.") from None

    def _write_files(self, out: Path, export_graph: bool,
                     extra: Callable[[Path], list[str]] | None = None) -> list[str]:
        files = []
        header = (f"# jinmyaku {__version__}: the resolved scenario of this run "
                  f"(seed {self.scenario.seed}).\n")
        io.write_text(out / "scenario.toml", header + self.scenario.to_toml())
        files.append("scenario.toml")
        for name, df in (("series", self.series), ("events", self.events),
                         ("ties", self.ties), ("opportunities", self.opportunities),
                         ("people", self.people), ("summary", self.summary())):
            if isinstance(df, SpilledTies):  # already the file's bytes
                io.atomic_write(out / f"{name}.parquet", df.copy_to)
            else:
                io.write_parquet(out / f"{name}.parquet",
                                 pa.Table.from_pandas(df, preserve_index=False))
            files.append(f"{name}.parquet")
        if export_graph:
            import networkx as nx

            io.atomic_write(out / "network.graphml",
                            lambda tmp: nx.write_graphml(self.graph(), tmp))
            files.append("network.graphml")
        if extra is not None:
            files += extra(out)
        io.write_manifest(out, files, {"jinmyaku": __version__,
                                       "scenario": self.scenario.name,
                                       "seed": self.scenario.seed,
                                       "steps": self.scenario.steps})
        return files

    def close(self) -> None:
        """Remove the temporary files of a spilled tie ledger (nothing to do otherwise)."""
        if isinstance(self.ties, SpilledTies):
            self.ties.close()


RUN_FILES = ("scenario.toml", "series.parquet", "events.parquet", "ties.parquet",
             "opportunities.parquet", "people.parquet", "summary.parquet")
"""The files of every run folder (``network.graphml`` only with ``--export-graph``)."""


def run_files(export_graph: bool = False) -> tuple[str, ...]:
    """The files a run folder gets, ``manifest.json`` aside."""
    return (*RUN_FILES, "network.graphml") if export_graph else RUN_FILES


def simulation(scenario: Scenario, *, check_memory: bool = True,
               spill_rows: int | None | object = ledger.DEFAULT, **seams) -> Simulation:
    """A :class:`Simulation` whose tie ledger spills to disk past ``spill_rows`` rows.

    First refuses (InputError) a run whose estimated memory cannot fit
    (``check_memory``). ``spill_rows``: tie-ledger rows kept in memory before
    they are spilled (default ``ledger.SPILL_ROWS``); a run whose ledger, dead
    and living ties together, reaches it gives ``Results.ties`` as a
    ``ledger.SpilledTies``. ``None`` keeps the whole ledger in memory, for
    callers that need ``Results.ties`` as a DataFrame. ``seams``: the
    simulation's ``seed_network``, ``interventions`` and ``analyzers``.
    """
    spill_rows = ledger.SPILL_ROWS if spill_rows is ledger.DEFAULT else spill_rows
    if check_memory:
        memory.check(scenario, spill_rows=spill_rows)
    tie_ledger = None if spill_rows is None else ledger.TieLedger(spill_rows)
    return Simulation(scenario, tie_ledger=tie_ledger, **seams)


def simulate(scenario: Scenario, *, progress: Callable[[int, int], None] | None = None,
             **options) -> Results:
    """Run ``scenario`` to its end; its :class:`Results`. ``options`` as for :func:`simulation`."""
    return Results.from_simulation(simulation(scenario, **options).run(progress=progress))


def _kept(start: np.ndarray, end: np.ndarray, joined: np.ndarray) -> np.ndarray:
    """Share of each person's closest ties at the start still among their closest at the end.

    NaN for newcomers and for people who had no ties at the start.
    """
    had = start >= 0
    still = ((start[:, :, None] == end[:, None, :]) & had[:, :, None]).any(axis=2)
    n = had.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = still.sum(axis=1) / n
    return np.where((n > 0) & (joined == 0), share, np.nan)


def _ties_by_origin(alive: pd.DataFrame, pids: np.ndarray) -> np.ndarray:
    """(people, origins) living ties of each person by origin."""
    index = pd.Index(pids)
    out = np.zeros((pids.size, len(ORIGINS)), dtype=np.int64)
    codes = alive["origin"].cat.codes.to_numpy()
    for col in ("a", "b"):
        pos = index.get_indexer(alive[col].to_numpy())
        ok = pos >= 0
        np.add.at(out, (pos[ok], codes[ok]), 1)
    return out


def _opps_by_origin(opps: pd.DataFrame, pids: np.ndarray) -> np.ndarray:
    out = np.zeros((pids.size, len(ORIGINS)), dtype=np.int64)
    if len(opps):
        pos = pd.Index(pids).get_indexer(opps["recipient"].to_numpy())
        ok = pos >= 0
        np.add.at(out, (pos[ok], opps["origin"].cat.codes.to_numpy()[ok]), 1)
    return out


def _mean_ci(values: np.ndarray) -> dict[str, float]:
    mean, lo, hi = intervals.normal_mean(values)
    return {"mean": mean, "lo": lo, "hi": hi}


def _ratio_ci(counts: np.ndarray, o: int, rng: np.random.Generator,
              n_boot: int) -> dict[str, float]:
    total = counts.sum()
    if total == 0:
        return {"mean": np.nan, "lo": np.nan, "hi": np.nan}
    share = counts[:, o].sum() / total
    idx = rng.integers(0, counts.shape[0], size=(n_boot, counts.shape[0]))
    num = counts[idx, o].sum(axis=1)
    den = counts[idx].sum(axis=(1, 2))
    boot = num[den > 0] / den[den > 0]
    if boot.size == 0:
        return {"mean": float(share), "lo": np.nan, "hi": np.nan}
    lo, hi = intervals.percentile(boot)
    return {"mean": float(share), "lo": lo, "hi": hi}
