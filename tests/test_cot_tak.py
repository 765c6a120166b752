"""Cursor-on-Target as TAK clients send it, over real TCP sockets (issue 14, class 3).

Streams are generated: byte-order marks, XML declarations on the event's line or their own,
CRLF, default and prefixed namespaces, unknown ``<detail>`` children, several events in one
packet and one event over many. Every message ends stored or quarantined with its reason, and
the listener's health counts the messages. The listener caps its connections and closes idle ones.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.feeds import make_cot_listener, parse_sensorthings
from geo.store import feed_health, latest_units, open_store, read_events

EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
NAMES = itertools.count()
TYPES = ("a-f-G-U-C", "a-f-G-E-V", "a-h-G", "a-u-G", "b-r-f-h-c", "a-n-A-C-F")
DETAIL_TAGS = st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True).filter(lambda t: not t.startswith("xml"))


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Iterator:
    s = open_store(f"sqlite:///{tmp_path_factory.mktemp('cot') / 'cot.sqlite'}")
    yield s
    s.close()


@st.composite
def cot_event(draw, index: int) -> tuple[str, bytes, str]:
    """(uid, message bytes, cot type) of one event as some TAK client might write it."""
    uid = f"{index}-" + draw(st.from_regex(r"[A-Za-z0-9.\-]{1,16}", fullmatch=True))
    cot_type = draw(st.sampled_from(TYPES))
    when = (datetime.now(timezone.utc) - timedelta(minutes=draw(st.integers(1, 30)))).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    lat, lon = draw(st.floats(40.0, 42.0)), draw(st.floats(21.0, 23.0))
    nl = draw(st.sampled_from(["", "\n", "\r\n"]))
    ns = draw(st.sampled_from(["none", "default", "prefixed"]))
    prefix = "cot:" if ns == "prefixed" else ""
    xmlns = {"none": "", "default": ' xmlns="urn:tak:cot"', "prefixed": ' xmlns:cot="urn:tak:cot"'}[ns]
    unknown = "".join(f"<{t} a='1'><inner>x</inner></{t}>" for t in draw(st.lists(DETAIL_TAGS, max_size=3)))
    callsign = draw(st.from_regex(r"[A-Z][A-Z0-9\-]{0,10}", fullmatch=True))
    declaration = draw(st.sampled_from(["", "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>",
                                        "<?xml version=\"1.0\"?>" + nl]))
    body = (f"{declaration}<{prefix}event{xmlns} version='2.0' uid='{uid}' type='{cot_type}' time='{when}' "
            f"start='{when}' stale='{when}' how='m-g'>{nl}<{prefix}point lat='{lat}' lon='{lon}' hae='9999999.0' "
            f"ce='9999999.0' le='9999999.0'/>{nl}<{prefix}detail>{unknown}<{prefix}contact callsign='{callsign}'/>"
            f"{nl}</{prefix}detail></{prefix}event >" if draw(st.booleans()) else
            f"{declaration}<{prefix}event{xmlns} version='2.0' uid='{uid}' type='{cot_type}' time='{when}' "
            f"start='{when}' stale='{when}' how='m-g'><{prefix}point lat='{lat}' lon='{lon}'/>"
            f"<{prefix}detail>{unknown}<{prefix}contact callsign='{callsign}'/></{prefix}detail></{prefix}event>{nl}")
    return uid, body.encode(), cot_type


def _listen(store, name: str, **kwargs):
    server = make_cot_listener(store, name=name, **kwargs)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


def _send(address, stream: bytes, cuts: list[int]) -> None:
    with socket.create_connection(address) as conn:
        for a, b in itertools.pairwise([0, *sorted(set(cuts)), len(stream)]):
            conn.sendall(stream[a:b])


def _health(store, name: str) -> dict:
    health = feed_health(store).set_index("feed")
    return health.loc[name].to_dict() if name in health.index else {"polls": 0}


def _wait_polls(store, name: str, polls: int) -> dict:
    deadline = time.monotonic() + 15
    while (health := _health(store, name))["polls"] < polls and time.monotonic() < deadline:
        time.sleep(0.05)
    return health


@EXAMPLES
@given(data=st.data(), bom=st.booleans(), count=st.integers(1, 6))
def test_tak_streams_parse_whatever_their_shape(store, data, bom: bool, count: int) -> None:
    events = [data.draw(cot_event(i)) for i in range(count)]
    stream = (b"\xef\xbb\xbf" if bom else b"") + b"".join(body for _, body, _ in events)
    cuts = data.draw(st.lists(st.integers(1, len(stream) - 1), max_size=8))
    name = f"tak-{next(NAMES)}"
    server = _listen(store, name)
    try:
        _send(server.server_address, stream, cuts)
        health = _wait_polls(store, name, count)
    finally:
        server.shutdown()
        server.server_close()
    assert health["polls"] == count and health["failures"] == 0, health  # one health count per message
    units = latest_units(store)
    got_units = set(units.loc[units["source"] == name, "unit_id"])
    stored = read_events(store)
    got_events = {e.split("@")[0] for e in stored.loc[stored["source"] == name, "event_id"]}
    friendly = {uid for uid, _, t in events if t.startswith("a-f-G")}
    assert got_units == friendly
    assert got_events == {uid for uid, _, _ in events} - friendly
    assert health["quarantined"] == 0


GARBAGE = st.one_of(
    st.from_regex(r"[^<>]{1,40}", fullmatch=True).map(lambda t: t + "</event>"),  # text, then an end tag
    st.just("<?xml version='1.0'?><detail><contact callsign='X'/></detail></event>"),
    st.from_regex(r"<[a-z]{1,8}/>", fullmatch=True).map(lambda t: t + "</event>"),
    st.just("<event uid='u' type='a-h-G' time='2026-01-01T00:00:00Z'><point lat='x' lon='1'/></event>"),
    st.just("<event type='a-h-G'><point lat='1' lon='1'/></event>"),
)


@EXAMPLES
@given(garbage=st.lists(GARBAGE, min_size=1, max_size=5), tail=st.sampled_from(["", "<ping/>", "<event uid='half'"]))
def test_a_message_without_a_usable_event_is_quarantined_with_its_reason(store, garbage: list[str], tail: str) -> None:
    name = f"tak-{next(NAMES)}"
    server = _listen(store, name)
    messages = len(garbage) + (1 if tail else 0)
    try:
        _send(server.server_address, ("".join(garbage) + tail).encode(), [])
        health = _wait_polls(store, name, messages)
    finally:
        server.shutdown()
        server.server_close()
    with store.transaction(write=False) as tx:
        reasons = [r[0] for r in tx.fetch("SELECT reason FROM quarantine WHERE source = ?", (name,))]
    assert health["polls"] == messages and health["events"] == 0 and health["units"] == 0
    assert len(reasons) == messages, reasons  # one quarantine record per message, never dropped
    assert set(reasons) <= {"malformed_payload", "no_cot_event", "malformed_record", "bad_coordinates"}


def test_the_listener_caps_connections_and_closes_idle_ones(store) -> None:
    name = f"tak-{next(NAMES)}"
    baseline = threading.active_count()
    server = _listen(store, name, max_connections=2, idle_timeout_s=0.5)
    try:
        held = [socket.create_connection(server.server_address) for _ in range(2)]
        time.sleep(0.1)
        extra = []
        for _ in range(20):  # twenty more: each closed at once, no thread started for it
            conn = socket.create_connection(server.server_address)
            conn.settimeout(2)
            extra.append(conn.recv(1))
            conn.close()
        assert extra == [b""] * 20
        assert threading.active_count() <= baseline + 1 + 2  # serve_forever, two clients
        held[0].sendall(b"<event uid='slow' type='a-h-G'")  # half a message, then silence
        for conn in held:
            conn.settimeout(3)
            assert conn.recv(1) == b""  # closed by the listener after the idle timeout
            conn.close()
        # With the idle ones gone, a new client is served again.
        _send(server.server_address, b"<event uid='late' type='a-f-G' time='2026-11-30T00:00:00Z'>"
                                     b"<point lat='41' lon='22'/></event>", [])
        health = _wait_polls(store, name, 22)
    finally:
        server.shutdown()
        server.server_close()
    with store.transaction(write=False) as tx:
        reasons = [r[0] for r in tx.fetch("SELECT reason FROM quarantine WHERE source = ?", (name,))]
    assert reasons == ["incomplete_message"]
    # Twenty refusals and one cut-off message are failures; the late client's unit is stored.
    assert (health["polls"], health["failures"], health["units"]) == (22, 21, 1), health


@settings(max_examples=60, deadline=None)
@given(result=st.one_of(st.just(True), st.integers(1, 10**9), st.floats(1e-9, 1e9)),
       prop=st.one_of(st.none(), st.just({}), st.fixed_dictionaries({"name": st.text(max_size=20)}),
                      st.just({"name": None}), st.just({"name": 7})))
def test_a_positive_sensorthings_reading_without_a_known_property_is_a_sensor_alarm(result, prop) -> None:
    obs = {"@iot.id": 1, "phenomenonTime": "2026-11-28T11:00:00Z", "result": result,
           "FeatureOfInterest": {"feature": {"type": "Point", "coordinates": [22.5, 41.1]}}}
    if prop is not None:
        obs["Datastream"] = {"name": "d", "ObservedProperty": prop}
    page = parse_sensorthings(json.dumps({"value": [obs]}).encode())
    name = (prop or {}).get("name")
    known = isinstance(name, str) and name.strip().lower() in ("intrusion", "motion", "presence", "vehicle")
    assert [r["type"] for r in page.rows] == [name if known else "sensor_alarm"]


def test_the_listener_binds_loopback_only(tmp_path: Path) -> None:
    s = open_store(f"sqlite:///{tmp_path / 'x.sqlite'}")
    try:
        server = make_cot_listener(s, name="tak")
        assert server.server_address[0] == "127.0.0.1"
        server.server_close()
    finally:
        s.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), count=st.integers(1, 8), repeats=st.integers(0, 3),
       broken=st.lists(st.sampled_from(["<event type='a-h-G'><point lat='1' lon='1'/></event>",
                                        "<event uid='b' type='a-f-G' time='x'><point lat='1' lon='2'/></event>",
                                        "<event uid='c' type='a-u-G' time='2026-11-28T11:00:00Z'>"
                                        "<point lat='north' lon='2'/></event>",
                                        "<event uid='d' type='a-f-G' time='2026-11-28T11:00:00Z'>"
                                        "<point lat='95' lon='2'/></event>"]), max_size=4))
def test_every_record_of_a_page_is_counted_once(store, data, count: int, repeats: int, broken: list[str]) -> None:
    from geo.feeds import parse_cot
    from geo.feeds.poller import COT_MAPPING, PollResult, write_page

    events = [data.draw(cot_event(i)) for i in range(count)]
    payload = b"".join(body for _, body, _ in events) + b"".join(body for _, body, _ in events[:repeats]) + \
        "".join(broken).encode()
    name = f"page-{next(NAMES)}"
    result = PollResult(feed=name)
    write_page(parse_cot(payload), store, source=name, origin="test", mapping=COT_MAPPING,
               now=datetime.now(timezone.utc), result=result)
    assert result.read == count + min(repeats, count) + len(broken)
    assert result.read == result.inserted + result.units + result.duplicates + result.quarantined + result.skipped
    assert result.duplicates == min(repeats, count) and result.quarantined == len(broken)
