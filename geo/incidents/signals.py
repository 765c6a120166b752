"""The signals an operator can turn into an incident with one click, from the views that show them.

- ``high_impact``: events of high or very high impact in the last ``recent`` (the map's red banner);
- ``sensor_alarm``: sensor alarms in the last ``recent``;
- ``unusual_cell``: the "unusual now" cells (:func:`geo.analysis.unusual_cells`), one signal per cell and hour;
- ``community_report``: reports a moderator accepted (their events, source ``community``);
- ``emerging_area``: areas of touching new, consecutive or intensifying hot spot cells
  (:func:`geo.analysis.emerging_areas`).

Labels name the kind and the nearest town only: no free text, no reporter, nothing personal. They are written in
the language of a :class:`geo.i18n.Translator` (English by default): a label becomes the title of the incident made
from it, in the language of the room that made it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

import pandas as pd

from geo.analysis import categories_text
from geo.grid import EventIndex, cell_latlng, cells_to_hex
from geo.i18n import Translator, translator
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


def event_signal(row: pd.Series, *, kind: str, towns: pd.DataFrame, tr: Translator | None = None) -> Signal:
    """The signal of one event row of the index (``lat``, ``lon``, ``occurred_at``, ``type``, ``persons``), its label
    in ``tr``'s language (default English)."""
    tr = tr or translator()
    place = describe_place(lat=float(row["lat"]), lon=float(row["lon"]), towns=towns, tr=tr)
    persons = int(row["persons"])
    label = tr.ngettext("{type}, {n} person, {place}", "{type}, {n} persons, {place}", persons).format(
        type=tr.gettext(EVENT_TYPE_LABELS.get(row["type"], row["type"])), n=tr.number(persons), place=place)
    return Signal(kind=kind, ref=_event_ref(row), lat=float(row["lat"]), lon=float(row["lon"]),
                  at=pd.Timestamp(row["occurred_at"]).to_pydatetime(), label=label)


def candidate_signals(index: EventIndex, *, now: datetime, towns: pd.DataFrame, unusual: pd.DataFrame,
                      areas: pd.DataFrame, recent: timedelta = RECENT, tr: Translator | None = None) -> list[Signal]:
    """Every signal the views show now, newest first within each kind (see the module docstring).

    ``unusual`` is :func:`geo.analysis.unusual_cells`'s frame (indexed by cell), ``areas``
    :func:`geo.analysis.emerging_areas`' (``lat``, ``lon``, ``cells``, ``categories``); either may be empty.
    Labels are in ``tr``'s language (default English), an area's categories too.
    """
    tr = tr or translator()
    signals: list[Signal] = []
    events = index.recent(now - recent, now)
    for _, row in events.iloc[::-1].iterrows():
        if row["impact"] in HIGH_IMPACT:
            signals.append(event_signal(row, kind="high_impact", towns=towns, tr=tr))
        elif row["type"] == "sensor_alarm":
            signals.append(event_signal(row, kind="sensor_alarm", towns=towns, tr=tr))
    reports = index.recent(now - REPORT_RECENT, now)
    if "source" in reports:
        reports = reports[(reports["source"] == COMMUNITY_SOURCE) & (reports["type"] == "citizen_report")]
        for _, row in reports.iloc[::-1].iterrows():
            signals.append(event_signal(row, kind="community_report", towns=towns, tr=tr))
    hour = f"{now:%Y-%m-%dT%H}"
    for cell, row in unusual.iterrows():
        lat, lon = cell_latlng(int(cell))
        place = describe_place(lat=lat, lon=lon, towns=towns, tr=tr)
        signals.append(Signal(kind="unusual_cell", ref=f"{cells_to_hex([int(cell)])[0]}@{hour}", lat=lat, lon=lon,
                              at=now, label=tr.ngettext("{observed} event vs {expected} usual, {place}",
                                                    "{observed} events vs {expected} usual, {place}",
                                                    int(row["observed"])).format(
                                  observed=tr.number(int(row["observed"])), place=place,
                                  expected=tr.number(float(row["expected"]), decimals=1))))
    for _, area in areas[areas["cells"] >= 2].iterrows() if len(areas) else ():
        lat, lon = float(area["lat"]), float(area["lon"])
        place = describe_place(lat=lat, lon=lon, towns=towns, tr=tr)
        signals.append(Signal(kind="emerging_area", ref=f"{lat:.3f},{lon:.3f}@{now:%Y-%m-%d}", lat=lat, lon=lon,
                              at=now, label=tr.gettext("{place}: {categories}").format(
                                  place=place, categories=categories_text(area["categories"], tr))))
    return signals
