"""Dispatch over Cursor-on-Target, end to end on loopback: the tasking reaches a TAK-compatible receiver (a real TCP
server) valid under the CoT event schema and reads back through our own parser; retries and the delivery state;
the unit's positions, sent as CoT to our listener, close the loop ("on scene" within 200 m); unit suggestions."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import IncidentError
from geo.feeds import make_cot_listener
from geo.incidents import (
    Actor,
    DispatchTargets,
    FusionRule,
    Signal,
    Tasking,
    TravelParams,
    acknowledge,
    assign_and_dispatch,
    check_on_scene,
    current,
    parse_endpoint,
    retry_dispatch,
    suggest_units,
    tasking_xml,
)
from geo.incidents.suggest import SLOPE, STRAIGHT
from geo.store import dispatch_rows, open_store, step_rows
from geo.trust import read_log
from tests.takserver import start_receiver, validate

ALICE = Actor("alice@police.example", role="operator", client="10.0.0.5")
SITE = (41.1236, 22.5176)  # near Idomeni


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _now() -> datetime:
    return datetime.now(timezone.utc)


@pytest.fixture()
def store(tmp_path: Path) -> Iterator:
    s = open_store(f"sqlite:///{tmp_path / 'dispatch.sqlite'}")
    yield s
    s.close()


def _incident(store, ref: str = "seq:1") -> int:
    from geo.incidents import open_incident

    signal = Signal(kind="sensor_alarm", ref=ref, lat=SITE[0], lon=SITE[1], at=_now(), label="sensor alarm, Idomeni")
    return open_incident(store, signal, actor=ALICE, rule=FusionRule(), now=_now()).incident_id


def test_the_tasking_reaches_the_receiver_valid_and_reads_back(store) -> None:
    receiver = start_receiver()
    try:
        incident = _incident(store)
        acknowledge(store, incident, expected_version=1, actor=ALICE, now=_now())
        done = assign_and_dispatch(store, incident, callsign="ALPHA-1", expected_version=2, actor=ALICE,
                                   targets=DispatchTargets(tak_endpoint=receiver.endpoint),
                                   remarks="two persons seen <near> the fence & river")
        assert done.delivery is not None and (done.delivery.state, done.delivery.attempts) == ("delivered", 1)
        [message] = receiver.wait_for(1)
        assert message.valid, message.errors
        page = message.parsed
        assert len(page.rows) == 1 and not page.problems and not page.units
        row = page.rows[0]
        assert row["cot_type"] == "b-m-p-s-m" and row["callsign"] == f"INC-{incident}"
        assert row["event_id"].startswith(f"limes-incident-{incident}-v3@")
        assert (page.lat[0], page.lon[0]) == pytest.approx(SITE, abs=1e-7)
        text = message.raw.decode()
        assert '<dest callsign="ALPHA-1" />' in text or '<dest callsign="ALPHA-1"/>' in text
        assert "two persons seen &lt;near&gt; the fence &amp; river" in text and "priority medium" in text
        dispatches = dispatch_rows(store, incident_id=incident)
        assert list(dispatches["state"]) == ["delivered"] and list(dispatches["attempts"]) == [1]
        assert dispatches["endpoint"].iloc[0] == receiver.endpoint and dispatches["sent_at_ms"].iloc[0] > 0
        log = read_log(store, actions=("incident_dispatched",))
        assert "tasking to ALPHA-1" in log["detail"].iloc[0] and "delivered after 1 attempt" in log["detail"].iloc[0]
    finally:
        receiver.close()


def test_a_unit_endpoint_wins_over_the_tak_server(store) -> None:
    tak, unit = start_receiver(), start_receiver()
    try:
        incident = _incident(store)
        targets = DispatchTargets(tak_endpoint=tak.endpoint, unit_endpoints=(("BRAVO-2", unit.endpoint),))
        assign_and_dispatch(store, incident, callsign="BRAVO-2", expected_version=1, actor=ALICE, targets=targets)
        assert len(unit.wait_for(1)) == 1
        time.sleep(0.2)
        assert tak.messages == []
    finally:
        tak.close()
        unit.close()


def test_a_receiver_that_comes_up_late_gets_it_on_a_retry(store) -> None:
    port = _free_port()
    holder: dict = {}
    starter = threading.Timer(0.35, lambda: holder.setdefault("r", start_receiver(port=port)))
    starter.start()
    try:
        incident = _incident(store)
        done = assign_and_dispatch(store, incident, callsign="ALPHA-1", expected_version=1, actor=ALICE,
                                   targets=DispatchTargets(tak_endpoint=f"127.0.0.1:{port}"))
        assert done.delivery is not None and done.delivery.state == "delivered" and done.delivery.attempts >= 2
        assert holder["r"].wait_for(1)[0].valid
    finally:
        starter.join()
        if "r" in holder:
            holder["r"].close()


def test_an_unreachable_endpoint_fails_visibly_and_can_be_retried(store) -> None:
    port = _free_port()  # nobody listens there
    incident = _incident(store)
    done = assign_and_dispatch(store, incident, callsign="ALPHA-1", expected_version=1, actor=ALICE,
                               targets=DispatchTargets(tak_endpoint=f"127.0.0.1:{port}"))
    assert done.delivery is not None and (done.delivery.state, done.delivery.attempts) == ("failed", 3)
    assert "ConnectionRefusedError" in done.delivery.error
    rows = dispatch_rows(store, incident_id=incident)
    assert list(rows["state"]) == ["failed"] and rows["sent_at_ms"].isna().all()
    assert current(store, incident)["state"] == "assigned"  # the assignment stands; the tasking did not go
    receiver = start_receiver(port=port)
    try:
        again = retry_dispatch(store, incident, actor=ALICE, targets=DispatchTargets(tak_endpoint=receiver.endpoint))
        assert again.delivery is not None and again.delivery.state == "delivered"
        assert receiver.wait_for(1)[0].valid
        assert list(dispatch_rows(store, incident_id=incident)["state"]) == ["failed", "delivered"]
    finally:
        receiver.close()


def test_without_an_endpoint_the_assignment_stands_and_nothing_is_sent(store) -> None:
    incident = _incident(store)
    done = assign_and_dispatch(store, incident, callsign="ALPHA-1", expected_version=1, actor=ALICE,
                               targets=DispatchTargets())
    assert done.dispatch_id is None and done.incident["state"] == "assigned"
    with pytest.raises(IncidentError, match="no CoT endpoint"):
        retry_dispatch(store, incident, actor=ALICE, targets=DispatchTargets())


@pytest.mark.parametrize("bad", ["", "host", "host:", ":4242", "host:0", "host:70000", "host:abc"])
def test_bad_endpoints_are_refused(bad: str) -> None:
    with pytest.raises(IncidentError, match="host:port"):
        parse_endpoint(bad)


@settings(max_examples=80, deadline=None)
@given(remarks=st.text(max_size=200), callsign=st.text(min_size=1, max_size=20),
       lat=st.floats(-90, 90), lon=st.floats(-180, 180))
def test_any_remarks_and_callsign_give_a_valid_event(remarks: str, callsign: str, lat: float, lon: float) -> None:
    """Outside text (an operator's remarks, a unit's callsign) never breaks the XML nor the schema."""
    payload = tasking_xml(Tasking(incident_id=5, lat=lat, lon=lon, kind_label="sensor alarm", priority="high",
                                  callsign=callsign, remarks=remarks, uid="limes-incident-5-v2", at=_now()))
    valid, errors = validate(payload)
    assert valid, errors


def _send_fix(address, callsign: str, lat: float, lon: float) -> None:
    when = _now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    stale = (_now() + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    message = (f"<event version='2.0' uid='unit-{callsign}' type='a-f-G-U-C' time='{when}' start='{when}' "
               f"stale='{stale}' how='m-g'><point lat='{lat}' lon='{lon}' hae='0' ce='10' le='10'/>"
               f"<detail><contact callsign='{callsign}'/></detail></event>").encode()
    with socket.create_connection(address) as conn:
        conn.sendall(message)


def test_the_units_positions_close_the_loop_within_200_m(store) -> None:
    listener = make_cot_listener(store, name="cot-units")
    threading.Thread(target=listener.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        incident = _incident(store)
        assign_and_dispatch(store, incident, callsign="ALPHA-1", expected_version=1, actor=ALICE,
                            targets=DispatchTargets())
        for km in (3.0, 1.0, 0.35):  # driving in, still outside 200 m
            _send_fix(listener.server_address, "ALPHA-1", SITE[0] + km / 111.2, SITE[1])
            _send_fix(listener.server_address, "BRAVO-2", SITE[0], SITE[1])  # another unit on the spot: not ours
        time.sleep(0.5)
        assert check_on_scene(store, now=_now()) == [] and current(store, incident)["state"] == "assigned"
        _send_fix(listener.server_address, "ALPHA-1", SITE[0] + 0.15 / 111.2, SITE[1])  # 150 m
        deadline = time.monotonic() + 5
        arrived: list[int] = []
        while not arrived and time.monotonic() < deadline:
            time.sleep(0.1)
            arrived = check_on_scene(store, now=_now())
        assert arrived == [incident] and current(store, incident)["state"] == "on_scene"
        step = step_rows(store, incident_id=incident).iloc[-1]
        assert (step["actor"], step["from_state"], step["to_state"]) == ("system", "assigned", "on_scene")
        assert "ALPHA-1 reported a fix 150 m away" in step["detail"]
        assert check_on_scene(store, now=_now()) == []  # once only
    finally:
        listener.shutdown()
        listener.server_close()


def _units(rows: list[tuple[str, float, float, float]]) -> pd.DataFrame:
    now = pd.Timestamp(_now())
    return pd.DataFrame([{"callsign": c, "lat": la, "lon": lo, "at": now - pd.Timedelta(minutes=1),
                          "stale_at": now + pd.Timedelta(minutes=stale_min)} for c, la, lo, stale_min in rows])


def test_suggestions_rank_free_fresh_units_by_travel_time() -> None:
    units = _units([("NEAR", SITE[0] + 0.02, SITE[1], 5), ("FAR", SITE[0] + 0.1, SITE[1], 5),
                    ("STALE", SITE[0] + 0.001, SITE[1], -1), ("BUSY", SITE[0] + 0.002, SITE[1], 5)])
    table = suggest_units(units, lat=SITE[0], lon=SITE[1], now=_now(), busy={"BUSY"},
                          params=TravelParams(speed_kmh=30))
    assert list(table["callsign"]) == ["NEAR", "FAR"]
    assert table["distance_km"].iloc[0] == pytest.approx(2.224, rel=1e-3)
    assert table["eta_min"].iloc[0] == pytest.approx(2.224 / 30 * 60, rel=1e-3)  # no DEM: straight line
    assert set(table["basis"]) == {STRAIGHT}


def _tilted_dem(path: Path, *, grade: float) -> Path:
    """A GeoTIFF in UTM 34N (metres) rising ``grade`` metres per metre eastwards around the site."""
    import numpy as np
    import rasterio
    from pyproj import Transformer
    from rasterio.transform import from_origin

    x0, y0 = Transformer.from_crs("EPSG:4326", "EPSG:32634", always_xy=True).transform(SITE[1], SITE[0])
    size, cell = 400, 50.0
    west, north = x0 - size * cell / 2, y0 + size * cell / 2
    columns = west + (np.arange(size) + 0.5) * cell
    heights = np.tile(100.0 + grade * (columns - west), (size, 1)).astype("float32")
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1, dtype="float32",
                       crs="EPSG:32634", transform=from_origin(west, north, cell, cell), nodata=-9999.0) as out:
        out.write(heights, 1)
    return path


def test_with_a_dem_a_climb_costs_what_tobler_says(tmp_path: Path) -> None:
    """On a plane rising 10 % to the east, the unit west of the incident climbs (Tobler: e^(3.5 x 0.1) = 1.419 x the
    flat time), the unit east of it descends at -10 % (as fast as on flat ground, whose pace Tobler takes at -5 %)."""
    import math

    dem = _tilted_dem(tmp_path / "tilted.tif", grade=0.1)
    units = _units([("WEST", SITE[0], SITE[1] - 0.03, 5), ("EAST", SITE[0], SITE[1] + 0.03, 5)])
    flat = suggest_units(units, lat=SITE[0], lon=SITE[1], now=_now(), busy=set()).set_index("callsign")
    hilly = suggest_units(units, lat=SITE[0], lon=SITE[1], now=_now(), busy=set(),
                          params=TravelParams(dem_path=dem)).set_index("callsign")
    assert set(hilly["basis"]) == {SLOPE} and set(flat["basis"]) == {STRAIGHT}
    ratio = hilly["eta_min"] / flat["eta_min"]
    assert ratio["WEST"] == pytest.approx(math.exp(3.5 * 0.1), rel=0.02)
    assert ratio["EAST"] == pytest.approx(1.0, rel=0.02)
    assert list(hilly.index) == ["EAST", "WEST"]  # downhill first
    far_away = _units([("NOWHERE", 10.0, 10.0, 5)])  # outside the DEM: straight line, and said so
    assert list(suggest_units(far_away, lat=10.01, lon=10.0, now=_now(), busy=set(),
                              params=TravelParams(dem_path=dem))["basis"]) == [STRAIGHT]
