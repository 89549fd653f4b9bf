"""Output folders written whole or not at all, by one writer at a time.

A results folder (a run, a report) is filled in a hidden *staging* folder
beside it (``.NAME.new-PID``) and swapped in for the old folder only once every
file and the manifest are written: an old complete folder is never lost, and
an interrupted or failed write leaves the old folder as it was. The swap is
one atomic exchange of the two folders where the system has it (Linux's
``renameat2(RENAME_EXCHANGE)``), else two renames; if the machine stops
between them, the next writer of the folder puts the old one back first.

One writer per folder: a writer holds an exclusive lock (``fcntl.flock``) on
``.NAME.lock`` beside the folder from the moment it claims the folder (before
a run starts) until the folder is swapped in; a second writer is refused at
once with a message naming the first one's process id. Staging folders left by
a killed writer are removed by the next writer of the same folder.

A folder that exists, is not empty and is not a results folder (it has no
``manifest.json``) is refused rather than replaced, so a mistyped ``--out``
cannot delete a user's own files. A command whose folders once had no
manifest names the files they held (``known``): a folder holding nothing else
is taken as that command's results too.

A results folder may also hold a user's own files (anything its manifest does
not list): they are carried into the new folder. One whose name the new write
would use is refused, not overwritten: when the claim is made if the writer
says up front what it writes (``writes``), else before the swap.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from jinmyaku.errors import InputError

MARKER = "manifest.json"  # a folder with it is a complete results folder
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(a))


def _top(name: str) -> str:
    """The top-level name of a file a manifest lists (``figures/a.png`` → ``figures``)."""
    return name.replace(os.sep, "/").split("/", 1)[0]


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class OutputFolder:
    """Claim ``out`` for writing (``with OutputFolder(out) as folder``), then
    :meth:`write` it whole. ``what`` names the folder in messages ("run folder");
    ``known``: the files of such a folder written before it had a manifest;
    ``writes``: the files the write will make (as far as known before it starts),
    so that a user's own file of one of those names is refused when claiming."""

    def __init__(self, out: str | os.PathLike, what: str = "results folder",
                 known: tuple[str, ...] = (), writes: Iterable[str] = ()) -> None:
        self.out = Path(out)
        if self.out.is_symlink():  # write where the link points; the link stays a link
            self.out = Path(os.path.realpath(self.out))
        here = Path.cwd().resolve()
        whole = Path(os.path.abspath(self.out))
        if whole == here or whole in here.parents or self.out.name in ("", ".", ".."):
            raise InputError(
                f"{out}: is the folder you are in (or one holding it), which a {what} "
                f"would replace whole; give the folder a name, e.g. --out results.")
        self.what = what
        self.known = frozenset(known)
        self.writes = frozenset(_top(n) for n in writes)
        self.parent = self.out.parent if str(self.out.parent) else Path(".")
        self.lock_path = self.parent / f".{self.out.name}.lock"
        self._fd: int | None = None
        self.swapped = False  # the new folder is in place (set the moment it is)

    # ------------------------------------------------------------ claiming

    def __enter__(self) -> OutputFolder:
        self.claim()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def claim(self) -> None:
        """Take the folder's lock and check it may be written; InputError if not."""
        try:
            self.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InputError(f"{self.out}: cannot write results there ({e.strerror or e}). "
                             f"Choose a writable folder with --out.") from None
        if self.out.exists() and not self.out.is_dir():
            raise InputError(f"{self.out}: exists and is not a folder; choose another --out.")
        self._lock()
        try:
            self._recover()
            if self.out.is_dir() and not (self.out / MARKER).exists() and any(
                    p.name not in self.known or not p.is_file() for p in self.out.iterdir()):
                raise InputError(
                    f"{self.out}: the folder exists, is not empty and is not a jinmyaku "
                    f"{self.what} (it has no {MARKER}); it is left as it is. Choose a new "
                    f"or empty folder with --out.")
            self._refuse_overwriting(self.writes)
            self._probe()
        except BaseException:
            self.release()
            raise

    def _listed(self) -> set[str] | None:
        """The top-level names the folder's manifest lists; None if it has none that
        can be read (then which files are the user's cannot be told)."""
        try:
            return {_top(n) for n in json.loads(
                (self.out / MARKER).read_text(encoding="utf-8")).get("files", {})}
        except (OSError, ValueError, AttributeError, TypeError):
            return None

    def _own_files(self) -> set[str]:
        """Names in the folder that are the user's own: neither listed in its manifest
        nor the manifest nor a ``known`` file. Empty for no folder."""
        if not self.out.is_dir():
            return set()
        ours = {*(self._listed() or ()), MARKER, *self.known}
        return {p.name for p in self.out.iterdir() if p.name not in ours}

    def _refuse_overwriting(self, names: Iterable[str]) -> None:
        """InputError if a user's own file has one of ``names`` (a new write would replace
        it, and it is not the old write's to replace). A folder whose manifest cannot
        be read (damaged) is taken as the old write's: its files are replaced."""
        if self._listed() is None:
            return
        clash = sorted(self._own_files() & {_top(n) for n in names})
        if clash:
            paths = ", ".join(str(self.out / n) for n in clash)
            raise InputError(
                f"{paths}: not a file of the {self.what} there (its {MARKER} does not "
                f"list it), and the new {self.what} would write over it; it is left as it "
                f"is. Move or rename it, or choose another --out.")

    def _lock(self) -> None:
        while True:
            try:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as e:
                raise InputError(f"{self.out}: cannot write beside it in {self.parent} "
                                 f"({e.strerror or e}). Choose a writable folder with "
                                 f"--out.") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                raise InputError(
                    f"{self.out}: another jinmyaku process (pid {holder}) is writing this "
                    f"folder; wait for it to finish or choose another --out.") from None
            # the file may have been removed by the writer before us between our open and
            # our lock: then we hold a lock nobody else sees, so start again
            try:
                same = os.fstat(fd).st_ino == os.stat(self.lock_path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self._fd = fd  # held: released (and the file removed) on any failure
                try:
                    os.ftruncate(fd, 0)
                    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
                except OSError as e:
                    self.release()
                    raise InputError(
                        f"{self.lock_path}: cannot write the lock of {self.out} "
                        f"({e.strerror or e}). If the disk is full, free some space or "
                        f"choose another --out.") from None
                return
            os.close(fd)

    def _recover(self) -> None:
        """Undo what a killed writer left: an old folder moved aside, staging folders."""
        old = sorted(self.parent.glob(f".{self.out.name}.old-*"))
        if not self.out.exists():
            complete = [p for p in old if (p / MARKER).exists()]
            if complete:  # stopped between the two renames of a swap: put the old one back
                complete[-1].rename(self.out)
                old.remove(complete[-1])
        for p in [*old, *self.parent.glob(f".{self.out.name}.new-*")]:
            shutil.rmtree(p, ignore_errors=True)

    def _probe(self) -> None:
        probe = self.parent / f".{self.out.name}.probe-{os.getpid()}"
        try:
            probe.mkdir()
            probe.rmdir()
        except OSError as e:
            raise InputError(f"{self.out}: cannot write results there ({e.strerror or e}). "
                             f"Choose a writable folder with --out.") from None

    def release(self) -> None:
        """Give up the claim (the lock file goes; the folder stays as it is)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.lock_path)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    # ------------------------------------------------------------ writing

    def write(self, fill: Callable[[Path], list[str]]) -> list[str]:
        """Call ``fill(staging)`` to write every file into a staging folder, then swap
        it in for the folder; returns what ``fill`` returns. On any failure the
        staging folder goes and the old folder stays as it was."""
        if self._fd is None:
            raise RuntimeError("claim the folder first (with OutputFolder(out) as folder)")
        staging = self.parent / f".{self.out.name}.new-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            staging.mkdir()
            files = fill(staging)
            self._keep_others(staging, files)
            _fsync_dir(staging)
            self._swap(staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _fsync_dir(self.parent)
        return files

    def _keep_others(self, staging: Path, files: list[str]) -> None:
        """Carry into the staging folder what the old folder holds that no run wrote:
        a user's own files (not listed in the old manifest, not written now). The old
        run's files that this one does not write (an old ``network.graphml``) go with
        the old run. Files are hard-linked where the system allows (else copied), so
        the old folder stays whole until the swap."""
        own = self._own_files()
        # a user's file this write has the name of: refused before the swap (a writer
        # that said what it writes was refused when it claimed the folder)
        self._refuse_overwriting({*(_top(n) for n in files),
                                  *(n for n in own if os.path.lexists(staging / n))})
        for name in sorted(own):
            p = self.out / name
            if os.path.lexists(staging / name):  # written now (the old manifest is damaged)
                continue
            target = staging / name
            if p.is_dir() and not p.is_symlink():
                shutil.copytree(p, target, symlinks=True)
            elif p.is_symlink():
                os.symlink(os.readlink(p), target)
            else:
                try:
                    os.link(p, target)
                except OSError:
                    shutil.copy2(p, target)

    def _swap(self, staging: Path) -> None:
        if not self.out.exists():
            os.rename(staging, self.out)
            self.swapped = True
            return
        if _exchange(staging, self.out):
            self.swapped = True
            shutil.rmtree(staging, ignore_errors=True)  # now the old folder
            return
        old = self.parent / f".{self.out.name}.old-{os.getpid()}"
        os.rename(self.out, old)
        os.rename(staging, self.out)
        self.swapped = True
        shutil.rmtree(old, ignore_errors=True)
