"""What a simulated run records for the pattern suite (issue 16), through the engine's seams.

:class:`ContactSnapshots` is an analyzer: at the end of every window (week 0,
``window_weeks``, 2·``window_weeks`` …) it notes each living tie's uid, its
two people and its *cumulative* contacts (``TieStore.contacts``: the contacts
made over the tie during the run), and who is in the world. A tie's contacts
in window w are then its cumulative count at the window's end — or at its end,
read from the tie ledger, if it ended inside the window — minus its count at
the window's start (0 for a tie made inside it). Nothing is counted twice and
no contact is lost, and the run itself is not changed (an analyzer only reads).

:func:`pattern_data` turns the snapshots, the tie ledger and the opportunity
ledger into the suite's data contract (:mod:`jinmyaku.analysis.patterns`):
contact windows with the ties alive at each window's end, and the deliveries
of the last window against the contacts of the window before it. Encounters at
mixers and stages at tie formation are not recorded yet (their checks say "not
measured").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jinmyaku.analysis import patterns as P
from jinmyaku.model.engine import Analyzer
from jinmyaku.studies.validation.patterns import PatternData


@dataclass
class ContactSnapshots(Analyzer):
    """Living ties' cumulative contacts and the people present, every ``window_weeks``."""

    window_weeks: int = 52
    snaps: list[pd.DataFrame] = field(default_factory=list)  # uid, a, b, cum, cum_calls
    people: list[np.ndarray] = field(default_factory=list)

    def due(self, step: int) -> bool:
        return step % self.window_weeks == 0

    def observe(self, world) -> None:
        store = world.ties
        store.flush()
        ids = store.alive_ids()
        self.snaps.append(pd.DataFrame({
            "uid": store.uid[ids].astype(np.int64),
            "a": store.pa[ids].astype(np.int64), "b": store.pb[ids].astype(np.int64),
            "cum": store.contacts[ids].astype(np.int64),
            "cum_calls": store.calls[ids].astype(np.int64)}))
        self.people.append(world.people.pid.copy())


def _ordered(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.minimum(a, b), np.maximum(a, b)


CHANNELS = {"contacts": "cum", "calls": "cum_calls"}  # ledger column → snapshot column


def contact_windows(snaps: ContactSnapshots, ties: pd.DataFrame,
                    channel: str = "contacts") -> P.ContactWindows:
    """The contacts per pair and window between consecutive snapshots.

    ``ties``: the tie ledger (columns uid, a, b, birth, death — NaN or −1 while
    alive — and ``channel``), as ``Results.ties`` holds it. ``channel``:
    ``"contacts"`` (every contact: encounters at foci, discretionary contacts,
    deliveries, introductions) or ``"calls"`` (discretionary contacts only, §7.7:
    what a phone record sees). The windows' column is ``contacts`` either way.
    """
    w = snaps.window_weeks
    cum = CHANNELS[channel]
    led = ties[["uid", "a", "b", "birth", "death", channel]].rename(
        columns={channel: "contacts"})
    snaps_ = [s[["uid", "a", "b", cum]].rename(columns={cum: "cum"}) for s in snaps.snaps]
    death = led["death"].to_numpy(dtype=float)
    death = np.where(np.isnan(death) | (death < 0), np.inf, death)
    led["death"] = death
    rows, alive = [], []
    for t in range(len(snaps.snaps) - 1):
        start, end = snaps_[t], snaps_[t + 1]
        lo, hi = t * w, (t + 1) * w
        # ties living at the window's end, and ties that ended inside it
        ended = led[(led["death"] > lo) & (led["death"] <= hi)]
        cum_end = pd.concat([end[["uid", "a", "b", "cum"]],
                             ended.rename(columns={"contacts": "cum"})[["uid", "a", "b", "cum"]]])
        before = start.set_index("uid")["cum"]
        got = cum_end["cum"].to_numpy() - before.reindex(cum_end["uid"]).fillna(0).to_numpy()
        a, b = _ordered(cum_end["a"].to_numpy(), cum_end["b"].to_numpy())
        frame = pd.DataFrame({"window": t, "a": a, "b": b, "contacts": got.astype(np.int64)})
        # a pair can hold two ties in one window (one ended, another made): add them up
        frame = frame[frame["contacts"] > 0].groupby(["window", "a", "b"], as_index=False).sum()
        rows.append(frame)
        ea, eb = _ordered(end["a"].to_numpy(), end["b"].to_numpy())
        alive.append(pd.DataFrame({"window": t, "a": ea, "b": eb}).drop_duplicates())
    present = snaps.people[0]
    for p in snaps.people[1:]:
        present = np.intersect1d(present, p)
    return P.ContactWindows(pd.concat(rows, ignore_index=True), present, w,
                            pd.concat(alive, ignore_index=True))


def deliveries(snaps: ContactSnapshots, cw: P.ContactWindows, ties: pd.DataFrame,
               opportunities: pd.DataFrame) -> P.Deliveries | None:
    """The last window's deliveries against the contacts of the window before it."""
    if cw.windows < 2:
        return None
    w = snaps.window_weeks
    t = cw.windows - 1
    opp = opportunities[(opportunities["step"] > t * w) & (opportunities["step"] <= (t + 1) * w)]
    ends = ties.set_index("uid")[["a", "b"]]
    tie_ends = ends.reindex(opp["tie"].to_numpy())
    recipient = opp["recipient"].to_numpy()
    sender = np.where(tie_ends["a"].to_numpy() == recipient, tie_ends["b"].to_numpy(),
                      tie_ends["a"].to_numpy())
    return P.Deliveries(cw.window(t - 1), snaps.people[t - 1],
                        pd.DataFrame({"sender": sender.astype(np.int64),
                                      "recipient": recipient.astype(np.int64),
                                      "week": opp["step"].to_numpy()}), w)


def pattern_data(snaps: ContactSnapshots, results, channel: str = "contacts") -> PatternData:
    """The suite's data from a finished run's snapshots and ``Results``, on ``channel``."""
    ties = results.ties
    if not isinstance(ties, pd.DataFrame):
        ties = ties.to_pandas()
    cw = contact_windows(snaps, ties, channel)
    return PatternData(contacts=cw,
                       deliveries=deliveries(snaps, cw, ties, results.opportunities))
