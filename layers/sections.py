"""Border sections on the map: lines in their impact level's colour, with short labels.

Only what the map needs reaches the browser: each section's path (lon/lat rounded to ~1 m), its
short name and level, and the colour. No figures, no events.
"""

from __future__ import annotations

import math
from typing import Final

import geopandas as gpd
import numpy as np
import pydeck as pdk
import shapely

from geo.briefing import LEVEL_COLOURS

SECTION_LAYER_ID: Final[str] = "sections"
LABEL_LAYER_ID: Final[str] = "section-labels"
LABEL_TEXT: Final[list[int]] = [255, 255, 255, 255]


def fit_view(bounds_lonlat: tuple[float, float, float, float], *, width_px: int, height_px: int) -> dict[str, float]:
    """A deck.gl view state (``latitude``, ``longitude``, ``zoom``) showing ``bounds_lonlat`` in a map of that size.

    Web Mercator at zoom z spans 512 * 2**z pixels around the world (deck.gl's tile size); latitude
    is stretched by the Mercator formula, so both directions are checked and the tighter one wins.
    """
    west, south, east, north = bounds_lonlat

    def mercator_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    zoom_x = math.log2(width_px * 360.0 / (512.0 * max(east - west, 1e-6)))
    zoom_y = math.log2(height_px * 2 * math.pi / (512.0 * max(mercator_y(north) - mercator_y(south), 1e-9)))
    return {"latitude": (south + north) / 2, "longitude": (west + east) / 2, "zoom": round(min(zoom_x, zoom_y) - 0.15, 2),
            "pitch": 0.0, "bearing": 0.0}


def level_rgba(level: str) -> list[int]:
    """The level's colour of :data:`geo.briefing.levels.LEVEL_COLOURS` as deck.gl RGBA."""
    code = LEVEL_COLOURS[level]
    return [int(code[i:i + 2], 16) for i in (1, 3, 5)] + [255]


def _paths(geometry: shapely.Geometry) -> list[list[list[float]]]:
    return [np.round(np.asarray(part.coords)[:, :2], 5).tolist() for part in getattr(geometry, "geoms", [geometry])]


def short_name(name: str) -> str:
    """``"GR–MK 7 · Idomeni"`` -> ``"GR-MK 7"``: ASCII, so deck.gl's default font atlas has every glyph."""
    return name.split(" · ")[0].replace("\u2013", "-")


def section_layers(sections: gpd.GeoDataFrame, *, highlight: str | None = None) -> list[pdk.Layer]:
    """A path per section coloured by ``level`` (the ``highlight`` section wider) and its short label.

    ``sections`` has ``section_id``, ``name``, ``level`` and line geometries in EPSG:4326.
    """
    data = []
    for section_id, name, level, geometry in zip(sections["section_id"], sections["name"], sections["level"],
                                                 sections.geometry, strict=True):
        for path in _paths(geometry):
            data.append({"path": path, "name": name, "level": level, "colour": level_rgba(level),
                         "width": 9 if section_id == highlight else 6})
    labels = []
    for name, geometry in zip(sections["name"], sections.geometry, strict=True):
        middle = shapely.line_interpolate_point(geometry, 0.5, normalized=True)
        labels.append({"lon": round(middle.x, 5), "lat": round(middle.y, 5), "label": short_name(str(name))})
    return [
        pdk.Layer("PathLayer", id=f"{SECTION_LAYER_ID}-halo", data=[{"path": d["path"], "width": d["width"]} for d in data],
                  get_path="path", get_color=[11, 19, 32, 220], get_width="width + 4", width_units="'pixels'",
                  cap_rounded=True, pickable=False),
        pdk.Layer("PathLayer", id=SECTION_LAYER_ID, data=data, get_path="path", get_color="colour", get_width="width",
                  width_units="'pixels'", cap_rounded=True, pickable=True, auto_highlight=True),
        pdk.Layer("TextLayer", id=LABEL_LAYER_ID, data=labels, get_position="[lon, lat]", get_text="label", get_size=13,
                  get_color=LABEL_TEXT, get_pixel_offset=[0, -14], outline_width=2, outline_color=[11, 19, 32, 255],
                  font_settings={"sdf": True}, font_family="'Source Sans, Helvetica, Arial, sans-serif'",
                  font_weight=700, pickable=False),
    ]
