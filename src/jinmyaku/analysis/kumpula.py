"""Measures of Kumpula et al. (2007) on a final network: overlap–weight and communities.

The neighbourhood overlap of a tie i–j is O_ij = n_ij / ((k_i − 1) + (k_j − 1) − n_ij),
with n_ij the common neighbours and k the degrees (Onnela et al. 2007); ties
whose ends have no other neighbours (denominator 0) have no overlap and are
left out. Communities: Louvain (NetworkX) on the weighted network with a fixed
seed, and the weighted modularity of the partition found.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from jinmyaku.storage import ledger


def final_edges(ties: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Living ties of a tie ledger as (i, j, weight, nodes), nodes renumbered 0..n-1."""
    alive = ledger.alive(ties, ["a", "b", "weight"])  # a DataFrame, or a spilled ledger
    a = alive["a"].to_numpy()
    b = alive["b"].to_numpy()
    nodes, idx = np.unique(np.concatenate([a, b]), return_inverse=True)
    return idx[: a.size], idx[a.size:], alive["weight"].to_numpy(dtype=float), nodes.size


def overlap(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    """O_ij of each tie (NaN where both ends have no other neighbour)."""
    adj = sp.coo_matrix((np.ones(i.size), (i, j)), shape=(n, n)).tocsr()
    adj = adj + adj.T
    deg = np.asarray(adj.sum(axis=1)).ravel()
    common = np.asarray((adj[i].multiply(adj[j])).sum(axis=1)).ravel()
    den = (deg[i] - 1) + (deg[j] - 1) - common
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, common / den, np.nan)


def measures(ties: pd.DataFrame, people: int, seed: int = 1) -> dict[str, float]:
    """Overlap–weight correlations, modularity and degree of the final network.

    ``ties`` is a run's tie ledger (``Results.ties``), ``people`` the number of
    nodes (nodes without ties count for the mean degree). Returns
    ``pearson`` and ``spearman`` (weight against overlap, over ties with an
    overlap; 0 when all weights are equal, as at δ = 0, where weight carries no
    information and the coefficients are undefined), ``modularity`` (weighted,
    Louvain with ``seed``), ``communities``, ``mean_degree``, ``mean_weight``
    and ``ties``.
    """
    i, j, w, n = final_edges(ties)
    o = overlap(i, j, n)
    ok = np.isfinite(o)
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
