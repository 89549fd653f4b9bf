"""1. Budget: split each person's discretionary hours by their strategy.

Hours accrue as credit per activity. Study (input), action and social hours
are spent in the week they accrue. A mixer or a meetup is attended when the
credit for it covers the event's length (a mixer is held only in weeks divisible
by ``mixer_every``, a meetup in weeks divisible by ``meetup_every``); credit
beyond one event's length is not saved up: it goes to social hours that week.
So nobody spends more hours than they have, and strategies are compared at
equal hours.
"""

from __future__ import annotations

from numba import njit

from jinmyaku.model.processes.base import Process
from jinmyaku.model.scenario import Budget as Params

INPUT, ACTION, MIXER, MEETUP, SOCIAL = range(5)


@njit(cache=True, inline="always")
def _settle(credit, i: int, col: int, length: float, attends: bool) -> float:
    """Pay for the event if attended; return the credit beyond one event (to social)."""
    if attends:
        credit[i, col] -= length
    surplus = max(credit[i, col] - length, 0.0)
    credit[i, col] -= surplus
    return surplus


@njit(cache=True)
def spend(credit, shares, strategy, hours, mixer_hours: float, meetup_hours: float,
          hours_input, hours_action, hours_social, attend_mixer, attend_meetup,
          mixer_week: bool = True, meetup_week: bool = True) -> None:
    """One week's hours for everyone (module docstring); writes the hours and flags.

    It is the plain rule (one sequential loop in a fixed order, no prefetching, no
    threads), so it is its own reference (see ``jinmyaku.model.reference``).
    """
    for i in range(credit.shape[0]):
        for col in range(credit.shape[1]):
            credit[i, col] += shares[strategy[i], col] * hours[i]
        hours_input[i] = credit[i, INPUT]
        hours_action[i] = credit[i, ACTION]
        credit[i, INPUT] = 0.0
        credit[i, ACTION] = 0.0
        attend_mixer[i] = mixer_week and credit[i, MIXER] >= mixer_hours
        attend_meetup[i] = meetup_week and credit[i, MEETUP] >= meetup_hours
        extra_social = _settle(credit, i, MIXER, mixer_hours, attend_mixer[i])
        extra_social += _settle(credit, i, MEETUP, meetup_hours, attend_meetup[i])
        hours_social[i] = credit[i, SOCIAL] + extra_social
        credit[i, SOCIAL] = 0.0


class Budget(Process):
    name = "budget"
    params: Params

    def step(self, world) -> dict[str, float]:
        p, q = world.people, self.params
        spend(p.credit, world.strategy_shares, p.strategy, p.hours, q.mixer_hours,
              q.meetup_hours, p.hours_input, p.hours_action, p.hours_social, p.attend_mixer,
              p.attend_meetup, world.step % q.mixer_every == 0,
              world.step % q.meetup_every == 0)
        return {"mixer_attendees": int(p.attend_mixer.sum()),
                "meetup_attendees": int(p.attend_meetup.sum())}
