"""What every personal reader shares: decoding, line-numbered CSV rows, dates, names.

Dates are parsed with a fixed English month table, never the locale, so a
LinkedIn export reads the same on every machine. Names are compared in a
normal form (:func:`name_keys`): Unicode NFKC (full- and half-width forms
folded), case folded, white space collapsed; readings (furigana) also fold
hiragana to katakana.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from jinmyaku.errors import InputError

MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
SHOWN = 12  # problems named in one message; the rest are counted


class Problems:
    """Unreadable rows of one file, gathered so that one message names them all."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[str] = []

    def add(self, line: int | None, message: str) -> None:
        self.items.append(f"line {line}: {message}" if line else message)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        """InputError naming each problem (the first :data:`SHOWN`), if there are any."""
        if not self.items:
            return
        n = len(self.items)
        shown = "; ".join(self.items[:SHOWN])
        more = f"; and {n - SHOWN} more" if n > SHOWN else ""
        rows = "1 problem" if n == 1 else f"{n} problems"
        raise InputError(f"{self.source}: {rows}, nothing was imported: {shown}{more}.")


def decode(data: bytes, source: str, encoding: str | None = None) -> str:
    """Bytes of a text file as text: UTF-8 (a byte-order mark is dropped) unless
    ``encoding`` is given; InputError naming the line of the first bad byte."""
    enc = encoding or "utf-8-sig"
    try:
        return data.decode(enc)
    except LookupError:
        raise InputError(f"{source}: unknown encoding {encoding!r}; give a Python codec "
                         f"name such as utf-8, cp932 (Shift_JIS from Excel) or cp1252.") from None
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        hint = (" If Excel saved it in Japanese, give --encoding cp932; in Western Europe, "
                "--encoding cp1252." if encoding is None else "")
        raise InputError(f"{source}: line {line}: bytes that are not {enc} text.{hint}") from None


def csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, cells) for each CSV record of ``text``.

    Quoted cells may hold commas and line breaks; CRLF and LF both end lines.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    last = 0
    try:
        for cells in reader:
            start = last + 1
            last = reader.line_num
            yield start, cells
    except csv.Error as e:
        raise InputError(f"line {reader.line_num}: not readable as CSV ({e}).") from None


def blank(cells: list[str]) -> bool:
    """A row of only commas (or nothing)."""
    return not any(c.strip() for c in cells)


def comment(cells: list[str]) -> bool:
    """A template comment line: its first cell starts with ``#`` and is not a person's
    number such as ``#12``."""
    first = cells[0].strip() if cells else ""
    return first.startswith("#") and not first[1:].isdigit()


def clean(value: str | None) -> str | None:
    """Stripped text, or None when empty."""
    if value is None:
        return None
    value = value.strip()
    return value or None


_DAY_MON_YEAR = re.compile(r"^(\d{1,2})[ \-]([A-Za-z]{3,9})\.?[ \-,]+(\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def english_date(text: str) -> date:
    """``3 Feb 2021``, ``03 Feb 2021``, ``3-Feb-21`` or ISO ``2021-02-03``; ValueError else."""
    text = text.strip()
    m = _DAY_MON_YEAR.match(text)
    if m:
        day, month, year = m.groups()
        mon = MONTHS.get(month[:3].lower())
        if mon is None or (len(month) > 3 and not _full_month(month)):
            raise ValueError(f"{month!r} is not an English month")
        y = int(year) + (2000 if len(year) == 2 else 0)
        return date(y, mon, int(day))
    m = _ISO.match(text)
    if m and m.group(3):
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError("not a date like 3 Feb 2021 or 2021-02-03")


def _full_month(word: str) -> bool:
    names = ("january", "february", "march", "april", "may", "june", "july", "august",
             "september", "october", "november", "december")
    return word.lower() in names or word.lower() == "sept"


def iso_date(text: str, partial: bool = False) -> str:
    """A checked ISO date ``YYYY-MM-DD`` (with ``partial``, ``YYYY`` and ``YYYY-MM`` too),
    returned in canonical form; ValueError otherwise."""
    m = _ISO.match(text.strip())
    if not m or (not partial and not m.group(3)):
        raise ValueError("not an ISO date YYYY-MM-DD" + (" (or YYYY-MM, YYYY)" if partial
                                                         else ""))
    y, mo, d = m.group(1), m.group(2), m.group(3)
    date(int(y), int(mo or 1), int(d or 1))  # ValueError if out of range
    if d:
        return f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
    return f"{int(y):04d}-{int(mo):02d}" if mo else f"{int(y):04d}"


def first_day(text: str | None) -> date | None:
    """The first day an ISO date of any precision can mean (``2019`` → 2019-01-01)."""
    if not isinstance(text, str) or not text:
        return None
    y, _, rest = text.partition("-")
    mo, _, d = rest.partition("-")
    return date(int(y), int(mo or 1), int(d or 1))


_SPACE = re.compile(r"\s+")


def norm(text: str) -> str:
    """NFKC, case folded, white space collapsed to one space, stripped."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def name_keys(name: str | None) -> set[str]:
    """Keys under which two spellings of one name meet: ``Taro Yamada``, ``yamada taro``
    and ``YAMADA  Taro`` share one; ``山田 太郎`` and ``山田太郎`` share one."""
    if not name:
        return set()
    n = norm(name).replace(",", " ")
    words = n.split()
    if not words:
        return set()
    return {"".join(words), " ".join(sorted(words))}


def reading_key(reading: str | None) -> str | None:
    """A reading (furigana) folded: NFKC (half-width kana to full width), hiragana as
    katakana, no spaces or middle dots, case folded."""
    if not reading:
        return None
    n = unicodedata.normalize("NFKC", reading).casefold()
    n = "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in n)
    n = re.sub(r"[\s・･]+", "", n)
    return n or None


def norm_email(text: str) -> str | None:
    text = text.strip().lower()
    if text.startswith("mailto:"):
        text = text[7:]
    return text if "@" in text else None


def norm_phone(text: str) -> str | None:
    """Digits of a phone number, ``+`` kept in front; None if fewer than 5 digits."""
    text = text.strip()
    if text.lower().startswith("tel:"):
        text = text[4:]
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", text))
    if len(digits) < 5:
        return None
    return ("+" if text.lstrip().startswith("+") else "") + digits


def norm_url(text: str) -> str | None:
    """A profile address compared without scheme, ``www.``, query, fragment or final
    slash, lower case (``https://www.linkedin.com/in/Jane/`` → ``linkedin.com/in/jane``)."""
    t = text.strip()
    if not t:
        return None
    t = re.sub(r"^[a-z][a-z0-9+.-]*://", "", t, flags=re.I)
    t = re.split(r"[?#]", t, maxsplit=1)[0].rstrip("/")
    t = re.sub(r"^www\.", "", t, flags=re.I).lower()
    return t or None


def read_bytes(path: Path, limit: int = 512 * 2**20) -> bytes:
    """A file's bytes; InputError if it is missing, a folder, or over ``limit``."""
    try:
        if path.is_dir():
            raise InputError(f"{path}: is a folder; give the file itself.")
        if path.stat().st_size > limit:
            raise InputError(f"{path}: larger than {limit >> 20} MB; not a contacts file.")
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except PermissionError:
        raise InputError(f"{path}: not readable (permission denied).") from None
