"""The Kumpula et al. (2007) processes (scenario ``kumpula2007``), each rule alone and together.

Expectations are computed by hand from the rules in docs/model.md, "The
kumpula2007 scenario"; rates are checked within 4 binomial standard deviations
(a false alarm about once in 16,000 runs; the seeds are fixed, so a test either
always passes or always fails).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import tie

import jinmyaku
from jinmyaku.analysis.network import Edges, overlap
from jinmyaku.analysis.network import kumpula_measures as measures
from jinmyaku.errors import InputError
from jinmyaku.faces import cli
from jinmyaku.model.engine import Simulation
from jinmyaku.model.processes import kumpula_kernels
from jinmyaku.model.processes.local_search import search
from jinmyaku.model.scenario import DEFAULT_SCHEDULE
from jinmyaku.model.ties import find_tie
from jinmyaku.model.vocabulary import LEFT, MIXER, REFERRAL
from jinmyaku.studies.results import Results


def kumpula(n: int, *overrides: str) -> jinmyaku.Scenario:
    """``kumpula2007`` with n nodes (no starting ties) and overrides."""
    return jinmyaku.load("kumpula2007", [f"population.people={n}", "population.steps=10",
                                         *overrides])


def link(sim: Simulation, i: int, j: int, w: float = 1.0) -> int:
    return tie(sim.world.ties, sim.world.people.pid, i, j, w)


# ----------------------------------------------------------------- local search


def test_local_search_reinforces_exactly_the_triangle_and_the_pair():
    delta = 0.25
    sim = Simulation(kumpula(12, "schedule=['local_search']", f"processes.kumpula.delta={delta}"))
    tri = [link(sim, 0, 1), link(sim, 1, 2), link(sim, 0, 2)]
    pair = link(sim, 3, 4)
    for t in range(1, 6):
        sim.step()
        # each triangle node's search: j, then k = the third node (j's only other
        # neighbour); w_ij, w_jk and the existing w_ik all grow: +δ on all three ties
        assert sim.world.ties.weights(tri) == pytest.approx([1 + 3 * delta * t] * 3, rel=1e-12)
        # 3 and 4 pick each other; the partner has no other neighbour: +δ each
        assert sim.world.ties.weights([pair])[0] == pytest.approx(1 + 2 * delta * t, rel=1e-12)
        assert sim.world.ties.n_alive == 4
        ev = sim.recorder.events[-1]
        assert ev["local_searches"] == 5 and ev["triangles_reinforced"] == 3
        assert ev["closures"] == 0


def test_local_search_closes_a_path_only_with_p_delta():
    open_ = Simulation(kumpula(12, "schedule=['local_search']", "processes.kumpula.delta=0.5",
                                "processes.kumpula.p_delta=0"))
    a, b = link(open_, 0, 1), link(open_, 1, 2)
    for t in range(1, 21):
        open_.step()
        # 0: +δ on 0-1 and 1-2; 2: the same; 1: +δ on the tie it picks (its partner has no
        # other neighbour): 5δ a step, and never a 0-2 tie
        assert open_.world.ties.weights([a, b]).sum() == pytest.approx(2 + 5 * 0.5 * t)
        assert open_.world.ties.n_alive == 2
    closing = Simulation(kumpula(12, "schedule=['local_search']", "processes.kumpula.p_delta=1",
                                 "processes.kumpula.w0=2.0"))
    link(closing, 0, 1)
    link(closing, 1, 2)
    closing.step()
    T = closing.world.ties
    tid = find_tie(T.nbr, T.adj, T.deg, 0, 2)
    assert tid >= 0 and T.origin[tid] == REFERRAL and T.birth[tid] == 1
    assert T.weights([tid])[0] >= 2.0 and closing.recorder.events[-1]["closures"] == 1


def test_search_chooses_partners_in_proportion_to_weight():
    sim = Simulation(kumpula(12, "schedule=['local_search']"))
    t01, t12, t13 = link(sim, 0, 1), link(sim, 1, 2, 1.0), link(sim, 1, 3, 3.0)
    T, pid = sim.world.ties.arrays(), sim.world.people.pid
    steps = 4000
    first = second = 0
    for t in range(1, steps + 1):
        # δ = 0 keeps the weights; the tie a search uses gets last = t
        search(T, np.array([1]), 0.0, 0.0, 1.0, t, 1, pid)  # j of 1 ∝ (1, 1, 3)
        first += T.last[t13] == t
        search(T, np.array([0]), 0.0, 0.0, 1.0, steps + t, 1, pid)  # j = 1, k ∝ (1, 3), k ≠ 0
        assert T.last[t01] == steps + t
        second += T.last[t13] == steps + t
    for hits, p in ((first, 3 / 5), (second, 3 / 4)):
        assert abs(hits / steps - p) < 4 * math.sqrt(p * (1 - p) / steps), (hits, p)
    assert T.last[t12] > 0


# ----------------------------------------------------------------- global attachment


def test_global_attachment_rate_matches_p_r():
    n, steps, p_r = 2000, 50, 0.01
    sim = Simulation(kumpula(n, "schedule=['global_attachment']", f"population.steps={steps}",
                             f"processes.kumpula.p_r={p_r}", "processes.kumpula.w0=1.5"))
    for i in range(0, n, 2):  # everyone starts with one tie, so only p_r attaches
        link(sim, i, i + 1)
    res = Results.from_simulation(sim.run())
    made = int(res.events["global_attachments"].sum())
    # Binomial(n · steps, p_r): mean 1000, sd 31.5
    mean = n * steps * p_r
    assert abs(made - mean) < 4 * math.sqrt(mean * (1 - p_r))
    new = res.ties[res.ties["birth"] > 0]
    assert len(new) == made and (new["weight"] == 1.5).all()
    assert (new["origin"] == "mixer").all() and res.ties["death"].isna().all()


def test_global_attachment_always_links_a_node_without_ties():
    sim = Simulation(kumpula(500, "schedule=['global_attachment']", "processes.kumpula.p_r=0"))
    sim.step()
    T = sim.world.ties
    assert (T.deg >= 1).all()  # everyone without a tie at their turn made one
    made = sim.recorder.events[-1]["global_attachments"]
    assert 250 <= made < 500 and T.n_alive == made
    assert (T.origin[T.alive_ids()] == MIXER).all()
    sim.step()  # now nobody is isolated and p_r = 0: nothing happens
    assert sim.recorder.events[-1]["global_attachments"] == 0


# ----------------------------------------------------------------- node deletion


def test_node_deletion_empties_nodes_at_rate_p_d():
    n, steps, p_d = 2000, 20, 0.02
    sim = Simulation(kumpula(n, "schedule=['node_deletion']", f"processes.kumpula.p_d={p_d}"))
    for i in range(n):
        link(sim, i, (i + 1) % n)  # a ring: degree 2 everywhere
    deleted = 0
    for t in range(1, steps + 1):
        before = sim.world.people.pid.copy()
        sim.step()
        p = sim.world.people
        gone = np.flatnonzero(p.pid != before)
        deleted += gone.size
        assert (sim.world.ties.deg[gone] == 0).all() and (p.joined[gone] == t).all()
        assert (p.pid[gone] >= n).all()
    assert np.unique(sim.world.people.pid).size == n  # newcomers get new, unique ids
    mean = n * steps * p_d  # Binomial(n · steps, p_d): mean 800, sd 28
    assert abs(deleted - mean) < 4 * math.sqrt(mean * (1 - p_d))
    ties = sim.world.ties.ledger_table()
    dead = ties["death"] >= 0
    assert (ties["cause"][dead] == LEFT).all()
    assert sim.world.ties.n_alive == int((~dead).sum())


# ----------------------------------------------------------------- scenario, CLI, determinism


def test_kumpula_processes_do_not_mix_with_the_jinmyaku_ones():
    assert jinmyaku.load("default").schedule == list(DEFAULT_SCHEDULE)
    with pytest.raises(InputError, match="mixes the Kumpula processes"):
        jinmyaku.load("kumpula2007", ["schedule=['local_search', 'maintenance']"])
    sc = jinmyaku.load("kumpula2007")
    assert sc.steps == 10_000 and sc.population.people == 10_000 and sc.cohorts.size == 0


def test_run_kumpula2007_end_to_end_writes_results(tmp_path, capsys):
    out = tmp_path / "run"
    code = cli.main(["run", "kumpula2007", "--people", "300", "--set", "population.steps=100",
                     "--out", str(out), "-q"])
    assert code == 0
    assert (out / "manifest.json").exists() and (out / "ties.parquet").exists()
    assert "no focal cohorts" in capsys.readouterr().out


CHILD = """
import hashlib, sys
import jinmyaku
res = jinmyaku.run("kumpula2007", people=400, overrides=["population.steps=300"])
h = hashlib.sha256(res.ties.to_csv().encode() + res.events.to_csv().encode())
print(h.hexdigest())
"""


def test_byte_identical_with_one_or_two_threads():
    digests = []
    for threads in ("1", "2"):
        env = {**os.environ, "NUMBA_NUM_THREADS": threads}
        out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                             text=True, check=True)
        digests.append(out.stdout.strip().splitlines()[-1])
    assert digests[0] == digests[1]


# ----------------------------------------------------------------- fast kernel = plain kernel


def run_sim(sc: jinmyaku.Scenario, fast: bool, check_every: int = 0):
    """Run ``sc`` with local search on the rows (fast) or the plain kernel; the results."""
    sim = Simulation(sc)
    sim.process("local_search").fast = fast
    while sim.world.step < sc.steps:
        sim.step()
        if fast and check_every and sim.world.step % check_every == 0:
            kumpula_kernels.rows_for(sim.world.ties).check(sim.world.ties)
    from jinmyaku.studies.results import Results

    return Results.from_simulation(sim)


def same_results(a, b) -> None:
    for name in ("ties", "events", "series", "people"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.equals(y), name


@pytest.mark.parametrize("overrides", [
    [],  # the scenario's δ = 0.5 and capacity
    ["processes.kumpula.delta=0", "population.max_ties=20"],  # rows widened from 16 to 20
    ["processes.kumpula.delta=0", "population.max_ties=12"],  # closures refused at capacity (36)
    ["processes.kumpula.delta=0.1", "processes.kumpula.p_d=0.01", "seed=3"],  # inexact sums
    ["population.school_ties=3", "population.workplace_ties=2", "seed=5"],  # starting ties
    # starting ties weaker than w0 and a binding capacity: closures displace ties
    ["population.school_ties=8", "population.max_ties=6", "seed=2"],
    ["schedule=['node_deletion', 'global_attachment', 'local_search']",
     "processes.kumpula.p_d=0.02"],
])
def test_fast_local_search_gives_the_plain_kernels_results(overrides):
    sc = kumpula(300, "population.steps=300", *overrides)
    fast = run_sim(sc, True, check_every=25)
    plain = run_sim(sc, False)
    same_results(fast, plain)
    assert fast.events["closures"].sum() > 0


def test_rows_are_copied_again_after_ties_made_by_hand():
    sc = kumpula(200, "population.steps=40")
    sims = [Simulation(sc) for _ in range(2)]
    sims[1].process("local_search").fast = False
    for t in range(40):
        for sim in sims:
            if t == 20:  # a tie made outside the processes
                store = sim.world.ties
                i = next(i for i in range(1, 200) if find_tie(store.nbr, store.adj, store.deg,
                                                              0, i) < 0)
                link(sim, 0, i, 3.0)
            sim.step()
    rows = kumpula_kernels.rows_for(sims[0].world.ties)
    rows.check(sims[0].world.ties)
    for f in ("ws", "peak", "last", "adj", "nbr", "deg"):
        assert np.array_equal(getattr(sims[0].world.ties, f), getattr(sims[1].world.ties, f))


# ----------------------------------------------------------------- the paper's result


def test_overlap_of_a_hand_made_graph():
    # square 0-1-2-3 with the diagonal 0-2, and a pendant 3-4
    i = np.array([0, 1, 2, 3, 0, 3])
    j = np.array([1, 2, 3, 0, 2, 4])
    o = overlap(Edges(5, i, j, np.ones(i.size)))
    # 0-1: k 3, 2, one common (2): 1/((2)+(1)-1) = 1/2; 0-2: k 3, 3, common 1, 3: 2/(2+2-2) = 1
    # 3-0: k 3, 3, common 2: 1/(2+2-1) = 1/3; 3-4: k 3, 1, none: 0/(2+0) = 0
    assert o == pytest.approx([1 / 2, 1 / 2, 1 / 3, 1 / 3, 1.0, 0.0])


@pytest.mark.filterwarnings("ignore::scipy.stats.ConstantInputWarning")
def test_kumpula_measures_leave_out_ties_with_an_undefined_overlap():
    # a triangle with weights 1, 2, 3 (overlap 1 each) and an isolated pair 3-4 (0/0):
    # pearson over the triangle alone is undefined (overlap constant); with the pair
    # counted as overlap 0 it would be defined. Left out, the triangle's weights vary
    # but the overlap does not, so the result must be NaN, not a number.
    ties = pd.DataFrame({"a": [0, 1, 0, 3], "b": [1, 2, 2, 4], "weight": [1.0, 2.0, 3.0, 9.0],
                         "death": [np.nan] * 4})
    m = measures(ties, 5)
    assert np.isnan(m["pearson"]) and m["ties"] == 4 and m["mean_degree"] == pytest.approx(1.6)


@pytest.fixture(scope="module")
def by_delta():
    """Final networks of 1,000 nodes after 5,000 steps (5 mean node lifetimes 1/p_d)."""
    out = {}
    for delta in (0.0, 1.0):
        res = jinmyaku.run("kumpula2007", people=1000,
                           overrides=["population.steps=5000", f"processes.kumpula.delta={delta}"])
        ev = res.events
        assert ev["closures_refused"].sum() == 0 and ev["attachments_refused"].sum() == 0
        out[delta] = measures(res.ties, 1000, seed=1)
    return out


def test_weight_and_overlap_go_together_only_when_weights_matter(by_delta):
    lo, hi = by_delta[0.0], by_delta[1.0]
    assert lo["spearman"] == 0.0 and lo["mean_weight"] == 1.0  # δ = 0: all weights are w0
    assert hi["spearman"] > 0.3 and hi["pearson"] > 0.15


def test_communities_emerge_as_delta_grows(by_delta):
    assert by_delta[1.0]["modularity"] > by_delta[0.0]["modularity"] + 0.4
    assert 5 < by_delta[1.0]["mean_degree"] < 20
