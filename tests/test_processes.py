"""Each weekly process alone, against expectations derived by hand from its docstring.

A scenario's ``schedule`` runs one process (or two) by itself; worlds are
built with small populations, sometimes without starting ties and with ties
made by hand, and stepped week by week with ``Simulation.step``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import alive_pairs, bare, scenario, tie

import jinmyaku
import jinmyaku.errors
import jinmyaku.model.world
from jinmyaku.model import rng
from jinmyaku.model.engine import Simulation
from jinmyaku.model.processes.maintenance import choose, reach
from jinmyaku.model.vocabulary import CAUSES, DECAYED, LEFT, MIXER, ORIGINS, REFERRAL
from jinmyaku.model.world import BACKGROUND
from jinmyaku.studies.results import Results, simulate

# ----------------------------------------------------------------- maintenance


def test_fading_alone_is_exponential_and_ends_at_the_right_week():
    tau, end = 4.0, 0.9  # starting contacts 2-30: ties end in weeks 4-14, some survive
    sc = scenario("schedule=['maintenance']", "population.years=0.25",
                  "processes.maintenance.interactions=0", f"processes.ties.memory={tau}",
                  f"processes.ties.end_below={end}")
    sim = Simulation(sc)
    start = sim.world.ties.ledger_table()
    start = {int(u): float(w) for u, w, d in zip(start["uid"], start["weight"], start["death"],
                                                   strict=True) if d < 0}
    assert len(start) > 1000
    sim.run()
    table = sim.world.ties.ledger_table()
    rows = {int(u): x for x, u in enumerate(table["uid"])}
    deaths = set()
    for uid, c0 in start.items():
        # the strength week by week, c0·exp(−t/τ); the tie ends in the first week below
        died = next((t for t in range(1, sc.steps + 1) if c0 * math.exp(-t / tau) < end), -1)
        x = rows[uid]
        assert table["death"][x] == died, (uid, c0)
        t_end = died if died > 0 else sc.steps
        assert math.isclose(table["weight"][x], c0 * math.exp(-t_end / tau), rel_tol=1e-9)
        assert table["peak_weight"][x] == pytest.approx(c0, rel=1e-12)
        if died > 0:
            assert CAUSES[table["cause"][x]] == "decayed"
            deaths.add(died)
    # ties end over several weeks, and some survive
    assert len(deaths) > 3 and (table["death"] < 0).any()


def test_maintenance_pair_adds_two_contacts_a_week_that_fade():
    tau = 10.0
    sc = bare(12, "schedule=['maintenance']", "processes.maintenance.interactions=1",
              "population.sociability_sd=0",
              f"processes.ties.memory={tau}")
    sim = Simulation(sc)
    w = sim.world
    w.people.stage[:2] = 0.4
    w.people.aim[:2] = 7  # alike: every draw is kept
    tid = tie(w.ties, w.people.pid, 0, 1, 3.0)
    expect = 3.0
    for t in range(1, 11):
        sim.step()
        # both ends reach for their one tie; the contacts add to what has faded
        expect = expect * math.exp(-1 / tau) + 2.0
        assert w.ties.weights([tid])[0] == pytest.approx(expect, rel=1e-12)
        assert w.ties.last[tid] == t and w.ties.peak[tid] == pytest.approx(expect, rel=1e-12)
    assert sim.recorder.events[-1]["interactions"] == 2


@pytest.mark.parametrize("beta", [0.0, 1.0, 2.0])
def test_maintenance_reaches_by_strength_and_keeps_by_affinity(beta):
    sc = bare(12, "schedule=['maintenance']")
    sim = Simulation(sc)
    w, q = sim.world, sc.processes.maintenance
    p = w.people
    p.stage[:5] = [0.5, 0.5, 0.5, 0.8, 0.5]
    p.aim[:5] = [3, 4, 4, 4, 3]  # person 4 shares person 0's aim
    strengths = [2.0, 6.0, 6.0, 3.0]
    tids = [tie(w.ties, p.pid, 0, j, s) for j, s in zip(range(1, 5), strengths, strict=True)]
    keep = np.array([1.0, 1.0, math.exp(-0.3 / q.stage_scale), q.aim_bonus]) / q.aim_bonus
    reach = np.array(strengths) ** beta
    share = reach / reach.sum() * keep  # of all draws: reached for and kept
    n = 20_000
    chosen = choose(w.ties.arrays(), p.stage, p.aim, np.full(p.n, n, np.int32), beta,
                    q.stage_scale, q.aim_bonus, 1, w.seed, p.pid)
    for tid, expected in [*zip(tids, share, strict=True), (-1, 1.0 - share.sum())]:
        observed = float((chosen[0] == tid).mean())
        # binomial standard error of a share of n draws; 4 SE: a false alarm ~1 in 16,000
        se = math.sqrt(expected * (1 - expected) / n)
        assert abs(observed - expected) < 4 * se, (tid, observed, expected)
    assert (chosen[5:] == -1).all()  # people without ties choose nobody


def test_attend_split_among_threads_gives_the_plain_loops_result():
    """attend splits the chosen ties among threads by id; each tie's contacts are the
    same map however many times it is chosen, so any split gives the serial result."""
    import copy

    from jinmyaku.model.processes.maintenance import attend

    sim = Simulation(scenario())
    for _ in range(20):
        sim.step()
    w, q = sim.world, sim.scenario.processes.maintenance
    p = w.people
    chosen = choose(w.ties.arrays(), p.stage, p.aim, reach(q.interactions, p.sociability),
                    q.preference, q.stage_scale, q.aim_bonus, 21, w.seed, p.pid)
    # some ties are chosen by both ends, or twice by one: the case a split must get right
    ids, times = np.unique(chosen[chosen >= 0], return_counts=True)
    assert (times > 1).sum() > 100
    states = []
    for parts in (1, 2, 3, 8):
        store = copy.deepcopy(w.ties)
        made = attend(store.arrays(), chosen, 21, parts)
        assert made == (chosen >= 0).sum()
        states.append((store.ws.copy(), store.peak.copy(), store.last.copy()))
    for ws, peak, last in states[1:]:
        assert np.array_equal(ws, states[0][0])
        assert np.array_equal(peak, states[0][1]) and np.array_equal(last, states[0][2])
    assert not np.array_equal(states[0][0], w.ties.ws)  # attend did change the keys


# ----------------------------------------------------------------- influence


def test_influence_pair_gap_shrinks_by_one_minus_two_rates():
    rate = 0.1
    sc = bare(12, "schedule=['influence']", f"processes.influence.rate={rate}")
    sim = Simulation(sc)
    p = sim.world.people
    tie(sim.world.ties, p.pid, 0, 1, 0.5)
    p.stage[0], p.stage[1] = 0.2, 0.9
    others = p.stage[2:].copy()
    for t in range(1, 21):
        sim.step()
        # each moves rate·(other − self): the gap shrinks by (1 − 2·rate), the mean stays
        assert p.stage[1] - p.stage[0] == pytest.approx(0.7 * (1 - 2 * rate) ** t, rel=1e-9)
        assert p.stage[0] + p.stage[1] == pytest.approx(1.1, rel=1e-12)
    np.testing.assert_array_equal(p.stage[2:], others)  # no ties: no pull


def test_influence_star_pulls_to_weighted_mean_of_top_k():
    rate, k = 0.3, 2
    sc = bare(12, "schedule=['influence']", f"processes.influence.rate={rate}",
              f"processes.influence.k={k}")
    sim = Simulation(sc)
    p = sim.world.people
    leaves, weights = [3, 4, 5, 6], [1.0, 4.0, 3.0, 2.0]
    for j, wt in zip(leaves, weights, strict=True):
        tie(sim.world.ties, p.pid, 2, j, wt)
    p.stage[[2, 3, 4, 5, 6]] = [0.5, 0.0, 0.2, 0.9, 1.0]
    before = p.stage.copy()
    sim.step()
    # the centre's two strongest ties are to 4 (4) and 5 (3): the mean weighs strengths
    target = (4.0 * 0.2 + 3.0 * 0.9) / 7.0
    assert p.stage[2] == pytest.approx(0.5 + rate * (target - 0.5), rel=1e-12)
    for j in leaves:  # each leaf's only tie is the centre (last week's stage)
        assert p.stage[j] == pytest.approx(before[j] + rate * (0.5 - before[j]), rel=1e-12)
    untouched = [x for x in range(12) if x not in (2, *leaves)]
    np.testing.assert_array_equal(p.stage[untouched], before[untouched])


# ----------------------------------------------------------------- mixers


def test_mixer_alone_makes_the_expected_number_of_ties():
    n, enc, p_new = 1000, 6, 0.3
    sc = bare(n, "schedule=['budget', 'mixers']", "background={mixer = 1.0}",
              "processes.mixers.event_size=100000", f"processes.mixers.encounters={enc}",
              "processes.mixers.seek_known=0", f"processes.mixers.new_tie={p_new}")
    sim = Simulation(sc)
    sim.step()
    w = sim.world
    attend = w.people.attend_mixer
    a = int(attend.sum())
    # 3.75 h a week of mixer credit covers a 3 h mixer in week 1 whatever the head start
    assert a == n
    ev = sim.recorder.events[-1]
    assert ev["mixers_encounters"] == a * enc  # whole encounters: no rounding draw
    made = ev["mixers_new_ties"]
    # Everyone is at one event of size s = a. Each encounter with a stranger becomes a
    # tie with chance p, so E[made] <= a·enc·p; an encounter finds an existing tie with
    # chance <= (ties the person gains this week) / (s - 1), expected <= 2·enc·p / (s - 1).
    upper = a * enc * p_new
    lower = upper * (1 - 2 * enc * p_new / (a - 1))
    se = math.sqrt(upper * (1 - p_new))  # binomial SD of the number of successes
    assert lower - 4 * se < made < upper + 4 * se, (made, lower, upper)
    # sharper: given the encounters with strangers, the ties made are Binomial(m, p)
    m = a * enc - ev["mixers_known"]
    assert abs(made - m * p_new) < 4 * math.sqrt(m * p_new * (1 - p_new))
    assert ev["mixers_known"] < 4 * (1 + a * enc * 2 * enc * p_new / (a - 1))
    # every tie made is a mixer tie born this week between attendees, with one contact
    # unless a later encounter this week added another
    T = w.ties
    ids = T.alive_ids()
    assert ids.size == made
    assert (T.origin[ids] == MIXER).all() and (T.birth[ids] == 1).all()
    wts = T.weights(ids)
    assert np.allclose(wts[wts < 1.5], 1.0, rtol=1e-12) and (wts > 1.5).sum() <= ev["mixers_known"]
    assert attend[T.a[ids]].all() and attend[T.b[ids]].all()


# ----------------------------------------------------------------- budget


def _budget_run(*overrides):
    sc = scenario("schedule=['budget']", "population.years=1", *overrides)
    sim = Simulation(sc)
    p, q = sim.world.people, sc.processes.budget
    credit0 = p.credit.copy()
    spent = np.zeros(p.n)
    mixers = np.zeros(p.n, dtype=int)
    meetups = np.zeros(p.n, dtype=int)
    for _ in range(sc.steps):
        before = p.credit.sum(axis=1)
        sim.step()
        week = (p.hours_input + p.hours_action + q.mixer_hours * p.attend_mixer
                + q.meetup_hours * p.attend_meetup + p.hours_social)
        assert (week <= p.hours + before + 1e-9).all(), "spent more than the week's hours"
        assert (p.credit >= -1e-12).all()
        assert (p.credit[:, 2] < q.mixer_hours + 1e-9).all()  # no saving beyond one event
        assert (p.credit[:, 3] < q.meetup_hours + 1e-9).all()
        spent += week
        mixers += p.attend_mixer
        meetups += p.attend_meetup
    shares = sim.world.strategy_shares[p.strategy]
    given = sc.steps * p.hours * shares.sum(axis=1)
    return sc, sim, credit0, spent, given, shares, mixers, meetups


@pytest.mark.parametrize("mixer_hours", [3.0, 8.0])
def test_budget_spends_no_more_than_available(mixer_hours):
    sc, sim, credit0, spent, given, shares, mixers, meetups = _budget_run(
        f"processes.budget.mixer_hours={mixer_hours}")
    p = sim.world.people
    assert (spent <= given + credit0.sum(axis=1) + 1e-9).all()
    # hours are conserved: head start + hours given = hours spent + credit left
    np.testing.assert_allclose(credit0.sum(axis=1) + given, spent + p.credit.sum(axis=1),
                               rtol=0, atol=1e-9)
    # mixer attendance: the weekly mixer hours h buy h / L mixers a week, at most one
    h = p.hours * shares[:, 2]
    L = sc.processes.budget.mixer_hours
    due = (credit0[:, 2] + sc.steps * h) / L
    some = h > 0
    assert some.any()
    if mixer_hours > h.max():  # never more than one event's worth a week: nothing lost
        assert (np.abs(mixers - due) < 1).all() and (mixers <= due + 1e-9).all()
        assert (mixers[some] > 0).all()
    else:  # the mixer strategy's 3.75 h a week buy one 3 h mixer every week
        assert (mixers[h >= L] == sc.steps).all()
        assert (np.abs(mixers - np.minimum(due, sc.steps)) < 1 + 1e-9).all()
    assert (mixers[~some] == 0).all()
    # the same rule for meetups (grow+meetup: 1.25 h a week, one 3 h meetup in 2.4 weeks)
    hm = p.hours * shares[:, 3]
    due_m = (credit0[:, 3] + sc.steps * hm) / sc.processes.budget.meetup_hours
    assert (np.abs(meetups - np.minimum(due_m, sc.steps)) < 1 + 1e-9).all()
    assert ((0 < meetups) & (meetups < sc.steps)).any() and (meetups == sc.steps).any()
    assert (meetups[hm == 0] == 0).all()


# ----------------------------------------------------------------- input


def test_input_alone_adds_rate_hours_propensity_with_forgetting():
    rate, forget = 0.2, 0.05
    sc = scenario("schedule=['budget', 'input']", "population.years=0.5",
                  f"processes.input.rate={rate}", f"processes.input.forgetting={forget}")
    sim = Simulation(sc)
    p = sim.world.people
    assert (p.knowledge == 0).all()
    for _ in range(sc.steps):
        k0 = p.knowledge.copy()
        sim.step()
        np.testing.assert_allclose(p.knowledge, k0 * (1 - forget) + rate * p.hours_input
                                   * p.p_input, rtol=1e-12, atol=0)
    # input hours are the same every week, so K_t = a·(1 − (1 − f)^t) / f, a = rate·h·p
    a = rate * p.hours_input * p.p_input
    np.testing.assert_allclose(p.knowledge, a * (1 - (1 - forget) ** sc.steps) / forget,
                               rtol=1e-9)
    studying = p.hours_input > 0
    assert studying.any() and (~studying).any()
    assert (p.knowledge[~studying] == 0).all() and (p.knowledge[studying] > 0).all()


# ----------------------------------------------------------------- opportunities


@pytest.fixture(scope="module")
def opportunities_run():
    sc = scenario("schedule=['opportunities']", "population.years=0.25",
                  "processes.opportunities.rate=0.5", "processes.opportunities.forward=1",
                  "processes.opportunities.trust_half=0.05",
                  "processes.opportunities.max_hops=2")
    sim = Simulation(sc)
    stage0 = sim.world.people.stage.copy()
    return sc, sim, Results.from_simulation(sim.run()), stage0


def test_opportunities_reach_only_fitting_people_within_max_hops(opportunities_run):
    sc, sim, res, stage0 = opportunities_run
    opp, ppl = res.opportunities, res.people.set_index("pid")
    assert len(opp) > 200
    np.testing.assert_array_equal(res.people["stage"], stage0)  # nothing else moves stages
    rec = ppl.loc[opp["recipient"]]
    hold = ppl.loc[opp["holder"]]
    topic = opp["topic"].to_numpy()
    fits = (rec["aim"].to_numpy() == topic) | (rec["field"].to_numpy() == topic)
    assert fits.all(), opp[~fits]
    assert (opp["recipient"] != opp["holder"]).all()
    hops = opp["hops"].to_numpy()
    assert hops.min() >= 1 and hops.max() <= sc.processes.opportunities.max_hops
    assert (hops == 2).any()  # with forward = 1 some travel further than one tie
    # required stage r = (value − 1) / 4 is drawn as stage_holder · U(0, 1)
    required = (opp["value"].to_numpy() - 1.0) / 4.0
    assert (required <= hold["stage"].to_numpy() + 1e-12).all()
    assert (rec["stage"].to_numpy() >= required - 1e-12).all()


def test_opportunity_ledger_matches_ties_and_people(opportunities_run):
    sc, sim, res, _ = opportunities_run
    opp = res.opportunities
    ties = res.ties.set_index("uid")
    t = ties.loc[opp["tie"]]
    # the delivering tie touches the recipient; after one hop it joins holder and recipient
    touches = (t["a"].to_numpy() == opp["recipient"].to_numpy()) | (
        t["b"].to_numpy() == opp["recipient"].to_numpy())
    assert touches.all()
    one = (opp["hops"] == 1).to_numpy()
    pair = {frozenset(x) for x in zip(t["a"][one], t["b"][one], strict=True)}
    assert pair == {frozenset(x) for x in zip(opp["holder"][one], opp["recipient"][one],
                                              strict=True)}
    assert (t["origin"].astype(str).to_numpy() == opp["origin"].astype(str).to_numpy()).all()
    # value on each tie is the sum of what it delivered
    by_tie = opp.groupby("tie")["value"].sum()
    np.testing.assert_allclose(ties.loc[by_tie.index, "value"], by_tie, rtol=1e-12)
    assert (ties.drop(by_tie.index)["value"] == 0).all()
    # each person's count and value are their rows in the ledger
    ppl = res.people.set_index("pid")
    got = opp.groupby("recipient")["value"].agg(["size", "sum"]).reindex(ppl.index, fill_value=0)
    np.testing.assert_array_equal(ppl["opportunities"], got["size"])
    np.testing.assert_allclose(ppl["opportunity_value"], got["sum"], rtol=1e-12)
    assert set(res.events["opportunities_delivered"].iloc[1:]) != {0}
    assert res.events["opportunities_delivered"].sum() == len(opp)


def test_opportunities_made_match_the_rate(opportunities_run):
    sc, sim, res, _ = opportunities_run
    q = sc.processes.opportunities
    # mean rate over people is exactly `rate` (rates are scaled by mean(stage^γ)),
    # so the total made is Poisson(rate·N·weeks); 4 Poisson SDs: ~1 in 16,000 false alarm
    mean = q.rate * sc.population.people * sc.steps
    made = res.events["opportunities_made"].sum()
    assert abs(made - mean) < 4 * math.sqrt(mean), (made, mean)


def test_opportunity_topic_is_holders_aim_when_own_aim_is_one():
    sc = scenario("schedule=['opportunities']", "population.years=0.1",
                  "processes.opportunities.rate=1", "processes.opportunities.own_aim=1",
                  "processes.opportunities.own_field=0",
                  "processes.opportunities.trust_half=0.05")
    res = simulate(sc)
    ppl = res.people.set_index("pid")
    assert len(res.opportunities) > 50
    np.testing.assert_array_equal(res.opportunities["topic"],
                                  ppl.loc[res.opportunities["holder"], "aim"])


def _star_world():
    """Holder 0 with one fitting contact, 1 (aim 5 like 0's), and contacts 2, 3, 4 that
    fit nothing (aim 7); 1 also knows 2 and 3, so the tie 0–1 has overlap
    2 common ÷ (3 + 2 − 2) = 2/3."""
    sim = Simulation(bare(10, "schedule=['opportunities']"))
    w = sim.world
    p = w.people
    p.stage[:] = 1.0
    p.aim[:] = 7
    p.aim[:2] = 5
    p.field[:] = 9
    tids = {j: tie(w.ties, p.pid, 0, j, 1.0 + j) for j in (1, 2, 3, 4)}
    for j in (2, 3):
        tie(w.ties, p.pid, 1, j, 1.0)
    return w, tids


def _route_week(w, step: int, **kw):
    from jinmyaku.model.processes.opportunities import route
    p = w.people
    opts = {"pull": 1.0, "redundancy": 0.0, "trust_half": 1e-9, "rate": 5.0} | kw
    rows_i, _, _, _ = route(
        w.ties.arrays(), p.stage, p.aim, p.field, 1.0, opts["rate"], 0.0, 20, 1.0, 0.0, 1,
        opts["trust_half"], 0.0, p.opp_count, p.opp_value, step, w.seed, p.pid, True,
        opts["pull"], opts["redundancy"], True)
    return rows_i


def test_overlap_is_common_contacts_over_the_union():
    from jinmyaku.model.processes.opportunities import overlap
    w, _ = _star_world()
    mark = np.zeros(w.people.n, dtype=np.int64)
    assert overlap(w.ties.arrays(), 0, 1, mark, 1) == pytest.approx(2 / 3)
    assert overlap(w.ties.arrays(), 0, 4, mark, 2) == 0.0  # 4 knows only 0


@pytest.mark.parametrize("redundancy", [0.6, 1.0])
def test_an_offer_over_an_embedded_tie_is_no_news_with_chance_redundancy_times_overlap(
        redundancy):
    """Holder 0 offers to its only fitting contact 1 (offers pass: trust_half ~ 0). The
    no-news draws have their own stream, so with and without redundancy the same offers
    are made; a share redundancy × 2/3 of them is then not delivered."""
    def delivered(r: float) -> int:
        w, _ = _star_world()
        return sum(int((_route_week(w, step, redundancy=r)[:, 0] == 0).sum())
                   for step in range(1, 301))

    base, kept = delivered(0.0), delivered(redundancy)
    assert base > 1000  # Poisson(5) a week for 300 weeks
    expected = 1.0 - redundancy * 2 / 3
    # binomial thinning of ~1500 offers: SD of the share ≤ 0.013; 4 SDs
    assert abs(kept / base - expected) < 0.05, (kept / base, expected)


@pytest.mark.parametrize("pull", [0.0, 1.0, 2.0])
def test_a_fitting_contact_is_drawn_by_strength_to_the_power_pull(pull):
    """_pick over a fine grid of uniforms: the share of draws going to each fitting
    contact is s^λ / Σ s^λ (contacts 1 and 2 fit; strengths 2 and 3)."""
    from jinmyaku.model.processes.opportunities import _pick
    w, tids = _star_world()
    p = w.people
    p.aim[2] = 5  # now 1 (strength 2) and 2 (strength 3) fit topic 5
    T = w.ties.arrays()
    m = 20_000
    got = np.array([_pick(T, 0, 0, -1, 5, 0.0, p.aim, p.field, p.stage, True,
                          (k + 0.5) / m, 0, pull, True, True) for k in range(m)])
    want = 2.0 ** pull / (2.0 ** pull + 3.0 ** pull)
    assert abs((got == tids[1]).mean() - want) < 1e-3
    assert set(got) == {tids[1], tids[2]}


# ----------------------------------------------------------------- introductions


def test_introductions_make_only_referral_ties_between_strangers():
    sc = scenario("schedule=['introductions']", "population.years=0.1",
                  "processes.introductions.share_base=1", "processes.introductions.introduce=1",
                  "processes.introductions.stage_scale=10")
    sim = Simulation(sc)
    w = sim.world
    made_total = 0
    for step in range(1, sc.steps + 1):
        before = alive_pairs(w.ties)
        intros0 = w.people.intros_made.sum()
        sim.step()
        after = alive_pairs(w.ties)
        ids = w.ties.alive_ids()
        new = ids[w.ties.birth[ids] == step]
        assert len(before - after) == 0, "introductions ended a tie"
        assert (w.ties.origin[new] == REFERRAL).all()
        both = before | after
        nbrs: dict[int, set[int]] = {}
        for a, b in both:
            nbrs.setdefault(a, set()).add(b)
            nbrs.setdefault(b, set()).add(a)
        aim, field = w.people.aim, w.people.field
        for tid in new:
            i, c = int(w.ties.a[tid]), int(w.ties.b[tid])  # the sharer, the one introduced
            assert (min(i, c), max(i, c)) not in before, "introduced people already tied"
            assert aim[c] == aim[i] or field[c] == aim[i], "introduced to someone off-topic"
            assert nbrs[i] & nbrs[c], "no introducer knows both"
        assert w.people.intros_made.sum() - intros0 == new.size
        assert sim.recorder.events[-1]["introductions"] == new.size
        made_total += new.size
    assert made_total > 50


# ----------------------------------------------------------------- life events


def test_life_events_keep_size_and_give_leavers_new_pids():
    leave, job = 0.05, 0.05
    sc = scenario("schedule=['life_events']", "population.years=0.25",
                  f"processes.life_events.leave={leave}",
                  f"processes.life_events.job_change={job}")
    sim = Simulation(sc)
    w = sim.world
    p = w.people
    n = p.n
    seen = set(p.pid.tolist())
    leavers_total = movers_total = 0
    for step in range(1, sc.steps + 1):
        pid0, deg0, next0 = p.pid.copy(), w.ties.deg.copy(), w.next_pid
        ties0 = w.ties.alive_ids()
        a0, b0 = w.ties.a[ties0], w.ties.b[ties0]
        sim.step()
        assert p.n == n and w.ties.deg.size == n
        left = np.flatnonzero(p.pid != pid0)
        # newcomers get fresh pids, in slot order, never used before
        np.testing.assert_array_equal(p.pid[left], np.arange(next0, next0 + left.size))
        assert w.next_pid == next0 + left.size
        assert not seen & set(p.pid[left].tolist())
        seen |= set(p.pid[left].tolist())
        assert len(set(p.pid.tolist())) == n
        assert (p.joined[left] == step).all() and (p.cohort[left] == BACKGROUND).all()
        assert (p.knowledge[left] == 0).all() and (w.ties.deg[left] == 0).all()
        # every tie of a leaver ended, each once
        ended = np.isin(a0, left) | np.isin(b0, left)
        ev = sim.recorder.events[-1]
        assert ev["left"] == left.size and ev["ties_ended_by_leaving"] == int(ended.sum())
        assert deg0[left].sum() >= ended.sum()
        leavers_total += left.size
        movers_total += ev["job_changes"]
    # workplaces stay inside the (possibly new) field
    assert (p.workplace // w.places.workplaces_per_field == p.field).all()
    ledger = pd.DataFrame(w.ties.ledger_table())
    gone = ledger[ledger["cause"] == LEFT]
    assert len(gone) == sum(e.get("ties_ended_by_leaving", 0) for e in sim.recorder.events)
    assert (ledger["cause"] != DECAYED).all()
    # leaving and job change are weekly Bernoulli draws: totals ~ Binomial(N·weeks, rate);
    # 4 binomial SDs: ~1 in 16,000 false alarm
    trials = n * sc.steps
    for total, rate in ((leavers_total, leave), (movers_total, job)):
        assert abs(total - trials * rate) < 4 * math.sqrt(trials * rate * (1 - rate))


def test_life_events_draws_are_per_person_and_week():
    """The leave draw is rng.uniforms(seed, LIFE_EVENTS, step, pid, 4) < leave."""
    sc = scenario("schedule=['life_events']", "population.years=0.1",
                  "processes.life_events.leave=0.1")
    sim = Simulation(sc)
    pid0 = sim.world.people.pid.copy()
    u = rng.uniforms(sc.seed, rng.LIFE_EVENTS, 1, pid0, 4)
    sim.step()
    np.testing.assert_array_equal(sim.world.people.pid != pid0, u < 0.1)


def test_origins_are_the_documented_six():
    assert ORIGINS == ("family_school", "workplace", "mixer", "meetup", "activity", "referral")


# ----------------------------------------------------------------- action, work, meetups


def test_action_grows_stage_and_knowledge_by_the_formula():
    sc = scenario("schedule=['budget', 'action']", "population.years=0.1")
    q = sc.processes.action
    sim = Simulation(sc)
    p = sim.world.people
    for _ in range(3):
        stage0, know0 = p.stage.copy(), p.knowledge.copy()
        sim.step()
        eff = p.hours_action * p.p_action
        used = np.minimum(know0, q.conversion * eff)
        expect = np.clip(stage0 + q.growth * (used + q.practice * eff) * (1 - stage0), 0, 1)
        np.testing.assert_allclose(p.stage, expect, rtol=1e-12, atol=0)
        np.testing.assert_allclose(p.knowledge, know0 + q.reflection * eff - used,
                                   rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(p.acted, p.hours_action > 0)
    acting = p.hours_action > 0
    assert acting.any() and (~acting).any()
    assert (p.stage[acting] > p.stage_start[acting]).all()
    np.testing.assert_array_equal(p.stage[~acting], p.stage_start[~acting])


@pytest.mark.parametrize(("process", "origin", "group"), [
    ("action", "activity", "focus"), ("work", "workplace", "workplace"),
    ("meetups", "meetup", "meetup")])
def test_encounter_ties_form_only_inside_the_group(process, origin, group):
    sc = scenario(f"schedule=['budget', '{process}']", "population.years=0.1")
    sim = Simulation(sc)
    w = sim.world
    made = 0
    for step in range(1, sc.steps + 1):
        where = getattr(w.people, group).copy()  # before the week (refocusing comes after)
        sim.step()
        ids = w.ties.alive_ids()
        new = ids[w.ties.birth[ids] == step]
        assert (w.ties.origin[new] == ORIGINS.index(origin)).all()
        assert (where[w.ties.a[new]] == where[w.ties.b[new]]).all()
        if process == "meetups":
            assert w.people.attend_meetup[w.ties.a[new]].all()
            assert w.people.attend_meetup[w.ties.b[new]].all()
        made += new.size
    assert made > 20


def test_world_building_resumes_inside_a_big_group():
    """One family circle much larger than the starting pool: every pair is still considered.

    Building the same world twice must give the same ties whatever the pool's
    starting size; with capacity far above the expected degree nobody is
    displaced, so the number of ties is Binomial(pairs, p) — within 4 SE of
    its mean (SE = sqrt(pairs·p·(1−p))).
    """
    n, mean_ties = 300, 20.0
    sc = jinmyaku.load("small", [f"population.people={n}", "cohorts.size=0",
                                 f"population.school_group={n}",
                                 f"population.school_ties={mean_ties}",
                                 "population.workplace_ties=0", "population.max_ties=200"])
    world = jinmyaku.model.world.build(sc)
    pairs = n * (n - 1) / 2
    p = mean_ties / (n - 1)
    made = world.ties.n_alive
    assert abs(made - pairs * p) < 4 * math.sqrt(pairs * p * (1 - p))
    again = jinmyaku.model.world.build(sc)
    assert alive_pairs(world.ties) == alive_pairs(again.ties)


def test_maintenance_choice_is_finite_at_the_smallest_stage_scale():
    """stage_scale at its lower bound (0.01) with stages 0 and 1: draws stay valid ties
    or none, and the tie across the widest gap is never kept."""
    sim = Simulation(bare(10, "processes.maintenance.stage_scale=0.01",
                          'schedule=["maintenance"]'))
    store, p = sim.world.ties, sim.world.people
    p.stage[:4] = [0.0, 1.0, 0.005, 0.99]
    tie(store, p.pid, 0, 1, 0.5)
    tie(store, p.pid, 0, 2, 0.5)
    tie(store, p.pid, 1, 3, 0.5)
    chosen = choose(store.arrays(), p.stage, p.aim, np.full(p.n, 50, np.int32), 1.0, 0.01, 1.0,
                    1, 1, p.pid)
    T = store.arrays()
    for i in range(10):
        row = chosen[i]
        assert (row == -1).all() if not T.deg[i] else (row >= -1).all()
        for tid in row[row >= 0]:
            assert i in (T.a[tid], T.b[tid])
    # person 0 (stage 0): the tie to stage 1 is kept with chance e^-100, the tie to
    # stage 0.005 with e^-0.5: kept draws go to person 2 only, and some are kept
    to_2 = T.adj[0, list(T.nbr[0, :2]).index(2)]
    kept = chosen[0][chosen[0] >= 0]
    assert kept.size > 5 and (kept == to_2).all()


def test_stage_scale_below_its_bound_is_refused():
    with pytest.raises(jinmyaku.errors.InputError, match="stage_scale"):
        jinmyaku.load("small", ["processes.maintenance.stage_scale=0.005"])


# ----------------------------------------------------------------- bonds (§7.6b)


def test_a_bond_is_kept_up_at_its_rate_and_outlives_a_tie_left_alone():
    """Two pairs with the same family tie; only the first may hold a bond: its contacts
    over a year are Poisson(52·rate), it is a call each time, and it does not fade."""
    from jinmyaku.model.processes.bonds import held
    from jinmyaku.model.vocabulary import FAMILY_SCHOOL
    rate, tau = 2.0, 10.0
    sc = bare(12, "schedule=['bonds']", "processes.bonds.per_person=1",
              f"processes.bonds.contacts={rate}", "processes.bonds.form=0",
              f"processes.ties.memory={tau}")
    w = Simulation(sc).world
    bonded = tie(w.ties, w.people.pid, 0, 1, 5.0, origin=FAMILY_SCHOOL)
    alone = tie(w.ties, w.people.pid, 2, 3, 5.0, origin=FAMILY_SCHOOL + 1)  # never a bond
    # the first bonds are made when the process is set up: set it up on the ties made here
    w.bonds = None
    from jinmyaku.model.processes.bonds import Bonds
    proc = Bonds(sc.processes.bonds, w)
    assert [held(w.bonds, i) for i in range(4)] == [1, 1, 0, 0]
    made = 0
    for t in range(1, 53):
        w.step = t
        made += proc.step(w)["bond_contacts"]
        w.ties.end_faded(t)
        w.ties.flush()
    # a year of Poisson(rate) contacts: 4 SDs of Poisson(104), ~1 in 16,000
    assert abs(made - 52 * rate) < 4 * math.sqrt(52 * rate)
    assert w.ties.contacts[bonded] == made and w.ties.calls[bonded] == made
    assert w.ties.death[bonded] < 0  # kept up
    assert w.ties.death[alone] >= 0  # left alone, it faded and ended


def test_a_free_bond_slot_goes_to_the_strongest_tie_whose_other_end_has_room():
    from jinmyaku.model.processes.bonds import Bonds, held
    sc = bare(12, "schedule=['bonds']", "processes.bonds.per_person=1",
              "processes.bonds.contacts=0", "processes.bonds.form=1")
    w = Simulation(sc).world
    pid = w.people.pid
    tie(w.ties, pid, 0, 1, 9.0, origin=1)  # the strongest, but 1 is taken below
    tie(w.ties, pid, 1, 2, 20.0, origin=0)  # a family tie: bonded when set up
    strong = tie(w.ties, pid, 0, 3, 6.0, origin=1)
    tie(w.ties, pid, 0, 4, 2.0, origin=1)
    w.bonds = None
    proc = Bonds(sc.processes.bonds, w)
    assert [held(w.bonds, i) for i in range(5)] == [0, 1, 1, 0, 0]
    w.step = 1
    assert proc.step(w)["bonds_formed"] == 1  # person 0 first (slot order); 3 then full
    assert w.bonds[0, 0, 0] == strong and w.bonds[3, 0, 0] == strong
    assert held(w.bonds, 4) == 0 and w.bonds[5:].max() == -1


def test_bonds_off_leave_every_result_as_without_the_process():
    """per_person = 0: no bond and no draw, so the run is the run without the process."""
    from jinmyaku.model.scenario import DEFAULT_SCHEDULE
    without = [p for p in DEFAULT_SCHEDULE if p != "bonds"]
    runs = [Results.from_simulation(Simulation(scenario(*extra)).run()) for extra in (
        ["processes.bonds.per_person=0"],
        [f"schedule={without!r}"])]
    a, b = (r.ties.to_pandas() if hasattr(r.ties, "to_pandas") else r.ties for r in runs)
    pd.testing.assert_frame_equal(a, b)
    on = Results.from_simulation(Simulation(scenario()).run()).ties
    on = on.to_pandas() if hasattr(on, "to_pandas") else on
    assert not on.equals(a)  # and the layer, switched on, changes the run
