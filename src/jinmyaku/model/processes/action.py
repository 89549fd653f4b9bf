"""3. Action: work on one's aim inside an activity focus.

Effective action hours e = hours_action · p_action. Knowledge put to use is
u = min(knowledge, conversion · e); stage grows by
growth · (u + practice · e) · (1 − stage) — diminishing near 1 — and action
teaches a little (reflection · e). Input without action changes nothing;
action without input changes a little; the loop compounds.

Foci (Feld 1981) are recurring groups by topic and stage band. Everyone
attends their focus now and then (base_attendance); action hours add chance
of a session (at most one a week). At a session people meet co-attendees
(origin ``activity``). An actor whose stage has left their focus's band
moves, with weekly chance ``refocus``, to a focus of their aim at their new
band: acting exposes you to new foci.
"""

from __future__ import annotations

import numpy as np

from jinmyaku.model import rng
from jinmyaku.model.encounters import group_encounters, groups
from jinmyaku.model.processes.base import Process
from jinmyaku.model.scenario import Action as Params
from jinmyaku.model.vocabulary import ACTIVITY
from jinmyaku.model.world import focus_of


class Action(Process):
    name = "action"
    params: Params

    def _sessions(self, world) -> np.ndarray:
        p, q = world.people, self.params
        chance = np.minimum(1.0, q.base_attendance + p.hours_action / q.session_hours)
        draw = rng.uniforms(world.seed, rng.FOCUS_SESSIONS, world.step, p.pid, 0)
        return np.where(draw < chance, p.focus, -1)

    def max_new_ties(self, world) -> int:
        return world.people.n * self.params.encounters

    def step(self, world) -> dict[str, float]:
        p, q, places = world.people, self.params, world.places
        eff = p.hours_action * p.p_action
        used = np.minimum(p.knowledge, q.conversion * eff)
        p.stage += q.growth * (used + q.practice * eff) * (1.0 - p.stage)
        np.clip(p.stage, 0.0, 1.0, out=p.stage)
        p.knowledge += q.reflection * eff - used
        p.acted[:] = p.hours_action > 0.0

        group_of = self._sessions(world)
        members, ptr = groups(group_of, places.foci)
        n_enc = np.full(p.n, float(q.encounters))
        counts = group_encounters(world.ties.arrays(), members, ptr, group_of, n_enc,
                                  q.seek_known, q.new_tie, ACTIVITY, 1.0, world.step,
                                  world.seed, rng.ACTION, p.pid)

        band = places.band(p.stage)
        focus_band = (p.focus // places.foci_per_cell) % places.stage_bands
        draw = rng.uniforms(world.seed, rng.FOCI, world.step, p.pid, 0)
        move = p.acted & (band != focus_band) & (draw < q.refocus)
        if move.any():
            pick = (rng.uniforms(world.seed, rng.FOCI, world.step, p.pid[move], 1)
                    * places.foci_per_cell).astype(np.int64)
            p.focus[move] = focus_of(places, p.aim[move], band[move], pick)
        return {"focus_encounters": int(counts[0]), "focus_known": int(counts[1]),
                "focus_new_ties": int(counts[2]), "refocused": int(move.sum())}
