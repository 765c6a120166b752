"""Assemble the map: the offline basemap under the data layers, with a compact JSON spec.

The map style is a background-only MapLibre style served from the app's own ``static/``
folder: with ``map_style=None`` the frontend would fetch a Carto style from the internet.
"""

from __future__ import annotations

import json
from typing import Final

import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

OFFLINE_STYLE_URL: Final[str] = "/app/static/limes-dark-style.json"
"""Served by Streamlit's static file serving (``server.enableStaticServing``)."""

TOOLTIP_STYLE: Final[dict[str, str]] = {"backgroundColor": "#111a2b", "color": "#e6ebf2", "fontSize": "13px"}
"""The map tooltips' look on the dark theme."""

INITIAL_VIEW: Final[dict[str, float]] = {"latitude": 41.45, "longitude": 22.0, "zoom": 7.6, "pitch": 0.0, "bearing": 0.0}
"""The whole GR-MK and BG-MK border in a map about 750 x 640 px."""


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation or key sorting (pydeck's default doubles big layers)."""

    def to_json(self) -> str:
        return json.dumps(self, default=default_serialize, separators=(",", ":"))


def build_deck(layers: list[pdk.Layer], *, tooltip: dict[str, object] | None = None,
               view: dict[str, float] | None = None) -> CompactDeck:
    """A deck with our offline style and the given layers, bottom first."""
    return CompactDeck(
        layers=layers,
        initial_view_state=pdk.ViewState(**(view or INITIAL_VIEW), min_zoom=6, max_zoom=13),
        map_provider="carto",
        map_style=OFFLINE_STYLE_URL,
        tooltip=tooltip or False,
    )
