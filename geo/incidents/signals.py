"""The signals an operator can turn into an incident with one click, from the views that show them.

- ``high_impact``: events of high or very high impact in the last ``recent`` (the map's red banner);
- ``sensor_alarm``: sensor alarms in the last ``recent``;
- ``unusual_cell``: the "unusual now" cells (:func:`geo.analysis.unusual_cells`), one signal per cell and hour;
- ``community_report``: reports a moderator accepted (their events, source ``community``);
- ``emerging_area``: areas of touching new, consecutive or intensifying hot spot cells
  (:func:`geo.analysis.emerging_areas`).

Labels name the kind and the nearest town only: no free text, no reporter, nothing personal.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

import pandas as pd

from geo.grid import EventIndex, cell_latlng, cells_to_hex
from geo.incidents.model import Signal
from geo.models import EVENT_TYPE_LABELS, HIGH_IMPACT
from geo.spatial import describe_place

RECENT: Final[timedelta] = timedelta(minutes=30)
REPORT_RECENT: Final[timedelta] = timedelta(hours=24)
COMMUNITY_SOURCE: Final[str] = "community"


def _event_ref(row: pd.Series) -> str:
    """A stored event's reference: its store ``seq`` when the mirror has it, else ``source:event_id``."""
    if "seq" in row and pd.notna(row["seq"]):
        return f"seq:{int(row['seq'])}"
    return f"{row['source']}:{row['event_id']}"


def event_signal(row: pd.Series, *, kind: str, towns: pd.DataFrame) -> Signal:
    """The signal of one event row of the index (``lat``, ``lon``, ``occurred_at``, ``type``, ``persons``)."""
    place = describe_place(lat=float(row["lat"]), lon=float(row["lon"]), towns=towns)
    label = f"{EVENT_TYPE_LABELS.get(row['type'], row['type'])}, {int(row['persons'])} persons, {place}"
    return Signal(kind=kind, ref=_event_ref(row), lat=float(row["lat"]), lon=float(row["lon"]),
                  at=pd.Timestamp(row["occurred_at"]).to_pydatetime(), label=label)


def candidate_signals(index: EventIndex, *, now: datetime, towns: pd.DataFrame, unusual: pd.DataFrame,
                      areas: pd.DataFrame, recent: timedelta = RECENT) -> list[Signal]:
    """Every signal the views show now, newest first within each kind (see the module docstring).

    ``unusual`` is :func:`geo.analysis.unusual_cells`'s frame (indexed by cell), ``areas``
    :func:`geo.analysis.emerging_areas`' (``lat``, ``lon``, ``cells``, ``categories``); either may be empty.
    """
    signals: list[Signal] = []
    events = index.recent(now - recent, now)
    for _, row in events.iloc[::-1].iterrows():
        if row["impact"] in HIGH_IMPACT:
            signals.append(event_signal(row, kind="high_impact", towns=towns))
        elif row["type"] == "sensor_alarm":
            signals.append(event_signal(row, kind="sensor_alarm", towns=towns))
    reports = index.recent(now - REPORT_RECENT, now)
    if "source" in reports:
        reports = reports[(reports["source"] == COMMUNITY_SOURCE) & (reports["type"] == "citizen_report")]
        for _, row in reports.iloc[::-1].iterrows():
            signals.append(event_signal(row, kind="community_report", towns=towns))
    hour = f"{now:%Y-%m-%dT%H}"
    for cell, row in unusual.iterrows():
        lat, lon = cell_latlng(int(cell))
        place = describe_place(lat=lat, lon=lon, towns=towns)
        signals.append(Signal(kind="unusual_cell", ref=f"{cells_to_hex([int(cell)])[0]}@{hour}", lat=lat, lon=lon,
                              at=now, label=f"{int(row['observed'])} events vs {row['expected']:.1f} usual, {place}"))
    for _, area in areas[areas["cells"] >= 2].iterrows() if len(areas) else ():
        lat, lon = float(area["lat"]), float(area["lon"])
        place = describe_place(lat=lat, lon=lon, towns=towns)
        signals.append(Signal(kind="emerging_area", ref=f"{lat:.3f},{lon:.3f}@{now:%Y-%m-%d}", lat=lat, lon=lon,
                              at=now, label=f"{place}: {area['categories']}"))
    return signals
