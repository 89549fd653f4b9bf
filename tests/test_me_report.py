"""``jinmyaku me report``: the personal network's page (HTML) and its Markdown twin.

Sockets are blocked in every test here (pytest-socket). The person is written by the
test: people with distinctive names, readings, e-mail and web addresses, phone numbers
and notes, who-knows-whom, and three years of logged meetings and value, so that every
section of the report has something to draw.
"""

from __future__ import annotations

import html as html_mod
import re
import stat
from datetime import date
from pathlib import Path

import pytest
from me_files import LOG_NOTE, REPORT_PEOPLE, me, person_files

from jinmyaku.faces.render import me_report
from jinmyaku.storage.personal import sources
from jinmyaku.storage.personal.store import Store
from jinmyaku.studies.personal import projection as projection_mod

pytestmark = pytest.mark.usefixtures("socket_disabled")
AS_OF = "2025-01-01"

def _secrets() -> set[str]:
    """Every name (and each longer part of it), reading, e-mail, address, phone and note."""
    out = {LOG_NOTE, "Eudora Grimsditch", "Eudora", "Grimsditch", "ゆーどら",
           "eudora@grimsditch.example", "grimsditch.example", "+44 7700 900123", "900123",
           "met on the night ferry"}
    for row in REPORT_PEOPLE:
        name, reading, _o, _w, intro, _c, _f, field, _s, notes, email, url, phone, _e = row
        out |= {name, *(p for p in name.split() if len(p) >= 2)}
        out |= {x for x in (reading, intro, field, notes, email, url, phone) if x}
        if phone:
            out.add(re.sub(r"\D", "", phone)[-6:])
    return out


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("person")
    db = folder / "me.sqlite"
    with Store(db) as s:
        for f in person_files(folder):
            batch, digest = sources.read(f)
            s.import_batch(batch, str(f), digest)
    return db


def _report(capsys, store: Path, out: Path, *args: str) -> tuple[str, str]:
    code, stdout, err = me(capsys, "report", "--db", str(store), "--as-of", AS_OF, "--out",
                           str(out), *args)
    assert code == 0, err
    assert str(out.name) in stdout
    return out.read_text("utf-8"), out.with_suffix(".md").read_text("utf-8")


def _sections(page: str) -> dict[str, str]:
    parts = re.findall(r'<section id="([^"]+)">(.*?)</section>', page, flags=re.S)
    return dict(parts)


SECTIONS = ("network", "layers", "closest", "retention", "value", "turnover", "brokerage",
            "fading")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_report_renders_in_english_and_japanese(store, tmp_path, capsys, lang):
    page, md = _report(capsys, store, tmp_path / f"r-{lang}.html", "--lang", lang)
    assert f'<html lang="{lang}">' in page
    assert ("最も親しい5人" in page) == (lang == "ja") == ("最も親しい5人" in md)
    assert ("Your closest five" in page) == (lang == "en") == ("Your closest five" in md)
    assert "2025-01-01" in page and md.startswith("# ")
    offline = re.sub(r"https?://www\.w3\.org/[\w/.#-]*", "", page)  # SVG's namespaces
    offline = re.sub(r"url\(#[\w-]+\)", "", offline)  # an SVG's own clip paths
    for word in ("<script", "http://", "https://", "@import", "url(", "<img", "<link"):
        assert word not in offline, word
    # the same figures as me status --json: names and sizes
    code, out, _ = me(capsys, "status", "--db", str(store), "--as-of", AS_OF, "--json")
    import json

    m = json.loads(out)
    for p in m["closest"]["people"]:
        assert html_mod.escape(p["name"]) in page and p["name"] in md
    for size in m["layers"]["sizes"]:
        assert f"<td class=\"num\">{size}</td>" in page
    assert m["brokerage"]["present"] and m["fading"] and m["turnover"]


def test_every_section_has_its_figure(store, tmp_path, capsys):
    page, md = _report(capsys, store, tmp_path / "r.html", "--lang", "en")
    sections = _sections(page)
    assert tuple(sections) == SECTIONS
    for sid in SECTIONS:
        svg = re.findall(r"<svg .*?</svg>", sections[sid], flags=re.S)
        assert len(svg) == 1, sid
        assert 'class="figure"' in svg[0] and "<title>" in svg[0], sid
    assert md.count("(The figure is in the HTML report.)") == len(SECTIONS)
    assert "<svg" not in md
    # Kaplan–Meier curves: one line per origin of the retention table
    assert "Kaplan–Meier" in sections["retention"]


def test_redaction_removes_every_name_from_every_file(store, tmp_path, capsys):
    out = tmp_path / "shared.html"
    for lang in ("en", "ja"):
        page, md = _report(capsys, store, out, "--lang", lang, "--redact")
        data = out.read_bytes() + out.with_suffix(".md").read_bytes()
        found = sorted(s for s in _secrets()
                       if s.encode("utf-8") in data
                       or html_mod.escape(s).encode("utf-8") in data)
        assert found == [], found
        texts = " ".join(re.findall(r"<text[^>]*>(.*?)</text>", page, flags=re.S))
        label = "Person" if lang == "en" else "人物"
        assert texts.count(label) >= 5  # the closest five, named in the ego network
        assert not any(s in texts for s in _secrets())
    # without --redact the same names are there (the check above can fail)
    page, md = _report(capsys, store, tmp_path / "open.html")
    assert "Zebulon Quirkwhistle" in page and "Zebulon Quirkwhistle" in md


def test_redact_leaves_only_the_measured_columns():
    import pandas as pd

    tables = {"people": pd.DataFrame({"id": [3], "name": ["Zebulon"], "reading": ["ぜ"],
                                      "notes": ["x"], "field": ["y"], "introduced_by": ["z"],
                                      "company": ["w"], "closeness": [0.5]})}
    t = me_report.redact(tables, "P%(num)d")["people"]
    assert t.loc[0, "name"] == "P3" and t.loc[0, "closeness"] == 0.5
    assert t[["reading", "notes", "field", "introduced_by", "company"]].isna().all(axis=None)
    assert tables["people"].loc[0, "name"] == "Zebulon"  # a copy


def test_the_default_path_is_beside_the_store_and_private(store, tmp_path, capsys,
                                                          monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = me(capsys, "report", "--db", str(store), "--as-of", AS_OF)
    assert code == 0, err
    path = store.parent / me_report.NAME
    assert path.exists() and path.with_suffix(".md").exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    code, out, err = me(capsys, "report", "--db", str(store), "--as-of", AS_OF, "--redact")
    assert code == 0, err
    assert (store.parent / me_report.REDACTED_NAME).exists()
    assert list(tmp_path.iterdir()) == []


def test_bad_inputs_are_refused_with_exit_2(store, tmp_path, capsys):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    a_file = tmp_path / "plain.txt"
    a_file.write_text("x")
    empty = tmp_path / "empty.sqlite"
    Store(empty).close()
    cases = [
        (["--db", str(store), "--out", str(folder)], "is a folder"),
        (["--db", str(store), "--out", str(tmp_path / "r.txt")], "ending in .html"),
        (["--db", str(store), "--out", str(tmp_path / "nowhere" / "r.html")], "does not exist"),
        (["--db", str(store), "--out", str(a_file / "r.html")], "does not exist"),
        (["--db", str(store), "--out", "/proc/r.html"], "cannot write"),
        (["--db", str(store), "--lang", "fr"], "--lang fr"),
        (["--db", str(store), "--as-of", "2025-02-30"], "--as-of"),
        (["--db", str(empty), "--out", str(tmp_path / "r.html")], "no people in the store"),
        (["--db", str(tmp_path / "none.sqlite"), "--out", str(tmp_path / "r.html")],
         "no personal store here"),
    ]
    for args, says in cases:
        code, out, err = me(capsys, "report", *args)
        assert code == 2, (args, out, err)
        assert says in " ".join(err.split()), (args, err)
        assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder", "empty.sqlite",
                                                         "plain.txt"]
    assert list(folder.iterdir()) == []


def test_a_person_without_layers_or_contacts_still_gets_a_report(tmp_path, capsys):
    (tmp_path / "people.csv").write_text("person,how_met\nAnna Ek,mixer\nBo Lind,\n",
                                         encoding="utf-8")
    db = tmp_path / "me.sqlite"
    assert me(capsys, "import", "--db", str(db), str(tmp_path / "people.csv"))[0] == 0
    page, md = _report(capsys, db, tmp_path / "r.html")
    sections = _sections(page)
    assert tuple(sections) == SECTIONS
    assert "needs who knows whom" in sections["brokerage"]
    assert "No complete calendar year" in sections["turnover"]
    assert "<svg" in sections["network"]  # everyone on one ring
    assert "Anna Ek" not in page  # nobody is among the closest five: no names anywhere
    assert "--projection" in page


@pytest.fixture(scope="module")
def tiny_projection(store):
    with Store(store) as s:
        tables = s.tables()
    return projection_mod.project(
        tables, scenario="small", people=240, years=(1, 2), replicates=2,
        strategies=("passive", "grow"), as_of=date(2025, 1, 1), workers=0)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_projection_section(store, tiny_projection, lang):
    with Store(store) as s:
        tables = s.tables()
    rep = me_report.make(tables, date(2025, 1, 1), lang, projection=tiny_projection)
    sections = _sections(rep.html)
    assert tuple(sections) == (*SECTIONS, "projection")
    p = sections["projection"]
    assert p.count("<svg") == 1 and p.count("<table>") == 2
    cell = tiny_projection["outcomes"]["grow"]["2"]["ties"]
    assert f"{cell['median']:.0f} ({cell['p10']:.0f}–{cell['p90']:.0f})" in p
    assert "--projection" not in rep.html


def test_the_projection_flag_runs_the_projection(store, tmp_path, capsys, monkeypatch,
                                                 tiny_projection):
    called = {}

    def fake(tables, **kw):
        called.update(kw)
        return tiny_projection

    monkeypatch.setattr(projection_mod, "project", fake)
    page, md = _report(capsys, store, tmp_path / "p.html", "--projection", "--quiet",
                       "--redact")
    assert called["as_of"] == date(2025, 1, 1)
    assert '<section id="projection">' in page and "In 2 years" in md
    assert not [s for s in _secrets() if s in page or s in md]
