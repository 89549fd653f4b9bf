"""The pattern suite's measures (issue 16) on plain tables: what a run records, how it is read.

These are pure functions of data tables, independent of the simulator: the
checks in ``studies.validation.patterns`` apply published tolerances to them,
and anything that records the tables below (a simulated run, an observed data
set) can be measured. Network statistics that already exist are reused from
:mod:`jinmyaku.analysis.network` (overlap, percolation, Dunbar layers by exact
1-D k-means, scaling ratios, equal-count rate bins, top alters); intervals
come from :mod:`jinmyaku.analysis.intervals`.

The data contract
-----------------
Person ids (pids) are int64 throughout. Times are weeks; a *window* is one
observation window of ``window_weeks`` weeks (52: a year), numbered 0..W−1
and consecutive. Stages are the model's life/career stage, a number (any
scale: only differences are used).

:class:`ContactWindows` — contact counts per pair and window:

- ``contacts``: DataFrame ``window`` (int, 0..W−1), ``a``, ``b`` (int64 pids,
  ``a < b``), ``contacts`` (int ≥ 1: number of contacts — interactions —
  between a and b in that window). One row per pair and window; a pair with
  no contact in a window is absent from it.
- ``people``: int64 array of the pids present (alive, in the world) through
  all W windows. Ego measures are taken over them; their alters may be anyone.
- ``window_weeks``: weeks per window (default 52). Checks that speak of "a
  year" (inner-circle churn, bridge decay) need 52.
- ``ties_alive`` (optional): DataFrame ``window``, ``a``, ``b`` (a < b) of the
  ties alive at the end of each window. When given, "gone within a year"
  means not alive at the end of the next window; otherwise, no contact in the
  next window.

:class:`Deliveries` — opportunities passed on in the window after a snapshot:

- ``snapshot``: DataFrame ``a``, ``b``, ``contacts`` (as above, one window:
  the window *before* the deliveries). Mutual contacts (common neighbours)
  and interaction intensity (contacts) are measured on it, prospectively.
- ``people``: int64 pids present at the snapshot (nodes of its network).
- ``deliveries``: DataFrame ``sender``, ``recipient`` (int64 pids), optional
  ``week``; one row per opportunity handed from sender to recipient in the
  ``weeks`` (default 52) after the snapshot. A delivery counts for the
  snapshot tie {sender, recipient}; deliveries between people not tied at the
  snapshot are counted apart.

:class:`MixerEncounters` — encounters at generic mixers (events open to
people who do not all know each other):

- ``encounters``: DataFrame ``event``, ``i``, ``j`` (pids), ``known`` (bool:
  i and j were tied before the event). One row per pair that met (each pair
  once per event).
- ``attendance``: DataFrame ``event``, ``person``, ``known_attendees`` (int:
  how many of the event's other attendees the person was tied to before it).

:class:`SelectionInfluence` — stage similarity at and after tie formation:

- ``tied``: DataFrame ``a``, ``b``, ``stage_a0``, ``stage_b0`` (stages at the
  week the tie was formed), ``stage_a1``, ``stage_b1`` (stages ``lag_weeks``
  later), for ties formed during the run whose two ends are both present
  ``lag_weeks`` later (whether or not the tie survived: selection and
  influence are about who ties, not who stays tied).
- ``baseline``: the same columns for random pairs *not* tied at the same
  formation weeks (e.g. one or more per formed tie, drawn among people
  present then), observed at the same two times.
- ``lag_weeks``: default 52.

Measures (definitions in each function): cumulative contact layers,
inner-circle churn, social-signature distances (Saramäki et al. 2014), weight
spread and Hill tail index, overlap by weight bins, tie survival by
embeddedness, deliveries per snapshot tie, mixer over-representation of
known faces, selection and influence shares, and a seeded bootstrap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jinmyaku.analysis import intervals
from jinmyaku.analysis import network as S
from jinmyaku.model import rng as model_rng

BOOTSTRAP_REPS = 200
"""Resamples of every bootstrap interval of the pattern suite."""


# ------------------------------------------------------------------ the contract

def _need(df: pd.DataFrame, cols: tuple[str, ...], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {', '.join(missing)}")


def _pairs_ok(df: pd.DataFrame, what: str, a: str = "a", b: str = "b") -> None:
    if len(df) and not (df[a].to_numpy() < df[b].to_numpy()).all():
        raise ValueError(f"{what}: every pair must have {a} < {b}")


@dataclass(frozen=True)
class ContactWindows:
    """Contacts per pair in consecutive windows (see the module docstring)."""

    contacts: pd.DataFrame  # window, a, b, contacts
    people: np.ndarray      # pids present through all windows
    window_weeks: int = 52
    ties_alive: pd.DataFrame | None = None  # window, a, b

    def __post_init__(self) -> None:
        c = self.contacts
        _need(c, ("window", "a", "b", "contacts"), "ContactWindows.contacts")
        _pairs_ok(c, "ContactWindows.contacts")
        if len(c) and (c["contacts"].to_numpy() < 1).any():
            raise ValueError("ContactWindows.contacts: contacts must be ≥ 1 (absent pairs "
                             "have no row)")
        if c.duplicated(["window", "a", "b"]).any():
            raise ValueError("ContactWindows.contacts: a pair appears twice in one window")
        if len(c) and c["window"].min() < 0:
            raise ValueError("ContactWindows.contacts: windows are numbered from 0")
        if self.ties_alive is not None:
            _need(self.ties_alive, ("window", "a", "b"), "ContactWindows.ties_alive")
            _pairs_ok(self.ties_alive, "ContactWindows.ties_alive")
        object.__setattr__(self, "people", np.unique(np.asarray(self.people, dtype=np.int64)))

    @property
    def windows(self) -> int:
        """Number of windows W (1 + the highest window number)."""
        return int(self.contacts["window"].max()) + 1 if len(self.contacts) else 0

    def window(self, t: int) -> pd.DataFrame:
        """Rows of window ``t`` (a, b, contacts)."""
        c = self.contacts
        return c.loc[c["window"] == t, ["a", "b", "contacts"]]


@dataclass(frozen=True)
class Deliveries:
    """Opportunities delivered in the ``weeks`` after a snapshot of contacts."""

    snapshot: pd.DataFrame    # a, b, contacts (the window before)
    people: np.ndarray        # pids present at the snapshot
    deliveries: pd.DataFrame  # sender, recipient[, week]
    weeks: int = 52

    def __post_init__(self) -> None:
        _need(self.snapshot, ("a", "b", "contacts"), "Deliveries.snapshot")
        _pairs_ok(self.snapshot, "Deliveries.snapshot")
        _need(self.deliveries, ("sender", "recipient"), "Deliveries.deliveries")
        object.__setattr__(self, "people", np.unique(np.asarray(self.people, dtype=np.int64)))


@dataclass(frozen=True)
class MixerEncounters:
    """Encounters and attendance at generic mixers."""

    encounters: pd.DataFrame  # event, i, j, known
    attendance: pd.DataFrame  # event, person, known_attendees

    def __post_init__(self) -> None:
        _need(self.encounters, ("event", "i", "j", "known"), "MixerEncounters.encounters")
        _need(self.attendance, ("event", "person", "known_attendees"),
              "MixerEncounters.attendance")


SI_COLUMNS = ("a", "b", "stage_a0", "stage_b0", "stage_a1", "stage_b1")


@dataclass(frozen=True)
class SelectionInfluence:
    """Stages of newly tied pairs and of untied baseline pairs, at formation and later."""

    tied: pd.DataFrame      # SI_COLUMNS
    baseline: pd.DataFrame  # SI_COLUMNS
    lag_weeks: int = 52

    def __post_init__(self) -> None:
        _need(self.tied, SI_COLUMNS, "SelectionInfluence.tied")
        _need(self.baseline, SI_COLUMNS, "SelectionInfluence.baseline")


# ------------------------------------------------------------------ helpers

def bootstrap(stat: Callable[[np.ndarray], float], n: int, seed: int = 1,
              reps: int = BOOTSTRAP_REPS, strata: int | None = None) -> tuple[float, float]:
    """Percentile 95% interval of ``stat(idx)`` over ``reps`` resamples of ``n`` units.

    ``idx`` is a resample (with replacement) of 0..n−1; with ``strata`` = n2,
    two groups are resampled apart: ``idx`` holds n draws from 0..n−1, then
    n2 draws from n..n+n2−1. The generator is
    ``model.rng``'s generator for ``seed`` and validation's resampling
    purpose ``VALIDATION_RESAMPLE``, so intervals repeat
    exactly. Non-finite replicates are left out; none left: (nan, nan).
    """
    if n < 2 or (strata is not None and strata < 2):
        return np.nan, np.nan
    g = model_rng.generator(seed, model_rng.VALIDATION_RESAMPLE)

    def draw() -> np.ndarray:
        i = g.integers(0, n, n)
        return i if strata is None else np.concatenate([i, n + g.integers(0, strata, strata)])

    reps_v = np.array([stat(draw()) for _ in range(reps)], dtype=float)
    return intervals.percentile(reps_v[np.isfinite(reps_v)])


def edges_of(table: pd.DataFrame, people=None) -> tuple[S.Edges, np.ndarray]:
    """A contact table (a, b, contacts) as :class:`network.Edges` weighted by contacts.

    Nodes are ``people`` together with every pid in the table, ascending;
    returns the edges and the node pids.
    """
    a = table["a"].to_numpy(np.int64)
    b = table["b"].to_numpy(np.int64)
    extra = np.empty(0, np.int64) if people is None else np.asarray(people, np.int64)
    nodes = np.unique(np.concatenate([a, b, extra]))
    return (S.make_edges(nodes.size, np.searchsorted(nodes, a), np.searchsorted(nodes, b),
                         table["contacts"].to_numpy(np.float64)), nodes)


def _ego_alter(table: pd.DataFrame) -> pd.DataFrame:
    """Both directions of each pair: ego, alter, contacts."""
    a, b = table["a"].to_numpy(), table["b"].to_numpy()
    c = table["contacts"].to_numpy()
    return pd.DataFrame({"ego": np.concatenate([a, b]), "alter": np.concatenate([b, a]),
                         "contacts": np.concatenate([c, c])})


# ------------------------------------------------------------------ 1–2 layers

def contact_layers(cw: ContactWindows, t: int, k: int = 4) -> np.ndarray:
    """(egos, k) cumulative layer sizes from contact counts in window ``t``, egos = ``people``.

    Layers are :func:`network.ego_layers` (exact 1-D k-means of each ego's
    contact counts, strongest cluster first); an ego with fewer than k
    distinct counts gives a NaN row.
    """
    e, nodes = edges_of(cw.window(t), cw.people)
    layers = S.ego_layers(e, k)
    return layers[np.searchsorted(nodes, cw.people)]


# ------------------------------------------------------------------ 3 inner circle

def inner_circle_churn(cw: ContactWindows, t: int, k: int = 5) -> pd.Series:
    """Per ego, the share of its k most-contacted alters in window t not among them in t+1.

    Egos are ``people`` with at least k alters in both windows; equal counts
    are ranked by the lower pid (:func:`network.top_alters`). Indexed by ego.
    """
    def top(w: int) -> pd.DataFrame:
        tab = cw.window(w)
        return S.top_alters(tab["a"].to_numpy(), tab["b"].to_numpy(),
                            tab["contacts"].to_numpy(np.float64), k)

    before, after = top(t), top(t + 1)
    nb, na = before.groupby("ego").size(), after.groupby("ego").size()
    egos = nb.index[nb == k].intersection(na.index[na == k]).intersection(pd.Index(cw.people))
    b = before[before["ego"].isin(egos)]
    kept = b.merge(after, on=["ego", "alter"], how="inner").groupby("ego").size()
    kept = kept.reindex(egos, fill_value=0)
    return pd.Series(1.0 - kept.to_numpy() / k, index=egos, name="churn")


# ------------------------------------------------------------------ 4 signatures

def signatures(cw: ContactWindows, t: int, egos: np.ndarray, ranks: int = 20) -> np.ndarray:
    """(len(egos), ranks) social signatures in window t (Saramäki et al. 2014).

    Row i: the share of ego i's contacts with its r-th most-contacted alter,
    r = 1..ranks, over its top ``ranks`` alters (so a row sums to 1; zeros
    past the ego's number of alters). Egos without contacts get a zero row.
    """
    ea = _ego_alter(cw.window(t))
    ea = ea[ea["ego"].isin(egos)].sort_values(["ego", "contacts"], ascending=[True, False],
                                              kind="stable")
    ea["rank"] = ea.groupby("ego").cumcount()
    ea = ea[ea["rank"] < ranks]
    out = np.zeros((len(egos), ranks))
    row = np.searchsorted(egos, ea["ego"].to_numpy())
    out[row, ea["rank"].to_numpy()] = ea["contacts"].to_numpy(np.float64)
    tot = out.sum(axis=1, keepdims=True)
    return np.divide(out, tot, out=np.zeros_like(out), where=tot > 0)


def jensen_shannon(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Jensen–Shannon divergence (base 2, in [0, 1]) between matching rows of p and q."""
    p, q = np.atleast_2d(p), np.atleast_2d(q)
    m = 0.5 * (p + q)

    def kl(x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(x > 0, x * np.log2(x / np.where(m > 0, m, 1.0)), 0.0)
        return v.sum(axis=1)

    return 0.5 * kl(p) + 0.5 * kl(q)


def signature_distances(cw: ContactWindows, t: int, ranks: int = 20, min_alters: int = 5,
                        n_ref: int = 100) -> pd.DataFrame:
    """Self and reference signature distances of each ego from window t to t+1.

    Saramäki et al. (2014): ``d_self`` = JSD(σ_i(t), σ_i(t+1)); ``d_ref`` =
    mean over other egos j of JSD(σ_i(t), σ_j(t+1)) — how far ego i's
    signature is from the next-window signature of someone else. Here j runs
    over ``n_ref`` other egos at evenly spaced offsets in pid order (no
    random draw), all of them when there are fewer. Egos: ``people`` with at
    least ``min_alters`` alters in both windows. Returns a DataFrame ego,
    d_self, d_ref.
    """
    ea0, ea1 = _ego_alter(cw.window(t)), _ego_alter(cw.window(t + 1))
    n0, n1 = ea0.groupby("ego").size(), ea1.groupby("ego").size()
    egos = np.intersect1d(np.intersect1d(n0.index[n0 >= min_alters].to_numpy(),
                                         n1.index[n1 >= min_alters].to_numpy()), cw.people)
    if egos.size < 2:
        return pd.DataFrame({"ego": egos, "d_self": np.nan, "d_ref": np.nan})
    s0, s1 = signatures(cw, t, egos, ranks), signatures(cw, t + 1, egos, ranks)
    d_self = jensen_shannon(s0, s1)
    n = egos.size
    m = min(n_ref, n - 1)
    d_ref = np.zeros(n)
    for shift in 1 + (np.arange(m) * (n - 1)) // m:  # m distinct offsets in 1..n−1
        d_ref += jensen_shannon(s0, s1[(np.arange(n) + shift) % n])  # never i itself
    return pd.DataFrame({"ego": egos, "d_self": d_self, "d_ref": d_ref / m})


# ------------------------------------------------------------------ 5 weight spread

def hill_tail_index(x, top: float = 0.01, min_top: int = 50) -> float:
    """Hill estimate of the tail index α of P(W > w) ∝ w^−α from the top share of values.

    α̂ = 1 / mean(ln(x_(i) / x_(k+1))) over the k = max(min_top, ⌈top·n⌉)
    largest values. A power-law tail with density exponent γ gives α = γ − 1;
    an exponential tail gives α̂ ≈ ln(1/top) (4.6 at the top 1%). NaN with
    fewer than k + 1 positive values; inf if the top k all equal x_(k+1).
    """
    v = np.sort(np.asarray(x, dtype=float))[::-1]
    v = v[v > 0]
    k = max(min_top, int(np.ceil(top * v.size)))
    if v.size < k + 1:
        return np.nan
    mean_log = float(np.mean(np.log(v[:k] / v[k])))
    return np.inf if mean_log == 0 else 1.0 / mean_log


def coefficient_of_variation(x) -> float:
    """Standard deviation (ddof 0) over mean; NaN for no values or a zero mean."""
    v = np.asarray(x, dtype=float)
    return float(v.std() / v.mean()) if v.size and v.mean() != 0 else np.nan


def top_share(x, share: float = 0.01) -> float:
    """Share of the total held by the largest ``share`` of values (at least one)."""
    v = np.sort(np.asarray(x, dtype=float))[::-1]
    if not v.size or v.sum() == 0:
        return np.nan
    return float(v[: max(1, int(np.ceil(share * v.size)))].sum() / v.sum())


# ------------------------------------------------------------------ 7 overlap by weight

def overlap_by_weight(e: S.Edges, bins: int = 10):
    """Overlap (Onnela et al. 2007) against weight: (overlap per tie, bins).

    Ties whose overlap is undefined (both ends have no other tie) are left
    out of the bins. Bins are weight deciles with equal weights kept together
    (:func:`network.equal_count_bins`), each as (lowest weight, highest
    weight, mean overlap, ties).
    """
    o = S.overlap(e)
    ok = np.flatnonzero(np.isfinite(o))
    out = []
    for idx in S.equal_count_bins(e.w[ok], bins):
        sel = ok[idx]
        out.append((float(e.w[sel].min()), float(e.w[sel].max()), float(o[sel].mean()),
                    int(sel.size)))
    return o, out


def steps_down(values) -> int:
    """Number of consecutive steps that do not go up (v[i+1] ≤ v[i])."""
    v = np.asarray(values, dtype=float)
    return int(np.sum(np.diff(v) <= 0))


# ------------------------------------------------------------------ 10 bridge decay

def tie_survival(cw: ContactWindows, t: int) -> pd.DataFrame:
    """Ties with contact in window t, their common neighbours then, and whether gone by t+1.

    A tie is a pair with contact in window t whose two ends are both in
    ``people`` (present through all windows, so leaving is never counted as
    decay). ``common``: common neighbours in window t's contact network
    (everyone with contact in t). ``gone``: no contact in t+1 — or, when
    ``ties_alive`` is given, not alive at the end of window t+1.
    Returns a, b, contacts, common, gone.
    """
    tab = cw.window(t)
    e, nodes = edges_of(tab, cw.people)
    common = S.common_neighbours(e)
    a, b = nodes[e.a], nodes[e.b]
    if cw.ties_alive is not None:
        nxt = cw.ties_alive[cw.ties_alive["window"] == t + 1]
    else:
        nxt = cw.window(t + 1)
    later = pd.MultiIndex.from_arrays([nxt["a"].to_numpy(np.int64), nxt["b"].to_numpy(np.int64)])
    gone = ~pd.MultiIndex.from_arrays([a, b]).isin(later)
    df = pd.DataFrame({"a": a, "b": b, "contacts": e.w, "common": common, "gone": gone})
    present = np.isin(a, cw.people) & np.isin(b, cw.people)
    return df[present].reset_index(drop=True)


# ------------------------------------------------------------------ 8–9 deliveries

def tie_deliveries(d: Deliveries) -> pd.DataFrame:
    """Per snapshot tie: mutual contacts, contacts (intensity) and deliveries across it.

    Mutual contacts = common neighbours in the snapshot's contact network;
    deliveries = rows of ``d.deliveries`` between the tie's two ends (either
    direction). Returns a, b, contacts, mutual, delivered; the number of
    deliveries between untied pairs is in ``attrs["untied"]``.
    """
    e, nodes = edges_of(d.snapshot, d.people)
    mutual = S.common_neighbours(e)
    n = np.int64(nodes.size)
    key = e.a * n + e.b  # sorted: make_edges returns unique keys in order
    s = d.deliveries["sender"].to_numpy(np.int64)
    r = d.deliveries["recipient"].to_numpy(np.int64)
    known = np.isin(s, nodes) & np.isin(r, nodes) & (s != r)
    si, ri = np.searchsorted(nodes, s[known]), np.searchsorted(nodes, r[known])
    dk = np.minimum(si, ri) * n + np.maximum(si, ri)
    pos = np.searchsorted(key, dk)
    hit = (pos < key.size) & (key[np.minimum(pos, key.size - 1)] == dk)
    delivered = np.bincount(pos[hit], minlength=e.m)
    out = pd.DataFrame({"a": nodes[e.a], "b": nodes[e.b], "contacts": e.w, "mutual": mutual,
                        "delivered": delivered})
    out.attrs["untied"] = int(len(s) - hit.sum())
    return out


# ------------------------------------------------------------------ 11 mixers

def mixer_attendees(m: MixerEncounters) -> pd.DataFrame:
    """Per attendee of an event: encounters, known encounters, co-attendees, known co-attendees.

    Each encounter counts for both people in it; co-attendees = the event's
    attendance − 1. The ratio of sums (known encounters / encounters) over
    (known co-attendees / co-attendees) is :func:`over_representation`.
    """
    enc = m.encounters
    both = pd.DataFrame({"event": np.concatenate([enc["event"], enc["event"]]),
                         "person": np.concatenate([enc["i"], enc["j"]]),
                         "known": np.concatenate([enc["known"], enc["known"]]).astype(int)})
    per = both.groupby(["event", "person"])["known"].agg(["size", "sum"])
    per.columns = ["encounters", "known_encounters"]
    att = m.attendance.copy()
    att["coattendees"] = att.groupby("event")["person"].transform("size") - 1
    att = att.set_index(["event", "person"])
    att = att.join(per, how="left").fillna({"encounters": 0, "known_encounters": 0})
    return att.reset_index()[["event", "person", "encounters", "known_encounters",
                              "coattendees", "known_attendees"]]


def over_representation(rows: pd.DataFrame) -> float:
    """(known encounters / encounters) ÷ (known co-attendees / co-attendees), pooled."""
    enc, co = rows["encounters"].sum(), rows["coattendees"].sum()
    kn = rows["known_attendees"].sum()
    if enc == 0 or co == 0 or kn == 0:
        return np.nan
    return float((rows["known_encounters"].sum() / enc) / (kn / co))


# ------------------------------------------------------------------ 12 selection vs influence

def stage_gaps(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Squared stage differences (stage_a − stage_b)² at formation and ``lag`` later, per pair.

    Squared, not absolute: if both ends drift by independent noise ε, the
    mean squared gap grows by Var(ε₁ − ε₂) whatever the gap was, so drift
    cancels in :func:`selection_influence`'s difference in differences; the
    absolute gap grows more for small gaps (tied pairs) than for large ones
    (untied), which would hide influence and let the check pass too easily.
    """
    return ((df["stage_a0"].to_numpy(float) - df["stage_b0"].to_numpy(float)) ** 2,
            (df["stage_a1"].to_numpy(float) - df["stage_b1"].to_numpy(float)) ** 2)


def selection_influence(g0: np.ndarray, g1: np.ndarray, b0: np.ndarray,
                        b1: np.ndarray) -> tuple[float, float, float]:
    """Selection, influence and selection's share of the excess similarity of tied pairs.

    With squared stage gaps g (tied pairs) and b (baseline: untied pairs) at
    formation (0) and ``lag`` later (1) (:func:`stage_gaps`): selection
    S = mean b0 − mean g0 (how much closer tied pairs already were when they
    tied); influence I = (mean g0 − mean g1) − (mean b0 − mean b1) (how much
    closer they became afterwards, beyond untied pairs' change: a difference
    in differences). S + I is the excess similarity of tied pairs at the later
    time; selection's share is S / (S + I), NaN when S + I ≤ 0 (tied pairs no
    more similar than untied ones). A share below ½ means influence made more
    of the similarity than selection (Aral et al. 2009's bound).
    """
    sel = float(b0.mean() - g0.mean())
    inf = float((g0.mean() - g1.mean()) - (b0.mean() - b1.mean()))
    tot = sel + inf
    return sel, inf, (sel / tot if tot > 0 else np.nan)
