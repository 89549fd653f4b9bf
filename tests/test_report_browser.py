"""report.html, and me report's page, in a real browser (headless Chromium driven by
Playwright): every character of the page, figures included, in English and in Japanese, is
drawn from a font that has it.

How the check works. Chromium tells, through the DevTools protocol
(``CSS.getPlatformFontsForNode``), which of the system's fonts drew the text of
each element. A character that no font has is still drawn, as the empty box of
the first font (".notdef"), and that font is the one reported; so each
character is looked up in the character map (cmap) of the fonts reported for
its element, read from the font files with fontTools (fontconfig's ``fc-list``
says where each font lives). A character in none of them is a missing glyph.
No web font is allowed (``isCustomFont``), nor Chromium's "Last Resort" font.
``test_the_check_finds_a_missing_glyph`` shows the check fails on a page with a
glyph no installed font has.

Chromium is Debian's (``apt-get install chromium fonts-noto-cjk``; ``.ci/run``
installs both); Playwright drives it by its path and never downloads a browser.
Where Chromium, Playwright or fontconfig is missing the tests are skipped, saying
which, unless ``JINMYAKU_REQUIRE_BROWSER=1`` (set by ``.ci/run``): then they fail.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from me_files import person_files

import jinmyaku
from jinmyaku.faces import cli
from jinmyaku.faces.render import run_report
from jinmyaku.studies import compare

CHROMIUM = os.environ.get("JINMYAKU_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
REQUIRED = os.environ.get("JINMYAKU_REQUIRE_BROWSER") == "1"
# As the machine's notes advise for Chromium as root on a closed network.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SKIPPED_TAGS = {"style", "script", "title", "head"}  # text never drawn


def _missing_tools() -> str | None:
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if shutil.which("fc-list") is None:
        return "fontconfig's fc-list is not installed"
    return None


@pytest.fixture(scope="module")
def browser():
    why = _missing_tools()
    if why:
        if REQUIRED:
            pytest.fail(f"JINMYAKU_REQUIRE_BROWSER=1 but {why}")
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@functools.cache
def _font_files() -> dict[str, tuple[str, int]]:
    """PostScript name → (file, index in a collection), from fontconfig."""
    out = subprocess.run(["fc-list", "--format", "%{postscriptname}|%{file}|%{index}\n"],
                         capture_output=True, text=True, check=True).stdout
    files = {}
    for line in out.splitlines():
        name, file, index = (line.split("|") + ["", "", "0"])[:3]
        if name:
            files.setdefault(name, (file, int(index or 0)))
    return files


@functools.cache
def _cmap(postscript: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    file, index = _font_files()[postscript]
    font = TTFont(file, fontNumber=index, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def open_offline(browser, page_path: Path) -> tuple[list, str, list[str]]:
    """Open a page: the (width, height) of each drawn figure, the page's language and the
    requests it made outside the file system."""
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(page_path.resolve().as_uri())
        sizes = page.eval_on_selector_all(
            "svg.figure", "els => els.map(e => [e.getBoundingClientRect().width,"
                          " e.getBoundingClientRect().height])")
        lang = page.evaluate("document.documentElement.lang")
    finally:
        page.close()
    return sizes, lang, [u for u in requests if not u.startswith("file:")]


def missing_glyphs(browser, page_path: Path) -> dict[str, list[str]]:
    """Characters of the page no font used for them has, by font, and problems with the
    fonts themselves (web fonts, Last Resort, a font fontconfig does not know)."""
    page = browser.new_page()
    try:
        page.goto(page_path.resolve().as_uri())
        cdp = page.context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
        texts: list[tuple[int, str]] = []  # (element's node id, its own text)

        def walk(node: dict, parent: dict | None) -> None:
            if (node.get("nodeType") == 3 and parent is not None
                    and parent["nodeName"].lower() not in SKIPPED_TAGS
                    and node.get("nodeValue", "").strip()):
                texts.append((parent["nodeId"], node["nodeValue"]))
            for child in node.get("children", []):
                walk(child, node)

        walk(root, None)
        assert texts, "the page has no text"
        problems: dict[str, list[str]] = {}
        seen: set[tuple[int, str]] = set()
        for node_id, text in texts:
            fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node_id})["fonts"]
            names = []
            for f in fonts:
                ps = f.get("postScriptName") or f["familyName"]
                if f.get("isCustomFont"):
                    problems.setdefault("web font", []).append(ps)
                elif "last resort" in f["familyName"].lower():
                    problems.setdefault("Last Resort", []).append(text)
                elif ps not in _font_files():
                    problems.setdefault("unknown font", []).append(ps)
                else:
                    names.append(ps)
            for ch in set(text):
                if ch.isspace() or (node_id, ch) in seen:
                    continue
                seen.add((node_id, ch))
                if not any(ord(ch) in _cmap(ps) for ps in names):
                    problems.setdefault(f"missing from {'/'.join(names) or 'no font'}",
                                        []).append(f"{ch} U+{ord(ch):04X} in {text.strip()!r}")
        return problems
    finally:
        page.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("browser")
    run = root / "run"
    assert cli.main(["run", "small", "--people", "300", "--years", "0.5", "--set",
                     "cohorts.size=20", "-q", "--format", "json", "--lang", "en",
                     "--out", str(run)]) == 0
    res = jinmyaku.open(run)
    ja = root / "report-ja.html"
    ja.write_text(run_report.render(res, compare.versus(res), "ja"), encoding="utf-8")
    return {"en": run / "report.html", "ja": ja}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_character_of_the_report_has_a_glyph(browser, reports, lang):
    html = reports[lang].read_text("utf-8")
    assert html.count("<svg") == 5 and ("用語" in html) == (lang == "ja")
    assert missing_glyphs(browser, reports[lang]) == {}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_report_draws_its_figures_offline(browser, reports, lang):
    sizes, page_lang, outside = open_offline(browser, reports[lang])
    assert len(sizes) == 5 and all(w > 200 and h > 100 for w, h in sizes)
    assert page_lang == lang
    assert outside == []


def test_the_check_finds_a_missing_glyph(browser, tmp_path):
    page = tmp_path / "planted.html"
    # U+E000 is private use (no installed font has it); U+2705 needs an emoji font
    page.write_text("<!DOCTYPE html><html lang='en'><body><p>all fine</p>"
                    "<p>done \u2705 and \ue000</p></body></html>", encoding="utf-8")
    problems = missing_glyphs(browser, page)
    found = " ".join(x for v in problems.values() for x in v)
    assert "U+E000" in found
    if not any(0x2705 in _cmap(ps) for ps in _font_files()):  # no emoji font installed
        assert "U+2705" in found


# ---------------------------------------------------------------- me report


@pytest.fixture(scope="module")
def me_reports(tmp_path_factory) -> dict[str, Path]:
    """``jinmyaku me report`` of a person with every section drawn, in both languages."""
    root = tmp_path_factory.mktemp("me-browser")
    db = str(root / "me.sqlite")
    assert cli.main(["me", "import", "--db", db, *map(str, person_files(root))]) == 0
    out = {}
    for lang in ("en", "ja"):
        out[lang] = root / f"me-{lang}.html"
        assert cli.main(["me", "report", "--db", db, "--as-of", "2025-01-01", "--lang", lang,
                         "--out", str(out[lang])]) == 0
    return out


ME_FIGURES = 8  # the ego network, layers, closest, retention, value, turnover, brokerage, fading


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_character_of_the_me_report_has_a_glyph(browser, me_reports, lang):
    html = me_reports[lang].read_text("utf-8")
    assert html.count("<svg") == ME_FIGURES and ("和泉 珠緒" in html)
    assert ("最も親しい5人" in html) == (lang == "ja")
    assert missing_glyphs(browser, me_reports[lang]) == {}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_me_report_draws_its_figures_offline(browser, me_reports, lang):
    sizes, page_lang, outside = open_offline(browser, me_reports[lang])
    assert len(sizes) == ME_FIGURES and all(w > 200 and h > 80 for w, h in sizes)
    assert page_lang == lang
    assert outside == []


# ---------------------------------------------------------------- claims report


@pytest.fixture(scope="module")
def claims_pages(tmp_path_factory) -> dict[str, Path]:
    """The claims report of a tiny experiment (two worlds of 400 people, a sensitivity
    design of 16 worlds of 200, so that the Japanese details for researchers are drawn
    too: μ*, σ, ≤, ≥), in English and in Japanese."""
    from jinmyaku.faces.render.claims_report import write_report
    from jinmyaku.studies.claims import experiment as ex

    design = ex.design_with(ex.QUICK, replicates=2, people=400, years=1.5, cohort_size=25,
                            sens_parameters=3, sens_deciding=3, sens_trajectories=2,
                            sens_people=200, sens_years=1.0, sens_cohort_size=15)
    res = ex.run_claims(design, workers=0)
    pages = {}
    for lang in ("en", "ja"):
        folder = tmp_path_factory.mktemp(f"claims-{lang}")
        write_report(res, folder, lang)
        pages[lang] = folder / "report.html"
    return pages


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_character_of_the_claims_report_has_a_glyph(browser, claims_pages, lang):
    html = claims_pages[lang].read_text("utf-8")
    assert ("The bottom line" in html) == (lang == "en") and "\u2705" not in html
    assert ("記事は正しいか" in html) == (lang == "ja")
    assert ("向きをどう決めるか" in html and "感度分析" in html) == (lang == "ja")
    assert missing_glyphs(browser, claims_pages[lang]) == {}
