"""Pattern suite (issue 16): each check passes on data built to pass, fails on data built to fail.

The data are drawn by small generators below (fixed seeds), never written as
results by hand:

- ``star_windows``: egos with private alters in Dunbar-like layers of contact
  rates (5 / 10 / 35 / 100 alters at rates 300h / 80g / 20 / 1 + 2 a year,
  times a heavy-tailed activity A of each ego; h, g the ego's own shape),
  a little inner-circle turnover each year. Variants break one thing each.
- ``community_windows``: people in communities of 10–40, dense strong ties
  inside whose counts grow with overlap, a sparse random layer of weak
  ties between communities that mostly do not last the year. Variants swap
  strengths or shuffle them, or make every tie last alike.
- ``deliveries``, ``mixers``, ``selection``: rates, encounter choices and
  stage paths drawn from the rule under test.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jinmyaku.analysis import network as S
from jinmyaku.analysis import patterns as P
from jinmyaku.studies.validation import checks
from jinmyaku.studies.validation import patterns as V

# ------------------------------------------------------------------ generators

BASE_RATES = (300.0, 80.0, 20.0)  # inner, second and third layers' contacts a year


def star_windows(n_egos: int = 300, windows: int = 3, seed: int = 1, *, uniform=False,
                 random_churn=False, fickle=False, turnover=0.02,
                 window_weeks: int = 52) -> P.ContactWindows:
    """Each ego has 150 private alters in layers of 5 / 10 / 35 / 100 (slots keep their layer).

    uniform: every alter at the same rate (one layer, narrow weights);
    random_churn: the inner five are a fresh random five of the 150 each window;
    fickle: the ego's shape (h, g) is redrawn each window (no persistent signature);
    turnover: chance an inner alter is replaced by a new person each window.
    """
    rng = np.random.default_rng(seed)
    act = np.minimum(1.0 + rng.pareto(1.5, n_egos), 200.0)  # activity, heavy-tailed
    h = rng.uniform(0.5, 2.0, n_egos)
    g = rng.uniform(0.7, 1.4, n_egos)
    layer = np.repeat([0, 1, 2, 3], [5, 10, 35, 100])
    frames = []
    next_id = 1_000_000
    alters = []
    for _ in range(n_egos):
        alters.append(np.arange(next_id, next_id + 150))
        next_id += 150
    for t in range(windows):
        if fickle:
            h = rng.uniform(0.5, 2.0, n_egos)
            g = rng.uniform(0.7, 1.4, n_egos)
        for ego in range(n_egos):
            al = alters[ego]
            if t > 0 and turnover:
                swap = np.flatnonzero((layer == 0) & (rng.random(150) < turnover))
                al[swap] = np.arange(next_id, next_id + swap.size)
                next_id += swap.size
            if random_churn:
                al = al.copy()
                inner = rng.choice(150, 5, replace=False)
                rest = np.setdiff1d(np.arange(150), inner)
                al = np.concatenate([al[inner], al[rest]])
            if uniform:
                lam = np.full(150, 10.0 * act[ego])
                cnt = 1 + rng.poisson(lam)
            else:
                lam = act[ego] * np.array([BASE_RATES[0] * h[ego], BASE_RATES[1] * g[ego],
                                           BASE_RATES[2], 2.0])[layer]
                cnt = rng.poisson(lam) + (layer == 3)
            keep = cnt > 0
            frames.append(pd.DataFrame({"window": t, "a": ego, "b": al[keep],
                                        "contacts": cnt[keep]}))
    return P.ContactWindows(pd.concat(frames, ignore_index=True), np.arange(n_egos),
                            window_weeks=window_weeks)


def _community_ties(rng, n: int):
    sizes = []
    while sum(sizes) < n:
        sizes.append(int(rng.integers(10, 41)))
    comm = np.repeat(np.arange(len(sizes)), sizes)[:n]
    a, b = [], []
    for c in np.unique(comm):
        mem = np.flatnonzero(comm == c)
        i, j = np.triu_indices(mem.size, 1)
        keep = rng.random(i.size) < 0.5
        a.append(mem[i[keep]])
        b.append(mem[j[keep]])
    a, b = np.concatenate(a), np.concatenate(b)
    return comm, a, b


def _external(rng, comm, k: int):
    n = comm.size
    x, y = rng.integers(0, n, 3 * k), rng.integers(0, n, 3 * k)
    ok = comm[x] != comm[y]
    x, y = x[ok][:k], y[ok][:k]
    return np.minimum(x, y), np.maximum(x, y)


def community_windows(n: int = 1200, seed: int = 2, *, strong_bridges=False,
                      shuffle_weights=False, bridge_gone=0.6, embedded_gone=0.05,
                      ) -> P.ContactWindows:
    """Two windows of a community network (see the module docstring)."""
    rng = np.random.default_rng(seed)
    comm, ia, ib = _community_ties(rng, n)
    ea, eb = _external(rng, comm, n)
    frames = []
    for t in range(2):
        a = np.concatenate([ia, ea])
        b = np.concatenate([ib, eb])
        e = S.make_edges(n, a, b)
        inside = comm[e.a] == comm[e.b]
        o = np.nan_to_num(S.overlap(e), nan=0.0)
        if strong_bridges:
            w = np.where(inside, 1 + rng.poisson(3, e.m), 1 + rng.poisson(200, e.m))
        else:
            w = np.where(inside, 1 + rng.poisson(5 + 80 * o), 1 + rng.poisson(0.5, e.m))
        if shuffle_weights:
            w = rng.permutation(w)
        frames.append(pd.DataFrame({"window": t, "a": e.a, "b": e.b, "contacts": w}))
        # next window: embedded ties mostly stay, bridges mostly go and are replaced
        stay_i = rng.random(ia.size) >= embedded_gone
        stay_e = rng.random(ea.size) >= bridge_gone
        na, nb = _external(rng, comm, int((~stay_e).sum()))
        ia, ib = ia[stay_i], ib[stay_i]
        ea, eb = np.concatenate([ea[stay_e], na]), np.concatenate([eb[stay_e], nb])
    return P.ContactWindows(pd.concat(frames, ignore_index=True), np.arange(n))


def deliveries(cw: P.ContactWindows, rate, seed: int = 3) -> P.Deliveries:
    """Deliveries over each window-0 tie, Poisson with ``rate(mutual, contacts)``; some untied."""
    rng = np.random.default_rng(seed)
    snap = cw.window(0).reset_index(drop=True)
    e, nodes = P.edges_of(snap, cw.people)
    m = S.common_neighbours(e).astype(float)
    k = rng.poisson(rate(m, e.w))
    a, b = np.repeat(nodes[e.a], k), np.repeat(nodes[e.b], k)
    flip = rng.random(a.size) < 0.5
    s, r = np.where(flip, b, a), np.where(flip, a, b)
    s = np.concatenate([s, rng.integers(0, cw.people.size, 50)])
    r = np.concatenate([r, rng.integers(0, cw.people.size, 50)])
    return P.Deliveries(snap, cw.people, pd.DataFrame({"sender": s, "recipient": r}))


def bump(m, w):
    """Inverted U in mutual contacts, peaking near the 40th percentile."""
    mid, sd = np.percentile(m, 40), max(1.0, m.std() / 2)
    return 0.05 + 0.5 * np.exp(-0.5 * ((m - mid) / sd) ** 2)


def mixers(known_share: float, seek: float, events: int = 20, size: int = 100,
           per_guest: int = 7, seed: int = 4) -> P.MixerEncounters:
    """Events of ``size`` guests; each pair known with ``known_share``; partners drawn with
    weight ``seek`` if known, 1 if not (``per_guest`` draws a guest, repeats merged)."""
    rng = np.random.default_rng(seed)
    enc, att = [], []
    for ev in range(events):
        guests = rng.choice(100_000, size, replace=False)
        known = np.triu(rng.random((size, size)) < known_share, 1)
        known = known | known.T
        for x in range(size):
            wts = np.where(known[x], seek, 1.0)
            wts[x] = 0.0
            for y in rng.choice(size, per_guest, replace=False, p=wts / wts.sum()):
                i, j = min(x, y), max(x, y)
                enc.append((ev, guests[i], guests[j], bool(known[i, j])))
        att.append(pd.DataFrame({"event": ev, "person": guests,
                                 "known_attendees": known.sum(axis=1)}))
    e = pd.DataFrame(enc, columns=["event", "i", "j", "known"]).drop_duplicates(
        ["event", "i", "j"])
    return P.MixerEncounters(e, pd.concat(att, ignore_index=True))


def selection(n: int = 3000, *, select: float, influence: float,
              seed: int = 5) -> P.SelectionInfluence:
    """A share ``select`` of tied pairs drawn similar, the rest at random; after tying each end
    moves ``influence`` of the way to the midpoint; everyone drifts a little (noise 0.03).
    Baseline pairs at random."""
    rng = np.random.default_rng(seed)

    def pairs(similar: float, pull: float) -> pd.DataFrame:
        a0 = rng.random(n)
        b0 = np.where(rng.random(n) < similar, np.clip(a0 + rng.normal(0, 0.05, n), 0, 1),
                      rng.random(n))
        mid = (a0 + b0) / 2
        a1 = a0 + pull * (mid - a0) + rng.normal(0, 0.03, n)
        b1 = b0 + pull * (mid - b0) + rng.normal(0, 0.03, n)
        return pd.DataFrame({"a": np.arange(n), "b": np.arange(n) + n, "stage_a0": a0,
                             "stage_b0": b0, "stage_a1": a1, "stage_b1": b1})

    return P.SelectionInfluence(pairs(select, influence), pairs(0.0, 0.0))


def status(rows, check: str) -> str:
    return next(r.status for r in rows if r.check == check)


# ------------------------------------------------------------------ fixtures (built once)

@pytest.fixture(scope="module")
def star():
    return star_windows()


@pytest.fixture(scope="module")
def community():
    return community_windows()


# ------------------------------------------------------------------ P1–P2 layers

def test_layers_pass_on_layered_counts(star):
    rows = V.check_layers(star)
    assert [r.status for r in rows] == ["pass", "pass"], rows
    assert 2.5 <= rows[1].value <= 4.0


def test_layers_fail_on_uniform_counts():
    rows = V.check_layers(star_windows(100, 1, uniform=True))
    assert [r.status for r in rows] == ["fail", "fail"], rows


@settings(max_examples=30, deadline=None)
@given(sizes=st.lists(st.integers(1, 60), min_size=4, max_size=4),
       scale=st.integers(1, 9))
def test_layer_finder_recovers_exact_layers(sizes, scale):
    # four distinct counts: the only zero-error 4-partition is the four groups
    counts = np.repeat(np.array([1000, 100, 10, 1]) * scale, sizes)
    alters = np.arange(counts.size) + 10
    cw = P.ContactWindows(pd.DataFrame({"window": 0, "a": 0, "b": alters,
                                        "contacts": counts}), [0])
    assert P.contact_layers(cw, 0).tolist() == [np.cumsum(sizes).tolist()]


# ------------------------------------------------------------------ P3 churn

def test_churn_passes_with_slow_turnover(star):
    row = V.check_churn(star)[0]
    assert row.status == "pass", row
    assert 0.01 <= row.value <= 0.03  # turnover 0.02 a year per inner alter


def test_churn_fails_when_the_inner_circle_is_a_lottery():
    row = V.check_churn(star_windows(100, 2, random_churn=True))[0]
    assert row.status == "fail" and row.value > 0.5, row


def test_churn_fails_when_the_inner_circle_is_frozen():
    row = V.check_churn(star_windows(100, 2, turnover=0.0))[0]
    assert row.status == "fail" and row.value < 0.005, row  # the stricter lower bound


def test_year_checks_need_yearly_windows():
    cw = star_windows(20, 2, window_weeks=26)
    assert V.check_churn(cw)[0].status == "not measured"
    assert V.check_bridges(cw)[0].status == "not measured"


# ------------------------------------------------------------------ P4 signatures

def test_signatures_persist(star):
    row = V.check_signatures(star)[0]
    assert row.status == "pass" and row.value >= 0.9, row


def test_signatures_fail_when_shapes_are_redrawn_each_year():
    row = V.check_signatures(star_windows(200, 2, fickle=True))[0]
    assert row.status == "fail", row


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=3, max_size=20),
       st.lists(st.floats(0, 1), min_size=3, max_size=20))
def test_jensen_shannon_is_a_bounded_symmetric_divergence(x, y):
    n = min(len(x), len(y))
    p, q = np.array(x[:n]) + 1e-9, np.array(y[:n]) + 1e-9
    p, q = p / p.sum(), q / q.sum()
    d = P.jensen_shannon(p, q)[0]
    assert -1e-12 <= d <= 1 + 1e-12
    assert d == pytest.approx(P.jensen_shannon(q, p)[0], abs=1e-12)
    assert P.jensen_shannon(p, p)[0] == pytest.approx(0.0, abs=1e-12)


def test_jensen_shannon_of_disjoint_distributions_is_one():
    assert P.jensen_shannon(np.array([1.0, 0]), np.array([0, 1.0]))[0] == pytest.approx(1.0)


# ------------------------------------------------------------------ P5 weight spread

def _pairs_with_counts(w: np.ndarray) -> P.ContactWindows:
    n = w.size
    return P.ContactWindows(pd.DataFrame({"window": 0, "a": np.arange(n),
                                          "b": np.arange(n) + n, "contacts": w}),
                            np.arange(2 * n))


def test_weight_spread_passes_on_a_power_law_tail(star):
    row = V.check_weight_spread(star)[0]  # heavy-tailed activity across egos
    assert row.status == "pass", row
    rng = np.random.default_rng(6)
    w = np.floor(rng.random(20_000) ** (-1 / 1.2)).astype(int)  # P(W > w) ~ w^-1.2
    row = V.check_weight_spread(_pairs_with_counts(w))[0]
    assert row.status == "pass", row


def test_weight_spread_fails_on_an_exponential_tail():
    rng = np.random.default_rng(7)
    row = V.check_weight_spread(_pairs_with_counts(rng.geometric(1 / 20, 20_000)))[0]
    assert row.status == "fail" and row.value < 1.5, row


def test_weight_spread_fails_on_two_narrow_modes_despite_a_high_cv():
    # CV alone would pass (about 2.5); the tail is Poisson, so the Hill index is large
    rng = np.random.default_rng(8)
    w = np.where(rng.random(20_000) < 0.9, 1 + rng.poisson(1, 20_000),
                 rng.poisson(100, 20_000))
    w = np.maximum(w, 1)
    row = V.check_weight_spread(_pairs_with_counts(w))[0]
    assert row.value >= 1.5 and row.status == "fail", row


def test_hill_index_recovers_a_pareto_exponent():
    rng = np.random.default_rng(9)
    x = rng.random(200_000) ** (-1 / 1.5)
    assert P.hill_tail_index(x, 0.01) == pytest.approx(1.5, rel=0.1)


# ------------------------------------------------------------------ P6–P7 weight and topology

def test_weak_first_removal_fragments_sooner(community):
    row = V.check_fragmentation(community)[0]
    assert row.status == "pass" and row.value >= 0.3, row


def test_fragmentation_fails_when_strong_ties_are_the_bridges():
    row = V.check_fragmentation(community_windows(strong_bridges=True))[0]
    assert row.status == "fail" and row.value < 0, row


def test_overlap_rises_with_weight(community):
    row = V.check_overlap(community)[0]
    assert row.status == "pass", row


@pytest.mark.parametrize("variant", ["shuffle_weights", "strong_bridges"])
def test_overlap_fails_when_weight_ignores_or_opposes_overlap(variant):
    row = V.check_overlap(community_windows(**{variant: True}))[0]
    assert row.status == "fail", row


def test_rising_needs_more_than_the_correlation():
    # two groups: a high ρ, but overlap falls over the top bins
    assert P.steps_down([0.1, 0.2, 0.3, 0.25, 0.2, 0.15]) == 3
    assert P.steps_down([0.1, 0.2, 0.3, 0.4]) == 0


# ------------------------------------------------------------------ P8–P9 transmission

def test_mutual_contacts_inverted_u(community):
    row = V.check_mutual(deliveries(community, bump))[0]
    assert row.status == "pass", row


@pytest.mark.parametrize("rate", [
    lambda m, w: 0.02 + 0.05 * m,           # the most embedded carry most
    lambda m, w: np.full(m.size, 0.2),      # flat: an interior argmax by chance must not pass
])
def test_mutual_contacts_fails_without_an_inverted_u(community, rate):
    row = V.check_mutual(deliveries(community, rate))[0]
    assert row.status == "fail", row


def test_intensity_weakest_ties_carry_most(community):
    row = V.check_intensity(deliveries(community, lambda m, w: 0.4 / (1 + w / 10)))[0]
    assert row.status == "pass" and row.value > 1, row


def test_intensity_fails_when_strong_ties_carry_most(community):
    row = V.check_intensity(deliveries(community, lambda m, w: 0.004 * w))[0]
    assert row.status == "fail" and row.value < 1, row


def test_deliveries_are_counted_per_tie_either_direction():
    snap = pd.DataFrame({"a": [1, 1], "b": [2, 3], "contacts": [5, 1]})
    d = P.Deliveries(snap, [1, 2, 3, 4], pd.DataFrame({"sender": [2, 1, 1, 3, 4],
                                                       "recipient": [1, 2, 3, 2, 1]}))
    ties = P.tie_deliveries(d).set_index(["a", "b"])
    assert ties.loc[(1, 2), "delivered"] == 2 and ties.loc[(1, 3), "delivered"] == 1
    assert ties.loc[(1, 2), "mutual"] == 0 and ties.attrs["untied"] == 2


# ------------------------------------------------------------------ P10 bridges

def test_bridges_decay_faster(community):
    row = V.check_bridges(community)[0]
    assert row.status == "pass" and row.value >= 3, row


def test_bridges_fail_when_every_tie_decays_alike():
    row = V.check_bridges(community_windows(bridge_gone=0.2, embedded_gone=0.2))[0]
    assert row.status == "fail" and row.value < 1.5, row


def test_ties_alive_overrides_contact_for_gone():
    cw = community_windows(300)
    alive = cw.contacts[["window", "a", "b"]]  # every tie of window 1 alive, plus window 0's
    kept = alive.assign(window=1)
    cw2 = P.ContactWindows(cw.contacts, cw.people, ties_alive=pd.concat([alive, kept]))
    gone_contact = P.tie_survival(cw, 0)["gone"].mean()
    gone_alive = P.tie_survival(cw2, 0)["gone"].mean()
    assert gone_contact > 0.05 and gone_alive == 0.0


# ------------------------------------------------------------------ P11 mixers

def test_mixers_known_faces_at_the_published_factor():
    row = V.check_mixers(mixers(1 / 3, 2.0))[0]  # ≈ ½ of encounters, ⅓ known: 1.5×
    assert row.status == "pass" and 1.3 <= row.value <= 1.7, row


@pytest.mark.parametrize("known_share, seek", [(0.1, 20.0), (1 / 3, 1.0)])
def test_mixers_fail_when_known_faces_are_sought_7x_or_ignored(known_share, seek):
    row = V.check_mixers(mixers(known_share, seek))[0]
    assert row.status == "fail", row


# ------------------------------------------------------------------ P12 selection vs influence

def test_selection_dominates():
    for influence in (0.0, 0.1):
        row = V.check_selection(selection(select=1.0, influence=influence))[0]
        assert row.status == "pass" and row.value > 0.9, row


def test_selection_fails_when_similarity_arises_after_tying():
    row = V.check_selection(selection(select=0.0, influence=0.6))[0]
    assert row.status == "fail" and row.value < 0.2, row


def test_selection_fails_when_influence_outweighs_some_selection():
    # 30% of ties selected (excess similarity ≈ 0.05), influence then closes 84% of the
    # remaining squared gap (≈ 0.1): influence share ≈ 2/3
    row = V.check_selection(selection(select=0.3, influence=0.6))[0]
    assert row.status == "fail" and 0.2 < row.value < 0.5, row


def test_selection_ignores_drift_that_is_the_same_for_everyone():
    # pure selection with noise only: the squared-gap difference in differences is ≈ 0
    g0, g1 = P.stage_gaps(selection(select=1.0, influence=0.0).tied)
    b0, b1 = P.stage_gaps(selection(select=1.0, influence=0.0, seed=6).baseline)
    _, inf, _ = P.selection_influence(g0, g1, b0, b1)
    assert abs(inf) < 0.01


# ------------------------------------------------------------------ the suite

def test_run_patterns_marks_missing_data_not_measured():
    rows = V.run_patterns(V.PatternData())
    assert [r.check for r in rows] == [f"P{i}" for i in range(1, 13)]
    assert {r.status for r in rows} == {"not measured"}


def test_run_patterns_on_partial_data(community):
    rows = V.run_patterns(V.PatternData(mixers=mixers(1 / 3, 2.0)))
    assert status(rows, "P11") == "pass"
    assert sum(r.status == "not measured" for r in rows) == 11
    md = checks.to_markdown(rows, "Pattern suite", "test")
    assert "P11" in md and "1 pass, 0 fail, 0 not run, 11 not measured." in md


def test_tolerances_are_not_arguments():
    for name in dir(V):
        if name.startswith("check_"):
            params = set(inspect.signature(getattr(V, name)).parameters)
            assert len(params - {"seed"}) == 1, (name, params)  # the data, and the seed


def test_contract_refuses_malformed_tables():
    ok = pd.DataFrame({"window": [0], "a": [1], "b": [2], "contacts": [3]})
    P.ContactWindows(ok, [1, 2])
    with pytest.raises(ValueError, match="a < b"):
        P.ContactWindows(ok.assign(a=5), [1, 2])
    with pytest.raises(ValueError, match="≥ 1"):
        P.ContactWindows(ok.assign(contacts=0), [1, 2])
    with pytest.raises(ValueError, match="twice"):
        P.ContactWindows(pd.concat([ok, ok]), [1, 2])
    with pytest.raises(ValueError, match="lacks"):
        P.ContactWindows(ok.drop(columns="contacts"), [1, 2])


def _relabel(cw: P.ContactWindows, perm_seed: int) -> P.ContactWindows:
    c = cw.contacts
    pids = np.unique(np.concatenate([c["a"], c["b"], cw.people]))
    new = np.random.default_rng(perm_seed).permutation(pids.size) * 7 + 3
    m = dict(zip(pids.tolist(), new.tolist(), strict=True))
    a, b = c["a"].map(m).to_numpy(), c["b"].map(m).to_numpy()
    out = pd.DataFrame({"window": c["window"], "a": np.minimum(a, b), "b": np.maximum(a, b),
                        "contacts": c["contacts"]}).sample(frac=1.0, random_state=perm_seed % 2**31)
    return P.ContactWindows(out.reset_index(drop=True), [m[p] for p in cw.people])


@settings(max_examples=4, deadline=None)
@given(perm_seed=st.integers(0, 2**32 - 1))
def test_measures_do_not_depend_on_ids_or_row_order(perm_seed):
    for cw, fns in ((star_windows(40, 2, seed=11), (V.check_layers, V.check_churn,
                                                    V.check_weight_spread)),
                    (community_windows(300, seed=12), (V.check_overlap, V.check_bridges))):
        other = _relabel(cw, perm_seed)
        for fn in fns:
            for r1, r2 in zip(fn(cw), fn(other), strict=True):
                assert r1.value == pytest.approx(r2.value, rel=1e-9, nan_ok=True), fn.__name__


def test_rows_repeat_exactly_with_the_seed(community):
    data = V.PatternData(contacts=community, deliveries=deliveries(community, bump),
                         mixers=mixers(1 / 3, 2.0, events=3),
                         selection=selection(300, select=1.0, influence=0.0))
    first, again = V.run_patterns(data, seed=3), V.run_patterns(data, seed=3)
    assert [r.to_json() for r in first] == [r.to_json() for r in again]
    assert {r.check for r in first if r.status == "pass"} >= {"P6", "P7", "P8", "P10", "P11",
                                                               "P12"}
