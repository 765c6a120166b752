"""KPI tiles: events and persons in the window, with the change against the previous window."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from dashboard import cache
from geo.grid import EventIndex, Filters


def _delta(current: int, previous: int | None) -> str | None:
    """'+12 (+5%)' against the previous window; ``None`` (no delta shown) when there is none to compare."""
    if previous is None:
        return None
    change = current - previous
    if previous == 0:
        return f"{change:+,} (new)" if change else "±0"
    return f"{change:+,} ({change / previous:+.0%})"


def kpi_tiles(index: EventIndex, filters: Filters, *, hot_cells: int, data_start: datetime) -> None:
    """Events, persons, high-impact events and active hexagons, with deltas against the previous window.

    When the previous window reaches back before ``data_start`` there is nothing fair to compare
    with, and no delta is shown.
    """
    now = cache.totals(index, filters.window, filters.types)
    comparable = filters.window.previous().start >= data_start
    before = cache.totals(index, filters.window.previous(), filters.types) if comparable else None
    tiles = (
        ("Events", now.events, None if before is None else before.events,
         "Change against the previous window of the same length (none when it precedes the data)."),
        ("Persons", now.persons, None if before is None else before.persons,
         "Persons involved (apprehended, detected, refused, rescued)."),
        ("High / very high impact", now.high_impact, None if before is None else before.high_impact, None),
    )
    cols = st.columns(4)
    for col, (label, value, previous, help_text) in zip(cols, tiles):
        col.metric(label, f"{value:,}", _delta(value, previous), delta_color="inverse", border=True, help=help_text)
    cols[3].metric("Hexagons with events", f"{hot_cells:,}", border=True,
                   help=f"H3 cells at resolution {filters.res} with at least one event in the window.")
