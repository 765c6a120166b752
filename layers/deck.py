"""Assemble the map: the offline basemap under the data layers, with a compact JSON spec.

The map style is a background-only MapLibre style served from the app's own ``static/``
folder: with ``map_style=None`` the frontend would fetch a Carto style from the internet.
"""

from __future__ import annotations

import json
from typing import Final

import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from geo.settings import bundled_region

OFFLINE_STYLE_URL: Final[str] = "/app/static/limes-dark-style.json"
"""Served by Streamlit's static file serving (``server.enableStaticServing``)."""

TOOLTIP_STYLE: Final[dict[str, str]] = {"backgroundColor": "#111a2b", "color": "#e6ebf2", "fontSize": "13px"}
"""The map tooltips' look on the dark theme."""

INITIAL_VIEW: Final[dict[str, float]] = bundled_region().view.as_dict()
"""The bundled region's opening view (a map about 750 x 640 px); pages pass their region's."""
MIN_ZOOM: Final[float] = 1.0
"""Far enough out for a continent (a Mediterranean-wide map of real data)."""


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation or key sorting (pydeck's default doubles big layers)."""

    def to_json(self) -> str:
        return json.dumps(self, default=default_serialize, separators=(",", ":"))


def build_deck(layers: list[pdk.Layer], *, tooltip: dict[str, object] | None = None,
               view: dict[str, float] | None = None) -> CompactDeck:
    """A deck with our offline style and the given layers, bottom first."""
    return CompactDeck(
        layers=layers,
        initial_view_state=pdk.ViewState(**(view or INITIAL_VIEW), min_zoom=MIN_ZOOM, max_zoom=13),
        map_provider="carto",
        map_style=OFFLINE_STYLE_URL,
        tooltip=tooltip or False,
    )
