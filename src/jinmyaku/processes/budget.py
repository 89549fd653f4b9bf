"""1. Budget: split each person's discretionary hours by their strategy.

Hours accrue as credit per activity. Study (input), action and social hours
are spent in the week they accrue. A mixer or a meetup is attended when the
credit for it covers the event's length; credit beyond one event's length is
not saved up: it goes to social hours that week. So nobody spends more hours
than they have, and strategies are compared at equal hours.
"""

from __future__ import annotations

import numpy as np

from ..scenario import Budget as Params
from .base import Process

INPUT, ACTION, MIXER, MEETUP, SOCIAL = range(5)


class Budget(Process):
    name = "budget"
    params: Params

    def step(self, world) -> dict[str, float]:
        p = world.people
        credit = p.credit
        credit += world.strategy_shares[p.strategy] * p.hours[:, None]
        p.hours_input[:] = credit[:, INPUT]
        p.hours_action[:] = credit[:, ACTION]
        credit[:, INPUT] = 0.0
        credit[:, ACTION] = 0.0
        extra_social = np.zeros(p.n)
        for col, length, flag in ((MIXER, self.params.mixer_hours, p.attend_mixer),
                                  (MEETUP, self.params.meetup_hours, p.attend_meetup)):
            flag[:] = credit[:, col] >= length
            credit[flag, col] -= length
            surplus = np.maximum(credit[:, col] - length, 0.0)
            credit[:, col] -= surplus
            extra_social += surplus
        p.hours_social[:] = credit[:, SOCIAL] + extra_social
        credit[:, SOCIAL] = 0.0
        return {"mixer_attendees": int(p.attend_mixer.sum()),
                "meetup_attendees": int(p.attend_meetup.sum())}
