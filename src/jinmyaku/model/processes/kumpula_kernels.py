"""Fast kernels of the Kumpula et al. (2007) processes: adjacency rows with the weights inline.

The tie store keeps a person's tie ids, neighbours and weights in three
row arrays (``adj``, ``nbr``, ``ws``), so a weighted pick of a neighbour
touches three rows. :class:`Rows` is a copy of the store's adjacency laid out
for local search: slot s of row i holds, in 20 contiguous bytes, the weight
of i's s-th tie, the neighbour, ``rev`` (the slot of the same tie in the
neighbour's row) and the tie's id. A search reads two rows (i's and j's) and
writes through ``rev`` to the other ends instead of gathering weights from the
pool. The row of the node ten turns ahead is prefetched, and the next
searcher's j is picked before the current search's updates so that j's row
arrives meanwhile (picked again if those updates touched the next searcher's
row). The strengths s_i = Σ_j w_ij are kept with the rows from step to step.

The rows mirror the store slot for slot (same order as ``adj``), so a sweep
over them makes the choices the plain kernel
(:func:`jinmyaku.model.processes.local_search.search`) makes, with the same draws
and the same floating-point operations: the results are byte-identical
(strengths carried over from the step before instead of summed afresh can
only differ in the last bit where weights are not exact binary fractions,
and a pick changes only if its draw falls within that bit of a boundary).
Weights, peaks and last-use steps go to the store as they change.

Keeping the rows in step with the store: global attachment and node deletion
note the store's counters before their ``create_tie``/``kill_tie`` calls and
then bring the rows of both ends of every tie made or ended in step (the
store is the truth: a tie made goes into the slot the store gave it; a row
that lost a tie is copied again). Each patch stamps the rows with the store's (ties ever
created, ties alive); a process that finds another stamp (ties made or ended
by anything else, e.g. a test) does not trust the rows, and local search
copies them all again from the store (about 1 ms for 10,000 nodes). Code that
changes the *weight* of a living tie between steps by other means must call
:func:`invalidate`.
"""

from __future__ import annotations

import weakref

import numpy as np
from numba import njit

from jinmyaku.model import rng
from jinmyaku.model.prefetch import prefetch, prefetch1
from jinmyaku.model.rng import _GOLDEN, _INV53, _M1, _M2, _S11, mix64
from jinmyaku.model.ties import NEXT_UID, NFREE, NGRAVE, create_tie
from jinmyaku.model.vocabulary import REFERRAL

# one slot of a row: the tie's weight, the neighbour, the tie's slot in the neighbour's row
# and the tie's id in the store (20 bytes, packed; unsigned, so that indexing with them
# needs no negative-index fix-up)
SLOT = np.dtype([("w", np.float64), ("nbr", np.uint32), ("rev", np.uint32), ("tid", np.uint32)])
MIN_WIDTH = 16
AHEAD = 10  # local search prefetches the row of the node this many turns ahead

# kernel status: the sweep is done, or it stopped because the rows must be copied again
DONE, REBUILD = 0, 1


# ----------------------------------------------------------------- random numbers


@njit(cache=True)
def key_base(seed: int, stream: int, step: int) -> np.uint64:
    """The part of :func:`jinmyaku.model.rng.key` that does not depend on the person."""
    h = mix64(np.uint64(seed) + _GOLDEN)
    h = mix64(h ^ (np.uint64(stream) * _GOLDEN))
    return mix64(h ^ (np.uint64(step + 1) * _M1))


@njit(cache=True, inline="always")
def key_of(base: np.uint64, person: int) -> np.uint64:
    """``rng.key(seed, stream, step, person)`` from ``key_base(seed, stream, step)``."""
    return mix64(base ^ (np.uint64(person + 1) * _M2))


@njit(cache=True, inline="always")
def uniform(k: np.uint64, n: int) -> float:
    """Same as :func:`jinmyaku.model.rng.uniform` (inlined here)."""
    return float(mix64(k + np.uint64(n + 1) * _GOLDEN) >> _S11) * _INV53


# ----------------------------------------------------------------- copying rows


@njit(cache=True, inline="always")
def _copy_slot(R, a, sa, sb, ws, adj, nbr, i: int, s: int) -> None:
    """Copy slot s of row i from the store; ``rev`` is the tie's slot at the other end."""
    t = adj[i, s]
    R[i, s].w = ws[i, s]
    R[i, s].nbr = nbr[i, s]
    R[i, s].tid = t
    R[i, s].rev = sb[t] if a[t] == i else sa[t]


@njit(cache=True)
def _copy_all(R, a, sa, sb, ws, adj, nbr, deg) -> None:
    """Copy every row from the store."""
    for i in range(deg.size):
        for s in range(deg[i]):
            _copy_slot(R, a, sa, sb, ws, adj, nbr, i, s)


@njit(cache=True)
def _copy_row(R, a, sa, sb, ws, adj, nbr, deg, i: int) -> None:
    """Copy row i from the store and point its neighbours' ``rev`` at it."""
    for s in range(deg[i]):
        _copy_slot(R, a, sa, sb, ws, adj, nbr, i, s)
        R[nbr[i, s], R[i, s].rev].rev = s


@njit(cache=True, inline="always")
def _strength(R, deg, i: int) -> float:
    """s_i = Σ_j w_ij, summed in slot order (as the plain kernel sums it)."""
    acc = 0.0
    for s in range(deg[i]):
        acc += R[i, s].w
    return acc


@njit(cache=True)
def _strengths(R, deg, st) -> None:
    for i in range(deg.size):
        st[i] = _strength(R, deg, i)


# ----------------------------------------------------------------- local search


@njit(cache=True, inline="always")
def _grow(R, ws, peak, last, i: int, s: int, by: float, step: int) -> float:
    """Add ``by`` to the weight of slot s of row i, at both ends and in the store.

    The rows mirror the store's rows slot for slot, so ``rev`` is also the
    tie's slot in the store's row of the other end.
    """
    x = R[i, s].w + by
    q, r = R[i, s].nbr, R[i, s].rev
    R[i, s].w = x
    R[q, r].w = x
    ws[i, s] = x
    ws[q, r] = x
    t = R[i, s].tid
    peak[t] = x  # weights only grow: peak = weight
    last[t] = step
    return x


@njit(cache=True, inline="always")
def _pick(R, st, i: int, d: int, u: float) -> int:
    """The slot of i's neighbour j chosen with probability w_ij / s_i (u: the draw)."""
    target = u * st[i]
    acc = 0.0
    for s in range(d):
        acc += R[i, s].w
        if acc > target:
            return s
    return d - 1


@njit(cache=True)
def _search(T, R, st, order, x0: int, counts, delta: float, p_delta: float, w0: float,
            step: int, seed: int, pid):
    """Local search over ``order[x0:]`` on the rows; returns (next position, status).

    The same rule, draws and order of floating-point operations as the plain
    kernel. Weights, peaks and last-use steps go to the store as they change.
    The next searcher's j is picked before this search's updates, so that j's
    row can be fetched meanwhile, and picked again if the updates touched the
    next searcher's row (it was this search's j or k): the choices are the
    sequential ones. Stops with REBUILD after a closure the rows cannot take in
    place (a row at the rows' width, where the store may also have displaced a
    tie at capacity): the tie is then made in the store and the rows must be
    copied again before the sweep goes on.
    """
    deg = T.deg
    w = T.ws  # the store's weights, in its rows
    peak = T.peak
    tlast = T.last
    width = R.shape[1]
    base = key_base(seed, rng.LOCAL_SEARCH, step)
    last = order.size - 1
    # the next searcher, its key, degree and j's slot as picked ahead
    nxt = np.uint32(order[min(x0, last)])
    key_n = key_of(base, pid[nxt])
    d_n = deg[nxt]
    sj_n = _pick(R, st, nxt, d_n, uniform(key_n, 0)) if d_n > 0 else 0
    touched = False  # the last search changed the next searcher's row
    for x in range(x0, order.size):
        # the node AHEAD turns from now: the first 6 slots of its row (2 lines), its
        # strength, degree and id
        ahead = order[min(x + AHEAD, last)]
        prefetch(R, ahead, 0)
        prefetch(R, ahead, 3)
        prefetch1(st, ahead)
        prefetch1(deg, ahead)
        prefetch1(pid, ahead)
        i = nxt
        key = key_n
        d = deg[i]
        sj = sj_n
        if d > 0 and (touched or d != d_n):
            sj = _pick(R, st, i, d, uniform(key, 0))
        # pick ahead for the next searcher and fetch its j's row
        nxt = np.uint32(order[min(x + 1, last)])
        key_n = key_of(base, pid[nxt])
        d_n = deg[nxt]
        if d_n > 0:
            sj_n = _pick(R, st, nxt, d_n, uniform(key_n, 0))
            ahead = R[nxt, sj_n].nbr
            prefetch(R, ahead, 0)
            prefetch(R, ahead, 3)
            prefetch1(st, ahead)
            prefetch1(deg, ahead)
        touched = False
        if d == 0:
            continue
        counts[0] += 1
        # j ∝ w_ij
        j = R[i, sj].nbr
        wij = _grow(R, w, peak, tlast, i, sj, delta, step)
        st[i] += delta
        st[j] += delta
        touched = nxt == j
        dj = deg[j]
        if dj < 2:
            continue
        # k ≠ i among j's neighbours, ∝ w_jk
        target = uniform(key, 1) * (st[j] - wij)
        acc = 0.0
        sk = -1
        for s in range(dj):
            if R[j, s].nbr != i:
                sk = s
                acc += R[j, s].w
                if acc > target:
                    break
        k = R[j, sk].nbr
        touched = touched or nxt == k
        _grow(R, w, peak, tlast, j, sk, delta, step)
        st[j] += delta
        st[k] += delta
        sik = -1
        for s in range(d):
            if R[i, s].nbr == k:
                sik = s
                break
        if sik >= 0:
            _grow(R, w, peak, tlast, i, sik, delta, step)
            st[i] += delta
            st[k] += delta
            counts[1] += 1
        elif uniform(key, 2) < p_delta:
            dk = deg[k]
            t = create_tie(T, np.int64(i), np.int64(k), step, REFERRAL, w0, pid)
            if t < 0:
                counts[3] += 1  # an endpoint at max_ties whose weakest tie is ≥ w0
                continue
            st[i] += w0
            st[k] += w0
            counts[2] += 1
            if d >= width or dk >= width:
                # a row at the rows' width (≤ max_ties: only there may a tie be displaced)
                return x + 1, REBUILD
            R[i, d].w = w0
            R[i, d].nbr = k
            R[i, d].rev = dk
            R[i, d].tid = t
            R[k, dk].w = w0
            R[k, dk].nbr = i
            R[k, dk].rev = d
            R[k, dk].tid = t
    return order.size, DONE


# ----------------------------------------------------------------- keeping in step


@njit(cache=True)
def _in_step(R, adj, deg, i: int) -> bool:
    """True if row i holds the store's ties in the store's order."""
    for s in range(deg[i]):
        if R[i, s].tid != adj[i, s]:
            return False
    return True


@njit(cache=True)
def _patch(R, st, a, b, sa, sb, ws, adj, nbr, deg, free, f0: int, f1: int, grave, g0: int,
           g1: int) -> bool:
    """Bring the rows (and strengths) of both ends of the ties made (``free[f1:f0]``)
    and ended (``grave[g0:g1]``) since the counters were (f0, g0) in step with the
    store; False if a row is too wide for the rows.

    Ties only made (global attachment): each is put in the slot the store gave
    it, and a row whose other slots no longer match the store's is copied
    again. Ties ended: the rows of both ends are copied again.
    """
    width = R.shape[1]
    for e in range(f1, f0 + g1 - g0):
        t = free[e] if e < f0 else grave[g0 + e - f0]
        if deg[a[t]] > width or deg[b[t]] > width:
            return False
    if g1 == g0:
        for e in range(f1, f0):
            t = free[e]
            _copy_slot(R, a, sa, sb, ws, adj, nbr, a[t], sa[t])
            _copy_slot(R, a, sa, sb, ws, adj, nbr, b[t], sb[t])
        for e in range(f1, f0):
            t = free[e]
            for p in (a[t], b[t]):
                if not _in_step(R, adj, deg, p):
                    _copy_row(R, a, sa, sb, ws, adj, nbr, deg, p)
                st[p] = _strength(R, deg, p)
        return True
    for e in range(f1, f0 + g1 - g0):
        t = free[e] if e < f0 else grave[g0 + e - f0]
        _copy_row(R, a, sa, sb, ws, adj, nbr, deg, a[t])
        _copy_row(R, a, sa, sb, ws, adj, nbr, deg, b[t])
    for e in range(f1, f0 + g1 - g0):
        t = free[e] if e < f0 else grave[g0 + e - f0]
        st[a[t]] = _strength(R, deg, a[t])
        st[b[t]] = _strength(R, deg, b[t])
    return True


# ----------------------------------------------------------------- the cache


class Rows:
    """The rows of one tie store (see the module docstring)."""

    def __init__(self, people: int) -> None:
        self.width = 0
        self.slots = np.zeros((people, 0), dtype=SLOT)
        self.st = np.zeros(people)
        self.valid = np.zeros(1, dtype=np.int8)
        self.stamp: tuple[int, int] | None = None

    def in_sync(self, store) -> bool:
        return bool(self.valid[0]) and self.stamp == _stamp(store)

    def mark(self, store) -> None:
        """The rows are in step with the store as it is now."""
        self.stamp = _stamp(store) if self.valid[0] else None

    def before(self, store) -> tuple[int, int] | None:
        """What a process that will patch the rows notes before it changes ties."""
        if self.in_sync(store):
            return int(store.counters[NFREE]), int(store.counters[NGRAVE])
        self.valid[0] = 0
        return None

    def patch(self, store, before: tuple[int, int] | None) -> None:
        """Bring the rows in step after ties were made or ended through ``create_tie``
        and ``kill_tie`` since ``before`` (no flush or reserve in between)."""
        if before is None:
            return
        f0, g0 = before
        f1, g1 = int(store.counters[NFREE]), int(store.counters[NGRAVE])
        ok = _patch(self.slots, self.st, store.a, store.b, store.sa, store.sb, store.ws,
                    store.adj, store.nbr, store.deg, store.free, f0, f1, store.grave, g0, g1)
        self.valid[0] = 1 if ok else 0
        self.mark(store)

    def rebuild(self, store) -> None:
        """Copy every row from the store (widening the rows to fit the largest degree)."""
        cap = store.adj.shape[1]
        need = int(store.deg.max(initial=0)) + 1
        width = max(self.width, MIN_WIDTH)
        while width < need:
            width *= 2
        width = min(width, cap)
        if width != self.width:
            self.slots = np.zeros((store.deg.size, width), dtype=SLOT)
            self.width = width
        _copy_all(self.slots, store.a, store.sa, store.sb, store.ws, store.adj, store.nbr,
                  store.deg)
        _strengths(self.slots, store.deg, self.st)
        self.valid[0] = 1
        self.mark(store)

    def check(self, store, rel: float = 1e-9) -> None:
        """Raise AssertionError unless the rows and strengths match the store (for tests)."""
        R = self.slots
        for i in range(store.deg.size):
            d = int(store.deg[i])
            ids = store.adj[i, :d]
            assert (R["tid"][i, :d] == ids).all(), f"row {i}: tie ids"
            assert (R["nbr"][i, :d] == store.nbr[i, :d]).all(), f"row {i}: neighbours"
            assert (R["w"][i, :d] == store.ws[i, :d]).all(), f"row {i}: weights"
            back = store.adj[R["nbr"][i, :d], R["rev"][i, :d]]
            assert (back == ids).all(), f"row {i}: reverse slots"
            s = store.ws[i, :d].sum()
            assert abs(self.st[i] - s) <= rel * max(1.0, s), f"row {i}: strength"

    def search(self, store, order, delta: float, p_delta: float, w0: float, step: int,
               seed: int, pid) -> np.ndarray:
        """One local-search sweep; returns [searches, triangles reinforced, closures, refused].

        The store must have room for N new ties (the engine reserves it).
        """
        if not self.in_sync(store):
            self.rebuild(store)
        counts = np.zeros(4, dtype=np.int64)
        T = store.arrays()
        x = 0
        while True:
            x, status = _search(T, self.slots, self.st, order, x, counts, delta, p_delta, w0,
                                step, seed, pid)
            if status == DONE:
                break
            self.rebuild(store)
        self.mark(store)
        return counts


def _stamp(store) -> tuple[int, int]:
    return int(store.counters[NEXT_UID]), store.n_alive


_ROWS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def rows_for(store, create: bool = False) -> Rows | None:
    """The rows cached for ``store`` (made empty, to be copied, if ``create``)."""
    rows = _ROWS.get(store)
    if rows is None and create:
        rows = _ROWS[store] = Rows(store.deg.size)
    return rows


def invalidate(store) -> None:
    """Forget the rows of ``store`` (after changing its ties by other means)."""
    _ROWS.pop(store, None)
