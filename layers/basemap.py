"""Our own offline basemap as deck.gl layers: relief, countries, water, borders and town labels.

Nothing here fetches tiles, styles, fonts or workers from the internet: every layer is drawn from
data the app ships (DESIGN.md section 5).
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pydeck as pdk
import shapely

from geo.spatial import Basemap, bundled_region, reader_town_names
from layers.colours import (
    BORDER_EU_EXTERNAL,
    BORDER_OTHER,
    COUNTRY_EDGE,
    COUNTRY_FILL,
    COUNTRY_FILL_FOCUS,
    TOWN_TEXT,
    WATER,
    Rgba,
    faded_colour_expression,
)


def _geojson(frame: gpd.GeoDataFrame, columns: list[str]) -> dict[str, Any]:
    """A compact GeoJSON FeatureCollection with only ``columns`` as properties (5 decimals ~ 1 m)."""
    return json.loads(frame[[*columns, "geometry"]].to_json(drop_id=True, to_wgs84=False, na="drop", show_bbox=False))


def line_segments(frame: gpd.GeoDataFrame, *, decimals: int) -> list[dict[str, Any]]:
    """Every line of ``frame`` (EPSG:4326) as its straight segments: ``s`` and ``t`` (lon, lat, rounded to
    ``decimals``) and ``a``, the row's ``alpha`` (255 where ``frame`` has none); segments that rounding shrinks to a
    point are left out."""
    parts, rows = shapely.get_parts(frame.geometry.values, return_index=True)
    coords, part_of = shapely.get_coordinates(parts, return_index=True)
    coords = np.round(coords, decimals)
    alpha = frame["alpha"].to_numpy(dtype=int)[rows] if "alpha" in frame.columns else np.full(len(parts), 255)
    keep = (part_of[:-1] == part_of[1:]) & np.any(coords[:-1] != coords[1:], axis=1)
    starts, ends, alphas = coords[:-1][keep].tolist(), coords[1:][keep].tolist(), alpha[part_of[:-1][keep]].tolist()
    return [{"s": s, "t": t, "a": a} for s, t, a in zip(starts, ends, alphas, strict=True)]


def thin_line_layer(layer_id: str, frame: gpd.GeoDataFrame, *, colour: Rgba, width_px: float,
                    decimals: int = 3) -> pdk.Layer:
    """Lines of ``width_px`` (1 px or less: no joins to see) as deck.gl's LineLayer, each as opaque as its ``alpha``.

    A PathLayer draws 12 vertices a segment (for joins and caps), a LineLayer 4: software WebGL, which pays for
    every vertex each frame, draws the same rivers ~3x faster (33 -> 12 ms with SwiftShader: bench/frame_bench.py).
    """
    return pdk.Layer("LineLayer", id=layer_id, data=line_segments(frame, decimals=decimals), get_source_position="s",
                     get_target_position="t", get_color=faded_colour_expression(colour, alpha="a"),
                     get_width=width_px, pickable=False)


def relief_layer(image_url: str, bounds_lonlat: tuple[float, float, float, float], *, layer_id: str,
                 opacity: float = 0.55) -> pdk.Layer:
    """A hillshade PNG served from the app's own static folder, stretched over ``bounds_lonlat``.

    The URL is quoted so that pydeck passes it through instead of inlining a local file.
    """
    return pdk.Layer("BitmapLayer", id=layer_id, image=f"'{image_url}'", bounds=list(bounds_lonlat), opacity=opacity,
                     pickable=False)


def country_layers(basemap: Basemap) -> list[pdk.Layer]:
    """Country fills (the watched side of the region's border lighter) and their outlines (coasts and borders,
    without the edges of the area the detail was clipped to: the world layer goes on beyond them)."""
    region = basemap.region or bundled_region()
    countries = basemap.countries.assign(focus=basemap.countries["adm0_a3"].isin(region.watched))
    if countries.empty:
        return []
    clip_edge = shapely.box(*(basemap.land_lonlat or region.aoi_lonlat)).exterior.buffer(1e-6)
    outlines = gpd.GeoDataFrame(geometry=shapely.difference(countries.geometry.boundary.values, clip_edge),
                                crs=countries.crs)
    return [
        pdk.Layer(
            "GeoJsonLayer", id="countries", data=_geojson(countries, ["adm0_a3", "focus"]), stroked=False, filled=True,
            get_fill_color=f"properties.focus ? {list(COUNTRY_FILL_FOCUS)} : {list(COUNTRY_FILL)}", pickable=False,
        ),
        thin_line_layer("country-outlines", outlines[~outlines.is_empty], colour=COUNTRY_EDGE, width_px=0.5),
    ]


def water_layers(basemap: Basemap) -> list[pdk.Layer]:
    """Lakes as fills and rivers as thin lines, each piece as opaque as its ``alpha`` (fading out beyond the region)."""
    return [
        thin_line_layer("rivers", basemap.rivers, colour=WATER, width_px=1),
        pdk.Layer("GeoJsonLayer", id="lakes", data=_geojson(basemap.lakes, ["alpha"]), stroked=False, filled=True,
                  get_fill_color=faded_colour_expression(WATER, alpha="properties.alpha"), pickable=False),
    ]


def border_layers(basemap: Basemap) -> list[pdk.Layer]:
    """Land borders on top of everything else, EU external borders bright and thick.

    The region's watched borders get a halo so they stand out over the hexagons.
    """
    borders = basemap.borders
    external = borders[borders["eu_external"].astype(bool)]
    focus = borders[borders["pair"].isin((basemap.region or bundled_region()).pairs)]
    return [
        pdk.Layer("GeoJsonLayer", id="borders-internal", data=_geojson(borders[~borders["eu_external"].astype(bool)], ["pair"]),
                  get_line_color=list(BORDER_OTHER), line_width_min_pixels=1.2, pickable=False),
        pdk.Layer("GeoJsonLayer", id="borders-focus-halo", data=_geojson(focus, ["pair"]),
                  get_line_color=[0, 0, 0, 160], line_width_min_pixels=6, pickable=False),
        pdk.Layer("GeoJsonLayer", id="borders-eu-external", data=_geojson(external, ["pair"]),
                  get_line_color=list(BORDER_EU_EXTERNAL), line_width_min_pixels=2.5, pickable=False),
    ]


BORDER_TOWN_DEG = 0.3
"""A town this close (degrees, ~25-33 km here) to a focus border is a border town: its label is placed first."""
LABEL_ZOOM = 7.6
"""The bundled region's opening zoom: a region's own opening zoom is the one at which town labels must not overlap
(they only part further when zooming in)."""
LABEL_PAD_PX = 3.0
EQUATOR_M = 40_075_016.686
"""The equator's length in metres (WGS 84): Web Mercator's world width at zoom 0."""


def town_priority(basemap: Basemap) -> list[int]:
    """Label priority of each town: border towns 100 (major ones 110), other major cities 50, the rest 0."""
    towns = basemap.towns
    pairs = (basemap.region or bundled_region()).pairs
    focus = basemap.borders[basemap.borders["pair"].isin(pairs)].geometry.union_all()
    near = gpd.GeoSeries(gpd.points_from_xy(towns["lon"], towns["lat"])).distance(focus) <= BORDER_TOWN_DEG
    major = towns["rank"].to_numpy() == 0
    return [int(100 * b + 10 * m if b else 50 * m) for b, m in zip(near.to_numpy(), major, strict=True)]


def screen_px(lon: float, lat: float, *, zoom: float = LABEL_ZOOM) -> tuple[float, float]:
    """Web Mercator pixel coordinates (deck.gl's 512-px world) of a point in degrees at ``zoom``."""
    scale = 512.0 * 2.0 ** zoom
    y = (1.0 - math.log(math.tan(math.radians(lat)) + 1.0 / math.cos(math.radians(lat))) / math.pi) / 2.0
    return (lon + 180.0) / 360.0 * scale, y * scale


TOWN_LABEL_EM: Final[float] = 0.52
"""Source Sans semibold averages about half an em per character."""


def label_box(lon: float, lat: float, text: str, size_px: float, *, zoom: float = LABEL_ZOOM,
              em: float = TOWN_LABEL_EM, centred: bool = False) -> tuple[float, float, float, float]:
    """The pixel box (x0, y0, x1, y1) of a label anchored at its start 6 px right of the point (``centred``: its
    middle on the point), ``em`` wide a character, with padding."""
    x, y = screen_px(lon, lat, zoom=zoom)
    width = em * size_px * len(text)
    left = x - width / 2 if centred else x + 6
    return (left - LABEL_PAD_PX, y - size_px / 2 - LABEL_PAD_PX, left + width + LABEL_PAD_PX, y + size_px / 2 + LABEL_PAD_PX)


def overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def placed_labels(rows: list[dict[str, Any]], *, zoom: float = LABEL_ZOOM, em: float = TOWN_LABEL_EM,
                  centred: bool = False) -> list[dict[str, Any]]:
    """The labels that fit at ``zoom`` without overlapping (boxes of :func:`label_box`), highest ``priority`` first
    (ties: larger, then the order of ``rows``: for towns major cities, then the gazetteer's order, which lists the
    crossing towns first)."""
    kept: list[dict[str, Any]] = []
    boxes: list[tuple[float, float, float, float]] = []
    for row in sorted(rows, key=lambda r: (-r["priority"], -r["size"])):  # stable: ties keep their order
        box = label_box(row["lon"], row["lat"], row["name"], row["size"], zoom=zoom, em=em, centred=centred)
        if not any(overlaps(box, other) for other in boxes):
            kept.append(row)
            boxes.append(box)
    return kept


def town_label_boxes(basemap: Basemap, language: str = "en") -> list[tuple[float, float, float, float]]:
    """The pixel boxes of the town labels :func:`town_layer` keeps for readers of ``language``, at :data:`LABEL_ZOOM`."""
    zoom = (basemap.region or bundled_region()).view.zoom
    return [label_box(r["lon"], r["lat"], r["name"], r["size"], zoom=zoom) for r in town_layer(basemap, language).data]


def metres_per_px(lat: float, zoom: float) -> float:
    """Ground metres per CSS pixel of deck.gl's Web Mercator (a 512-px world at zoom 0) at latitude ``lat``."""
    return EQUATOR_M * math.cos(math.radians(lat)) / (512.0 * 2.0 ** zoom)


def town_layer(basemap: Basemap, language: str = "en") -> pdk.Layer:
    """Town names, major cities larger, on a dark halo (the font atlas is drawn in the browser from the glyphs the names
    use), named for readers of ``language`` (:func:`reader_town_names`); where labels would overlap at the region's
    opening zoom only the one of highest priority is kept (border towns first).

    Labels are sized on the ground (``size_m``: their pixel size at the opening zoom) and capped at that pixel size:
    zooming out, names shrink with the distances between them, so labels that part at the opening zoom never run
    into a blob over a continent; zooming in, they stay at their size while the towns move apart."""
    towns = basemap.towns
    zoom = (basemap.region or bundled_region()).view.zoom
    data = placed_labels([
        {"name": n, "lon": round(float(x), 4), "lat": round(float(y), 4), "size": 14 if r == 0 else 11, "priority": p}
        for n, x, y, r, p in zip(reader_town_names(towns, language), towns["lon"], towns["lat"], towns["rank"],
                                 town_priority(basemap), strict=True)
    ], zoom=zoom)
    for row in data:
        row["size_m"] = round(row["size"] * metres_per_px(row["lat"], zoom), 1)
    return pdk.Layer(
        "TextLayer", id="towns", data=data, get_position="[lon, lat]", get_text="name", get_size="size_m",
        size_units="'meters'", size_min_pixels=0, size_max_pixels=max((row["size"] for row in data), default=14),
        get_color=list(TOWN_TEXT), get_text_anchor="'start'", get_alignment_baseline="'center'",
        get_pixel_offset=[6, 0], outline_width=3, outline_color=[11, 19, 32, 255], font_settings={"sdf": True},
        font_family="'Source Sans, Helvetica, Arial, sans-serif'", font_weight=600,
        character_set="'auto'", pickable=False,
    )


def town_marker_layer(basemap: Basemap) -> pdk.Layer:
    """Small dots at the towns' positions, under their labels."""
    towns = basemap.towns
    data = [{"lon": round(float(x), 4), "lat": round(float(y), 4)} for x, y in zip(towns["lon"], towns["lat"], strict=True)]
    return pdk.Layer("ScatterplotLayer", id="town-dots", data=data, get_position="[lon, lat]", get_radius=3,
                     radius_units="'pixels'", get_fill_color=list(TOWN_TEXT), pickable=False)
