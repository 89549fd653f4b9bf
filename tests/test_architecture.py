"""The package's layers hold: contracts kept, no import cycles, studies use the engine's seams.

Each check is also run on a copy of the package with a defect planted in it, to
show it can fail.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "jinmyaku"

CYCLES = """
import sys, grimp, networkx as nx
g = grimp.build_graph("jinmyaku")
G = nx.DiGraph()
for m in g.modules:
    for i in g.find_modules_directly_imported_by(m):
        G.add_edge(m, i)
for c in nx.simple_cycles(G):
    print(" -> ".join([*c, c[0]]))
"""


def _run(args: list[str], src: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=300)


def lint_imports(src: Path) -> subprocess.CompletedProcess:
    """Run import-linter with the contracts of pyproject.toml on the package under ``src``."""
    lint = Path(sys.executable).with_name("lint-imports")
    return _run([str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"], src)


def cycles(src: Path) -> list[str]:
    out = _run([sys.executable, "-c", CYCLES], src)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    """A copy of the package in which the model imports the CLI (a face) and
    the CLI module is imported back by the scenario: a broken layer and a cycle."""
    src = tmp_path_factory.mktemp("planted") / "src"
    shutil.copytree(PACKAGE, src / "jinmyaku", ignore=shutil.ignore_patterns("__pycache__"))
    vocab = src / "jinmyaku" / "model" / "vocabulary.py"
    vocab.write_text(vocab.read_text() + "\n\ndef _upward():\n    import jinmyaku.faces.cli\n")
    storage = src / "jinmyaku" / "storage" / "memory.py"
    storage.write_text(storage.read_text() + "\n\ndef _back():\n    import jinmyaku.storage.ledger"
                       "\n")
    ledger = src / "jinmyaku" / "storage" / "ledger.py"
    ledger.write_text(ledger.read_text() + "\n\ndef _forth():\n    import jinmyaku.storage.memory"
                      "\n")
    return src


def test_layer_contracts_are_kept():
    out = lint_imports(ROOT / "src")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


def test_layer_contracts_fail_on_an_upward_import(planted):
    out = lint_imports(planted)
    assert out.returncode != 0
    assert "jinmyaku.model.vocabulary -> jinmyaku.faces.cli" in out.stdout


def test_no_import_cycles():
    assert cycles(ROOT / "src") == []


def test_cycle_check_finds_a_planted_cycle(planted):
    found = cycles(planted)
    assert any("jinmyaku.storage.ledger" in c and "jinmyaku.storage.memory" in c for c in found)


def offences(paths) -> list[str]:
    """Calls in ``paths`` that step, record or deep-copy a simulation by hand."""
    bad = []
    for path in paths:
        for node in ast.walk(ast.parse(Path(path).read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            name = node.func.attr
            copied = ast.unparse(node.args[0]) if node.args else ""
            if name in ("step", "record") or (name == "deepcopy" and
                                               ("sim" in copied or "world" in copied)):
                bad.append(f"{Path(path).name}:{node.lineno}: {ast.unparse(node)}")
    return bad


def test_studies_and_faces_drive_simulations_only_through_the_engine():
    """No study or face calls ``.step()``, ``.record()`` or deep-copies a simulation:
    they use ``run(until=...)``, ``fork()``, interventions and analyzers."""
    paths = [*(PACKAGE / "studies").rglob("*.py"), *(PACKAGE / "faces").rglob("*.py")]
    assert len(paths) > 10
    assert offences(paths) == []


def test_hand_stepping_is_found(tmp_path):
    study = tmp_path / "study.py"
    study.write_text("import copy\n\ndef f(sim):\n    twin = copy.deepcopy(sim)\n"
                     "    while sim.world.step < 3:\n        sim.step()\n")
    assert len(offences([study])) == 2


def test_layer_modules_do_not_import_the_package_root():
    """``from jinmyaku import x`` inside a layer would run the facade's __init__ first;
    layers import what they need by its full name (``jinmyaku._version`` and
    ``jinmyaku.errors`` are the shared leaves)."""
    bad = []
    for path in PACKAGE.rglob("*.py"):
        if path.parent == PACKAGE:
            continue  # the facade itself
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "jinmyaku" and node.level == 0:
                bad.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert bad == []
