"""The live view of the map page: KPIs, the map and the side panels, redrawn by one fragment every second.

Each run reads only the rows that reached the store since the last (the mirror's watermark),
outlines hexagons with events of the last minutes, and shows patrol units, greyed once their
fix is stale.
"""


from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Final

import pandas as pd
import pydeck as pdk
import streamlit as st

from dashboard import cache, state
from dashboard.auth import viewer
from dashboard.components.analysis_view import (
    DataLayer,
    analysis_detail,
    data_layer,
    emerging_summary,
    emerging_table,
    layer_res,
)
from dashboard.components.filters import COUNT, EMERGING, ViewChoice, zoom_hint
from dashboard.components.hex_detail import hex_detail
from dashboard.components.kpis import kpi_tiles
from dashboard.components.legend import map_legend
from dashboard.components.live_panels import (
    alert_banner,
    event_ticker,
    feed_status,
    unusual_now,
)
from dashboard.components.playback import playback_filters
from dashboard.components.report_layers import community_caption, community_layers
from dashboard.plain import plain
from geo.errors import LimesError, describe
from geo.grid import EventIndex, Filters, cell_at_resolution, hex_to_cell
from geo.store import feed_health
from geo.timewindow import TimeWindow, describe_window
from geo.trust import may
from layers.deck import build_deck
from layers.hexagons import HEX_LAYER_ID
from layers.live import live_symbols, recent_hexagon_layer, unit_layers

REFRESH_S: Final[float] = 1.0
RECENT: Final[timedelta] = timedelta(minutes=15)
"""Hexagons with events this fresh get a bright outline."""
UNITS_SHOWN_FOR: Final[timedelta] = timedelta(hours=24)


def _selected_cell(res: int) -> int | None:
    """The clicked hexagon as a cell at ``res`` (a selection survives a change of resolution)."""
    selection = st.session_state.get(state.MAP)
    objects = (selection or {}).get("selection", {}).get("objects", {}).get(HEX_LAYER_ID, [])
    if not objects:
        return None
    return cell_at_resolution(hex_to_cell(objects[0].get("hex")), res)


def _map_layers(index: EventIndex, choice: ViewChoice, filters: Filters, cells: pd.DataFrame, now: datetime, *,
                with_units: bool) -> tuple[list[pdk.Layer], DataLayer]:
    """The layers bottom to top, and the data layer with its legend, title and tooltip."""
    data = data_layer(index, filters, cells, choice.analysis, now=now)
    under, over = cache.basemap_layers()
    pending, accepted = community_layers(index, filters, choice.reports)
    outlines = []
    if choice.recent_outlines:
        # At the resolution drawn (an emerging analysis has its own), so that an outline frames a result cell.
        recent_window = TimeWindow(min(now - RECENT, filters.window.end - timedelta(seconds=1)), filters.window.end)
        recent = index.aggregate(Filters(recent_window, filters.types, layer_res(filters, choice.analysis)))
        outlines = [recent_hexagon_layer(recent["cell"], recent["events"])]
    layers = [*under, *pending, data.layer, *outlines, *accepted, *over]
    if with_units:
        units = cache.latest_units()
        # One dot per callsign: the newest fix, whichever feed (or the scenario) reported it.
        units = units[units["at"] >= now - UNITS_SHOWN_FOR].sort_values("at").groupby("callsign").tail(1)
        layers += unit_layers(units, now=now, avoid=cache.town_label_boxes())
    return layers, data


@st.fragment(run_every=REFRESH_S)
def live_view(choice: ViewChoice, data_start: datetime) -> None:
    """Everything that refreshes by itself."""
    now = datetime.now(timezone.utc)
    roles = viewer().roles  # once a run: with login configured, resolving the viewer reads secrets and claims
    sees_events = may(roles, "event_details")
    index = cache.event_index()
    towns = cache.basemap().towns
    filters = choice.filters(now)
    if sees_events:
        alert_banner(index, now=now, towns=towns)
    window_text = describe_window(filters.window, now=now)
    st.markdown(f"### Greece–North Macedonia · Bulgaria–North Macedonia border  \n{window_text}")
    frame = playback_filters(filters)
    if frame is not None:  # a replayed frame: its events only; "last 15 min" outlines belong to the present
        filters, choice = frame, replace(choice, recent_outlines=False)
    cells = cache.cells(index, filters)
    layers, data = _map_layers(index, choice, filters, cells, now, with_units=may(roles, "unit_positions"))
    kpi_tiles(index, filters, hot_cells=len(cells), data_start=data_start)
    if not filters.types:
        st.warning("No event types selected: choose at least one in the sidebar.")
    feed_status(feed_health(cache.current_store()), now=now)
    map_col, side_col = st.columns([3, 1.15])
    with map_col:
        st.pydeck_chart(build_deck(layers, tooltip=data.tooltip),
                        on_select="rerun", selection_mode="single-object",
                        key=state.MAP, height=640)
        span = index.time_range()
        st.caption(f"{len(index):,} events stored, up to {span[1]:%d %b %Y %H:%M:%S} UTC · "
                   f"{community_caption(choice.reports)} · Borders, water, towns: Natural Earth · Relief: SRTM"
                   + zoom_hint(layer_res(filters, choice.analysis)).replace(":", " ·", 1))
        if choice.analysis.mode == EMERGING:
            emerging_table(index, filters, choice.analysis, now=now, towns=towns)
    with side_col:
        map_legend(data.legend, title=data.title,
                   symbols=live_symbols(outlines=choice.recent_outlines, recent_min=int(RECENT.total_seconds() // 60),
                                        units=may(roles, "unit_positions"), reports=choice.reports.pending))
        st.divider()
        try:
            cell = _selected_cell(layer_res(filters, choice.analysis))
            if cell is None:
                unusual_now(index, filters, choice.alert_rule, window=choice.alert_window, now=now, towns=towns)
                if choice.analysis.mode == EMERGING:
                    emerging_summary(index, filters, choice.analysis, now=now, towns=towns)
                if sees_events:
                    event_ticker(index, now=now, towns=towns)
                st.caption("Click a hexagon to see its events.")
            else:
                if choice.analysis.mode != COUNT:
                    analysis_detail(index, cell, filters, data, choice.analysis, now=now)
                hex_detail(index, cell, replace(filters, res=layer_res(filters, choice.analysis)), towns=towns,
                           with_events=sees_events)
        except LimesError as exc:
            st.error(plain(describe(exc)))


