"""``jinmyaku me import``: every format, all or nothing per file, idempotent, bad rows by line.

Every fixture file is written here (tests/me_files.py). Sockets are blocked throughout.
"""

from __future__ import annotations

import sqlite3
import zipfile

import pytest
from me_files import (
    CONNECTIONS,
    MESSAGES,
    PEOPLE,
    VCARD21,
    VCARD30,
    VCARD40,
    connections,
    dump,
    linkedin_zip,
    me,
)

from jinmyaku.errors import InputError
from jinmyaku.storage.personal import common, linkedin, sources, template, vcard
from jinmyaku.storage.personal.store import Store

pytestmark = pytest.mark.usefixtures("socket_disabled")


def read(path, data: bytes):
    path.write_bytes(data)
    return sources.read(path)[0]


# ------------------------------------------------------------------ LinkedIn

def test_connections_with_preamble_and_url_column(tmp_path):
    b = read(tmp_path / "Connections.csv", CONNECTIONS)
    assert b.kind == "linkedin"
    got = [(c.name, c.urls, c.emails, c.company, c.position, c.connected_on, c.line)
           for c in b.contacts]
    assert got == [
        ("Jane Doe", ["https://www.linkedin.com/in/jane-doe-1a2b"], ["jane@example.com"],
         "Acme, Inc.", "CTO", "2021-02-03", 5),
        ("Ken Ito", ["https://www.linkedin.com/in/kenito/"], [], "Globex",
         "Engineer, Payments", "2021-02-03", 7),
        ("Mia Wong", ["https://www.linkedin.com/in/miawong"], [], "Initech", "PM",
         "2023-09-28", 8),
    ]
    assert b.contacts[1].key == "url:linkedin.com/in/kenito"
    # Connected On is when the link was made, never a contact
    assert b.touches == []


def test_connections_old_header_without_url_or_preamble(tmp_path):
    data = connections(["Ann,Lee,ann@example.com,Foo,Dev,17 Jan 2016",
                        "Bo,Kim,,Bar,\"Ops, EMEA\",5 Dec 2015"], preamble=False, url=False)
    b = read(tmp_path / "Connections.csv", data)
    assert [(c.name, c.emails, c.position, c.connected_on, c.line) for c in b.contacts] == [
        ("Ann Lee", ["ann@example.com"], "Dev", "2016-01-17", 2),
        ("Bo Kim", [], "Ops, EMEA", "2015-12-05", 3)]
    assert b.contacts[0].key.startswith("name:")


def test_english_dates_do_not_depend_on_the_locale(monkeypatch):
    import locale

    for name in ("de_DE.UTF-8", "ja_JP.UTF-8", "fr_FR.UTF-8"):
        try:
            locale.setlocale(locale.LC_TIME, name)
            break
        except locale.Error:
            continue
    try:
        assert common.english_date("3 Feb 2021").isoformat() == "2021-02-03"
        assert common.english_date("03 Feb 2021").isoformat() == "2021-02-03"
        assert common.english_date("7-Dec-22").isoformat() == "2022-12-07"
        assert common.english_date("2021-02-03").isoformat() == "2021-02-03"
        for bad in ("3 Fev 2021", "31 Feb 2021", "2/3/2021", ""):
            with pytest.raises(ValueError):
                common.english_date(bad)
    finally:
        locale.setlocale(locale.LC_TIME, "C")


def test_a_hidden_member_is_named_after_the_profile_address(tmp_path):
    b = read(tmp_path / "c.csv", connections([",,https://www.linkedin.com/in/hidden-x,,,,"
                                              "04 Jan 2024"]))
    assert b.contacts[0].name == "hidden-x"
    assert "named 'hidden-x'" in b.notes[0]


def test_zip_reads_connections_and_messages_only(tmp_path, monkeypatch):
    path = linkedin_zip(tmp_path / "Basic_LinkedInDataExport_01-02-2025.zip")
    opened = []
    real = zipfile.ZipFile.read
    monkeypatch.setattr(zipfile.ZipFile, "read",
                        lambda self, m, *a: opened.append(getattr(m, "filename", m))
                        or real(self, m, *a))
    b = read(path, path.read_bytes())
    assert sorted(opened) == ["Connections.csv", "messages.csv"]
    assert len(b.contacts) == 3
    days = sorted((t.key, t.on) for t in b.touches)
    # one contact a day per person; the owner (on every message) and strangers are not people
    assert days == [("url:linkedin.com/in/jane-doe-1a2b", "2024-03-01"),
                    ("url:linkedin.com/in/jane-doe-1a2b", "2024-04-02"),
                    ("url:linkedin.com/in/kenito", "2023-01-05")]
    assert any("4 of 5 messages" in n for n in b.notes)


def test_zip_without_connections_is_refused(tmp_path):
    p = tmp_path / "x.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("Profile.csv", "a\n")
    with pytest.raises(InputError, match="no Connections.csv"):
        sources.read(p)


def test_messages_alone_match_connections_imported_before(tmp_path):
    db = tmp_path / "me.sqlite"
    (tmp_path / "Connections.csv").write_bytes(CONNECTIONS)
    (tmp_path / "messages.csv").write_bytes(MESSAGES)
    with Store(db) as s:
        for f in ("Connections.csv", "messages.csv"):
            b, h = sources.read(tmp_path / f)
            summary = s.import_batch(b, f, h)
        assert summary.touches == 3 and summary.touches_unmatched == 1  # the stranger
        assert s.db.execute("SELECT count(*) FROM touches").fetchone()[0] == 3


# ------------------------------------------------------------------ vCard

def test_vcard21_quoted_printable_shift_jis_with_soft_breaks(tmp_path):
    b = read(tmp_path / "phone.vcf", VCARD21)
    taro, jorg = b.contacts
    assert taro.name == "山田太郎"
    assert taro.reading == "ヤマダ タロウ"  # half-width katakana folded to full width
    assert taro.phones == ["09012345678"] and taro.emails == ["taro@example.jp"]
    assert taro.notes == "大学の\n同期"
    assert taro.line == 1
    assert jorg.name == "Jörg Müller" and jorg.phones == ["+49301234567"]
    assert jorg.line == 15


def test_vobject_alone_fails_on_the_soft_line_break():
    """Why the pre-pass exists (vcard.py's docstring): the library cannot read this."""
    import vobject

    with pytest.raises(Exception, match="parse"):
        list(vobject.readComponents(VCARD21.decode("latin-1")))


def test_vcard30_groups_phonetic_names_and_escapes(tmp_path):
    (c,) = read(tmp_path / "iphone.vcf", VCARD30).contacts
    assert (c.name, c.reading, c.company, c.position) == ("Hanako Sato", "さとう はなこ",
                                                          "Studio, Ltd.", "Lead")
    assert c.emails == ["hanako@example.com"]
    assert c.urls == ["https://www.linkedin.com/in/hanako-sato"]
    assert c.phones == ["+819099990000"]
    assert c.notes == "met at a meetup, 2022\nlikes tea"


def test_vcard40_folding_sort_as_and_uid(tmp_path):
    (c,) = read(tmp_path / "v4.vcf", VCARD40).contacts
    assert c.name == "Jane Doe" and c.reading == "Doe Jane"
    assert c.emails == ["jane@example.com"]  # folded line joined, lower-cased
    assert c.phones == ["+15555555555"]
    assert c.key == "uid:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1"


def test_vcard_problems_are_named_by_line(tmp_path):
    bad = (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ok\r\nEND:VCARD\r\n"
           b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=SHIFT_JIS:\x82\xa0\x82\r\nEND:VCARD\r\n"
           b"BEGIN:VCARD\r\nVERSION:3.0\r\nTEL:123456\r\nEND:VCARD\r\n"
           b"BEGIN:VCARD\r\nFN:Never ends\r\n")
    (tmp_path / "bad.vcf").write_bytes(bad)
    with pytest.raises(InputError) as e:
        sources.read(tmp_path / "bad.vcf")
    msg = str(e.value)
    assert "3 problems, nothing was imported" in msg
    assert "line 7: FN: bytes that are not SHIFT_JIS text" in msg
    assert "line 9: a card without FN or N" in msg
    assert "line 13: BEGIN:VCARD without END:VCARD" in msg
    assert "line 6" not in msg  # the card of line 7 is not named again


# ------------------------------------------------------------------ template

def test_template_files_document_every_column_and_read_back_empty(tmp_path):
    for name, spec in template.FILES.items():
        text = template.template_text(name)
        for col, _ in spec:
            assert f"#   {col}: " in text
        header = text.strip().splitlines()[-1]
        assert header == ",".join(c for c, _ in spec)
        (tmp_path / name).write_text(text, encoding="utf-8")
        b = sources.read(tmp_path / name)[0]
        assert not b.contacts and not b.knows and not b.log
    assert "family_school | workplace | mixer | meetup | activity | referral" in \
        template.template_text("people.csv")


def test_template_people(tmp_path):
    (tmp_path / "people.csv").write_text("# my people\n" + PEOPLE, encoding="utf-8")
    b = sources.read(tmp_path / "people.csv")[0]
    jane, ken, hanako = b.contacts
    assert (jane.origin, jane.met_on, jane.closeness, jane.frequency, jane.stage) == (
        "workplace", "2019-04", 0.9, 52.0, 0.7)
    assert (ken.reading, ken.origin, ken.met_on, ken.frequency) == ("イトウ ケン", "mixer",
                                                                    "2021", 1.0)
    assert (hanako.introduced_by, hanako.notes, hanako.line) == ("Jane Doe", "tea, books", 5)


def test_template_bad_rows_named_with_line_field_and_what_is_allowed(tmp_path):
    text = ("person,how_met,when,closeness,contact_frequency,stage\n"
            "A,bar,2020,0.5,weekly,0.5\n"
            "B,mixer,2020-13,0.5,weekly,0.5\n"
            "C,mixer,2020,1.5,weekly,0.5\n"
            "D,mixer,2020,0.5,sometimes,0.5\n"
            "E,mixer,2020,0.5,weekly,nan\n"
            "A,mixer,2020,0.5,weekly,0.5\n")
    (tmp_path / "p.csv").write_text(text)
    with pytest.raises(InputError) as e:
        sources.read(tmp_path / "p.csv")
    msg = str(e.value)
    assert "6 problems" in msg
    assert ("line 2: how_met 'bar': not one of family_school, workplace, mixer, meetup, "
            "activity, referral") in msg
    assert "line 3: when '2020-13'" in msg
    assert "line 4: closeness '1.5': not a number from 0 to 1" in msg
    assert "line 5: contact_frequency 'sometimes'" in msg and "N/week" in msg
    assert "line 6: stage 'nan'" in msg
    assert "line 7: person 'A' is also on line 2" in msg


def test_template_unknown_column_is_refused(tmp_path):
    (tmp_path / "p.csv").write_text("person,how_mett\nA,mixer\n")
    with pytest.raises(InputError, match="line 1: unknown column how_mett; allowed: person"):
        sources.read(tmp_path / "p.csv")


def test_not_utf8_names_the_line_and_the_encoding_option(tmp_path):
    (tmp_path / "p.csv").write_bytes("person,notes\nA,ok\n山田,x\n".encode("cp932"))
    with pytest.raises(InputError, match=r"line 3: bytes that are not utf-8-sig text.*cp932"):
        sources.read(tmp_path / "p.csv")
    b = sources.read(tmp_path / "p.csv", "cp932")[0]
    assert [c.name for c in b.contacts] == ["A", "山田"]


def test_log_rows_validated(tmp_path):
    (tmp_path / "log.csv").write_text(
        "date,kind,person,duration,value,amount,note\n"
        "2024-05-01,meeting,Jane Doe,1.5h,,,lunch\n"
        "2024-05-01,meeting,Jane Doe,1.5h,,,lunch\n"
        "2024-05-02,value,Jane Doe,,client,300,\n"
        "2024-05-03,input,,2d,,,course\n"
        "05/03/2024,meeting,Jane Doe,1h,,,\n"
        "2024-05-04,meeting,Jane Doe,-1h,,,\n"
        "2024-05-04,meeting,Jane Doe,90,,,\n"
        "2024-05-04,value,Jane Doe,,gift,,\n"
        "2024-05-04,party,Jane Doe,,,,\n"
        "2024-05-04,meeting,,1h,,,\n")
    with pytest.raises(InputError) as e:
        sources.read(tmp_path / "log.csv")
    msg = str(e.value)
    assert "6 problems" in msg
    for line, text in ((6, "date '05/03/2024'"), (7, "duration '-1h': not a number ≥ 0 with "
                                                     "a unit"),
                       (8, "duration '90'"), (9, "value 'gift'"), (10, "kind 'party'"),
                       (11, "a meeting needs a person")):
        assert f"line {line}: {text}" in msg
    (tmp_path / "log.csv").write_text("\n".join(
        (tmp_path / "log.csv").read_text().splitlines()[:5]) + "\n")
    log = sources.read(tmp_path / "log.csv")[0].log
    assert [(e.kind, e.minutes, e.value_kind, e.amount) for e in log] == [
        ("meeting", 90.0, None, None), ("meeting", 90.0, None, None),
        ("value", None, "client", 300.0), ("input", 2880.0, None, None)]
    assert len({e.key for e in log}) == 4  # a row twice is two meetings


def test_unknown_file_kinds(tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="not a file this import knows"):
        sources.read(tmp_path / "x.csv")
    (tmp_path / "e.csv").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        sources.read(tmp_path / "e.csv")
    with pytest.raises(InputError, match="no such file"):
        sources.read(tmp_path / "missing.csv")


# ------------------------------------------------------------------ the command

def test_import_every_format_then_again_adds_nothing(tmp_path, capsys):
    db = tmp_path / "store" / "me.sqlite"
    files = {"export.zip": None, "phone.vcf": VCARD21, "iphone.vcf": VCARD30,
             "v4.vcf": VCARD40, "people.csv": PEOPLE.encode()}
    for name, data in files.items():
        if data is None:
            linkedin_zip(tmp_path / name)
        else:
            (tmp_path / name).write_bytes(data)
    paths = [str(tmp_path / n) for n in files]
    code, out, err = me(capsys, "import", "--db", str(db), *paths)
    assert code == 0, err
    assert "export.zip (linkedin): 3 people added, 0 updated, 0 unchanged; 3 contact days " \
           "added." in out.replace("\n", " ")
    assert "people.csv (template): 3 people added" in out
    before = dump(db)
    people = sum(1 for r in before if r[0] == "people")
    assert people == 3 + 2 + 1 + 1 + 3
    code, out, _ = me(capsys, "import", "--db", str(db), *paths)
    assert code == 0 and out.count("imported before") == 5
    assert dump(db) == before
    # the same content under another name: matched by key, still nothing added
    (tmp_path / "copy.csv").write_bytes(CONNECTIONS + b"\r\n")
    code, out, _ = me(capsys, "import", "--db", str(db), str(tmp_path / "copy.csv"))
    assert code == 0 and "0 people added, 0 updated, 3 unchanged" in out
    assert [r for r in dump(db) if r[0] != "imports"] == \
        [r for r in before if r[0] != "imports"]
    assert oct(db.stat().st_mode & 0o777) == "0o600"
    assert oct(db.parent.stat().st_mode & 0o777) == "0o700"


def test_a_newer_export_updates_and_adds(tmp_path, capsys):
    db = tmp_path / "me.sqlite"
    (tmp_path / "a.csv").write_bytes(CONNECTIONS)
    (tmp_path / "b.csv").write_bytes(connections([
        'Jane,Doe,https://www.linkedin.com/in/jane-doe-1a2b,,"Acme, Inc.",CEO,3 Feb 2021',
        "Zoe,Park,https://www.linkedin.com/in/zoe,,Z,Z,1 Jan 2025"]))
    me(capsys, "import", "--db", str(db), str(tmp_path / "a.csv"))
    code, out, _ = me(capsys, "import", "--db", str(db), str(tmp_path / "b.csv"))
    assert code == 0 and "1 person added, 1 updated, 0 unchanged" in out
    con = sqlite3.connect(db)
    assert con.execute("SELECT position FROM people WHERE name = 'Jane Doe'").fetchone() == \
        ("CEO",)
    assert con.execute("SELECT count(*) FROM people").fetchone() == (4,)


def test_bad_rows_exit_2_and_write_nothing(tmp_path, capsys):
    db = tmp_path / "me.sqlite"
    (tmp_path / "people.csv").write_text(PEOPLE)
    assert me(capsys, "import", "--db", str(db), str(tmp_path / "people.csv"))[0] == 0
    before = dump(db)
    bad = connections(["Ann,Lee,https://x.example/ann,,Foo,Dev,17 Jan 2016",
                       "Bo,Kim,https://x.example/bo,,Bar,Ops,2016-13-45",
                       "Cy,Ng,https://x.example/cy,,Bar,Ops,3 Foo 2016",
                       "Di,Ro,https://x.example/di,Bar,Ops,3 Feb 2016"])
    (tmp_path / "Connections.csv").write_bytes(bad)
    code, out, err = me(capsys, "import", "--db", str(db), str(tmp_path / "Connections.csv"))
    assert code == 2
    assert "Traceback" not in out + err
    text = " ".join(err.split())
    assert "Connections.csv: 3 problems, nothing was imported" in text
    assert "line 6: Connected On '2016-13-45'" in text
    assert "line 7: Connected On '3 Foo 2016'" in text
    assert "line 8: 6 cells where the header has 7" in text
    assert dump(db) == before


def test_a_file_whose_names_do_not_resolve_is_rolled_back_whole(tmp_path, capsys):
    db = tmp_path / "me.sqlite"
    (tmp_path / "people.csv").write_text(PEOPLE)
    (tmp_path / "knows.csv").write_text("person,knows\nJane Doe,Ken Ito\nken ito,Nobody\n")
    code, _, err = me(capsys, "import", "--db", str(db), str(tmp_path / "knows.csv"),
                      str(tmp_path / "people.csv"))
    assert code == 2
    text = " ".join(err.split())
    assert "knows.csv: 1 problem, nothing was imported: line 3: no person 'Nobody'" in text
    assert "(Imported before it:" in text and "people.csv" in text  # people went first
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM knows").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM people").fetchone() == (3,)


def test_names_with_markup_are_printed_literally(tmp_path, capsys):
    db = tmp_path / "me.sqlite"
    (tmp_path / "p.csv").write_text("person,how_met\n[bold]Eve[/bold],party\n")
    code, _, err = me(capsys, "import", "--db", str(db), str(tmp_path / "p.csv"))
    assert code == 2 and "[bold]Eve[/bold]" not in err and "how_met 'party'" in err
    (tmp_path / "p.csv").write_text("person\n[bold]Eve[/bold]\n[red]x\n")
    assert me(capsys, "import", "--db", str(db), str(tmp_path / "p.csv"))[0] == 0
    code, out, _ = me(capsys, "people", "--db", str(db))
    assert "[bold]Eve[/bold]" in out and "[red]x" in out


def test_not_a_store(tmp_path, capsys):
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    (tmp_path / "p.csv").write_text(PEOPLE)
    code, _, err = me(capsys, "import", "--db", str(other), str(tmp_path / "p.csv"))
    assert code == 2 and "not a jinmyaku store" in err
    (tmp_path / "junk.sqlite").write_bytes(b"hello, not a database" * 100)
    code, _, err = me(capsys, "people", "--db", str(tmp_path / "junk.sqlite"))
    assert code == 2 and "not a jinmyaku store" in err
    code, _, err = me(capsys, "people", "--db", str(tmp_path / "none.sqlite"))
    assert code == 2 and "no personal store here yet" in err
    assert not (tmp_path / "none.sqlite").exists()


def test_a_store_from_a_newer_version_is_refused(tmp_path):
    db = tmp_path / "me.sqlite"
    Store(db).close()
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 99")
    con.commit()
    con.close()
    with pytest.raises(InputError, match="newer jinmyaku"):
        Store(db)


def test_schema_origins_are_the_models():
    from jinmyaku.model.vocabulary import ORIGINS
    from jinmyaku.storage.personal import store

    assert set(ORIGINS) <= set(store.V1_ORIGINS)
    assert all(f"'{o}'" in store.MIGRATIONS[0] for o in ORIGINS)


def test_vcard_and_linkedin_detection():
    assert vcard.looks_like_vcard(b"\xef\xbb\xbfBEGIN:VCARD\r\n")
    assert not vcard.looks_like_vcard(b"person,knows\n")
    assert linkedin.looks_like_messages(MESSAGES.decode())
