"""Where Numba keeps compiled kernels: one folder per version of the source.

Numba's own cache (``cache=True``) is keyed on each module's file and
timestamp only, so a kernel that calls a kernel of another module (say, an
encounter kernel calling ``ties.create_tie``) keeps running the old callee
after that other module changes — results silently depend on what was
compiled before. Keying the cache folder on a hash of every kernel source of
the package makes a cached kernel valid exactly for the code it was compiled
from. The folder is ``$JINMYAKU_CACHE`` (default ``~/.cache/jinmyaku``) /
``kernels-HASH``; the few most recently used are kept, older ones removed.
Setting ``NUMBA_CACHE_DIR`` yourself turns this off.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

KEEP = 3  # cache folders (source versions) kept


def source_hash(root: Path | None = None) -> str:
    """A short hash of the package's kernel sources (paths and contents).

    Only files that define kernels (mention ``njit``) count, so editing the
    CLI or a report does not throw compiled kernels away.
    """
    root = root or Path(__file__).parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        text = path.read_bytes()
        if b"njit" in text:
            h.update(path.relative_to(root).as_posix().encode())
            h.update(text)
    return h.hexdigest()[:16]


def configure() -> Path | None:
    """Point Numba's cache at this source version's folder; None if the user chose one."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    from numba.core import config

    base = Path(os.environ.get("JINMYAKU_CACHE") or Path.home() / ".cache" / "jinmyaku")
    folder = base / f"kernels-{source_hash()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.utime(folder)
        _prune(base, folder)
    except OSError:
        return None  # read-only home: Numba falls back to its default places
    config.CACHE_DIR = str(folder)
    return folder


def _prune(base: Path, current: Path) -> None:
    others = sorted((p for p in base.glob("kernels-*") if p != current and p.is_dir()),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[KEEP - 1:]:
        if time.time() - old.stat().st_mtime > 60:  # not one another process just made
            shutil.rmtree(old, ignore_errors=True)
