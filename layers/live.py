"""Live overlays: outlines of hexagons with brand-new events, and patrol units with their callsigns."""

from __future__ import annotations

from datetime import datetime
from typing import Final

import pandas as pd
import pydeck as pdk

from geo.grid import edge_length_km
from geo.i18n import Translator, translator
from geo.reports import PENDING_RES
from layers.basemap import overlaps, screen_px
from layers.colours import TOWN_TEXT, LegendSymbol, Rgba
from layers.hexagons import hexagon_records
from layers.reports import ACCEPTED_COLOUR, PENDING_COLOUR

RECENT_LAYER_ID = "recent-hexagons"
UNIT_LIVE: Final[list[int]] = [0, 229, 255, 255]
UNIT_STALE: Final[list[int]] = [130, 138, 150, 200]



RECENT_OUTLINE: Final[Rgba] = (255, 255, 255, 255)
RECENT_WIDTH_PX: Final[float] = 1.5
"""Thin enough that the fill under it (a count class, a hot spot) stays readable."""


def recent_hexagon_layer(cells: pd.Series, counts: pd.Series) -> pdk.Layer:
    """Thin bright outlines (no fill) around hexagons with events of the last minutes: hex id and count only.

    ``cells`` should be at the resolution of the layer under them, so that an outline frames a drawn hexagon.
    """
    return pdk.Layer(
        "H3HexagonLayer", id=RECENT_LAYER_ID, data=hexagon_records(cells, counts), get_hexagon="hex", filled=False,
        stroked=True, extruded=False, get_line_color=list(RECENT_OUTLINE), line_width_min_pixels=RECENT_WIDTH_PX,
        line_width_max_pixels=RECENT_WIDTH_PX, pickable=False,
    )


def live_symbols(*, outlines: bool, recent_min: int, units: bool, reports: bool,
                 tr: Translator | None = None) -> list[LegendSymbol]:
    """Legend rows for every symbol the live map draws besides the hexagon classes and borders, in ``tr``'s
    language (English by default)."""
    tr = tr or translator()
    rows = [LegendSymbol("outline", RECENT_OUTLINE, tr.gettext("events in the last {n} min").format(n=recent_min),
                         RECENT_WIDTH_PX)] if outlines else []
    rows.append(LegendSymbol("outline", ACCEPTED_COLOUR, tr.gettext("accepted community reports"), 2.5))
    if reports:
        km = tr.number(2 * edge_length_km(PENDING_RES), decimals=0)
        rows.append(LegendSymbol("fill", PENDING_COLOUR, tr.gettext("unmoderated reports (per ~{km} km)").format(km=km)))
    if units:
        rows += [LegendSymbol("dot", tuple(UNIT_LIVE),  # type: ignore[arg-type]
                              tr.gettext("patrol unit (callsign), position current")),
                 LegendSymbol("dot", tuple(UNIT_STALE), tr.gettext("patrol unit, position stale"))]  # type: ignore[arg-type]
    rows.append(LegendSymbol("dot", TOWN_TEXT, tr.gettext("town (border towns labelled first)")))
    return rows


CALLSIGN_SIZE_PX: Final[int] = 12
CALLSIGN_OFFSET_PX: Final[int] = 14


def callsign_offset(lon: float, lat: float, callsign: str, avoid: list[tuple[float, float, float, float]]) -> int | None:
    """Vertical pixel offset of a callsign that overlaps none of the ``avoid`` boxes (town labels) at the opening
    zoom: above the dot, else below it; None when both would overlap (the dot shows alone)."""
    x, y = screen_px(lon, lat)
    half = 0.3 * CALLSIGN_SIZE_PX * len(callsign)
    for dy in (-CALLSIGN_OFFSET_PX, CALLSIGN_OFFSET_PX):
        box = (x - half, y + dy - CALLSIGN_SIZE_PX / 2, x + half, y + dy + CALLSIGN_SIZE_PX / 2)
        if not any(overlaps(box, other) for other in avoid):
            return dy
    return None


def unit_layers(units: pd.DataFrame, *, now: datetime,
                avoid: list[tuple[float, float, float, float]] | None = None) -> list[pdk.Layer]:
    """Dots and callsigns of patrol units; a unit whose CoT ``stale`` time has passed is drawn grey.

    ``units`` has ``callsign``, ``lat``, ``lon`` and ``stale_at`` (UTC). Only those go to the browser.
    A callsign moves below its dot, or is left out, where it would cover a town label of ``avoid``.
    """
    live = units["stale_at"] > pd.Timestamp(now)
    data = []
    for x, y, c, v in zip(units["lon"], units["lat"], units["callsign"], live, strict=True):
        dy = callsign_offset(float(x), float(y), str(c), avoid or [])
        data.append({"lon": round(float(x), 5), "lat": round(float(y), 5), "callsign": c if dy is not None else "",
                     "dy": dy or 0, "live": int(v)})
    colour = f"live ? {UNIT_LIVE} : {UNIT_STALE}"
    return [
        pdk.Layer("ScatterplotLayer", id="units", data=data, get_position="[lon, lat]", get_radius=6,
                  radius_units="'pixels'", get_fill_color=colour, get_line_color=[11, 19, 32, 255], stroked=True,
                  line_width_min_pixels=1.5, pickable=False),
        pdk.Layer("TextLayer", id="unit-callsigns", data=data, get_position="[lon, lat]", get_text="callsign",
                  get_size=CALLSIGN_SIZE_PX, get_color=colour, get_pixel_offset="[0, dy]", outline_width=2,
                  outline_color=[11, 19, 32, 255], font_settings={"sdf": True},
                  font_family="'Source Sans, Helvetica, Arial, sans-serif'", font_weight=700,
                  pickable=False),
    ]
