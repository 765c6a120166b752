"""KPI tiles: events and persons in the window, with the change against the previous window."""

from __future__ import annotations

import streamlit as st

from geo.aggregate import EventIndex, Filters


def _delta(current: int, previous: int) -> str:
    change = current - previous
    if previous == 0:
        return f"{change:+,} (new)" if change else "±0"
    return f"{change:+,} ({change / previous:+.0%})"


def kpi_tiles(index: EventIndex, filters: Filters, *, hot_cells: int) -> None:
    """Events, persons, high-impact events and active hexagons, with deltas against the previous window."""
    now_totals = index.totals(filters.window, filters.types)
    before = index.totals(filters.window.previous(), filters.types)
    cols = st.columns(4)
    cols[0].metric("Events", f"{now_totals.events:,}", _delta(now_totals.events, before.events), delta_color="inverse",
                   border=True, help="Change against the previous window of the same length.")
    cols[1].metric("Persons", f"{now_totals.persons:,}", _delta(now_totals.persons, before.persons), delta_color="inverse",
                   border=True, help="Persons involved (apprehended, detected, refused, rescued).")
    cols[2].metric("High / very high impact", f"{now_totals.high_impact:,}",
                   _delta(now_totals.high_impact, before.high_impact), delta_color="inverse",
                   border=True)
    cols[3].metric("Hexagons with events", f"{hot_cells:,}", border=True,
                   help=f"H3 cells at resolution {filters.res} with at least one event in the window.")
