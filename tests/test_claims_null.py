"""The null world (issue 17, step 2): each claim is false by construction there, and the
experiment must not find it supported; flipping one assumption back must find that one.

The sizes are small (four worlds of 1,000 people over 2 years, seeds 1-4), so a test
run takes seconds; the verdicts rest on the minimal meaningful differences of
``experiment.MMD``, fixed before any run.
"""

from __future__ import annotations

import pytest

from jinmyaku.model.scenario import load
from jinmyaku.studies.claims import experiment as ex
from jinmyaku.studies.claims.assumptions import MECHANISMS, null_values, value_of

SMALL = ex.design_with(ex.QUICK, replicates=4, people=1000, years=2.0, cohort_size=60,
                       sens_trajectories=0, scenario="null", seed=1)


def test_the_null_world_sets_every_deciding_assumption():
    sc = load("null")
    for key, value in null_values().items():
        assert value_of(sc, key) == value, key
    default = load("default")
    for c, m in MECHANISMS.items():  # and each differs from the default
        for a in m.deciding:
            assert value_of(default, a.key) != a.null, (c, a.key)


@pytest.fixture(scope="module")
def null_verdicts():
    return ex.run_claims(SMALL, workers=0).verdicts.set_index("claim")


def test_no_claim_is_supported_in_the_null_world(null_verdicts):
    # seed 1, with the bond layer: H1-H4, H6 not supported; H5 depends (-0.096 [-0.34,
    # 0.15]); before the null split grow+meetup's event hours, meetups were twice as
    # crowded as mixers and H5 read 0.133 [0.024, 0.243]: supported in the "null" world
    assert "supported" not in set(null_verdicts["verdict"]), null_verdicts["verdict"]
    assert null_verdicts.loc["h1", "verdict"] == "not supported"


@pytest.mark.parametrize(("claim", "sets", "verdict"), [
    # seed 1: H1 0.039 [0.023, 0.055] with influence back (minimal meaningful 0.02)
    ("h1", ("processes.influence.rate=0.05",), "supported"),
    # acting makes sharing 15 times likelier again: H6's headline (referral ties) leaves 0
    # (1.31 with the calibrated tie process); its second half (the best-connected tenth
    # make more than their share of introductions) decides supported or depends, and in
    # worlds this small it moves with the tie process, so either is the flip found
    ("h6", ("processes.introductions.share_after_action=0.3",
            "processes.introductions.share_base=0.02"), {"supported", "depends"}),
    # foci split by stage again: H3's interval leaves 0 (0.0062 [0.0031, 0.0094] with the
    # bond layer; 0.0087 [0.0057, 0.0117] without): the flip is found; whether its upper
    # end reaches the minimal meaningful 0.01 (depends) or not (not supported) is size
    ("h3", ("processes.action.stage_bands=5",), {"depends", "not supported"}),
])
def test_flipping_one_assumption_back_is_found(claim, sets, verdict):
    v = ex.run_claims(ex.design_with(SMALL, overrides=sets), workers=0).verdicts
    v = v.set_index("claim")
    allowed = verdict if isinstance(verdict, set) else {verdict}
    assert v.loc[claim, "verdict"] in allowed, v.loc[claim].to_dict()
    assert v.loc[claim, "lo"] > 0
