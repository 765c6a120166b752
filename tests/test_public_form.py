"""The public report form through AppTest: a report lands in the queue and nowhere else, errors keep what was typed,
the hourly limit, the map picker sends hex ids only."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cache, state
from geo.reports import read_queue
from tests.conftest import ROOT
from tests.stores import fetch

WRITABLE = ("reports", "audit_log")
"""The tables a submission may change (and ``meta`` gains the hashing secret once)."""
TABLES = ("events", "quarantine", "imports", "units", "feed_state", "feed_health", "sensors", "section_levels",
          *WRITABLE)


def _counts() -> dict[str, int]:
    store = cache.current_store()
    return {t: int(fetch(store, f"SELECT COUNT(*) FROM {t}")[0][0]) for t in TABLES}


@pytest.fixture()
def form(monkeypatch, tmp_path) -> AppTest:
    # A store of its own: the limit counts per client, and AppTest's sessions all come from "unknown".
    monkeypatch.setenv("LIMES_DB", f"sqlite:///{tmp_path / 'form.sqlite'}")
    monkeypatch.setenv("LIMES_REPORTS_PER_HOUR", "2")
    at = AppTest.from_file(str(ROOT / "report_form.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def _fill(at: AppTest, *, text: str, town: str | None = "Gevgelija", category: str | None = "vehicle") -> AppTest:
    if town is not None:
        at.radio(key="where").set_value("Type a town or village").run()
        at.selectbox(key="town").set_value(town)
    round_ = at.session_state[state.FORM_ROUND]
    if category is not None:
        at.selectbox(key=f"category-{round_}").set_value(category)
    at.text_area(key=f"text-{round_}").input(text)
    at.text_input(key=f"contact-{round_}").input("reporter@example.org")
    return at.button[0].click().run()


def test_submission_lands_in_the_queue_and_nowhere_else(form: AppTest) -> None:
    before = _counts()
    meta_before = set(fetch(cache.current_store(), "SELECT key FROM meta"))
    _fill(form, text="A white van waiting at the old customs road")
    assert not form.exception and not form.error
    assert form.success[0].value.startswith("Thank you. Your report (reference ")
    after = _counts()
    assert {t: after[t] - before[t] for t in TABLES} == {**dict.fromkeys(TABLES, 0), "reports": 1, "audit_log": 1}
    assert set(fetch(cache.current_store(), "SELECT key FROM meta")) - meta_before <= {("report_client_salt",),
                                                                                     ("report_reference_key",)}
    reference = form.success[0].value.split("(reference ")[1].split(")")[0]
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", reference)  # not the reports' running number
    row = read_queue(cache.current_store(), with_contact=True).iloc[-1]
    assert (row["text"], row["place"], row["category"], row["contact"], row["status"]) == (
        "A white van waiting at the old customs road", "Gevgelija", "vehicle", "reporter@example.org", "new")
    assert row["lat"] == pytest.approx(41.141) and row["source"] == "public-form"
    # The form starts afresh for the next report.
    assert form.text_area(key=f"text-{form.session_state[state.FORM_ROUND]}").value == ""


def test_errors_keep_the_text_and_the_limit_holds(form: AppTest) -> None:
    before = _counts()["reports"]
    _fill(form, text="Lights on the hill every night", category=None)
    assert form.error[0].value == "Choose what you saw."
    assert form.text_area(key="text-0").value == "Lights on the hill every night"
    for i in range(2):
        _fill(form, text=f"Report {i}")
        assert form.success, form.error
    _fill(form, text="Third within the hour")
    assert "at most 2 reports an hour" in form.error[0].value
    assert form.text_area(key=f"text-{form.session_state[state.FORM_ROUND]}").value == "Third within the hour"
    assert _counts()["reports"] - before == 2


def test_map_picker_sends_hex_ids_and_a_pick_becomes_the_place(form: AppTest) -> None:
    spec = json.loads(form.get("deck_gl_json_chart")[0].proto.json)
    pick = next(layer for layer in spec["layers"] if layer["id"] == "report-pick")
    assert {key for row in pick["data"] for key in row} == {"hex"} and len(pick["data"]) > 3000
    assert "http" not in json.dumps(spec).replace("/app/static/", "")
    chosen = pick["data"][len(pick["data"]) // 2]["hex"]
    form.session_state[state.REPORT_MAP] = {"selection": {"indices": {"report-pick": [0]},
                                                      "objects": {"report-pick": [{"hex": chosen}]}}}
    form.run()
    assert "Chosen place:" in form.caption[0].value
    picked = next(layer for layer in json.loads(form.get("deck_gl_json_chart")[0].proto.json)["layers"]
                  if layer["id"] == "report-picked")
    assert picked["data"] == [{"hex": chosen}]
    # A forged selection outside the picker's cells is ignored.
    form.session_state[state.REPORT_MAP] = {"selection": {"objects": {"report-pick": [{"hex": "8a2a1072b59ffff"}]}}}
    form.run()
    assert "Click the map where it happened" in form.caption[0].value
