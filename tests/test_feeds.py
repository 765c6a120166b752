"""Feeds against real HTTP servers on loopback: formats, paging, cursors, ETags, faults, restarts."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from geo.errors import FeedError
from geo.feeds import Feed, load_feeds, parse_cot, parse_sensorthings, poll_once, retry_after_s
from geo.store import feed_health, feed_state, latest_units, open_store, quarantine_reasons, read_events
from tests.feedserver import Reply, Script, serve

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def _feature(event_id: str, minutes_ago: int, *, lon: float = 22.51, lat: float = 41.12, **extra: object) -> dict:
    when = (NOW - timedelta(minutes=minutes_ago)).isoformat()
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"event_id": event_id, "type": "apprehension", "occurred_at": when, "persons": 2, **extra}}


def _collection(features: list, *, cursor: str | None = None, next_href: str | None = None) -> bytes:
    doc: dict = {"type": "FeatureCollection", "features": features}
    if cursor:
        doc["cursor"] = cursor
    if next_href:
        doc["links"] = [{"rel": "next", "href": next_href}]
    return json.dumps(doc).encode()


@pytest.fixture()
def store(tmp_path: Path):
    s = open_store(f"sqlite:///{tmp_path / 'feeds.sqlite'}")
    yield s
    s.close()


def _poll(feed: Feed, store, sleeps: list[float] | None = None):
    with httpx.Client() as client:
        return poll_once(feed, store, client=client, now=NOW, sleep=(sleeps.append if sleeps is not None else lambda s: None))


def test_geojson_paging_cursor_and_etag(store) -> None:
    script = Script()
    with serve(script) as base:
        script.replies["/events"] = [
            Reply(200, _collection([_feature("a", 30), _feature("b", 20)], cursor="c1", next_href=f"{base}/events2"),
                  {"ETag": '"v1"'}),
            Reply(304),
            Reply(200, _collection([_feature("c", 5)], cursor="c2"), {"ETag": '"v2"'}),
        ]
        script.replies["/events2"] = [Reply(200, _collection([_feature("b", 20), _feature("z", 10)]))]
        feed = Feed(name="border", url=f"{base}/events", kind="geojson")
        first = _poll(feed, store)
        assert (first.pages, first.inserted, first.duplicates, first.error) == (2, 3, 1, None)
        assert feed_state(store, "border") == ('"v1"', "c1")
        second = _poll(feed, store)
        assert second.not_modified and second.inserted == 0
        assert script.requests[-1][1].get("If-None-Match") == '"v1"'
        assert "since=c1" in script.requests[-1][0]
        third = _poll(feed, store)
        assert third.inserted == 1 and feed_state(store, "border") == ('"v2"', "c2")
    assert sorted(read_events(store)["event_id"]) == ["a", "b", "c", "z"]
    assert third.lag_s == pytest.approx(300.0)


def test_faults_lose_nothing_and_repeat_nothing(store) -> None:
    script = Script()
    good = _collection([_feature(f"e{i}", 60 - i) for i in range(20)], cursor="after-20")
    truncated = good[: len(good) // 2]
    with serve(script) as base:
        script.replies["/events"] = [
            Reply(503, b"busy", {"Retry-After": "2"}),
            Reply(429, b"slow down", {"Retry-After": "1"}),
            Reply(200, b"", delay_s=1.5),  # slower than the read timeout
            Reply(200, truncated),
            Reply(200, good),
            Reply(200, good),  # the same events again (a server that ignores the cursor)
        ]
        feed = Feed(name="flaky", url=f"{base}/events", kind="geojson", read_timeout_s=0.5, retries=5, backoff_s=0.1)
        sleeps: list[float] = []
        result = _poll(feed, store, sleeps)
        assert result.error is None and result.inserted == 20
        assert sleeps[:2] == [2.0, 1.0]  # Retry-After honoured
        assert len(sleeps) == 4
        again = _poll(feed, store)
        assert again.inserted == 0 and again.duplicates == 20
    events = read_events(store)
    assert len(events) == 20 and events["event_id"].is_unique
    health = feed_health(store).set_index("feed").loc["flaky"]
    assert (health["polls"], health["failures"], health["events"]) == (2, 0, 20)


def test_a_feed_that_stays_broken_is_recorded_and_keeps_its_cursor(store) -> None:
    script = Script()
    with serve(script) as base:
        script.replies["/events"] = [Reply(200, b'{"type": "FeatureCollection", "features": [')]
        feed = Feed(name="broken", url=f"{base}/events", kind="geojson", retries=2, backoff_s=0.0)
        result = _poll(feed, store)
    assert result.error is not None and "not valid JSON" in result.error and "after 3 tries" in result.error
    assert feed_state(store, "broken") == (None, None)
    assert quarantine_reasons(store) == {"malformed_payload": 1}
    health = feed_health(store).set_index("feed").loc["broken"]
    assert health["failures"] == 1 and "not valid JSON" in health["last_error"]


def test_bad_records_are_quarantined_with_reasons(store) -> None:
    script = Script()
    with serve(script) as base:
        script.replies["/events"] = [Reply(200, _collection([
            _feature("ok", 5), _feature("far", 5, lat=95.0), "not a feature",
            {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[22, 41], [22.1, 41.1]]},
             "properties": {"event_id": "line", "type": "other", "occurred_at": NOW.isoformat()}},
            _feature("soon", -60),
        ]))]
        result = _poll(Feed(name="mixed", url=f"{base}/events", kind="geojson"), store)
    assert result.inserted == 1
    assert quarantine_reasons(store) == {"coordinates_out_of_range": 1, "malformed_record": 1, "not_a_point": 1,
                                          "future_date": 1}


def test_response_size_cap_and_client_errors(store) -> None:
    script = Script()
    with serve(script) as base:
        script.replies["/big"] = [Reply(200, b"x" * 5000)]
        script.replies["/gone"] = [Reply(410, b"gone")]
        big = _poll(Feed(name="big", url=f"{base}/big", kind="geojson", max_bytes=1000), store)
        gone = _poll(Feed(name="gone", url=f"{base}/gone", kind="geojson"), store)
    assert "larger than 1,000 bytes" in big.error
    assert "HTTP 410" in gone.error and len(script.requests) == 2  # no retries for a client error


SENSORTHINGS_PAGE_1 = {
    "@iot.nextLink": "NEXT",
    "value": [
        {"@iot.id": 101, "phenomenonTime": "2026-11-28T11:50:00Z", "result": "intrusion",
         "FeatureOfInterest": {"@iot.id": 7, "name": "fence km 12", "encodingType": "application/geo+json",
                               "feature": {"type": "Point", "coordinates": [22.52, 41.11]}},
         "Datastream": {"@iot.id": 3, "name": "fence sensor 12", "ObservedProperty": {"name": "intrusion"},
                        "Thing": {"@iot.id": 1, "name": "fence-12", "Locations": []}}},
        {"@iot.id": 102, "phenomenonTime": "2026-11-28T11:51:00Z/2026-11-28T11:52:00Z", "result": False,
         "Datastream": {"name": "pir 4", "ObservedProperty": {"name": "motion"}, "Thing": {"name": "pir-4"}}},
    ],
}
SENSORTHINGS_PAGE_2 = {
    "value": [
        {"@iot.id": 103, "phenomenonTime": "2026-11-28T11:55:00Z", "result": 1,
         "Datastream": {"name": "pir 4", "ObservedProperty": {"name": "motion"},
                        "Thing": {"name": "pir-4", "Locations": [
                            {"name": "mast", "location": {"type": "Point", "coordinates": [22.60, 41.16]}}]}}},
        {"phenomenonTime": "2026-11-28T11:56:00Z", "result": "intrusion"},
    ],
}


def test_sensorthings_observations_paging_and_filter(store) -> None:
    script = Script()
    with serve(script) as base:
        page_1 = json.dumps(SENSORTHINGS_PAGE_1).replace("NEXT", f"{base}/v1.1/Observations-page2").encode()
        script.replies["/v1.1/Observations"] = [Reply(200, page_1), Reply(200, b'{"value": []}')]
        script.replies["/v1.1/Observations-page2"] = [Reply(200, json.dumps(SENSORTHINGS_PAGE_2).encode())]
        feed = Feed(name="fence", url=f"{base}/v1.1/Observations", kind="sensorthings")
        first = _poll(feed, store)
        assert (first.pages, first.inserted, first.skipped, first.quarantined) == (2, 2, 1, 1)
        assert feed_state(store, "fence")[1] == "2026-11-28T11:56:00Z"
        _poll(feed, store)
        assert "phenomenonTime+gt+2026-11-28T11%3A56%3A00Z" in script.requests[-1][0].replace("%20", "+")
        assert "%24top=500" in script.requests[0][0] or "$top=500" in script.requests[0][0]
    events = read_events(store).set_index("event_id")
    assert events.loc["101", "type"] == "irregular_crossing"  # result text mapped
    assert (events.loc["101", "lon"], events.loc["101", "lat"]) == (22.52, 41.11)  # at the feature of interest
    assert events.loc["103", "type"] == "sensor_alarm"  # positive result: the observed property
    assert (events.loc["103", "lon"], events.loc["103", "lat"]) == (22.60, 41.16)  # at the Thing's location


COT = b"""<?xml version="1.0" encoding="UTF-8"?>
<event version="2.0" uid="GR-P05" type="a-f-G-U-C" time="2026-11-28T11:58:00Z" start="2026-11-28T11:58:00Z"
       stale="2026-11-28T12:03:00Z" how="m-g">
  <point lat="41.1021" lon="22.5410" hae="61.0" ce="9.9" le="9999999.0"/>
  <detail><contact callsign="KILKIS-5"/></detail>
</event>
<event version="2.0" uid="radar-7.track-12" type="a-h-G" time="2026-11-28T11:57:30Z" start="2026-11-28T11:57:30Z"
       stale="2026-11-28T12:07:30Z" how="m-r">
  <point lat="41.1300" lon="22.4900" hae="80" ce="35" le="9999999"/>
  <detail/>
</event>
<event version="2.0" uid="broken" type="a-h-G" time="2026-11-28T11:57:30Z"><detail/></event>
"""


def test_cot_units_and_events(store) -> None:
    page = parse_cot(COT)
    assert [u["callsign"] for u in page.units] == ["KILKIS-5"]
    assert page.units[0]["stale_at"] == "2026-11-28T12:03:00Z"
    assert page.rows[0]["type"] == "irregular_crossing" and page.problems[0][0] == "malformed_record"
    script = Script()
    with serve(script) as base:
        script.replies["/cot"] = [Reply(200, COT, {"Content-Type": "application/xml"})]
        result = _poll(Feed(name="tak", url=f"{base}/cot", kind="cot"), store)
        again = _poll(Feed(name="tak", url=f"{base}/cot", kind="cot"), store)
    assert (result.units, result.inserted, result.quarantined) == (1, 1, 1)
    assert (again.units, again.inserted, again.duplicates) == (0, 0, 2)  # the event and the unit fix again
    unit = latest_units(store).iloc[0]
    assert unit["callsign"] == "KILKIS-5" and unit["stale_at"] == datetime(2026, 11, 28, 12, 3, tzinfo=timezone.utc)
    with pytest.raises(FeedError, match="not well-formed XML"):
        parse_cot(b"<event uid='x'")


def test_restart_keeps_cursor_and_uniqueness(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'restart.sqlite'}"
    script = Script()
    with serve(script) as base:
        script.replies["/events"] = [Reply(200, _collection([_feature("a", 9)], cursor="k1")),
                                     Reply(200, _collection([_feature("a", 9), _feature("b", 3)], cursor="k2"))]
        feed = Feed(name="r", url=f"{base}/events", kind="geojson")
        first_store = open_store(url)
        _poll(feed, first_store)
        first_store.close()
        restarted = open_store(url)  # a new poller process: state comes from the store
        result = _poll(feed, restarted)
        assert "since=k1" in script.requests[-1][0]
        assert (result.inserted, result.duplicates) == (1, 1)
        assert restarted.count("events") == 2
        restarted.close()


def test_retry_after_forms_and_config_errors() -> None:
    now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=timezone.utc)
    assert retry_after_s(httpx.Response(503, headers={"Retry-After": "7"})) == 7.0
    dated = httpx.Response(503, headers={"Retry-After": "Sat, 28 Nov 2026 12:00:30 GMT"})
    assert retry_after_s(dated, now=now) == pytest.approx(30.0)
    assert retry_after_s(httpx.Response(503)) is None
    with pytest.raises(FeedError, match="kind must be one of"):
        Feed(name="x", url="http://127.0.0.1/x", kind="rss")
    with pytest.raises(FeedError, match="unknown key"):
        load_feeds({"feed": [{"name": "x", "url": "http://127.0.0.1/x", "kind": "cot", "colour": "red"}]})
    assert [f.kind for f in load_feeds({"feed": [{"name": "a", "url": "http://127.0.0.1/a", "kind": "cot"}]})] == ["cot"]
    assert parse_sensorthings(json.dumps(SENSORTHINGS_PAGE_2).encode()).problems[0][0] == "malformed_record"


def test_cot_tcp_stream_split_and_joined_messages(store) -> None:
    from geo.feeds import make_cot_listener

    server = make_cot_listener(store, name="tak-tcp")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    events = COT.decode().split("<event", 1)[1]
    stream = ("<event" + events).encode()
    with socket.create_connection(server.server_address) as conn:
        conn.sendall(stream[:150])  # the first event split over two packets...
        conn.sendall(stream[150:] + b"<event uid='x' type='a-f-G' time='soon'><point lat='1' lon='2'/></event>"
                     + b"<event uid=oops>garbage</event>")  # ...the rest and two more in one
    deadline = time.monotonic() + 10
    while store.count("quarantine") < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.shutdown()
    server.server_close()
    assert latest_units(store)["callsign"].tolist() == ["KILKIS-5"]
    assert read_events(store)["event_id"].tolist() == ["radar-7.track-12@2026-11-28T11:57:30Z"]
    assert quarantine_reasons(store) == {"malformed_record": 1, "bad_unit_position": 1, "malformed_payload": 1}
    assert feed_health(store).set_index("feed").loc["tak-tcp", "units"] == 1


@pytest.mark.parametrize("name", ["scenario", "Scenario", " SCENARIO "])
def test_a_feed_may_not_take_the_scenarios_source_name(name: str) -> None:
    """The scenario's refresh deletes every row of its source: a feed named so would lose its events."""
    from geo.errors import ReservedSourceError

    with pytest.raises(ReservedSourceError, match="reserved for the bundled scenario"):
        Feed(name=name, url="http://127.0.0.1:9/events", kind="geojson")
    with pytest.raises(ReservedSourceError):
        load_feeds({"feed": [{"name": name, "url": "http://127.0.0.1:9/events", "kind": "geojson"}]})
