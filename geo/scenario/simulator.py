"""A loopback feed simulator: the bundled scenario's next hours, published in accelerated real time.

Three feeds, one HTTP server (stdlib, loopback only):

- ``GET /events.geojson?since=<cursor>&limit=<n>``: events (all types but sensor alarms) as a
  GeoJSON FeatureCollection with a cursor, ``next`` links and an ETag;
- ``GET /sensorthings/v1.1/Observations``: sensor alarms as SensorThings Observations
  (``$filter=phenomenonTime gt ...``, ``$top``, ``@iot.nextLink``);
- ``GET /cot``: each patrol unit's newest fix as Cursor-on-Target, stale after two missed fixes;
- ``POST /publish`` with a JSON event (``type``, ``lat``, ``lon``, optional ``persons``): publishes
  it at once (tests and the latency benchmark use it).

Each event is published when the accelerated clock reaches it, stamped with the wall-clock time
of publication, so the poller sees events that have just happened. At ``speed`` S only every S-th
event is published: S hours of scenario pass per hour, but their events arrive at the rate of one.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qs, urlparse

import pandas as pd

from geo.scenario.generator import DEFAULT_SEED, generate

HORIZON = timedelta(days=2)
"""How much scenario future the simulator holds (at 60x: 48 minutes of replay)."""
FIX_INTERVAL = timedelta(minutes=5)


@dataclass
class Published:
    """An event as published: its id, the wall-clock time, type, position and persons."""

    event_id: str
    occurred_at: datetime
    type: str
    lat: float
    lon: float
    persons: int


class FeedSimulator:
    """Holds the scenario's future and publishes it as the accelerated clock passes each event."""

    def __init__(self, *, speed: float = 60.0, seed: int = DEFAULT_SEED, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be > 0; got {speed}")
        self.speed = speed
        self.t0 = (start or datetime.now(timezone.utc)).astimezone(timezone.utc)
        self._wall0 = time.monotonic()
        scenario = generate(seed=seed, end=self.t0 + HORIZON)
        future = scenario.events[scenario.events["occurred_at"] > pd.Timestamp(self.t0)]
        # One event in `speed` is published: the clock runs `speed` times faster for the units and the rhythm of
        # the night, while events arrive at the scenario's own rate, so the KPIs, "unusual now" and the banner
        # look like a normal night instead of a crisis growing by the minute.
        future = future.iloc[::max(1, round(speed))]
        self._future = future.reset_index(drop=True)
        self._due_s = (future["occurred_at"] - pd.Timestamp(self.t0)).dt.total_seconds().to_numpy() / speed
        fixes = scenario.patrols[scenario.patrols["at"] > pd.Timestamp(self.t0)]
        self._fixes = fixes.reset_index(drop=True)
        self._fix_due_s = (fixes["at"] - pd.Timestamp(self.t0)).dt.total_seconds().to_numpy() / speed
        self._run = int(self.t0.timestamp())
        self._lock = threading.Lock()
        self._published: list[Published] = []
        self._next = 0

    def _elapsed_s(self) -> float:
        return time.monotonic() - self._wall0

    def _wall(self, due_s: float) -> datetime:
        return self.t0 + timedelta(seconds=float(due_s))

    def published(self) -> list[Published]:
        """Everything published so far, publishing what the clock has reached."""
        with self._lock:
            elapsed = self._elapsed_s()
            while self._next < len(self._future) and self._due_s[self._next] <= elapsed:
                row = self._future.iloc[self._next]
                self._published.append(Published(
                    event_id=f"SIM-{self._run}-{self._next:06d}", occurred_at=self._wall(self._due_s[self._next]),
                    type=str(row["type"]), lat=float(row["lat"]), lon=float(row["lon"]), persons=int(row["persons"])))
                self._next += 1
            return list(self._published)

    def publish(self, *, type: str, lat: float, lon: float, persons: int = 0) -> Published:  # noqa: A002
        """Publish one event now (a new id, stamped with the current time)."""
        with self._lock:
            event = Published(event_id=f"SIM-{self._run}-X{len(self._published):06d}",
                              occurred_at=datetime.now(timezone.utc), type=type, lat=lat, lon=lon, persons=persons)
            self._published.append(event)
            return event

    def unit_fixes(self) -> list[dict[str, Any]]:
        """Each unit's newest fix whose time has come, with wall-clock time and stale time."""
        elapsed = self._elapsed_s()
        due = self._fixes[self._fix_due_s <= elapsed]
        if due.empty:
            return []
        newest = due.groupby("unit_id").tail(1)
        out = []
        for _, fix in newest.iterrows():
            at = self._wall((fix["at"] - pd.Timestamp(self.t0)).total_seconds() / self.speed)
            stale = at + 2 * FIX_INTERVAL / self.speed + timedelta(seconds=10)
            out.append({"uid": fix["unit_id"], "callsign": fix["callsign"], "at": at, "stale": stale,
                        "lat": float(fix["lat"]), "lon": float(fix["lon"])})
        return out


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def geojson_page(events: list[Published], *, since: int, limit: int, base: str) -> dict[str, Any]:
    """Events ``since`` (an index cursor) as a FeatureCollection page with a cursor and a next link."""
    chosen = [(i, e) for i, e in enumerate(events) if i >= since and e.type != "sensor_alarm"][:limit]
    last = chosen[-1][0] + 1 if chosen else since
    doc: dict[str, Any] = {
        "type": "FeatureCollection",
        "cursor": str(last if chosen else max(since, len(events))),
        "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [e.lon, e.lat]},
                      "properties": {"event_id": e.event_id, "type": e.type, "occurred_at": _iso(e.occurred_at),
                                     "persons": e.persons}} for _, e in chosen],
    }
    more = [i for i, e in enumerate(events) if i >= last and e.type != "sensor_alarm"]
    if chosen and more:
        doc["links"] = [{"rel": "next", "href": f"{base}/events.geojson?since={last}&limit={limit}"}]
    return doc


def sensorthings_page(events: list[Published], *, after: str | None, top: int, base: str) -> dict[str, Any]:
    """Sensor alarms after ``after`` (phenomenonTime) as an Observations page."""
    alarms = [(i, e) for i, e in enumerate(events) if e.type == "sensor_alarm" and (after is None or _iso(e.occurred_at) > after)]
    page = alarms[:top]
    doc: dict[str, Any] = {"value": [
        {"@iot.id": e.event_id, "phenomenonTime": _iso(e.occurred_at), "result": "motion",
         "FeatureOfInterest": {"@iot.id": f"foi-{i}", "name": "detection", "encodingType": "application/geo+json",
                               "feature": {"type": "Point", "coordinates": [e.lon, e.lat]}},
         "Datastream": {"@iot.id": "ds-1", "name": "ground sensors", "ObservedProperty": {"name": "motion"},
                        "Thing": {"@iot.id": "thing-1", "name": "border ground sensors"}}}
        for i, e in page]}
    if len(alarms) > top:
        doc["@iot.nextLink"] = (f"{base}/sensorthings/v1.1/Observations?$top={top}&$filter=phenomenonTime%20gt%20"
                                f"{_iso(page[-1][1].occurred_at)}")
    return doc


def cot_document(fixes: list[dict[str, Any]]) -> str:
    """Friendly ground units' fixes as CoT events."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>']
    for fix in fixes:
        parts.append(
            f'<event version="2.0" uid="{fix["uid"]}" type="a-f-G-U-C" time="{_iso(fix["at"])}" '
            f'start="{_iso(fix["at"])}" stale="{_iso(fix["stale"])}" how="m-g">'
            f'<point lat="{fix["lat"]:.5f}" lon="{fix["lon"]:.5f}" hae="0" ce="10" le="9999999"/>'
            f'<detail><contact callsign="{fix["callsign"]}"/></detail></event>')
    return "\n".join(parts)


def make_server(simulator: FeedSimulator, *, port: int = 0) -> ThreadingHTTPServer:
    """An HTTP server for ``simulator`` on 127.0.0.1 (``port`` 0: a free one). Call ``serve_forever``."""

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            url = urlparse(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            base = f"http://{self.headers.get('Host', '127.0.0.1')}"
            events = simulator.published()
            if url.path == "/events.geojson":
                etag = f'"{len(events)}"'
                if self.headers.get("If-None-Match") == etag:
                    self._send(304, b"", "application/geo+json", {"ETag": etag})
                    return
                doc = geojson_page(events, since=int(query.get("since", "0")), limit=int(query.get("limit", "500")),
                                   base=base)
                self._send(200, json.dumps(doc).encode(), "application/geo+json", {"ETag": etag})
            elif url.path == "/sensorthings/v1.1/Observations":
                flt = query.get("$filter", "")
                after = flt.split(" gt ", 1)[1].strip() if " gt " in flt else None
                doc = sensorthings_page(events, after=after, top=int(query.get("$top", "100")), base=base)
                self._send(200, json.dumps(doc).encode(), "application/json")
            elif url.path == "/cot":
                self._send(200, cot_document(simulator.unit_fixes()).encode(), "application/xml")
            else:
                self._send(404, b"not found", "text/plain")

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            if urlparse(self.path).path != "/publish":
                self._send(404, b"not found", "text/plain")
                return
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                event = simulator.publish(type=str(body["type"]), lat=float(body["lat"]), lon=float(body["lon"]),
                                          persons=int(body.get("persons", 0)))
            except (ValueError, KeyError, TypeError) as exc:
                self._send(400, f"bad event: {exc}".encode(), "text/plain")
                return
            self._send(201, json.dumps({"event_id": event.event_id, "occurred_at": _iso(event.occurred_at)}).encode(),
                       "application/json")

        def log_message(self, *args: object) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


DEMO_FEEDS: Final[tuple[str, ...]] = ("sim-events", "sim-sensors", "sim-units")
"""The simulator's feeds as ``limes demo`` polls them: their rows do not make a store one of real data."""


def demo_feeds_toml(port: int) -> str:
    """A poller config for the simulator on ``port`` (the three feeds, polled every second)."""
    base = f"http://127.0.0.1:{port}"
    return "\n".join([
        "[[feed]]", f'name = "{DEMO_FEEDS[0]}"', f'url = "{base}/events.geojson"', 'kind = "geojson"', "interval_s = 1", "",
        "[[feed]]", f'name = "{DEMO_FEEDS[1]}"', f'url = "{base}/sensorthings/v1.1/Observations"', 'kind = "sensorthings"',
        "interval_s = 1", "",
        "[[feed]]", f'name = "{DEMO_FEEDS[2]}"', f'url = "{base}/cot"', 'kind = "cot"', "interval_s = 1", "",
    ])


