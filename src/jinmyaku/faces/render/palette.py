"""One colour per strategy and per origin, the same in every figure of every report.

The colours are Okabe and Ito's (2008) palette for colour-blind readers, plus a
neutral grey. Names come from the model's vocabulary, so a strategy or an origin
added there without a colour fails ``tests/test_render.py``. A strategy and an
origin of the same name (``mixer``, ``meetup``: the ties a mixer or a meetup
makes) share their colour; every other name has a colour of its own.

Lines also differ by marker and dash, so that strategies stay apart in grey
print and where two lines lie on top of each other.
"""

from __future__ import annotations

from jinmyaku.model.vocabulary import ORIGINS, STRATEGIES

# Okabe & Ito (2008), "Color Universal Design"; the names are theirs.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}
GREY = "#999999"  # neutral: the same to every eye

_STRATEGY = {
    "passive": OKABE_ITO["black"],
    "mixer": OKABE_ITO["orange"],
    "meetup": OKABE_ITO["sky blue"],
    "grow": OKABE_ITO["vermillion"],
    "grow+meetup": OKABE_ITO["reddish purple"],
}
_ORIGIN = {
    "family_school": OKABE_ITO["yellow"],
    "workplace": OKABE_ITO["blue"],
    "mixer": OKABE_ITO["orange"],
    "meetup": OKABE_ITO["sky blue"],
    "activity": OKABE_ITO["bluish green"],
    "referral": GREY,
}
# In the vocabulary's order; a name there without a colour here has none (the test says so).
STRATEGY_COLOURS: dict[str, str] = {s: _STRATEGY[s] for s in STRATEGIES if s in _STRATEGY}
ORIGIN_COLOURS: dict[str, str] = {o: _ORIGIN[o] for o in ORIGINS if o in _ORIGIN}
STRATEGY_MARKERS: dict[str, str] = {
    "passive": "o", "mixer": "s", "meetup": "^", "grow": "D", "grow+meetup": "v",
}
STRATEGY_DASHES: dict[str, str] = {
    "passive": "-", "mixer": "--", "meetup": "-.", "grow": "-", "grow+meetup": ":",
}
# For strategies a scenario defines beyond the built-in ones, in order of appearance.
EXTRA = ("#332288", "#117733", "#882255", "#44AA99", "#AA4499", "#DDCC77")



def strategy_colours(names) -> dict[str, str]:
    """A colour for each strategy in ``names``: the fixed one for built-in strategies, the
    next of :data:`EXTRA` (then grey) for others, in the order given."""
    extra = iter(EXTRA)
    return {n: STRATEGY_COLOURS.get(n) or next(extra, GREY) for n in names}


def origin_colour(name: str) -> str:
    return ORIGIN_COLOURS.get(name, GREY)


def marker(name: str) -> str:
    return STRATEGY_MARKERS.get(name, "o")


def dashes(name: str) -> str:
    return STRATEGY_DASHES.get(name, "-")
