"""Encounters inside groups: the one mechanism behind foci, mixers, meetups and work.

Each attendee of a group has a number of encounters. An encounter first
*seeks a known face* with chance ``seek_known``: a co-attendee the person was
already tied to when the week's event began, if any is present. Otherwise the
partner is a uniformly random co-attendee. Meeting someone already tied is a
contact over the tie (its strength grows by one); meeting a stranger makes a
tie with chance ``new_tie``, which starts with that one contact.

The kernel works in two phases so that both cores help without changing the
result for a given seed:

1. *plan* (parallel over attendees): from the ties as they were when the
   event began, each attendee's encounters are drawn — the partner, the tie
   to them if any, and whether a first meeting would become a tie;
2. *apply* (serial, attendees in group order): the plan is carried out. A
   partner tied to the person only since the event began (an earlier
   attendee's first meeting) is met as a known person; a tie that ended
   during the event (displaced by a newcomer at capacity) counts as a
   stranger.

The one difference from visiting attendees strictly one after another is
that "seeking a known face" looks for faces known when the event began, not
also for ties made earlier at the same event (docs/model.md, *Scheduling*).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from jinmyaku.model import rng
from jinmyaku.model.prefetch import prefetch, prefetch1
from jinmyaku.model.ties import (
    RECORD_AHEAD,
    WEIGHT_AHEAD,
    contact,
    create_new_tie,
    find_tie,
    first_key,
)

_CHUNK = 128  # attendees per parallel task
_ROW_AHEAD = 4  # plan prefetches the row of the attendee this many places ahead


@njit(cache=True)
def _n_encounters(k, e: float) -> int:
    """Expected encounters ``e`` rounded stochastically with draw 0 of key ``k``."""
    n = int(e)
    if rng.uniform(k, 0) < e - n:
        n += 1
    return n


@njit(cache=True, parallel=True)
def plan(deg, nbr, adj, members, ptr, group_of, n_enc, seek_known: float, p_new: float,
         step: int, seed: int, stream: int, pid):
    """Phase 1: everyone's encounters from the ties at the start of the event.

    Returns ``(first, partner, tie, new)``: attendee ``members[x]``'s
    encounters are rows ``first[x]:first[x+1]``; ``partner`` is the random
    co-attendee drawn for the row (met unless a known face was sought),
    ``tie`` the tie met (a sought known face's tie, or the tie to
    ``partner``; -1: none), and ``new`` whether a first meeting would become
    a tie.
    """
    m_all = members.size
    gx = np.empty(m_all, dtype=np.int64)  # group of each member position
    pos_of = np.empty(deg.size, dtype=np.int32)  # an attendee's position in their group
    for g in prange(ptr.size - 1):
        for x in range(ptr[g], ptr[g + 1]):
            gx[x] = g
            pos_of[members[x]] = x - ptr[g]
    count = np.zeros(m_all + 1, dtype=np.int64)
    for x in prange(m_all):
        g = gx[x]
        if ptr[g + 1] - ptr[g] >= 2:
            i = members[x]
            count[x + 1] = _n_encounters(rng.key(seed, stream, step, pid[i]), n_enc[i])
    first = np.cumsum(count)
    total = first[m_all]
    partner = np.empty(total, dtype=np.int32)
    tie = np.empty(total, dtype=np.int32)
    new = np.empty(total, dtype=np.bool_)
    cap = adj.shape[1]
    for c in prange((m_all + _CHUNK - 1) // _CHUNK):
        known = np.empty(cap, dtype=np.int32)  # ties to co-attendees, and where they are
        known_at = np.empty(cap, dtype=np.int32)
        end = min(m_all, (c + 1) * _CHUNK)
        # the tie to the co-attendee at each position of the group (-1: none), set for
        # one attendee at a time, so a partner's tie is found in one look; as long as
        # the largest group among this task's attendees
        biggest = 1
        for x in range(c * _CHUNK, end):
            biggest = max(biggest, ptr[gx[x] + 1] - ptr[gx[x]])
        tie_at = np.full(biggest, -1, dtype=np.int32)
        for x in range(c * _CHUNK, end):
            if x + _ROW_AHEAD < end:  # the row of an attendee a few ahead (a hint)
                i2 = members[x + _ROW_AHEAD]
                for s in range(0, min(deg[i2], 64), 16):
                    prefetch(nbr, i2, s)
            if first[x + 1] == first[x]:
                continue
            g = gx[x]
            lo = ptr[g]
            size = ptr[g + 1] - lo
            i = members[x]
            m = x - lo
            k = rng.key(seed, stream, step, pid[i])
            # i's ties to people at this event: the faces i may seek, and the only
            # ties along which a random co-attendee can be met
            nk = 0
            d = deg[i]
            for s in range(d):
                o = nbr[i, s]
                if s + 16 < d:
                    prefetch1(group_of, nbr[i, s + 16])
                if group_of[o] == g:
                    known[nk] = adj[i, s]
                    known_at[nk] = pos_of[o]
                    tie_at[pos_of[o]] = adj[i, s]
                    nk += 1
            cc = 1
            for e in range(first[x], first[x + 1]):
                t = -1
                if nk > 0 and rng.uniform(k, cc) < seek_known:
                    t = known[rng.below(k, cc + 1, nk)]
                cc += 2
                r = rng.below(k, cc, size - 1)
                if r >= m:
                    r += 1
                partner[e] = members[lo + r]
                if t < 0:
                    t = tie_at[r]
                tie[e] = t
                cc += 1
                new[e] = rng.uniform(k, cc) < p_new
                cc += 1
            for y in range(nk):
                tie_at[known_at[y]] = -1
    return first, partner, tie, new


@njit(cache=True)
def apply(T, members, first, partner, tie, new, origin: int, first_contacts: float, step: int,
          pid):
    """Phase 2: carry out the planned encounters in order; returns the counts."""
    counts = np.zeros(3, dtype=np.int64)
    key0 = first_key(T, first_contacts, step)  # a new tie's key
    n = T.deg.size
    n_e = tie.size
    # the ties each person made during this event, as linked lists: made[i] is the
    # first entry of i's (-1: none yet); entry q holds a tie (made_id) and its other
    # end (made_to), and made_next[q] the next entry
    n_new = 0
    for e in range(n_e):
        n_new += new[e]
    made = np.full(n, -1, dtype=np.int32)
    made_next = np.empty(2 * n_new, dtype=np.int32)
    made_to = np.empty(2 * n_new, dtype=np.int32)
    made_id = np.empty(2 * n_new, dtype=np.int32)
    n_made = 0
    ta, tb, tsa, tsb, ws, tcontacts = T.a, T.b, T.sa, T.sb, T.ws, T.contacts
    for x in range(members.size):
        i = members[x]
        for e in range(first[x], first[x + 1]):
            # the planned ties ahead: records, then weights (a hint; changes nothing)
            f = e + RECORD_AHEAD
            if f < n_e and tie[f] >= 0:
                t = tie[f]
                prefetch1(ta, t)
                prefetch1(tcontacts, t)  # the rest of the record (contacts)
            f = e + WEIGHT_AHEAD
            if f < n_e and tie[f] >= 0:
                t = tie[f]
                prefetch(ws, ta[t], tsa[t])
                prefetch(ws, tb[t], tsb[t])
            counts[0] += 1
            t = tie[e]
            if t >= 0 and T.death[t] < 0:
                counts[1] += 1
                contact(T, t, step)
                continue
            j = partner[e]
            if t >= 0:
                # the sought face's tie ended: meet the partner drawn, perhaps tied to i
                t = find_tie(T.nbr, T.adj, T.deg, i, j)
            elif made[i] >= 0 and made[j] >= 0:
                # no tie i–j when the event began (else the plan had it), so a living
                # one now was made at this event, and is on i's list
                t = _made_since(made, made_next, made_to, made_id, T.death, i, j)
            if t >= 0:
                counts[1] += 1
                contact(T, t, step)
                continue
            if new[e]:
                # no tie i–j: none when the event began, none made since
                t = create_new_tie(T, i, j, step, origin, key0, pid)
                if t >= 0:
                    counts[2] += 1
                    made_next[n_made] = made[i]
                    made_to[n_made] = j
                    made_id[n_made] = t
                    made[i] = n_made
                    made_next[n_made + 1] = made[j]
                    made_to[n_made + 1] = i
                    made_id[n_made + 1] = t
                    made[j] = n_made + 1
                    n_made += 2
    return counts


@njit(cache=True, inline="always")
def _made_since(made, made_next, made_to, made_id, death, i: int, j: int) -> int:
    """The living tie i–j made at this event (on i's list), or -1: one displaced since is dead."""
    q = made[i]
    while q >= 0:
        if made_to[q] == j and death[made_id[q]] < 0:
            return made_id[q]
        q = made_next[q]
    return -1


def group_encounters(T, members, ptr, group_of, n_enc, seek_known: float, p_new: float,
                     origin: int, first_contacts: float, step: int, seed: int,
                     stream: int, pid, on_plan=None) -> np.ndarray:
    """Run one week's encounters in every group.

    members[ptr[g]:ptr[g+1]] are the attendees of group g; ``group_of[i]`` is
    i's group this week or -1; ``n_enc[i]`` is i's expected encounters (a
    fraction is rounded stochastically). Returns counts
    ``[encounters, with_known_person, new_ties]``.

    ``on_plan(first, partner, tie)``, if given, is called with the plan before
    it is carried out (the ties as they were when the events began), for an
    observer that only reads it (:func:`planned_meetings`); it changes nothing.

    Reference (attendees strictly one after another):
    :func:`jinmyaku.model.reference.encounters.group_encounters`.
    """
    # int32: the plan reads the group of every tie's far end, at random, so the
    # narrower array stays in cache longer (and one compiled plan serves all processes)
    group_of = np.asarray(group_of, dtype=np.int32)
    first, partner, tie, new = plan(T.deg, T.nbr, T.adj, members, ptr, group_of,
                                    np.asarray(n_enc, dtype=np.float64), seek_known, p_new,
                                    step, seed, stream, pid)
    if on_plan is not None:
        on_plan(first, partner, tie)
    return apply(T, members, first, partner, tie, new, origin, first_contacts, step, pid)


def planned_meetings(T, members, group_of, first, partner, tie):
    """Who each planned encounter meets, and who was tied to whom when the events began.

    Read-only; call it on a plan of :func:`group_encounters` before the plan is
    carried out (``on_plan``), while the ties are those of the events' start.
    Returns ``(who, met, known, known_attendees)``: encounter row e is the
    encounter of attendee ``members[who[e]]`` with slot ``met[e]``, the sought
    known face (the far end of the planned tie) or else the random co-attendee
    drawn; ``known[e]``: the two were tied when the event began (a planned
    tie, which the plan holds exactly when they were); ``known_attendees[x]``:
    how many of the co-attendees of ``members[x]`` they were tied to then.

    The plan is carried out as planned, except that a planned tie that has
    ended earlier in the event (displaced by a newcomer at capacity) is not
    met: the random co-attendee drawn for the row is met instead (:func:`apply`).
    """
    who = np.repeat(np.arange(members.size), np.diff(first))
    i = members[who]
    known = tie >= 0
    t = np.where(known, tie, 0)
    far = np.where(T.a[t] == i, T.b[t], T.a[t])
    met = np.where(known, far, partner).astype(np.int64)
    deg = T.deg[members].astype(np.int64)
    row = np.repeat(np.arange(members.size), deg)  # every tie of every attendee
    col = np.arange(row.size) - np.repeat(np.cumsum(deg) - deg, deg)
    g = np.asarray(group_of)
    same = g[T.nbr[members[row], col]] == g[members[row]]
    known_attendees = np.bincount(row[same], minlength=members.size)
    return who, met, known, known_attendees


def groups(group_of: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR layout of attendees by group: (members, ptr), members in ascending slot order."""
    return _counting_sort(np.asarray(group_of, dtype=np.int64), n_groups)


@njit(cache=True)
def _counting_sort(group_of, n_groups: int):
    """Slots with group ≥ 0, grouped by ascending group id, ascending slot within (O(N))."""
    ptr = np.zeros(n_groups + 1, dtype=np.int64)
    for i in range(group_of.size):
        if group_of[i] >= 0:
            ptr[group_of[i] + 1] += 1
    for g in range(n_groups):
        ptr[g + 1] += ptr[g]
    members = np.empty(ptr[n_groups], dtype=np.int64)
    fill = ptr[:-1].copy()
    for i in range(group_of.size):
        g = group_of[i]
        if g >= 0:
            members[fill[g]] = i
            fill[g] += 1
    return members, ptr
