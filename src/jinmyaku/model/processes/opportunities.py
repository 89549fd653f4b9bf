"""9. Opportunities: jobs, clients, information and money, passed along ties.

Person h holds a Poisson number of new opportunities a week with mean
rate · stage_h^γ / mean(stage^γ). Each has a topic (h's aim with chance
``own_aim``, h's field with chance ``own_field``, else any topic), a
required stage r = stage_h · U(0, 1), and a value 1 + 4r (value units).

The holder offers it to one fitting contact (whose aim or field is the topic
— unless ``topic_fit`` is off, when any topic fits — and whose stage is at least
r), drawn ∝ s^λ (s the tie's strength, λ = ``strength_pull``), and the offer
is made with chance s / (s + trust_half): trust matters (unless ``trust`` is
off: then the contact is drawn uniformly and offers pass with chance 1/2). An
offer made is no news to the recipient j — j heard of it through the contacts
j and the holder share — with chance ``redundancy`` × O, O the tie's
neighbourhood overlap; it then adds nothing and the opportunity ends. If no
contact fits, the holder forwards it with chance ``forward`` to a contact drawn
∝ s^λ (with
the same trust chance), who tries in turn, up to ``max_hops`` ties in all.
Delivery adds the value to the delivering tie and is a contact over it. Every
delivery is written to the opportunity ledger.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from jinmyaku.model import rng
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


@njit(cache=True, inline="always")
def _pull(T, cur, s, step, pull):
    """strength^pull of slot s of row ``cur`` (exp(pull·(key − t/τ)) in a fading store)."""
    tau = T.fade[0]
    if tau > 0.0:
        return np.exp(pull * (T.ws[cur, s] - step / tau))
    return T.ws[cur, s] ** pull


@njit(cache=True)
def _pick(T, cur, holder, prev, topic, required, aim, field, stage, fitting_only, u, step,
          pull=1.0, topic_fit=True, trust=True):
    """A contact of ``cur`` drawn ∝ strength^pull (uniformly if ``trust`` is off; fitting
    ones only if asked); -1 if none."""
    total = 0.0
    for s in range(T.deg[cur]):
        if _eligible(T.nbr[cur, s], holder, prev, topic, required, aim, field, stage,
                     fitting_only, topic_fit):
            total += _pull(T, cur, s, step, pull) if trust else 1.0
    if total <= 0.0:
        return -1
    target = u * total
    acc = 0.0
    last = -1
    for s in range(T.deg[cur]):
        if _eligible(T.nbr[cur, s], holder, prev, topic, required, aim, field, stage,
                     fitting_only, topic_fit):
            last = T.adj[cur, s]
            acc += _pull(T, cur, s, step, pull) if trust else 1.0
            if acc > target:
                return last
    return last


@njit(cache=True)
def overlap(T, i: int, j: int, mark, stamp: int) -> float:
    """Neighbourhood overlap of the tie i–j: common contacts ÷ (contacts of either end
    but the other, counted once); 0 if neither has another contact. ``mark`` holds
    a stamp per person, ``stamp`` a value not in it yet."""
    for s in range(T.deg[i]):
        mark[T.nbr[i, s]] = stamp
    common = 0
    for s in range(T.deg[j]):
        common += mark[T.nbr[j, s]] == stamp
    union = (T.deg[i] - 1) + (T.deg[j] - 1) - common
    return common / union if union > 0 else 0.0


@njit(cache=True)
def _passes(T, tid, step: int, trust_half: float, trust: bool) -> float:
    """Chance an offer is made (or passed on) over tie ``tid``: s / (s + trust_half),
    s its strength in contacts, or 1/2 whatever the strength when ``trust`` is off."""
    if not trust:
        return 0.5
    s = strength(T, tid, step)
    return s / (s + trust_half)


@njit(cache=True)
def route(T, stage, aim, field, rate_scale: float, rate: float, gamma: float, n_topics: int,
          own_aim: float, own_field: float, max_hops: int, trust_half: float, forward: float,
          opp_count, opp_value, step: int, seed: int, pid, topic_fit=True, pull=1.0,
          redundancy=0.0, trust=True):
    """Create and route this week's opportunities; returns the ledger rows and the count made.

    ``topic_fit`` off: any contact whose stage is high enough fits, whatever the topic
    (the alternative to "only contacts whose aim or field is the topic"). ``trust`` off:
    contacts are drawn uniformly and an offer is made or passed on with chance 1/2,
    whatever the tie's strength.

    It is the plain rule (one sequential loop in a fixed order, no prefetching, no
    threads), so it is its own reference (see ``jinmyaku.model.reference``).
    """
    n = stage.size
    made = np.zeros(n, dtype=np.int64)
    mark = np.zeros(n if redundancy > 0.0 else 1, dtype=np.int64)
    stamp = 0
    redundant = 0
    for h in range(n):
        lam = rate * stage[h] ** gamma * rate_scale
        made[h] = rng.poisson(rng.key(seed, rng.OPPORTUNITIES, step, pid[h]), 0, lam)
    total = made.sum()
    rows_i = np.empty((total, 6), dtype=np.int64)  # holder, recipient, topic, hops, origin, tie
    rows_v = np.empty(total)
    r = 0
    for h in range(n):
        k = rng.key(seed, rng.OPPORTUNITIES, step, pid[h])
        kr = rng.key(seed, rng.REDUNDANCY, step, pid[h])
        offers = 0
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
                            rng.uniform(k, c), step, pull, topic_fit, trust)
                if tid >= 0:
                    if rng.uniform(k, c + 1) < _passes(T, tid, step, trust_half, trust):
                        j = T.b[tid] if T.a[tid] == cur else T.a[tid]
                        if redundancy > 0.0:
                            stamp += 1
                            o = overlap(T, cur, j, mark, stamp)
                            offers += 1
                            if rng.uniform(kr, offers) < redundancy * o:
                                redundant += 1  # j had heard already: no news
                                break
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
                            rng.uniform(k, c + 3), step, pull, True, trust)
                if tid < 0:
                    break
                if rng.uniform(k, c + 4) >= _passes(T, tid, step, trust_half, trust):
                    break
                prev = cur
                cur = T.b[tid] if T.a[tid] == cur else T.a[tid]
                hops += 1
                c += 5
            c += 5
    return rows_i[:r], rows_v[:r], total, redundant


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
        rows_i, rows_v, made, redundant = route(
            world.ties.arrays(), p.stage, p.aim, p.field, scale, q.rate, q.stage_power,
            world.places.fields, q.own_aim, q.own_field, q.max_hops, q.trust_half, q.forward,
            p.opp_count, p.opp_value, world.step, world.seed, p.pid, q.topic_fit,
            q.strength_pull, q.redundancy, q.trust)
        self.ledger.append(world.step, rows_i, rows_v)
        return {"opportunities_made": int(made), "opportunities_delivered": int(rows_v.size),
                "opportunities_redundant": int(redundant),
                "value_delivered": float(rows_v.sum())}
