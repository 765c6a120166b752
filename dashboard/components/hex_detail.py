"""What a click on a hexagon shows: counts by type, a small time series and the latest events."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.components.daily_bars import daily_bars
from dashboard.components.tables import small, when_column
from geo.grid import DAILY_FROM, EventIndex, Filters, cell_latlng, event_series
from geo.models import EVENT_TYPE_LABELS
from geo.spatial import describe_place

LATEST_ROWS = 10
DETAIL_COLUMNS = ["occurred_at", "type", "persons", "impact"]
"""What the drill-down shows of an event, in the map's narrow side column without scrolling: no free text, no
attributes beyond these (status and id are on the Data page)."""


def hex_detail(index: EventIndex, cell: int, filters: Filters, *, towns: pd.DataFrame, with_events: bool) -> None:
    """The drill-down panel for one H3 ``cell`` at ``filters.res``; single events only ``with_events``."""
    events = index.cell_events(cell, filters)
    lat, lon = cell_latlng(cell)
    st.markdown(f"**Hexagon** `{cell:x}` · res {filters.res}  \n{describe_place(lat=lat, lon=lon, towns=towns)}")
    if events.empty:
        st.info("No events in this hexagon for the current filters.")
        return
    st.markdown(f"**{len(events):,} events**, {int(events['persons'].sum()):,} persons")
    by_type = events["type"].map(EVENT_TYPE_LABELS).value_counts().rename_axis("type").rename("events").reset_index()
    st.bar_chart(by_type, x="type", y="events", horizontal=True, sort="-events", height=40 + 24 * len(by_type),
                 x_label="", y_label="", color="#ffc400")
    series = event_series(events["occurred_at"], filters.window)["events"]
    if filters.window.duration > DAILY_FROM:  # per day: part-days at the ends marked, one label a bar
        daily_bars(series, filters.window, height=170, narrow=True)
    else:
        st.line_chart(series, height=150, y_label="events")
    if not with_events:
        st.caption("Single events are shown to operators only.")
        return
    latest = events.head(LATEST_ROWS)[DETAIL_COLUMNS].assign(
        type=lambda f: f["type"].map(EVENT_TYPE_LABELS))
    st.dataframe(
        latest, hide_index=True, width="stretch",
        # Sized to the map's side column (~300 px): no column runs off to the right.
        column_config={"occurred_at": when_column("When (UTC)", short=True, width_px=88),
                       "type": small("type", width_px=100), "persons": small("persons", width_px=56),
                       "impact": small("impact", width_px=56)},
    )
