"""PRIM boxes (scenario discovery) on points whose answer is known."""

from __future__ import annotations

import numpy as np

from jinmyaku.studies.claims.discovery import prim, where_text


def test_prim_finds_the_region_that_holds():
    rng = np.random.default_rng(3)
    x = rng.random((400, 3))
    holds = (x[:, 1] > 0.6) & (x[:, 2] < 0.5)  # parameter 0 is noise
    box = prim(x, holds, ["a", "b", "c"], min_support=0.05)
    assert set(box.limits) <= {"b", "c"} and "b" in box.limits
    assert box.limits["b"][0] > 0.5
    assert box.density > 0.8 and box.coverage > 0.5


def test_where_text_names_both_sides_and_nothing_without_contrast():
    x = np.repeat(np.array([[0.0], [1.0], [2.0], [3.0]]), 10, axis=0)
    text = where_text(x, x[:, 0] >= 2, ["processes.influence.rate"])
    assert text.startswith("Holds when `processes.influence.rate` ≥ 2")
    assert "fails when `processes.influence.rate` ≤ 1" in text
    assert where_text(x, np.ones(40, dtype=bool), ["p"]) == ""


def test_a_switch_reads_on_or_off_and_boxes_stay_short():
    rng = np.random.default_rng(5)
    x = np.column_stack([rng.integers(0, 2, 200), rng.random((200, 5))])
    holds = (x[:, 0] == 1) & (x[:, 1] > 0.3)
    text = where_text(x, holds, ["processes.opportunities.topic_fit", *"abcde"])
    assert "`processes.opportunities.topic_fit` on" in text
    assert "`processes.opportunities.topic_fit` off" in text
    for sentence in text.split("; "):
        assert sentence.count("`") <= 2 * 3  # at most three conditions
