"""11. Life events: job changes, and people leaving and joining.

A person changes job with weekly chance ``job_change``: a random workplace
of the same field with chance ``same_field``, else of a random field (which
becomes their field; it may by chance be the same one, as may the
workplace). A person leaves with weekly chance ``leave``: all their ties end
(cause ``left``) and a newcomer, drawn like the starting population and
outside the focal cohorts, takes the slot with a new person id. The
population size stays constant.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from jinmyaku.model import rng
from jinmyaku.model.processes.base import Process
from jinmyaku.model.scenario import LifeEvents as Params
from jinmyaku.model.ties import kill_tie
from jinmyaku.model.vocabulary import LEFT
from jinmyaku.model.world import BACKGROUND, draw_people


@njit(cache=True)
def end_all_ties(T, slots, step: int) -> int:
    """End every tie of the people in ``slots`` (cause ``left``); returns how many.

    It is the plain rule (one sequential loop in a fixed order, no prefetching, no
    threads), so it is its own reference (see ``jinmyaku.model.reference``).
    """
    ended = 0
    for i in slots:
        while T.deg[i] > 0:
            kill_tie(T, T.adj[i, T.deg[i] - 1], step, LEFT)
            ended += 1
    return ended


LEAVE_DRAW = 4  # the counter of a person's weekly draw that decides leaving


def stays(seed: int, pids: np.ndarray, weeks: int, leave: float) -> np.ndarray:
    """Which of the people ``pids`` (of a world at step 0) do not leave in weeks 1..``weeks``.

    The same draws as :meth:`LifeEvents.step` (a person keeps their pid until they
    leave, and their leaving draw is keyed by pid and week), so a study can pick a
    person who is still there at the end, without running the world.
    """
    pids = np.asarray(pids, dtype=np.int64)
    out = np.ones(pids.size, dtype=bool)
    for week in range(1, weeks + 1):
        out &= rng.uniforms(seed, rng.LIFE_EVENTS, week, pids, LEAVE_DRAW) >= leave
    return out


class LifeEvents(Process):
    name = "life_events"
    params: Params

    def step(self, world) -> dict[str, float]:
        q, p, places = self.params, world.people, world.places
        u_job = rng.uniforms(world.seed, rng.LIFE_EVENTS, world.step, p.pid, 0)
        movers = np.flatnonzero(u_job < q.job_change)
        if movers.size:
            u_field = rng.uniforms(world.seed, rng.LIFE_EVENTS, world.step, p.pid[movers], 1)
            u_other = rng.uniforms(world.seed, rng.LIFE_EVENTS, world.step, p.pid[movers], 2)
            u_place = rng.uniforms(world.seed, rng.LIFE_EVENTS, world.step, p.pid[movers], 3)
            new_field = np.where(u_field < q.same_field, p.field[movers],
                                 (u_other * places.fields).astype(np.int32))
            p.field[movers] = new_field
            p.workplace[movers] = (new_field * places.workplaces_per_field
                                   + (u_place * places.workplaces_per_field).astype(np.int32))

        u_leave = rng.uniforms(world.seed, rng.LIFE_EVENTS, world.step, p.pid, LEAVE_DRAW)
        leavers = np.flatnonzero(u_leave < q.leave)
        ended = 0
        if leavers.size:
            ended = end_all_ties(world.ties.arrays(changes_weights=False), leavers, world.step)
            gen = rng.generator(world.seed, rng.LIFE_EVENTS, world.step)
            index = {s: i for i, s in enumerate(world.strategy_names)}
            attrs = draw_people(gen, leavers.size, world.scenario, places, index)
            for name, values in attrs.items():
                getattr(p, name)[leavers] = values
            p.pid[leavers] = np.arange(world.next_pid, world.next_pid + leavers.size)
            world.next_pid += leavers.size
            p.stage_start[leavers] = p.stage[leavers]
            p.cohort[leavers] = BACKGROUND
            p.joined[leavers] = world.step
            for arr in (p.knowledge, p.credit, p.opp_count, p.opp_value, p.intros_made):
                arr[leavers] = 0
        return {"job_changes": int(movers.size), "left": int(leavers.size),
                "ties_ended_by_leaving": ended}
