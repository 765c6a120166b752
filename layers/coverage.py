"""Coverage planner layers: how many sensors see each place, corridor cells by state, gaps, sensors, new sites.

Only aggregates and ids reach the browser: the cumulative coverage as one PNG (warped to Web
Mercator like the relief), corridor and gap cells as H3 hex ids with one small integer, sensors
as id, position, range and whether they are on, recommended sites as rank and position.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pydeck as pdk
from PIL import Image

from geo.coverage import Assessment, Terrain
from geo.errors import LayerError
from geo.grid import cells_latlng, cells_to_hex
from geo.i18n import Translator, translator
from geo.models import Sensor
from geo.spatial import MetricDem, metric_grid_to_web_mercator
from layers.basemap import overlaps, relief_layer, screen_px
from layers.checks import one_resolution, rgba, same_length
from layers.colours import COUNT_RAMP, LegendEntry, Rgba, class_breaks, code_colour_expression, legend
from layers.deck import TOOLTIP_STYLE
from layers.hexagons import hexagon_layer, hexagon_records
from layers.hillshade import HillshadeImage
from layers.sections import fit_view

COVERAGE_RAMP: Final[tuple[Rgba, ...]] = ((0, 200, 170, 110), (0, 220, 190, 150), (90, 240, 215, 190))
"""Seen by 1, 2, 3+ sensors: teal, more opaque where more sensors overlap."""
SEEN: Final[Rgba] = (0, 200, 170, 150)
PATROLLED: Final[Rgba] = (90, 150, 255, 150)
GAP_TOP: Final[Rgba] = (255, 40, 90, 235)
GAP_OTHER: Final[Rgba] = (255, 150, 60, 190)
SENSOR_ON: Final[Rgba] = (255, 255, 255, 255)
SENSOR_OFF: Final[Rgba] = (120, 128, 140, 220)
SITE: Final[Rgba] = (255, 64, 255, 255)
TOP_GAPS: Final[int] = 3
"""Gaps of rank 1..TOP_GAPS are drawn in the alarm colour."""

CORRIDOR_LAYER_ID: Final[str] = "corridor"
GAP_LAYER_ID: Final[str] = "gaps"

COVERAGE: Final[str] = "coverage"
SLOPE: Final[str] = "slope"
SINCE_PATROL: Final[str] = "since_patrol"
EFFORT: Final[str] = "effort"
ELEVATION: Final[str] = "elevation"
CORRIDOR_VIEWS: Final[tuple[str, ...]] = (COVERAGE, SLOPE, SINCE_PATROL, EFFORT, ELEVATION)
"""What colours the corridor: coverage and gaps, or one value per cell (slope, hours since a patrol, patrol effort,
elevation)."""
_UNITS: Final[dict[str, str]] = {SLOPE: "slope_deg", ELEVATION: "elevation_m", SINCE_PATROL: "since_patrol_h",
                                 EFFORT: "unit_hours"}
VALUE_TOOLTIP: Final[dict[str, object]] = {"html": "<b>{value}</b>", "style": TOOLTIP_STYLE}


def gap_tooltip(tr: Translator) -> dict[str, object]:
    """The gap layer's tooltip in ``tr``'s language (``{value}`` is deck.gl's placeholder, filled in the browser)."""
    return {"html": tr.gettext("Gap <b>#{value}</b> (1 = riskiest)"), "style": TOOLTIP_STYLE}


@dataclass(frozen=True)
class CorridorLayers:
    """The corridor's hexagon layers for one view, with their legend and tooltip."""

    layers: list[pdk.Layer]
    legend: list[LegendEntry]
    tooltip: dict[str, object]


def corridor_view_layers(view: str, result: Assessment, terrain: Terrain, *, history_h: float,
                         tr: Translator | None = None) -> CorridorLayers:
    """The corridor coloured by ``view`` (one of :data:`CORRIDOR_VIEWS`).

    ``history_h`` is the length of the patrol history read, in hours: a cell never patrolled
    within it counts as patrolled that long ago. Values are classed as whole numbers >= 1, so a
    cell shows even where its slope or effort rounds to zero; cells no patrol came near are not
    drawn in the effort view. Legends and tooltips are in ``tr``'s language (English by default).
    """
    tr = tr or translator()
    if view == COVERAGE:
        return CorridorLayers([corridor_layer(result.coverage), gap_layer(result.gap_rank)], coverage_legend(tr),
                              gap_tooltip(tr))
    if view == SLOPE:
        values = terrain.stats["slope_mean_deg"]
    elif view == ELEVATION:
        values = terrain.stats["elevation_mean_m"]
    elif view == SINCE_PATROL:
        codes = patrol_age_classes(result.coverage["hours_since_patrol"])
        layer = hexagon_layer(pd.Series(codes.index.to_numpy(dtype=np.uint64)), codes,
                              fill_expression=code_colour_expression(dict(enumerate(PATROL_AGE_COLOURS, start=1))),
                              layer_id=CORRIDOR_LAYER_ID)
        return CorridorLayers([layer], patrol_age_legend(history_h, tr), VALUE_TOOLTIP)
    elif view == EFFORT:
        values = result.coverage["effort_h"]
        values = values[values > 0]
    else:
        raise LayerError(f"unknown corridor view {view!r}; expected one of {', '.join(CORRIDOR_VIEWS)}")
    values = np.maximum(np.ceil(values), 1).astype(int)
    breaks = class_breaks(values)
    cells = pd.Series(values.index.to_numpy(dtype=np.uint64))
    layer = hexagon_layer(cells, pd.Series(values.to_numpy()), breaks=breaks, layer_id=CORRIDOR_LAYER_ID)
    return CorridorLayers([layer], legend(breaks, unit=_UNITS[view], tr=tr), VALUE_TOOLTIP)


PATROL_AGE_BOUNDS_H: Final[tuple[float, ...]] = (6.0, 24.0, 72.0, 168.0)
"""A planner's scale for "hours since the last patrol": 0-6 h, 6-24 h, 1-3 days, 3-7 days, more, never."""
PATROL_AGE_COLOURS: Final[tuple[Rgba, ...]] = (COUNT_RAMP[0], COUNT_RAMP[1], COUNT_RAMP[2], COUNT_RAMP[4], COUNT_RAMP[5],
                                               COUNT_RAMP[6])
"""Recently patrolled cool, long ago warm, never the hottest."""


def patrol_age_classes(hours: pd.Series) -> pd.Series:
    """Class codes 1-6 of hours since the last patrol per cell (:data:`PATROL_AGE_BOUNDS_H`; NaN = never: 6)."""
    codes = np.searchsorted(np.asarray(PATROL_AGE_BOUNDS_H), hours.to_numpy(dtype=float), side="right") + 1
    return pd.Series(np.where(hours.isna().to_numpy(), 6, codes), index=hours.index, dtype=int)


def patrol_age_legend(history_h: float, tr: Translator | None = None) -> list[LegendEntry]:
    """Legend rows for :func:`patrol_age_classes`; ``history_h`` is how far back patrols were read (in ``tr``'s
    language, English by default)."""
    tr = tr or translator()
    days = round(history_h / 24)
    labels = (tr.gettext("0–6 h"), tr.gettext("6–24 h"), tr.gettext("1–3 days"), tr.gettext("3–7 days"),
              tr.gettext("over 7 days (up to {days})").format(days=days),
              tr.ngettext("never in {days} day", "never in {days} days", days).format(days=days))
    return [LegendEntry(colour, label) for colour, label in zip(PATROL_AGE_COLOURS, labels, strict=True)]


def coverage_image(seen_count: npt.NDArray[np.integer], dem: MetricDem, *, max_width_px: int = 1600) -> HillshadeImage:
    """The per-pixel sensor count (on ``dem``'s grid) as a Web Mercator RGBA PNG: clear where nobody looks."""
    warped, bounds = metric_grid_to_web_mercator(seen_count.astype(np.float64), dem, max_width_px=max_width_px)
    count = np.nan_to_num(warped, nan=0.0).astype(np.int64)
    rgba = np.zeros((*count.shape, 4), dtype=np.uint8)
    for level, colour in enumerate(COVERAGE_RAMP, start=1):
        rgba[count >= level] = colour
    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG", compress_level=3)
    return HillshadeImage(png=buffer.getvalue(), bounds_lonlat=bounds)


def coverage_raster_layer(image_url: str, bounds_lonlat: tuple[float, float, float, float]) -> pdk.Layer:
    """The cumulative coverage PNG, served from the app's static folder, drawn like the relief."""
    return relief_layer(image_url, bounds_lonlat, layer_id="coverage-raster", opacity=1.0)


def corridor_layer(coverage: pd.DataFrame) -> pdk.Layer:
    """Covered corridor cells: value 1 seen by a sensor, 2 patrolled only (hex id and value only)."""
    covered = coverage[coverage["covered"]]
    data = hexagon_records(pd.Series(covered.index.to_numpy(np.uint64)), pd.Series(np.where(covered["seen"], 1, 2)))
    return pdk.Layer("H3HexagonLayer", id=CORRIDOR_LAYER_ID, data=data, get_hexagon="hex", extruded=False,
                     get_fill_color=f"value == 1 ? {rgba(SEEN)} : {rgba(PATROLLED)}", stroked=False, filled=True,
                     opacity=0.35, pickable=True)


def gap_layer(gap_rank: pd.Series) -> pdk.Layer:
    """Uncovered corridor cells with their gap's rank (1 = riskiest): the top gaps in the alarm colour."""
    data = hexagon_records(pd.Series(gap_rank.index.to_numpy(np.uint64)), gap_rank)
    colour = f"value <= {TOP_GAPS} ? {rgba(GAP_TOP)} : {rgba(GAP_OTHER)}"
    # Outlined in their own colour so that a gap stays visible when its cells are a pixel wide.
    return pdk.Layer("H3HexagonLayer", id=GAP_LAYER_ID, data=data, get_hexagon="hex", extruded=False,
                     get_fill_color=colour, stroked=True, get_line_color=colour, line_width_min_pixels=1,
                     pickable=True, auto_highlight=True, highlight_color=[255, 255, 255, 90])


def patrol_area_layer(areas: pd.DataFrame) -> pdk.Layer:
    """Outlines of next shift's patrol areas (cells of ``areas["cells"]``, value = area number)."""
    same_length(area=areas["area"], cells=areas["cells"])
    one_resolution(np.concatenate([np.asarray(c, dtype=np.uint64) for c in areas["cells"]] or [np.zeros(0, np.uint64)]),
                   layer="patrol-areas")
    data = [{"hex": h, "value": int(a)} for a, cells in zip(areas["area"], areas["cells"], strict=True)
            for h in cells_to_hex(np.asarray(cells, dtype=np.uint64))]
    return pdk.Layer("H3HexagonLayer", id="patrol-areas", data=data, get_hexagon="hex", filled=False, stroked=True,
                     extruded=False, get_line_color=[255, 255, 255, 230], line_width_min_pixels=2, pickable=False)


SENSOR_LABEL_PX: Final[float] = 11.0
SENSOR_LABEL_OFFSET_PX: Final[float] = 13.0
COVERAGE_MAP_PX: Final[tuple[int, int]] = (780, 620)
"""The planner map's size (width, height) beside its legend on a 1280-px wide screen: the corridor is fitted into it."""


def corridor_view(cells: npt.NDArray[np.uint64], *, width_px: int = COVERAGE_MAP_PX[0],
                  height_px: int = COVERAGE_MAP_PX[1]) -> dict[str, float]:
    """The view that opens the planner map on the corridor (its H3 ``cells``), a few kilometres around it: the
    corridor's cells are readable there, where the region's whole view draws them a pixel or two wide."""
    if len(cells) == 0:
        raise LayerError("the corridor has no cells to fit the view to")
    latlng = cells_latlng(np.asarray(cells, dtype=np.uint64))
    pad = 0.03  # degrees, ~3 km: the cells' own extent and a margin
    lat, lon = latlng[:, 0], latlng[:, 1]
    bounds = (float(lon.min()) - pad, float(lat.min()) - pad, float(lon.max()) + pad, float(lat.max()) + pad)
    return fit_view(bounds, width_px=width_px, height_px=height_px)


def legible_sensor_ids(sensors: Sequence[Sensor], *, zoom: float) -> set[str]:
    """The sensors whose id can be written above their dot at ``zoom`` without touching another kept id or another
    sensor's dot (active sensors first, then in the given order); the others show their dot only."""
    points = [screen_px(s.lon, s.lat, zoom=zoom) for s in sensors]
    kept: set[str] = set()
    boxes: list[tuple[float, float, float, float]] = []
    for i in sorted(range(len(sensors)), key=lambda i: sensors[i].status != "active"):
        x, y = points[i]
        half = 0.3 * SENSOR_LABEL_PX * len(sensors[i].sensor_id) + 2
        top = y - SENSOR_LABEL_OFFSET_PX - SENSOR_LABEL_PX / 2
        box = (x - half, top, x + half, top + SENSOR_LABEL_PX)
        dots = [(px - 6, py - 6, px + 6, py + 6) for j, (px, py) in enumerate(points) if j != i]
        if not any(overlaps(box, other) for other in [*boxes, *dots]):
            kept.add(sensors[i].sensor_id)
            boxes.append(box)
    return kept


def sensor_layers(sensors: Sequence[Sensor], *, zoom: float | None = None) -> list[pdk.Layer]:
    """Each sensor's range as a thin circle, its position as a dot (grey when off), and its id where it is legible
    at the map's opening ``zoom`` (see :func:`legible_sensor_ids`; every id when no zoom is given)."""
    data = [{"id": s.sensor_id, "lon": round(s.lon, 5), "lat": round(s.lat, 5), "range": round(s.range_m),
             "on": int(s.status == "active")} for s in sensors]
    labelled = {s.sensor_id for s in sensors} if zoom is None else legible_sensor_ids(sensors, zoom=zoom)
    colour = f"on ? {rgba(SENSOR_ON)} : {rgba(SENSOR_OFF)}"
    return [
        pdk.Layer("ScatterplotLayer", id="sensor-ranges", data=data, get_position="[lon, lat]", get_radius="range",
                  radius_units="'meters'", filled=False, stroked=True, get_line_color="on ? [255, 255, 255, 70] : [120, 128, 140, 50]", line_width_min_pixels=1, pickable=False),
        pdk.Layer("ScatterplotLayer", id="sensors", data=data, get_position="[lon, lat]", get_radius=5,
                  radius_units="'pixels'", get_fill_color=colour, get_line_color=[11, 19, 32, 255], stroked=True,
                  line_width_min_pixels=1.5, pickable=True),
        pdk.Layer("TextLayer", id="sensor-ids", data=[row for row in data if row["id"] in labelled],
                  get_position="[lon, lat]", get_text="id", get_size=SENSOR_LABEL_PX, get_color=colour,
                  get_pixel_offset=[0, -SENSOR_LABEL_OFFSET_PX], outline_width=2, outline_color=[11, 19, 32, 255],
                  font_settings={"sdf": True}, font_family="'Source Sans, Helvetica, Arial, sans-serif'",
                  pickable=False),
    ]


def site_layers(sites: pd.DataFrame) -> list[pdk.Layer]:
    """Recommended new sites (``rank``, ``lat``, ``lon``) as magenta dots labelled with their rank."""
    data = [{"rank": f"#{int(r)}", "lon": round(float(x), 5), "lat": round(float(y), 5)}
            for r, x, y in zip(sites["rank"], sites["lon"], sites["lat"], strict=True)]
    return [
        pdk.Layer("ScatterplotLayer", id="sites", data=data, get_position="[lon, lat]", get_radius=8,
                  radius_units="'pixels'", get_fill_color=rgba(SITE), get_line_color=[255, 255, 255, 255],
                  stroked=True, line_width_min_pixels=2, pickable=True),
        pdk.Layer("TextLayer", id="site-ranks", data=data, get_position="[lon, lat]", get_text="rank", get_size=13,
                  get_color=rgba(SITE), get_pixel_offset=[0, 16], outline_width=2, outline_color=[11, 19, 32, 255],
                  font_settings={"sdf": True}, font_family="'Source Sans, Helvetica, Arial, sans-serif'",
                  font_weight=700, pickable=False),
    ]


def coverage_legend(tr: Translator | None = None) -> list[LegendEntry]:
    """Legend rows of the planner map, in ``tr``'s language (English by default)."""
    tr = tr or translator()
    return [LegendEntry(COVERAGE_RAMP[0], tr.gettext("seen by 1 sensor")),
            LegendEntry(COVERAGE_RAMP[2], tr.gettext("seen by 3+ sensors")),
            LegendEntry(SEEN, tr.gettext("corridor: seen")), LegendEntry(PATROLLED, tr.gettext("corridor: patrolled")),
            LegendEntry(GAP_TOP, tr.gettext("gap, top {n} by risk").format(n=TOP_GAPS)),
            LegendEntry(GAP_OTHER, tr.gettext("gap, other")), LegendEntry(SITE, tr.gettext("recommended site"))]
