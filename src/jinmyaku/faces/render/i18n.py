"""Languages and their gettext catalogues.

The catalogues are ``locale/LANG/LC_MESSAGES/jinmyaku.po`` (the text people edit)
and ``jinmyaku.mo`` (compiled from it with Babel, committed and shipped as package
data). English is the language of the source: its catalogue is empty and every
message is its own English text. After changing a message or a translation, run
``make catalogues`` (extract, update, compile); ``tests/test_render.py`` fails
while a ``.mo`` differs from what its ``.po`` compiles to, or while a Japanese
message is missing, empty or fuzzy.
"""

from __future__ import annotations

import functools
import gettext
import os
from collections.abc import Mapping
from importlib import resources

from jinmyaku.errors import InputError

LANGUAGES = ("en", "ja")
DOMAIN = "jinmyaku"


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it (translated where shown)."""
    return message


def default_lang(environ: Mapping[str, str] | None = None) -> str:
    """The language of the locale: ``ja`` when the first of ``LC_ALL``, ``LC_MESSAGES`` and
    ``LANG`` that is set begins with ``ja`` (``ja_JP.UTF-8``), else ``en``."""
    env = os.environ if environ is None else environ
    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(key, "")
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


def check_lang(lang: str | None) -> str:
    """``lang`` if it is a language the reports speak, the locale's if None; else InputError."""
    if lang is None:
        return default_lang()
    if lang not in LANGUAGES:
        raise InputError(f"--lang {lang}: the reports are written in {' and '.join(LANGUAGES)}; "
                         f"give --lang en or --lang ja.")
    return lang


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` shipped with the package."""
    check_lang(lang)
    mo = resources.files(__package__) / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with mo.open("rb") as f:
        return gettext.GNUTranslations(f)
