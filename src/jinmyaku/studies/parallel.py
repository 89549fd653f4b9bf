"""Run many independent tasks on local worker processes or a Dask cluster.

The model is kept apart from where it runs (as in the EMA Workbench): a task
is ``fn(arg)`` with ``fn`` a top-level, picklable function, and an *evaluator*
decides where it runs. Three evaluators share one interface
(:class:`Evaluator`: a context manager with ``imap_unordered``):

* :class:`InProcess` (``workers=0``): in this process, one task after another;
  for debugging and for functions that cannot be pickled.
* :class:`LocalProcesses` (the default): a
  :class:`concurrent.futures.ProcessPoolExecutor` of ``workers`` processes
  started with ``spawn`` (default ``os.cpu_count()``), nothing to start first.
* :class:`DaskCluster` (``dask="local"`` or ``dask="tcp://HOST:8786"``): a Dask
  distributed ``LocalCluster`` of ``workers`` single-threaded worker processes,
  or the scheduler of a cluster started with ``dask scheduler`` and
  ``dask worker ADDRESS`` (every worker needs the same jinmyaku installed).

:func:`run_tasks` picks one and yields ``(key, result)`` as tasks complete.
Every task limits Numba to one thread in its process (several tasks at once on
one machine would otherwise oversubscribe the cores); jinmyaku's results are
byte-identical whatever the thread count, so this changes speed only.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Protocol

from jinmyaku.errors import InputError

Task = tuple[Hashable, Any]


def _one_numba_thread() -> None:
    """Limit Numba in this process (and thread) to one thread."""
    if "numba" not in sys.modules:
        os.environ["NUMBA_NUM_THREADS"] = "1"
        return
    import numba

    numba.set_num_threads(1)


def _die_with_parent(parent: int) -> None:
    """End this process when ``parent`` dies, even by SIGKILL (which no parent can catch).

    Linux: the kernel sends SIGKILL on the parent's death (``prctl(PR_SET_PDEATHSIG)``);
    elsewhere a daemon thread checks the parent once a second. A worker whose
    parent died before this ran exits at once.
    """
    import threading

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, int(signal.SIGKILL), 0, 0, 0) != 0:  # 1: PR_SET_PDEATHSIG
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError):
        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, daemon=True, name="jinmyaku-parent-watch").start()
    if os.getppid() != parent:
        os._exit(1)


def _init_local_worker(parent: int | None = None) -> None:
    """A local worker: ends with its parent; one Numba thread; Ctrl-C is left to the
    parent, which cancels the rest."""
    if parent is not None:
        _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _one_numba_thread()


_first_task_done = False  # in this worker process


def call(fn: Callable[[Any], Any], arg: Any) -> Any:
    """Run one task where it lands: one Numba thread, then ``fn(arg)``.

    A worker's first task, while the kernel cache is cold, runs holding a lock on
    the cache folder (:func:`compiling_alone`).
    """
    global _first_task_done
    _one_numba_thread()
    if _first_task_done:
        return fn(arg)
    _first_task_done = True
    with compiling_alone():
        return fn(arg)


@contextlib.contextmanager
def compiling_alone() -> Iterator[bool]:
    """While the model's kernels are not cached yet, let one process at a time compile them.

    Numba's cache is not safe when several processes compile and write the same
    kernels at once: a process can load an index that points at another's half-
    written code and crash (numba/numba#4807, #10128, open). So, on a cold cache,
    a worker runs its first task (which compiles) holding an exclusive lock on
    ``.compiling.lock`` in the cache folder; the next worker then finds the
    kernels cached. Yields whether it held the lock. On a warm cache it does
    nothing. Costs at most one task's time per worker, once per source version.
    """
    import fcntl

    import jinmyaku._kernel_cache as _kernel_cache
    import jinmyaku.model  # noqa: F401  (chooses the cache folder)

    if not _kernel_cache.is_cold():
        yield False
        return
    from numba.core import config

    folder = Path(config.CACHE_DIR or tempfile.gettempdir())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / ".compiling.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:  # no lock to be had: compile as before
        yield False
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield True
    finally:
        os.close(fd)  # releases the lock


def worker_info(_: object = None) -> dict[str, Any]:
    """Where a task ran: host, pid, Python, jinmyaku version, Numba threads in use.

    Useful to check a cluster: ``run_tasks(worker_info, {0: None}, dask=ADDRESS)``.
    """
    import platform

    import numba

    from jinmyaku._version import __version__

    return {"host": platform.node(), "pid": os.getpid(), "python": platform.python_version(),
            "jinmyaku": __version__, "numba_threads": numba.get_num_threads()}


class Evaluator(Protocol):
    """Where tasks run. Use as a context manager; ``imap_unordered`` yields as tasks finish."""

    def __enter__(self) -> Evaluator: ...

    def __exit__(self, *exc: object) -> None: ...

    def imap_unordered(self, fn: Callable[[Any], Any],
                       tasks: Iterable[Task]) -> Iterator[tuple[Hashable, Any]]: ...


def _with_key(e: BaseException, key: Hashable) -> BaseException:
    with contextlib.suppress(AttributeError):
        e.add_note(f"(in task {key!r})")
    return e


class InProcess:
    """Tasks run one after another in this process (``workers=0``)."""

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def imap_unordered(self, fn, tasks):
        for key, arg in tasks:
            try:
                result = fn(arg)
            except Exception as e:
                raise _with_key(e, key) from None
            yield key, result


class LocalProcesses:
    """A pool of ``workers`` spawned processes on this machine.

    Workers ignore Ctrl-C: the parent stops, cancels the queued tasks and
    terminates the workers (their tasks in flight are lost). Workers end when the
    parent dies, however it dies (``kill -9`` included), so none is left holding
    memory or the parent's output.

    At most ``2 × workers`` tasks are queued at a time, so the tasks iterable
    is consumed lazily and little is lost when the caller stops early.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None
        self._seen: set = set()  # every worker process started, to say how one ended

    def __enter__(self) -> LocalProcesses:
        self._pool = ProcessPoolExecutor(self.workers,
                                         mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_init_local_worker,
                                         initargs=(os.getpid(),))
        return self

    def __exit__(self, exc_type, *exc: object) -> None:
        if self._pool is None:
            return
        if exc_type is None:
            self._pool.shutdown(wait=True)
        else:
            # An error or interrupt: drop queued tasks and stop the running ones now
            # (their results would be thrown away), rather than wait for them.
            workers = list((getattr(self._pool, "_processes", None) or {}).values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for proc in workers:
                with contextlib.suppress(Exception):
                    proc.terminate()
        self._pool = None

    def imap_unordered(self, fn, tasks):
        assert self._pool is not None, "use LocalProcesses as a context manager"
        pending: dict = {}
        it = iter(tasks)
        exhausted = False
        while True:
            while not exhausted and len(pending) < 2 * self.workers:
                try:
                    key, arg = next(it)
                except StopIteration:
                    exhausted = True
                    break
                pending[self._pool.submit(call, fn, arg)] = key
                self._seen.update((getattr(self._pool, "_processes", None) or {}).values())
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in sorted(done, key=lambda f: str(pending[f])):
                key = pending.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    raise WorkerDied(self._casualties()) from None
                except Exception as e:
                    raise _with_key(e, key) from None
                yield key, result

    def _casualties(self) -> str:
        """How the pool's dead workers ended, for the message (e.g. 'killed by SIGKILL')."""
        ends = set()
        # The pool forgets its workers once broken, and its own thread may be reaping
        # them: wait a moment for the exit status of each that is ending.
        deadline = time.monotonic() + 2.0
        while any(p.exitcode is None for p in self._seen) and time.monotonic() < deadline:
            time.sleep(0.02)
        for proc in self._seen:
            code = proc.exitcode
            if code is not None and code < 0:
                try:
                    ends.add(f"killed by {signal.Signals(-code).name}")
                except ValueError:
                    ends.add(f"killed by signal {-code}")
            elif code:
                ends.add(f"exit status {code}")
        return ", ".join(sorted(ends)) or "unknown"


class WorkerDied(InputError):
    """A local worker process ended in the middle of a task (killed, or crashed)."""

    def __init__(self, how: str) -> None:
        super().__init__(
            f"a worker process ended in the middle of a task ({how}): killed by the "
            f"system (out of memory, or another program), or crashed. What was finished "
            f"is kept as each command says (a sweep resumes when run again). Try again "
            f"with fewer --workers, or --workers 0 to run in this process.")


CONNECT_TIMEOUT = 20.0  # seconds to wait for a remote Dask scheduler


class DaskCluster:
    """A Dask distributed cluster: ``"local"`` starts a LocalCluster, else a scheduler address.

    A LocalCluster has ``workers`` worker processes (default ``os.cpu_count()``)
    of one thread each; with ``processes=False`` they are threads of this
    process instead (quicker to start, for tests). ``timeout``: seconds to wait
    for a remote scheduler. Tasks are submitted all at once; the scheduler
    balances them over the workers.
    """

    def __init__(self, address: str, workers: int | None = None,
                 processes: bool = True, timeout: float | None = None) -> None:
        self.address = address
        self.timeout = CONNECT_TIMEOUT if timeout is None else timeout
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.processes = processes
        self._cluster = None
        self._client = None

    def __enter__(self) -> DaskCluster:
        from distributed import Client, LocalCluster

        try:
            if self.address == "local":
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                             processes=self.processes, dashboard_address=None)
                self._client = Client(self._cluster)
            else:
                self._client = Client(self.address, timeout=f"{self.timeout}s")
        except (OSError, ValueError, TypeError) as e:
            self.__exit__(None)
            if not isinstance(e, OSError):
                raise InputError(f"--dask {self.address}: not a scheduler address ({e}). Give "
                                 f"one such as tcp://HOST:8786, or local.") from None
            raise InputError(f"--dask {self.address}: cannot reach a Dask scheduler there ({e}). "
                             f"Start one with `dask scheduler` and workers with "
                             f"`dask worker {self.address}`, or use --dask local.") from None
        return self

    def __exit__(self, *exc: object) -> None:
        for obj in (self._client, self._cluster):
            if obj is not None:
                with contextlib.suppress(Exception):
                    obj.close()
        self._client = self._cluster = None

    @property
    def client(self):
        """The ``distributed.Client`` (inside the ``with`` block)."""
        return self._client

    def imap_unordered(self, fn, tasks):
        from distributed import as_completed

        assert self._client is not None, "use DaskCluster as a context manager"
        tag = uuid.uuid4().hex[:8]
        keys = {}
        futures = []
        for i, (key, arg) in enumerate(tasks):
            fut = self._client.submit(call, fn, arg, key=f"jinmyaku-{tag}-{i}", pure=False)
            keys[fut.key] = key
            futures.append(fut)
        try:
            for fut in as_completed(futures):
                key = keys[fut.key]
                try:
                    result = fut.result()
                except Exception as e:
                    raise _with_key(e, key) from None
                fut.release()
                yield key, result
        finally:
            self._client.cancel([f for f in futures if not f.done()])


def dask_schemes() -> list[str]:
    """The address schemes Dask distributed can connect with here (``tcp``, ``tls``,
    ``inproc``, ``ws``, ``wss``, ``ucx`` and any a plug-in registers), from its registry."""
    from importlib.metadata import entry_points

    import distributed.comm  # noqa: F401  (registers the built-in backends)
    from distributed.comm import registry

    names = set(registry.backends)
    names.update(ep.name for ep in entry_points(group="distributed.comm.backends"))
    return sorted(names)


def check_address(dask: str) -> None:
    """Refuse (InputError) a ``--dask`` value that is neither ``local`` nor
    ``SCHEME://HOST:PORT`` with a scheme Dask knows and a port number."""
    if dask == "local":
        return
    scheme, sep, rest = dask.partition("://")
    host, colon, port = rest.rpartition(":")
    if not sep or not scheme.isalpha() or not colon or not host or not port.isdigit() or not (
            0 < int(port) < 65536):
        raise InputError(f"--dask {dask}: not a scheduler address; give one such as "
                         f"tcp://HOST:8786 (scheme, host and port), or local.")
    schemes = dask_schemes()
    if scheme not in schemes:
        raise InputError(f"--dask {dask}: not a scheduler address; the scheme {scheme} is "
                         f"not one Dask connects with ({', '.join(schemes)}); give one such "
                         f"as tcp://HOST:8786, or local.")


def evaluator(workers: int | None = None, dask: str | None = None) -> Evaluator:
    """The evaluator for these options: InProcess (workers=0), DaskCluster or LocalProcesses."""
    if workers is not None and workers < 0:
        raise InputError(f"--workers {workers}: give 0 (in this process) or more workers.")
    if dask:
        check_address(dask)
        return DaskCluster(dask, workers)
    if workers == 0:
        return InProcess()
    return LocalProcesses(workers)


def run_tasks(fn: Callable[[Any], Any], tasks: Mapping[Hashable, Any] | Iterable[Task], *,
              workers: int | None = None, dask: str | None = None,
              progress: Callable[[int, int], None] | None = None,
              using: Evaluator | None = None,
              ) -> Iterator[tuple[Hashable, Any]]:
    """Run ``fn(arg)`` for every task; yield ``(key, result)`` in order of completion.

    ``tasks``: a mapping key → arg, or an iterable of ``(key, arg)`` pairs.
    ``fn`` must be a top-level (picklable) function unless ``workers=0``.
    ``workers``: processes on this machine (default ``os.cpu_count()``; 0 runs
    tasks in this process), or Dask workers of a LocalCluster. ``dask``:
    ``"local"`` for a LocalCluster, or a scheduler address such as
    ``"tcp://10.0.0.5:8786"``. ``progress(done, total)`` is called after each
    task (``total`` is 0 if ``tasks`` has no length). ``using``: an evaluator the
    caller has already entered (and will exit), instead of one made from
    ``workers`` and ``dask``; a sweep connects to its cluster before it makes its
    folder.

    A task's exception is raised here, with a note naming its key; stopping
    the iteration early (``break``, an exception, Ctrl-C) cancels the tasks
    not started yet (local worker processes are terminated, Dask tasks cancelled).
    """
    items = tasks.items() if isinstance(tasks, Mapping) else tasks
    total = len(items) if hasattr(items, "__len__") else 0
    done = 0
    with contextlib.nullcontext(using) if using is not None else evaluator(workers, dask) as ev:
        for key, result in ev.imap_unordered(fn, items):
            done += 1
            if progress is not None:
                progress(done, total)
            yield key, result
