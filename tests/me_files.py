"""Files in the formats ``jinmyaku me import`` reads, written by the tests themselves."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

from jinmyaku.faces import cli

NOTES = ('Notes:\r\n"When exporting your connection data, you may notice that some of the '
         'email addresses are missing. You will only see email addresses for connections who '
         'have allowed their connections to see or download their email address using this '
         'setting https://www.linkedin.com/psettings/privacy/email. You can learn more here '
         'https://www.linkedin.com/help/linkedin/answer/261"\r\n\r\n')
HEADER_URL = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
HEADER_OLD = "First Name,Last Name,Email Address,Company,Position,Connected On"


def connections(rows: list[str], preamble: bool = True, url: bool = True) -> bytes:
    """A Connections.csv as LinkedIn writes it: BOM, CRLF, the Notes preamble."""
    text = (NOTES if preamble else "") + (HEADER_URL if url else HEADER_OLD) + "\r\n"
    text += "".join(r + "\r\n" for r in rows)
    return ("\ufeff" + text).encode("utf-8")


CONNECTIONS = connections([
    'Jane,Doe,https://www.linkedin.com/in/jane-doe-1a2b,jane@example.com,"Acme, Inc.",CTO,'
    '3 Feb 2021',
    ",,,,,,",
    'Ken,Ito,https://www.linkedin.com/in/kenito/,,Globex,"Engineer, Payments",03 Feb 2021',
    "Mia,Wong,https://www.linkedin.com/in/miawong,,Initech,PM,28 Sep 2023",
])

MESSAGES = (
    b"CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,"
    b"DATE,SUBJECT,CONTENT,FOLDER\r\n"
    b"c1,,Jane Doe,https://www.linkedin.com/in/jane-doe-1a2b,Me Myself,"
    b"https://www.linkedin.com/in/me-myself,2024-03-01 10:00:00 UTC,,\"Hi, long time\",INBOX\r\n"
    b"c1,,Me Myself,https://www.linkedin.com/in/me-myself,Jane Doe,"
    b"https://www.linkedin.com/in/jane-doe-1a2b,2024-03-01 11:00:00 UTC,,\"Yes!\nSee you\","
    b"INBOX\r\n"
    b"c1,,Me Myself,https://www.linkedin.com/in/me-myself,Jane Doe,"
    b"https://www.linkedin.com/in/jane-doe-1a2b,2024-04-02 09:00:00 UTC,,ok,INBOX\r\n"
    b"c2,,Me Myself,https://www.linkedin.com/in/me-myself,Ken Ito,"
    b"https://www.linkedin.com/in/kenito,2023-01-05 09:00:00 UTC,,hello,INBOX\r\n"
    b"c3,,Stranger,https://www.linkedin.com/in/stranger,Me Myself,"
    b"https://www.linkedin.com/in/me-myself,2024-01-05 09:00:00 UTC,,buy,INBOX\r\n"
)


def linkedin_zip(path: Path, messages: bool = True) -> Path:
    """LinkedIn's export ZIP, with other members this import must not need."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("Connections.csv", CONNECTIONS)
        if messages:
            z.writestr("messages.csv", MESSAGES)
        z.writestr("Profile.csv", "First Name,Last Name\r\nMe,Myself\r\n")
        z.writestr("Invitations.csv", "From,To,Sent At\r\n")
    return path


def qp_sjis(text: str) -> bytes:
    """Quoted-printable of the Shift_JIS bytes of ``text``, every byte encoded."""
    return "".join(f"={b:02X}" for b in text.encode("cp932")).encode("ascii")


# A Japanese feature phone's vCard 2.1: QP + Shift_JIS with a soft line break inside FN,
# raw Shift_JIS half-width katakana in SOUND, a base64 photo, bare TYPE parameters.
VCARD21 = (
    b"BEGIN:VCARD\r\nVERSION:2.1\r\n"
    b"N;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:" + qp_sjis("山田") + b";"
    + qp_sjis("太郎") + b";;;\r\n"
    b"FN;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:" + qp_sjis("山田") + b"=\r\n"
    + qp_sjis("太郎") + b"\r\n"
    b"SOUND;X-IRMC-N;CHARSET=SHIFT_JIS:" + "ﾔﾏﾀﾞ;ﾀﾛｳ;;;".encode("cp932") + b"\r\n"
    b"TEL;CELL;VOICE:090-1234-5678\r\n"
    b"EMAIL;INTERNET:taro@example.jp\r\n"
    b"NOTE;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:" + qp_sjis("大学の") + b"=0D=0A="
    b"\r\n" + qp_sjis("同期") + b"\r\n"
    b"PHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/4AAQSkZJRgABAQ\r\n"
    b" AAAQABAAD/2wBDAAMCAgICAgMCAgID\r\n\r\n"
    b"END:VCARD\r\n"
    b"BEGIN:VCARD\r\nVERSION:2.1\r\n"
    b"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=B6rg;;;\r\n"
    b"TEL;HOME:+49 30 1234567\r\n"
    b"END:VCARD\r\n"
)

VCARD30 = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\n"
    "N:Sato;Hanako;;;\r\nFN:Hanako Sato\r\n"
    "X-PHONETIC-FIRST-NAME:はなこ\r\nX-PHONETIC-LAST-NAME:さとう\r\n"
    "ORG:Studio\\, Ltd.;Design\r\nTITLE:Lead\r\n"
    "item1.EMAIL;type=INTERNET;type=pref:hanako@example.com\r\n"
    "item1.X-ABLabel:_$!<Other>!$_\r\n"
    "item2.URL;type=pref:https://www.linkedin.com/in/hanako-sato\r\n"
    "item2.X-ABLabel:_$!<HomePage>!$_\r\n"
    "TEL;type=CELL;type=VOICE;type=pref:+81 90 9999 0000\r\n"
    "NOTE:met at a meetup\\, 2022\\nlikes tea\r\n"
    "END:VCARD\r\n"
).encode()

VCARD40 = (
    b"BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1\r\n"
    b"FN:Jane Doe\r\nN;SORT-AS=\"Doe,Jane\":Doe;Jane;;;\r\n"
    b"EMAIL;TYPE=work:JANE@exam\r\n ple.com\r\n"
    b"TEL;VALUE=uri;TYPE=\"voice,cell\":tel:+1-555-555-5555\r\n"
    b"END:VCARD\r\n"
)

PEOPLE = (
    "person,reading,how_met,when,introduced_by,closeness,contact_frequency,field,stage,notes\n"
    "Jane Doe,,workplace,2019-04,,0.9,weekly,design,0.7,\n"
    "Ken Ito,イトウ ケン,mixer,2021,,0.3,yearly,sales,0.4,\n"
    "Hanako Sato,さとう はなこ,meetup,2022-05-01,Jane Doe,0.6,monthly,eng,0.8,\"tea, books\"\n"
)


# A person for me report: every section has something to draw, and every name, reading,
# e-mail, address, phone and note is distinctive (the redaction test looks for them).
# name, reading, how met, when, introduced by, closeness, frequency, field, stage, notes,
# e-mail, profile address, phone, ended
REPORT_PEOPLE = [
    ("Zebulon Quirkwhistle", "ぜぶろん", "workplace", "2016-04", "", "0.95", "weekly",
     "cryptozoology", "0.7", "owes me a kayak", "zebulon@quirk.example", "", "+81 90 4242 1717",
     ""),
    ("Ottilie Vantablack", "おってぃりー", "activity", "2018", "Zebulon Quirkwhistle", "0.9",
     "weekly", "lepidopterology", "0.6", "allergic to hazelnuts", "ottilie@vanta.example",
     "https://www.linkedin.com/in/ottilie-vantablack", "", ""),
    ("Perpetua Marchbanks", "", "meetup", "2019-06", "", "0.85", "monthly", "", "0.8",
     "secret: plays the theremin", "", "https://perpetua.example/home", "090-5555-0199", ""),
    ("Thaddeus Oakenshield", "", "family_school", "2001", "", "0.8", "monthly", "", "0.4",
     "", "", "", "", ""),
    ("和泉 珠緒", "いずみ たまお", "mixer", "2021-10", "", "0.75", "weekly", "", "0.5",
     "焼き鳥が好き", "tamao@izumi.example", "", "", ""),
    ("Wilhelmina Fairweather", "", "referral", "2022-02", "Perpetua Marchbanks", "0.5",
     "quarterly", "", "0.3", "", "", "", "", ""),
    ("Bartholomew Crumpet", "", "workplace", "2015", "", "0.4", "yearly", "", "0.55", "",
     "", "", "", "2023-06-01"),
    ("Ignatius Pemberton", "", "mixer", "2020", "", "0.3", "monthly", "", "0.2", "", "", "",
     "", ""),
    ("Seraphina Holloway", "", "meetup", "2017", "", "0.6", "weekly", "", "0.65", "", "", "",
     "", ""),
    ("Cornelius Dunwiddie", "", "activity", "2019", "", "0.2", "yearly", "", "", "", "", "",
     "", ""),
]
REPORT_VCARD = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Grimsditch;Eudora;;;\r\nFN:Eudora Grimsditch\r\n"
         "X-PHONETIC-FIRST-NAME:ゆーどら\r\nEMAIL:eudora@grimsditch.example\r\n"
         "URL:https://grimsditch.example/eudora\r\nTEL;type=CELL:+44 7700 900123\r\n"
         "NOTE:met on the night ferry\r\nEND:VCARD\r\n")
LOG_NOTE = "confidential merger talk"


def person_files(folder: Path) -> list[Path]:
    """people.csv, contacts.vcf, knows.csv and log.csv of :data:`REPORT_PEOPLE`."""
    header = ("person,reading,how_met,when,introduced_by,closeness,contact_frequency,field,"
              "stage,notes,email,profile_url,phone,ended")
    lines = [header] + [",".join(f'"{x}"' if "," in x else x for x in row) for row in REPORT_PEOPLE]
    (folder / "people.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "contacts.vcf").write_text(REPORT_VCARD, encoding="utf-8")
    (folder / "knows.csv").write_text(
        "person,knows\nZebulon Quirkwhistle,Ottilie Vantablack\n"
        "Ottilie Vantablack,Perpetua Marchbanks\nZebulon Quirkwhistle,Perpetua Marchbanks\n"
        "Seraphina Holloway,Ignatius Pemberton\n", encoding="utf-8")
    log = ["date,kind,person,duration,value,amount,note"]
    active = [r[0] for r in REPORT_PEOPLE[:6]] + ["Seraphina Holloway", "Ignatius Pemberton"]
    for year in (2022, 2023, 2024):
        for month in range(1, 13):
            for k, name in enumerate(active):
                if (month + k + year) % (1 + k % 3) == 0:
                    log.append(f"{year}-{month:02d}-{1 + k:02d},meeting,{name},1h,,,")
    log.append(f"2023-03-05,meeting,Thaddeus Oakenshield,2h,,,{LOG_NOTE}")  # fading since
    log.append("2022-01-20,meeting,Bartholomew Crumpet,1h,,,")
    for k, (name, kind) in enumerate([("Zebulon Quirkwhistle", "work"),
                                      ("Perpetua Marchbanks", "introduction"),
                                      ("和泉 珠緒", "client"),
                                      ("Ottilie Vantablack", "information")]):
        log.append(f"2024-0{k + 1}-15,value,{name},,{kind},{10 * (k + 1)},{LOG_NOTE}")
    log.append(f"2024-06-01,input,,3h,,,{LOG_NOTE}")
    (folder / "log.csv").write_text("\n".join(log) + "\n", encoding="utf-8")
    return [folder / n for n in ("people.csv", "contacts.vcf", "knows.csv", "log.csv")]


def me(capsys, *argv: str) -> tuple[int, str, str]:
    """Run ``jinmyaku me ARGV``: (exit status, stdout, stderr)."""
    code = cli.main(["me", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def dump(db: Path) -> list[tuple]:
    """Every row of every table of a store (for 'nothing was written' checks)."""
    if not db.exists():
        return []
    con = sqlite3.connect(db)
    try:
        rows = []
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = "
                                            "'table' ORDER BY name")]
        for t in tables:
            rows += [(t, *r) for r in con.execute(f"SELECT * FROM {t} ORDER BY 1, 2")]
        return rows
    finally:
        con.close()
