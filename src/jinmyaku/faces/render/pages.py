"""Jinja2 environments over the package's templates, and Markdown to HTML."""

from __future__ import annotations

import functools

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup

from jinmyaku.faces.render.i18n import translations


@functools.cache
def _markdown() -> MarkdownIt:
    # CommonMark with tables; raw HTML in the source is escaped, not passed through.
    return MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")


def render_markdown(text: str, *, inline: bool = False) -> Markup:
    """``text`` (Markdown) as HTML; ``inline``: one paragraph's content, without ``<p>``."""
    md = _markdown()
    html = md.renderInline(text) if inline else md.render(text)
    return Markup(html)


@functools.cache
def environment(lang: str) -> jinja2.Environment:
    """Templates of ``templates/`` with ``lang``'s catalogue (``{% trans %}``, ``_()``),
    and the filters ``markdown`` and ``markdown_inline``."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("jinmyaku.faces.render", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(translations(lang), newstyle=True)
    env.filters["markdown"] = render_markdown
    env.filters["markdown_inline"] = functools.partial(render_markdown, inline=True)
    env.globals["lang"] = lang
    return env
