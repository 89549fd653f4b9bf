"""What a run records for the pattern suite (studies.validation.recording): windows of
contacts that lose and double-count nothing, on either channel."""

from __future__ import annotations

import pandas as pd
import pytest

import jinmyaku
from jinmyaku.engine import Simulation
from jinmyaku.studies.results import Results
from jinmyaku.studies.validation.recording import ContactSnapshots, contact_windows


def _run(*sets: str):
    sc = jinmyaku.load("small", ["population.people=300", "population.years=3", *sets])
    snaps = ContactSnapshots()
    res = Results.from_simulation(Simulation(sc, analyzers=[snaps]).run())
    ties = res.ties if isinstance(res.ties, pd.DataFrame) else res.ties.to_pandas()
    return snaps, res, ties


@pytest.fixture(scope="module")
def run():
    return _run()


def test_windows_hold_every_contact_of_the_run_once(run):
    snaps, res, ties = run
    cw = contact_windows(snaps, ties)
    assert cw.windows == 3 and len(snaps.snaps) == 4  # weeks 0, 52, 104, 156
    assert (cw.contacts["contacts"] > 0).all()
    # starting ties count no contacts; every later one is in exactly one window
    assert cw.contacts["contacts"].sum() == ties["contacts"].sum() > 10_000


def test_the_calls_channel_holds_the_discretionary_contacts_only(run):
    snaps, res, ties = run
    calls = contact_windows(snaps, ties, "calls")
    made = res.events["interactions"].sum()  # maintenance's contacts, week by week
    assert calls.contacts["contacts"].sum() == ties["calls"].sum() == made > 1000
    assert (ties["calls"] <= ties["contacts"]).all()
    every = contact_windows(snaps, ties).contacts["contacts"].sum()
    assert calls.contacts["contacts"].sum() < every  # focus encounters are not calls


def test_without_maintenance_there_are_no_calls():
    snaps, res, ties = _run("schedule=['budget', 'action', 'work', 'opportunities']")
    assert ties["contacts"].sum() > 0
    assert ties["calls"].sum() == 0
    assert contact_windows(snaps, ties, "calls").contacts.empty
