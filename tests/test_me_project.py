"""``jinmyaku me project``: the person's network placed in a simulated world.

Sockets are blocked in every test here (pytest-socket). Worlds are tiny (a few hundred
people, one or two years) so that the whole file takes seconds.
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest
from me_files import me

from jinmyaku.errors import InputError
from jinmyaku.model import scenario as scenario_mod
from jinmyaku.model.engine import Simulation
from jinmyaku.model.processes.life_events import stays
from jinmyaku.model.world import SeedNetwork
from jinmyaku.storage.personal import sources
from jinmyaku.storage.personal.store import Store
from jinmyaku.studies.personal import projection as P

pytestmark = pytest.mark.usefixtures("socket_disabled")

# Five close people (closeness ≥ 0.85), others weaker; one known only by frequency,
# one known by nothing (left out), one ended (not current).
PEOPLE = """person,how_met,when,closeness,contact_frequency,stage,ended
Aiko Abe,workplace,2019,0.95,weekly,0.6,
Bunta Baba,activity,2020,0.9,weekly,0.7,
Chie Chiba,meetup,2021,0.9,,0.5,
Daichi Doi,family_school,2001,0.88,monthly,0.4,
Emi Endo,workplace,2018,0.85,,0.65,
Fumi Fujita,mixer,2023,0.3,yearly,0.2,
Goro Goto,referral,2022,0.4,,0.5,
Hana Hori,workplace,2017,0.5,monthly,,
Ichiro Ito,,,,monthly,0.3,
Jun Jo,mixer,2022,,,,
Kei Kato,workplace,2010,0.7,,0.4,2015
Mai Mori,activity,2021,0.6,,0.55,
"""
TINY = dict(scenario="small", people=240, years=(1, 2), replicates=3,
            strategies=("passive", "mixer", "grow"), as_of=date(2025, 1, 1))
CLI_TINY = ["--scenario", "small", "--people", "240", "--years", "1", "--replicates", "2",
            "--strategies", "passive,grow", "--as-of", "2025-01-01", "--quiet"]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("person")
    (folder / "people.csv").write_text(PEOPLE, encoding="utf-8")
    db = folder / "me.sqlite"
    with Store(db) as store:
        batch, digest = sources.read(folder / "people.csv")
        store.import_batch(batch, "people.csv", digest)
    return db


@pytest.fixture(scope="module")
def tables(store_path):
    with Store(store_path, create=False) as store:
        return store.tables()


@pytest.fixture(scope="module")
def result(tables):
    return P.project(tables, workers=0, **TINY)


def test_the_ego_network_keeps_what_the_model_can_take(tables):
    sc = P.projection_scenario("small", 240, 1, 1)
    ego = P.ego_network(tables, sc, date(2025, 1, 1))
    c = ego.counts
    assert c["current_people"] == 11  # Kei Kato's tie ended in 2015
    assert c["placed"] == 10 and c["left_out_nothing_known"] == 1  # Jun Jo
    assert c["weight_from_closeness"] == 9 and c["weight_from_frequency"] == 1
    assert c["by_origin"][P.NOT_GIVEN] == 1 and c["by_origin"]["workplace"] == 3
    # closeness 0.85 and above: the starting contacts of a drawn tie that close, 2·15^w
    assert ego.closest.sum() == 5 and (ego.contacts[ego.closest] >= 2 * 15 ** 0.85).all()
    assert list(ego.contacts) == sorted(ego.contacts, reverse=True)  # strongest first
    # monthly contact, no closeness: the strength that frequency holds, r / (1 − e^(−1/52))
    r = 12 / 52
    assert ego.contacts[~ego.closest].min() == pytest.approx(
        min(2 * 15 ** 0.3, r / (1 - np.exp(-1 / 52))))
    # your stage: the mean stage of your closest five as you see them
    assert ego.stage_self == pytest.approx(np.mean([0.6, 0.7, 0.5, 0.4, 0.65]))
    assert P.steady_contacts(52, 52.0) == pytest.approx(1 / (1 - np.exp(-1 / 52)))
    assert P.steady_contacts(0, 52.0) == 0.0


def test_placement_puts_ties_where_they_were_made_and_the_person_stays(tables):
    sc = scenario_mod.load(P.projection_scenario("small", 240, 2, 1), seed=P.replicate_seed(1, 0))
    ego = P.ego_network(tables, sc, date(2025, 1, 1))
    plan = P.place(sc, ego)
    e = plan.ego
    assert e not in plan.alters and np.unique(plan.alters).size == plan.alters.size
    sim = Simulation(sc, seed_network=SeedNetwork(
        a=np.full(plan.alters.size, e), b=plan.alters, weight=np.ones(plan.alters.size),
        contacts=plan.contacts, origin=plan.code,
        alone=np.arange(240) == e), interventions=[P._Start(plan, "grow")])
    w = sim.world
    # the person starts with their own ties only (no drawn family/school or workplace tie)
    assert w.ties.deg[e] == ego.size
    assert set(w.ties.nbr[e, :ego.size]) == set(plan.alters)
    workplace = [x for x, o in enumerate(ego.origin) if o == "workplace"]
    assert (w.people.workplace[plan.alters[workplace]] == w.people.workplace[e]).all()
    pid = w.people.pid[e]
    assert stays(sc.seed, np.array([pid]), sc.steps, sc.processes.life_events.leave)[0]
    sim.run(until=1)
    assert w.strategy_names[w.people.strategy[e]] == "grow"
    assert w.people.stage[e] == pytest.approx(ego.stage_self, abs=0.01)  # one week of change
    sim.run()
    assert w.people.pid[e] == pid  # still there at the end


def test_stays_agrees_with_the_life_events_process():
    sc = scenario_mod.load("small", ["population.people=300", "population.years=2",
                                     "cohorts.size=0", "processes.life_events.leave=0.01"])
    sim = Simulation(sc)
    pid0 = sim.world.people.pid.copy()
    kept = stays(sc.seed, pid0, sc.steps, 0.01)
    sim.run()
    np.testing.assert_array_equal(sim.world.people.pid == pid0, kept)
    assert 0 < kept.sum() < 300  # the check means something


def test_outcomes_have_sane_shapes(result):
    assert result["strategies"] == ["passive", "mixer", "grow"]
    assert result["years"] == [1, 2] and result["replicates"] == 3
    placed = result["you"]["placed"]
    for s in result["strategies"]:
        for y in ("1", "2"):
            out = result["outcomes"][s][y]
            for k in P.MEASURES:
                q = out[k]
                assert q["p10"] <= q["median"] <= q["p90"], (s, y, k)
            for row in result["runs"][s][y]:
                assert row["ties"] == row["kept"] + row["made"]
                assert row["kept"] <= placed
                assert sum(row["kept_by"]) == row["kept"] and sum(row["made_by"]) == row["made"]
                assert 0 <= row["closest_kept"] <= row["closest_tied"] <= 5
                assert row["opportunities"] >= 0 and 0 <= row["stage"] <= 1
                assert row["made_by"][P.CATEGORIES.index(P.NOT_GIVEN)] == 0
        # a tie kept from today cannot come back once it has ended
        for r1, r2 in zip(result["runs"][s]["1"], result["runs"][s]["2"], strict=True):
            assert r2["kept"] <= r1["kept"]


def test_strategies_differ_where_the_model_says_they_must(result):
    mixer = P.CATEGORIES.index("mixer")
    # passive attends no mixer, so it makes no mixer tie; the mixer strategy attends
    # one a week (6 encounters, 0.3 a new tie): dozens a year
    assert all(r["made_by"][mixer] == 0 for r in result["runs"]["passive"]["1"])
    assert all(r["made_by"][mixer] >= 10 for r in result["runs"]["mixer"]["1"])
    # growing raises your own stage above passive in every replicate (same world, same
    # random numbers: they differ by what you do alone)
    for g, p in zip(result["runs"]["grow"]["2"], result["runs"]["passive"]["2"], strict=True):
        assert g["stage"] > p["stage"]


@pytest.mark.parametrize("workers", [1, 2])
def test_the_same_seed_gives_the_same_result_in_process_or_on_workers(tables, result, workers):
    here = json.dumps(result, sort_keys=False)
    assert json.dumps(P.project(tables, workers=workers, **TINY), sort_keys=False) == here


def test_another_seed_gives_other_worlds(tables):
    other = P.project(tables, workers=0, **{**TINY, "replicates": 2, "years": (1,)},
                      seed=2)
    assert other["outcomes"] != P.project(
        tables, workers=0, **{**TINY, "replicates": 2, "years": (1,)})["outcomes"]


def test_the_command_prints_ranges_and_json_byte_for_byte(store_path, capsys):
    code, out, err = me(capsys, "project", "--db", str(store_path), *CLI_TINY, "--workers", "0")
    assert code == 0, err
    assert "median (10–90% range)" in out and "In 1 year" in out and "grow" in out
    code, a, _ = me(capsys, "project", "--db", str(store_path), *CLI_TINY, "--json",
                    "--workers", "0")
    assert code == 0
    code, b, _ = me(capsys, "project", "--db", str(store_path), *CLI_TINY, "--json",
                    "--workers", "2")
    assert code == 0 and a == b
    assert not any(name in a for name in ("Aiko", "Abe", "Jun Jo"))  # numbers, not names
    data = json.loads(a)
    assert set(data["outcomes"]) == {"passive", "grow"}


@pytest.mark.parametrize(("args", "words"), [
    (["--strategies", "passive,networking"], "'networking' is not a strategy"),
    (["--strategies", "passive,,grow"], "empty name"),
    (["--strategies", "grow,grow"], "named twice"),
    (["--years", "0"], "whole years"),
    (["--years", "1.5"], "whole years"),
    (["--replicates", "1"], "at least 2"),
    (["--stage", "1.5"], "from 0 to 1"),
    (["--scenario", "kumpula2007"], "strategies mean nothing"),
    (["--people", "5"], "at least 10"),
    (["--seed", "-1"], "from 0 to 2**63 - 1"),
    (["--workers", "-1"], "--workers -1"),
])
def test_bad_options_are_refused_with_exit_2(store_path, capsys, args, words):
    base = ["--scenario", "small", "--people", "240", "--years", "1", "--replicates", "2",
            "--as-of", "2025-01-01", "--quiet", "--workers", "0"]
    code, out, err = me(capsys, "project", "--db", str(store_path), *base, *args)
    assert code == 2
    assert words in " ".join((out + err).split()), out + err
    assert "Traceback" not in out + err


def test_an_empty_store_or_one_with_nothing_to_place_is_refused(tmp_path, capsys):
    db = tmp_path / "empty.sqlite"
    Store(db).close()
    code, out, err = me(capsys, "project", "--db", str(db), *CLI_TINY, "--workers", "0")
    assert code == 2 and "nobody in it" in " ".join(err.split())
    (tmp_path / "people.csv").write_text("person,how_met\nJun Jo,mixer\n", encoding="utf-8")
    assert me(capsys, "import", "--db", str(db), str(tmp_path / "people.csv"))[0] == 0
    code, out, err = me(capsys, "project", "--db", str(db), *CLI_TINY, "--workers", "0")
    assert code == 2 and "can be placed" in " ".join(err.split())


def test_a_network_larger_than_the_world_is_refused(tables):
    with pytest.raises(InputError, match="--people"):
        P.project(tables, workers=0, **{**TINY, "people": 20})
