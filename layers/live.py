"""Live overlays: outlines of hexagons with brand-new events, and patrol units with their callsigns."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pydeck as pdk

from layers.hexagons import hexagon_records

RECENT_LAYER_ID = "recent-hexagons"
UNIT_LIVE = [0, 229, 255, 255]
UNIT_STALE = [130, 138, 150, 200]


def recent_hexagon_layer(cells: pd.Series, counts: pd.Series) -> pdk.Layer:
    """Bright outlines (no fill) around hexagons with events of the last minutes: hex id and count only."""
    return pdk.Layer(
        "H3HexagonLayer", id=RECENT_LAYER_ID, data=hexagon_records(cells, counts), get_hexagon="hex", filled=False,
        stroked=True, extruded=False, get_line_color=[255, 255, 255, 255], line_width_min_pixels=3, pickable=False,
    )


def unit_layers(units: pd.DataFrame, *, now: datetime) -> list[pdk.Layer]:
    """Dots and callsigns of patrol units; a unit whose CoT ``stale`` time has passed is drawn grey.

    ``units`` has ``callsign``, ``lat``, ``lon`` and ``stale_at`` (UTC). Only those go to the browser.
    """
    live = units["stale_at"] > pd.Timestamp(now)
    data = [{"lon": round(float(x), 5), "lat": round(float(y), 5), "callsign": c, "live": int(v)}
            for x, y, c, v in zip(units["lon"], units["lat"], units["callsign"], live, strict=True)]
    colour = f"live ? {UNIT_LIVE} : {UNIT_STALE}"
    return [
        pdk.Layer("ScatterplotLayer", id="units", data=data, get_position="[lon, lat]", get_radius=6,
                  radius_units="'pixels'", get_fill_color=colour, get_line_color=[11, 19, 32, 255], stroked=True,
                  line_width_min_pixels=1.5, pickable=False),
        pdk.Layer("TextLayer", id="unit-callsigns", data=data, get_position="[lon, lat]", get_text="callsign",
                  get_size=12, get_color=colour, get_pixel_offset=[0, -14], outline_width=2,
                  outline_color=[11, 19, 32, 255], font_settings={"sdf": True},
                  font_family="'Source Sans, Helvetica, Arial, sans-serif'", font_weight=700, pickable=False),
    ]
