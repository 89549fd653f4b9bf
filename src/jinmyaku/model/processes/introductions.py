"""8. Introductions: sharing progress leads a contact to introduce you onward.

Each week a person shares news with chance ``share_after_action`` if they
acted this week, else ``share_base``. They share with one contact j drawn ∝
tie strength s_ij; j makes an introduction with chance ``introduce`` ×
s_ij / (s_ij + ``trust_half``) (trust). j goes round up to ``candidates``
of their own contacts from a random starting slot, and asks only the first k
who fits the sharer's aim (k's aim or field is that topic) and is not yet
tied to them; k accepts with chance exp(−|Δstage| / stage_scale). The new
tie has origin ``referral`` and one contact; the i–j tie has a contact.
Contacts with many ties have more candidates, so well-connected people
introduce more. With ``introducer = "uniform"`` the introducer asks one
contact drawn at random (one candidate), so their chance of finding a fitting
one does not grow with their degree.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from jinmyaku.model import rng
from jinmyaku.model.choice import row_strength, slot_by_strength
from jinmyaku.model.processes.base import Process
from jinmyaku.model.scenario import Introductions as Params
from jinmyaku.model.ties import as_strength, contact, create_tie, find_tie, first_key
from jinmyaku.model.vocabulary import REFERRAL


@njit(cache=True)
def introduce(T, stage, aim, field, acted, intros_made, share_after_action: float,
              share_base: float, p_introduce: float, trust_half: float, candidates: int,
              stage_scale: float, step: int, seed: int, pid):
    """Run everyone's introductions for the week; returns [shared, introduced].

    It is the plain rule (one sequential loop in a fixed order, no prefetching, no
    threads), so it is its own reference (see ``jinmyaku.model.reference``).
    """
    counts = np.zeros(2, dtype=np.int64)
    key0 = first_key(T, 1.0, step)
    for i in range(T.deg.size):
        d = T.deg[i]
        if d == 0:
            continue
        k = rng.key(seed, rng.INTRODUCTIONS, step, pid[i])
        if rng.uniform(k, 0) >= (share_after_action if acted[i] else share_base):
            continue
        counts[0] += 1
        top = row_strength(T.ws, T.fade, T.deg, i, step)
        sij = slot_by_strength(T.ws, T.fade, i, d, step, rng.uniform(k, 1) * top)
        tij = T.adj[i, sij]
        j = T.b[tij] if T.a[tij] == i else T.a[tij]
        sw = as_strength(T, T.ws[i, sij], step)
        if rng.uniform(k, 2) >= p_introduce * sw / (sw + trust_half):
            continue
        dj = T.deg[j]
        start = rng.below(k, 3, dj)
        for x in range(min(candidates, dj)):
            c = T.nbr[j, (start + x) % dj]
            if c == i or (aim[c] != aim[i] and field[c] != aim[i]):
                continue
            if find_tie(T.nbr, T.adj, T.deg, i, c) >= 0:
                continue
            if rng.uniform(k, 4) < np.exp(-abs(stage[i] - stage[c]) / stage_scale):
                if create_tie(T, i, c, step, REFERRAL, key0, pid) >= 0:
                    if T.death[tij] < 0:  # the new tie may have displaced i's tie to j
                        contact(T, tij, step)
                    intros_made[j] += 1
                    counts[1] += 1
            break
    return counts


class Introductions(Process):
    name = "introductions"
    params: Params

    def max_new_ties(self, world) -> int:
        return world.people.n

    def step(self, world) -> dict[str, float]:
        q, p = self.params, world.people
        counts = introduce(world.ties.arrays(), p.stage, p.aim, p.field, p.acted, p.intros_made,
                           q.share_after_action, q.share_base, q.introduce, q.trust_half,
                           q.candidates if q.introducer == "degree" else 1,
                           q.stage_scale, world.step, world.seed, p.pid)
        return {"shared_progress": int(counts[0]), "introductions": int(counts[1])}
