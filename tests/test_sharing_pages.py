"""The partner layer on the map and the sharing section of the Audit page, through AppTest, on a store of their own."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import h3
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.grid import BASE_RES, latlng_to_cells
from geo.sharing import Agreement, agree
from geo.store import StoredPicture, insert_events, log_sent, open_store, replace_picture
from tests.conftest import ROOT

NOW = datetime.now(timezone.utc)
HOSTILE_NAME = "GR <b>police</b> [click](http://127.0.0.1:9/x) :red[alarm]"
AREA = ((21.0, 40.8), (23.0, 40.8), (23.0, 41.6), (21.0, 41.6))
CELLS = [h3.str_to_int(h3.latlng_to_cell(lat, lon, 6)) for lat, lon in ((40.95, 22.4), (40.9, 22.0))]
PARENT = h3.str_to_int(h3.latlng_to_cell(40.85, 21.6, 5))


@pytest.fixture
def sharing_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'mk.sqlite'}"
    monkeypatch.setenv("LIMES_DB", url)
    monkeypatch.setenv("LIMES_SCENARIO", "off")
    store = open_store(url)
    when = pd.Timestamp(NOW - timedelta(hours=2))
    lat, lon = 41.2, 22.4
    insert_events(store, pd.DataFrame({
        "source": ["mk"] * 6, "event_id": [f"e{i}" for i in range(6)], "type": ["apprehension"] * 6,
        "occurred_at": [when] * 6, "received_at": [when] * 6, "lat": [lat] * 6, "lon": [lon] * 6, "persons": [1] * 6,
        "impact": ["low"] * 6, "confidence": [0.8] * 6, "status": ["open"] * 6,
        "cell": latlng_to_cells([lat] * 6, [lon] * 6, BASE_RES), "attrs": ["{}"] * 6}))
    end_ms = int((NOW - timedelta(hours=1)).timestamp() * 1000)
    replace_picture(store, StoredPicture(feed="gr-share", publisher=HOSTILE_NAME, version=2, res=6, delay_s=3600, k=5,
                                         window_start_ms=end_ms - 168 * 3_600_000, window_end_ms=end_ms,
                                         received_at_ms=end_ms + 60_000),
                    cells=[(CELLS[0], 12), (CELLS[1], 5), (PARENT, 40)],
                    levels=[("GRC-MKD-07", "high", "rising: change_pct = 72.8 >= 50 -> high", end_ms - 3_600_000)])
    agree(store, [Agreement(partner="GR", name="Hellenic Police", publisher="MK police", area=AREA, res=5,
                            delay_h=3, k=10)], actor="admin", now=NOW)
    log_sent(store, partner="GR", version=1, path="/GR/collections/hexagons/items?limit=500", status=200, items=17,
             size_bytes=4321, cert_serial="5eed", detail="sent", sent_at_ms=int(NOW.timestamp() * 1000))
    log_sent(store, partner="GR", version=None, path="/GR", status=403, items=0, size_bytes=0, cert_serial="bad",
             detail="certificate revoked", sent_at_ms=int(NOW.timestamp() * 1000))
    store.close()
    return url


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_map_shows_the_partner_picture_as_its_own_layers(sharing_store: str) -> None:
    at = _ok(AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=90).run())
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    partner = {layer["id"]: layer for layer in spec["layers"] if layer["id"].startswith("partner-")}
    assert set(partner) == {"partner-gr-share-r5", "partner-gr-share-r6"}
    assert sorted(row["value"] for row in partner["partner-gr-share-r6"]["data"]) == [5, 12]
    assert [row["hex"] for row in partner["partner-gr-share-r5"]["data"]] == [h3.int_to_str(PARENT)]
    assert {key for layer in partner.values() for row in layer["data"] for key in row} == {"hex", "value"}
    ids = [layer["id"] for layer in spec["layers"]]
    assert ids.index("partner-gr-share-r6") < ids.index("hexagons")  # under our own counts
    legend = " ".join(m.value for m in at.markdown if "limes-partner-legend" in m.value)
    assert "1 h behind" in legend and "168 h" in legend
    assert "<b>police</b>" not in legend and "&#60;b&#62;police" in legend  # the partner's name, shown as text
    assert "](http" not in legend
    assert "agreement version 2" in " ".join(c.value for c in at.caption)


def test_audit_page_shows_what_was_sent_to_whom(sharing_store: str) -> None:
    at = _ok(AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=90).run())
    at = _ok(at.switch_page("dashboard/pages/audit.py").run())
    text = " ".join(m.value for m in at.markdown)
    assert "Shared with partners" in text and "2 answers sent" in text and "1 refused" in text
    assert "version 1, active" in text and "counts at res 5 (k = 10)" in text and "3 h behind" in text
    sent = next(df.value for df in at.dataframe if "cert_serial" in df.value.columns)
    assert sent["status"].tolist() == [403, 200] and sent["items"].tolist() == [0, 17]
    assert sent["detail"].tolist() == ["certificate revoked", "sent"]


def test_briefing_page_shows_the_partners_levels_beside_ours(sharing_store: str) -> None:
    at = _ok(AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=90).run())
    at = _ok(at.switch_page("dashboard/pages/briefing.py").run())
    assert any("Partner levels: GR &#60;b&#62;police" in m.value for m in at.markdown)
    levels = next(df.value for df in at.dataframe if "evidence" in df.value.columns and "set_at" in df.value.columns)
    assert levels[["section_id", "level"]].values.tolist() == [["GRC-MKD-07", "high"]]
