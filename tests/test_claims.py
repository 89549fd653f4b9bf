"""The claims' measures on small tables whose answers are known by hand."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from conftest import scenario

from jinmyaku.model.vocabulary import CAUSES, ORIGINS
from jinmyaku.studies.claims import outcomes as claims


def ties_table(rows: list[tuple]) -> pd.DataFrame:
    """Ledger rows (a, b, origin, birth, death or None, cause, value)."""
    df = pd.DataFrame(rows, columns=["a", "b", "origin", "birth", "death", "cause", "value"])
    df["origin"] = pd.Categorical(df["origin"], categories=ORIGINS)
    df["cause"] = pd.Categorical(df["cause"], categories=CAUSES)
    df["death"] = df["death"].astype("Int32")
    return df


def test_kaplan_meier_by_hand():
    # lives 1, 2, 3 weeks (faded), one censored alive at 2, one ended by leaving at 1
    t = ties_table([(0, 1, "mixer", 0, 1, "decayed", 0.0), (0, 2, "mixer", 0, 2, "displaced", 0.0),
                    (0, 3, "mixer", 0, 3, "decayed", 0.0), (0, 4, "mixer", 1, None, "alive", 0.0),
                    (0, 5, "mixer", 0, 1, "left", 0.0)])
    km = claims.survival(t, steps=3)
    # week 1: 5 at risk, 1 fades → 4/5; week 2: 3 at risk (lives 2, 3 and the one alive
    # at 2), 1 fades → 4/5·2/3; week 3: 1 at risk, fades → 0
    s = claims.survival_at(km, [0, 1, 2, 3], longest=3)
    np.testing.assert_allclose(s, [1.0, 0.8, 0.8 * 2 / 3, 0.0])
    assert np.isnan(claims.survival_at(km, [4], longest=3)[0])


def test_survival_none_faded_is_one():
    t = ties_table([(0, 1, "meetup", 0, None, "alive", 0.0), (0, 2, "meetup", 0, 2, "left", 0.0)])
    assert claims.survival(t, steps=5) is None
    np.testing.assert_array_equal(claims.survival_at(None, [0, 5], longest=5), [1.0, 1.0])


def test_value_per_tie_year_and_origin_table():
    # exposure: 52 weeks (alive 0→52) + 26 weeks (died at 30, born 4) = 1.5 years; value 3
    t = ties_table([(0, 1, "activity", 0, None, "alive", 1.0),
                    (0, 2, "activity", 4, 30, "decayed", 2.0),
                    (1, 2, "mixer", 0, 10, "decayed", 0.0)])
    table = claims.origin_table(t, steps=52)
    assert table.loc["activity", "value_per_tie_year"] == pytest.approx(3.0 / 1.5)
    assert table.loc["activity", "ties"] == 2
    assert table.loc["mixer", "value_per_tie_year"] == 0.0
    assert table.loc["mixer", "median_life_weeks"] == 10
    assert np.isnan(table.loc["referral", "survival_1y"])  # no referral ties at all


def test_top_decile_share():
    degree = np.arange(20)  # the top tenth is persons 19 and 18
    made = np.zeros(20)
    made[[19, 18, 0]] = [3, 1, 4]
    assert claims.top_decile_share(degree, made) == pytest.approx(0.5)
    assert np.isnan(claims.top_decile_share(degree, np.zeros(20)))


def fake_results(people: pd.DataFrame, ties: pd.DataFrame, strategies: list[str],
                 steps: int = 52, start: pd.DataFrame | None = None) -> SimpleNamespace:
    sc = SimpleNamespace(steps=steps, cohorts=SimpleNamespace(strategies=strategies))
    return SimpleNamespace(scenario=sc, people=people, ties=ties, start=start)


def test_starting_ties_by_alter_stage():
    people = pd.DataFrame({"pid": [0, 1, 2, 3, 4], "cohort": ["grow"] + ["background"] * 4,
                           "stage_start": [0.3, 0.31, 0.1, 0.6, 0.35]})
    # person 9 was there at week 0 (stage 0.05, below the ego) and has left since
    start = pd.DataFrame({"pid": [0, 1, 2, 3, 4, 9], "stage": [0.3, 0.31, 0.1, 0.6, 0.35, 0.05]})
    ties = ties_table([
        (0, 1, "family_school", 0, 20, "decayed", 0.0),   # same stage, faded
        (4, 0, "family_school", 0, None, "alive", 0.0),   # same stage (ego is b), alive
        (0, 2, "workplace", 0, 30, "displaced", 0.0),     # alter below, faded
        (0, 3, "workplace", 0, None, "alive", 0.0),       # alter above, alive
        (0, 9, "workplace", 0, 5, "decayed", 0.0),        # faded; the alter left later: below
        (0, 3, "mixer", 5, 9, "decayed", 0.0),            # not a starting tie
        (0, 4, "workplace", 0, 3, "left", 0.0),           # ended by leaving: left out
    ])
    res = fake_results(people, ties, ["grow"], start=start)
    t = claims.starting_ties_lost(res).set_index("alter_stage")
    assert t.loc["same", "ties"] == 2 and t.loc["same", "lost"] == 0.5
    assert t.loc["below", "ties"] == 2 and t.loc["below", "lost"] == 1.0
    assert t.loc["above", "lost"] == 0.0


def test_others_are_ties_grown_after_the_start(small_run):
    _, res = small_run
    out = claims.outcomes(res)
    t = res.ties
    grown = t[(t["birth"] > 0) & ~t["origin"].isin(["family_school", "mixer"])]
    expected = claims.origin_table(grown.assign(origin="activity"), res.scenario.steps)
    assert out["h2.value_per_tie_year.others_minus_mixer"] == pytest.approx(
        expected.loc["activity", "value_per_tie_year"] - out["origin.mixer.value_per_tie_year"])


def test_outcomes_keys_and_signs(small_run):
    _, res = small_run
    out = claims.outcomes(res)
    assert list(out) == claims.outcome_names(res.scenario)
    # a claim effect is a difference of the per-origin or per-strategy figures it names
    assert out["h5.value_per_tie_year.meetup_minus_mixer"] == pytest.approx(
        out["origin.meetup.value_per_tie_year"] - out["origin.mixer.value_per_tie_year"])
    assert out["h6.referral_ties.grow_minus_passive"] == pytest.approx(
        out["strategy.grow.referral_ties"] - out["strategy.passive.referral_ties"])
    assert -1 <= out["h1.closest5_correlation"] <= 1


def test_outcome_names_follow_the_cohorts():
    sc = scenario("cohorts.strategies=['passive', 'grow']")
    names = claims.outcome_names(sc)
    assert "strategy.grow.stage_gain" in names and "strategy.mixer.stage_gain" not in names
    assert names == sorted(names)


def test_closest_kept_share(small_run):
    _, res = small_run
    kept = res.people["closest5_kept"]
    newcomers = res.people["joined"] > 0
    assert kept[newcomers].isna().all()
    assert ((kept.dropna() >= 0) & (kept.dropna() <= 1)).all()
