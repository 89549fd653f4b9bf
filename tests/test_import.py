"""Importing jinmyaku changes nothing: not the environment, the umask, matplotlib's
backend or settings, nor any file (the kernel cache folders included)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

CHECK = r"""
import json, os, pkgutil, importlib, sys
from pathlib import Path

umask_calls = []
real_umask = os.umask
def umask(mask):
    umask_calls.append(mask)
    return real_umask(mask)
os.umask = umask

import matplotlib
env_before = dict(os.environ)
rc_before = {k: str(v) for k, v in matplotlib.rcParams.items()}
base = Path(os.environ["JINMYAKU_CACHE"])

import jinmyaku
after_import = {
    "environ": dict(os.environ) == env_before,
    "base_listing": sorted(p.name for p in base.iterdir()) if base.exists() else None,
}
if sys.argv[1] == "all":
    for mod in pkgutil.walk_packages(jinmyaku.__path__, "jinmyaku."):
        importlib.import_module(mod.name)
rc_after = {k: str(v) for k, v in matplotlib.rcParams.items()}
print(json.dumps({
    **after_import,
    "environ_all": dict(os.environ) == env_before,
    "umask_calls": umask_calls,
    "rc_changed": sorted(k for k in rc_before if rc_before[k] != rc_after.get(k)),
    "backend": matplotlib.rcParams["backend"],
    "cache_dir": __import__("numba").config.CACHE_DIR,
    "base_listing_all": sorted(p.name for p in base.iterdir()) if base.exists() else None,
}))
"""


def _check(tmp_path, what: str) -> dict:
    base = tmp_path / "cache"
    base.mkdir()
    old = time.time() - 3600
    for n in range(5):  # other versions' kernels, unused for an hour: the CLI would prune
        (base / f"kernels-old{n}").mkdir()
        os.utime(base / f"kernels-old{n}", (old, old))
    env = {k: v for k, v in os.environ.items()
           if k not in ("GOMP_SPINCOUNT", "NUMBA_CACHE_DIR", "MPLBACKEND")}
    env.update(JINMYAKU_CACHE=str(base), MPLBACKEND="pdf")  # a backend report.py must keep
    out = subprocess.run([sys.executable, "-c", CHECK, what], env=env, capture_output=True,
                         text=True, check=True, cwd=tmp_path)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_jinmyaku_changes_nothing(tmp_path):
    r = _check(tmp_path, "top")
    assert r["environ"] and r["environ_all"]
    assert r["umask_calls"] == []
    assert r["rc_changed"] == [] and r["backend"] == "pdf"
    # the cache folders are all still there, and no new one was made ...
    assert r["base_listing"] == [f"kernels-old{n}" for n in range(5)]
    assert r["base_listing_all"] == r["base_listing"]
    # ... and Numba is left alone: the layers with kernels configure it (next test)
    assert r["cache_dir"] == ""


def test_importing_every_module_changes_nothing_but_numba_s_own_folder(tmp_path):
    """Every submodule (reports, the CLI, the kernels) too; Numba makes this version's
    cache folder when a kernel module is imported, and nothing else appears or goes."""
    r = _check(tmp_path, "all")
    assert r["environ_all"]
    assert r["umask_calls"] == []
    assert r["rc_changed"] == [] and r["backend"] == "pdf"
    # Numba is told where this version's kernels go (it creates that folder itself)
    assert r["cache_dir"].startswith(str(tmp_path / "cache" / "kernels-"))
    made = set(r["base_listing_all"]) - set(r["base_listing"])
    assert set(r["base_listing"]) <= set(r["base_listing_all"])  # nothing pruned
    assert made <= {os.path.basename(r["cache_dir"])}
