"""Where Numba keeps compiled kernels: one folder per version of the source.

Numba's own cache (``cache=True``) is keyed on each module's file and
timestamp only, so a kernel that calls a kernel of another module (say, an
encounter kernel calling ``ties.create_tie``) keeps running the old callee
after that other module changes — results silently depend on what was
compiled before. Keying the cache folder on a hash of every kernel source of
the package makes a cached kernel valid exactly for the code it was compiled
from. The folder is ``$JINMYAKU_CACHE`` (default ``~/.cache/jinmyaku``, or
a folder in the temp directory if the home is not writable) / ``kernels-HASH``.
Setting ``NUMBA_CACHE_DIR`` yourself turns this off.

Two steps, split between the library and the command line:

* :func:`configure` (run on import by ``jinmyaku.model`` and ``jinmyaku.analysis``,
  the layers that define kernels) only points Numba's
  ``config.CACHE_DIR`` at the versioned folder. It creates nothing, removes
  nothing and changes no environment variable: importing a library should not
  touch the file system or the process. Numba creates the folder itself when a
  kernel module is imported (it checks the folder is writable) and fills it as
  kernels are compiled. The folder must be chosen before any kernel module is
  imported, because Numba fixes each kernel's cache location when the kernel
  is defined; that is why this one step happens at import.
* :func:`prepare` (run by the ``jinmyaku`` command, :func:`jinmyaku.faces.cli.main`)
  also creates the folder, marks it as used and removes old folders, keeping
  the :data:`KEEP` most recently used. Removing other versions' kernels is a
  decision for a program, not for an import: a library user who imports two
  versions (say, two checkouts) side by side would otherwise have each delete
  the other's cache. Library-only use never prunes; folders are small (a few
  MB) and ``jinmyaku`` runs, or deleting the base folder, clean them up.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

KEEP = 3  # cache folders (source versions) kept


def source_hash(root: Path | None = None) -> str:
    """A short hash of the package's kernel sources (paths and contents).

    Only files that define kernels or the intrinsics kernels call (mention
    ``njit`` or ``intrinsic``) count, so editing the CLI or a report does not
    throw compiled kernels away. This file does not count either (it only says
    where kernels are kept).
    """
    if root is None:
        return _own_hash()
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        if path.relative_to(root).as_posix() == "_kernel_cache.py":
            continue
        text = path.read_bytes()
        if b"njit" in text or b"intrinsic" in text:
            h.update(path.relative_to(root).as_posix().encode())
            h.update(text)
    return h.hexdigest()[:16]


@functools.cache
def _own_hash() -> str:
    """The package's own hash, computed once per process (two layers configure)."""
    return source_hash(Path(__file__).parent)


def folder() -> Path | None:
    """The versioned cache folder for this source, chosen without creating anything.

    None if the user set ``NUMBA_CACHE_DIR`` (their choice stands) or no candidate
    place can be written.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    name = f"kernels-{source_hash()}"
    for base in _bases():
        if _writable(base / name):
            return base / name
    return None


def configure() -> Path | None:
    """Point Numba's cache at this source version's folder (nothing is created or removed).

    Returns the folder, or None if the user chose one with ``NUMBA_CACHE_DIR``.
    Must run before any kernel module is imported.
    """
    where = folder()
    if where is None:
        return None
    from numba.core import config

    config.CACHE_DIR = str(where)
    return where


def prepare() -> Path | None:
    """For a program: create this version's folder, mark it used, prune old ones.

    Returns the folder, or None if the user chose one or none can be made.
    """
    where = folder()
    if where is None:
        return None
    try:
        where.mkdir(parents=True, exist_ok=True)
        os.utime(where)
    except OSError:
        return None
    from numba.core import config

    config.CACHE_DIR = str(where)
    _prune(where.parent, where)
    return where


def is_cold(root: Path | None = None) -> bool:
    """True if the engine's kernels are not in the cache yet (the next run compiles them).

    Looks for Numba's index files (``*.nbi``) of two modules every weekly run
    uses, ``model/ties.py`` and ``model/processes/maintenance.py``, in the
    folders Numba uses for them.
    """
    from numba.core import caching, config

    model = (root or Path(__file__).parent) / "model"
    for source in (model / "ties.py", model / "processes" / "maintenance.py"):
        if config.CACHE_DIR:
            sub = caching._CacheLocator.get_suitable_cache_subpath(str(source))
            where = Path(config.CACHE_DIR, sub)
        else:  # no cache folder chosen: Numba caches beside the sources
            where = source.parent / "__pycache__"
        try:
            if not any(where.glob(f"{source.stem}.*.nbi")):
                return True
        except OSError:
            return True
    return False


def _writable(path: Path) -> bool:
    """Whether ``path`` exists as a writable folder or could be made (a read-only check)."""
    for p in (path, *path.parents):
        if p.exists():
            return p.is_dir() and os.access(p, os.W_OK | os.X_OK)
    return False


def _bases() -> list[Path]:
    """Where cache folders may go: $JINMYAKU_CACHE, else ~/.cache/jinmyaku, else the temp dir."""
    if os.environ.get("JINMYAKU_CACHE"):
        return [Path(os.environ["JINMYAKU_CACHE"])]
    places = []
    try:
        places.append(Path.home() / ".cache" / "jinmyaku")
    except RuntimeError:  # no home directory
        pass
    user = os.getuid() if hasattr(os, "getuid") else 0
    places.append(Path(tempfile.gettempdir()) / f"jinmyaku-{user}")
    return places


def _prune(base: Path, current: Path) -> None:
    """Remove all but the KEEP most recently used folders (others may be pruning too)."""
    aged = []
    for p in base.glob("kernels-*"):
        try:
            if p != current and p.is_dir():
                aged.append((p.stat().st_mtime, p))
        except OSError:
            continue  # removed by another process meanwhile
    aged.sort(reverse=True)
    for mtime, old in aged[KEEP - 1:]:
        if time.time() - mtime > 60:  # not one another process just made
            shutil.rmtree(old, ignore_errors=True)
