"""The rendering layer (faces/render): palette, catalogues, Markdown, the run's report.html
and ``jinmyaku report``. The browser check of the glyphs is tests/test_report_browser.py."""

from __future__ import annotations

import io
import json
import re
import unicodedata
from pathlib import Path

import numpy as np
import pytest

import jinmyaku
from jinmyaku.analysis.survival import kaplan_meier
from jinmyaku.faces import cli
from jinmyaku.faces.render import i18n, palette, run_report
from jinmyaku.faces.render.pages import environment, render_markdown
from jinmyaku.model import scenario as scenario_mod
from jinmyaku.model.vocabulary import ORIGINS, STRATEGIES
from jinmyaku.storage.files import sha256
from jinmyaku.studies import compare

ROOT = Path(__file__).resolve().parents[1]
RENDER = ROOT / "src" / "jinmyaku" / "faces" / "render"
LOCALE = RENDER / "locale"
TINY = ["--people", "300", "--years", "0.5", "--set", "cohorts.size=20", "-q"]


def main(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- palette


def test_every_strategy_and_origin_has_its_own_colour():
    assert list(palette.STRATEGY_COLOURS) == list(STRATEGIES)
    assert list(palette.ORIGIN_COLOURS) == list(ORIGINS)
    for colours in (palette.STRATEGY_COLOURS, palette.ORIGIN_COLOURS):
        assert len(set(colours.values())) == len(colours)
    # across the two: a name has one colour, and different names different colours
    by_name = {**palette.STRATEGY_COLOURS, **palette.ORIGIN_COLOURS}
    for name in set(STRATEGIES) & set(ORIGINS):
        assert palette.STRATEGY_COLOURS[name] == palette.ORIGIN_COLOURS[name], name
    assert len(set(by_name.values())) == len(by_name)
    allowed = {*palette.OKABE_ITO.values(), palette.GREY}
    assert set(by_name.values()) <= allowed


def test_the_scenario_defaults_are_the_vocabulary_s_strategies():
    sc = scenario_mod.load("default")
    assert tuple(sc.cohorts.strategies) == STRATEGIES
    assert tuple(scenario_mod._default_strategies()) == STRATEGIES


def test_strategies_a_scenario_adds_get_other_colours():
    colours = palette.strategy_colours(["passive", "mine", "grow", "yours"])
    assert colours["passive"] == palette.STRATEGY_COLOURS["passive"]
    assert colours["mine"] != colours["yours"]
    assert not {colours["mine"], colours["yours"]} & set(palette.STRATEGY_COLOURS.values())


# ---------------------------------------------------------------- catalogues


def _extracted() -> set[str | tuple[str, str]]:
    """The messages in the sources now, by babel.cfg (what ``make catalogues`` extracts)."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {"N_": None, "_": None, "n_": (1, 2)}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        found.add(message)
    return found


def _catalogue(lang: str):
    from babel.messages.pofile import read_po

    with open(LOCALE / lang / "LC_MESSAGES" / "jinmyaku.po", "rb") as f:
        return read_po(f, locale=lang)


def test_the_catalogues_hold_every_message_of_the_sources():
    found = _extracted()
    assert len(found) > 50
    for lang in i18n.LANGUAGES:
        ids = {m.id for m in _catalogue(lang) if m.id}
        assert found - ids == set(), f"{lang}: not in the catalogue; run make catalogues"
        assert ids - found == set(), f"{lang}: no longer in the sources; run make catalogues"


def test_every_japanese_message_is_translated():
    cat = _catalogue("ja")
    untranslated = [m.id for m in cat if m.id and (
        not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [m.id for m in cat if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []
    # the placeholders of each translation are those of its message
    problems = [(m.id, errs) for m, errs in cat.check()]
    assert problems == []
    for m in cat:
        if m.id:
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            names = set(re.findall(r"%\((\w+)\)", ids[0]))
            for s in strings:
                assert set(re.findall(r"%\((\w+)\)", s)) == names, m.id


def test_the_shipped_mo_files_are_compiled_from_the_po_files():
    from babel.messages.mofile import write_mo

    for lang in i18n.LANGUAGES:
        buf = io.BytesIO()
        write_mo(buf, _catalogue(lang))
        shipped = (LOCALE / lang / "LC_MESSAGES" / "jinmyaku.mo").read_bytes()
        assert buf.getvalue() == shipped, f"{lang}: the .mo is out of date; run make catalogues"


def test_the_catalogues_and_templates_ship_with_the_package():
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    globs = data["tool"]["setuptools"]["package-data"]["jinmyaku.faces.render"]
    for pattern, want in (("templates/*.j2", "run_report.html.j2"),
                          ("locale/*/LC_MESSAGES/*.mo", "ja/LC_MESSAGES/jinmyaku.mo")):
        assert pattern in globs
        assert any(p.relative_to(RENDER).as_posix().endswith(want) for p in RENDER.glob(pattern))
    deps = " ".join(data["project"]["dependencies"])
    assert "Jinja2" in deps and "markdown-it-py" in deps


def test_the_language_follows_the_locale():
    assert i18n.default_lang({"LANG": "ja_JP.UTF-8"}) == "ja"
    assert i18n.default_lang({"LANG": "en_GB.UTF-8"}) == "en"
    assert i18n.default_lang({"LANG": "C.UTF-8"}) == "en"
    assert i18n.default_lang({}) == "en"
    assert i18n.default_lang({"LC_ALL": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"}) == "ja"
    assert i18n.default_lang({"LC_ALL": "C", "LANG": "ja_JP.UTF-8"}) == "en"
    assert i18n.default_lang({"LC_ALL": "", "LC_MESSAGES": "ja", "LANG": "C"}) == "ja"
    assert i18n.translations("ja").gettext("passive") == "受け身"
    assert i18n.translations("en").gettext("passive") == "passive"


# ---------------------------------------------------------------- Markdown, figures


def test_markdown_is_rendered_not_hand_made():
    html = render_markdown("*italics* and `code`, <b>raw</b> & more\n\n| a | b |\n|---|---|\n"
                           "| 1 | 2 |\n")
    assert "<em>italics</em>" in html and "<code>code</code>" in html
    assert "&lt;b&gt;raw&lt;/b&gt;" in html and "<b>" not in html  # raw HTML is shown as text
    assert "<table>" in html
    assert render_markdown("*x*", inline=True) == "<em>x</em>"


def test_templates_escape_what_they_are_given():
    env = environment("en")
    page = env.from_string("{{ x }} {{ y|markdown_inline }}").render(x="<script>", y="**b**")
    assert page == "&lt;script&gt; <strong>b</strong>"


def test_kaplan_meier_on_whole_weeks():
    # four ties: ended at ages 1 and 3, censored at 2 and 5
    t, s, at_risk = kaplan_meier(np.array([1, 2, 3, 5]), np.array([1, 0, 1, 0], bool), 5)
    assert list(at_risk) == [4, 4, 3, 2, 1, 1]
    np.testing.assert_allclose(s, [1, 0.75, 0.75, 0.375, 0.375, 0.375])
    t, s, _ = kaplan_meier(np.array([], int), np.array([], bool), 3)
    assert list(s) == [1, 1, 1, 1]
    with pytest.raises(ValueError):
        kaplan_meier(np.array([-1]), np.array([True]), 3)


# ---------------------------------------------------------------- the run's report


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("render") / "run"
    assert cli.main(["run", "small", *TINY, "--out", str(out), "--lang", "en",
                     "--format", "json"]) == 0
    return out


EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u2B00-\u2BFF]")


def _checks(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("<svg") == 5 and "<img" not in html
    # offline: no address but the SVG namespaces, no script, no font to fetch
    addresses = set(re.findall(r"https?://[^\s\"')]+", html))
    assert addresses <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, addresses
    assert "<script" not in html and "@font-face" not in html and "@import" not in html
    assert not EMOJI.search(html)
    assert "{{" not in html and "{%" not in html
    for ch in set(html):
        assert unicodedata.category(ch) not in ("Co", "Cn", "Cs"), hex(ord(ch))


def test_run_writes_report_html_in_the_manifest(tiny):
    manifest = json.loads((tiny / "manifest.json").read_text())
    assert manifest["files"]["report.html"] == sha256(tiny / "report.html")
    html = (tiny / "report.html").read_text("utf-8")
    _checks(html)
    assert '<html lang="en">' in html
    res = jinmyaku.open(tiny)  # the manifest still checks out
    vs = compare.versus(res)
    # the headline's numbers are those the terminal prints
    from jinmyaku.faces import tables

    for p in tables.headline_parts(vs):
        if p["word"] in ("more", "fewer"):
            assert f"{p['amount']} {p['word']} opportunities" in html
            assert p["interval"] in html
    for heading in ("Opportunities by origin", "Stage by strategy over time",
                    "Ties alive by origin", "Survival of ties by origin",
                    "One ego network before and after", "Glossary"):
        assert f"<h2>{heading}</h2>" in html
    # equal results give equal bytes: rebuilt from the folder, the page is the same
    assert run_report.render(res, vs, "en") == html


def test_the_report_in_japanese(tiny):
    res = jinmyaku.open(tiny)
    html = run_report.render(res, compare.versus(res), "ja")
    _checks(html)
    assert '<html lang="ja">' in html and "<h2>用語</h2>" in html
    for word in ("受け身", "交流会", "勉強会", "自己研鑽", "家族・学校", "職場"):
        assert word in html
    text = re.sub(r"<style>.*?</style>|<[^>]+>", " ", html, flags=re.S)
    for english in ("Glossary", "Opportunities by origin", "opportunities a year",
                    "staying passive", "family_school", "workplace"):
        assert english not in text, english


def test_report_rebuilds_in_another_language(tiny, capsys, tmp_path):
    import shutil

    run = tmp_path / "copy"
    shutil.copytree(tiny, run)
    code, out, err = main(capsys, "report", str(run), "--lang", "ja")
    assert code == 0, err
    html = (run / "report.html").read_text("utf-8")
    assert '<html lang="ja">' in html
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["files"]["report.html"] == sha256(run / "report.html")
    jinmyaku.open(run)  # still a complete, unchanged run folder
    assert not list(run.parent.glob(".copy.*")) and not list(run.glob(".*tmp"))
    # an older run folder, without report.html: the report adds it to the manifest
    (run / "report.html").unlink()
    del manifest["files"]["report.html"]
    (run / "manifest.json").write_text(json.dumps(manifest))
    code, out, err = main(capsys, "report", str(run), "--lang", "en")
    assert code == 0, err
    assert "report.html" in json.loads((run / "manifest.json").read_text())["files"]


def test_report_refuses_what_is_not_a_run_folder(tmp_path, capsys):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    for target in (tmp_path / "mine", tmp_path / "absent", tmp_path / "mine" / "notes.txt"):
        code, out, err = main(capsys, "report", str(target))
        assert code == 2
        assert "Traceback" not in out + err and "run folder" in err
    assert (tmp_path / "mine" / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["notes.txt"]


def test_a_language_the_reports_do_not_speak_is_refused(tiny, capsys, tmp_path):
    code, out, err = main(capsys, "report", str(tiny), "--lang", "fr")
    assert code == 2 and "--lang fr" in err and "Traceback" not in err
    code, out, err = main(capsys, "run", "small", *TINY, "--out", str(tmp_path / "r"),
                          "--lang", "de")
    assert code == 2 and "--lang de" in err
    assert not (tmp_path / "r").exists()  # refused before anything ran


def test_a_scenario_without_cohorts_still_gets_a_report(tmp_path, capsys):
    code, out, err = main(capsys, "run", "small", "--people", "200", "--years", "0.2",
                          "--set", "cohorts.size=0", "-q", "--out", str(tmp_path / "r"),
                          "--lang", "en")
    assert code == 0, err
    html = (tmp_path / "r" / "report.html").read_text("utf-8")
    assert "no focal cohorts" in html and html.count("<svg") == 1


def test_a_spilled_tie_ledger_gives_the_same_report(small_run):
    from conftest import scenario

    from jinmyaku.storage.ledger import SpilledTies
    from jinmyaku.studies.results import simulate

    _, in_memory = small_run
    spilled = simulate(scenario(), spill_rows=1000)
    try:
        assert isinstance(spilled.ties, SpilledTies)
        html = run_report.render(spilled, compare.versus(spilled), "en")
        assert html == run_report.render(in_memory, compare.versus(in_memory), "en")
    finally:
        spilled.close()


def test_without_lang_the_report_speaks_the_locale_s_language(tiny, capsys, tmp_path,
                                                             monkeypatch):
    import shutil

    run = tmp_path / "copy"
    shutil.copytree(tiny, run)
    for env, lang in (({"LANG": "ja_JP.UTF-8"}, "ja"), ({"LANG": "C.UTF-8"}, "en"),
                      ({"LC_ALL": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"}, "ja")):
        for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
            monkeypatch.delenv(key, raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        code, out, err = main(capsys, "report", str(run))
        assert code == 0, err
        assert f'<html lang="{lang}">' in (run / "report.html").read_text("utf-8")
