"""matplotlib figures for the reports, as inline SVG.

Figures are ``matplotlib.figure.Figure`` objects, never pyplot's: no backend is
chosen for the caller and no figure stays open. Settings apply only while a
figure is saved. Text stays text in the SVG (``svg.fonttype = none``): the
browser draws it with the page's fonts, so Japanese labels need no font in
matplotlib, and the glyph check of the page covers the figures too. Equal
figures give equal bytes (no date, fixed ids).
"""

from __future__ import annotations

import io
import re
import warnings

import matplotlib
from markupsafe import Markup
from matplotlib.figure import Figure

RC = {
    "svg.fonttype": "none",  # text as <text>, drawn by the browser
    "svg.hashsalt": "jinmyaku",  # fixed ids: equal figures give equal bytes
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def figure(width: float = 6.4, height: float = 3.2, *, left: float = 0.9,
           right: float = 0.2, bottom: float = 0.5, top: float = 0.15,
           **subplots) -> tuple[Figure, object]:
    """A new figure of ``width`` × ``height`` inches and its axes (``subplots`` as for
    ``Figure.subplots``), with fixed margins in inches (a legend outside on the right
    needs a wider ``right``). Fixed margins, not a layout engine: the engine measures
    every label several times, which took most of a report's time."""
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(width, height))
        axes = fig.subplots(**subplots)
        fig.subplots_adjust(left=left / width, right=1 - right / width,
                            bottom=bottom / height, top=1 - top / height)
        return fig, axes


def svg(fig: Figure, title: str = "") -> Markup:
    """``fig`` as an ``<svg>`` element to put inside a page (no XML prolog), with a
    ``<title>`` for screen readers."""
    buf = io.BytesIO()
    with matplotlib.rc_context(RC), warnings.catch_warnings():
        # Japanese labels are laid out with matplotlib's font, which lacks their glyphs;
        # only the layout is measured with it, the browser draws them.
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue().decode("utf-8")
    text = text[text.index("<svg"):]
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.S)  # RDF
    if title:
        head = text.index(">") + 1
        text = text[:head] + f"<title>{Markup.escape(title)}</title>" + text[head:]
    return Markup(text.replace(' width="', ' class="figure" width="', 1))
