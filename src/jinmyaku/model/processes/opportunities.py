"""9. Opportunities: jobs, clients, information and money, passed along ties.

Person h holds a Poisson number of new opportunities a week with mean
rate · stage_h^γ / mean(stage^γ). Each has a topic (h's aim with chance
``own_aim``, h's field with chance ``own_field``, else any topic), a
required stage r = stage_h · U(0, 1), and a value 1 + 4r (value units).

The holder offers it to one fitting contact (whose aim or field is the topic
— unless ``topic_fit`` is off, when any topic fits — and whose stage is at least
r), drawn ∝ tie strength s, and the offer is made
with chance s / (s + trust_half): trust matters. If no contact fits, the
holder forwards it with chance ``forward`` to a contact drawn ∝ strength (with
the same trust chance), who tries in turn, up to ``max_hops`` ties in all.
Delivery adds the value to the delivering tie and is a contact over it. Every
delivery is written to the opportunity ledger.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from jinmyaku.model import rng
from jinmyaku.model.choice import slot_strength
from jinmyaku.model.ledgers import OpportunityLedger
from jinmyaku.model.processes.base import Process
from jinmyaku.model.scenario import Opportunities as Params
from jinmyaku.model.ties import contact, strength


@njit(cache=True)
def _eligible(j, holder, prev, topic, required, aim, field, stage, fitting_only,
              topic_fit=True) -> bool:
    """May the opportunity go to contact j (fitting: topic is j's aim or field — unless
    ``topic_fit`` is off — and stage ≥ r)?"""
    if j == holder or j == prev:
        return False
    if fitting_only:
        on_topic = (not topic_fit) or aim[j] == topic or field[j] == topic
        return on_topic and stage[j] >= required
    return True


@njit(cache=True)
def _pick(T, cur, holder, prev, topic, required, aim, field, stage, fitting_only, u, step,
          topic_fit=True):
    """A contact of ``cur`` drawn ∝ strength (fitting ones only if asked); -1 if none."""
    total = 0.0
    for s in range(T.deg[cur]):
        if _eligible(T.nbr[cur, s], holder, prev, topic, required, aim, field, stage,
                     fitting_only, topic_fit):
            total += slot_strength(T.ws, T.fade, cur, s, step)
    if total <= 0.0:
        return -1
    target = u * total
    acc = 0.0
    last = -1
    for s in range(T.deg[cur]):
        if _eligible(T.nbr[cur, s], holder, prev, topic, required, aim, field, stage,
                     fitting_only, topic_fit):
            last = T.adj[cur, s]
            acc += slot_strength(T.ws, T.fade, cur, s, step)
            if acc > target:
                return last
    return last


@njit(cache=True)
def route(T, stage, aim, field, rate_scale: float, rate: float, gamma: float, n_topics: int,
          own_aim: float, own_field: float, max_hops: int, trust_half: float, forward: float,
          opp_count, opp_value, step: int, seed: int, pid, topic_fit=True):
    """Create and route this week's opportunities; returns the ledger rows and the count made.

    ``topic_fit`` off: any contact whose stage is high enough fits, whatever the topic
    (the alternative to "only contacts whose aim or field is the topic").

    It is the plain rule (one sequential loop in a fixed order, no prefetching, no
    threads), so it is its own reference (see ``jinmyaku.model.reference``).
    """
    n = stage.size
    made = np.zeros(n, dtype=np.int64)
    for h in range(n):
        lam = rate * stage[h] ** gamma * rate_scale
        made[h] = rng.poisson(rng.key(seed, rng.OPPORTUNITIES, step, pid[h]), 0, lam)
    total = made.sum()
    rows_i = np.empty((total, 6), dtype=np.int64)  # holder, recipient, topic, hops, origin, tie
    rows_v = np.empty(total)
    r = 0
    for h in range(n):
        k = rng.key(seed, rng.OPPORTUNITIES, step, pid[h])
        c = 1
        for _ in range(made[h]):
            u = rng.uniform(k, c)
            if u < own_aim:
                topic = aim[h]
            elif u < own_aim + own_field:
                topic = field[h]
            else:
                topic = rng.below(k, c + 1, n_topics)
            required = stage[h] * rng.uniform(k, c + 2)
            value = 1.0 + 4.0 * required
            c += 3
            cur, prev, hops = h, -1, 0
            while hops < max_hops:
                tid = _pick(T, cur, h, prev, topic, required, aim, field, stage, True,
                            rng.uniform(k, c), step, topic_fit)
                if tid >= 0:
                    wt = strength(T, tid, step)
                    if rng.uniform(k, c + 1) < wt / (wt + trust_half):
                        j = T.b[tid] if T.a[tid] == cur else T.a[tid]
                        T.value[tid] += value
                        contact(T, tid, step)
                        opp_count[j] += 1
                        opp_value[j] += value
                        rows_i[r, 0] = pid[h]
                        rows_i[r, 1] = pid[j]
                        rows_i[r, 2] = topic
                        rows_i[r, 3] = hops + 1
                        rows_i[r, 4] = T.origin[tid]
                        rows_i[r, 5] = T.uid[tid]
                        rows_v[r] = value
                        r += 1
                    break
                if rng.uniform(k, c + 2) >= forward:
                    break
                tid = _pick(T, cur, h, prev, topic, required, aim, field, stage, False,
                            rng.uniform(k, c + 3), step)
                if tid < 0:
                    break
                wt = strength(T, tid, step)
                if rng.uniform(k, c + 4) >= wt / (wt + trust_half):
                    break
                prev = cur
                cur = T.b[tid] if T.a[tid] == cur else T.a[tid]
                hops += 1
                c += 5
            c += 5
    return rows_i[:r], rows_v[:r], total


class Opportunities(Process):
    name = "opportunities"
    params: Params

    def __init__(self, params, world) -> None:
        super().__init__(params, world)
        self.ledger = OpportunityLedger()  # the recorder's, once attached

    def attach(self, recorder) -> None:
        self.ledger = recorder.opportunities

    def step(self, world) -> dict[str, float]:
        q, p = self.params, world.people
        power = p.stage ** q.stage_power
        mean = float(power.mean())
        scale = 1.0 / mean if mean > 0 else 0.0
        rows_i, rows_v, made = route(
            world.ties.arrays(), p.stage, p.aim, p.field, scale, q.rate, q.stage_power,
            world.places.fields, q.own_aim, q.own_field, q.max_hops, q.trust_half, q.forward,
            p.opp_count, p.opp_value, world.step, world.seed, p.pid, q.topic_fit)
        self.ledger.append(world.step, rows_i, rows_v)
        return {"opportunities_made": int(made), "opportunities_delivered": int(rows_v.size),
                "value_delivered": float(rows_v.sum())}
