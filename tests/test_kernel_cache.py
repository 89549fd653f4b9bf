"""The kernel cache folder follows the kernel sources, and pruning tolerates races."""

from __future__ import annotations

import os
import time

from jinmyaku import _kernel_cache as kc


def test_the_hash_changes_with_kernel_sources_only(tmp_path):
    (tmp_path / "k.py").write_text("from numba import njit\n")
    (tmp_path / "cli.py").write_text("print('hello')\n")
    h = kc.source_hash(tmp_path)
    (tmp_path / "cli.py").write_text("print('changed')\n")
    assert kc.source_hash(tmp_path) == h  # a file without kernels does not count
    (tmp_path / "k.py").write_text("from numba import njit  # changed\n")
    assert kc.source_hash(tmp_path) != h


def test_prune_keeps_the_newest_and_ignores_folders_already_gone(tmp_path):
    now = time.time()
    folders = []
    for n in range(6):
        f = tmp_path / f"kernels-{n}"
        f.mkdir()
        os.utime(f, (now - 1000 + n, now - 1000 + n))
        folders.append(f)
    current = folders[0]
    kc._prune(tmp_path, current)
    left = sorted(p.name for p in tmp_path.iterdir())
    # the current one plus the KEEP - 1 most recently used others
    assert left == sorted([current.name] + [f.name for f in folders[-(kc.KEEP - 1):]])
    kc._prune(tmp_path / "missing", current)  # nothing there: no error
