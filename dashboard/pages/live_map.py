"""The live map: hexagons of the chosen window over our offline basemap, refreshing by itself.

One ``st.fragment(run_every=...)`` redraws the KPIs, the map and the live panels: each run reads
only the rows that reached the store since the last (the mirror's watermark), outlines hexagons
with events of the last minutes, and shows patrol units, greyed once their fix is stale.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Final

import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st

from dashboard import cache
from dashboard.components.filters import ViewChoice, filter_controls
from dashboard.components.hex_detail import hex_detail
from dashboard.components.kpis import kpi_tiles
from dashboard.components.legend import map_legend
from dashboard.components.live_panels import alert_banner, event_ticker, feed_status, unusual_now
from geo.aggregate import EventIndex, Filters
from geo.errors import LimesError
from geo.hexgrid import cell_at_resolution, hex_to_cell
from geo.hotspots import hot_spot_classes, study_area
from geo.timewindow import TimeWindow
from layers.colours import LegendEntry, class_breaks, hotspot_colour_expression, hotspot_legend, legend
from layers.deck import build_deck
from layers.hexagons import HEX_LAYER_ID, hexagon_layer
from layers.live import recent_hexagon_layer, unit_layers

MAP_KEY: Final[str] = "map"
REFRESH_S: Final[float] = 1.0
RECENT: Final[timedelta] = timedelta(minutes=15)
"""Hexagons with events this fresh get a bright outline."""
UNITS_SHOWN_FOR: Final[timedelta] = timedelta(hours=24)
TOOLTIP_STYLE: Final[dict[str, str]] = {"backgroundColor": "#111a2b", "color": "#e6ebf2", "fontSize": "13px"}
TOOLTIP: Final[dict[str, object]] = {"html": "<b>{value}</b> events", "style": TOOLTIP_STYLE}
HOT_SPOT_TOOLTIP: Final[dict[str, object]] = {"html": "Gi* class <b>{value}</b> (±3: 99 %, ±2: 95 %, ±1: 90 %)",
                                              "style": TOOLTIP_STYLE}


def _selected_cell(res: int) -> int | None:
    """The clicked hexagon as a cell at ``res`` (a selection survives a change of resolution)."""
    state = st.session_state.get(MAP_KEY)
    objects = (state or {}).get("selection", {}).get("objects", {}).get(HEX_LAYER_ID, [])
    if not objects:
        return None
    return cell_at_resolution(hex_to_cell(objects[0].get("hex")), res)


def _data_layer(index: EventIndex, filters: Filters, cells: pd.DataFrame, *, hot_spots: bool
                ) -> tuple[pdk.Layer, list[LegendEntry], str]:
    """The hexagon layer, its legend and title: event counts, or Gi* hot and cold spots."""
    if not hot_spots:
        breaks = class_breaks(cells["events"])
        return (hexagon_layer(cells["cell"], cells["events"], breaks=breaks), legend(breaks, unit="events"),
                f"Events per hexagon (res {filters.res})")
    area = study_area(index.cells_at(filters.res))
    classes = hot_spot_classes(cells.set_index("cell")["events"], area) if len(area) >= 3 else pd.Series(dtype=int)
    significant = classes[classes != 0]
    layer = hexagon_layer(pd.Series(significant.index.to_numpy(dtype=np.uint64)), significant,
                          fill_expression=hotspot_colour_expression())
    return layer, hotspot_legend(), f"Gi* hot/cold spots, FDR (res {filters.res}, {len(area):,} cells)"


def _map_layers(index: EventIndex, choice: ViewChoice, filters: Filters, now: datetime
                ) -> tuple[list[pdk.Layer], list[LegendEntry], str, int]:
    """The layers bottom to top, the data layer's legend and title, and how many hexagons have events."""
    cells = index.aggregate(filters)
    recent_window = TimeWindow(min(now - RECENT, filters.window.end - timedelta(seconds=1)), filters.window.end)
    recent = index.aggregate(Filters(recent_window, filters.types, filters.res))
    data_layer, entries, title = _data_layer(index, filters, cells, hot_spots=choice.hot_spots)
    units = cache.current_store().latest_units()
    # One dot per callsign: the newest fix, whichever feed (or the scenario) reported it.
    units = units[units["at"] >= now - UNITS_SHOWN_FOR].sort_values("at").groupby("callsign").tail(1)
    under, over = cache.basemap_layers()
    layers = [*under, data_layer, recent_hexagon_layer(recent["cell"], recent["events"]), *over,
              *unit_layers(units, now=now)]
    return layers, entries, title, len(cells)


@st.fragment(run_every=REFRESH_S)
def live_view(choice: ViewChoice, data_start: datetime) -> None:
    """Everything that refreshes by itself."""
    now = datetime.now(timezone.utc)
    index = cache.event_index()
    towns = cache.basemap().towns
    filters = choice.filters(now)
    alert_banner(index, now=now, towns=towns)
    window_text = f"{filters.window.start:%d %b %H:%M} – {filters.window.end:%d %b %H:%M} UTC"
    st.markdown(f"### Greece–North Macedonia · Bulgaria–North Macedonia border  \n{window_text}")
    layers, entries, title, n_cells = _map_layers(index, choice, filters, now)
    kpi_tiles(index, filters, hot_cells=n_cells, data_start=data_start)
    if not filters.types:
        st.warning("No event types selected: choose at least one in the sidebar.")
    feed_status(cache.current_store().feed_health(), now=now)
    map_col, side_col = st.columns([3, 1.15])
    with map_col:
        st.pydeck_chart(build_deck(layers, tooltip=HOT_SPOT_TOOLTIP if choice.hot_spots else TOOLTIP),
                        on_select="rerun", selection_mode="single-object",
                        key=MAP_KEY, height=640)
        span = index.time_range()
        st.caption(f"{len(index):,} events stored, up to {span[1]:%d %b %Y %H:%M:%S} UTC · white outline: events in "
                   f"the last {RECENT.seconds // 60} min · Borders, water, towns: Natural Earth · Relief: SRTM")
    with side_col:
        map_legend(entries, title=title)
        st.divider()
        try:
            cell = _selected_cell(filters.res)
            if cell is None:
                unusual_now(index, filters, now=now, towns=towns)
                event_ticker(index, now=now, towns=towns)
                st.caption("Click a hexagon to see its events.")
            else:
                hex_detail(index, cell, filters, towns=towns)
        except LimesError as exc:
            st.error(str(exc))


def render() -> None:
    """Draw the page: sidebar filters, then the live view."""
    index = cache.event_index()
    span = index.time_range()
    if span is None:
        st.info("The store holds no events yet: import a file on the Data page, or start `limes demo`.")
        st.stop()
    try:
        choice = filter_controls(now=datetime.now(timezone.utc), data_start=span[0])
        live_view(choice, span[0])
    except LimesError as exc:
        st.error(str(exc))


render()
