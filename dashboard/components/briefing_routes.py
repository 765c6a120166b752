"""The planners' routes on the Briefing page: the map and table that the pack's routes page prints.

Routes come from the Coverage planner's cached search (stored sensors, the patrol window, default
weights); the events near each crossing are counted for the briefing's period and blanked below k
(:func:`geo.briefing.planner_routes`), so what the room sees here is what the PDF carries.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard import cache, state
from dashboard.i18n import _, tr
from dashboard.plain import plain
from geo.briefing import (
    NEAR_KM,
    PlannerRoutes,
    planner_routes,
    render_routes_png,
    route_rows,
    table_columns,
)
from geo.coverage import CostParams, CoverageParams, RouteParams
from geo.grid import EventIndex
from geo.timewindow import TimeWindow


def briefing_routes(index: EventIndex, window: TimeWindow, *, k: int, params: CoverageParams,
                    now: datetime) -> PlannerRoutes:
    """The default-weight routes for the stored sensors and patrols, with suppressed event counts for ``window``."""
    route = RouteParams()
    minute = now.replace(second=0, microsecond=0)
    routes = cache.crossing_routes(params, cache.stored_sensors(), minute, route, CostParams())
    return planner_routes(routes, index, window, k=k, band_share=route.band_share)


def routes_section(planner: PlannerRoutes) -> None:
    """Heading, map (the PDF's drawing) and table of the planners' routes."""
    t = tr()
    st.markdown(_("**Planners · where a group would cross unseen** (also the last page of the PDF)"))
    map_col, table_col = st.columns([1.1, 1])
    with map_col:
        st.image(render_routes_png(planner, cache.basemap(), tr=t), width="stretch")
    with table_col:
        rows = route_rows(planner, towns=cache.basemap().towns, tr=t)
        table = pd.DataFrame(rows, columns=table_columns(t))
        st.dataframe(table, hide_index=True, width="stretch", key=state.BRIEFING_ROUTE_TABLE)
        st.caption(plain(_("Cheapest first, on foot over the terrain past the stored sensors and patrols (default "
                           "weights). events: events of the period within {km} km of the crossing; <{k} means 1 to "
                           "{last}.").format(km=t.number(NEAR_KM), k=planner.k, last=planner.k - 1)))
