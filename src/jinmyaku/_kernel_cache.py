"""Where Numba keeps compiled kernels: one folder per version of the source.

Numba's own cache (``cache=True``) is keyed on each module's file and
timestamp only, so a kernel that calls a kernel of another module (say, an
encounter kernel calling ``ties.create_tie``) keeps running the old callee
after that other module changes — results silently depend on what was
compiled before. Keying the cache folder on a hash of every kernel source of
the package makes a cached kernel valid exactly for the code it was compiled
from. The folder is ``$JINMYAKU_CACHE`` (default ``~/.cache/jinmyaku``, or
a folder in the temp directory if the home is not writable) / ``kernels-HASH``;
the few most recently used are kept, older ones removed.
Setting ``NUMBA_CACHE_DIR`` yourself turns this off.
"""

from __future__ import annotations

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
    throw compiled kernels away.
    """
    root = root or Path(__file__).parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        text = path.read_bytes()
        if b"njit" in text or b"intrinsic" in text:
            h.update(path.relative_to(root).as_posix().encode())
            h.update(text)
    return h.hexdigest()[:16]


def configure() -> Path | None:
    """Point Numba's cache at this source version's folder; None if the user chose one."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    from numba.core import config

    name = f"kernels-{source_hash()}"
    for base in _bases():
        folder = base / name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            os.utime(folder)
        except OSError:
            continue  # not writable: try the next place
        config.CACHE_DIR = str(folder)
        _prune(base, folder)
        return folder
    return None


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
