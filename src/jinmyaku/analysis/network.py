"""Network statistics, on plain arrays (fast on ~500k-tie graphs): the one module for them.

Used by validation (``studies.validation``), the Kumpula et al. (2007)
measures (:func:`kumpula_measures`) and the benchmarks. A network is an
:class:`Edges`: ``n`` nodes labelled 0..n−1 and undirected ties ``a < b``
with weights ``w > 0``, each pair once. Everything heavy is vectorised with
NumPy/SciPy sparse matrices; the exact 1-D k-means of the
Dunbar-layer statistic is a small Numba kernel.

Definitions (Onnela et al. 2007 for overlap and percolation):

- overlap of tie ij (Onnela et al. 2007, PNAS 104:7332):
  ``O_ij = m_ij / ((k_i − 1) + (k_j − 1) − m_ij)`` with ``m_ij`` the number
  of common neighbours and ``k`` the degrees, in [0, 1]. The denominator is 0
  only when both ends have no other tie (k_i = k_j = 1): the definition
  gives 0/0 there, and :func:`overlap` returns NaN (undefined), as NumPy
  would. A caller that wants
  such ties in (as 0: no shared neighbourhood) says so with
  ``np.nan_to_num(o, nan=0.0)``; one that wants them out drops non-finite
  values;
- local clustering: ``C_i = Σ_j m_ij / (k_i (k_i − 1))`` over i's ties, NaN
  for ``k_i < 2``; the network's clustering is the mean over nodes with
  ``k ≥ 2``;
- percolation: remove a share f of ties in order of weight (weakest or
  strongest first); the giant component's share of nodes and the
  susceptibility ``χ = Σ_{s < s_max} n_s s² / n`` (n_s: number of
  components of s nodes); the fragmentation point ``f_c`` is where χ peaks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numba import njit

from jinmyaku.analysis import intervals
from jinmyaku.storage import ledger


@dataclass(frozen=True)
class Edges:
    """An undirected weighted network: ties ``a[t] < b[t]`` among nodes 0..n−1."""

    n: int
    a: np.ndarray  # int64
    b: np.ndarray  # int64
    w: np.ndarray  # float64 > 0

    @property
    def m(self) -> int:
        """Number of ties."""
        return int(self.a.size)


def make_edges(n: int, a, b, w=None) -> Edges:
    """Build an :class:`Edges` from endpoint arrays; repeated pairs (either order) add up.

    Self-loops are refused (ValueError); ``w`` defaults to 1 per row.
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    w = np.ones(a.size) if w is None else np.asarray(w, dtype=np.float64)
    if np.any(a == b):
        raise ValueError("self-loops are not ties")
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = lo * n + hi
    uniq, inv = np.unique(key, return_inverse=True)
    ws = np.bincount(inv, weights=w, minlength=uniq.size)
    return Edges(n, uniq // n, uniq % n, ws)


def edges_from_ties(ties, pids: np.ndarray | None = None) -> tuple[Edges, np.ndarray]:
    """Living ties of a tie ledger (``Results.ties``) as :class:`Edges`; also the node pids.

    Nodes are ``pids`` (default: every pid on a living tie) in ascending order.
    """
    alive = ledger.alive(ties, ["a", "b", "weight"])  # a DataFrame, or a spilled ledger
    pa = alive["a"].to_numpy(np.int64)
    pb = alive["b"].to_numpy(np.int64)
    nodes = np.unique(np.concatenate([pa, pb])) if pids is None else np.sort(np.asarray(pids))
    ia, ib = np.searchsorted(nodes, pa), np.searchsorted(nodes, pb)
    return make_edges(nodes.size, ia, ib, alive["weight"].to_numpy(np.float64)), nodes


def adjacency(e: Edges, weighted: bool = False) -> sp.csr_matrix:
    """Symmetric n × n sparse adjacency matrix (0/1, or the weights)."""
    val = e.w if weighted else np.ones(e.m)
    m = sp.coo_matrix((np.concatenate([val, val]), (np.concatenate([e.a, e.b]),
                                                    np.concatenate([e.b, e.a]))),
                      shape=(e.n, e.n))
    return m.tocsr()


def degrees(e: Edges) -> np.ndarray:
    """Number of ties of each node."""
    return np.bincount(np.concatenate([e.a, e.b]), minlength=e.n)


def common_neighbours(e: Edges, chunk: int = 50_000) -> np.ndarray:
    """Number of common neighbours ``m_ij`` of the two ends of each tie."""
    A = adjacency(e)
    out = np.empty(e.m, dtype=np.int64)
    for s in range(0, e.m, chunk):
        sl = slice(s, s + chunk)
        out[sl] = np.asarray(A[e.a[sl]].multiply(A[e.b[sl]]).sum(axis=1)).ravel()
    return out


def overlap(e: Edges, common: np.ndarray | None = None) -> np.ndarray:
    """Neighbourhood overlap O_ij of each tie, in [0, 1] (Onnela et al. 2007).

    ``O_ij = m_ij / ((k_i − 1) + (k_j − 1) − m_ij)``; NaN for a tie whose two
    ends have no other tie (0/0: undefined, see the module docstring).
    ``common``: :func:`common_neighbours` of ``e``, if already computed.
    Needs each pair once; the order of a tie's two ends does not matter.
    """
    m = common_neighbours(e) if common is None else common
    k = degrees(e)
    den = (k[e.a] - 1) + (k[e.b] - 1) - m
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, m / np.maximum(den, 1), np.nan)


def local_clustering(e: Edges, common: np.ndarray | None = None) -> np.ndarray:
    """Local clustering coefficient of each node, NaN where degree < 2."""
    m = common_neighbours(e) if common is None else common
    k = degrees(e).astype(np.float64)
    tri2 = np.bincount(e.a, m, e.n) + np.bincount(e.b, m, e.n)  # 2 × triangles at node
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(k >= 2, tri2 / (k * (k - 1)), np.nan)


def constraint(e: Edges, nodes=None) -> np.ndarray:
    """Burt's constraint of ``nodes`` (default every node), as NetworkX defines it.

    ``c_i = Σ_{j ∈ N(i)} (p_ij + Σ_{q ≠ i, j} p_iq p_qj)²`` with ``p_ij = w_ij / Σ_k w_ik``
    (the share of i's tie weight on j; 1 per tie when all weights are 1); NaN for a node
    without ties. The same figures as ``networkx.constraint`` (checked in the tests), as
    sparse matrix products: NetworkX recomputes each share in Python, O(k³) for a node
    of degree k (minutes for an ego network of a few hundred people).
    """
    A = adjacency(e, weighted=True)
    strength = np.asarray(A.sum(axis=1)).ravel()
    with np.errstate(divide="ignore"):
        inv = np.where(strength > 0, 1.0 / np.where(strength > 0, strength, 1.0), 0.0)
    P = sp.diags(inv) @ A  # row i: shares p_ij
    idx = np.arange(e.n) if nodes is None else np.asarray(nodes, dtype=np.int64)
    rows = P[idx]
    two_step = rows @ P  # Σ_q p_iq p_qj (q = i or j add nothing: no self-loops)
    out = np.full(idx.size, np.nan)
    for r in range(idx.size):
        direct = rows.getrow(r)
        if direct.nnz == 0:
            continue
        cols = direct.indices
        total = direct.data + two_step.getrow(r).toarray().ravel()[cols]
        out[r] = float((total ** 2).sum())
    return out


def binned_means(x, y, bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Mean of ``y`` in equal-count bins of ``x`` (by rank): (bin centre rank share, mean)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    order = np.argsort(x, kind="stable")
    parts = np.array_split(order, bins)
    centres = np.array([(i + 0.5) / bins for i in range(bins)])
    return centres, np.array([y[p].mean() if p.size else np.nan for p in parts])


def equal_count_bins(key, bins: int) -> list[np.ndarray]:
    """Indices of ``key`` in about ``bins`` equal-count bins by rank, equal keys kept together.

    A bin boundary that would split a run of equal keys moves to the run's
    start, so bins can merge (fewer than ``bins`` come back when keys repeat);
    bins are in ascending order of key and never empty.
    """
    key = np.asarray(key, dtype=float)
    order = np.argsort(key, kind="stable")
    ks = key[order]
    cuts = [0]
    for q in range(1, bins):
        c = int(np.searchsorted(ks, ks[int(q * ks.size / bins)], side="left"))
        if c > cuts[-1]:
            cuts.append(c)
    cuts.append(ks.size)
    return [order[lo:hi] for lo, hi in zip(cuts[:-1], cuts[1:], strict=True) if hi > lo]


def rate_bins(key, counts, bins: int) -> list[tuple[float, float, float, float, float]]:
    """Events per unit in equal-count bins of ``key`` (:func:`equal_count_bins`).

    ``counts[i]`` events happened to unit i (e.g. deliveries over a tie in a
    year); returns per bin (lowest key, highest key, rate, lo, hi) with the
    exact Poisson interval of the rate per unit.
    """
    key = np.asarray(key, dtype=float)
    counts = np.asarray(counts, dtype=float)
    out = []
    for idx in equal_count_bins(key, bins):
        ks = key[idx]
        out.append((float(ks.min()), float(ks.max()),
                    *intervals.poisson_rate(counts[idx].sum(), idx.size)))
    return out


def top_alters(a: np.ndarray, b: np.ndarray, w: np.ndarray, k: int = 5):
    """Each ego's k strongest alters: a DataFrame ego, alter (equal weights: lower pid first)."""
    import pandas as pd

    df = pd.DataFrame({"ego": np.concatenate([a, b]), "alter": np.concatenate([b, a]),
                       "w": np.concatenate([w, w])})
    df = df.sort_values(["ego", "w", "alter"], ascending=[True, False, True], kind="stable")
    return df.groupby("ego", sort=False).head(k)[["ego", "alter"]]


# ------------------------------------------------------------------ percolation

def removal_order(e: Edges, weakest_first: bool, seed: int = 0) -> np.ndarray:
    """Tie indices in the order they are removed; equal weights in a seeded random order."""
    tiebreak = np.random.default_rng(seed).random(e.m)
    key = e.w if weakest_first else -e.w
    return np.lexsort((tiebreak, key))


def percolation(e: Edges, weakest_first: bool, fractions=None,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Remove ties by weight; returns (fractions removed, giant-component share, χ)."""
    # imported here: scipy's graph routines take a tenth of a second to import, which the
    # run report (layer_membership only) should not pay
    from scipy.sparse.csgraph import connected_components

    f = np.linspace(0.0, 1.0, 101) if fractions is None else np.asarray(fractions, float)
    order = removal_order(e, weakest_first, seed)
    giant = np.empty(f.size)
    chi = np.empty(f.size)
    for x, frac in enumerate(f):
        keep = order[int(round(frac * e.m)):]
        g = sp.coo_matrix((np.ones(keep.size), (e.a[keep], e.b[keep])), shape=(e.n, e.n))
        _, labels = connected_components(g, directed=False)
        sizes = np.bincount(labels)
        smax = sizes.max()
        giant[x] = smax / e.n
        rest = np.sort(sizes)[:-1].astype(np.float64)  # all but one largest component
        chi[x] = float((rest ** 2).sum() / e.n)
    return f, giant, chi


def fragmentation_point(e: Edges, weakest_first: bool, seed: int = 0) -> float:
    """Share of ties removed (weakest or strongest first) where χ peaks, in [0, 1], grid 0.01."""
    f, _, chi = percolation(e, weakest_first, seed=seed)
    return float(f[int(np.argmax(chi))])


# ------------------------------------------------------------------ Dunbar layers

@njit(cache=True)
def _kmeans_1d_sizes(x, k: int, out) -> bool:
    """Exact 1-D k-means (Jenks natural breaks) of sorted ``x``; cluster sizes into ``out``.

    Dynamic programming over split points, O(k·n²): D[c, j] is the least
    within-cluster sum of squares of x[0..j] in c+1 clusters. Splits are only
    allowed between distinct values, so equal weights share a cluster. Returns
    False if x has fewer than k distinct values. Sizes are in ascending order
    of value (weakest cluster first).
    """
    n = x.size
    distinct = 1
    for i in range(1, n):
        if x[i] > x[i - 1]:
            distinct += 1
    if distinct < k:
        return False
    s1 = np.zeros(n + 1)
    s2 = np.zeros(n + 1)
    for i in range(n):
        s1[i + 1] = s1[i] + x[i]
        s2[i + 1] = s2[i] + x[i] * x[i]
    inf = np.inf
    D = np.full((k, n), inf)
    B = np.zeros((k, n), dtype=np.int64)
    for j in range(n):
        s = s1[j + 1]
        D[0, j] = s2[j + 1] - s * s / (j + 1)
    for c in range(1, k):
        for j in range(c, n):
            best = inf
            arg = -1
            for i in range(c, j + 1):  # cluster c is x[i..j]
                if x[i] == x[i - 1] or D[c - 1, i - 1] == inf:
                    continue
                s = s1[j + 1] - s1[i]
                cost = s2[j + 1] - s2[i] - s * s / (j - i + 1)
                v = D[c - 1, i - 1] + cost
                if v < best:
                    best = v
                    arg = i
            D[c, j] = best
            B[c, j] = arg
    j = n - 1
    for c in range(k - 1, 0, -1):
        i = B[c, j]
        out[c] = j - i + 1
        j = i - 1
    out[0] = j + 1
    return True


@njit(cache=True)
def _ego_layers(ptr, wsorted, k: int, out) -> None:
    sizes = np.zeros(k, dtype=np.int64)
    for e in range(ptr.size - 1):
        x = wsorted[ptr[e]:ptr[e + 1]]
        if x.size >= k and _kmeans_1d_sizes(x, k, sizes):
            acc = 0
            for c in range(k):  # strongest cluster first, cumulative
                acc += sizes[k - 1 - c]
                out[e, c] = acc
        else:
            for c in range(k):
                out[e, c] = np.nan


def layer_sizes(weights, k: int = 4) -> np.ndarray | None:
    """Cumulative sizes of the k layers of one ego's tie weights, strongest first.

    Layers are the clusters of an exact 1-D k-means (Jenks natural breaks) of
    the weights; None if there are fewer than k distinct weights.
    """
    x = np.sort(np.asarray(weights, dtype=np.float64))
    sizes = np.zeros(k, dtype=np.int64)
    if x.size < k or not _kmeans_1d_sizes(x, k, sizes):
        return None
    return np.cumsum(sizes[::-1])


def layer_membership(weights, k: int = 4) -> np.ndarray | None:
    """The layer of each of one ego's tie weights (0: the strongest), by the same exact
    1-D k-means as :func:`layer_sizes`; None if there are fewer than k distinct weights.

    Equal weights share a layer; ``np.bincount(layer_membership(w, k))`` cumulated is
    ``layer_sizes(w, k)``. Used by the personal mode to say who is in which layer.
    """
    w = np.asarray(weights, dtype=np.float64)
    order = np.argsort(w, kind="stable")
    sizes = np.zeros(k, dtype=np.int64)
    if w.size < k or not _kmeans_1d_sizes(w[order], k, sizes):
        return None
    out = np.empty(w.size, dtype=np.int64)
    out[order] = np.repeat(np.arange(k - 1, -1, -1), sizes)  # weakest cluster first
    return out


def ego_layers(e: Edges, k: int = 4) -> np.ndarray:
    """(n, k) cumulative layer sizes of each ego network; NaN rows if < k distinct weights."""
    ego = np.concatenate([e.a, e.b])
    w = np.concatenate([e.w, e.w])
    order = np.lexsort((w, ego))
    ptr = np.searchsorted(ego[order], np.arange(e.n + 1))
    out = np.empty((e.n, k))
    _ego_layers(ptr.astype(np.int64), w[order], k, out)
    return out


def scaling_ratios(layers: np.ndarray) -> np.ndarray:
    """Per ego, the mean ratio of consecutive cumulative layer sizes (NaN rows stay NaN)."""
    return np.mean(layers[:, 1:] / layers[:, :-1], axis=1)


# ------------------------------------------------------------------ groups

def inside_group_share(e: Edges, group: np.ndarray) -> float:
    """Share of ties whose two ends are in the same group (group −1: no group, never inside)."""
    g = np.asarray(group)
    inside = (g[e.a] == g[e.b]) & (g[e.a] >= 0)
    return float(inside.mean()) if e.m else np.nan


def structure(e: Edges, group: np.ndarray | None = None, k_layers: int = 4) -> dict[str, float]:
    """The structural statistics compared between an observed and a simulated network.

    Degree (mean, median, 90th percentile, max), average clustering (nodes
    with degree ≥ 2), weight distribution (coefficient of variation, share of
    total weight on the strongest 10% of ties: both scale-free, since observed
    weights are counts and simulated ones lie in (0, 1]), Spearman overlap–weight
    correlation (ties whose ends have no other tie counted with overlap 0), share of
    ties inside groups, mean cumulative Dunbar-layer
    sizes (egos with ≥ k distinct weights).
    """
    k = degrees(e)
    common = common_neighbours(e)
    cl = local_clustering(e, common)
    ov = overlap(e, common)
    w = e.w
    top = np.sort(w)[::-1][: max(1, int(np.ceil(0.1 * e.m)))] if e.m else np.zeros(1)
    layers = ego_layers(e, k_layers)
    out = {
        "nodes": float(e.n), "ties": float(e.m),
        "degree_mean": float(k.mean()) if e.n else np.nan,
        "degree_median": float(np.median(k)) if e.n else np.nan,
        "degree_p90": float(np.percentile(k, 90)) if e.n else np.nan,
        "degree_max": float(k.max()) if e.n else np.nan,
        "clustering": float(np.nanmean(cl)) if np.isfinite(cl).any() else np.nan,
        "weight_cv": float(w.std() / w.mean()) if e.m else np.nan,
        "weight_top10_share": float(top.sum() / w.sum()) if e.m else np.nan,
        # ties with an undefined overlap count as 0 here (as this table always had them)
        "overlap_weight_rho": intervals.spearman(w, np.nan_to_num(ov, nan=0.0)).value,
        "inside_group_share": inside_group_share(e, group) if group is not None else np.nan,
    }
    ok = np.isfinite(layers).all(axis=1)
    for c in range(k_layers):
        out[f"layer{c + 1}"] = float(layers[ok, c].mean()) if ok.any() else np.nan
    return out


# ------------------------------------------------------------------ Kumpula et al. 2007

def final_edges(ties) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Living ties of a tie ledger as (i, j, weight, nodes), in ledger order.

    Nodes are the pids on a living tie, renumbered 0..n−1 in ascending order;
    ties keep the ledger's order and ends (unlike :func:`edges_from_ties`,
    which sorts and merges them), since a Louvain partition depends on the
    order the ties are added in.
    """
    alive = ledger.alive(ties, ["a", "b", "weight"])  # a DataFrame, or a spilled ledger
    a = alive["a"].to_numpy()
    b = alive["b"].to_numpy()
    nodes, idx = np.unique(np.concatenate([a, b]), return_inverse=True)
    return idx[: a.size], idx[a.size:], alive["weight"].to_numpy(dtype=float), nodes.size


def kumpula_measures(ties, people: int, seed: int = 1) -> dict[str, float]:
    """Overlap–weight correlations, modularity and degree of a final network (Kumpula et al.).

    ``ties`` is a run's tie ledger (``Results.ties``), ``people`` the number of
    nodes (nodes without ties count for the mean degree). Returns
    ``pearson`` and ``spearman`` (weight against :func:`overlap`, over ties
    whose overlap is defined: ties whose two ends have no other tie are left
    out; 0 when all weights are equal, as at δ = 0, where weight carries no
    information and the coefficients are undefined), ``modularity``
    (weighted, Louvain from NetworkX with ``seed``), ``communities``,
    ``mean_degree``, ``mean_weight`` and ``ties``.
    """
    import networkx as nx
    from scipy import stats

    i, j, w, n = final_edges(ties)
    o = overlap(Edges(n, i, j, w))
    ok = np.isfinite(o)  # undefined overlaps left out
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(zip(i.tolist(), j.tolist(), w.tolist(), strict=True))
    parts = nx.community.louvain_communities(g, weight="weight", seed=seed)
    flat = np.ptp(w[ok]) == 0 if ok.any() else True
    return {
        "pearson": 0.0 if flat else float(stats.pearsonr(w[ok], o[ok])[0]),
        "spearman": 0.0 if flat else float(stats.spearmanr(w[ok], o[ok])[0]),
        "modularity": float(nx.community.modularity(g, parts, weight="weight")),
        "communities": len(parts),
        "mean_degree": 2.0 * i.size / people,
        "mean_weight": float(w.mean()),
        "ties": int(i.size),
    }
