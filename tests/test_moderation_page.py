"""The Moderation page through AppTest: the queue with text, place and source, the contact for moderators only,
accept / merge / reject through the page, and the retention job run on opening."""

from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cache, state
from dashboard.state import keyed
from geo.reports import PUBLIC_SOURCE, check_report, read_queue, submit_report
from geo.store import read_events
from geo.trust import read_log
from tests.conftest import ROOT

PAGE = ROOT / "dashboard" / "pages" / "moderation.py"


@pytest.fixture()
def seeded(monkeypatch, tmp_path) -> list[int]:
    monkeypatch.setenv("LIMES_DB", f"sqlite:///{tmp_path / 'moderation.sqlite'}")
    now = datetime.now(timezone.utc)
    store = cache.current_store()
    ids = []
    for i, (text, age) in enumerate((("Old report", timedelta(days=40)), ("Boat on the lake shore", timedelta(hours=2)),
                                     ("Same boat again", timedelta(hours=1)), ("Kids playing", timedelta(minutes=5)))):
        draft = check_report(source=PUBLIC_SOURCE, external_id="", category="people_crossing", text=text, lat=41.02,
                             lon=21.03, place="Star Dojran", contact=f"+389 7{i} 000 000", now=now - age)
        ids.append(submit_report(store, draft, client=f"client-{i}", now=now - age))
    return ids


def _page() -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def _select(at: AppTest, row: int) -> AppTest:
    round_ = at.session_state[state.MODERATION_DECISIONS] if state.MODERATION_DECISIONS in at.session_state else 0
    at.session_state[keyed(state.MODERATION_QUEUE, round_)] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    return at.run()


def test_queue_contact_and_the_three_actions(seeded: list[int]) -> None:
    old, boat, again, kids = seeded
    at = _page()
    # Opening the page ran the retention job: the 40-day-old contact is gone.
    assert "Contact details of 1 older report deleted" in at.caption[0].value
    assert pd.isna(read_queue(cache.current_store(), with_contact=True).set_index("report_id").loc[old, "contact"])
    table = at.dataframe[0].value
    assert table["text"].tolist() == ["Old report", "Boat on the lake shore", "Same boat again", "Kids playing"]
    assert set(table["place"]) == {"Star Dojran"} and set(table["source"]) == {"public-form"}
    assert "contact" not in table.columns  # the list never shows contacts

    _select(at, 1)
    assert not at.exception, at.exception
    assert any("+389 71 000 000" in html.unescape(c.value) for c in at.caption)  # the contact, for the moderator only
    at.radio(key=f"confidence-{boat}").set_value("high")
    at.button(key=f"accept-{boat}").click().run()
    assert at.success[0].value == f"Report {boat} accepted as event report-{boat}."
    assert not any("+389" in c.value for c in at.caption)  # no report selected after a decision
    events = read_events(cache.current_store())
    assert events["event_id"].tolist() == [f"report-{boat}"] and events["confidence"].iloc[0] == pytest.approx(0.9)

    _select(at, 1)  # now "Same boat again": the accepted event is its merge candidate
    assert at.selectbox(key=f"merge-pick-{again}").options[0].endswith(f"community/report-{boat}")
    at.button(key=f"merge-{again}").click().run()
    assert at.success[0].value == f"Report {again} merged into report-{boat}."

    _select(at, 1)  # "Kids playing"
    at.button(key=f"reject-{kids}").click().run()
    assert at.error[0].value == "a rejection needs a reason"  # nothing lost, nothing crashed
    at.text_input(key=f"reject-{kids}".replace("reject", "reason")).input("Children at the school fence").run()
    at.button(key=f"reject-{kids}").click().run()
    assert at.success[0].value == f"Report {kids} rejected."

    statuses = read_queue(cache.current_store(), statuses=("new", "accepted", "merged", "rejected"))
    assert statuses.set_index("report_id")["status"].to_dict() == {old: "new", boat: "accepted", again: "merged",
                                                                   kids: "rejected"}
    log = read_log(cache.current_store(), actions=("report_accepted", "report_merged", "report_rejected",
                                                   "contacts_purged"))
    assert sorted(log["action"]) == ["contacts_purged", "report_accepted", "report_merged", "report_rejected"]
    assert set(log.loc[log["action"] != "contacts_purged", "actor"]) == {"local"}
