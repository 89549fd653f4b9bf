"""The claims report in Japanese, details for researchers included (issue 17, point 6).

Every message the claims report shows (faces/render/claims_report.py, the claims
study's words in studies/claims/, the report's templates) has a Japanese
translation in the catalogue the package ships, and a Japanese report has no English
prose left: after code spans, links, file names and numbers are taken out, no run of
four or more ASCII words remains. The same check finds English prose in the English
report, so it can fail. The glyph check in a browser is tests/test_report_browser.py.
"""

from __future__ import annotations

import gettext
import re
from importlib import resources
from pathlib import Path

import pytest

from jinmyaku.faces.render import i18n

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "jinmyaku" / "faces" / "render" / "locale"
# the sources of the claims report's words (a subset of babel.cfg)
CLAIMS_SOURCES = (
    ("python", "src/jinmyaku/faces/render/claims_report.py"),
    ("python", "src/jinmyaku/studies/claims/experiment.py"),
    ("python", "src/jinmyaku/studies/claims/outcomes.py"),
    ("python", "src/jinmyaku/studies/claims/assumptions.py"),
    ("python", "src/jinmyaku/studies/claims/discovery.py"),
    ("python", "src/jinmyaku/studies/claims/messages.py"),
    ("jinja2", "src/jinmyaku/faces/render/templates/claims_report.html.j2"),
    ("jinja2", "src/jinmyaku/faces/render/templates/base.html.j2"),
)


def claims_messages() -> set[str]:
    """The messages the claims report's sources mark (what ``make catalogues`` extracts)."""
    from babel.messages.extract import extract

    keywords = {"N_": None, "_": None, "n_": (1, 2)}
    found = set()
    for method, path in CLAIMS_SOURCES:
        with open(ROOT / path, "rb") as f:
            options = {"trim_blocks": "true", "lstrip_blocks": "true"} if method == "jinja2" else {}
            for _line, message, _comments, _context in extract(method, f, keywords=keywords,
                                                               options=options):
                found.add(message)
    return found


def test_the_claims_report_s_messages_are_found():
    found = claims_messages()
    # the details for researchers are marked too, not only the first screen
    assert {"**Where it flips.**", "how it decides the sign", "Note: %(note)s.",
            "holds when %(conditions)s (%(hits)s of the %(inside)s points in that box; "
            "%(hits)s of the %(total)s points where it holds)"} <= found
    assert len(found) > 120


def test_the_shipped_japanese_catalogue_translates_every_message_of_the_claims_report():
    from babel.messages.pofile import read_po

    with open(LOCALE / "ja" / "LC_MESSAGES" / "jinmyaku.po", "rb") as f:
        po = {m.id: m for m in read_po(f, locale="ja") if m.id}
    # the catalogue the code loads, found in the installed package as the code finds it
    mo = resources.files("jinmyaku.faces.render") / "locale" / "ja" / "LC_MESSAGES" / "jinmyaku.mo"
    assert mo.is_file()
    with mo.open("rb") as f:
        shipped = gettext.GNUTranslations(f)._catalog  # msgid -> msgstr, as compiled
    assert i18n.translations("ja")._catalog == shipped
    missing, fuzzy, empty = [], [], []
    for message in sorted(claims_messages(), key=str):
        key = message[0] if isinstance(message, tuple) else message
        entry = po.get(message)
        if entry is None or key not in shipped and (key, 0) not in shipped:
            missing.append(message)
        elif entry.fuzzy:
            fuzzy.append(message)
        elif not entry.string or (isinstance(entry.string, tuple) and not all(entry.string)):
            empty.append(message)
    assert (missing, fuzzy, empty) == ([], [], [])


# ---------------------------------------------------------------- no English prose

CODE = re.compile(r"`[^`\n]*`")
URL = re.compile(r"https?://\S+|\]\([^)\s]*\)|\b[\w.-]+/[\w./-]+|\b[\w-]+\.(?:md|csv|parquet|"
                 r"png|svg|json|html)\b")
NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?%?")
WORD = r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z]+)*"
# four ASCII words or more, separated by spaces alone: a phrase of English prose
PROSE = re.compile(rf"{WORD}(?:[ \t]+{WORD}){{3,}}")


def english_prose(text: str) -> list[str]:
    """The runs of four or more ASCII words in ``text`` once code spans, links, paths and
    file names, and numbers are taken out (Markdown; HTML is read as its visible text)."""
    if "<html" in text:
        text = re.sub(r"<(style|script)\b.*?</\1>", " ", text, flags=re.S)
        text = re.sub(r'src="data:[^"]*"', " ", text)
        text = re.sub(r"<code>.*?</code>", " ", text, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)
        text = text.replace("&quot;", '"').replace("&#39;", "'").replace("&amp;", "&")
    text = CODE.sub(" ", text)
    text = URL.sub(" ", text)
    text = NUMBER.sub(" ", text)
    return PROSE.findall(text)


def test_the_prose_check_finds_english_and_passes_code_numbers_and_paths():
    assert [" ".join(r.split()) for r in english_prose("It held at all 24 points.")] == [
        "It held at all points"]
    assert english_prose("調べた24個の点のすべてで成り立ちました。"
                         "`processes.opportunities.topic_fit` が 0.5 以上、"
                         "`jinmyaku experiment claims --quick --seed 1`、"
                         "docs/model.md、(figures/stage.png)、SALib、H1、grow+meetup") == []
    assert english_prose("<html><body><p>効果<code>a b c d e</code></p>"
                         "<p>mean stage of cohorts</p></body></html>") == [
        "mean stage of cohorts"]


@pytest.fixture(scope="module")
def claims_reports(tmp_path_factory) -> dict[str, Path]:
    """A small claims experiment with a small sensitivity design (notes, where a claim
    flips, the sensitivity table), as reports in both languages."""
    from jinmyaku.faces.render.claims_report import write_report
    from jinmyaku.studies.claims import experiment as ex

    design = ex.design_with(ex.QUICK, replicates=2, people=300, years=1.0, cohort_size=20,
                            sens_parameters=3, sens_deciding=3, sens_trajectories=2,
                            sens_people=200, sens_years=1.0, sens_cohort_size=15)
    res = ex.run_claims(design, workers=0)
    out = {}
    for lang in ("en", "ja"):
        folder = tmp_path_factory.mktemp(f"claims-{lang}")
        write_report(res, folder, lang)
        out[lang] = folder
    return out


@pytest.mark.parametrize("name", ["report.md", "report.html"])
def test_the_japanese_claims_report_has_no_english_prose(claims_reports, name):
    ja = (claims_reports["ja"] / name).read_text("utf-8")
    assert "感度分析" in ja and "向きをどう決めるか" in ja
    assert english_prose(ja) == []
    # the check can fail: the English report is full of English prose
    en = english_prose((claims_reports["en"] / name).read_text("utf-8"))
    assert len(en) > 30 and any("sensitivity" in run for run in en)


def test_the_tables_behind_the_japanese_report_stay_english(claims_reports):
    """The CSV files are data: the same bytes in either language."""
    for name in ("effects.csv", "verdicts.csv", "sensitivity.csv"):
        assert ((claims_reports["ja"] / name).read_bytes()
                == (claims_reports["en"] / name).read_bytes())


def test_the_study_s_sentences_are_the_same_in_english_through_the_catalogue():
    """Built again through the English catalogue, the study's sentences are its own."""
    import numpy as np

    from jinmyaku.model.scenario import Scenario
    from jinmyaku.studies.claims import assumptions
    from jinmyaku.studies.claims.discovery import where_text

    en = i18n.translations("en").gettext
    sc = Scenario()
    assert assumptions.hour_buys(sc, en).equals(assumptions.hour_buys(sc))
    rng = np.random.default_rng(1)
    x = np.column_stack([rng.uniform(0, 1, 60), rng.integers(0, 2, 60)])
    holds = (x[:, 0] > 0.5) & (x[:, 1] == 1)
    text = where_text(x, holds, ["a.b", "c.d"], en)
    assert text == where_text(x, holds, ["a.b", "c.d"]) and text.startswith("Holds when")
    ja = where_text(x, holds, ["a.b", "c.d"], i18n.translations("ja").gettext)
    assert "`c.d` がオン" in ja and english_prose(ja) == []
