"""6b. Bonds: the few close ties kept up whatever the week's strength (docs/model.md §7.6b).

The rule (the whole of it; everything else in this module is speed):

    once, on the world as built: each person in slot order makes bonds of their
        family/school ties, strongest first, while both ends hold fewer than
        ``per_person`` bonds;
    each week:
    1. *forget*: a bond whose tie has ended (its person left; it was displaced) is gone;
    2. *form*: each person i in slot order who holds fewer than ``per_person`` bonds,
       with chance ``form`` (U_BONDS(i, 0)), makes a bond of their strongest tie that is
       not yet a bond and whose other end has room (equal strengths: the earlier slot);
    3. *keep up*: over each bond, counted once at its lower slot i, Poisson(``contacts``)
       contacts (the draw of i's k-th bond: U_BONDS(i, 1 + k)); each is a discretionary
       contact, so the calls channel counts it too.

Why (docs/model.md §7.6b): the inner circle measured in phone data is kin and the
closest friends, kept up at a steady rate whatever else happens (Roberts & Dunbar 2011:
kin ties decay far less than friendships without contact; Roy et al. 2022: 1–4 % of the
inner circle changes a year). Without it the top five are the week's busiest coworkers.
``per_person = 0`` switches the layer off: no bond, no draw, every other result as
without the process.

Plain reference: :mod:`jinmyaku.model.reference.bonds`; ``tests/test_reference.py``
checks that a week of each gives the same ties and bonds, bit for bit. Speed: *forget*
and *keep up* run over people in parallel (a bond's tie is contacted only by the thread
of its lower slot; a contact writes only its own tie's cells), *form* in slot order.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from jinmyaku.model import rng
from jinmyaku.model.processes.base import Process
from jinmyaku.model.scenario import Bonds as Params
from jinmyaku.model.ties import contact
from jinmyaku.model.vocabulary import FAMILY_SCHOOL

TIE, UID = 0, 1  # the two fields of a bond entry


def empty(people: int, per_person: int) -> np.ndarray:
    """A bond table with no bonds: (people, per_person, 2) int64, all -1."""
    return np.full((people, per_person, 2), -1, dtype=np.int64)


@njit(cache=True)
def held(bonds, i: int) -> int:
    """How many bonds person i holds (a row's bonds are packed at its start)."""
    n = 0
    while n < bonds.shape[1] and bonds[i, n, TIE] >= 0:
        n += 1
    return n


@njit(cache=True)
def is_bond(bonds, i: int, tid: int) -> bool:
    for k in range(bonds.shape[1]):
        if bonds[i, k, TIE] == tid:
            return True
        if bonds[i, k, TIE] < 0:
            return False
    return False


@njit(cache=True)
def _add(bonds, i: int, tid: int, uid: int) -> None:
    k = held(bonds, i)
    bonds[i, k, TIE] = tid
    bonds[i, k, UID] = uid


@njit(cache=True)
def make_bond(T, bonds, i: int, s: int) -> None:
    """Make i's tie in slot ``s`` a bond, at both ends (the caller checked both have room)."""
    tid = T.adj[i, s]
    _add(bonds, i, tid, T.uid[tid])
    _add(bonds, T.nbr[i, s], tid, T.uid[tid])


@njit(cache=True)
def first_bonds(T, bonds) -> int:
    """The bonds made once, on the world as built (rule above); returns how many."""
    n, cap = bonds.shape[0], bonds.shape[1]
    made = 0
    for i in range(n):
        while held(bonds, i) < cap:
            best, best_s = -np.inf, -1
            for s in range(T.deg[i]):
                tid = T.adj[i, s]
                if (T.origin[tid] == FAMILY_SCHOOL and T.ws[i, s] > best
                        and held(bonds, T.nbr[i, s]) < cap and not is_bond(bonds, i, tid)):
                    best, best_s = T.ws[i, s], s
            if best_s < 0:
                break
            make_bond(T, bonds, i, best_s)
            made += 1
    return made


@njit(cache=True, parallel=True)
def forget(T, bonds) -> int:
    """Drop the bonds whose tie has ended, keeping each row packed; returns how many
    entries were dropped (each bond that ended counts at both its ends)."""
    n, cap = bonds.shape[0], bonds.shape[1]
    dropped = np.zeros(n, dtype=np.int64)
    for i in prange(n):
        k = 0
        for r in range(cap):
            tid = bonds[i, r, TIE]
            if tid < 0:
                break
            if T.a[tid] >= 0 and T.death[tid] < 0 and T.uid[tid] == bonds[i, r, UID]:
                bonds[i, k, TIE] = tid
                bonds[i, k, UID] = bonds[i, r, UID]
                k += 1
            else:
                dropped[i] += 1
        for r in range(k, cap):
            bonds[i, r, TIE] = -1
            bonds[i, r, UID] = -1
    return dropped.sum()


@njit(cache=True)
def form(T, bonds, chance: float, step: int, seed: int, pid) -> int:
    """Step 2 of the rule, in slot order; returns the bonds made."""
    n, cap = bonds.shape[0], bonds.shape[1]
    made = 0
    if chance <= 0.0:
        return 0
    for i in range(n):
        if held(bonds, i) >= cap or T.deg[i] == 0:
            continue
        if rng.uniform(rng.key(seed, rng.BONDS, step, pid[i]), 0) >= chance:
            continue
        best, best_s = -np.inf, -1
        for s in range(T.deg[i]):
            if (T.ws[i, s] > best and held(bonds, T.nbr[i, s]) < cap
                    and not is_bond(bonds, i, T.adj[i, s])):
                best, best_s = T.ws[i, s], s
        if best_s >= 0:
            make_bond(T, bonds, i, best_s)
            made += 1
    return made


@njit(cache=True, parallel=True)
def keep_up(T, bonds, rate: float, step: int, seed: int, pid) -> int:
    """Step 3 of the rule: each bond's contacts, at its lower slot; returns how many."""
    n = bonds.shape[0]
    made = np.zeros(n, dtype=np.int64)
    if rate <= 0.0:
        return 0
    for i in prange(n):
        if bonds[i, 0, TIE] >= 0:
            made[i] = _keep_up_one(T, bonds, i, rate, step, seed, pid)
    return made.sum()


@njit(cache=True)
def _keep_up_one(T, bonds, i: int, rate: float, step: int, seed: int, pid) -> int:
    """Person i's part of ``keep_up`` (a function of its own: ``contact`` inlined into
    the parallel loop's body did not write the tie records' strided fields)."""
    k = rng.key(seed, rng.BONDS, step, pid[i])
    made = 0
    for r in range(bonds.shape[1]):
        tid = bonds[i, r, TIE]
        if tid < 0:
            break
        if min(T.a[tid], T.b[tid]) != i:
            continue
        c = rng.poisson(k, 1 + r, rate)
        for _ in range(c):
            contact(T, tid, step)
            T.calls[tid] += 1
        made += c
    return made


class Bonds(Process):
    """The weekly process: forget, form, keep up (reference: ``reference.bonds.week``)."""

    name = "bonds"
    params: Params

    def __init__(self, params: Params, world) -> None:
        super().__init__(params, world)
        if world.bonds is None:
            world.bonds = empty(world.people.n, params.per_person)
            if params.per_person > 0:
                first_bonds(world.ties.arrays(changes_weights=False), world.bonds)

    def step(self, world) -> dict[str, float]:
        q, p = self.params, world.people
        if q.per_person == 0:
            return {"bond_contacts": 0, "bonds_formed": 0, "bonds_ended": 0}
        T = world.ties.arrays()
        ended = forget(T, world.bonds) // 2
        formed = form(T, world.bonds, q.form, world.step, world.seed, p.pid)
        made = keep_up(T, world.bonds, q.contacts, world.step, world.seed, p.pid)
        return {"bond_contacts": int(made), "bonds_formed": int(formed),
                "bonds_ended": int(ended)}
