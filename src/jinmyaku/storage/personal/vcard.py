"""vCard 2.1, 3.0 and 4.0 files (phone and address-book exports).

The cards are parsed by `vobject <https://github.com/py-vobject/vobject>`_
(groups such as ``item1.EMAIL``, parameters, escapes, the parts of ``N`` and
``ORG``), after a pass over the raw bytes that does what vobject cannot:

- **Quoted-printable soft line breaks** (vCard 2.1): a value ending in ``=``
  goes on on the next line. vobject reads each physical line as a property
  and fails on the continuation (``Failed to parse line: =91=BE…``), so the
  lines are joined here first.
- **Bytes in a declared charset** (``CHARSET=SHIFT_JIS``, common in Japanese
  phone exports, also raw 8-bit without quoted-printable): vobject works on
  text that is already decoded, so it cannot honour a charset per line. Each
  value is decoded here (quoted-printable first, then its ``CHARSET``;
  Shift_JIS as Microsoft's cp932, which phones use; without a charset UTF-8,
  then cp932) and handed on as UTF-8 without ``ENCODING``/``CHARSET``.
- **Line numbers**: vobject's are off (it counts some line breaks twice), so
  every logical line keeps the number of the physical line it began on, and
  a card vobject refuses is checked line by line to name the bad one.
- Properties this import does not use (``PHOTO``, ``ADR``, …) are dropped
  before parsing, base64 continuation lines of vCard 2.1 with them.

Names: ``FN``, else ``N``. Readings (furigana): ``X-PHONETIC-LAST-NAME`` /
``X-PHONETIC-FIRST-NAME`` (iPhone, Android), ``SOUND;X-IRMC-N`` (Japanese
feature phones, half-width katakana folded by NFKC later), an ``N`` with a
``PHONETIC`` parameter (RFC 9554), or ``N``'s ``SORT-AS`` (vCard 4.0).
"""

from __future__ import annotations

import binascii
import re
import unicodedata

import vobject

from jinmyaku.errors import InputError
from jinmyaku.storage.personal import common
from jinmyaku.storage.personal.records import Batch, Contact

KEEP = {"BEGIN", "END", "VERSION", "FN", "N", "EMAIL", "TEL", "URL", "ORG", "TITLE", "NOTE",
        "UID", "SOUND", "X-PHONETIC-FIRST-NAME", "X-PHONETIC-LAST-NAME",
        "X-PHONETIC-MIDDLE-NAME", "X-SOCIALPROFILE", "NICKNAME"}
CHARSETS = {"shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
            "windows-31j": "cp932", "ms_kanji": "cp932"}
_NAME = re.compile(rb"^(?:([A-Za-z0-9-]+)\.)?([A-Za-z0-9-]+)$")


def looks_like_vcard(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf\xff\xfe \r\n\t").upper()
    if head.startswith(b"B\x00E\x00") or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    return head.startswith(b"BEGIN:VCARD")


def _physical(data: bytes) -> list[bytes]:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        data = data.decode("utf-16").encode("utf-8")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return re.split(rb"\r\n|\r|\n", data)


def _split(line: bytes) -> tuple[bytes, bytes] | None:
    """(name and parameters, value): split at the first colon outside double quotes."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == 0x22:
            quoted = not quoted
        elif ch == 0x3A and not quoted:
            return line[:i], line[i + 1:]
    return None


def _params(head: bytes) -> tuple[bytes, list[bytes]]:
    parts = re.split(rb';(?=(?:[^"]*"[^"]*")*[^"]*$)', head)
    return parts[0], parts[1:]


def _encoding(params: list[bytes]) -> tuple[str | None, str | None]:
    """(transfer encoding, charset) named by a line's parameters (2.1's bare forms too)."""
    enc = charset = None
    for p in params:
        k, eq, v = p.partition(b"=")
        k = k.strip().upper()
        if eq and k == b"ENCODING":
            enc = v.strip().strip(b'"').upper().decode("ascii", "replace")
        elif eq and k == b"CHARSET":
            charset = v.strip().strip(b'"').decode("ascii", "replace")
        elif not eq and k in (b"QUOTED-PRINTABLE", b"BASE64", b"B"):
            enc = k.decode()
    return enc, charset


def _logical(lines: list[bytes]) -> list[tuple[int, bytes]]:
    """Unfold: RFC folding (a line starting with a space or tab goes on the one before),
    quoted-printable soft breaks, vCard 2.1 base64 continuations. (line number, line)."""
    out: list[tuple[int, bytes]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        start = i + 1
        i += 1
        if not line.strip():
            continue
        if line[:1] in (b" ", b"\t") and out:
            n, prev = out[-1]
            out[-1] = (n, prev + line[1:])
            continue
        parts = _split(line)
        enc = _encoding(_params(parts[0])[1])[0] if parts else None
        if enc == "QUOTED-PRINTABLE":
            while line.endswith(b"=") and i < len(lines):
                line = line[:-1] + lines[i].lstrip(b" \t")
                i += 1
        elif enc in ("BASE64", "B"):
            while i < len(lines) and lines[i].strip() and b":" not in lines[i]:
                line += lines[i].strip()
                i += 1
        while i < len(lines) and lines[i][:1] in (b" ", b"\t") and enc != "QUOTED-PRINTABLE":
            line += lines[i][1:]
            i += 1
        out.append((start, line))
    return out


def _decode_value(value: bytes, enc: str | None, charset: str | None) -> str:
    if enc == "QUOTED-PRINTABLE":
        try:
            value = binascii.a2b_qp(value)
        except binascii.Error as e:
            raise ValueError(f"bad quoted-printable ({e})") from None
    if charset:
        codec = CHARSETS.get(charset.lower(), charset)
        try:
            return value.decode(codec)
        except LookupError:
            raise ValueError(f"unknown CHARSET={charset}") from None
        except UnicodeDecodeError:
            raise ValueError(f"bytes that are not {charset} text") from None
    for codec in ("utf-8", "cp932"):
        try:
            return value.decode(codec)
        except UnicodeDecodeError:
            pass
    raise ValueError("bytes that are neither UTF-8 nor Shift_JIS text; give CHARSET=")


def _clean_line(line: bytes, problems: common.Problems, n: int) -> str | None:
    """One property as a UTF-8 line vobject can read, or None if dropped/unreadable."""
    parts = _split(line)
    if parts is None:
        problems.add(n, "not a vCard property (NAME:value)")
        return None
    head, value = parts
    name, params = _params(head)
    m = _NAME.match(name.strip())
    if not m:
        problems.add(n, f"{name[:40].decode('ascii', 'replace')!r} is not a property name")
        return None
    prop = m.group(2).upper().decode()
    if prop not in KEEP:
        return None
    enc, charset = _encoding(params)
    if prop in ("BEGIN", "END", "VERSION"):
        return f"{prop}:{value.strip().decode('ascii', 'replace')}"
    try:
        text = _decode_value(value, enc, charset)
    except ValueError as e:
        problems.add(n, f"{prop}: {e}")
        return None
    text = text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    kept = [p.decode("ascii", "replace") for p in params
            if p.partition(b"=")[0].strip().upper() not in
            (b"ENCODING", b"CHARSET", b"QUOTED-PRINTABLE", b"BASE64", b"8BIT", b"B")]
    group = (m.group(1).decode() + ".") if m.group(1) else ""
    return ";".join([group + prop, *kept]) + ":" + text


def read_vcards(data: bytes, source: str) -> Batch:
    """Every card of a vCard file as a :class:`Contact`."""
    problems = common.Problems(source)
    batch = Batch("vcard")
    cards: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] | None = None
    begun = 0
    bad: set[int] = set()  # lines already named as a problem
    for n, line in _logical(_physical(data)):
        before = len(problems.items)
        text = _clean_line(line, problems, n)
        if len(problems.items) > before:
            bad.add(n)
        if text is None:  # dropped (a property not used here) or already named
            continue
        upper = text.upper()
        if upper == "BEGIN:VCARD":
            if current is not None:
                problems.add(begun, "BEGIN:VCARD without END:VCARD before the next card")
            current, begun = [(n, text)], n
        elif upper == "END:VCARD":
            if current is None:
                problems.add(n, "END:VCARD without BEGIN:VCARD")
                continue
            current.append((n, text))
            cards.append(current)
            current = None
        elif current is None:
            problems.add(n, "outside BEGIN:VCARD … END:VCARD")
        else:
            current.append((n, text))
    if current is not None:
        problems.add(begun, "BEGIN:VCARD without END:VCARD")
    if not cards and not problems:
        raise InputError(f"{source}: no vCard (BEGIN:VCARD … END:VCARD) in this file.")
    seen: dict[str, int] = {}
    for card in cards:
        if bad and bad.intersection(range(card[0][0], card[-1][0] + 1)):
            continue  # its bad line is named; saying the card lacks a name too is noise
        contact = _contact(card, problems)
        if contact is None:
            continue
        if contact.key in seen:
            batch.notes.append(f"line {contact.line}: the same card as line "
                               f"{seen[contact.key]}; read once")
            continue
        seen[contact.key] = contact.line
        batch.contacts.append(contact)
    problems.raise_if_any()
    return batch


def _contact(card: list[tuple[int, str]], problems: common.Problems) -> Contact | None:
    start = card[0][0]
    try:
        comp = vobject.readOne("\r\n".join(t for _, t in card) + "\r\n")
    except Exception:  # vobject raises several kinds; find and name the line
        for n, t in card:
            try:
                vobject.base.textLineToContentLine(t)
            except Exception as e:
                problems.add(n, f"not readable as a vCard property ({e})")
                return None
        problems.add(start, "not readable as a vCard")
        return None

    def values(name: str) -> list:
        return [c.value for c in comp.contents.get(name.lower(), [])]

    def text(value) -> str:
        if isinstance(value, list):
            return " ".join(str(v) for v in value if v)
        return str(value)

    fn = next((text(v).strip() for v in values("FN") if text(v).strip()), "")
    fn = " ".join(fn.split())
    ns = comp.contents.get("n", [])
    plain_n = [c for c in ns if "PHONETIC" not in c.params]
    if not fn and plain_n:
        fn = _join_name(plain_n[0].value.family, plain_n[0].value.given)
    if not fn:
        problems.add(start, "a card without FN or N: no name")
        return None
    reading = _reading(comp, ns)
    if reading:  # half-width katakana (feature phones) to full width
        reading = unicodedata.normalize("NFKC", reading)
    emails = [e for e in (common.norm_email(text(v)) for v in values("EMAIL")) if e]
    phones = [p for p in (common.norm_phone(text(v)) for v in values("TEL")) if p]
    urls = [text(v).strip() for v in values("URL") + values("X-SOCIALPROFILE")
            if text(v).strip()]
    org = values("ORG")
    company = common.clean(text(org[0][0] if isinstance(org[0], list) and org[0] else org[0])
                           ) if org else None
    title = values("TITLE")
    note = values("NOTE")
    uid = values("UID")
    if uid and text(uid[0]).strip():
        key = "uid:" + text(uid[0]).strip()
    else:
        ident = sorted(emails)[:1] or sorted(phones)[:1] or [""]
        key = "card:" + min(common.name_keys(fn) or {fn}) + "|" + ident[0]
    return Contact(key=key, line=start, name=fn, reading=reading, emails=emails,
                   phones=phones, urls=urls, company=company,
                   position=common.clean(text(title[0])) if title else None,
                   notes=common.clean(text(note[0])) if note else None)


def _cjk(s: str) -> bool:
    return any(unicodedata.east_asian_width(c) in "WF" for c in s)


def _join_name(family, given) -> str:
    fam = " ".join(family) if isinstance(family, list) else (family or "")
    giv = " ".join(given) if isinstance(given, list) else (given or "")
    if _cjk(fam + giv):
        return (fam + giv).strip()
    return f"{giv} {fam}".strip()


def _reading(comp, ns) -> str | None:
    c = comp.contents
    last = " ".join(x.value for x in c.get("x-phonetic-last-name", []) if x.value)
    first = " ".join(x.value for x in c.get("x-phonetic-first-name", []) if x.value)
    if last or first:
        return f"{last} {first}".strip()
    for s in c.get("sound", []):
        if "X-IRMC-N" in [p.upper() for p in s.singletonparams]:
            parts = [p.strip() for p in str(s.value).split(";")]
            r = " ".join(p for p in parts[:2] if p)
            if r:
                return r
    for n in ns:
        if "PHONETIC" in n.params:
            r = _join_name(n.value.family, n.value.given)
            if r:
                return r
    for n in ns:
        sort_as = n.params.get("SORT-AS")
        if sort_as:
            r = " ".join(p.strip() for p in ",".join(sort_as).split(",") if p.strip())
            if r:
                return r
    return None
