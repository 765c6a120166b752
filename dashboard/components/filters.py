"""The map's controls: time window, event types and H3 resolution, turned into a :class:`geo.aggregate.Filters`."""

from __future__ import annotations

from datetime import datetime, timedelta

import streamlit as st

from geo.aggregate import Filters
from geo.hexgrid import VIEW_RES_RANGE, edge_length_km, resolution_for_zoom
from geo.models import EVENT_TYPE_LABELS, EVENT_TYPES
from geo.timewindow import PRESETS, TimeWindow, day_range_window, preset_window
from layers.deck import INITIAL_VIEW

CUSTOM = "Custom"


def filter_controls(*, now: datetime, data_start: datetime) -> Filters:
    """Draw the controls in the sidebar and return what they select."""
    with st.sidebar:
        st.subheader("Filters")
        choice = st.radio("Time window", [*PRESETS, CUSTOM], index=1, key="window", horizontal=False)
        if choice == CUSTOM:
            default = (max(data_start, now - timedelta(days=14)).date(), now.date())
            picked = st.date_input("Days (UTC)", value=default, min_value=data_start.date(), max_value=now.date(),
                                   key="custom_days")
            first, last = (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else (default[0], default[1])
            window = day_range_window(datetime.combine(first, datetime.min.time()), datetime.combine(last, datetime.min.time()))
        else:
            window = preset_window(choice, now=now)
        types = st.multiselect(
            "Event types", EVENT_TYPES, default=list(EVENT_TYPES), format_func=EVENT_TYPE_LABELS.__getitem__, key="types",
        )
        default_res = resolution_for_zoom(INITIAL_VIEW["zoom"])
        res = st.slider(
            "H3 resolution", *VIEW_RES_RANGE, value=default_res, key="res",
            help=f"Default {default_res} suits the opening zoom of the map. Higher is finer.",
        )
        st.caption(f"Hexagons ≈ {2 * edge_length_km(res):.2g} km across")
    return Filters(window=_clip(window, now), types=tuple(types), res=res)


def _clip(window: TimeWindow, now: datetime) -> TimeWindow:
    """A custom window that runs past now ends at now, so its 'previous window' compares like with like."""
    return TimeWindow(window.start, min(window.end, now)) if window.start < now else window
