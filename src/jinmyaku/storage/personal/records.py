"""Plain records that the readers produce and the store writes."""

from __future__ import annotations

from dataclasses import dataclass, field

LOG_KINDS = ("meeting", "value", "input", "action")
VALUE_KINDS = ("work", "client", "introduction", "information")


@dataclass
class Contact:
    """One person as one source file sees them.

    ``key`` identifies the person within the source kind across imports (a
    LinkedIn profile address, a vCard UID, a template's name), so importing
    a newer export updates people instead of adding them again. Dates are ISO
    text (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``); ``frequency`` is contacts a
    year; ``closeness`` and ``stage`` are in [0, 1].
    """

    key: str
    line: int
    name: str
    reading: str | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    company: str | None = None
    position: str | None = None
    connected_on: str | None = None  # when a link was made on a platform (LinkedIn)
    origin: str | None = None  # how met: one of model.vocabulary.ORIGINS
    met_on: str | None = None
    introduced_by: str | None = None
    closeness: float | None = None
    frequency: float | None = None
    field: str | None = None
    stage: float | None = None
    notes: str | None = None
    ended_on: str | None = None


@dataclass
class Knows:
    """Two of your contacts know each other (names as written in the file)."""

    line: int
    a: str
    b: str


@dataclass
class LogEntry:
    """A meeting, a piece of value received, an input or an action."""

    on: str  # ISO date
    kind: str  # one of LOG_KINDS
    person: str | None = None  # a name (from a file) to resolve
    person_id: int | None = None  # already resolved (the ``me log`` command)
    minutes: float | None = None
    value_kind: str | None = None  # one of VALUE_KINDS, for kind == "value"
    amount: float | None = None
    note: str | None = None
    key: str | None = None  # makes re-importing a log file idempotent
    line: int = 0


@dataclass
class Touch:
    """A dated contact with a person seen in a source (a LinkedIn message)."""

    key: str  # the person's key in the same source
    on: str  # ISO date
    channel: str


@dataclass
class Batch:
    """Everything one file holds, in the source kind's terms."""

    kind: str  # "linkedin", "vcard", "template", "knows", "log"
    contacts: list[Contact] = field(default_factory=list)
    knows: list[Knows] = field(default_factory=list)
    log: list[LogEntry] = field(default_factory=list)
    touches: list[Touch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # said to the user after the import
