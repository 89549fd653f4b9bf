"""Which reader a file needs, from its name and first bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from jinmyaku.errors import InputError
from jinmyaku.storage.personal import common, linkedin, template, vcard
from jinmyaku.storage.personal.records import Batch

KINDS = ("LinkedIn's export ZIP, Connections.csv or messages.csv; a vCard file (.vcf); "
         "the template's people.csv, knows.csv or log.csv (jinmyaku me template)")


def read(path: Path, encoding: str | None = None) -> tuple[Batch, str]:
    """The file's records and the SHA-256 of its bytes; InputError if it cannot be read,
    naming each unreadable line."""
    data = common.read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    source = str(path)
    if data[:4] == b"PK\x03\x04" or path.suffix.lower() == ".zip":
        return linkedin.read_zip(path), digest
    if vcard.looks_like_vcard(data) or path.suffix.lower() in (".vcf", ".vcard"):
        return vcard.read_vcards(data, source), digest
    text = common.decode(data, source, encoding)
    if not text.strip():
        raise InputError(f"{source}: the file is empty; expected {KINDS}.")
    if linkedin.looks_like_connections(text):
        return linkedin.read_connections(text, source), digest
    if linkedin.looks_like_messages(text):
        touches, said = linkedin.read_messages(text, source, None)
        return Batch("linkedin", touches=touches, notes=[said]), digest
    kind = template.kind_of(text)
    if kind == "people":
        return template.read_people(text, source), digest
    if kind == "knows":
        return template.read_knows(text, source), digest
    if kind == "log":
        return template.read_log(text, source), digest
    raise InputError(f"{source}: not a file this import knows; it reads {KINDS}.")
