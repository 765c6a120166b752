"""The live map: hexagons of the chosen window over our offline basemap, refreshing by itself (see
:mod:`dashboard.components.live_view`)."""

from __future__ import annotations

from datetime import datetime, timezone

import streamlit as st

from dashboard import cache, state
from dashboard.auth import require_page
from dashboard.components.filters import filter_controls
from dashboard.components.incident_strip import incident_strip
from dashboard.components.live_view import live_view
from dashboard.components.zoom import region_map
from dashboard.i18n import _, tr
from dashboard.plain import plain
from geo.errors import LimesError, describe


def render() -> None:
    """Draw the page: sidebar filters, then the live view."""
    require_page("map")
    if st.session_state.get(state.PAGE_CHANGED, True):  # the map mounts afresh: draw the region first
        st.session_state[state.MAP_FIRST_FRAME] = True
    index = cache.event_index()
    span = cache.data_span(index)
    if span is None:
        st.info(_("The store holds no events yet: import a file on the Data page, or start `limes demo`."))
        region_map()
        st.stop()
    try:
        choice = filter_controls(now=datetime.now(timezone.utc), data_start=span[0], data_end=span[1])
        incident_strip()
        live_view(choice, span[0])
    except LimesError as exc:
        st.error(plain(describe(exc, tr())))


render()
