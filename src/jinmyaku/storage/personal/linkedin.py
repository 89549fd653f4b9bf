"""LinkedIn's data export: ``Connections.csv``, ``messages.csv``, or the export ZIP.

``Connections.csv`` has changed over the years: recent exports start with a
``Notes:`` preamble (a quoted paragraph about missing e-mail addresses and a
blank line) before the header ``First Name,Last Name,URL,Email Address,
Company,Position,Connected On``; older ones have no preamble and no ``URL``
column. So the header line is found, not skipped by count. Rows of only
commas are skipped. ``Connected On`` (``3 Feb 2021``, English month names
whatever the locale) is when the link was made on LinkedIn, never a last
contact. Some rows have no name (members who hide it): they are named after
their profile address.

``messages.csv`` (``CONVERSATION ID, …, FROM, SENDER PROFILE URL, TO,
RECIPIENT PROFILE URLS, DATE, …``) gives a dated contact with each connection
in a conversation, one per person a day; its message text is never read into
the store. The owner of the export is the profile on the most messages.
From the ZIP only these two members are read.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

from jinmyaku.errors import InputError
from jinmyaku.storage.personal import common
from jinmyaku.storage.personal.records import Batch, Contact, Touch

COLUMNS = ("First Name", "Last Name", "URL", "Email Address", "Company", "Position",
           "Connected On")
NEEDED = ("First Name", "Last Name", "Connected On")
MEMBER_LIMIT = 256 * 2**20  # bytes a ZIP member may expand to


def looks_like_connections(text: str) -> bool:
    head = text[:4000].lower()
    return "first name" in head and "last name" in head and "connected on" in head


def looks_like_messages(text: str) -> bool:
    head = text[:2000].upper()
    return "CONVERSATION ID" in head and "FROM" in head and "DATE" in head


def _key(first: str, last: str, url: str | None, connected: str | None) -> str:
    u = common.norm_url(url) if url else None
    if u:
        return "url:" + u
    return "name:" + " ".join(sorted(common.name_keys(f"{first} {last}"))) + "|" + (
        connected or "")


def read_connections(text: str, source: str) -> Batch:
    """The connections of a ``Connections.csv`` as :class:`Contact` records."""
    problems = common.Problems(source)
    batch = Batch("linkedin")
    header: dict[str, int] | None = None
    seen: dict[str, int] = {}
    try:
        rows = list(common.csv_rows(text))
    except InputError as e:
        raise InputError(f"{source}: {e}") from None
    for line, cells in rows:
        if header is None:
            names = [c.strip().lstrip("\ufeff") for c in cells]
            if "First Name" in names and "Last Name" in names:
                header = {n: i for i, n in enumerate(names) if n}
                missing = [n for n in NEEDED if n not in header]
                if missing:
                    raise InputError(f"{source}: line {line}: the header has no "
                                     f"{', '.join(missing)} column; LinkedIn's has "
                                     f"{', '.join(COLUMNS)} (URL since about 2020).")
            continue
        if common.blank(cells):
            continue
        if len(cells) != len(names):
            problems.add(line, f"{len(cells)} cells where the header has {len(names)} "
                               f"(a comma inside a name must be quoted)")
            continue
        get = {n: cells[i].strip() for n, i in header.items()}
        first, last = get.get("First Name", ""), get.get("Last Name", "")
        url = common.clean(get.get("URL"))
        connected = None
        when = get.get("Connected On", "")
        if when:
            try:
                connected = common.english_date(when).isoformat()
            except ValueError as e:
                problems.add(line, f"Connected On {when!r}: {e}")
                continue
        name = f"{first} {last}".strip()
        if not name:
            if not url:
                problems.add(line, "no First Name, Last Name or URL: nobody to import")
                continue
            name = common.norm_url(url).rsplit("/", 1)[-1]
            batch.notes.append(f"line {line}: no name given; named {name!r} after the "
                               f"profile address")
        key = _key(first, last, url, connected)
        if key in seen:
            batch.notes.append(f"line {line}: the same connection as line {seen[key]}; "
                               f"read once")
            continue
        seen[key] = line
        email = common.norm_email(get.get("Email Address", ""))
        batch.contacts.append(Contact(
            key=key, line=line, name=name, emails=[email] if email else [],
            urls=[url] if url else [], company=common.clean(get.get("Company")),
            position=common.clean(get.get("Position")), connected_on=connected))
    if header is None:
        raise InputError(f"{source}: no header line with First Name and Last Name; "
                         f"LinkedIn's Connections.csv has {', '.join(COLUMNS)}.")
    problems.raise_if_any()
    return batch


def read_messages(text: str, source: str,
                  contacts: list[Contact] | None) -> tuple[list[Touch], str]:
    """Dated contacts from a ``messages.csv``, and a sentence saying how many messages
    were matched to a connection.

    With ``contacts`` (the same export's connections) a message is matched by profile
    address, or in older exports without addresses by name; without them (the file
    imported on its own), each profile address is handed on for the store to match
    against connections imported before.
    """
    rows = list(common.csv_rows(text))
    header: dict[str, int] | None = None
    records: list[tuple[int, dict[str, str]]] = []
    for line, cells in rows:
        if header is None:
            names = [c.strip().upper().lstrip("\ufeff") for c in cells]
            if "DATE" in names and "FROM" in names:
                header = {n: i for i, n in enumerate(names)}
            continue
        if common.blank(cells):
            continue
        records.append((line, {n: cells[i] if i < len(cells) else "" for n, i in
                               header.items()}))
    if header is None:
        raise InputError(f"{source}: no header line with FROM and DATE (LinkedIn's "
                         f"messages.csv has CONVERSATION ID, FROM, SENDER PROFILE URL, TO, "
                         f"RECIPIENT PROFILE URLS, DATE, …).")
    by_url = {common.norm_url(u): c.key for c in contacts or () for u in c.urls}
    by_name: dict[str, str | None] = {}
    for c in contacts or ():
        for k in common.name_keys(c.name):
            by_name[k] = None if k in by_name and by_name[k] != c.key else c.key
    # the export's owner: the profile on the most messages
    count: Counter[str] = Counter()
    for _, r in records:
        for u in _urls(r):
            count[u] += 1
    owner = count.most_common(1)[0][0] if count else None
    problems = common.Problems(source)
    touches: dict[tuple[str, str], Touch] = {}
    matched = 0
    for line, r in records:
        raw = r.get("DATE", "").strip()
        try:
            on = common.iso_date(raw[:10])
        except ValueError:
            problems.add(line, f"DATE {raw!r}: not a date like 2023-06-11 15:33:58 UTC")
            continue
        if contacts is None:
            keys = {"url:" + u for u in _urls(r) if u != owner}
        else:
            keys = {by_url.get(u) for u in _urls(r) if u != owner} - {None}
        if not keys and contacts and not r.get("SENDER PROFILE URL"):  # older: names only
            for name in (r.get("FROM", ""), *r.get("TO", "").split(",")):
                hits = {by_name.get(k) for k in common.name_keys(name)} - {None}
                keys |= hits if len(hits) == 1 else set()
        matched += bool(keys)
        for k in keys:
            touches.setdefault((k, on), Touch(k, on, "linkedin message"))
    problems.raise_if_any()
    said = (f"{matched:,} of {len(records):,} messages were with a connection in this import"
            if contacts is not None else f"{len(records):,} messages read")
    return list(touches.values()), said


def _urls(r: dict[str, str]) -> list[str]:
    out = []
    for col in ("SENDER PROFILE URL", "RECIPIENT PROFILE URLS"):
        for u in r.get(col, "").replace(",", ";").split(";"):
            n = common.norm_url(u)
            if n:
                out.append(n)
    return out


def read_zip(path: Path) -> Batch:
    """Connections (and messages, if there) from LinkedIn's export ZIP, reading only
    those two members."""
    source = str(path)
    try:
        z = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputError(f"{source}: not a ZIP file (or a damaged one).") from None
    with z:
        members = {Path(i.filename).name.lower(): i for i in z.infolist() if not i.is_dir()}
        conn = members.get("connections.csv")
        if conn is None:
            raise InputError(f"{source}: no Connections.csv in this ZIP; LinkedIn's export "
                             f"has one when Connections was chosen (or the full archive).")

        def member(info: zipfile.ZipInfo) -> str:
            if info.file_size > MEMBER_LIMIT:
                raise InputError(f"{source}: {info.filename} would expand to "
                                 f"{info.file_size >> 20} MB; too large.")
            try:
                data = z.read(info)
            except (zipfile.BadZipFile, OSError) as e:
                raise InputError(f"{source}: {info.filename} cannot be read ({e}).") from None
            return common.decode(data, f"{source}:{info.filename}")

        batch = read_connections(member(conn), f"{source}:{conn.filename}")
        msgs = members.get("messages.csv")
        if msgs is not None:
            touches, said = read_messages(member(msgs), f"{source}:{msgs.filename}",
                                          batch.contacts)
            batch.touches = touches
            batch.notes.append(f"messages.csv: {said}")
    return batch
