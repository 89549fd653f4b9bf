"""What a wheel is made from: one version, the licence, the typing marker."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import jinmyaku

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))


def test_the_version_is_written_in_one_place():
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    attr = PYPROJECT["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "jinmyaku._version.__version__"
    version = jinmyaku.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+([a-z]+\d+)?(\.dev\d+)?", version)
    pattern = re.compile(rf"(?<![\d.]){re.escape(version)}(?![\d.])")
    found = [str(p.relative_to(ROOT)) for p in [ROOT / "pyproject.toml", ROOT / "Makefile",
                                                 *(ROOT / "src").rglob("*.py")]
             if pattern.search(p.read_text("utf-8"))]
    assert found == ["src/jinmyaku/_version.py"]


def test_licence_and_typing_marker_ship():
    project = PYPROJECT["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text("utf-8")
    assert text.startswith("MIT License") and "the jinmyaku developers" in text
    assert (ROOT / "src/jinmyaku/py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["jinmyaku"]
    floor = PYPROJECT["build-system"]["requires"]
    assert any(re.fullmatch(r"setuptools>=(\d+)", r) and int(r.split(">=")[1]) >= 77
               for r in floor)  # a licence expression needs setuptools 77


def test_the_public_api_is_annotated():
    import inspect

    from jinmyaku.engine import Simulation
    from jinmyaku.studies.results import Results

    public = [jinmyaku.run, jinmyaku.load]
    for cls in (Results, Simulation):
        public += [getattr(cls, name) for name in vars(cls)
                   if (not name.startswith("_") or name == "__init__")
                   and callable(getattr(cls, name))]
    missing = [f.__qualname__ for f in public
               if inspect.signature(f).return_annotation is inspect.Signature.empty]
    assert missing == []
