"""Property-based fuzz of the scenario loader and the ``--set KEY=VALUE`` parser:
whatever the text, the outcome is a valid Scenario or an InputError, never another
exception (issue 15)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jinmyaku.errors import InputError
from jinmyaku.model.scenario import Scenario, load

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

KEYS = ["name", "description", "seed", "population.people", "population.years",
        "population.steps", "population.stage_beta", "population.initial_contacts",
        "cohorts.size", "cohorts.strategies", "strategies.mixer.mixer", "strategies.new",
        "background", "background.passive", "schedule", "processes.mixers.encounters",
        "processes.kumpula.delta", "processes", "population", "strategies", "seed.x"]
LITERALS = ["inf", "-inf", "nan", "+nan", "1e999", "-0", "0x10", "0b1", "1_000", "true",
            "'x'", '"../x"', '"a\\u0000b"', "[1, 2]", "[inf, 5.0]", "{a = 1}", "[", "{",
            "]", "1979-05-27", "1979-02-30", "07:32:00", "'[/x]'", "[[1], [2]]", "{}",
            "[]", "''", "9" * 40, "-" + "9" * 40, "'''", '"""', "#", "=", "[" * 2000,
            "{a=" * 500, "1\nx = 2", "\x00", "\ufeff", "['passive', 'passive']"]
# the literals twice as often as arbitrary text: they are where the edge cases are
ATOMS = st.one_of(st.sampled_from(LITERALS), st.sampled_from(LITERALS), st.text(max_size=20),
                  st.integers().map(str), st.floats().map(repr))
VALUES = st.one_of(ATOMS, st.lists(ATOMS, max_size=3).map(lambda v: "[" + ", ".join(v) + "]"))
KEY_TEXT = st.one_of(st.sampled_from(KEYS), st.text(max_size=15),
                     st.lists(st.sampled_from(KEYS + ["", "[/x]", "0", "a b"]), min_size=1,
                              max_size=3).map(".".join))
OVERRIDES = st.lists(st.one_of(st.tuples(KEY_TEXT, VALUES).map("=".join), st.text(max_size=20)),
                     max_size=4)

LINES = st.one_of(
    st.tuples(KEY_TEXT, VALUES).map(lambda kv: f"{kv[0]} = {kv[1]}"),
    st.sampled_from(["[population]", "[processes.mixers]", "[strategies.x]", "[[schedule]]",
                     "[cohorts]", "[", "# comment", "", "\ufeff", "[population]\npeople = 300",
                     'name = "small"', "people = 300", "years = 0.1"]),
    st.text(max_size=30))
FILES = st.one_of(st.text(max_size=200), st.lists(LINES, max_size=8).map("\n".join))


def _outcome(source, overrides) -> None:
    try:
        sc = load(source, overrides)
    except InputError as e:
        assert str(e)
    else:
        assert isinstance(sc, Scenario)


@SETTINGS
@given(overrides=OVERRIDES, source=st.sampled_from(["small", "default", "kumpula2007"]))
@example(overrides=["description=" + "[" * 2000], source="small")  # found: RecursionError
@example(overrides=["population.people=500000000"], source="kumpula2007")
def test_overrides_give_a_scenario_or_an_input_error(overrides, source):
    _outcome(source, overrides)


@SETTINGS
@given(overrides=OVERRIDES)
def test_overrides_of_a_scenario_object_give_a_scenario_or_an_input_error(overrides):
    _outcome(SMALL, overrides)


@SETTINGS
@given(text=FILES, bom=st.booleans(), overrides=st.one_of(st.just([]), OVERRIDES))
@example(text="x = " + "[" * 2000, bom=False, overrides=[])  # found: RecursionError
@example(text="", bom=True, overrides=[])
def test_files_give_a_scenario_or_an_input_error(text, bom, overrides):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.toml"
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"")
                         + text.encode("utf-8", errors="surrogatepass"))
        _outcome(path, overrides)


SMALL = load("small")
