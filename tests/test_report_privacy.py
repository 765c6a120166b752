"""Community reports on the map and in exports: accepted reports as their own layer with a confidence filter and in
every aggregate; unmoderated ones as res-5 counts only; no contact (nor text) in any pydeck spec or export."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import h3
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cache
from geo.briefing import ReportOptions, briefing_from_store, cells_csv, sections_csv, sections_geojson
from geo.reports import PUBLIC_SOURCE, Moderator, accept_report, check_report, submit_report
from geo.spatial import load_basemap
from geo.timewindow import TimeWindow
from tests.conftest import ROOT

SECRETS = ("+30 694 111 2222", "ana@example.org", "my farm behind the church")
"""Contacts and a reporter's own words: none may reach a map spec or an export."""


@pytest.fixture()
def reports(monkeypatch, tmp_path) -> dict[str, int]:
    """Seven accepted reports at one place (confidence low, medium, five high) and two waiting ones, with contacts."""
    monkeypatch.setenv("LIMES_DB", f"sqlite:///{tmp_path / 'privacy.sqlite'}")
    monkeypatch.setenv("LIMES_SCENARIO", "off")
    store = cache.current_store()
    now = datetime.now(timezone.utc)
    ids = {}
    levels = ["low", "medium", *["high"] * 5, None, None]
    for i, level in enumerate(levels):
        lat, lon = (41.125, 22.515) if level else (41.30 + 0.01 * i, 22.56)
        draft = check_report(source=PUBLIC_SOURCE, external_id="", category="people_crossing", text=SECRETS[2],
                             lat=lat, lon=lon, contact=SECRETS[i % 2], now=now - timedelta(minutes=30))
        report_id = submit_report(store, draft, client=f"c{i}", now=now - timedelta(minutes=30))
        if level:
            accept_report(store, report_id, confidence=level, moderator=Moderator(actor="maria"))
        ids[f"r{i}"] = report_id
    return ids


def _layer(spec: dict, layer_id: str) -> dict:
    return next(layer for layer in spec["layers"] if layer["id"] == layer_id)


def test_map_layers_filter_and_no_contact_in_the_spec(reports) -> None:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    raw = at.get("deck_gl_json_chart")[0].proto.json
    spec = json.loads(raw)
    ids = [layer["id"] for layer in spec["layers"]]
    assert ids.index("lakes") < ids.index("pending-reports") < ids.index("hexagons") < ids.index("accepted-reports")
    pending, accepted = _layer(spec, "pending-reports"), _layer(spec, "accepted-reports")
    assert {k for row in pending["data"] for k in row} == {"hex", "value"} == {k for row in accepted["data"] for k in row}
    assert sum(r["value"] for r in pending["data"]) == 2
    assert {h3.get_resolution(r["hex"]) for r in pending["data"]} == {5}
    assert [r["value"] for r in accepted["data"]] == [7] and h3.get_resolution(accepted["data"][0]["hex"]) == 6
    # Accepted reports count as citizen reports in every figure: the hexagons and the KPIs.
    assert sum(r["value"] for r in _layer(spec, "hexagons")["data"]) == 7
    assert {m.label: m.value for m in at.metric}["Events"] == "7"
    for secret in (*SECRETS, "contact"):
        assert secret not in raw

    at.select_slider(key="report_confidence").set_value("high").run()
    assert [r["value"] for r in _layer(json.loads(at.get("deck_gl_json_chart")[0].proto.json), "accepted-reports")
            ["data"]] == [5]
    at.checkbox(key="report_pending").uncheck().run()
    assert "pending-reports" not in [layer["id"] for layer in json.loads(at.get("deck_gl_json_chart")[0].proto.json)
                                     ["layers"]]


def test_exports_carry_no_contact_and_count_accepted_reports(reports) -> None:
    now = datetime.now(timezone.utc)
    briefing = briefing_from_store(cache.current_store(), TimeWindow(now - timedelta(days=1), now),
                                   options=ReportOptions(), basemap=load_basemap(), generated_at=now)
    cells = cells_csv(briefing).decode()
    assert cells.splitlines()[1].split(",")[-2:] == ["7", "0"]  # one hexagon, 7 events (at or above k), 0 persons
    for export in (cells, sections_csv(briefing).decode(), sections_geojson(briefing).decode()):
        for secret in (*SECRETS, "contact"):
            assert secret not in export
