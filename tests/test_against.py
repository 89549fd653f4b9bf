"""``validate --against`` and ``calibrate --against`` (issue 16, point 4): edge-list forms
and their errors, several seeds, the fit's reach, its warnings, observed groups held fixed."""

from __future__ import annotations

import itertools
import json
import math
import tempfile
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jinmyaku
from jinmyaku.analysis import network as S
from jinmyaku.errors import InputError
from jinmyaku.faces import cli
from jinmyaku.faces.cli import main
from jinmyaku.model import rng
from jinmyaku.studies.validation import calibrate as cal
from jinmyaku.studies.validation import observed as O

# ------------------------------------------------------------------ forms of edge list


def write_forms(folder: Path, src: list[str], dst: list[str], w: list[int] | None
                ) -> dict[str, Path]:
    """The same ties in every form read_edges takes (names without spaces or commas)."""
    rows = list(zip(src, dst, w, strict=True)) if w else list(zip(src, dst, strict=True))
    head = ["source", "target"] + (["weight"] if w else [])
    out = {}

    def put(name: str, text: str) -> None:
        out[name] = folder / name
        out[name].write_text(text)

    put("header.csv", "\n".join(",".join(map(str, r)) for r in [head, *rows]) + "\n")
    put("bare.csv", "\n".join(",".join(map(str, r)) for r in rows) + "\n")
    put("ties.tsv", "# a comment\n" + "\n".join("\t".join(map(str, r)) for r in rows) + "\n")
    put("ties-header.tsv", "\n".join("\t".join(map(str, r)) for r in [head, *rows]) + "\n")
    put("ties.txt", "# SNAP-like\n\n" + "\n".join("  ".join(map(str, r)) for r in rows))
    put("ties.edges", "% KONECT-like\n" + "\n".join(" ".join(map(str, r)) for r in rows) + "\n")
    g = nx.MultiGraph()
    for r in rows:
        g.add_edge(r[0], r[1], **({"weight": r[2]} if w else {}))
    nx.write_graphml(g, folder / "ties.graphml")
    out["ties.graphml"] = folder / "ties.graphml"
    return out


NAMES = st.text("abcdefgxyz0123456789_-.", min_size=1, max_size=4).filter(
    lambda s: s.lower() not in O.HEADER_WORDS)


@st.composite
def networks(draw):
    names = draw(st.lists(NAMES, min_size=2, max_size=8, unique=True))
    pairs = draw(st.lists(st.tuples(st.sampled_from(names), st.sampled_from(names))
                          .filter(lambda p: p[0] != p[1]), min_size=1, max_size=15))
    weighted = draw(st.booleans())
    w = draw(st.lists(st.integers(1, 9), min_size=len(pairs), max_size=len(pairs))) \
        if weighted else None
    return [p[0] for p in pairs], [p[1] for p in pairs], w


@settings(max_examples=40, deadline=None)
@given(networks())
def test_every_form_reads_the_same_network(net):
    """CSV with and without header, TSV, whitespace text and GraphML: identical Edges
    (repeated pairs, in either order, add up; integer weights add up exactly)."""
    src, dst, w = net
    with tempfile.TemporaryDirectory() as d:
        files = write_forms(Path(d), src, dst, w)
        read = {name: O.read_edges(path) for name, path in files.items()}
    e0, n0 = read["header.csv"]
    assert n0 == sorted(set(src) | set(dst))
    assert e0.w.sum() == (sum(w) if w else len(src))
    for name, (e, names) in read.items():
        assert names == n0, name
        assert e.n == e0.n and e.a.tolist() == e0.a.tolist(), name
        assert e.b.tolist() == e0.b.tolist() and e.w.tolist() == e0.w.tolist(), name


def test_graphml_keeps_isolated_nodes_reads_directed_as_undirected_and_key_defaults(tmp_path):
    g = nx.MultiDiGraph()
    g.add_edge("a", "b", weight=2.0)
    g.add_edge("b", "a", weight=0.5)
    g.add_edge("b", "c", weight=1.0)
    g.add_node("z")
    nx.write_graphml(g, tmp_path / "d.graphml")
    e, names = O.read_edges(tmp_path / "d.graphml")
    assert names == ["a", "b", "c", "z"] and e.n == 4
    assert dict(zip(zip(e.a.tolist(), e.b.tolist(), strict=True), e.w.tolist(),
                    strict=True)) == {(0, 1): 2.5, (1, 2): 1.0}
    # an edge without a weight takes the key's default
    text = GRAPHML.format(key='<key id="w" for="edge" attr.name="weight" attr.type="double">'
                              '<default>3</default></key>',
                          edges='<edge source="a" target="b"/>\n'
                                '<edge source="b" target="c"><data key="w">2</data></edge>')
    e, _ = O.read_edges(put(tmp_path, "k.graphml", text))
    assert e.w.tolist() == [3.0, 2.0]


@pytest.mark.parametrize("name, text, form", [
    ("e.csv", "a,b\n", O.FORM_CSV),
    ("e.tsv", "a b\n", O.FORM_TSV),                     # the name says tab
    ("e.txt", "# x\na\tb\n", O.FORM_TSV),               # first tie has a tab
    ("e.txt", "a,b\n", O.FORM_CSV),                     # first tie has a comma
    ("e.edges", "a b 2\n", O.FORM_SPACES),
    ("e", "a b\n", O.FORM_SPACES),
    ("e.graphml", "", O.FORM_GRAPHML),
    ("e.csv", "<?xml version='1.0'?><graphml/>", O.FORM_GRAPHML),  # the content says XML
])
def test_the_form_comes_from_the_name_and_the_first_line(name, text, form):
    assert O.edge_list_form(name, text) == form


# ------------------------------------------------------------------ malformed input

GRAPHML = """<?xml version='1.0' encoding='utf-8'?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
{key}
<graph edgedefault="undirected">
<node id="a"/><node id="b"/><node id="c"/>
{edges}
</graph>
</graphml>
"""
WEIGHT_KEY = '<key id="w" for="edge" attr.name="weight" attr.type="{type}"/>'


def put(folder: Path, name: str, text: str) -> Path:
    p = folder / name
    p.write_text(text)
    return p


MALFORMED = [
    # headerless CSV: the first tie sets 3 fields
    ("bare.csv", "a,b,1\nb,c\nc,d,x\n",
     "line 2: 2 fields, expected 3; line 3: weight 'x' is not a number"),
    ("bare.csv", "a,b,1,9\n", "line 1: 4 fields; a tie is source, target and optionally"),
    # tab-separated: comment and blank lines count in the numbering
    ("t.tsv", "# from a survey\n\na\tb\t2\nb\tb\t1\nc\td\t-1\n",
     "(read as tab-separated text): malformed lines: line 4: source and target are the same "
     "('b'); line 5: weight -1 is not a finite number > 0"),
    ("t.tsv", "source\ttarget\n", "no ties after the header"),
    ("t.tsv", "# only a comment\n", "the file is empty (or holds only comments)"),
    # whitespace text
    ("s.txt", "a b\nc d e f\n\n", "(read as whitespace-separated text): malformed lines: "
                                   "line 2: 4 fields, expected 2"),
    ("s.edges", "from to\na b\n", "line 1: 'from to' looks like a header"),
    # GraphML
    ("g.graphml", GRAPHML.format(key="", edges='<edge source="a" target="b">\n</graph>'),
     "g.graphml: line 7: not readable as GraphML (mismatched tag)"),
    ("g.graphml", GRAPHML.format(key=WEIGHT_KEY.format(type="double"),
                                 edges='<edge source="a" target="b"><data key="w">1</data>'
                                       '</edge>\n<edge source="c" target="c">'
                                       '<data key="w">1</data></edge>'),
     "(read as GraphML): malformed lines: line 7: source and target are the same ('c')"),
    ("g.graphml", GRAPHML.format(key=WEIGHT_KEY.format(type="string"),
                                 edges='<edge source="a" target="b"><data key="w">x</data>'
                                       '</edge>\n<edge source="b" target="c">'
                                       '<data key="w">0</data></edge>'),
     "line 6: weight 'x' is not a number; line 7: weight 0 is not a finite number > 0"),
    ("g.graphml", GRAPHML.format(key=WEIGHT_KEY.format(type="double"),
                                 edges='<edge source="a" target="b">\n<data key="w">abc</data>'
                                       '</edge>'),
     "line 7: 'abc' is not a number (key 'w' is declared attr.type=\"double\")"),
    ("g.graphml", GRAPHML.format(key=WEIGHT_KEY.format(type="double"),
                                 edges='<edge source="a" target="b"><data key="w">2</data>'
                                       '</edge>\n<edge source="b" target="c"/>'),
     "line 7: edge 'b'–'c' has no weight, while other edges have one"),
    ("g.graphml", "", "g.graphml: line 1: not readable as GraphML"),
    ("g.graphml", "<?xml version='1.0'?>\n<other/>\n", "not readable as GraphML"),
    ("g.graphml", GRAPHML.format(key="", edges=""), "no ties (edges)"),
]


@pytest.mark.parametrize("name, text, needle", MALFORMED)
def test_malformed_edge_lists_are_refused_naming_file_and_lines(tmp_path, name, text, needle):
    path = put(tmp_path, name, text)
    with pytest.raises(InputError) as err:
        O.read_edges(path)
    msg = str(err.value)
    assert msg.startswith(str(path)) and needle in msg, msg


@pytest.mark.parametrize("command", ["validate", "calibrate"])
@pytest.mark.parametrize("name, text, needle", [MALFORMED[0], MALFORMED[2], MALFORMED[5],
                                                MALFORMED[7], MALFORMED[9]])
def test_the_commands_refuse_them_with_status_2(tmp_path, capsys, command, name, text, needle):
    path = put(tmp_path, name, text)
    code = main([command, "--against", str(path), "-q", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert needle in " ".join(err.split()), err
    assert not (tmp_path / "out").exists()


def observed_files(folder: Path, people: int = 40) -> tuple[Path, Path]:
    """A small observed network (``people`` people, 4 groups): headerless TSV and a node table."""
    gen = np.random.default_rng(3)
    a = gen.integers(0, people, 5 * people)
    b = (a + gen.integers(1, 6, a.size)) % people
    edges = folder / "e.tsv"
    edges.write_text("".join(f"p{x}\tp{y}\t{k}\n"
                             for x, y, k in zip(a, b, gen.integers(1, 5, a.size), strict=True)))
    nodes = folder / "n.csv"
    pd.DataFrame({"node": [f"p{x}" for x in range(people)],
                  "group": [f"g{x % 4}" for x in range(people)]}).to_csv(nodes, index=False)
    return edges, nodes


SHORT = ["--scenario", "small", "--set", "population.years=0.1"]


@pytest.mark.parametrize("argv, needle", [
    (["calibrate", "--seeds", "0"], "--seeds"),
    (["calibrate", "--seeds", str(cal.MAX_SEEDS + 1)], "--seeds"),
    (["validate", "--seeds", "0"], "--seeds"),
    (["validate", "--seeds", "101"], "--seeds"),
    (["validate", "--set", "population.years"], "expected KEY=VALUE"),
    (["validate", "--set", "processes.nope.x=1"], "processes.nope: unknown key"),
    (["validate", "--set", "population.years=-1"], "population.years"),
    (["calibrate", "--set", "processes.nope.x=1"], "processes.nope: unknown key"),
])
def test_bad_seeds_and_bad_set_are_refused_before_any_run(tmp_path, capsys, monkeypatch, argv,
                                                          needle):
    monkeypatch.setattr(O, "simulate_like", no_work)
    edges, _ = observed_files(tmp_path)
    code = main([*argv, "--against", str(edges), "-q", "--out", str(tmp_path / "out")])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2 and needle in err and "Traceback" not in err, err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("option", [["--seeds", "2"], ["--set", "population.years=1"]])
def test_seeds_and_set_need_against_in_validate(capsys, monkeypatch, option):
    monkeypatch.setattr(cli.scenario_mod, "load", no_work)
    assert main(["validate", "--quick", "-q", *option]) == 2
    assert f"{option[0]} needs --against" in capsys.readouterr().err


def test_the_seed_limits_agree():
    assert cli.MAX_CALIBRATE_SEEDS == cal.MAX_SEEDS
    with pytest.raises(ValueError, match="seeds must be"):
        cal.calibrate(S.make_edges(3, [0], [1]), None, jinmyaku.load("small"), seeds=0)


def no_work(*args, **kwargs):
    raise AssertionError("a simulation ran before the input was checked")


# ------------------------------------------------------------------ agreement and warnings


def test_posteriors_agree_when_each_median_lies_in_every_other_interval():
    assert cal.posteriors_agree([1.0, 1.2, 0.9], [(0.5, 1.5), (0.8, 2.0), (0.6, 1.3)])
    assert cal.posteriors_agree([1.0, 2.0], [(0.5, 2.0), (1.0, 3.0)])   # bounds included
    # 2.1 lies outside the first interval, though 1.0 lies inside the second
    assert not cal.posteriors_agree([1.0, 2.1], [(0.5, 2.0), (0.9, 3.0)])
    # narrow intervals around different medians: the outside_mixing seeds
    assert not cal.posteriors_agree([0.0, 0.57], [(0.0, 0.15), (0.25, 0.6)])
    assert cal.posteriors_agree([0.3], [(0.1, 0.5)]) is None
    with pytest.raises(ValueError):
        cal.posteriors_agree([1.0, 2.0], [(0.0, 3.0)])


def test_edge_warnings_on_a_bound_and_not_inside():
    memory, mixing = cal.PARAMS["memory"], cal.PARAMS["outside_mixing"]
    # log prior [8, 260]: 2% of its log range above 8 is 8·32.5^0.02 ≈ 8.58
    on = cal.edge_warnings([memory, mixing], {"memory": 8.5, "outside_mixing": 0.595})
    assert len(on) == 2
    assert on[0].startswith("memory = 8.5 sits on the lower edge of its prior")
    assert "outside_mixing = 0.595 sits on the upper edge" in on[1]
    assert "the data ask for a value the prior does not allow" in on[0]
    assert cal.edge_warnings([memory, mixing], {"memory": 8.7, "outside_mixing": 0.58}) == []
    assert cal.edge_warnings([memory], {"memory": 30.0}) == []


def test_reach_warnings_outside_the_drawn_range_only():
    keys = ("degree_mean", "clustering", "overlap_weight_rho")
    drawn = {"degree_mean": (9.4, 12.3), "clustering": (0.3, 0.4),
             "overlap_weight_rho": (-0.1, 0.1)}
    out = cal.reach_warnings(keys, {"degree_mean": 29.0, "clustering": 0.1,
                                    "overlap_weight_rho": math.nan}, drawn, 16)
    assert len(out) == 2
    assert out[0].startswith("the observed mean degree (29) lies above what the prior's 16 "
                             "draws reach ([9.4, 12.3])")
    assert "average clustering (0.1) lies below" in out[1]
    assert cal.reach_warnings(keys, {"degree_mean": 9.4, "clustering": 0.4,
                                     "overlap_weight_rho": 0.0}, drawn, 16) == []


def test_agreement_warnings_name_the_parameters_that_disagree():
    ps = [cal.PARAMS["memory"], cal.PARAMS["focus_rate"]]
    out = cal.agreement_warnings(ps, {"memory": False, "focus_rate": True}, 3)
    assert len(out) == 1 and out[0].startswith("the 3 seeds' posteriors of memory disagree")
    assert cal.agreement_warnings(ps, {"memory": None, "focus_rate": None}, 1) == []


def test_relative_error():
    assert cal.relative_error(6.0, 4.0) == pytest.approx(0.5)
    assert cal.relative_error(-0.3, -0.2) == pytest.approx(-0.5)
    assert math.isnan(cal.relative_error(1.0, 0.0))
    assert math.isnan(cal.relative_error(math.nan, 1.0))


def test_replicates_have_their_own_designs_and_simulation_seeds():
    first = cal.design(3, 10, seed=5, replicate=0)
    old = cal.qmc.LatinHypercube(d=3, seed=rng.generator(5, rng.CALIBRATION_DESIGN)).random(10)
    assert np.array_equal(first, old)  # one seed: the fit of earlier versions
    assert not np.array_equal(first, cal.design(3, 10, seed=5, replicate=1))
    seeds = {cal.simulation_seed(5, r, 10, i) for r in range(3) for i in range(10)}
    assert seeds == set(range(5, 35))


# ------------------------------------------------------------------ the fit end to end

TINY = ["population.people=60", "population.years=0.1", "cohorts.size=5",
        "processes.life_events.leave=0"]


@pytest.mark.filterwarnings("ignore::scipy.stats.ConstantInputWarning")  # a clique's overlap
def test_a_network_beyond_the_priors_reach_is_warned_about(tmp_path, capsys):
    """A complete graph (mean degree 29) in a world whose draws reach about 10."""
    a, b = zip(*itertools.combinations(range(30), 2), strict=True)
    gen = np.random.default_rng(1)
    edges = tmp_path / "clique.txt"
    edges.write_text("".join(f"{x} {y} {k}\n"
                             for x, y, k in zip(a, b, gen.integers(1, 9, len(a)), strict=True)))
    out = tmp_path / "fitted.toml"
    assert main(["calibrate", "--against", str(edges), *SHORT, "--draws", "8", "--seeds", "2",
                 "--out", str(out), "-q"]) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert "warning: the observed mean degree (29) lies above what the prior's 16 draws reach" \
        in said
    header = " ".join(line[2:] for line in out.read_text().splitlines() if line.startswith("#"))
    assert "warning: the observed mean degree (29) lies above what the prior's 16 draws reach" \
        in header
    assert jinmyaku.load(out).population.people == 30


@pytest.mark.filterwarnings("ignore::scipy.stats.ConstantInputWarning")  # a clique's overlap
def test_no_warning_when_the_observed_network_is_one_of_the_draws(tmp_path):
    """The observed network is the first draw's own network: every observed statistic
    is one the draws reach, so no reach warning (whatever else the fit says)."""
    sc = jinmyaku.load("small", TINY)
    group = np.arange(60) % 4
    params = [cal.PARAMS[n] for n in ("memory", "focus_rate", "outside_mixing")]
    theta = np.column_stack([cal._from_unit(p, cal.design(3, 8, 1)[:, j])
                             for j, p in enumerate(params)])
    empty = S.Edges(60, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    e, g = O.simulate_like(empty, group, sc, cal.draw_overrides(params, theta[0]),
                           seed=cal.simulation_seed(1, 0, 8, 0))
    assert np.array_equal(g, group)  # nobody left, nobody changed jobs
    fit = cal.calibrate(e, g, sc, draws=8, seed=1, seeds=2, accept=0.5)
    assert np.array_equal(fit.fits[0].raw[0], [fit.observed[k] for k in fit.keys])
    assert not any(w.startswith("the observed") for w in fit.warnings), fit.warnings
    # and the same fit sees a network beyond its reach
    a, b = zip(*itertools.combinations(range(60), 2), strict=True)
    clique = S.make_edges(60, a, b, np.arange(len(a)) % 7 + 1)
    far = cal.calibrate(clique, g, sc, draws=8, seed=1, seeds=1, accept=0.5)
    assert any(w.startswith("the observed mean degree (59) lies above") for w in far.warnings)


def test_calibrate_prints_seeds_reach_and_agrees_with_validate(tmp_path, capsys):
    """Per seed and pooled fits; the statistics reached at the fit are those validate
    prints for the fitted scenario with the same seeds; reruns are byte-identical."""
    edges, nodes = observed_files(tmp_path)
    fitted = tmp_path / "fitted.toml"
    argv = ["calibrate", "--against", str(edges), "--groups", str(nodes), *SHORT,
            "--draws", "8", "--seeds", "2", "--seed", "4", "--out", str(fitted), "-q"]
    assert main(argv) == 0
    said = capsys.readouterr().out
    flat = " ".join(said.split())
    assert "seed 1 (runs" in flat and "seed 2 (runs" in flat  # cells fold at 80 columns
    assert "pooled (written)" in flat and "seeds agree" in flat
    assert "What the fitted scenario reached (mean of 2 runs, seeds 4–5)" in flat
    text = fitted.read_text()
    assert "#   seed 1 (runs 4–11): memory" in text and "#   seed 2 (runs 12–19): memory" in text
    assert "#   agree: memory " in text
    reached = {line.split(":")[0][4:]: float(line.split(": ")[1].split(" against ")[0])
               for line in text.splitlines() if " against " in line}
    assert set(reached) == set(cal.SUMMARY_LABELS.values())
    # a rerun writes the same bytes and prints the same
    first = fitted.read_bytes()
    assert main(argv) == 0
    assert capsys.readouterr().out == said and fitted.read_bytes() == first
    # validate the fitted scenario with the same seeds: the same statistics
    out = tmp_path / "cmp"
    assert main(["validate", "--against", str(edges), "--groups", str(nodes), "--scenario",
                 str(fitted), "--seed", "4", "--seeds", "2", "--out", str(out), "-q"]) == 0
    rows = {r["key"]: r for r in json.loads((out / "validation.json").read_text())}
    for key, label in cal.SUMMARY_LABELS.items():
        assert rows[key]["simulated"] == pytest.approx(reached[label], rel=5e-4), key
    assert rows["nodes"]["observed"] == rows["nodes"]["simulated"] == 40


def test_validate_averages_seeds_and_takes_set(tmp_path, capsys):
    edges, nodes = observed_files(tmp_path)
    base = ["validate", "--against", str(edges), "--groups", str(nodes), *SHORT, "-q"]

    def rows(out: Path) -> dict:
        return {r["key"]: r for r in json.loads((out / "validation.json").read_text())}

    assert main([*base, "--seeds", "3", "--out", str(tmp_path / "a")]) == 0
    r = rows(tmp_path / "a")["ties"]
    assert len(r["by_seed"]) == 3 and len(set(r["by_seed"])) > 1
    assert r["simulated"] == pytest.approx(np.mean(r["by_seed"]))
    assert (r["simulated_min"], r["simulated_max"]) == (min(r["by_seed"]), max(r["by_seed"]))
    md = (tmp_path / "a" / "validation.md").read_text()
    assert "simulated (mean of 3 seeds) | range over seeds" in md
    assert "--set population.years=0.1 --seed 1 --seeds 3" in md
    # the first seed of three is the run of one seed
    assert main([*base, "--seeds", "1", "--out", str(tmp_path / "b")]) == 0
    assert rows(tmp_path / "b")["ties"]["simulated"] == r["by_seed"][0]
    # --set reaches the simulated world: many more encounters at work, more ties
    assert main([*base, "--seeds", "1", "--set", "processes.work.encounters=12",
                 "--out", str(tmp_path / "c")]) == 0
    assert rows(tmp_path / "c")["ties"]["simulated"] > r["by_seed"][0]
    meta = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert meta["set"] == ["population.years=0.1", "processes.work.encounters=12"]
    # byte-identical rerun
    assert main([*base, "--seeds", "3", "--out", str(tmp_path / "d")]) == 0
    for name in ("validation.md", "validation.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "d" / name).read_bytes()


# ------------------------------------------------------------------ observed groups held fixed


def test_observed_groups_are_held_fixed_for_the_whole_run():
    """People change jobs often in this world (a fifth of them a week); the comparison's
    run keeps everyone in their observed group, the plain grouped run does not."""
    sc = jinmyaku.load("small", [*TINY, "population.years=0.5",
                                 "processes.life_events.job_change=0.2"])
    group = np.arange(60) % 4
    empty = S.Edges(60, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    e, g = O.simulate_like(empty, group, sc)
    assert np.array_equal(g, group)
    share = S.inside_group_share(e, g)
    # without holding: most people end elsewhere
    res = O.Results.from_simulation(O.grouped_simulation(O.sized_scenario(sc, 60), group).run())
    moved = res.people.sort_values("pid")["workplace"].to_numpy()
    assert (moved == group).mean() < 0.5
    e2, g2 = O.simulated_network(res, 4)
    assert S.inside_group_share(e2, group) < share  # measured on the groups they started in
    # without groups the scenario's job changes stay
    assert O.HOLD_GROUPS == ("processes.life_events.job_change=0",)
