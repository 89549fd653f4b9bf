"""Scenario discovery: where in parameter space a claim holds, as a box of conditions.

PRIM, the patient rule induction method (Friedman & Fisher 1999), as used in
scenario discovery (Bryant & Lempert 2010): start from the box holding every
sensitivity point and, step by step, peel off the ``alpha`` share of points at
the low or high end of one parameter — whichever peel raises the share of
points inside that are "of interest" (the claim holds, or fails) the most —
until the box would hold fewer than ``min_support`` of the points or no peel
raises that share. The box returned is the one with the highest share of
interest along that path that restricts at most ``max_conditions`` parameters
(a sentence a person can read); only those appear in its conditions. scikit-learn is not a
dependency of jinmyaku, so this short peeling (no pasting, no covering) is
written here. The points of a Saltelli (Sobol') design are not independent draws
(each parameter takes few distinct values, shared across rows), so with few
base samples a box is a pointer to where to look, not a finding.

A box reads as a sentence: "holds when `processes.opportunities.topic_fit` ≥
0.5 and `processes.influence.rate` > 0.025 (in 34 of 36 points there; 34 of
40 points that hold)".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jinmyaku.studies.claims.messages import Gettext, joined, same

MIN_DENSITY = 0.6  # a box is reported only if at least this share of its points agree


@dataclass(frozen=True)
class Box:
    """A box of conditions: per restricted parameter its (low, high) bounds, with how many
    points it holds, how many of those are of interest, and how many of interest there are."""

    limits: dict[str, tuple[float, float]]
    inside: int
    hits: int
    total_hits: int
    points: int

    @property
    def density(self) -> float:
        return self.hits / self.inside if self.inside else np.nan

    @property
    def coverage(self) -> float:
        return self.hits / self.total_hits if self.total_hits else np.nan

    def conditions(self, full: dict[str, tuple[float, float]], _: Gettext = same) -> list[str]:
        """One phrase per restricted parameter; ``full`` gives each one's whole range (a
        parameter run only at 0 and 1 is a switch: "on" or "off")."""
        out = []
        for name, (lo, hi) in self.limits.items():
            flo, fhi = full[name]
            said = {"name": f"`{name}`", "lo": f"{lo:.3g}", "hi": f"{hi:.3g}"}
            if (flo, fhi) == (0.0, 1.0) and lo == hi:
                out.append((_("%(name)s on") if lo == 1 else _("%(name)s off")) % said)
            elif lo == hi:
                out.append(_("%(name)s = %(lo)s") % said)
            elif lo > flo and hi < fhi:
                out.append(_("%(name)s between %(lo)s and %(hi)s") % said)
            elif lo > flo:
                out.append(_("%(name)s ≥ %(lo)s") % said)
            elif hi < fhi:
                out.append(_("%(name)s ≤ %(hi)s") % said)
        return out

    def sentence(self, verb: str, full: dict[str, tuple[float, float]],
                 _: Gettext = same) -> str:
        """"holds when …" (``verb`` "holds") or "fails when …" (``verb`` "fails")."""
        cond = self.conditions(full, _)
        if not cond:
            return ""
        both = cond[0]
        for c in cond[1:]:
            both = _("%(first)s and %(next)s") % {"first": both, "next": c}
        said = {"conditions": both, "hits": self.hits, "inside": self.inside,
                "total": self.total_hits}
        if verb == "holds":
            return _("holds when %(conditions)s (%(hits)s of the %(inside)s points in that box; "
                     "%(hits)s of the %(total)s points where it holds)") % said
        return _("fails when %(conditions)s (%(hits)s of the %(inside)s points in that box; "
                 "%(hits)s of the %(total)s points where it fails)") % said


def prim(x: np.ndarray, interest: np.ndarray, names: list[str], *, alpha: float = 0.1,
         min_support: float = 0.15, max_conditions: int = 3) -> Box:
    """The PRIM box (module docstring) for the points ``x`` (points, D) where ``interest``."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(interest, dtype=bool)
    n, d = x.shape
    inside = np.ones(n, dtype=bool)
    lo = x.min(axis=0).copy()
    hi = x.max(axis=0).copy()
    best = (y.mean() if n else 0.0, inside.copy(), lo.copy(), hi.copy())
    floor = max(1, int(np.ceil(min_support * n)))
    while inside.sum() > floor:
        cand = None
        for j in range(d):
            v = x[inside, j]
            if np.unique(v).size < 2:
                continue
            for side in (0, 1):
                # peel the alpha tail of parameter j; with few levels, one whole level
                q = np.quantile(v, alpha if side == 0 else 1 - alpha)
                keep = (x[:, j] > q) if side == 0 else (x[:, j] < q)
                if keep[inside].all() or not keep[inside].any():
                    keep = (x[:, j] > v.min()) if side == 0 else (x[:, j] < v.max())
                new = inside & keep
                m = new.sum()
                if m < floor or m == inside.sum():
                    continue
                score = y[new].mean()
                if cand is None or score > cand[0] + 1e-12:
                    cand = (score, new, j, side)
        if cand is None or cand[0] <= y[inside].mean() + 1e-12:
            break
        score, inside, j, side = cand
        if side == 0:
            lo[j] = x[inside, j].min()
        else:
            hi[j] = x[inside, j].max()
        restricted = int(((lo > x.min(axis=0)) | (hi < x.max(axis=0))).sum())
        if score > best[0] + 1e-12 and restricted <= max_conditions:
            best = (score, inside.copy(), lo.copy(), hi.copy())
    _, box_in, blo, bhi = best
    full_lo, full_hi = x.min(axis=0), x.max(axis=0)
    limits = {names[j]: (float(blo[j]), float(bhi[j])) for j in range(d)
              if blo[j] > full_lo[j] or bhi[j] < full_hi[j]}
    return Box(limits, int(box_in.sum()), int(y[box_in].sum()), int(y.sum()), n)


def where_text(x: np.ndarray, holds: np.ndarray, names: list[str], _: Gettext = same) -> str:
    """"Holds when …; fails when …" for one claim across the sensitivity points (in
    English, or through ``_``, a ``gettext``)."""
    x = np.asarray(x, dtype=float)
    holds = np.asarray(holds, dtype=bool)
    full = {n: (float(x[:, j].min()), float(x[:, j].max())) for j, n in enumerate(names)}
    parts = []
    if 0 < holds.sum() < holds.size:
        # a box in which the answer is barely likelier than not says nothing: left out
        boxes = (("holds", prim(x, holds, names)), ("fails", prim(x, ~holds, names)))
        parts = [s for s in (box.sentence(verb, full, _) for verb, box in boxes
                             if box.density >= MIN_DENSITY) if s]
    if not parts:
        return ""
    text = joined(parts, _)
    return _("%(sentence)s.") % {"sentence": text[0].upper() + text[1:]}
