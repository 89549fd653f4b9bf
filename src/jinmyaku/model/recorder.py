"""Recorded reductions: what the engine keeps of each week.

Not a dump of every person every week: per step and per cohort, the means
of stage, closest-five stage, degree, knowledge and ties by origin, and the
totals of opportunities (and their value) received that week by people still
in the cohort; per step, the counts each process reported.

A schedule made only of the Kumpula processes (scenario ``kumpula2007``)
reads and changes no person attribute but ties, so its series keeps only
members and mean degree per cohort: recording then costs microseconds a step
instead of milliseconds.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from jinmyaku.model.closest import mean_stage, person_ids
from jinmyaku.model.ledgers import OpportunityLedger
from jinmyaku.model.scenario import KUMPULA_PROCESSES
from jinmyaku.model.vocabulary import BACKGROUND, CLOSEST, ORIGINS
from jinmyaku.model.world import World


@njit(cache=True)
def ties_by_origin(by_origin, bucket, n_buckets: int):
    """Living ties per (cohort position, origin), each tie counted at both ends.

    Sums the people's counts of living ties by origin (``TieStore.by_origin``,
    kept up to date as ties are made and ended), so no pass over the ties.
    """
    out = np.zeros((n_buckets, by_origin.shape[1]), dtype=np.int64)
    for i in range(bucket.size):
        for o in range(by_origin.shape[1]):
            out[bucket[i], o] += by_origin[i, o]
    return out


class Recorder:
    """Owns what a run records: per-step, per-cohort means (``series``), per-step
    process counts (``events``), the tie ledger (the world's tie store writes to
    it) and the opportunity ledger (the opportunities process writes to it)."""

    def __init__(self, world: World) -> None:
        self.tie_ledger = world.ties.ledger
        self.opportunities = OpportunityLedger()
        focal = [world.strategy_names.index(s) for s in world.scenario.cohorts.strategies]
        # cohorts in ascending code order: background (-1) first, then focal strategies
        self.codes = np.array(sorted([BACKGROUND, *focal]))
        self.names = [world.strategy_names[c] if c != BACKGROUND else "background"
                      for c in self.codes]
        self.rows: dict[str, list] = {}
        self.network_only = set(world.scenario.schedule) <= set(KUMPULA_PROCESSES)
        self.events: list[dict[str, float]] = []
        # who each person's closest five were at the start (person ids, -1 pads), so that
        # the results can say how many of them are still among the closest five
        r = world.ties.closest(CLOSEST)
        self.closest_start = person_ids(r.other, r.m, world.people.pid, CLOSEST)
        self.start_pid = world.people.pid.copy()  # everyone's stage at week 0
        self.start_stage = world.people.stage.copy()
        self._last_opp = world.people.opp_count.copy()
        self._last_value = world.people.opp_value.copy()

    def record(self, world: World, counts: dict[str, float]) -> None:
        if self.network_only:
            self._record_network(world, counts)
            return
        p, t = world.people, world.step
        T = world.ties.arrays(changes_weights=False)
        r = world.ties.closest(CLOSEST)
        closest = mean_stage(r.weight, r.other, r.m, p.stage, world.ties.fading)
        new = p.joined == t
        got = np.where(new, p.opp_count, p.opp_count - self._last_opp)
        val = np.where(new, p.opp_value, p.opp_value - self._last_value)
        self._last_opp = p.opp_count.copy()
        self._last_value = p.opp_value.copy()
        bucket = np.searchsorted(self.codes, p.cohort)  # position of each person's cohort
        nb = self.codes.size
        members = np.bincount(bucket, minlength=nb)
        has5 = np.isfinite(closest)
        sums = {
            "stage": np.bincount(bucket, p.stage, nb),
            "closest5_stage": np.bincount(bucket[has5], closest[has5], nb),
            "degree": np.bincount(bucket, T.deg, nb),
            "knowledge": np.bincount(bucket, p.knowledge, nb),
        }
        n5 = np.bincount(bucket[has5], minlength=nb)
        opps = np.bincount(bucket, got, nb)
        value = np.bincount(bucket, val, nb)
        by_origin = ties_by_origin(T.by_origin, bucket, nb)
        with np.errstate(invalid="ignore", divide="ignore"):
            for pos, name in enumerate(self.names):
                n = int(members[pos])
                row = {"step": t, "cohort": name, "members": n}
                for key, tot in sums.items():
                    den = n5[pos] if key == "closest5_stage" else n
                    row[key] = float(tot[pos] / den) if den else np.nan
                row["opportunities"] = int(opps[pos])
                row["opportunity_value"] = float(value[pos])
                for o, origin in enumerate(ORIGINS):
                    row[f"ties_{origin}"] = float(by_origin[pos, o] / n) if n else np.nan
                for k, v in row.items():
                    self.rows.setdefault(k, []).append(v)
        self.events.append({"step": t, "ties_alive": world.ties.n_alive, **counts})

    def _record_network(self, world: World, counts: dict[str, float]) -> None:
        """Members and mean degree per cohort, and the process counts."""
        bucket = np.searchsorted(self.codes, world.people.cohort)
        nb = self.codes.size
        members = np.bincount(bucket, minlength=nb)
        degree = np.bincount(bucket, world.ties.deg, nb)
        for pos, name in enumerate(self.names):
            n = int(members[pos])
            row = {"step": world.step, "cohort": name, "members": n,
                   "degree": float(degree[pos] / n) if n else np.nan}
            for k, v in row.items():
                self.rows.setdefault(k, []).append(v)
        self.events.append({"step": world.step, "ties_alive": world.ties.n_alive, **counts})

    def series(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(v) for k, v in self.rows.items()}

    def event_table(self) -> dict[str, np.ndarray]:
        keys: list[str] = []
        for e in self.events:
            keys += [k for k in e if k not in keys]
        return {k: np.asarray([e.get(k, 0) for e in self.events]) for k in keys}
