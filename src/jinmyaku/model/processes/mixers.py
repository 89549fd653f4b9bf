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
"""

from __future__ import annotations

import numpy as np

from jinmyaku.model import rng
from jinmyaku.model.encounters import group_encounters, groups
from jinmyaku.model.processes.base import Process
from jinmyaku.model.scenario import Mixers as Params
from jinmyaku.model.vocabulary import MIXER


class Mixers(Process):
    name = "mixers"
    params: Params
    stream = rng.MIXERS
    origin = MIXER
    attending = "attend_mixer"  # the budget flag that says who comes this week

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
        counts = group_encounters(world.ties.arrays(), members, ptr, group_of, n_enc,
                                  q.seek_known, q.new_tie, self.origin, 1.0, world.step,
                                  world.seed, self.stream, world.people.pid)
        return {f"{self.name}_encounters": int(counts[0]), f"{self.name}_known": int(counts[1]),
                f"{self.name}_new_ties": int(counts[2])}
