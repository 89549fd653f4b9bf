"""The kernel cache folder follows the kernel sources, and pruning tolerates races."""

from __future__ import annotations

import os
import time
from pathlib import Path

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


def test_configure_points_numba_at_the_folder_and_creates_nothing(tmp_path, monkeypatch):
    from numba.core import config

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("JINMYAKU_CACHE", str(tmp_path / "base"))
    monkeypatch.setattr(config, "CACHE_DIR", config.CACHE_DIR)  # restored afterwards
    folder = kc.configure()
    assert folder == tmp_path / "base" / f"kernels-{kc.source_hash()}"
    assert config.CACHE_DIR == str(folder)
    assert not (tmp_path / "base").exists()  # nothing made: Numba makes it when needed


def test_prepare_creates_the_folder_and_prunes_old_ones(tmp_path, monkeypatch):
    from numba.core import config

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("JINMYAKU_CACHE", str(tmp_path))
    monkeypatch.setattr(config, "CACHE_DIR", config.CACHE_DIR)
    old = time.time() - 3600
    for n in range(5):
        (tmp_path / f"kernels-old{n}").mkdir()
        os.utime(tmp_path / f"kernels-old{n}", (old + n, old + n))
    folder = kc.prepare()
    assert folder.is_dir() and config.CACHE_DIR == str(folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [folder.name] + [f"kernels-old{n}" for n in range(5 - (kc.KEEP - 1), 5)])


def test_a_cache_the_user_chose_is_left_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("JINMYAKU_CACHE", str(tmp_path / "base"))
    assert kc.configure() is None and kc.prepare() is None
    assert not (tmp_path / "base").exists()


def test_an_unwritable_place_is_passed_over_without_writing(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK):  # root ignores permissions
            return
        assert not kc._writable(ro / "sub" / "kernels-x")
        assert kc._writable(tmp_path / "new" / "kernels-x")
        assert not (tmp_path / "new").exists()
    finally:
        ro.chmod(0o700)


def test_is_cold_until_the_engine_kernels_are_cached(tmp_path, monkeypatch):
    from numba.core import caching, config

    monkeypatch.setattr(config, "CACHE_DIR", str(tmp_path))
    assert kc.is_cold()
    model = Path(kc.__file__).parent / "model"
    for source in (model / "ties.py", model / "processes" / "maintenance.py"):
        where = tmp_path / caching._CacheLocator.get_suitable_cache_subpath(str(source))
        assert kc.is_cold()
        where.mkdir(parents=True)
        (where / f"{source.stem}.create_tie-10.py311.nbi").write_bytes(b"")
    assert not kc.is_cold()


def test_is_cold_in_a_fresh_cache_and_warm_once_a_run_has_compiled(tmp_path):
    """Against Numba's real cache layout: a fresh folder is cold (a new process that
    has imported the kernels but run nothing); after a run in this process, warm."""
    import subprocess
    import sys

    import jinmyaku
    from jinmyaku.studies.results import simulate

    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["JINMYAKU_CACHE"] = str(tmp_path)
    code = ("import jinmyaku.model.engine; from jinmyaku import _kernel_cache as kc; "
            "print(kc.is_cold())")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "True"
    simulate(jinmyaku.load("small", ["population.people=200", "population.steps=2",
                                     "cohorts.size=10"]))
    assert not kc.is_cold()
