"""The personal measures (studies/personal/measures.py) on stores with known answers."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jinmyaku.analysis import network
from jinmyaku.storage.personal import template
from jinmyaku.storage.personal.store import Store
from jinmyaku.studies.personal.measures import measure

pytestmark = pytest.mark.usefixtures("socket_disabled")
AS_OF = date(2025, 1, 1)


def store_with(tmp_path, people: str, log: str = "", knows: str = "") -> Store:
    s = Store(tmp_path / "me.sqlite")
    for name, text, reader in (("people.csv", people, template.read_people),
                               ("knows.csv", knows, template.read_knows),
                               ("log.csv", log, template.read_log)):
        if text:
            s.import_batch(reader(text, name), name, name)
    return s


@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=60),
       st.integers(2, 5))
@settings(max_examples=60, deadline=None)
def test_layer_membership_agrees_with_layer_sizes(w, k):
    m = network.layer_membership(w, k)
    sizes = network.layer_sizes(w, k)
    if sizes is None:
        assert m is None
        return
    assert np.cumsum(np.bincount(m, minlength=k)).tolist() == sizes.tolist()
    w = np.asarray(w)
    for layer in range(1, k):  # every inner layer is stronger than every outer one
        assert w[m == layer - 1].min() > w[m == layer].max()


def test_layers_from_stated_frequency(tmp_path):
    freq = ["daily"] * 3 + ["weekly"] * 6 + ["monthly"] * 5 + ["yearly"] * 6
    rows = "".join(f"P{i},{f}\n" for i, f in enumerate(freq))
    with store_with(tmp_path, "person,contact_frequency\n" + rows) as s:
        m = measure(s.tables(), AS_OF)
    L = m["layers"]
    assert (L["by"], L["k"], L["sizes"], L["measured"]) == ("frequency", 4, [3, 9, 14, 20], 20)
    assert [L["members"][i] for i in range(1, 21)] == \
        [0] * 3 + [1] * 6 + [2] * 5 + [3] * 6


def test_too_few_distinct_values_for_layers(tmp_path):
    with store_with(tmp_path, "person,closeness\nA,0.5\nB,0.5\n") as s:
        L = measure(s.tables(), AS_OF)["layers"]
    assert L["k"] == 0 and "at least two distinct values" in L["note"]


def test_closest_five_and_their_mean_stage(tmp_path):
    rows = ("A,0.9,0.8\nB,0.8,0.6\nC,0.7,\nD,0.6,0.4\nE,0.5,0.2\nF,0.4,1.0\nG,,\n")
    with store_with(tmp_path, "person,closeness,stage\n" + rows) as s:
        c = measure(s.tables(), AS_OF)["closest"]
    assert c["by"] == "closeness"
    assert [p["name"] for p in c["people"]] == ["A", "B", "C", "D", "E"]
    assert c["mean_stage"] == pytest.approx((0.8 + 0.6 + 0.4 + 0.2) / 4)
    assert c["with_stage"] == 4


PEOPLE = """person,how_met,when,ended
M1,mixer,2020-01-01,2020-07-01
M2,mixer,2020-01-01,2021-06-01
M3,mixer,2020-01-01,
M4,mixer,2020-01-01,
W1,workplace,2018-01-01,
W2,workplace,2018-01-01,
T1,meetup,2020-01-01,
X,,2020-01-01,
"""
LOG = """date,kind,person,duration,value,amount
2024-11-01,meeting,M3,1h,,
2024-12-01,meeting,M4,1h,,
2024-10-01,value,M4,,work,100
2024-10-02,value,M4,,client,50
2024-06-01,value,W1,,introduction,
2023-01-01,meeting,T1,2h,,
2024-02-01,value,X,,information,
"""


def test_retention_and_value_by_how_met(tmp_path):
    with store_with(tmp_path, PEOPLE, LOG) as s:
        m = measure(s.tables(), AS_OF)
    r = {x["origin"]: x for x in m["retention"]}
    # mixer: ended after 26 weeks and after 73.9 weeks; two censored at 2025-01-01
    assert (r["mixer"]["ties"], r["mixer"]["ended"]) == (4, 2)
    assert r["mixer"]["survival_1y"] == pytest.approx(0.75)
    assert r["mixer"]["median_years"] == pytest.approx(74 / 52)
    # meetup: last contact 2023-01-01, over a year before: ended then, after 156.6 weeks
    assert (r["meetup"]["ties"], r["meetup"]["ended"]) == (1, 1)
    assert r["meetup"]["survival_1y"] == pytest.approx(1.0)
    # the claims estimator reads the median on whole weeks up to the longest life
    # (156): S is still 1 there, so the median is not said
    assert r["meetup"]["median_years"] is None
    # workplace: W2 has no end and no contact record, so it says nothing
    assert (r["workplace"]["ties"], r["workplace"]["ended"]) == (1, 0)
    assert m["retention_unknown"] == 1
    v = {x["origin"]: x for x in m["value_by_origin"]}
    assert (v["mixer"]["pieces"], v["mixer"]["amount"]) == (2, 150.0)
    assert v["mixer"]["kinds"] == {"work": 1, "client": 1, "introduction": 0,
                                   "information": 0}
    assert v["workplace"]["kinds"]["introduction"] == 1
    assert v[None]["pieces"] == 1  # through X, whose origin is not given
    # per tie-year: 2 pieces over the mixer ties' exposure (birth to end or as_of)
    days = (182 + 517 + 2 * (AS_OF - date(2020, 1, 1)).days)
    assert v["mixer"]["per_tie_year"] == pytest.approx(2 / (days / 7 / 52))
    assert m["log"]["value"]["entries"] == 4 and m["log"]["meeting"]["hours"] == 2.0


def test_turnover_and_signature(tmp_path):
    people = "person\n" + "".join(f"P{i}\n" for i in range(20))
    log = ["date,kind,person"]
    top = {2022: ["P0", "P1", "P2", "P3", "P4"], 2023: ["P0", "P1", "P2", "P5", "P6"]}
    for year, names in top.items():
        for rank, name in enumerate(names):
            for d in range(5 - rank + 1):  # 6, 5, 4, 3, 2 days
                log.append(f"{year}-03-{d + 1:02d},meeting,{name}")
        for i in range(7, 19):  # twelve people seen once
            log.append(f"{year}-05-01,meeting,P{i}")
    log.append("2024-06-01,meeting,P0")  # the current year is not complete: left out
    with store_with(tmp_path, people, "\n".join(log) + "\n") as s:
        m = measure(s.tables(), date(2024, 7, 1))
    t = {r["year"]: r for r in m["turnover"]}
    assert sorted(t) == [2022, 2023]
    assert t[2022]["closest5_turnover"] is None
    assert t[2023]["closest5_turnover"] == pytest.approx(0.4)
    assert t[2023]["people"] == 17
    assert t[2023]["closest15_turnover"] == pytest.approx(2 / 15)
    assert t[2023]["signature_jsd"] == pytest.approx(0.0, abs=1e-12)  # the same shape


def test_brokerage_needs_who_knows_whom(tmp_path):
    with store_with(tmp_path, "person\nA\nB\nC\n") as s:
        b = measure(s.tables(), AS_OF)["brokerage"]
    assert b["present"] is False and "knows.csv" in b["sentence"]


def test_brokerage_values(tmp_path):
    with store_with(tmp_path, "person\nA\nB\nC\n", knows="person,knows\nA,B\n") as s:
        b = measure(s.tables(), AS_OF)["brokerage"]
    # Burt: effective size n − 2t/n = 3 − 2/3; constraint 2 (1/3 + 1/3·1/2)² + (1/3)²
    assert b["effective_size"] == pytest.approx(3 - 2 / 3)
    assert b["constraint"] == pytest.approx(2 * 0.25 + 1 / 9)
    assert b["local_bridges"] == 1 and b["named"] == 2


def test_fading_ties(tmp_path):
    people = ("person,contact_frequency\n" + "".join(f"W{i},weekly\n" for i in range(4))
              + "".join(f"Y{i},yearly\n" for i in range(4)))
    log = ("date,kind,person\n2024-12-20,meeting,W0\n2024-09-01,meeting,W1\n"
           "2024-03-01,meeting,Y0\n2022-06-01,meeting,Y1\n")
    with store_with(tmp_path, people, log) as s:
        m = measure(s.tables(), AS_OF, by="frequency")
    assert m["layers"]["k"] == 2
    fading = [(f["name"], f["days_since"], f["usual_days"]) for f in m["fading"]]
    # weekly: usual gap 7 days, 122 days since W1; yearly: 365 days, 945 since Y1
    assert fading == [("W1", 122, 7.0), ("Y1", 945, 365.0)]


def test_ended_ties_are_not_in_the_current_network(tmp_path):
    with store_with(tmp_path, "person,closeness,ended\nA,0.9,2020\nB,0.5,\nC,0.2,\n") as s:
        m = measure(s.tables(), AS_OF)
    assert m["current"] == 2 and m["layers"]["measured"] == 2
    assert [p["name"] for p in m["closest"]["people"]] == ["B", "C"]


@pytest.mark.parametrize("seed", range(6))
def test_constraint_is_networkx_constraint(seed):
    import networkx as nx

    rng = np.random.default_rng(seed)
    g = nx.gnp_random_graph(25, 0.15 + 0.05 * seed, seed=seed)
    g.add_node(25)  # an isolated node: NaN
    weighted = seed % 2 == 1
    for u, v in g.edges:
        g[u][v]["weight"] = float(rng.uniform(0.1, 2.0)) if weighted else 1.0
    a, b = zip(*g.edges, strict=True)
    w = [g[u][v]["weight"] for u, v in g.edges]
    e = network.make_edges(26, a, b, w)
    got = network.constraint(e)
    want = nx.constraint(g, weight="weight" if weighted else None)
    assert np.isnan(got[25]) and np.isnan(want[25])
    np.testing.assert_allclose(got[:25], [want[i] for i in range(25)], rtol=1e-12)
    np.testing.assert_array_equal(network.constraint(e, [3, 0]), [got[3], got[0]])
