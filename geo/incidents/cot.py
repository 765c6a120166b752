"""Cursor-on-Target taskings: a point marker at the incident, addressed to a unit's callsign, sent over TCP.

The message is one CoT 2.0 ``<event>`` of type ``b-m-p-s-m`` (a spot map marker) at the incident's position
(degrees WGS 84; height, circular and linear error unknown: ``9999999.0`` as CoT spells it), with
``<detail>``: ``<contact callsign="INC-12"/>``, ``<remarks>`` (incident, kind, priority, the operator's
remarks), ``<marti><dest callsign="…"/></marti>`` (TAK servers route a message to the callsigns named there)
and ``<link>`` to the unit. Text is escaped by the XML writer, never pasted into markup.

Sending opens a TCP connection to a TAK server or straight to the unit's endpoint (``host:port``), writes
the message and closes; a refused or failed connection is tried again after a short backoff, up to
``attempts`` times. TCP gives no application acknowledgement: "delivered" means the receiving side
accepted every byte and the connection closed cleanly.
"""

from __future__ import annotations

import re
import socket
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Final

from geo.errors import IncidentError, msg

TASKING_TYPE: Final[str] = "b-m-p-s-m"
"""CoT type of a spot map marker: what TAK clients draw as a point with remarks."""
UNKNOWN_ERROR: Final[str] = "9999999.0"
STALE_AFTER: Final[timedelta] = timedelta(hours=1)
CONNECT_TIMEOUT_S: Final[float] = 2.0
DEFAULT_ATTEMPTS: Final[int] = 3
BACKOFF_S: Final[float] = 0.25
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot carry (control characters, lone surrogates): dropped from outside text."""


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold; the writer escapes the rest."""
    return _NOT_XML.sub("", text)


def cot_time(at: datetime) -> str:
    """``at`` (timezone-aware) as CoT writes times: ISO 8601 UTC with milliseconds and ``Z``."""
    utc = at.astimezone(timezone.utc)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


@dataclass(frozen=True, slots=True)
class Tasking:
    """What a unit is sent: the incident (id, position in degrees, kind label, priority), the unit's callsign,
    the operator's remarks, and the message's uid and time."""

    incident_id: int
    lat: float
    lon: float
    kind_label: str
    priority: str
    callsign: str
    remarks: str
    uid: str
    at: datetime


def tasking_xml(task: Tasking) -> bytes:
    """The CoT ``<event>`` of ``task`` as UTF-8 bytes, with an XML declaration."""
    if task.at.tzinfo is None:
        raise IncidentError(msg("tasking time must be timezone-aware UTC; got {at!r}", at=task.at))
    when = cot_time(task.at)
    event = ET.Element("event", {
        "version": "2.0", "uid": task.uid, "type": TASKING_TYPE, "how": "h-g-i-g-o", "time": when, "start": when,
        "stale": cot_time(task.at + STALE_AFTER)})
    ET.SubElement(event, "point", {"lat": f"{task.lat:.7f}", "lon": f"{task.lon:.7f}", "hae": UNKNOWN_ERROR,
                                   "ce": UNKNOWN_ERROR, "le": UNKNOWN_ERROR})
    detail = ET.SubElement(event, "detail")
    ET.SubElement(detail, "contact", {"callsign": f"INC-{task.incident_id}"})
    remarks = f"Incident {task.incident_id} · {task.kind_label} · priority {task.priority}"
    ET.SubElement(detail, "remarks").text = xml_text(f"{remarks} · {task.remarks}" if task.remarks else remarks)
    callsign = xml_text(task.callsign)
    ET.SubElement(ET.SubElement(detail, "marti"), "dest", {"callsign": callsign})
    ET.SubElement(detail, "link", {"uid": callsign, "relation": "p-p", "type": "a-f-G"})
    return b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>" + ET.tostring(event, encoding="utf-8",
                                                                                       xml_declaration=False)


def parse_endpoint(endpoint: str) -> tuple[str, int]:
    """``host:port`` (``[v6]:port`` too) as a pair.

    Raises
    ------
    IncidentError
        Not ``host:port`` with a port 1-65535.
    """
    host, sep, port = endpoint.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise IncidentError(msg("a CoT endpoint is host:port (port 1-65535); got {endpoint!r}",
                                endpoint=endpoint))
    return host, int(port)


@dataclass(frozen=True, slots=True)
class Delivery:
    """How sending went: ``state`` (``delivered`` or ``failed``), ``attempts``, the last ``error`` and when the
    last byte left (``sent_at``, ``None`` when it never did)."""

    state: str
    attempts: int
    error: str
    sent_at: datetime | None


def send_cot(payload: bytes, endpoint: str, *, clock: Callable[[], datetime], attempts: int = DEFAULT_ATTEMPTS,
             timeout_s: float = CONNECT_TIMEOUT_S, backoff_s: float = BACKOFF_S) -> Delivery:
    """Send ``payload`` to ``endpoint`` over TCP, trying up to ``attempts`` times with doubling backoff."""
    host, port = parse_endpoint(endpoint)
    error = ""
    for attempt in range(1, attempts + 1):
        try:
            with socket.create_connection((host, port), timeout=timeout_s) as conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conn.sendall(payload)
                sent_at = clock()
                conn.shutdown(socket.SHUT_WR)  # a clean close: the receiver sees the end of the message
            return Delivery("delivered", attempt, "", sent_at)
        except OSError as exc:  # refused, unreachable, reset, timed out: try again
            error = f"{type(exc).__name__}: {exc}"
            if attempt < attempts:
                time.sleep(backoff_s * 2 ** (attempt - 1))
    return Delivery("failed", attempts, error, None)
