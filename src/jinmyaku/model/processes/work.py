"""6. Work: routine contact with coworkers, plus after-work social hours.

Everyone meets ``encounters`` coworkers a week, plus ``social_per_hour`` more
per social hour (the usual after-work drinks); origin ``workplace``.
"""

from __future__ import annotations

from jinmyaku.model import rng
from jinmyaku.model.encounters import group_encounters, groups
from jinmyaku.model.processes.base import Process
from jinmyaku.model.scenario import Work as Params
from jinmyaku.model.vocabulary import WORKPLACE


class Work(Process):
    name = "work"
    params: Params

    def _encounters(self, world):
        q = self.params
        return q.encounters + q.social_per_hour * world.people.hours_social

    def max_new_ties(self, world) -> int:
        return int(self._encounters(world).sum()) + world.people.n

    def step(self, world) -> dict[str, float]:
        q, p = self.params, world.people
        group_of = p.workplace
        members, ptr = groups(group_of, world.places.workplaces)
        counts = group_encounters(world.ties.arrays(), members, ptr, group_of,
                                  self._encounters(world), q.seek_known, q.new_tie, WORKPLACE,
                                  1.0, world.step, world.seed, rng.WORK, p.pid)
        return {"work_encounters": int(counts[0]), "work_new_ties": int(counts[2])}
