"""The rendering layer of the faces: HTML pages from Jinja2 templates, Markdown, figures,
one palette and gettext catalogues (English and Japanese).

Every report a face writes is made of these parts:

* :func:`.pages.environment` — a Jinja2 environment over this package's ``templates/``
  (autoescaped, undefined names are errors) with the catalogue of a language
  installed; ``base.html.j2`` is the page every report extends (one offline file:
  its style sheet is inline, it loads no font, script or image from anywhere);
* :func:`.pages.render_markdown` — Markdown to HTML with markdown-it-py (CommonMark and
  tables; raw HTML in the text is shown as text, not passed through);
* :mod:`.figures` — matplotlib figures as inline SVG whose text stays text, so the
  browser draws it with the page's fonts in either language;
* :mod:`.palette` — one colour per strategy and per origin;
* :mod:`.i18n` — the language (``--lang``, else the locale) and its catalogue.

``jinmyaku run`` and ``jinmyaku report`` use :mod:`.run_report`.

Only :mod:`.i18n` is light (the standard library): the command line imports it at
start; the others import Jinja2, markdown-it-py or matplotlib when a report is made.
"""

from __future__ import annotations
