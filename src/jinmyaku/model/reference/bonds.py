"""Bonds, plainly: the few close ties kept up whatever the week's strength (docs/model.md §7.6b).

A person's bonds are a list of ties (their tie id and uid, so that a record reused
for a newer tie is not mistaken for the bond). With K = ``per_person``:

* once, on the world as built: each person i in slot order, while i holds fewer
  than K bonds, makes a bond of their strongest family/school tie that is not yet a
  bond and whose other end holds fewer than K (equal strengths: the earlier slot);
* each week:

  1. *forget*: drop every bond whose tie has ended or whose record now holds
     another tie;
  2. *form*: each person i in slot order holding fewer than K bonds, with ties, and
     with U_BONDS(i, 0) < ``form``, makes a bond of their strongest tie that is not
     yet a bond and whose other end holds fewer than K;
  3. *keep up*: for each bond, at its lower slot i, where it is i's k-th bond
     (after steps 1–2), Poisson(``contacts``) contacts drawn with U_BONDS(i, 1 + k);
     each is one contact over the tie and one call.

Tuned kernel: :mod:`jinmyaku.model.processes.bonds`.
"""

from __future__ import annotations

import numpy as np

from jinmyaku.model.reference import rng
from jinmyaku.model.reference.ties import contact
from jinmyaku.model.vocabulary import FAMILY_SCHOOL


def alive(T, tid: int, uid: int) -> bool:
    """Whether the bond (tid, uid) still has its tie."""
    return T.a[tid] >= 0 and T.death[tid] < 0 and T.uid[tid] == uid


def strongest(T, bonds: list[list[tuple[int, int]]], i: int, cap: int,
              only_origin: int | None = None) -> int:
    """The slot of i's strongest tie that is not a bond of i and whose other end has room
    (first slot on equal strength), or -1."""
    mine = {tid for tid, _ in bonds[i]}
    best, best_s = -np.inf, -1
    for s in range(int(T.deg[i])):
        tid = int(T.adj[i, s])
        if only_origin is not None and T.origin[tid] != only_origin:
            continue
        if tid in mine or len(bonds[int(T.nbr[i, s])]) >= cap:
            continue
        if T.ws[i, s] > best:
            best, best_s = T.ws[i, s], s
    return best_s


def bond(T, bonds, i: int, s: int) -> None:
    tid = int(T.adj[i, s])
    for end in (i, int(T.nbr[i, s])):
        bonds[end].append((tid, int(T.uid[tid])))


def first_bonds(T, people: int, cap: int) -> list[list[tuple[int, int]]]:
    """The bonds made on the world as built."""
    bonds: list[list[tuple[int, int]]] = [[] for _ in range(people)]
    for i in range(people):
        while len(bonds[i]) < cap:
            s = strongest(T, bonds, i, cap, only_origin=FAMILY_SCHOOL)
            if s < 0:
                break
            bond(T, bonds, i, s)
    return bonds


def week(T, bonds, params, step: int, seed: int, pid) -> dict[str, int]:
    """One week of the rule on ``bonds`` (a list of lists, changed in place); the counts."""
    cap = params.per_person
    before = sum(len(b) for b in bonds)
    for i in range(len(bonds)):
        bonds[i] = [(t, u) for t, u in bonds[i] if alive(T, t, u)]
    ended = (before - sum(len(b) for b in bonds)) // 2
    formed = 0
    for i in range(len(bonds)):
        if len(bonds[i]) >= cap or T.deg[i] == 0:
            continue
        if rng.uniform(rng.key(seed, rng.BONDS, step, pid[i]), 0) >= params.form:
            continue
        s = strongest(T, bonds, i, cap)
        if s >= 0:
            bond(T, bonds, i, s)
            formed += 1
    made = 0
    for i in range(len(bonds)):
        k = rng.key(seed, rng.BONDS, step, pid[i])
        for r, (tid, _) in enumerate(bonds[i]):
            if min(T.a[tid], T.b[tid]) != i:
                continue
            for _ in range(rng.poisson(k, 1 + r, params.contacts)):
                contact(T, tid, step)
                T.calls[tid] += 1
                made += 1
    return {"bond_contacts": made, "bonds_formed": formed, "bonds_ended": ended}


def as_table(bonds, cap: int) -> np.ndarray:
    """The lists as the kernel's (people, cap, 2) table (-1: no bond)."""
    out = np.full((len(bonds), cap, 2), -1, dtype=np.int64)
    for i, row in enumerate(bonds):
        for k, (t, u) in enumerate(row):
            out[i, k] = (t, u)
    return out
