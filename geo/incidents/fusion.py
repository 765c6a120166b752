"""The fusion rule: a signal within a distance and a time of an open incident attaches to it instead of opening one.

Each signal is matched on its own against the open incidents' anchors (position and time of the signal that
opened them, which never move), so the result does not depend on the order in which signals arrive: the
nearest incident within ``distance_m`` (great circle) whose anchor is within ``window`` of the signal's time
wins, ties to the older incident (smaller id). Default: 2 km and 30 minutes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from geo.errors import IncidentError, msg
from geo.incidents.model import Signal

EARTH_RADIUS_M: Final[float] = 6_371_008.8
DEFAULT_DISTANCE_M: Final[float] = 2_000.0
DEFAULT_WINDOW: Final[timedelta] = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class FusionRule:
    """Attach a signal to an open incident within ``distance_m`` metres and ``window`` of its anchor."""

    distance_m: float = DEFAULT_DISTANCE_M
    window: timedelta = DEFAULT_WINDOW

    def __post_init__(self) -> None:
        if not (self.distance_m >= 0 and math.isfinite(self.distance_m)):
            raise IncidentError(msg("fusion distance_m must be a finite number >= 0; got {distance_m!r}",
                                    distance_m=self.distance_m))
        if self.window < timedelta(0):
            raise IncidentError(msg("fusion window must be >= 0; got {window!r}", window=self.window))

    def describe(self) -> str:
        """The rule as the page shows it: "within 2 km and 30 min of an open incident"."""
        km = self.distance_m / 1000
        return f"within {km:g} km and {self.window.total_seconds() / 60:g} min of an open incident"


@dataclass(frozen=True, slots=True)
class Anchor:
    """An open incident as fusion sees it: id, position (degrees) and the time of the signal that opened it."""

    incident_id: int
    lat: float
    lon: float
    at: datetime


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres between two points in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def match(signal: Signal, anchors: Sequence[Anchor], rule: FusionRule) -> int | None:
    """The incident ``signal`` attaches to under ``rule``, or ``None`` (it opens a new one)."""
    best: tuple[float, int] | None = None
    for anchor in anchors:
        if abs(signal.at - anchor.at) > rule.window:
            continue
        d = distance_m(signal.lat, signal.lon, anchor.lat, anchor.lon)
        if d <= rule.distance_m and (best is None or (d, anchor.incident_id) < best):
            best = (d, anchor.incident_id)
    return None if best is None else best[1]


def attach_all(signals: Iterable[Signal], anchors: Sequence[Anchor], rule: FusionRule) -> dict[tuple[str, str], int]:
    """Each signal (by ``(kind, ref)``) that attaches to an incident, with that incident: one at most each."""
    found: dict[tuple[str, str], int] = {}
    for signal in signals:
        incident = match(signal, anchors, rule)
        if incident is not None:
            found[(signal.kind, signal.ref)] = incident
    return found

