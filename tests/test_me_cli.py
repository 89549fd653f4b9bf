"""``jinmyaku me`` end to end: template, log, duplicates and merge, status, privacy.

Sockets are blocked in every test here (pytest-socket): the personal mode must never
need the network.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from me_files import CONNECTIONS, PEOPLE, VCARD30, dump, me

from jinmyaku.model.vocabulary import ORIGINS
from jinmyaku.storage.personal import common, template
from jinmyaku.storage.personal.store import Store

pytestmark = pytest.mark.usefixtures("socket_disabled")


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_sockets_are_blocked_here():
    from pytest_socket import SocketBlockedError

    with pytest.raises(SocketBlockedError):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)


def test_personal_data_stays_out_of_the_working_folder(tmp_path, monkeypatch, capsys):
    data, work, inbox = tmp_path / "data", tmp_path / "work", tmp_path / "in"
    for d in (work, inbox):
        d.mkdir()
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(work)
    (inbox / "people.csv").write_text(PEOPLE)
    (inbox / "Connections.csv").write_bytes(CONNECTIONS)
    assert me(capsys, "import", str(inbox / "people.csv"), str(inbox / "Connections.csv"))[0] \
        == 0
    assert me(capsys, "log", "meeting", "Mia Wong", "--date", "2024-05-01")[0] == 0
    code, out, err = me(capsys, "status", "--as-of", "2025-01-01")
    assert code == 0, err
    assert me(capsys, "duplicates")[0] == 0
    code, out, err = me(capsys, "project", "--scenario", "small", "--people", "100", "--years",
                        "1", "--replicates", "2", "--strategies", "passive", "--as-of",
                        "2025-01-01", "--workers", "0", "--quiet")
    assert code == 0, err
    code, out, err = me(capsys, "report", "--as-of", "2025-01-01", "--lang", "ja", "--redact")
    assert code == 0, err
    assert list(work.iterdir()) == []
    store = data / "jinmyaku" / "me.sqlite"
    assert store.exists()
    assert (data / "jinmyaku" / "me-report-redacted.html").exists()
    assert (data / "jinmyaku" / "me-report-redacted.md").exists()
    code, out, _ = me(capsys, "where")
    assert str(store) in out.replace("\n", "") and "(exists)" in out


def test_template_writes_three_files_and_refuses_to_overwrite(tmp_path, capsys):
    folder = tmp_path / "tpl"
    code, out, _ = me(capsys, "template", str(folder))
    assert code == 0
    assert sorted(p.name for p in folder.iterdir()) == ["knows.csv", "log.csv", "people.csv"]
    assert (folder / "people.csv").read_text() == template.template_text("people.csv")
    code, _, err = me(capsys, "template", str(folder))
    assert code == 2 and "already there" in err


def _store(tmp_path, capsys) -> Path:
    db = tmp_path / "me.sqlite"
    (tmp_path / "people.csv").write_text(PEOPLE)
    (tmp_path / "Connections.csv").write_bytes(CONNECTIONS)
    (tmp_path / "iphone.vcf").write_bytes(VCARD30)
    code, _, err = me(capsys, "import", "--db", str(db), str(tmp_path / "people.csv"),
                      str(tmp_path / "Connections.csv"), str(tmp_path / "iphone.vcf"))
    assert code == 0, err
    return db


@pytest.mark.parametrize("args, says", [
    (["meeting", "Jane Doe", "--date", "2024-02-30"], "date '2024-02-30'"),
    (["meeting", "Jane Doe", "--date", "1 May 2024"], "not an ISO date YYYY-MM-DD"),
    (["meeting", "Ken Ito", "--duration", "-5m"], "duration '-5m': not a number ≥ 0 with a unit"),
    (["meeting", "Ken Ito", "--duration", "5"], "duration '5'"),
    (["meeting"], "a meeting needs a person"),
    (["value", "Ken Ito"], "kind value needs one of work, client, introduction, information"),
    (["input", "--value", "work"], "value 'work': only for kind value"),
    (["value", "#2", "--value", "work", "--amount", "-3"], "amount '-3'"),
    (["chat", "Ken Ito"], "kind 'chat': not one of meeting, value, input, action"),
    (["meeting", "Nobody"], "no person 'Nobody'"),
    (["meeting", "Jane Doe"], "'Jane Doe' names 2 people"),
])
def test_log_refuses_bad_entries(tmp_path, capsys, args, says):
    db = _store(tmp_path, capsys)
    before = dump(db)
    code, out, err = me(capsys, "log", "--db", str(db), *args)
    assert code == 2 and says in " ".join(err.split()), err
    assert "Traceback" not in out + err
    assert dump(db) == before


def test_log_records_entries(tmp_path, capsys):
    db = _store(tmp_path, capsys)
    for args in (["meeting", "イトウ　ケン", "--date", "2024-05-01", "--duration", "1.5h"],
                 ["value", "#5", "--date", "2024-05-02", "--value", "client",
                  "--amount", "250", "--note", "a [red]project[/]"],
                 ["input", "--date", "2024-05-03", "--duration", "2h", "--note", "course"],
                 ["action", "--duration", "0m"]):
        code, _, err = me(capsys, "log", "--db", str(db), *args)
        assert code == 0, err
    con = sqlite3.connect(db)
    rows = con.execute("SELECT on_date, kind, p.name, minutes, value_kind, amount, note "
                       "FROM log LEFT JOIN people p ON p.id = person_id ORDER BY log.id"
                       ).fetchall()
    assert rows[:3] == [("2024-05-01", "meeting", "Ken Ito", 90.0, None, None, None),
                        ("2024-05-02", "value", "Jane Doe", None, "client", 250.0,
                         "a [red]project[/]"),
                        ("2024-05-03", "input", None, 120.0, None, None, "course")]
    assert rows[3][1] == "action" and rows[3][3] == 0.0


def test_duplicates_and_merge(tmp_path, capsys):
    db = _store(tmp_path, capsys)
    (tmp_path / "knows.csv").write_text("person,knows\n#5,Mia Wong\n#1,#7\n")
    (tmp_path / "log.csv").write_text("date,kind,person\n2024-01-02,meeting,#1\n")
    assert me(capsys, "import", "--db", str(db), str(tmp_path / "knows.csv"),
              str(tmp_path / "log.csv"))[0] == 0
    with Store(db) as s:
        pairs = {(a, b): why for a, b, why in s.duplicates()}
        names = dict(zip(s.people()["id"], s.people()["name"], strict=True))
    # imported in the order LinkedIn (1-3), vCard (4), template (5-7)
    assert [names[i] for i in range(1, 8)] == ["Jane Doe", "Ken Ito", "Mia Wong",
                                               "Hanako Sato", "Jane Doe", "Ken Ito",
                                               "Hanako Sato"]
    assert pairs == {(1, 5): ["same name"], (2, 6): ["same name"],
                     (4, 7): ["same name", "same reading"]}
    code, out, _ = me(capsys, "duplicates", "--db", str(db))
    assert code == 0 and "3 pairs" in out
    assert me(capsys, "merge", "--db", str(db), "5", "#1")[0] == 0
    assert me(capsys, "merge", "--db", str(db), "--apart", "2", "6")[0] == 0
    with Store(db) as s:
        assert [(a, b) for a, b, _ in s.duplicates()] == [(4, 7)]
        con = s.db
        assert con.execute("SELECT count(*) FROM people").fetchone() == (6,)
        # #1's e-mail and LinkedIn address, its log entry and its pair moved to #5
        assert con.execute("SELECT value FROM identifiers WHERE person_id = 5 ORDER BY 1"
                           ).fetchall() == [("jane@example.com",),
                                            ("linkedin.com/in/jane-doe-1a2b",)]
        assert con.execute("SELECT person_id FROM log").fetchall() == [(5,)]
        assert sorted(con.execute("SELECT a, b FROM knows").fetchall()) == [(3, 5), (5, 7)]
        t = con.execute("SELECT origin, met_on, connected_on FROM ties WHERE person_id = 5"
                        ).fetchone()
        assert t == ("workplace", "2019-04", "2021-02-03")
        assert con.execute("SELECT company FROM people WHERE id = 5").fetchone() == \
            ("Acme, Inc.",)
    # re-importing the merged source updates #1 and adds nobody
    (tmp_path / "c2.csv").write_bytes(CONNECTIONS + b"\r\n")
    code, out, _ = me(capsys, "import", "--db", str(db), str(tmp_path / "c2.csv"))
    assert code == 0 and "0 people added" in out
    for args, says in ((["5", "5"], "twice"), (["5", "99"], "no person #99"),
                       (["5", "x"], "give a person's number"), (["1", "5"], "no person #1")):
        code, _, err = me(capsys, "merge", "--db", str(db), *args)
        assert code == 2 and says in err


def test_status_prints_tables_and_json(tmp_path, capsys):
    db = _store(tmp_path, capsys)
    code, out, err = me(capsys, "status", "--db", str(db), "--as-of", "2025-01-01")
    assert code == 0, err
    text = " ".join(out.split())
    assert "Your network on 2025-01-01: 7 people (7 current)" in text
    assert "Closest five (by closeness)" in text
    assert "needs who knows whom" in text
    code, out, _ = me(capsys, "status", "--db", str(db), "--as-of", "2025-01-01", "--json")
    m = json.loads(out)
    assert m["people"] == 7 and m["brokerage"]["present"] is False
    assert [p["name"] for p in m["closest"]["people"]][:3] == ["Jane Doe", "Hanako Sato",
                                                               "Ken Ito"]
    for bad, says in ((["--as-of", "2025-13-01"], "--as-of"), (["--by", "x"], "--by 'x'")):
        code, _, err = me(capsys, "status", "--db", str(db), *bad)
        assert code == 2 and says in err


# ------------------------------------------------------------------ properties

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
                min_size=1, max_size=20).filter(
    lambda s: s.strip() and not s.strip().startswith("#") and common.name_keys(s))
rows = st.lists(st.tuples(
    names, st.sampled_from(("",) + ORIGINS),
    st.one_of(st.none(), st.floats(0, 1)), st.one_of(st.none(), st.floats(0, 1)),
    st.sampled_from(["", *template.FREQUENCY_WORDS, "3/week", "2.5/month"]),
    st.one_of(st.none(), st.dates().map(lambda d: d.isoformat()))),
    max_size=12, unique_by=lambda r: " ".join(sorted(common.name_keys(r[0]))))


def _csv(rows_) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["person", "how_met", "closeness", "stage", "contact_frequency", "when"])
    for name, origin, close, stage, freq, when in rows_:
        w.writerow([name, origin, "" if close is None else repr(close),
                    "" if stage is None else repr(stage), freq, when or ""])
    return buf.getvalue()


@given(rows)
@settings(max_examples=60, deadline=None)
def test_any_csv_of_valid_rows_round_trips(rows_):
    b = template.read_people(_csv(rows_), "people.csv")
    assert len(b.contacts) == len(rows_)
    for c, (name, origin, close, stage, freq, when) in zip(b.contacts, rows_, strict=True):
        assert c.name == name.strip()
        assert c.origin == (origin or None)
        assert c.closeness == close and c.stage == stage
        assert c.frequency == (template.frequency(freq) if freq else None)
        assert c.met_on == when


@given(rows)
@settings(max_examples=25, deadline=None)
def test_reimport_is_idempotent(rows_):
    text = _csv(rows_)
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "me.sqlite"
        with Store(db) as s:
            first = s.import_batch(template.read_people(text, "p.csv"), "p.csv", "h1")
            assert first.added == len(rows_)
        before = dump(db)
        with Store(db) as s:  # the same rows from a file with another digest
            again = s.import_batch(template.read_people(text, "p.csv"), "p.csv", "h2")
        assert (again.added, again.updated, again.unchanged) == (0, 0, len(rows_))
        assert [r for r in dump(db) if r[0] != "imports"] == \
            [r for r in before if r[0] != "imports"]
