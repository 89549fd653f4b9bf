"""Contacts that fade: a tie's strength as the contacts it has had, discounted.

Building block of the tie process of issue 16 (docs/notes/tie-process.md): not
yet used by the engine.

A tie's *strength* at week t is its contacts, each discounted by its age with a
memory of ``tau`` weeks::

    c(t) = Σ_k exp(−(t − t_k) / tau)          (contacts; t, t_k, tau in weeks)

It is stored as one number that does not change between contacts, the *key*
``κ = ln c(t_last) + t_last / tau``, so that::

    c(t) = exp(κ − t / tau)                    (strength now)
    n contacts at week t:  κ ← ln(exp(κ − t / tau) + n) + t / tau
    a new tie with n contacts at t:  κ = ln n + t / tau

Since every tie fades at the same rate, ranking a person's ties by key ranks
them by strength at every week: orders change only where contacts happen, so
nothing need be done each week for ties nobody touched — no decay pass.

A tie *ends* at the first week its strength is below ``drop`` (contacts), that
is the first whole week ``t`` with ``κ < ln(drop) + t / tau``
(:func:`end_week`). The :class:`Wheel` finds those ties without looking at the
others: each living tie has one entry, due at the week the tie would end if no
one contacted it again; when a week comes, its entries are taken out
(:func:`take_due`) and the caller ends each tie whose end week has come and puts
the others back at their new end week (a contact since moved it later). A tie
touched every week is thus looked at once per ``tau·ln(c/drop)`` weeks, not
every week. Entries are keyed by the tie's uid, so an entry left by a tie that
ended otherwise (displaced, its person left) is recognised as stale and dropped.

The plain reference is ``jinmyaku.model.reference.contacts``, which checks every
tie every week.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def strength(key: float, week: int, tau: float) -> float:
    """Strength (discounted contacts) at ``week`` of a tie with ``key``."""
    return math.exp(key - week / tau)


@njit(cache=True, inline="always")
def new_key(contacts: float, week: int, tau: float) -> float:
    """Key of a tie made at ``week`` with ``contacts`` (> 0) contacts."""
    return math.log(contacts) + week / tau


@njit(cache=True, inline="always")
def add_contacts(key: float, contacts: float, week: int, tau: float) -> float:
    """Key after ``contacts`` more contacts at ``week`` (not before the tie's last one)."""
    return math.log(math.exp(key - week / tau) + contacts) + week / tau


@njit(cache=True, inline="always")
def end_week(key: float, tau: float, log_drop: float) -> int:
    """The first whole week at which the strength is below ``exp(log_drop)``.

    The smallest integer t with ``key < log_drop + t / tau``: the tie is alive
    (strength ≥ drop) through week t − 1.
    """
    t = math.floor(tau * (key - log_drop)) + 1
    # guard the rounding of the product: step until the defining inequality holds
    while key >= log_drop + t / tau:
        t += 1
    while t > 0 and key < log_drop + (t - 1) / tau:
        t -= 1
    return t


class Wheel:
    """Timers for tie ends: one entry per living tie, due at its end week.

    ``buckets`` weeks are kept (a power of two); an entry due farther ahead
    waits in the last bucket of the horizon and is put back when taken out
    early. Arrays (kernels take them via :meth:`arrays`): ``head`` (first entry
    of each bucket, −1 if none), and per entry ``tie``, ``uid``, ``due`` (the
    week it is for) and ``nxt`` (the next entry in its bucket, or the next free
    entry); ``counters[0]`` is the first free entry, ``counters[1]`` the number
    in use.
    """

    def __init__(self, entries: int = 1024, buckets: int = 512) -> None:
        if buckets < 2 or buckets & (buckets - 1):
            raise ValueError("buckets must be a power of two ≥ 2")
        self.head = np.full(buckets, -1, dtype=np.int64)
        self.counters = np.zeros(2, dtype=np.int64)
        self.tie = np.zeros(0, dtype=np.int64)
        self.uid = np.zeros(0, dtype=np.int64)
        self.due = np.zeros(0, dtype=np.int64)
        self.nxt = np.zeros(0, dtype=np.int64)
        self.counters[0] = -1
        self.grow(entries)

    @property
    def size(self) -> int:
        """Entries in use."""
        return int(self.counters[1])

    def grow(self, entries: int) -> None:
        """Make room for ``entries`` entries in all (new ones join the free list)."""
        old = self.tie.size
        if entries <= old:
            return
        for name in ("tie", "uid", "due", "nxt"):
            a = np.zeros(entries, dtype=np.int64)
            a[:old] = getattr(self, name)
            setattr(self, name, a)
        # the new entries, lowest first, in front of what was free
        self.nxt[old:entries - 1] = np.arange(old + 1, entries)
        self.nxt[entries - 1] = self.counters[0]
        self.counters[0] = old

    def reserve(self, n: int) -> None:
        """Make sure ``n`` more entries can be scheduled without growing."""
        if self.tie.size - self.size < n:
            self.grow(max(self.tie.size * 3 // 2, self.size + n))

    def arrays(self):
        return self.head, self.tie, self.uid, self.due, self.nxt, self.counters


@njit(cache=True)
def schedule(head, tie, uid, due, nxt, counters, t: int, uid_: int, week: int, now: int) -> bool:
    """Put tie ``t`` (uid ``uid_``) on the wheel for ``week`` (≥ ``now``); False if full."""
    e = counters[0]
    if e < 0:
        return False
    counters[0] = nxt[e]
    counters[1] += 1
    tie[e] = t
    uid[e] = uid_
    due[e] = week
    buckets = head.size
    b = min(week, now + buckets - 1) & (buckets - 1)  # beyond the horizon: its last bucket
    nxt[e] = head[b]
    head[b] = e
    return True


@njit(cache=True)
def take_due(head, tie, uid, due, nxt, counters, week: int, now_out_tie, now_out_uid,
             later_tie, later_uid, later_due) -> tuple:
    """Empty the bucket of ``week``: entries due by ``week`` go to ``now_out_*``,
    entries due later (parked beyond the horizon) to ``later_*``; all are freed.

    Returns (number due, number later). The out arrays must hold the bucket (at
    most the entries in use). Entries come out in no particular order: the
    caller orders them (by uid) before acting.
    """
    b = week & (head.size - 1)
    e = head[b]
    head[b] = -1
    n_now = 0
    n_later = 0
    while e >= 0:
        following = nxt[e]
        if due[e] <= week:
            now_out_tie[n_now] = tie[e]
            now_out_uid[n_now] = uid[e]
            n_now += 1
        else:
            later_tie[n_later] = tie[e]
            later_uid[n_later] = uid[e]
            later_due[n_later] = due[e]
            n_later += 1
        nxt[e] = counters[0]
        counters[0] = e
        counters[1] -= 1
        e = following
    return n_now, n_later


@njit(cache=True)
def ends_due(head, tie, uid, due, nxt, counters, week: int, tau: float, log_drop: float,
             keys, uids, alive, buf_tie, buf_uid, buf_later_tie, buf_later_uid,
             buf_later_due):
    """The ties that end at ``week``, in ascending uid order; the wheel is brought up
    to date (entries of ties contacted since go to their new end week).

    ``keys``, ``uids``, ``alive``: per tie record (``alive[t]`` false for a free or
    dead record). Entries whose record holds another tie now (uid differs) or
    none are dropped. The ``buf_*`` arrays hold at least the entries in use.
    """
    n_now, n_later = take_due(head, tie, uid, due, nxt, counters, week, buf_tie, buf_uid,
                              buf_later_tie, buf_later_uid, buf_later_due)
    for k in range(n_later):  # parked beyond the horizon: closer now
        schedule(head, tie, uid, due, nxt, counters, buf_later_tie[k], buf_later_uid[k],
                 buf_later_due[k], week)
    n_end = 0
    for k in range(n_now):
        t = buf_tie[k]
        if not alive[t] or uids[t] != buf_uid[k]:
            continue  # ended otherwise; its record may hold a newer tie with its own entry
        w = end_week(keys[t], tau, log_drop)
        if w <= week:
            buf_tie[n_end] = t
            buf_uid[n_end] = buf_uid[k]
            n_end += 1
        else:
            schedule(head, tie, uid, due, nxt, counters, t, buf_uid[k], w, week)
    order = np.argsort(buf_uid[:n_end], kind="mergesort")
    return buf_tie[:n_end][order].copy()
