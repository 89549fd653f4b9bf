"""The tie ledger spilled to disk gives the same results as one kept in memory."""

from __future__ import annotations

import copy
import gc
import os
import pickle
import signal
import tempfile

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import scenario

import jinmyaku
from jinmyaku.errors import InputError
from jinmyaku.faces import cli
from jinmyaku.model.engine import Simulation
from jinmyaku.model.vocabulary import TIE_LEDGER_COLUMNS as LEDGER_COLUMNS
from jinmyaku.storage import files as io
from jinmyaku.storage import ledger, memory
from jinmyaku.studies.results import Results, simulation

GiB = 2**30


@pytest.fixture
def spill_root(tmp_path, monkeypatch):
    """Temporary folders (spill runs, merged ledgers) go here, to be looked at."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def spilled_run(spill_rows: int = 5):
    sim = simulation(scenario(), spill_rows=spill_rows)
    res = Results.from_simulation(sim.run())
    return sim, res


def same_files(a, b) -> None:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.mark.parametrize("spill_rows", [5, 1000])
def test_a_spilled_run_writes_the_same_bytes(spill_rows, small_run, spill_root, tmp_path):
    _, mem = small_run
    assert isinstance(mem.ties, pd.DataFrame)  # the default threshold: in memory
    sim, res = spilled_run(spill_rows)
    assert isinstance(res.ties, ledger.SpilledTies)
    dead = int(mem.ties["death"].notna().sum())
    if spill_rows < dead:
        assert len(sim.world.ties.ledger._runs) > 2  # several sorted runs were merged
    else:  # no dead tie went to disk, but with the living ones the ledger is too long
        assert not sim.world.ties.ledger.spilled and dead < spill_rows < len(mem.ties)
    mem.write(tmp_path / "memory")
    res.write(tmp_path / "spilled")
    same_files(tmp_path / "memory", tmp_path / "spilled")
    pd.testing.assert_frame_equal(res.summary(), mem.summary())
    # the spilled ledger reads back as the in-memory DataFrame
    pd.testing.assert_frame_equal(res.ties.to_pandas(), mem.ties)
    alive = mem.ties[mem.ties["death"].isna()].reset_index(drop=True)
    pd.testing.assert_frame_equal(res.ties.alive(), alive)
    streamed = pd.concat(res.ties.batches(["uid", "origin"]), ignore_index=True)
    pd.testing.assert_frame_equal(streamed, mem.ties[["uid", "origin"]])
    assert res.ties.duckdb().aggregate("count(*)").fetchall() == [(len(mem.ties),)]
    assert len(res.ties) == len(mem.ties)
    g, h = res.graph(), mem.graph()
    assert sorted(g.edges(data=True)) == sorted(h.edges(data=True))
    # the store still gives the whole ledger in memory, read back from the runs
    pd.testing.assert_frame_equal(ledger.ties_frame(sim.world.ties.ledger_table()), mem.ties)
    res.close()
    sim.close()
    assert list(spill_root.iterdir()) == []


def test_row_groups_match_when_the_ledger_spans_several(small_run, spill_root, tmp_path,
                                                        monkeypatch):
    """ties.parquet of a spilled run has pq.write_table's row groups (here of 1,000 rows)."""
    _, mem = small_run
    monkeypatch.setattr(io, "ROW_GROUP", 1000)
    monkeypatch.setattr(ledger, "ROW_GROUP", 1000)
    _, res = spilled_run()
    io.write_parquet(tmp_path / "memory.parquet",
                     pa.Table.from_pandas(mem.ties, preserve_index=False))
    io.atomic_write(tmp_path / "spilled.parquet", res.ties.copy_to)
    groups = pq.ParquetFile(tmp_path / "spilled.parquet").metadata.num_row_groups
    assert groups == -(-len(mem.ties) // 1000) > 2
    assert (tmp_path / "memory.parquet").read_bytes() == (tmp_path / "spilled.parquet").read_bytes()


def test_spill_folders_go_with_their_owners(spill_root):
    sim, res = spilled_run()
    folders = [sim.world.ties.ledger._dir, res.ties.folder]
    assert all(f.is_dir() for f in folders)
    del sim, res
    gc.collect()
    assert not any(f.exists() for f in folders)
    assert list(spill_root.iterdir()) == []


def test_a_spilled_ledger_is_not_a_dataframe(spill_root):
    _, res = spilled_run()
    with pytest.raises(TypeError, match=r"spilled to disk.*\.alive\(\)"):
        res.ties[res.ties["death"].isna()]
    with pytest.raises(AttributeError, match="spilled to disk"):
        res.ties.set_index("uid")
    assert not hasattr(res.ties, "no_such_thing")
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(res.ties)
    # callers needing only the living ties work on it
    from jinmyaku.analysis import network as stats

    e, nodes = stats.edges_from_ties(res.ties)
    assert e.m == len(res.ties.alive())
    # loading it whole is refused when it cannot fit
    import jinmyaku.storage.files

    with pytest.MonkeyPatch.context() as m:
        m.setattr(jinmyaku.storage.files, "available_memory", lambda: 1000)
        with pytest.raises(InputError, match="DuckDB"):
            res.ties.to_pandas()
    res.close()


def random_rows(rng, uids: np.ndarray) -> dict[str, np.ndarray]:
    n = uids.size
    return {"uid": uids.astype(np.int64), "a": rng.integers(0, 2**40, n),
            "b": rng.integers(0, 50, n), "origin": rng.integers(0, 6, n).astype(np.int8),
            "birth": rng.integers(0, 100, n).astype(np.int32),
            "death": rng.integers(0, 100, n).astype(np.int32),
            "cause": rng.integers(1, 4, n).astype(np.int8), "weight": rng.random(n),
            "peak_weight": rng.random(n),
            "last_interaction": rng.integers(0, 100, n).astype(np.int32),
            "value": rng.random(n), "contacts": rng.integers(0, 500, n).astype(np.int32),
            "calls": rng.integers(0, 500, n).astype(np.int32)}


@pytest.mark.parametrize("spill_rows", [None, 1, 7, 100])
def test_ledger_gives_every_row_once_sorted_by_uid(spill_rows, spill_root, monkeypatch):
    """Rows in any order, spilled or not, with int64 values that do not fit int32."""
    monkeypatch.setattr(ledger, "RUN_ROW_GROUP", 5)
    monkeypatch.setattr(ledger, "ROW_GROUP", 16)
    rng = np.random.default_rng(3)
    n_dead, n_alive = 300, 40
    uids = rng.permutation(n_dead + n_alive)
    dead, alive = uids[:n_dead], np.sort(uids[n_dead:])
    led = ledger.TieLedger(spill_rows)
    for chunk in np.array_split(dead, 37):
        led.append(random_rows(rng, chunk))
    assert len(led) == n_dead and led.spilled == (spill_rows is not None)
    living = random_rows(rng, alive)
    living["death"][:] = -1
    living["cause"][:] = 0
    table = led.table(living)
    np.testing.assert_array_equal(table["uid"], np.arange(n_dead + n_alive))
    assert table["a"].max() > 2**31  # kept as int64
    assert all(table[c].dtype == ledger.DTYPES[c] for c in LEDGER_COLUMNS)
    ties = led.finish(alive, lambda s: {c: v[s] for c, v in living.items()})
    assert len(ties) == n_dead + n_alive
    pd.testing.assert_frame_equal(ties.to_pandas(), ledger.ties_frame(table))
    rows = [pq.ParquetFile(ties.path).metadata.row_group(g).num_rows for g in range(22)]
    assert rows == [16] * 21 + [4]
    # a copy of the ledger (deepcopy of a simulation) has its own files
    twin = copy.deepcopy(led)
    led.close()
    for c, v in twin.table(living).items():
        np.testing.assert_array_equal(v, table[c])
    twin.close()
    ties.close()
    assert list(spill_root.iterdir()) == []


@pytest.mark.parametrize("uids", [np.arange(50), np.arange(0, 100, 2), np.arange(7, 57)])
def test_in_memory_table_moves_each_row_with_its_uid(uids):
    """Whether the uids are 0..U-1 (rows scattered to their uid) or not (sorted)."""
    rng = np.random.default_rng(5)
    shuffled = rng.permutation(uids)
    led = ledger.TieLedger(None)
    for chunk in np.array_split(shuffled[:40], 3):
        led.append(random_rows(rng, chunk))
    living = random_rows(rng, shuffled[40:])
    pieces = [*led._chunks["uid"], living["uid"]]
    order = np.argsort(np.concatenate(pieces))
    table = led.table(living)
    np.testing.assert_array_equal(table["uid"], uids)
    for c in LEDGER_COLUMNS:
        whole = np.concatenate([*led._chunks[c], living[c]])
        np.testing.assert_array_equal(table[c], whole[order])


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_spilled_run_leaves_no_folder_and_no_spill(signum, tmp_path, spill_root,
                                                              capsys, monkeypatch):
    """Ctrl-C (SIGINT) or SIGTERM after the ledger spilled: no run folder, no spill left."""
    monkeypatch.setattr(ledger, "SPILL_ROWS", 20)
    real_step = Simulation.step

    def step(self):
        if self.world.step == 15:
            assert self.world.ties.ledger.spilled  # interrupted after spilling
            os.kill(os.getpid(), signum)
        real_step(self)

    monkeypatch.setattr(Simulation, "step", step)
    out = tmp_path / "run"
    # Python's own Ctrl-C handler, whatever this process inherited: a job started with &
    # from a non-interactive shell (a CI runner's, say) starts with SIGINT ignored
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        code = cli.main(["run", "small", "--people", "300", "--years", "0.5", "--set",
                         "cohorts.size=20", "-q", "--out", str(out)])
    finally:
        signal.signal(signal.SIGINT, inherited)
    assert code == 128 + signum
    if signum == signal.SIGTERM:
        assert "terminated: no complete run folder" in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.glob(".run*"))  # no folder, lock, staging
    assert list(spill_root.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # main() put it back


def test_a_failed_write_of_a_spilled_ledger_leaves_no_folder(tmp_path, spill_root,
                                                             monkeypatch):
    _, res = spilled_run()
    out = tmp_path / "run"

    def full_disk(self, target):
        target.write_bytes(b"PAR1 half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ledger.SpilledTies, "copy_to", full_disk)
    with pytest.raises(InputError, match="writing results failed"):
        res.write(out)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["tmp"]  # no staging folder or lock left
    monkeypatch.undo()
    res.write(out)
    assert (out / "manifest.json").exists()
    res.close()


def test_a_failed_spill_is_a_clear_error(spill_root, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pq, "write_table", full_disk)
    led = ledger.TieLedger(5)
    with pytest.raises(InputError, match="spilling the tie ledger.*No space"):
        led.append(random_rows(np.random.default_rng(1), np.arange(10)))
    led.close()
    assert list(spill_root.iterdir()) == []


# ------------------------------------------------------------ the memory estimate

def test_memory_estimate_grows_across_the_spill_threshold():
    base = jinmyaku.load("default")
    last = 0
    for people in (1_000, 10_000, 30_000, 60_000, 100_000, 300_000, 1_000_000):
        sc = jinmyaku.load("default", [f"population.people={people}", "cohorts.size=10"])
        need = memory.estimate(sc)
        assert need > last
        last = need
    assert memory.estimate(sc) < memory.estimate(sc, spill_rows=None) / 2  # 1M: spilled
    assert memory.estimate(base, spill_rows=None) == memory.estimate(base)  # not spilled
    years = [memory.estimate(jinmyaku.load("default", [f"population.years={y}"]))
             for y in (1, 5, 10, 20, 40)]
    assert years == sorted(years) and len(set(years)) == len(years)


def test_a_million_people_for_ten_years_fits_in_16_gb():
    sc = jinmyaku.load("default", ["population.people=1000000", "population.years=10"])
    assert 6 * GiB < memory.estimate(sc) <= 16 * GiB
    assert memory.estimate(sc, spill_rows=None) > 40 * GiB  # as the ledger in memory would


def test_largest_population_is_the_last_that_fits():
    sc = jinmyaku.load("default", ["population.years=10"])
    for limit in (2 * GiB, 8 * GiB, 16 * GiB):
        n = memory.largest(sc, limit)
        fits = jinmyaku.load("default", ["population.years=10", f"population.people={n}"])
        more = jinmyaku.load("default", ["population.years=10", f"population.people={n + 1}"])
        assert memory.estimate(fits) <= limit < memory.estimate(more)
