"""The map's view: it opens on the region (even before any event arrives), or "Zoom to data" fits the hexagons
of the current selection."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import cache, state
from dashboard.config import settings
from dashboard.i18n import _, session_language
from dashboard.plain import plain
from geo.grid import (
    VIEW_RES_RANGE,
    EventIndex,
    Filters,
    cells_latlng,
    resolution_for_zoom,
)
from geo.i18n import Translator
from geo.region import Region, view_of
from layers.deck import build_deck


def data_view(cells: pd.DataFrame) -> dict[str, float] | None:
    """A view (degrees, Web Mercator zoom) that fits the centres of ``cells`` (a ``cell`` column), rounded so that a
    live refresh that adds a hexagon inside the same area does not move the map; ``None`` without cells."""
    if cells.empty:
        return None
    latlng = cells_latlng(cells["cell"].to_numpy())
    south, north = float(np.min(latlng[:, 0])), float(np.max(latlng[:, 0]))
    west, east = float(np.min(latlng[:, 1])), float(np.max(latlng[:, 1]))
    pad_lat, pad_lon = max((north - south) * 0.1, 0.05), max((east - west) * 0.1, 0.05)
    view = view_of((max(west - pad_lon, -180.0), max(south - pad_lat, -85.0), min(east + pad_lon, 180.0),
                    min(north + pad_lat, 85.0)))
    return {"latitude": round(view.latitude, 1), "longitude": round(view.longitude, 1),
            "zoom": float(np.floor(view.zoom * 2) / 2), "pitch": 0.0, "bearing": 0.0}


def zoom_toggle() -> bool:
    """The "Zoom to data" switch: on, the map fits the current selection's hexagons instead of the region."""
    return st.toggle(_("Zoom to data"), key=state.ZOOM_TO_DATA,
                     help=_("Fit the map to the hexagons of the current selection, wherever in the world they are."))


def fitted_view(index: EventIndex, filters: Filters, *, region: Region, fit_to_data: bool,
                tr: Translator) -> tuple[dict[str, float], Filters, str | None]:
    """The map's view, the filters to draw it with, and a note for the user: the region's view, or (``fit_to_data``)
    the one that fits the selection's hexagons, at the resolution that suits its zoom (3-4 for a continent)."""
    if not fit_to_data:
        return region.view.as_dict(), filters, None
    view = data_view(cache.cells(index, replace(filters, res=VIEW_RES_RANGE[0])))
    if view is None:
        return region.view.as_dict(), filters, tr.gettext("No hexagons in the current selection: the map shows the "
                                                          "region.")
    return view, replace(filters, res=min(filters.res, resolution_for_zoom(view["zoom"]))), None


def region_map() -> None:
    """The region's basemap alone, for a store without events: the border, its towns and relief."""
    region = settings().region
    st.markdown(f"### {plain(region.title_for(session_language()))}")
    under, over = cache.basemap_layers(language=session_language())
    st.pydeck_chart(build_deck([*under, *over], view=region.view.as_dict()), key=state.MAP, height=640)
