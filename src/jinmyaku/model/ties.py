"""The tie store: every tie of the population as a structure of arrays.

A tie is one record in a pool (endpoints, origin, birth, last interaction,
value delivered, peak weight). Each field reads as an array of its own
(``TieStore.a``, ``TieStore.peak`` …), but in memory the fields sit in two
records grouped by use (``HOT``: what reinforcing a tie touches; ``REST``:
what making it writes), so touching a tie costs one or two cache lines
instead of one per field. Each person holds their ties
in one row of the adjacency arrays (at most ``capacity`` of them): ``adj``
(tie id), ``nbr`` (the other end) and ``ws`` (the tie's weight). A tie's
weight is kept in both ends' rows, identical copies written together, so a
person's ties and their weights are read as one contiguous row — the weekly
passes stream rows instead of gathering records from the pool. ``sa``/``sb``
give a tie's slot in a's and b's rows, so a tie is found, re-weighted or
removed in O(1). A tie is one record seen from both ends: symmetry holds by
construction.

When a tie dies its weight is copied to the record (``w``) and the record
goes to the *graveyard*; the engine moves graveyard records to the tie ledger
after every process and recycles them (:meth:`TieStore.flush`). Kernels never
allocate: before a process runs the engine makes sure the pool has room for
the most ties it can create.

What the rows hold depends on the store (docs/model.md §4):

* a *fading* store (every scenario but ``kumpula2007``) holds each tie's
  **key** (:mod:`jinmyaku.model.contacts`): its contacts, each discounted by
  its age with a memory of τ weeks, read as ``strength = exp(key − t/τ)``.
  Every contact adds one (:func:`contact`); nothing is done to a tie between
  contacts, and ranking by key is ranking by strength at every week. A tie
  ends when its strength falls below ``end_below``: each living tie has one
  timer on a :class:`~jinmyaku.model.contacts.Wheel`, set when it is made and
  looked at only when due (:meth:`TieStore.end_faded`), so no weekly pass
  touches every tie;
* a *plain* store (``kumpula2007``) holds raw weights that its processes
  change as they please and that never fade.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
from numba import njit

from jinmyaku.model.closest import Ranking, rank
from jinmyaku.model.contacts import Wheel, end_week, schedule, take_due
from jinmyaku.model.ledgers import MemoryTieLedger
from jinmyaku.model.vocabulary import ALIVE, DECAYED, DISPLACED, ORIGINS

# The arrays a kernel sees; built by TieStore.arrays().
Ties = namedtuple(
    "Ties",
    "a b pa pb w origin birth last death cause value peak uid contacts calls sa sb adj nbr ws deg "
    "free "
    "grave "
    "counters by_origin changed fade wh_head wh_tie wh_uid wh_due wh_nxt wh_counters",
)
# counters[0]: free-stack size, counters[1]: graveyard size, counters[2]: next tie uid
NFREE, NGRAVE, NEXT_UID = 0, 1, 2
# fade[TAU]: the memory τ (weeks; 0 for a plain store), fade[LOG_END]: ln(end_below)
TAU, LOG_END = 0, 1


@njit(cache=True)
def find_tie(nbr, adj, deg, i: int, j: int) -> int:
    """The id of the tie between i and j, or -1 (scans the shorter adjacency row).

    Hot helpers take the arrays they need rather than the ``Ties`` tuple: a
    call with the tuple costs a reference count per array (~100 ns).
    """
    if deg[j] < deg[i]:
        i, j = j, i
    for s in range(deg[i]):
        if nbr[i, s] == j:
            return adj[i, s]
    return -1


@njit(cache=True, inline="always")
def weight(T, tid: int) -> float:
    """What the rows hold for living tie ``tid`` (read from a's row): its key in a
    fading store, its weight in a plain one."""
    return T.ws[T.a[tid], T.sa[tid]]


@njit(cache=True, inline="always")
def as_strength(T, x: float, step: int) -> float:
    """A row value ``x`` as a strength at ``step``: ``exp(x − step/τ)`` (contacts) in a
    fading store, ``x`` itself in a plain one."""
    tau = T.fade[TAU]
    return math.exp(x - step / tau) if tau > 0.0 else x


@njit(cache=True, inline="always")
def strength(T, tid: int, step: int) -> float:
    """The strength of living tie ``tid`` at ``step`` (discounted contacts, or the weight)."""
    return as_strength(T, T.ws[T.a[tid], T.sa[tid]], step)


@njit(cache=True, inline="always")
def first_key(T, contacts: float, step: int) -> float:
    """What the rows hold for a tie made at ``step`` with ``contacts`` (≥ 1) contacts."""
    tau = T.fade[TAU]
    return math.log(contacts) + step / tau if tau > 0.0 else contacts


@njit(cache=True, inline="always")
def set_weight(T, tid: int, x: float) -> None:
    """Set the weight of living tie ``tid`` in both ends' rows."""
    T.ws[T.a[tid], T.sa[tid]] = x
    T.ws[T.b[tid], T.sb[tid]] = x


@njit(cache=True, inline="always")
def contact(T, tid: int, step: int) -> None:
    """One contact over living tie ``tid`` at ``step`` (fading store): its strength
    grows by one, ``key ← ln(exp(key − t/τ) + 1) + t/τ``; its peak and last
    contact follow. Its end timer is left as it is: it is looked at when due."""
    a, sa = T.a[tid], T.sa[tid]
    now = step / T.fade[TAU]
    c = math.exp(T.ws[a, sa] - now) + 1.0
    x = math.log(c) + now
    T.ws[a, sa] = x
    T.ws[T.b[tid], T.sb[tid]] = x
    if c > T.peak[tid]:
        T.peak[tid] = c
    T.last[tid] = step
    T.contacts[tid] += 1


# The fields of a tie record that reinforcing a tie reads or writes, stored together
# (32 bytes; the array starts on a 64-byte cache line, so two records per line): a
# kernel that touches a tie loads one line of the record, not one line per field. Each
# field is still an array of its own to the code (``TieStore.a`` etc. are strided views
# of this record array).
HOT = np.dtype([("a", np.int32), ("b", np.int32), ("sa", np.int32), ("sb", np.int32),
                ("last", np.int32), ("death", np.int32), ("peak", np.float64)])

# The rest of a record (56 bytes with padding), together too: making a tie writes all
# of it but ``w`` (the strength at death, written by kill_tie); a contact adds to
# ``contacts`` (the contacts made over the tie during the run), a discretionary one
# (maintenance, §7.7: the calls and messages outside any focus) to ``calls`` too.
REST = np.dtype([("pa", np.int64), ("pb", np.int64), ("uid", np.int64), ("value", np.float64),
                 ("w", np.float64), ("birth", np.int32), ("contacts", np.int32),
                 ("origin", np.int8), ("cause", np.int8), ("calls", np.int32)], align=True)


def _aligned_records(n: int, dtype: np.dtype) -> np.ndarray:
    """n zeroed records of ``dtype`` starting on a 64-byte boundary (a cache line), so a
    32-byte HOT record never straddles two lines."""
    buf = np.zeros(n * dtype.itemsize + 64, dtype=np.uint8)
    skip = -buf.ctypes.data % 64
    return buf[skip:skip + n * dtype.itemsize].view(dtype)


# Kernels that walk a list of tie ids known in advance (maintenance's chosen ties, an
# event's planned encounters) prefetch the record of the tie RECORD_AHEAD entries ahead
# (its HOT fields: one line, fetched through ``a``) and the weights of the tie
# WEIGHT_AHEAD entries ahead (its record has arrived by then),
# so that the cache misses of several ties overlap. The prefetches are written out in
# each kernel: a helper taking the arrays costs a reference count per array and call.
RECORD_AHEAD = 16
WEIGHT_AHEAD = 8


@njit(cache=True)
def _detach(T, i: int, tid: int) -> None:
    """Remove ``tid`` from i's row; the row's last tie moves into its slot."""
    s = T.sa[tid] if T.a[tid] == i else T.sb[tid]
    last = T.deg[i] - 1
    if s != last:
        moved = T.adj[i, last]
        T.adj[i, s] = moved
        T.nbr[i, s] = T.nbr[i, last]
        T.ws[i, s] = T.ws[i, last]
        if T.a[moved] == i:
            T.sa[moved] = s
        else:
            T.sb[moved] = s
    T.adj[i, last] = -1
    T.nbr[i, last] = -1
    T.ws[i, last] = 0.0
    T.deg[i] = last
    T.changed[i] = True


@njit(cache=True)
def kill_tie(T, tid: int, step: int, cause: int) -> None:
    """End tie ``tid`` at ``step`` for ``cause``; its record goes to the graveyard."""
    T.w[tid] = strength(T, tid, step)  # the strength at death, for the ledger
    o = T.origin[tid]
    T.by_origin[T.a[tid], o] -= 1
    T.by_origin[T.b[tid], o] -= 1
    _detach(T, T.a[tid], tid)
    _detach(T, T.b[tid], tid)
    T.death[tid] = step
    T.cause[tid] = cause
    g = T.counters[NGRAVE]
    T.grave[g] = tid
    T.counters[NGRAVE] = g + 1


@njit(cache=True)
def weakest_slot(ws, deg, i: int) -> int:
    """The slot of i's weakest tie (lowest weight, earliest slot on ties), or -1."""
    best = -1
    best_w = np.inf
    for s in range(deg[i]):
        if ws[i, s] < best_w:
            best_w = ws[i, s]
            best = s
    return best


@njit(cache=True)
def weakest_tie(T, i: int) -> int:
    """The id of i's weakest tie (lowest weight, earliest slot on ties), or -1."""
    s = weakest_slot(T.ws, T.deg, i)
    return T.adj[i, s] if s >= 0 else -1


@njit(cache=True)
def create_tie(T, i: int, j: int, step: int, origin: int, weight: float, pid) -> int:
    """Create a tie between i and j, or return -1 if it cannot be made.

    A person at capacity makes room by dropping their weakest tie, but only
    when it is weaker than the newcomer's ``weight``; otherwise the tie is
    refused. ``pid`` maps slots to persistent person ids.
    """
    if i == j or find_tie(T.nbr, T.adj, T.deg, i, j) >= 0:
        return -1
    return create_new_tie(T, i, j, step, origin, weight, pid)


@njit(cache=True)
def create_new_tie(T, i: int, j: int, step: int, origin: int, weight: float, pid) -> int:
    """``create_tie`` for a caller that knows i ≠ j and that no tie i–j exists.

    Skips the scan for an existing tie (a kernel that has just looked, such as
    the encounters' apply, calls this).
    """
    if T.counters[NFREE] == 0 or (T.fade[TAU] > 0.0 and T.wh_counters[0] < 0):
        return -1  # no free record or timer: the engine under-reserved; refuse before changing
    cap = T.adj.shape[1]
    if T.deg[i] >= cap or T.deg[j] >= cap:
        # A full person makes room by dropping their weakest tie, but only when it is
        # weaker than the newcomer (a person with a free slot never blocks the tie).
        # Each full row is scanned once: dropping i's weakest tie (to some k ≠ j, as
        # no tie i–j exists) leaves j's row, and so j's weakest slot, as it was.
        si = weakest_slot(T.ws, T.deg, i) if T.deg[i] >= cap else -1
        sj = weakest_slot(T.ws, T.deg, j) if T.deg[j] >= cap else -1
        if (si >= 0 and T.ws[i, si] >= weight) or (sj >= 0 and T.ws[j, sj] >= weight):
            return -1
        if si >= 0:
            kill_tie(T, T.adj[i, si], step, DISPLACED)
        if sj >= 0:
            kill_tie(T, T.adj[j, sj], step, DISPLACED)
    n = T.counters[NFREE]
    tid = T.free[n - 1]
    T.counters[NFREE] = n - 1
    T.a[tid] = i
    T.b[tid] = j
    T.pa[tid] = pid[i]
    T.pb[tid] = pid[j]
    T.peak[tid] = as_strength(T, weight, step)
    T.origin[tid] = origin
    T.birth[tid] = step
    T.last[tid] = step
    T.death[tid] = -1
    T.cause[tid] = ALIVE
    T.value[tid] = 0.0
    T.contacts[tid] = 1 if step > 0 else 0  # made by a contact; starting ties count none
    T.calls[tid] = 0  # ties are made at foci and by introductions, never by a call
    T.uid[tid] = T.counters[NEXT_UID]
    T.counters[NEXT_UID] += 1
    if T.fade[TAU] > 0.0:  # its end timer, at the week it ends if no one contacts it again
        schedule(T.wh_head, T.wh_tie, T.wh_uid, T.wh_due, T.wh_nxt, T.wh_counters, tid,
                 T.uid[tid], max(end_week(weight, T.fade[TAU], T.fade[LOG_END]), step + 1),
                 step)
    si, sj = T.deg[i], T.deg[j]
    T.sa[tid] = si
    T.sb[tid] = sj
    T.adj[i, si] = tid
    T.nbr[i, si] = j
    T.ws[i, si] = weight
    T.deg[i] = si + 1
    T.adj[j, sj] = tid
    T.nbr[j, sj] = i
    T.ws[j, sj] = weight
    T.deg[j] = sj + 1
    T.by_origin[i, origin] += 1
    T.by_origin[j, origin] += 1
    T.changed[i] = True
    T.changed[j] = True
    return tid


@njit(cache=True)
def is_alive(a, death, tid: int) -> bool:
    """True for a record holding a living tie (not free, not in the graveyard)."""
    return a[tid] >= 0 and death[tid] < 0



def _buckets(memory: float) -> int:
    """Wheel buckets for a memory of ``memory`` weeks: a power of two covering how long
    a tie met once lasts at the weakest end allowed (τ·ln 1/end_below, end_below ≥ 0.01),
    so that few timers wait beyond the horizon."""
    span = max(2, int(memory * math.log(100.0)) + 2)
    return 1 << (span - 1).bit_length()


@njit(cache=True)
def _end_faded(T, step: int, buf_tie, buf_uid, later_tie, later_uid, later_due) -> int:
    """The body of :meth:`TieStore.end_faded`: take this week's timers off the wheel;
    end each tie whose end week has come (ascending uid), put the others back."""
    head, tie, uid, due, nxt, cnt = (T.wh_head, T.wh_tie, T.wh_uid, T.wh_due, T.wh_nxt,
                                     T.wh_counters)
    n_now, n_later = take_due(head, tie, uid, due, nxt, cnt, step, buf_tie, buf_uid,
                              later_tie, later_uid, later_due)
    for k in range(n_later):  # parked beyond the horizon: closer now
        schedule(head, tie, uid, due, nxt, cnt, later_tie[k], later_uid[k], later_due[k], step)
    tau, log_end = T.fade[TAU], T.fade[LOG_END]
    n_end = 0
    for k in range(n_now):
        t = buf_tie[k]
        if T.a[t] < 0 or T.death[t] >= 0 or T.uid[t] != buf_uid[k]:
            continue  # ended otherwise; its record may hold a newer tie with its own timer
        w = end_week(T.ws[T.a[t], T.sa[t]], tau, log_end)
        if w <= step:
            buf_tie[n_end] = t
            buf_uid[n_end] = buf_uid[k]
            n_end += 1
        else:
            schedule(head, tie, uid, due, nxt, cnt, t, buf_uid[k], w, step)
    order = np.argsort(buf_uid[:n_end], kind="mergesort")
    for k in range(n_end):
        kill_tie(T, buf_tie[order[k]], step, DECAYED)
    return n_end


class TieStore:
    """Owner of the tie pool; grows it on demand and keeps the ledger of dead ties."""

    def __init__(self, people: int, capacity: int, pool: int | None = None,
                 ledger=None, memory: float = 0.0, end_below: float = 0.25) -> None:
        """``ledger``: where dead ties go (anything with ``append(columns)``, such as
        ``jinmyaku.storage.ledger.TieLedger``); default an in-memory ledger.
        ``memory`` τ > 0 (weeks) makes a fading store whose ties end below
        ``end_below`` (contacts, in (0, 1)); 0 a plain one."""
        if pool is None:
            pool = max(1024, people * min(capacity, 32))
        self.capacity = capacity
        if memory > 0.0 and not 0.0 < end_below < 1.0:
            raise ValueError("end_below must lie in (0, 1)")
        self.fade = np.array([memory, math.log(end_below) if memory > 0.0 else 0.0])
        self.week = 0  # the week the strengths are read at (the engine keeps it)
        self.wheel = Wheel(entries=pool if memory > 0.0 else 1, buckets=_buckets(memory))
        self.adj = np.full((people, capacity), -1, dtype=np.int32)
        self.nbr = np.full((people, capacity), -1, dtype=np.int32)  # neighbour slot per tie
        self.ws = np.zeros((people, capacity))  # weight per slot (both ends hold a copy)
        self.deg = np.zeros(people, dtype=np.int32)
        # each person's living ties by origin (kept by create_tie and kill_tie), so
        # that the recorder need not walk the pool every week
        self.by_origin = np.zeros((people, len(ORIGINS)), dtype=np.int32)
        # rows where a tie was made or ended since they were last ranked (jinmyaku.model.closest),
        # and a count of the times the arrays were taken with leave to change weights
        self.changed = np.zeros(people, dtype=np.bool_)
        self.weights_version = 0
        self._ranking = None
        self.counters = np.zeros(3, dtype=np.int64)
        self._alloc(pool)
        self.ledger = MemoryTieLedger() if ledger is None else ledger  # dead ties

    def _alloc(self, pool: int) -> None:
        """Make the pool ``pool`` records long, the new records free (handed out lowest
        id first, after any still on the free stack).

        The record groups and the stacks are prefixes of buffers with room to spare
        (``_room``): growing within the room only lengthens the prefixes. Room that
        is never used costs address space, not memory (the buffers are zeroed by the
        system, page by page, when first touched), so growing no longer copies the
        pool and holds the old one beside the new.
        """
        n_old = 0 if getattr(self, "_hot", None) is None else self._hot.shape[0]
        if getattr(self, "_hot_buf", None) is None or pool > self._hot_buf.shape[0]:
            room = self._room(pool)
            # one group at a time, so that only one old group is held beside the new ones
            hot = _aligned_records(room, HOT)  # the fields a reinforcement touches, together
            if n_old:
                hot[:n_old] = self._hot
            self._hot_buf = hot
            rest = _aligned_records(room, REST)  # the fields written when a tie is made
            if n_old:
                rest[:n_old] = self._rest
            self._rest_buf = rest
            free = np.empty(room, dtype=np.int32)
            grave = np.empty(room, dtype=np.int32)
            if n_old:
                free[: self.counters[NFREE]] = self.free[: self.counters[NFREE]]
                grave[: self.counters[NGRAVE]] = self.grave[: self.counters[NGRAVE]]
            self._free_buf, self._grave_buf = free, grave
        self._hot = self._hot_buf[:pool]
        self._hot["a"][n_old:] = -1  # a = -1: record free (the rest of a new record is 0)
        self._rest = self._rest_buf[:pool]
        self._views()
        self.free = self._free_buf[:pool]
        self.grave = self._grave_buf[:pool]
        nfree = int(self.counters[NFREE])
        # new records are handed out lowest id first
        new_ids = np.arange(pool - 1, n_old - 1, -1, dtype=np.int32)
        self.free[nfree:nfree + new_ids.size] = new_ids
        self.counters[NFREE] = nfree + new_ids.size

    def _room(self, pool: int) -> int:
        """Records to make room for when the pool must move: four times ``pool``, but
        no more than every person's row full (each tie takes two slots) plus one
        graveyard's worth, and never less than ``pool``."""
        people, capacity = self.adj.shape
        return max(pool, min(4 * pool, people * capacity // 2 + people))

    def _views(self) -> None:
        """Each record field as an array of its own (a strided view of its group)."""
        for name in HOT.names:
            setattr(self, name, self._hot[name])
        for name in REST.names:
            setattr(self, name, self._rest[name])

    def __getstate__(self) -> dict:
        """Pickle and deepcopy without the field views of the records (rebuilt on load)
        and without the room to spare (a copy grows by moving, the first time)."""
        return {k: v for k, v in self.__dict__.items()
                if k not in HOT.names and k not in REST.names and not k.endswith("_buf")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._hot_buf, self._rest_buf = self._hot, self._rest
        self._free_buf, self._grave_buf = self.free, self.grave
        self._views()

    @property
    def pool(self) -> int:
        return self.a.shape[0]

    @property
    def n_alive(self) -> int:
        return self.pool - int(self.counters[NFREE]) - int(self.counters[NGRAVE])

    @property
    def fading(self) -> bool:
        """True for a store whose rows hold keys of fading contacts."""
        return bool(self.fade[TAU] > 0.0)

    def reserve(self, n: int) -> None:
        """Make sure at least ``n`` new ties can be created without growing."""
        self.flush()
        if self.fading:
            self.wheel.reserve(n)
        if self.counters[NFREE] < n:
            need = self.pool + (n - int(self.counters[NFREE]))
            self._alloc(max(need, int(self.pool * 1.5)))

    def arrays(self, changes_weights: bool = True) -> Ties:
        """The arrays as the namedtuple kernels take.

        A caller that will not change any living tie's weight (it reads them, or
        only makes and ends ties) says ``changes_weights=False``, so that the kept
        ranking of closest ties stays valid (:meth:`closest`).
        """
        if changes_weights:
            self.weights_version += 1
        return Ties(self.a, self.b, self.pa, self.pb, self.w, self.origin, self.birth,
                    self.last, self.death, self.cause, self.value, self.peak, self.uid,
                    self.contacts, self.calls, self.sa, self.sb, self.adj, self.nbr, self.ws,
                    self.deg, self.free, self.grave, self.counters, self.by_origin, self.changed,
                    self.fade,
                    *self.wheel.arrays())

    def end_faded(self, step: int) -> int:
        """End the ties whose strength has fallen below ``end_below`` by ``step``, in
        ascending uid order (cause ``decayed``); returns how many. Only the timers due
        this week are looked at; a tie contacted since its timer was set gets a new one.
        """
        if not self.fading:
            return 0
        self.wheel.reserve(0)
        n = self.wheel.size
        bufs = [np.empty(n, dtype=np.int64) for _ in range(5)]
        return int(_end_faded(self.arrays(changes_weights=False), step, *bufs))

    def closest(self, k: int) -> Ranking:
        """Everyone's k strongest ties, ranked (a ``jinmyaku.model.closest.Ranking``).

        Kept between calls, as wide as the widest k asked for (at most the
        capacity): every row is ranked again when weights may have changed
        since (``arrays()`` was taken with leave to) or a wider k is asked for,
        else only the rows where ties were made or ended. A narrower k is the
        front of the kept ranking. The result is the same as a fresh ranking.
        """
        width = max(1, min(k, self.capacity))
        r = self._ranking
        every = r is None or r.k < width or r.version != self.weights_version
        if r is None or r.k < width:
            r = self._ranking = Ranking.empty(self.deg.size, width)
        rank(self.ws, self.nbr, self.deg, self.changed, every, r.k, r.weight, r.other, r.m)
        r.version = self.weights_version
        return r.front(k)

    def flush(self) -> None:
        """Move graveyard records to the ledger and recycle them."""
        n = int(self.counters[NGRAVE])
        if n == 0:
            return
        ids = self.grave[:n].copy()
        self._append_ledger(ids)
        self.a[ids] = -1
        nfree = int(self.counters[NFREE])
        self.free[nfree:nfree + n] = ids[::-1]
        self.counters[NFREE] = nfree + n
        self.counters[NGRAVE] = 0

    def _append_ledger(self, ids: np.ndarray) -> None:
        self.ledger.append(self._rows(ids))

    def _rows(self, ids: np.ndarray) -> dict[str, np.ndarray]:
        """Ledger columns of records ``ids`` (living ones have death -1, cause alive)."""
        weight = self.w[ids]  # the strength at death; a living tie's is in the rows
        living = self.death[ids] < 0
        weight[living] = self.weights(ids[living])
        return {"uid": self.uid[ids], "a": self.pa[ids], "b": self.pb[ids],
                "origin": self.origin[ids], "birth": self.birth[ids], "death": self.death[ids],
                "cause": self.cause[ids], "weight": weight, "peak_weight": self.peak[ids],
                "last_interaction": self.last[ids], "value": self.value[ids],
                "contacts": self.contacts[ids], "calls": self.calls[ids]}

    def weights(self, ids: np.ndarray) -> np.ndarray:
        """The strengths of living tie records ``ids`` at week ``self.week`` (a copy):
        discounted contacts in a fading store, weights in a plain one."""
        ids = np.asarray(ids)
        x = self.ws[self.a[ids], self.sa[ids]]
        if self.fading:
            return np.exp(x - self.week / self.fade[TAU])
        return x.copy()

    def alive_ids(self) -> np.ndarray:
        """Ids of living tie records, in ascending order (call after flush)."""
        return np.flatnonzero((self.a >= 0) & (self.death < 0))

    def ledger_table(self) -> dict[str, np.ndarray]:
        """Every tie ever made, dead and living (death -1), sorted by uid, in memory."""
        self.flush()
        return self.ledger.table(self._rows(self.alive_ids()))

    def ledger_file(self):
        """Every tie ever made, sorted by uid, as a ``ledger.SpilledTies`` (a Parquet file)."""
        self.flush()
        alive = self.alive_ids()
        alive = alive[np.argsort(self.uid[alive], kind="stable")]
        return self.ledger.finish(self.uid[alive], lambda s: self._rows(alive[s]))
