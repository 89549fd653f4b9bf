"""Every ```python block of README.md and docs/*.md runs.

The blocks of one document run in order in one namespace (as a reader pasting
them into one Python session would), in a temporary folder. Where a document
reads files that its shell commands make (``jinmyaku run … --out runs/…``,
``jinmyaku sweep example``), :data:`MADE_BY_SHELL` makes them first, at a
small size. A block preceded by ``<!-- not run: reason -->`` is skipped; none
should need it unless it cannot run anywhere (say, it needs a Dask cluster).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARKDOWN = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NOT_RUN = re.compile(r"<!--\s*not run:\s*(?P<why>.+?)\s*-->\s*$")
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[^\s`]*)\s*$")


def python_blocks(text: str) -> list[tuple[int, str, str | None]]:
    """(line number, code, reason not run or None) of each ```python block."""
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, indent, lang = i, m["indent"], m["lang"]
        i += 1
        body = []
        while i < len(lines) and not re.match(rf"^{re.escape(indent)}```\s*$", lines[i]):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1  # the closing fence
        if lang != "python":
            continue
        before = next((lines[k] for k in range(start - 1, -1, -1) if lines[k].strip()), "")
        skip = NOT_RUN.match(before.strip())
        blocks.append((start + 1, "\n".join(body) + "\n", skip["why"] if skip else None))
    return blocks


def test_blocks_are_found_and_not_run_marks_honoured():
    text = ("intro\n```python\nx = 1\n```\n\n<!-- not run: needs a cluster -->\n"
            "```python\nraise SystemExit\n```\n```sh\nls\n```\n  ```python\n  y = 2\n  ```\n")
    assert python_blocks(text) == [(2, "x = 1\n", None),
                                   (7, "raise SystemExit\n", "needs a cluster"),
                                   (13, "y = 2\n", None)]


DOCS = [p for p in MARKDOWN if python_blocks(p.read_text("utf-8"))]


def test_the_examples_are_found():
    assert {p.name for p in DOCS} >= {"README.md", "simulate.md", "sweep.md"}


# ------------------------------------------------------------------ what shell commands made

def _run_folder(out: Path) -> None:
    """A run folder, as ``jinmyaku run … --out OUT`` makes (a small world)."""
    import jinmyaku

    res = jinmyaku.run("small", people=300, years=0.5, overrides=["cohorts.size=20"])
    try:
        res.write(out)
    finally:
        res.close()


def _small_example_spec(samples: int, replicates: int) -> str:
    """The built-in example sweep's spec with fewer, smaller runs."""
    spec = (ROOT / "src/jinmyaku/studies/sweep/specs/example.toml").read_text("utf-8")
    spec = re.sub(r"(?m)^set = .*$",
                  'set = ["population.people=300", "population.years=0.5", "cohorts.size=20"]',
                  spec)
    spec = re.sub(r"(?m)^samples = \d+", f"samples = {samples}", spec)
    return re.sub(r"(?m)^replicates = \d+", f"replicates = {replicates}", spec)


def _example_sweep(out: Path) -> None:
    """``jinmyaku sweep example --out sweeps/example``, with fewer and smaller runs."""
    from jinmyaku.studies.sweep import run_sweep

    path = out.parent / "example-small.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_small_example_spec(samples=2, replicates=1), "utf-8")
    run_sweep(path, out, workers=0)


def _my_sweep(path: Path) -> None:
    """A reader's own spec (sweep.md's "my-sweep.toml"): a small Morris sweep."""
    path.write_text(_small_example_spec(samples=2, replicates=2).replace(
        'name = "example"', 'name = "my-sweep"'), "utf-8")


MADE_BY_SHELL = {
    "README.md": {"runs/mixers-seek-known-0.5": _run_folder},
    "simulate.md": {"runs/default-seed1": _run_folder},
    "sweep.md": {"sweeps/example": _example_sweep, "my-sweep.toml": _my_sweep},
}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_python_examples_run(doc, tmp_path, monkeypatch):
    blocks = python_blocks(doc.read_text("utf-8"))
    monkeypatch.chdir(tmp_path)
    for where, make in MADE_BY_SHELL.get(doc.name, {}).items():
        make(tmp_path / where)
    namespace: dict = {"__name__": "__main__"}
    for line, code, why in blocks:
        if why is not None:
            continue
        try:
            exec(compile(code, f"{doc.name}:{line}", "exec"), namespace)
        except Exception as e:
            raise AssertionError(f"{doc.relative_to(ROOT)}, the python block at line {line} "
                                 f"fails: {type(e).__name__}: {e}") from e
