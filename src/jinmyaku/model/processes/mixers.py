"""4. Mixers: generic networking events, attendees from every field.

Mixers are one-off events: each week the people who have the hours for one
(see budget) are spread at random over ceil(attendees / event_size) events,
whatever their field. Attendees talk to ``encounters`` people,
seeking a known face first with chance ``seek_known`` (Ingram & Morris 2007
found about half of mixer encounters were with people already known). A first
encounter becomes a weak tie (origin ``mixer``) with chance ``new_tie``.

With ``recurring`` on (a structural alternative, off by default) a mixer is a
recurring group like a meetup group — as many groups, each person in one for
life — but of people from every field: what separates it from a meetup is then
the topic alone.

An observer may ask the process to keep the last week's plan (``keep_plan``):
each week it then keeps, read-only, who attended which event, how many of
their co-attendees each was tied to when it began, and whom each encounter met
and whether the two were tied before (``last_plan``, a :class:`MixerWeek`).
Keeping it reads the plan and changes nothing in the run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jinmyaku.model import rng
from jinmyaku.model.encounters import group_encounters, groups, planned_meetings
from jinmyaku.model.processes.base import Process
from jinmyaku.model.scenario import Mixers as Params
from jinmyaku.model.vocabulary import MIXER


@dataclass
class MixerWeek:
    """One week's events as planned (pids; see :func:`encounters.planned_meetings`).

    Attendee x: ``person[x]`` at event ``group[x]`` (the week's group number),
    tied to ``known_attendees[x]`` of the co-attendees when it began. Encounter
    e: attendee ``who[e]`` met ``met[e]``, tied before the event when
    ``known[e]``. ``ended``: encounters planned over a tie that ended during the
    event (if before the encounter, the run met the random co-attendee drawn
    instead; all stay as planned here, so this bounds the rows that differ).
    """

    week: int
    group: np.ndarray
    person: np.ndarray
    known_attendees: np.ndarray
    who: np.ndarray
    met: np.ndarray
    known: np.ndarray
    ended: int = 0


class Mixers(Process):
    name = "mixers"
    params: Params
    stream = rng.MIXERS
    origin = MIXER
    attending = "attend_mixer"  # the budget flag that says who comes this week
    keep_plan = False  # set by an observer: keep each week's plan in ``last_plan``
    last_plan: MixerWeek | None = None

    def _group_of(self, world) -> tuple[np.ndarray, int]:
        p = world.people
        if self.params.recurring:
            # the same crowd each time: as many groups as meetup groups, one per person
            # for life (drawn with week 0's key), whatever their field
            n_events = world.places.meetups
            draw = rng.uniforms(world.seed, rng.MIXER_EVENTS, 0, p.pid, 0)
            event = np.minimum((draw * n_events).astype(np.int64), n_events - 1)
            return np.where(p.attend_mixer, event, -1), n_events
        n_events = max(1, -(-int(p.attend_mixer.sum()) // self.params.event_size))
        draw = rng.uniforms(world.seed, rng.MIXER_EVENTS, world.step, p.pid, 0)
        event = np.minimum((draw * n_events).astype(np.int64), n_events - 1)
        return np.where(p.attend_mixer, event, -1), n_events

    def max_new_ties(self, world) -> int:
        return int(getattr(world.people, self.attending).sum()) * self.params.encounters

    def step(self, world) -> dict[str, float]:
        q = self.params
        group_of, n_groups = self._group_of(world)
        members, ptr = groups(group_of, n_groups)
        n_enc = np.full(world.people.n, float(q.encounters))
        T = world.ties.arrays()
        kept: list = []
        observe = {}
        if self.keep_plan:  # read the plan before it is carried out
            def keep(first, partner, tie) -> None:
                kept.extend((self._plan(world, T, members, group_of, first, partner, tie),
                             tie[tie >= 0].copy()))
            observe = {"on_plan": keep}
        counts = group_encounters(T, members, ptr, group_of, n_enc,
                                  q.seek_known, q.new_tie, self.origin, 1.0, world.step,
                                  world.seed, self.stream, world.people.pid, **observe)
        if kept:
            self.last_plan, planned = kept
            # the planned ties dead now were alive when the event began (records are
            # recycled only after the process)
            self.last_plan.ended = int((T.death[planned] >= 0).sum())
        return {f"{self.name}_encounters": int(counts[0]), f"{self.name}_known": int(counts[1]),
                f"{self.name}_new_ties": int(counts[2])}

    @staticmethod
    def _plan(world, T, members, group_of, first, partner, tie) -> MixerWeek:
        who, met, known, known_attendees = planned_meetings(T, members, group_of, first,
                                                            partner, tie)
        pid = world.people.pid
        return MixerWeek(world.step, np.asarray(group_of)[members].astype(np.int64),
                         pid[members].copy(), known_attendees, who, pid[met].copy(), known)
