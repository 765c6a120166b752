"""The map page: hexagons of the chosen window over our own offline basemap, KPIs and drill-down."""

from __future__ import annotations

from datetime import datetime, timezone

import streamlit as st

from dashboard import cache
from dashboard.components.filters import filter_controls
from dashboard.components.hex_detail import hex_detail
from dashboard.components.kpis import kpi_tiles
from dashboard.components.legend import map_legend
from geo.errors import LimesError
from geo.hexgrid import cell_at_resolution, hex_to_cell
from layers.colours import class_breaks, legend
from layers.deck import build_deck
from layers.hexagons import HEX_LAYER_ID, hexagon_layer

MAP_KEY = "map"
TOOLTIP = {
    "html": "<b>{value}</b> events",
    "style": {"backgroundColor": "#111a2b", "color": "#e6ebf2", "fontSize": "13px"},
}


def _selected_cell(res: int) -> int | None:
    """The clicked hexagon as a cell at ``res`` (a selection survives a change of resolution)."""
    state = st.session_state.get(MAP_KEY)
    objects = (state or {}).get("selection", {}).get("objects", {}).get(HEX_LAYER_ID, [])
    if not objects:
        return None
    return cell_at_resolution(hex_to_cell(objects[0].get("hex")), res)


def render() -> None:
    """Draw the page."""
    index = cache.event_index()
    now = datetime.now(timezone.utc)
    span = index.time_range()
    if span is None:
        st.info("The store holds no events yet: import a file on the Data page.")
        st.stop()
    try:
        filters = filter_controls(now=now, data_start=span[0])
    except LimesError as exc:
        st.error(str(exc))
        st.stop()

    cells = index.aggregate(filters)
    window_text = f"{filters.window.start:%d %b %H:%M} – {filters.window.end:%d %b %H:%M} UTC"
    st.markdown(f"### Greece–North Macedonia · Bulgaria–North Macedonia border  \n{window_text}")
    kpi_tiles(index, filters, hot_cells=len(cells), data_start=span[0])
    if not filters.types:
        st.warning("No event types selected: choose at least one in the sidebar.")

    breaks = class_breaks(cells["events"])
    under, over = cache.basemap_layers()
    deck = build_deck([*under, hexagon_layer(cells["cell"], cells["events"], breaks=breaks), *over], tooltip=TOOLTIP)
    map_col, side_col = st.columns([3, 1.15])
    with map_col:
        st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key=MAP_KEY, height=640)
        st.caption(
            f"{len(index):,} events stored, {span[0]:%d %b %Y} – {span[1]:%d %b %Y %H:%M} UTC · "
            "Borders, water and towns: Natural Earth · Relief: SRTM (NASA/USGS)"
        )
    with side_col:
        map_legend(legend(breaks, unit="events"), title=f"Events per hexagon (res {filters.res})")
        st.divider()
        try:
            cell = _selected_cell(filters.res)
            if cell is None:
                st.caption("Click a hexagon to see its events.")
            else:
                hex_detail(index, cell, filters, towns=cache.basemap().towns)
        except LimesError as exc:
            st.error(str(exc))


render()
