"""Your own network, measured with the simulator's code.

:func:`measure` reduces the store's tables (:meth:`~jinmyaku.storage.personal.store.Store.tables`)
to plain data (dicts, lists, numbers, ``None`` for "cannot be said") that the
``me status`` command prints and a later report can render. Definitions:

- **Contacts** with a person are the days with a LinkedIn message or a log
  entry (meeting, value) naming them. A person's *contacts a year* are what
  you stated in the template (``contact_frequency``), else the contact days
  in the year before ``as_of`` if they have any contact record at all.
- **Layers** (Dunbar): the exact 1-D k-means of :mod:`jinmyaku.analysis.network`
  (:func:`~jinmyaku.analysis.network.layer_membership`, the same code as the
  validation's Dunbar check), k = 4 (fewer if there are fewer distinct values),
  over log(1 + contacts a year) — frequencies span orders of magnitude,
  daily to yearly — or over closeness (0–1) as given. ``by="auto"``
  uses frequency when at least as many people have one as have a closeness.
  People whose tie ended are left out.
- **Retention by how met**: Kaplan–Meier survival of ties by origin with the
  claims study's own estimator
  (:func:`jinmyaku.studies.claims.outcomes.origin_summary`, scipy's ``ecdf``):
  a tie is born when you met (else when you connected); it ended on its
  ``ended`` date, else at the last contact if that is more than
  :data:`LAPSE_DAYS` before ``as_of``; otherwise it is censored at ``as_of``.
  Ties with neither an end nor any contact record say nothing about
  retention and are left out (counted in ``unknown_status``).
- **Value by how met**: pieces of value received (log entries of kind
  ``value``) through people of each origin, their amounts, and pieces per
  tie-year (the same function; exposure from when you met to the end or
  ``as_of``).
- **Closest five**: the five highest closeness (then people without one, by
  contacts a year); if nobody has a closeness, the five most frequent contacts;
  their mean stage as you see it.
- **Turnover**: in each complete calendar year, your closest 5 (15) are the
  5 (15) people with the most contact days; turnover from one year to the
  next is the share of them not among the next year's. The *signature*
  (Saramäki et al. 2014) is each year's share of contact days by rank; its
  Jensen–Shannon distance (base 2: 0 the same shape, 1 nothing shared) from
  one year to the next says whether it persists.
- **Brokerage** (Burt): constraint (:func:`jinmyaku.analysis.network.constraint`,
  NetworkX's definition as sparse products, since ``networkx.constraint`` takes
  minutes on a few hundred people) and effective size (``networkx.effective_size``)
  of you in the ego network (you, your people, and who knows whom among them,
  unweighted), and local bridges (``networkx.local_bridges``: ties to people who
  know none of your others). The who-knows-whom file is taken as complete: a person it does not
  name knows none of your other people. Without it: a sentence saying so.
- **Fading**: people whose last contact is more than :data:`FADING_FACTOR`
  times the usual gap of their layer ago (usual gap: a year divided by the
  layer's median contacts a year).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from jinmyaku.analysis import network
from jinmyaku.model.vocabulary import ORIGINS
from jinmyaku.storage.personal.common import first_day
from jinmyaku.studies.claims import outcomes

LAPSE_DAYS = 365  # no contact for longer than this: the tie ended at the last contact
FADING_FACTOR = 2.0
LAYER_NAMES = ("support clique (≈5)", "sympathy group (≈15)", "affinity group (≈50)",
               "active network (≈150)")
EPOCH = date(1970, 1, 1)
SIGNATURE_RANKS = 20


def _weeks(d: date) -> float:
    return (d - EPOCH).days / 7.0


def _num(x) -> float | None:
    """A plain float, or None for NaN/None."""
    if x is None:
        return None
    x = float(x)
    return None if x != x else x


def _contacts(t: dict[str, pd.DataFrame], as_of: date) -> pd.DataFrame:
    """person_id, day: one row per day with a contact, up to ``as_of``."""
    touches = t["touches"][["person_id", "on_date"]]
    log = t["log"]
    met = log[log["kind"].isin(["meeting", "value"]) & log["person_id"].notna()]
    both = pd.concat([touches, met[["person_id", "on_date"]]], ignore_index=True)
    both = both.assign(day=pd.to_datetime(both["on_date"]).dt.date,
                       person_id=both["person_id"].astype("int64"))
    both = both[both["day"] <= as_of]
    return both[["person_id", "day"]].drop_duplicates()


def measure(tables: dict[str, pd.DataFrame], as_of: date | None = None,
            by: str = "auto", curves: bool = False) -> dict:
    """Every measure of the personal network, as plain data (see the module docstring).

    ``curves``: also the Kaplan–Meier curves behind the retention table, under
    ``retention_curves`` (per origin, ``years`` and ``alive``, the share of ties still
    alive at each whole week of age up to the longest observed; for a report's figure).
    """
    as_of = as_of or date.today()
    if by not in ("auto", "frequency", "closeness"):
        raise ValueError(f"by={by!r}: auto, frequency or closeness")
    ppl, contacts, last, has_record = _people(tables, as_of)
    current = _current(ppl, as_of)

    out = {
        "as_of": as_of.isoformat(),
        "people": int(len(ppl)),
        "current": int(len(current)),
        "with_origin": int(ppl["origin"].notna().sum()),
        "with_contact_record": int(has_record.sum()),
        "log": _log_summary(tables["log"], as_of),
    }
    layers = _layers(current, by)
    out["layers"] = layers
    out["closest"] = _closest(current)
    out["retention"], out["value_by_origin"], out["retention_unknown"], km = _by_origin(
        ppl, last, tables["log"], as_of, curves)
    if curves:
        out["retention_curves"] = km
    out["turnover"] = _turnover(contacts, as_of)
    out["brokerage"] = _brokerage(current, tables["knows"])
    out["fading"] = _fading(current, layers, as_of)
    return out


def _people(tables: dict[str, pd.DataFrame], as_of: date
            ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """Everyone with start, end, last contact and contacts a year; the contact days; the
    last contact per person; who has any contact record."""
    ppl = tables["people"].copy()
    ppl["start"] = [first_day(m) or first_day(c) for m, c in
                    zip(ppl["met_on"], ppl["connected_on"], strict=True)]
    ppl["end"] = [first_day(e) for e in ppl["ended_on"]]
    contacts = _contacts(tables, as_of)
    last = contacts.groupby("person_id")["day"].max()
    year_ago = as_of - timedelta(days=365)
    recent = contacts[contacts["day"] > year_ago].groupby("person_id").size()
    ppl["last_contact"] = ppl["id"].map(last)
    has_record = ppl["id"].isin(last.index)
    observed = ppl["id"].map(recent).fillna(0.0).where(has_record)
    ppl["per_year"] = ppl["frequency"].astype(float).fillna(observed)
    return ppl, contacts, last, has_record


def _current(ppl: pd.DataFrame, as_of: date) -> pd.DataFrame:
    return ppl[ppl["end"].isna() | (ppl["end"].map(lambda d: d is not None and d > as_of))]


def current_people(tables: dict[str, pd.DataFrame], as_of: date | None = None
                   ) -> tuple[pd.DataFrame, list[int]]:
    """The people whose tie had not ended on ``as_of`` (default today), with their
    closeness, contacts a year (``per_year``: stated, else the contact days of the last
    year if there is any contact record), stage and origin; and the ids of the closest
    five as :func:`measure` ranks them. What the projection places."""
    as_of = as_of or date.today()
    ppl, _, _, _ = _people(tables, as_of)
    current = _current(ppl, as_of)
    return current, [p["id"] for p in _closest(current)["people"]]


def _log_summary(log: pd.DataFrame, as_of: date) -> dict:
    """Entries and hours of each kind in the year before ``as_of``."""
    day = pd.to_datetime(log["on_date"]).dt.date
    year = log[(day > as_of - timedelta(days=365)) & (day <= as_of)]
    return {k: {"entries": int((year["kind"] == k).sum()),
                "hours": float(year.loc[year["kind"] == k, "minutes"].fillna(0).sum() / 60)}
            for k in ("meeting", "value", "input", "action")}


def _layers(current: pd.DataFrame, by: str) -> dict:
    n_freq = int(current["per_year"].notna().sum())
    n_close = int(current["closeness"].notna().sum())
    if by == "auto":
        by = "frequency" if n_freq >= n_close else "closeness"
    col = "per_year" if by == "frequency" else "closeness"
    have = current[current[col].notna()]
    values = have[col].to_numpy(dtype=float)
    if by == "frequency":
        values = np.log1p(values)
    distinct = int(np.unique(values).size)
    k = min(4, distinct)
    base = {"by": by, "k": k, "measured": int(len(have)),
            "without": int(len(current) - len(have)), "sizes": [], "members": {}, "names": []}
    if k < 2:
        return {**base, "k": 0, "note": f"layers need at least two distinct values of "
                f"{'contact frequency' if by == 'frequency' else 'closeness'}; "
                f"{distinct} found among {len(have)} people."}
    layer = network.layer_membership(values, k)
    sizes = network.layer_sizes(values, k)
    names = list(LAYER_NAMES[:k]) if k == 4 else [f"layer {i + 1}" for i in range(k)]
    note = "" if k == 4 else f"only {distinct} distinct values: {k} layers instead of 4."
    return {**base, "sizes": [int(x) for x in sizes], "names": names,
            "members": {int(p): int(L) for p, L in zip(have["id"], layer, strict=True)},
            "note": note}


def _closest(current: pd.DataFrame, n: int = 5) -> dict:
    known = current[current["closeness"].notna() | current["per_year"].notna()]
    if current["closeness"].notna().any():
        by = "closeness"
        ranked = known.sort_values(["closeness", "per_year", "id"],
                                   ascending=[False, False, True], na_position="last")
    else:
        by = "contacts a year"
        ranked = known.sort_values(["per_year", "id"], ascending=[False, True])
    top = ranked.head(n)
    stage = top["stage"].dropna()
    return {"by": by, "people": [{"id": int(r.id), "name": r.name, "stage": _num(r.stage)}
                                 for r in top.itertuples()],
            "mean_stage": _num(stage.mean()) if len(stage) else None,
            "with_stage": int(len(stage))}


def _by_origin(ppl: pd.DataFrame, last: pd.Series, log: pd.DataFrame, as_of: date,
               curves: bool = False) -> tuple[list[dict], list[dict], int, list[dict]]:
    dated = ppl[ppl["origin"].notna() & ppl["start"].notna()]
    dated = dated[dated["start"].map(lambda d: d <= as_of)]
    lapse = as_of - timedelta(days=LAPSE_DAYS)
    rows = []
    for r in dated.itertuples():
        end = r.end if r.end is not None and r.end <= as_of else None
        lc = last.get(r.id)
        if end is None and lc is not None and lc < lapse:
            end = lc
        known = r.end is not None or lc is not None
        birth = _weeks(r.start)
        death = np.nan if end is None else max(_weeks(end), birth)
        rows.append({"id": r.id, "origin": r.origin, "birth": birth, "death": death,
                     "cause": "alive" if end is None else "decayed", "known": known})
    ties = pd.DataFrame(rows, columns=["id", "origin", "birth", "death", "cause", "known"])
    value = log[(log["kind"] == "value") & log["person_id"].notna()]
    value = value[pd.to_datetime(value["on_date"]).dt.date <= as_of]
    pieces = value.groupby("person_id").size()
    ties["value"] = ties["id"].map(pieces).fillna(0.0)
    steps = _weeks(as_of)
    known = ties[ties["known"].astype(bool)]
    surv, km = None, []
    if len(known):
        life = steps - known["birth"].to_numpy(dtype=float)  # the longest a tie was watched
        grid = np.arange(0.0, np.floor(life.max()) + 1) if curves else None
        surv, by_origin = outcomes.origin_summary(known, steps, grid)
        for o, s in by_origin.items():
            keep = np.isfinite(s)
            km.append({"origin": o, "years": [round(w / 52.0, 4) for w in grid[keep]],
                       "alive": [round(float(x), 4) for x in s[keep]]})
    allv = outcomes.origin_table(ties, steps) if len(ties) else None
    retention = []
    for o in ORIGINS:
        n = int((known["origin"] == o).sum())
        if not n:
            continue
        r = surv.loc[o]
        retention.append({"origin": o, "ties": n, "survival_1y": _num(r["survival_1y"]),
                          "median_years": _num(r["median_life_weeks"] / 52.0),
                          "ended": int(((known["origin"] == o)
                                        & (known["cause"] != "alive")).sum())})
    origin_of = ppl.set_index("id")["origin"]
    value = value.assign(origin=value["person_id"].astype("int64").map(origin_of))
    values = []
    for o in ORIGINS:
        v = value[value["origin"] == o]
        people = int((ppl["origin"] == o).sum())
        if not people and not len(v):
            continue
        per = allv.loc[o, "value_per_tie_year"] if allv is not None else np.nan
        values.append({"origin": o, "people": people, "pieces": int(len(v)),
                       "amount": float(v["amount"].fillna(0).sum()),
                       "kinds": {k: int((v["value_kind"] == k).sum())
                                 for k in ("work", "client", "introduction", "information")},
                       "per_tie_year": _num(per)})
    unknown = value[value["origin"].isna()]
    if len(unknown):
        values.append({"origin": None, "people": int(ppl["origin"].isna().sum()),
                       "pieces": int(len(unknown)),
                       "amount": float(unknown["amount"].fillna(0).sum()),
                       "kinds": {k: int((unknown["value_kind"] == k).sum())
                                 for k in ("work", "client", "introduction", "information")},
                       "per_tie_year": None})
    return retention, values, int((~ties["known"].astype(bool)).sum()), km


def _turnover(contacts: pd.DataFrame, as_of: date) -> list[dict]:
    if contacts.empty:
        return []
    c = contacts.assign(year=[d.year for d in contacts["day"]])
    c = c[c["year"] < as_of.year]  # complete years only
    counts = c.groupby(["year", "person_id"]).size().rename("n").reset_index()
    years = sorted(counts["year"].unique())
    top: dict[int, dict[int, set[int]]] = {}
    shares: dict[int, np.ndarray] = {}
    for y in years:
        cy = counts[counts["year"] == y].sort_values(["n", "person_id"],
                                                     ascending=[False, True])
        top[y] = {n: set(cy["person_id"].head(n)) if len(cy) >= n else None for n in (5, 15)}
        s = np.zeros(SIGNATURE_RANKS)
        v = cy["n"].to_numpy(dtype=float)[:SIGNATURE_RANKS]
        s[:v.size] = v / cy["n"].sum()
        shares[y] = s
    from scipy.spatial.distance import jensenshannon

    rows = []
    for y in years:
        row = {"year": int(y), "people": int((counts["year"] == y).sum()),
               "closest5_turnover": None, "closest15_turnover": None, "signature_jsd": None}
        if y - 1 in top:
            for n in (5, 15):
                a, b = top[y - 1][n], top[y][n]
                if a is not None and b is not None:
                    row[f"closest{n}_turnover"] = 1.0 - len(a & b) / n
            row["signature_jsd"] = _num(jensenshannon(shares[y - 1], shares[y], base=2))
        rows.append(row)
    return rows


def _brokerage(current: pd.DataFrame, knows: pd.DataFrame) -> dict:
    ids = set(current["id"].astype(int))
    edges = [(int(a), int(b)) for a, b in zip(knows["a"], knows["b"], strict=True)
             if a in ids and b in ids]
    if not edges:
        return {"present": False, "sentence": (
            "Brokerage (constraint, effective size, local bridges) needs who knows whom "
            "among your people: import a knows.csv (jinmyaku me template) to measure it.")}
    import networkx as nx

    order = sorted(ids)
    pos = {p: i + 1 for i, p in enumerate(order)}  # you are node 0
    a = [0] * len(order) + [pos[x] for x, _ in edges]
    b = [pos[p] for p in order] + [pos[y] for _, y in edges]
    e = network.make_edges(len(order) + 1, a, b)
    g = nx.Graph()
    g.add_edges_from(zip(e.a.tolist(), e.b.tolist(), strict=True))
    bridges = sum(1 for x, y in nx.local_bridges(g, with_span=False) if 0 in (x, y))
    size = float(nx.effective_size(g, nodes=[0])[0])
    named = {p for pair in edges for p in pair}
    return {"present": True, "people": len(ids), "knows_edges": len(edges),
            "named": len(named), "effective_size": size, "efficiency": size / len(ids),
            "constraint": float(network.constraint(e, [0])[0]),
            "local_bridges": int(bridges),
            "sentence": (f"Who knows whom names {len(named)} of your {len(ids)} people; "
                         f"the others are taken to know none of your people.")}


def _fading(current: pd.DataFrame, layers: dict, as_of: date) -> list[dict]:
    members = layers.get("members") or {}
    if not members:
        return []
    df = current[current["id"].isin(members.keys())].assign(
        layer=lambda d: d["id"].map(members))
    out = []
    for layer, grp in df.groupby("layer"):
        freq = grp["per_year"].dropna()
        med = float(freq.median()) if len(freq) else np.nan
        if not med > 0:
            continue
        usual = 365.0 / med
        for r in grp.itertuples():
            if r.last_contact is None or r.last_contact != r.last_contact:
                continue
            since = (as_of - r.last_contact).days
            if since > FADING_FACTOR * usual:
                out.append({"id": int(r.id), "name": r.name, "layer": int(layer),
                            "days_since": int(since), "usual_days": round(usual, 1),
                            "last_contact": r.last_contact.isoformat()})
    return sorted(out, key=lambda x: (-x["days_since"] / x["usual_days"], x["id"]))
