"""Words of the claims experiment that its report shows, marked for the catalogues.

The study writes its tables (``effects.csv``, ``verdicts.csv``) in English. The
report (``faces/render/claims_report.py``) shows the same words in the reader's
language: ``N_`` marks a fixed text for ``make catalogues`` (``babel.cfg``) and
the report translates it where it shows it; a sentence built from numbers is
built by a function that takes a ``gettext`` (``same``, English, by default),
so that the report can build it again in Japanese. The study never imports the
faces' catalogues.
"""

from __future__ import annotations

from collections.abc import Callable

Gettext = Callable[[str], str]


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it (translated where shown)."""
    return message


def same(message: str) -> str:
    """The English ``gettext``: every message is its own text."""
    return message


def joined(parts: list[str], _: Gettext = same) -> str:
    """``parts`` as one clause list: "a; b; c" in English."""
    out = parts[0] if parts else ""
    for part in parts[1:]:
        out = _("%(first)s; %(second)s") % {"first": out, "second": part}
    return out
