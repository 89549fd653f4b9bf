"""Scenario validation, --set parsing, built-in scenarios, TOML round trip."""

from __future__ import annotations

import tomllib

import pytest

import jinmyaku
from jinmyaku.errors import InputError
from jinmyaku.model.scenario import (
    DEFAULT_SCHEDULE,
    KUMPULA_PROCESSES,
    Scenario,
    apply_overrides,
    builtin_names,
    builtin_text,
    load,
    parse_value,
)

SMALL_SOURCE = "built-in scenario 'small'"

# (override, words the message must contain: the key path and what went wrong)
BAD_OVERRIDES = [
    pytest.param("population.peeple=3", ["population.peeple", "unknown key"], id="unknown-key"),
    pytest.param("processes.mixers.encounter=3", ["processes.mixers.encounter", "unknown key"],
                 id="unknown-nested-key"),
    pytest.param("population.people='many'", ["population.people", "integer"], id="wrong-type"),
    pytest.param("population.years=[1, 2]", ["population.years", "number"], id="wrong-type-list"),
    pytest.param("population.people=5", ["population.people", "greater than or equal to 10"],
                 id="below-range"),
    pytest.param("processes.mixers.seek_known=1.5",
                 ["processes.mixers.seek_known", "less than or equal to 1"], id="above-range"),
    pytest.param("population.years=0", ["population.years", "greater than 0"], id="zero-years"),
    pytest.param("background={passive = 0.5, mixer = 0.4}",
                 ["background", "add up to 0.9", "must add up to 1"], id="background-sum"),
    pytest.param("cohorts.strategies=['passive', 'networking']", ["'networking'", "not defined"],
                 id="unknown-cohort-strategy"),
    pytest.param("schedule=['budget', 'dancing']", ["schedule.1", "not allowed", "'budget'"],
                 id="unknown-process"),
    pytest.param("schedule=['budget', 'budget']", ["schedule", "twice"], id="process-twice"),
    pytest.param("strategies.all_in={mixer = 0.8, meetup = 0.8}",
                 ["strategies.all_in", "add up to 1.6"], id="strategy-over-one"),
    pytest.param("cohorts.size=100", ["cohorts.size", "300"], id="cohorts-too-big"),
    pytest.param("seed=-1", ["seed", "greater than or equal to 0"], id="negative-seed"),
]


@pytest.mark.parametrize(("override", "words"), BAD_OVERRIDES)
def test_bad_values_raise_input_error_naming_source_and_key(override, words):
    with pytest.raises(InputError) as err:
        load("small", ["population.people=300", override])
    msg = str(err.value)
    assert msg.startswith(SMALL_SOURCE), msg
    for word in words:
        assert word in msg, (word, msg)
    assert "Traceback" not in msg and "\n" not in msg  # one paragraph


@pytest.mark.parametrize(("override", "key"), [
    ("cohorts.strategies=['passive', 'networking']", "cohorts.strategies"),
    ("background={networking = 1.0}", "background"),
])
def test_unknown_strategy_error_names_its_key_path(override, key):
    with pytest.raises(InputError) as err:
        load("small", [override])
    msg = str(err.value)
    assert f"{key}:" in msg or f"{key}." in msg, msg


def test_errors_in_a_file_name_the_file(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\n[population]\npeople = 300\nyears = -1\ncolour = "red"\n')
    with pytest.raises(InputError) as err:
        load(path)
    msg = str(err.value)
    assert msg.startswith(str(path))
    assert "population.years" in msg and "population.colour" in msg  # every problem, at once
    assert "with --set overrides" not in msg
    with pytest.raises(InputError) as err:
        load(path, ["population.years=1", "population.colour=1"])
    assert "with --set overrides" in str(err.value)


def test_unreadable_and_malformed_sources(tmp_path):
    with pytest.raises(InputError, match="no such scenario file"):
        load(tmp_path / "missing.toml")
    with pytest.raises(InputError, match="neither a built-in scenario"):
        load("no-such-scenario")
    bad = tmp_path / "bad.toml"
    bad.write_text("[population\npeople = 3\n")
    with pytest.raises(InputError, match="not valid TOML") as err:
        load(bad)
    assert str(bad) in str(err.value)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00name")
    with pytest.raises(InputError, match="cannot read"):
        load(binary)
    with pytest.raises(InputError):
        load(tmp_path)  # a folder, not a file


# ----------------------------------------------------------------- --set parsing


@pytest.mark.parametrize(("text", "value"), [
    ("4", 4), ("0.25", 0.25), ("true", True), ("[1, 2]", [1, 2]), ('"quoted"', "quoted"),
    ("plain words", "plain words"), ("['a', 'b']", ["a", "b"]), ("1e3", 1000.0),
    ("{a = 1}", {"a": 1}),
])
def test_parse_value_reads_toml_literals_else_strings(text, value):
    assert parse_value(text) == value
    assert type(parse_value(text)) is type(value)


def test_apply_overrides_sets_nested_keys():
    raw = {"population": {"people": 10}}
    out = apply_overrides(raw, ["population.people=20", "processes.mixers.encounters=4",
                                " seed = 7 ", "description=a=b", "population.people=30"])
    assert out["population"] == {"people": 30}  # later overrides win
    assert out["processes"] == {"mixers": {"encounters": 4}}
    assert out["seed"] == 7 and out["description"] == "a=b"


@pytest.mark.parametrize(("item", "words"), [
    ("population.people", ["expected KEY=VALUE"]),
    ("=5", ["key is empty"]),
    ("...=5", ["key is empty"]),
    ("seed.x=1", ["'seed'", "not a table"]),
])
def test_apply_overrides_rejects_bad_forms(item, words):
    with pytest.raises(InputError) as err:
        apply_overrides({"seed": 1}, [item])
    msg = str(err.value)
    assert repr(item) in msg
    for word in words:
        assert word in msg


def test_overrides_reach_the_scenario():
    sc = load("small", ["processes.mixers.encounters=4", "population.fields=7", "seed=9"])
    assert sc.processes.mixers.encounters == 4
    assert sc.population.fields == 7 and sc.seed == 9
    base = load("small")
    assert base.processes.mixers.encounters == Scenario().processes.mixers.encounters


def test_set_one_parameter_of_a_default_strategy():
    sc = load("small", ["strategies.mixer.mixer=0.5"])
    assert sc.strategies["mixer"].mixer == 0.5
    assert set(sc.strategies) == set(Scenario().strategies)


# ----------------------------------------------------------------- built-ins, round trip


def test_builtin_names():
    names = builtin_names()
    assert {"default", "small"} <= set(names)
    assert names == sorted(names)


@pytest.mark.parametrize("name", builtin_names())
def test_every_builtin_validates_and_round_trips(name, tmp_path):
    sc = load(name)
    assert sc.name == name
    assert tomllib.loads(builtin_text(name))["name"] == name
    assert sc.steps >= 1
    assert sorted(sc.schedule) in (sorted(DEFAULT_SCHEDULE), sorted(KUMPULA_PROCESSES))
    path = tmp_path / f"{name}-copy.toml"
    path.write_text(sc.to_toml(resolved=False), encoding="utf-8")
    assert load(path) == sc
    path.write_text(sc.to_toml(), encoding="utf-8")  # derived values written out
    assert load(path).resolved() == sc.resolved()


def test_to_toml_round_trips_a_changed_scenario(tmp_path):
    raw = load("small").model_dump()
    raw["strategies"]["solo"] = {"input": 1.0}
    raw["cohorts"]["strategies"] = ["solo"]
    raw["background"] = {"solo": 0.5, "passive": 0.5}
    raw["description"] = 'two\nlines "quoted" 人脈'
    sc = Scenario.model_validate(apply_overrides(raw, [
        "population.stage_beta=[3.0, 4.0]", "schedule=['budget', 'input']",
        "seed=123456789012"]))
    path = tmp_path / "changed.toml"
    path.write_text(sc.to_toml(), encoding="utf-8")
    back = load(path)
    assert back == sc
    assert back.population.stage_beta == (3.0, 4.0) and back.schedule == ["budget", "input"]
    assert back.description == 'two\nlines "quoted" 人脈' and back.seed == 123456789012


def test_run_accepts_a_scenario_object_with_overrides():
    sc = load("small", ["population.people=100", "cohorts.size=5", "population.years=0.05",
                        "schedule=['budget', 'input']"])
    res = jinmyaku.run(sc, seed=4, overrides=["processes.input.rate=0"])
    assert res.scenario.seed == 4 and res.scenario.processes.input.rate == 0
    assert (res.people["knowledge"] == 0).all()
    assert len(res.people) == 100


@pytest.mark.parametrize("override", ["population.years=true", "cohorts.size=true"])
def test_a_boolean_is_not_a_number(override):
    with pytest.raises(InputError):
        load("small", ["population.people=300", override])


def test_a_run_that_cannot_fit_in_memory_is_refused_before_it_starts(monkeypatch):
    """The estimate is checked before the world is built; the message names the largest fit."""
    from jinmyaku.errors import InputError
    from jinmyaku.storage import memory
    from jinmyaku.studies.results import simulation

    sc = jinmyaku.load("small")
    need = memory.estimate(sc)
    monkeypatch.setattr(memory, "available", lambda: need - 1)
    built = []
    monkeypatch.setattr("jinmyaku.model.world.build", lambda s, **kw: built.append(s))
    with pytest.raises(InputError) as err:
        simulation(sc)
    assert not built  # refused before any work
    msg = str(err.value)
    largest = int(msg.split("--people ")[1].split(")")[0])
    assert largest < sc.population.people
    fits = jinmyaku.load("small", [f"population.people={largest}", "cohorts.size=1"])
    assert memory.estimate(fits) <= need - 1


def test_memory_estimate_grows_with_people_and_years():
    from jinmyaku.storage import memory

    base = memory.estimate(jinmyaku.load("small"))
    more_people = memory.estimate(jinmyaku.load("small", ["population.people=2000"]))
    more_years = memory.estimate(jinmyaku.load("small", ["population.years=2"]))
    assert base < more_people and base < more_years


def test_the_seed_is_an_integer_keyword_applied_after_overrides():
    assert load("small", seed=11).seed == 11
    assert load("small", ["seed=9"], seed=11).seed == 11
    assert load("small", ["seed=9"]).seed == 9
    sc = load("small", ["population.people=400"])
    changed = load(sc, ["population.years=0.5"], seed=3)  # a Scenario can be changed too
    assert (changed.seed, changed.population.people, changed.population.years) == (3, 400, 0.5)
    assert sc.seed == 1  # the original is left as it was
    for bad in ("7", 1.5, True, -1, 2**63):
        with pytest.raises(InputError, match="seed"):
            load("small", seed=bad)


def test_cohort_size_follows_the_population_unless_given():
    from jinmyaku.model.scenario import default_cohort_size

    assert load("default").cohorts.size is None and load("default").cohort_size == 500
    assert load("default", ["population.people=2000"]).cohort_size == 200
    assert load("default", ["population.people=100000"]).cohort_size == 500  # capped
    assert load("default", ["population.people=2000", "cohorts.size=30"]).cohort_size == 30
    assert load("small").cohort_size == 50  # given in the file
    assert load("small", ["population.people=5000"]).cohort_size == 50
    assert default_cohort_size(1000, 0) == 500 and default_cohort_size(999, 5) == 99
    # a run's scenario.toml records the size used, and loads back the same
    sc = load("default", ["population.people=2000"])
    assert "size = 200" in sc.to_toml()
    assert Scenario.model_validate(tomllib.loads(sc.to_toml())) == load(
        "default", ["population.people=2000", "cohorts.size=200"])
    # changing the population of a loaded scenario moves its derived cohorts along
    assert load(load("default"), ["population.people=3000"]).cohort_size == 300


# ----------------------------------------------------------------- hostile inputs (issue 15)


def _toml_string(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escapes are TOML's: NUL as \\u0000)."""
    import json

    return json.dumps(text)


@pytest.mark.parametrize("name", [
    "../../escaped", "/tmp/absolute", "a\x00b", "", ".hidden", "..", "-option", "two words",
    "C:\\windows", "x" * 101, "tab\there",
])
def test_a_scenario_name_is_a_name_not_a_path(name, tmp_path):
    """The name makes the default run folder runs/NAME-seedN: no path, NUL or dot-name."""
    with pytest.raises(InputError) as err:
        load("small", [f"name={_toml_string(name)}"])
    msg = str(err.value)
    assert "name: " in msg and "letters, digits, '-', '_' and '.'" in msg, msg
    assert "\n" not in msg
    path = tmp_path / "s.toml"  # the same from a file
    path.write_text(f"name = {_toml_string(name)}\n", encoding="utf-8")
    with pytest.raises(InputError, match="it names the run folder"):
        load(path)


@pytest.mark.parametrize("name", ["人脈", "my-run_2", "v1.2", "_draft", "x" * 100, "2026.12"])
def test_names_in_any_script_with_dots_dashes_and_underscores_are_allowed(name):
    assert load("small", [f"name={_toml_string(name)}"]).name == name


def test_the_run_command_refuses_a_path_name_before_writing(tmp_path, monkeypatch, capsys):
    from jinmyaku.faces import cli

    cwd = tmp_path / "a" / "b"
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)  # runs/../../escaped-seed1 would be tmp_path/a/escaped-seed1
    (tmp_path / "scenario.toml").write_text('name = "../../escaped"\n')
    before = sorted(tmp_path.rglob("*"))
    assert cli.main(["run", str(tmp_path / "scenario.toml"), "-q"]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.parametrize(("override", "key"), [
    ("population.stage_beta=[inf, 5.0]", "population.stage_beta.0"),
    ("population.years=nan", "population.years"),
    ("processes.mixers.seek_known=nan", "processes.mixers.seek_known"),
    ("processes.input.rate=-inf", "processes.input.rate"),
    ("strategies.mixer.mixer=nan", "strategies.mixer.mixer"),
    ("background.passive=inf", "background.passive"),
    ("population.initial_contacts=[2.0, nan]", "population.initial_contacts.1"),
    ("processes.kumpula.delta=inf", "processes.kumpula.delta"),
])
def test_non_finite_numbers_are_refused_naming_the_key(override, key):
    with pytest.raises(InputError) as err:
        load("small", [override])
    msg = str(err.value)
    assert f"{key}: " in msg and "is not a finite number" in msg, msg


def test_non_finite_numbers_in_a_file_are_refused(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\n[population]\nstage_beta = [inf, 5.0]\nyears = nan\n')
    with pytest.raises(InputError) as err:
        load(path)
    msg = str(err.value)
    assert "population.stage_beta.0: inf is not a finite number" in msg
    assert "population.years: nan is not a finite number" in msg


def test_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'name = "bom"\n[population]\npeople = 300\n')
    sc = load(path)
    assert sc.name == "bom" and sc.population.people == 300


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "\ufeff"])
def test_an_empty_scenario_file_is_refused(tmp_path, text):
    path = tmp_path / "empty.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: the scenario file is empty"), msg
    with pytest.raises(InputError, match="is empty"):  # overrides do not make it a scenario
        load(path, ["population.people=300"])


def test_dev_null_is_an_empty_scenario_file():
    from pathlib import Path

    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null")
    with pytest.raises(InputError, match="/dev/null: the scenario file is empty"):
        load("/dev/null")


def test_a_nul_in_a_scenario_path_is_an_input_error():
    with pytest.raises(InputError):
        load("a\x00b.toml")


def test_a_population_above_the_cap_names_the_cap():
    from jinmyaku.model import scenario

    with pytest.raises(InputError) as err:
        load("default", ["population.people=500000000"])
    msg = str(err.value)
    assert "population.people: 500,000,000 people is above the cap of 5,000,000" in msg, msg
    assert scenario.PEOPLE_CAP == 5_000_000


def test_a_population_above_the_cap_names_what_fits_when_memory_is_tighter(monkeypatch):
    from jinmyaku.model import scenario
    from jinmyaku.storage import memory

    monkeypatch.setattr(scenario, "_cap_advisers", [memory.cap_advice])  # as the CLI does

    limit = memory.estimate(load("default", ["population.people=200000"]))
    monkeypatch.setattr(memory, "available", lambda: limit)
    with pytest.raises(InputError) as err:
        load("default", ["population.people=500000000"])
    msg = str(err.value)
    assert "above the cap of 5,000,000" in msg and "memory is the tighter limit" in msg, msg
    fits = int(msg.split("--people ")[1].split(")")[0])
    assert 150_000 < fits < 250_000
    assert memory.estimate(load("default", [f"population.people={fits}"])) <= limit
    monkeypatch.setattr(memory, "available", lambda: 2**50)  # the cap is the limit
    with pytest.raises(InputError) as err:
        load("default", ["population.people=500000000"])
    assert "--people 5000000" in str(err.value) and "tighter" not in str(err.value)


def test_the_memory_message_names_the_knob_of_the_horizon(monkeypatch):
    """kumpula2007's horizon is population.steps, not --years."""
    from jinmyaku.storage import memory

    kumpula = load("kumpula2007")
    with pytest.raises(InputError) as err:
        memory.check(kumpula, limit=memory.estimate(kumpula) - 1)
    msg = str(err.value)
    assert "10,000 steps" in msg and "population.steps" in msg and "--years" not in msg, msg
    small = load("small")
    with pytest.raises(InputError) as err:
        memory.check(small, limit=memory.estimate(small) - 1)
    assert "1 years" in str(err.value) and "--years" in str(err.value)


@pytest.mark.parametrize(("override", "verbatim"), [
    ("population.[/x]=1", "population.[/x]"),
    ("cohorts.strategies=['[strategies]']", "'[strategies]'"),
    ("description.[bold]x=1", "'description'"),
    ("[/x]=1", "[/x]: unknown key"),
    ("name='[red]x[/red]'", "'[red]x[/red]'"),
])
def test_user_text_is_kept_verbatim_in_messages(override, verbatim):
    """Messages hold the user's text as typed (markup such as [/x] is escaped where
    they are printed, never in the message)."""
    with pytest.raises(InputError) as err:
        load("small", [override])
    assert verbatim in str(err.value), str(err.value)
    assert "\\[" not in str(err.value)


def test_user_text_in_a_file_name_is_kept_verbatim(tmp_path):
    path = tmp_path / "[strategies].toml"
    path.write_text("[population\n")
    with pytest.raises(InputError) as err:
        load(path)
    assert str(err.value).startswith(f"{path}: not valid TOML")
