"""jinmyaku.studies.parallel: every result once, whatever evaluator runs the tasks."""

from __future__ import annotations

import math
import os
import signal
from pathlib import Path

import pytest

from jinmyaku import __version__
from jinmyaku.errors import InputError
from jinmyaku.studies.parallel import (
    DaskCluster,
    WorkerDied,
    evaluator,
    run_tasks,
    worker_info,
)

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


def _sleep(seconds: float) -> int:
    import time

    time.sleep(seconds)
    return os.getpid()


def test_workers_end_when_their_parent_is_killed(tmp_path):
    """kill -9 of the process running a pool: its workers do not outlive it."""
    import signal
    import subprocess
    import sys
    import time

    here = str(Path(__file__).parent)
    script = ("import os, sys\n"
              f"sys.path.insert(0, {here!r})\n"
              "from concurrent.futures import wait\n"
              "from jinmyaku.studies.parallel import LocalProcesses, call\n"
              "from test_parallel import _sleep\n"
              "with LocalProcesses(2) as ev:\n"
              "    futs = [ev._pool.submit(call, _sleep, 60) for _ in range(2)]\n"
              "    print(' '.join(str(p) for p in ev._pool._processes), flush=True)\n"
              "    wait(futs)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    workers = [int(x) for x in parent.stdout.readline().split()]
    assert len(workers) == 2
    time.sleep(1.0)  # the workers have run their initializer
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.time() + 10
    alive = workers
    while alive and time.time() < deadline:
        time.sleep(0.2)
        alive = [w for w in workers if _alive(w)]
    assert alive == []


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("address", ["localhost", "tcp://host:abc", "tcp://:8786",
                                     "tcp://host:0", "host:8786", "tcp://host:99999"])
def test_a_bad_dask_address_is_a_clear_error(address):
    with pytest.raises(InputError, match="not a scheduler address"):
        evaluator(dask=address)


def test_good_dask_addresses_pass_the_check():
    from jinmyaku.studies.parallel import check_address

    for address in ("local", "tcp://10.0.0.5:8786", "tls://sched.example:8786",
                    "tcp://[::1]:8786"):
        check_address(address)


def _die(_: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_killed_mid_task_is_a_clear_error():
    """The OOM killer (or a crash in compiled code) ends a worker: the caller gets one
    message saying how it ended and what to try, not BrokenProcessPool's traceback."""
    with pytest.raises(WorkerDied, match="killed by SIGKILL.*--workers 0"):
        list(run_tasks(_die, {0: None, 1: None}, workers=1))


def _timed(seconds: float) -> tuple[int, float, float]:
    import time

    start = time.time()
    time.sleep(seconds)
    return os.getpid(), start, time.time()


def test_first_tasks_on_a_cold_kernel_cache_run_one_at_a_time(tmp_path, monkeypatch):
    """Two workers that would compile at once into one cache (numba#4807: a crash)
    take turns for their first task; later tasks run side by side."""
    monkeypatch.setenv("JINMYAKU_CACHE", str(tmp_path))  # empty: cold
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    got = dict(run_tasks(_timed, {i: 0.5 for i in range(4)}, workers=2))
    first: dict[int, tuple[float, float]] = {}
    for pid, start, end in sorted(got.values(), key=lambda r: r[1]):
        first.setdefault(pid, (start, end))
    assert len(first) == 2, got  # both workers ran a task
    (s1, e1), (s2, e2) = sorted(first.values())
    assert s2 >= e1 - 0.01  # the second worker's first task began after the first's ended
