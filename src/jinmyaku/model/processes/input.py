"""2. Input: study adds knowledge; unused knowledge is slowly forgotten.

knowledge ← knowledge · (1 − forgetting) + rate · hours_input · p_input
"""

from __future__ import annotations

from jinmyaku.model.processes.base import Process
from jinmyaku.model.scenario import Input as Params


class Input(Process):
    name = "input"
    params: Params

    def step(self, world) -> dict[str, float]:
        p, q = world.people, self.params
        p.knowledge *= 1.0 - q.forgetting
        p.knowledge += q.rate * p.hours_input * p.p_input
        return {}
