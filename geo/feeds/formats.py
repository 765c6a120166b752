"""Parse the three live feed formats into raw rows for the validator, and unit positions.

- GeoJSON: a FeatureCollection of point events whose properties are our event fields.
- OGC SensorThings API 1.1: ``Observations`` with ``FeatureOfInterest`` and ``Datastream/Thing/Locations``
  expanded; an observation whose result is a text (the event type) or a true/positive value
  denotes an event, at its feature of interest, else at its Thing's location. A positive value
  whose ObservedProperty is missing or not a type we know is a ``sensor_alarm``.
- Cursor-on-Target: ``<event uid type time start stale how><point lat lon .../><detail><contact
  callsign/></detail></event>``; friendly ground units (``a-f-G...``) are unit positions, other
  types are events. Read as TAK clients send it: byte-order marks, XML declarations before any
  event (on its line or not), CRLF, namespaces and ``<detail>`` children we do not know.

Parsers never guess at a broken payload: they raise :class:`geo.errors.FeedError`, and records
that are present but unusable come back as ``problems`` for the quarantine.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd

from geo.errors import FeedError, msg
from geo.models import EVENT_TYPES

FEED_KINDS: Final[tuple[str, ...]] = ("geojson", "sensorthings", "cot")
COT_FRIENDLY_GROUND: Final[str] = "a-f-G"
COT_EVENT_TYPES: Final[tuple[tuple[str, str], ...]] = (
    ("a-h-G", "irregular_crossing"),  # hostile ground: a person or vehicle crossing
    ("a-u-G", "sensor_alarm"),        # unknown ground contact from a sensor
    ("b-r-f-h-c", "search_and_rescue"),  # casualty report
)
"""CoT type prefixes that become event types (the first match wins; anything else is ``other``)."""
SENSORTHINGS_TYPES: Final[dict[str, str]] = {
    "intrusion": "irregular_crossing", "motion": "sensor_alarm", "presence": "sensor_alarm", "vehicle": "smuggling",
}
"""Result texts and ObservedProperty names of sensors that mean one of our event types."""
SENSOR_ALARM: Final[str] = "sensor_alarm"
_XML_DECLARATION: Final = re.compile(r"<\?xml\b[^>]*\?>")
_BOMS: Final[tuple[tuple[bytes, str], ...]] = (
    (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


@dataclass
class ParsedPage:
    """One page of a feed: event rows (text) with their positions, unit positions, problems, paging."""

    rows: list[dict[str, str]] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    geometry_problem: list[str | None] = field(default_factory=list)
    units: list[dict[str, Any]] = field(default_factory=list)
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    """``(reason, detail, raw)`` for records that could not become rows."""
    reports: list[Any] = field(default_factory=list)
    """Raw community report records (report feeds: they go to the reports queue, not the events)."""
    next_url: str | None = None
    cursor: str | None = None
    skipped: int = 0
    """Records that are not events (a SensorThings observation with a false result, say)."""

    def frame(self) -> pd.DataFrame:
        """The event rows as a text DataFrame, one column per property seen."""
        return pd.DataFrame(self.rows).fillna("").astype(str) if self.rows else pd.DataFrame()

    def geometry(self) -> tuple[pd.Series, pd.Series, pd.Series]:
        return (pd.Series(self.lon, dtype=float), pd.Series(self.lat, dtype=float),
                pd.Series(self.geometry_problem, dtype=object))

    def add_row(self, row: dict[str, str], point: Any) -> None:
        lon, lat, problem = _point(point)
        self.rows.append(row)
        self.lon.append(lon)
        self.lat.append(lat)
        self.geometry_problem.append(problem)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _point(geometry: Any) -> tuple[float, float, str | None]:
    """(lon, lat, problem) of a GeoJSON geometry."""
    if not isinstance(geometry, dict) or not geometry:
        return float("nan"), float("nan"), "missing_geometry"
    coords = geometry.get("coordinates")
    if geometry.get("type") != "Point":
        return float("nan"), float("nan"), "not_a_point"
    try:
        return float(coords[0]), float(coords[1]), None
    except (TypeError, ValueError, IndexError):
        return float("nan"), float("nan"), "missing_geometry"


def _json(payload: bytes, kind: str) -> Any:
    try:
        return json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FeedError(msg("{kind} payload is not valid JSON ({reason})",
                            kind=kind, reason=exc.msg if hasattr(exc, "msg") else exc)) from None
    except RecursionError:
        raise FeedError(msg("{kind} payload is nested too deeply to read", kind=kind)) from None


def parse_geojson(payload: bytes) -> ParsedPage:
    """A FeatureCollection page. Paging: ``links`` with ``rel: next``; cursor: a top-level ``cursor``."""
    doc = _json(payload, "GeoJSON")
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise FeedError(msg("GeoJSON payload is not a FeatureCollection with a features list"))
    page = ParsedPage(cursor=doc.get("cursor") if isinstance(doc.get("cursor"), str) else None)
    for link in doc.get("links", []) if isinstance(doc.get("links"), list) else []:
        if isinstance(link, dict) and link.get("rel") == "next" and isinstance(link.get("href"), str):
            page.next_url = link["href"]
    for feature in doc["features"]:
        if not isinstance(feature, dict) or not isinstance(feature.get("properties", {}), dict):
            page.problems.append(("malformed_record", "a feature that is not a JSON object with properties",
                                  _text(feature)[:2000]))
            continue
        properties = {k: _text(v) for k, v in (feature.get("properties") or {}).items()}
        page.add_row(properties, feature.get("geometry"))
    return page


def parse_sensorthings(payload: bytes) -> ParsedPage:
    """An ``Observations`` page (``value`` list, ``@iot.nextLink``). The cursor is the newest phenomenonTime."""
    doc = _json(payload, "SensorThings")
    if not isinstance(doc, dict) or not isinstance(doc.get("value"), list):
        raise FeedError(msg("SensorThings payload has no 'value' list of Observations"))
    page = ParsedPage(next_url=doc.get("@iot.nextLink") if isinstance(doc.get("@iot.nextLink"), str) else None)
    newest = None
    for obs in doc["value"]:
        if isinstance(obs, dict) and "phenomenonTime" in obs:
            when = str(obs["phenomenonTime"]).split("/")[0]  # an interval counts from its start
            # The cursor passes every record seen, usable or not: a broken one is quarantined once.
            newest = when if newest is None or when > newest else newest
        if not isinstance(obs, dict) or "@iot.id" not in obs or "phenomenonTime" not in obs:
            page.problems.append(("malformed_record", "an Observation without @iot.id or phenomenonTime",
                                  _text(obs)[:2000]))
            continue
        result = obs.get("result")
        datastream = obs.get("Datastream") or {}
        prop = (datastream.get("ObservedProperty") or {}).get("name", "")
        if isinstance(result, str):
            event_type = result
        elif result is True or (isinstance(result, (int, float)) and not isinstance(result, bool) and result > 0):
            # A positive reading is an alarm even when the property does not say of what.
            known = isinstance(prop, str) and (prop.strip().lower() in SENSORTHINGS_TYPES or prop in EVENT_TYPES)
            event_type = prop if known else SENSOR_ALARM
        else:
            page.skipped += 1
            continue
        thing = datastream.get("Thing") or {}
        locations = thing.get("Locations") or []
        feature = (obs.get("FeatureOfInterest") or {}).get("feature")
        if not feature and locations and isinstance(locations[0], dict):
            feature = locations[0].get("location")
        row = {"event_id": _text(obs["@iot.id"]), "occurred_at": when, "type": event_type,
               "sensor": _text(thing.get("name")), "datastream": _text(datastream.get("name")),
               "observed_property": _text(prop)}
        page.add_row(row, feature)
    page.cursor = newest
    return page


def _cot_text(payload: bytes) -> str:
    """The text of a CoT payload: byte-order mark honoured and dropped, XML declarations removed (a stream
    repeats one before every event, often on the event's own line)."""
    encoding = next((enc for bom, enc in _BOMS if payload.startswith(bom)), "utf-8")
    text = payload.decode(encoding, errors="replace").replace("\ufeff", "")
    return _XML_DECLARATION.sub("", text)


def parse_cot(payload: bytes) -> ParsedPage:
    """One or more CoT ``<event>`` elements (a TAK stream, or a document wrapping them)."""
    try:
        root = ET.fromstring(f"<cot-batch>{_cot_text(payload)}</cot-batch>")
    except ET.ParseError as exc:
        raise FeedError(msg("CoT payload is not well-formed XML ({exc})", exc=exc)) from None
    for element in root.iter():  # namespaces are dropped: TAK servers differ in whether they send one
        element.tag = element.tag.rpartition("}")[2] if isinstance(element.tag, str) else element.tag
    page = ParsedPage()
    for element in root.iter("event"):
        raw = ET.tostring(element, encoding="unicode")[:2000]
        point = element.find("point")
        uid, cot_type, when = element.get("uid"), element.get("type", ""), element.get("time")
        if not uid or not when or point is None:
            page.problems.append(("malformed_record", "a CoT event without uid, time or point", raw))
            continue
        contact = element.find("detail/contact")
        callsign = (contact.get("callsign") if contact is not None else None) or uid
        try:
            lat, lon = float(point.get("lat", "")), float(point.get("lon", ""))
        except ValueError:
            page.problems.append(("bad_coordinates", f"CoT point lat={point.get('lat')} lon={point.get('lon')}", raw))
            continue
        if cot_type.startswith(COT_FRIENDLY_GROUND):
            page.units.append({"unit_id": uid, "callsign": callsign, "at": when,
                               "stale_at": element.get("stale") or when, "lat": lat, "lon": lon})
            continue
        event_type = next((t for prefix, t in COT_EVENT_TYPES if cot_type.startswith(prefix)), "other")
        row = {"event_id": f"{uid}@{when}", "occurred_at": when, "type": event_type, "cot_type": cot_type,
               "callsign": callsign}
        page.add_row(row, {"type": "Point", "coordinates": [lon, lat]})
    return page


PARSERS: Final = {"geojson": parse_geojson, "sensorthings": parse_sensorthings, "cot": parse_cot}
