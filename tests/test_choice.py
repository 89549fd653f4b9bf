"""The one weighted pick of the kernels (model/choice.py) against a NumPy reference."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jinmyaku.model import choice

weights = st.lists(st.floats(1e-6, 10.0, allow_nan=False), min_size=1, max_size=12)


def row(ws_list, pad=3):
    ws = np.zeros((2, len(ws_list) + pad))
    ws[1, : len(ws_list)] = ws_list
    ws[1, len(ws_list):] = 99.0  # beyond deg: must never be read
    return ws


@settings(max_examples=300, deadline=None)
@given(weights, st.floats(0.0, 1.0, exclude_max=True))
def test_slot_by_weight_is_the_first_cumulative_sum_above_the_target(w, u):
    ws, d = row(w), len(w)
    deg = np.array([0, d])
    total = choice.row_sum(ws, deg, 1)
    assert total == np.cumsum(w)[-1]  # summed in slot order
    target = u * total
    expected = min(int(np.searchsorted(np.cumsum(w), target, side="right")), d - 1)
    assert choice.slot_by_weight(ws, 1, d, target) == expected
    assert choice.slot_by_weight(ws, 1, d, 2 * total) == d - 1  # fallback: the last slot


@settings(max_examples=300, deadline=None)
@given(weights, st.data(), st.floats(0.0, 1.0, exclude_max=True))
def test_slot_by_weight_except_skips_one_neighbour(w, data, u):
    d = len(w)
    ws = row(w)
    nbr = np.zeros((2, ws.shape[1]), dtype=np.int64)
    nbr[1, :d] = data.draw(st.permutations(range(100, 100 + d)))
    skip = data.draw(st.sampled_from([*nbr[1, :d].tolist(), -7]))
    keep = [s for s in range(d) if nbr[1, s] != skip]
    if not keep:
        assert choice.slot_by_weight_except(ws, nbr, 1, d, 0.0, skip) == -1
        return
    cum = np.cumsum([w[s] for s in keep])
    target = u * cum[-1]
    pos = min(int(np.searchsorted(cum, target, side="right")), len(keep) - 1)
    assert choice.slot_by_weight_except(ws, nbr, 1, d, target, skip) == keep[pos]


def test_slot_by_weight_draws_in_proportion_to_weight():
    w = [1.0, 3.0, 0.5, 5.5]
    ws, d = row(w), len(w)
    u = (np.arange(100_000) + 0.5) / 100_000  # an even grid of draws
    counts = np.bincount([choice.slot_by_weight(ws, 1, d, x * 10.0) for x in u], minlength=d)
    assert np.allclose(counts / u.size, np.array(w) / 10.0, atol=1e-4)
