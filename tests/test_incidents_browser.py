"""From alert to patrol in Debian's Chromium: a high-impact event becomes an incident with one click, the map shows it
waiting, it is acknowledged and assigned, a TAK receiver on loopback gets the CoT tasking (valid, read back by our
parser), the simulated unit drives there reporting CoT positions to our listener, the page shows "on scene" by
itself, the incident is closed, and the handover PDF downloaded from the page lists it.

Screenshots in ``artifacts/`` (incidents-*.png).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from bench.serving import start_streamlit
from geo.feeds import make_cot_listener
from geo.grid import BASE_RES, latlng_to_cells
from geo.store import incident_rows, insert_events, insert_units, open_store
from tests.browser import chromium_page, wait_idle
from tests.takserver import start_receiver

pytestmark = pytest.mark.browser
SITE = (41.1236, 22.5176)  # near Idomeni
TIMEOUT_MS = 90_000


def _seed(url: str) -> None:
    store = open_store(url)
    now = pd.Timestamp(datetime.now(timezone.utc))
    cell = latlng_to_cells(np.array([SITE[0]]), np.array([SITE[1]]), BASE_RES)
    insert_events(store, pd.DataFrame({
        "source": "border-feed", "event_id": ["e-1"], "type": "irregular_crossing",
        "occurred_at": [now - pd.Timedelta(minutes=4)], "received_at": now, "lat": SITE[0], "lon": SITE[1],
        "persons": 12, "impact": "very_high", "confidence": np.nan, "status": "open", "cell": cell, "attrs": "{}"}))
    units = pd.DataFrame({"source": "cot-units", "unit_id": ["unit-ALPHA-1"], "callsign": ["ALPHA-1"],
                          "at": [now - pd.Timedelta(minutes=1)], "stale_at": [now + pd.Timedelta(minutes=30)],
                          "lat": [SITE[0] + 3.0 / 111.2], "lon": [SITE[1]]})
    units["cell"] = latlng_to_cells(units["lat"].to_numpy(), units["lon"].to_numpy(), BASE_RES)
    insert_units(store, units)
    store.close()


def _fix(address: tuple[str, int], lat: float, lon: float) -> None:
    now = datetime.now(timezone.utc)
    when, stale = (f"{t:%Y-%m-%dT%H:%M:%S.%f}"[:-3] + "Z" for t in (now, now + timedelta(minutes=5)))
    message = (f"<?xml version='1.0'?><event version='2.0' uid='unit-ALPHA-1' type='a-f-G-U-C' time='{when}' "
               f"start='{when}' stale='{stale}' how='m-g'><point lat='{lat:.6f}' lon='{lon:.6f}' hae='0' ce='5' "
               "le='5'/><detail><contact callsign='ALPHA-1'/></detail></event>").encode()
    with socket.create_connection(address) as conn:
        conn.sendall(message)


@pytest.fixture()
def control_room(tmp_path: Path) -> Iterator[tuple[str, str, object, object]]:
    url = f"sqlite:///{tmp_path / 'control-room.sqlite'}"
    _seed(url)
    receiver = start_receiver()
    store = open_store(url)
    listener = make_cot_listener(store, name="cot-units")
    threading.Thread(target=listener.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    env = {"LIMES_DB": url, "LIMES_SCENARIO": "off", "LIMES_TAK": receiver.endpoint, "LIMES_VAR_DIR": str(tmp_path)}
    try:
        with start_streamlit(env=env) as app:
            yield app, url, receiver, listener
    finally:
        listener.shutdown()
        listener.server_close()
        store.close()
        receiver.close()


def _click(page, name: str) -> None:
    page.get_by_role("button", name=name).first.click()


def test_alert_to_patrol_to_handover(control_room, artifacts: Path) -> None:
    app, url, receiver, listener = control_room
    with chromium_page(height=1800) as session:
        page = session.page
        page.set_default_timeout(TIMEOUT_MS)  # a shared, loaded machine: screenshots with WebGL can take long
        page.goto(app)
        wait_idle(page, timeout_ms=TIMEOUT_MS)
        page.locator('[data-testid="stSidebarNav"] a', has_text="Incidents").click()
        page.get_by_role("button", name="Make incident").wait_for(timeout=TIMEOUT_MS)
        assert page.get_by_text("Irregular crossing, 12 persons").count() >= 1
        _click(page, "Make incident")
        page.get_by_text("Incident #1 opened.").wait_for(timeout=TIMEOUT_MS)
        # The map keeps the waiting high-priority incident in sight.
        page.locator('[data-testid="stSidebarNav"] a', has_text="Map").click()
        page.get_by_text("Not acknowledged for").wait_for(timeout=TIMEOUT_MS)
        page.screenshot(path=str(artifacts / "incidents-map-strip.png"))
        page.locator('[data-testid="stSidebarNav"] a', has_text="Incidents").click()
        page.get_by_role("button", name="Acknowledge").wait_for(timeout=TIMEOUT_MS)
        _click(page, "Acknowledge")
        page.get_by_text("Incident #1 acknowledged.").wait_for(timeout=TIMEOUT_MS)
        page.get_by_role("button", name="Assign and send tasking").wait_for(timeout=TIMEOUT_MS)
        _click(page, "Assign and send tasking")
        page.get_by_text("ALPHA-1 assigned to #1; tasking delivered").wait_for(timeout=TIMEOUT_MS)
        [tasking] = receiver.wait_for(1)
        assert tasking.valid, tasking.errors
        row = tasking.parsed.rows[0]
        assert (row["cot_type"], row["callsign"]) == ("b-m-p-s-m", "INC-1")
        assert (tasking.parsed.lat[0], tasking.parsed.lon[0]) == pytest.approx(SITE, abs=1e-6)
        assert b'<dest callsign="ALPHA-1"' in tasking.raw
        page.screenshot(path=str(artifacts / "incidents-assigned.png"), full_page=True)
        # The unit drives in from 3 km, reporting its position over CoT; the page follows by itself.
        for km in (2.0, 1.0, 0.5, 0.12):
            _fix(listener.server_address, SITE[0] + km / 111.2, SITE[1])
            time.sleep(0.3)
        page.get_by_text("#1 · on scene").wait_for(timeout=TIMEOUT_MS)
        assert incident_rows(open_store(url))[0]["state"] == "on_scene"
        page.screenshot(path=str(artifacts / "incidents-on-scene.png"), full_page=True)
        page.get_by_role("button", name="Close incident").wait_for(timeout=TIMEOUT_MS)
        _click(page, "Close incident")  # outcome: the first, apprehension
        page.get_by_text("Incident #1 closed.").wait_for(timeout=TIMEOUT_MS)
        page.get_by_text("Shift handover").click()
        _click(page, "Prepare handover PDF")
        download_button = page.get_by_role("button", name="Download handover-")
        download_button.wait_for(timeout=TIMEOUT_MS)
        with page.expect_download(timeout=TIMEOUT_MS) as download:
            download_button.click()
        pdf = artifacts / "incidents-handover.pdf"
        download.value.save_as(str(pdf))
        page.screenshot(path=str(artifacts / "incidents-closed.png"), full_page=True)
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Closed during the shift (1)" in text and "#1" in text and "apprehension" in text and "ALPHA-1" in text
    assert session.outside_loopback() == []
    assert session.errors == []
