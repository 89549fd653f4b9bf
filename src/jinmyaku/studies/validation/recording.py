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
of the last window against the contacts of the window before it; with the two
analyzers below, also the encounters at mixers (P11) and the stages at tie
formation (P12).

:class:`MixerEvents` (P11) asks the mixers process to keep each week's plan
(``Mixers.keep_plan``; read before it is carried out, so the ties are those
held when the events began) and notes, every week, each generic mixer's
attendees, how many of their co-attendees each was tied to, and each pair that
met with whether they were tied before.

:class:`TieFormations` (P12) notes, every week, the ties made that week (uids
above the last week's) and the stages of their two ends at the start of that
week (the end of the week before, before any process of the week acts), with
as many random untied pairs drawn among the people present then
(``model.rng.PATTERN_BASELINE``, one generator a week, so the draws do not
depend on when the analyzer was added); ``lag_weeks`` later it reads the
stages of both ends again, if they are still there (the same pids).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jinmyaku.analysis import patterns as P
from jinmyaku.model import rng
from jinmyaku.model.engine import Analyzer
from jinmyaku.model.ties import NEXT_UID
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


@dataclass
class MixerEvents(Analyzer):
    """Attendance and encounters at every generic mixer of the run (P11).

    Event ids number the run's events from 0 (a week's events in the order of
    their group numbers). ``ended``: encounters planned over a tie that ended
    during the event (if it ended before the encounter, the kernel met the
    random co-attendee drawn instead; here they stay as planned, so ``ended``
    bounds the rows that differ from the run).
    """

    process: str = "mixers"
    # event, week, person, known_attendees
    attendance: list[pd.DataFrame] = field(default_factory=list)
    encounters: list[pd.DataFrame] = field(default_factory=list)  # event, week, i, j, known
    events: int = 0
    ended: int = 0
    _proc: object = field(default=None, repr=False, compare=False)

    def attach(self, simulation) -> None:
        self._proc = simulation.process(self.process)
        if self._proc is not None:
            self._proc.keep_plan = True

    def observe(self, world) -> None:
        plan = None if self._proc is None else self._proc.last_plan
        if plan is None or plan.week != world.step:
            return
        groups, at = np.unique(plan.group, return_inverse=True)
        event = self.events + at.astype(np.int64)
        self.events += groups.size
        self.ended += plan.ended
        self.attendance.append(pd.DataFrame({
            "event": event, "week": plan.week, "person": plan.person.astype(np.int64),
            "known_attendees": plan.known_attendees.astype(np.int64)}))
        i, j = _ordered(plan.person[plan.who].astype(np.int64), plan.met.astype(np.int64))
        self.encounters.append(pd.DataFrame({"event": event[plan.who], "week": plan.week,
                                             "i": i, "j": j, "known": plan.known}))

    def data(self) -> P.MixerEncounters | None:
        """The contract's table (each pair once per event, ``i < j``; ``times``: how many
        of its encounters met that pair), or None if no one attended a mixer."""
        if not self.attendance:
            return None
        att = pd.concat(self.attendance, ignore_index=True)
        if att.empty:
            return None
        enc = pd.concat(self.encounters, ignore_index=True)
        enc = enc.groupby(["event", "i", "j"], as_index=False, sort=True).agg(
            week=("week", "first"), known=("known", "max"), times=("known", "size"))
        out = P.MixerEncounters(enc[["event", "week", "i", "j", "known", "times"]], att)
        out.encounters.attrs["ended"] = self.ended
        return out


SI_FRAME = ("week", "uid", "slot_a", "slot_b", "a", "b", "stage_a0", "stage_b0")


@dataclass
class TieFormations(Analyzer):
    """Stages of the two ends of every tie made, at formation and ``lag_weeks`` later (P12).

    Observes every week. ``per_tie``: untied baseline pairs drawn per tie made
    (``formed`` ties noted, ``drawn`` pairs drawn). ``unseen``: ties made and
    ended within one week (never seen alive; left out); ``newcomers``: ties
    made in the week one of their ends entered the world (no stage at the
    week's start; left out). The tables carry the formation ``week`` and the
    tie's ``uid`` (−1 for baseline pairs) besides the contract's columns.
    """

    lag_weeks: int = 52
    per_tie: int = 1
    tied: list[pd.DataFrame] = field(default_factory=list)
    baseline: list[pd.DataFrame] = field(default_factory=list)
    formed: int = 0
    drawn: int = 0
    unseen: int = 0
    newcomers: int = 0
    _pending: dict = field(default_factory=dict, repr=False)  # due week → [(kind, frame)]
    _last: tuple | None = field(default=None, repr=False)  # week, pids, stages, next uid

    _DRAW_ROUNDS = 50  # rounds of baseline draws before giving up (a world tied all over)

    def observe(self, world) -> None:
        t, p = world.step, world.people
        last = self._last
        if last is not None and last[0] == t - 1:
            self._formed(world, *last[1:])
        for kind, frame in self._pending.pop(t, []):
            self._later(world, kind, frame)
        self._last = (t, p.pid.copy(), p.stage.copy(), int(world.ties.counters[NEXT_UID]))

    def _formed(self, world, pid0: np.ndarray, stage0: np.ndarray, uid0: int) -> None:
        store, pid = world.ties, world.people.pid
        ids = store.alive_ids()
        new = ids[store.uid[ids] >= uid0]
        new = new[np.argsort(store.uid[new], kind="stable")]
        self.unseen += int(store.counters[NEXT_UID]) - uid0 - new.size
        here = pid0 == pid  # present at the start and at the end of the week
        sa, sb = store.a[new].astype(np.int64), store.b[new].astype(np.int64)
        ok = here[sa] & here[sb]
        self.newcomers += int((~ok).sum())
        sa, sb = sa[ok], sb[ok]
        if not sa.size:
            return
        due = world.step - 1 + self.lag_weeks
        pending = self._pending.setdefault(due, [])
        uid = store.uid[new[ok]].astype(np.int64)
        pending.append(("tied", self._frame(world.step, uid, sa, sb, pid, stage0)))
        ba, bb = self._untied(world, np.flatnonzero(here), self.per_tie * sa.size)
        pending.append(("baseline", self._frame(world.step, np.full(ba.size, -1), ba, bb, pid,
                                                stage0)))
        self.formed += sa.size
        self.drawn += ba.size

    @staticmethod
    def _frame(week: int, uid, sa, sb, pid, stage0) -> pd.DataFrame:
        return pd.DataFrame({"week": np.full(sa.size, week, np.int64), "uid": uid,
                             "slot_a": sa, "slot_b": sb, "a": pid[sa], "b": pid[sb],
                             "stage_a0": stage0[sa], "stage_b0": stage0[sb]},
                            columns=list(SI_FRAME))

    def _untied(self, world, slots: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``k`` random pairs of ``slots``, two people not tied at the end of the week."""
        g = rng.generator(world.seed, rng.PATTERN_BASELINE, world.step)
        nbr = world.ties.nbr
        got_a, got_b, got = [], [], 0
        for _ in range(self._DRAW_ROUNDS):
            if got >= k or slots.size < 2:
                break
            n = 2 * (k - got) + 8
            a = slots[g.integers(0, slots.size, n)]
            b = slots[g.integers(0, slots.size, n)]
            ok = (a != b) & ~(nbr[a] == b[:, None]).any(axis=1)  # rows pad with -1
            a, b = a[ok][: k - got], b[ok][: k - got]
            got_a.append(a)
            got_b.append(b)
            got += a.size
        if not got_a:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(got_a), np.concatenate(got_b)

    def _later(self, world, kind: str, frame: pd.DataFrame) -> None:
        p = world.people
        sa, sb = frame["slot_a"].to_numpy(), frame["slot_b"].to_numpy()
        stay = (p.pid[sa] == frame["a"].to_numpy()) & (p.pid[sb] == frame["b"].to_numpy())
        out = frame.loc[stay, ["week", "uid", "a", "b", "stage_a0", "stage_b0"]].copy()
        out["stage_a1"] = p.stage[sa[stay]]
        out["stage_b1"] = p.stage[sb[stay]]
        (self.tied if kind == "tied" else self.baseline).append(out)

    def data(self) -> P.SelectionInfluence | None:
        """The contract's table (ties whose ``lag_weeks`` have run), or None if there are none."""
        if not self.tied:
            return None
        tied = pd.concat(self.tied, ignore_index=True)
        base = pd.concat(self.baseline, ignore_index=True)
        out = P.SelectionInfluence(tied, base, self.lag_weeks)
        out.tied.attrs.update(unseen=self.unseen, newcomers=self.newcomers)
        return out


def pattern_data(snaps: ContactSnapshots | None, results=None, channel: str = "contacts", *,
                 mixers: MixerEvents | None = None,
                 formations: TieFormations | None = None) -> PatternData:
    """The suite's data from a finished run's analyzers and ``Results``, on ``channel``.

    ``snaps`` (with ``results``) gives P1–P10; ``mixers`` P11 and ``formations``
    P12, each if given (what is not given is "not measured").
    """
    cw = dels = None
    if snaps is not None:
        ties = results.ties
        if not isinstance(ties, pd.DataFrame):
            ties = ties.to_pandas()
        cw = contact_windows(snaps, ties, channel)
        dels = deliveries(snaps, cw, ties, results.opportunities)
    return PatternData(contacts=cw, deliveries=dels,
                       mixers=None if mixers is None else mixers.data(),
                       selection=None if formations is None else formations.data())
