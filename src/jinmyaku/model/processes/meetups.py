"""5. Meetups: recurring topic events, same topic, partly the same crowd.

Each person belongs to one meetup group of their aim's topic. Whoever has the
hours attends it that week; encounters work as at mixers (origin ``meetup``),
but everyone there shares the topic, and the same people come back.
"""

from __future__ import annotations

import numpy as np

from jinmyaku.model import rng
from jinmyaku.model.processes.mixers import Mixers
from jinmyaku.model.scenario import Meetups as Params
from jinmyaku.model.vocabulary import MEETUP


class Meetups(Mixers):
    name = "meetups"
    params: Params
    stream = rng.MEETUPS
    origin = MEETUP
    attending = "attend_meetup"

    def _group_of(self, world) -> tuple[np.ndarray, int]:
        p = world.people
        return np.where(p.attend_meetup, p.meetup, -1), world.places.meetups
