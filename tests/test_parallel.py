"""jinmyaku.studies.parallel: every result once, whatever evaluator runs the tasks."""

from __future__ import annotations

import math
import os

import pytest

from jinmyaku import __version__
from jinmyaku.errors import InputError
from jinmyaku.studies.parallel import DaskCluster, evaluator, run_tasks, worker_info

TASKS = {f"t{i}": i for i in range(12)}
EXPECTED = {k: math.factorial(v) for k, v in TASKS.items()}


def test_local_processes_yield_every_result_once_with_progress():
    seen = []
    results = list(run_tasks(math.factorial, TASKS, workers=2,
                             progress=lambda done, total: seen.append((done, total))))
    assert sorted(k for k, _ in results) == sorted(TASKS)
    assert dict(results) == EXPECTED
    assert seen == [(i, len(TASKS)) for i in range(1, len(TASKS) + 1)]


def test_workers_run_in_other_processes_with_one_numba_thread():
    infos = [info for _, info in run_tasks(worker_info, [(i, None) for i in range(4)],
                                           workers=2)]
    assert all(i["pid"] != os.getpid() for i in infos)
    assert all(i["numba_threads"] == 1 for i in infos)
    assert all(i["jinmyaku"] == __version__ for i in infos)


def test_in_process_takes_unpicklable_functions_and_iterables_of_pairs():
    results = dict(run_tasks(lambda x: x * 2, ((k, v) for k, v in TASKS.items()), workers=0))
    assert results == {k: 2 * v for k, v in TASKS.items()}


@pytest.mark.parametrize("workers", [0, 2])
def test_a_failing_task_raises_with_its_key(workers):
    tasks = {"ok": 4.0, "bad": -1.0}
    with pytest.raises(ValueError) as info:
        list(run_tasks(math.sqrt, tasks, workers=workers))
    assert "(in task 'bad')" in "\n".join(getattr(info.value, "__notes__", []))


def test_dask_threads_cluster_gives_the_same_results():
    # Threads in this process: quick; the sweep tests use a LocalCluster of processes.
    with DaskCluster("local", workers=2, processes=False) as ev:
        results = dict(ev.imap_unordered(math.factorial, TASKS.items()))
    assert results == EXPECTED


def test_bad_options_are_refused():
    with pytest.raises(InputError, match="--workers -1"):
        evaluator(workers=-1)
    with pytest.raises(InputError, match="cannot reach a Dask scheduler"):
        with DaskCluster("tcp://127.0.0.1:9", workers=1, timeout=1):
            pass


@pytest.mark.parametrize("given, expected", [(None, "300"), ("50000", "50000")])
def test_the_command_makes_parallel_threads_spin_briefly_unless_the_user_says(
        given, expected, tmp_path):
    """The jinmyaku command (not the library) sets a short OpenMP spin, so side-by-side
    runs share the cores, before any parallel kernel loads libgomp, and keeps a value
    the user set; importing jinmyaku alone leaves the variable unset."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "GOMP_SPINCOUNT"}
    env["JINMYAKU_CACHE"] = str(tmp_path / "cache")
    if given is not None:
        env["GOMP_SPINCOUNT"] = given
    code = ("import sys, os, jinmyaku; "
            "print(os.environ.get('GOMP_SPINCOUNT')); "
            "from jinmyaku.faces.cli import main; main(['--version']); "
            "assert not any('omppool' in m for m in sys.modules), 'libgomp loaded too early'; "
            "print(os.environ['GOMP_SPINCOUNT'])")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    after_import, _version, after_main = out.stdout.strip().splitlines()
    assert after_import == (given or "None")
    assert after_main == expected
