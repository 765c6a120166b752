"""The map's controls: time window, event types and H3 resolution, turned into a :class:`geo.aggregate.Filters`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import streamlit as st

from geo.aggregate import Filters
from geo.hexgrid import VIEW_RES_RANGE, edge_length_km, resolution_for_zoom
from geo.models import EVENT_TYPE_LABELS, EVENT_TYPES
from geo.timewindow import PRESETS, TimeWindow, day_range_window, preset_window
from layers.deck import INITIAL_VIEW

CUSTOM = "Custom"
COUNT = "Event count"
HOT_SPOTS = "Hot spots (Gi*)"


@dataclass(frozen=True, slots=True)
class ViewChoice:
    """What the sidebar selects; the window is resolved against the clock at each (live) refresh."""

    window_name: str
    custom: TimeWindow | None
    types: tuple[str, ...]
    res: int
    hot_spots: bool = False

    def filters(self, now: datetime) -> Filters:
        """The filters at ``now``: a preset window slides with the clock, a custom one ends at now at most."""
        if self.custom is not None:
            window = TimeWindow(self.custom.start, min(self.custom.end, now)) if self.custom.start < now else self.custom
        else:
            window = preset_window(self.window_name, now=now)
        return Filters(window=window, types=self.types, res=self.res)


def filter_controls(*, now: datetime, data_start: datetime) -> ViewChoice:
    """Draw the controls in the sidebar and return what they select."""
    with st.sidebar:
        st.subheader("Filters")
        choice = st.radio("Time window", [*PRESETS, CUSTOM], index=1, key="window", horizontal=False)
        custom = None
        if choice == CUSTOM:
            default = (max(data_start, now - timedelta(days=14)).date(), now.date())
            picked = st.date_input("Days (UTC)", value=default, min_value=data_start.date(), max_value=now.date(),
                                   key="custom_days")
            first, last = (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else (default[0], default[1])
            custom = day_range_window(datetime.combine(first, datetime.min.time()),
                                      datetime.combine(last, datetime.min.time()))
        types = st.multiselect(
            "Event types", EVENT_TYPES, default=list(EVENT_TYPES), format_func=EVENT_TYPE_LABELS.__getitem__, key="types",
        )
        default_res = resolution_for_zoom(INITIAL_VIEW["zoom"])
        res = st.slider(
            "H3 resolution", *VIEW_RES_RANGE, value=default_res, key="res",
            help=f"Default {default_res} suits the opening zoom of the map. Higher is finer.",
        )
        st.caption(f"Hexagons ≈ {2 * edge_length_km(res):.2g} km across")
        colour_by = st.radio("Colour hexagons by", [COUNT, HOT_SPOTS], key="colour_by",
                             help="Hot spots: Getis-Ord Gi* over each cell and its six neighbours, cells without "
                                  "events included, Benjamini-Hochberg false discovery rate; 90/95/99 % confidence.")
    return ViewChoice(window_name=choice, custom=custom, types=tuple(types), res=res, hot_spots=colour_by == HOT_SPOTS)
