"""What a click on a hexagon shows: counts by type, a small time series and the latest events."""

from __future__ import annotations

import h3
import pandas as pd
import streamlit as st

from geo.aggregate import EventIndex, Filters
from geo.geodata import nearest_town
from geo.hexgrid import hex_to_cell
from geo.models import EVENT_TYPE_LABELS

LATEST_ROWS = 10
DETAIL_COLUMNS = ["occurred_at", "type", "persons", "impact", "status", "event_id"]
"""What the drill-down shows of an event: no free text, no attributes beyond these."""


def _series(events: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Event counts per hour (windows up to 2 days) or per day, zeros included."""
    freq = "h" if filters.window.duration.total_seconds() <= 2 * 86400 else "D"
    counts = events.set_index("occurred_at").resample(freq).size()
    full = pd.date_range(
        pd.Timestamp(filters.window.start).floor(freq), pd.Timestamp(filters.window.end).floor(freq), freq=freq, tz="UTC"
    )
    return counts.reindex(full, fill_value=0).rename("events").rename_axis("time").to_frame()


def hex_detail(index: EventIndex, hex_id: str, filters: Filters, *, towns: pd.DataFrame) -> None:
    """The drill-down panel for the hexagon ``hex_id`` (H3 hex string) under ``filters``."""
    events = index.cell_events(hex_to_cell(hex_id), filters)
    place = nearest_town(*h3.cell_to_latlng(hex_id), towns)
    st.markdown(f"**Hexagon** `{hex_id}` · res {filters.res}  \n{place.distance_km:.1f} km from {place.name}")
    if events.empty:
        st.info("No events in this hexagon for the current filters.")
        return
    st.markdown(f"**{len(events):,} events**, {int(events['persons'].sum()):,} persons")
    by_type = events["type"].map(EVENT_TYPE_LABELS).value_counts().rename_axis("type").rename("events").reset_index()
    st.bar_chart(by_type, x="type", y="events", horizontal=True, sort="-events", height=40 + 24 * len(by_type),
                 x_label="", y_label="", color="#ffc400")
    st.line_chart(_series(events, filters), height=150, y_label="events")
    latest = events.head(LATEST_ROWS)[DETAIL_COLUMNS].assign(type=lambda f: f["type"].map(EVENT_TYPE_LABELS))
    st.dataframe(
        latest, hide_index=True, width="stretch",
        column_config={"occurred_at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm")},
    )
