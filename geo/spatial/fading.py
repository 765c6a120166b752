"""What fades out around a region: rivers and lakes beyond its area, and the world's land and borders beyond its
detail, cut into nested boxes whose rings grow fainter (and coarser) outwards, so that nothing ends in a straight cut
and the browser is sent no more geometry than a zoomed-out view shows. Degrees, EPSG:4326."""

from __future__ import annotations

from dataclasses import replace
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.region import Region, view_bbox

DETAIL_TOLERANCE_DEG: Final[float] = 0.002
"""The detail's simplification (degrees, ~200 m): well below the 1:10M source's 1-2 km vertex spacing."""
FADE_TOLERANCE_DEG: Final[float] = 0.01
"""Water in the fading rings, seen only zoomed out, is simplified to ~1 km."""
WIDE_MAP_PX: Final[tuple[int, int]] = (1200, 700)
"""The live map on a wide screen (~1140 × 640 CSS pixels in a 1600 × 1000 window), rounded up."""
WATER_ZOOM_OUT: Final[tuple[float, float]] = (1.0, 1.5)
"""Water is whole as far as the map shows this many zoom levels out of the opening view, and gone at the second."""
WATER_FADE_RINGS: Final[int] = 3


def _nested_boxes(inner: tuple[float, float, float, float], outer: tuple[float, float, float, float],
                  rings: int) -> list[tuple[float, float, float, float]]:
    """``inner``, ``outer`` and the ``rings`` - 1 boxes between them at equal steps (degrees)."""
    steps = np.linspace(0.0, 1.0, rings + 1)
    return [tuple(float(a + t * (b - a)) for a, b in zip(inner, outer, strict=True)) for t in steps]  # type: ignore[misc]


def water_boxes(region: Region) -> list[tuple[float, float, float, float]]:
    """Nested boxes (degrees) that rivers and lakes are cut into: the first is what a :data:`WIDE_MAP_PX` map shows one
    zoom level out of the region's opening view (water is drawn whole there), the last what it shows 1.5 levels
    out (:data:`WATER_ZOOM_OUT`); the :data:`WATER_FADE_RINGS` rings between them fade out, so the water never ends
    in a straight cut."""
    inner, outer = (view_bbox(replace(region.view, zoom=region.view.zoom - out), width_px=WIDE_MAP_PX[0],
                              height_px=WIDE_MAP_PX[1]) for out in WATER_ZOOM_OUT)
    return _nested_boxes(inner, outer, WATER_FADE_RINGS)


def faded(frame: gpd.GeoDataFrame, boxes: list[tuple[float, float, float, float]]) -> gpd.GeoDataFrame:
    """``frame``'s geometries cut into the nested ``boxes`` (degrees, see :func:`water_boxes`), with ``alpha``: 255
    inside the first, falling by equal steps ring by ring outwards; the rings simplified more coarsely, coordinates
    to 3 decimals (~100 m) as the countries'."""
    pieces = []
    for ring, box in enumerate(boxes):
        part = shapely.clip_by_rect(frame.geometry.values, *box)
        if ring:
            part = shapely.difference(part, shapely.box(*boxes[ring - 1]))
        part = shapely.simplify(part, FADE_TOLERANCE_DEG if ring else DETAIL_TOLERANCE_DEG, preserve_topology=True)
        pieces.append(frame.assign(geometry=shapely.set_precision(part, 1e-3, mode="pointwise"),
                                   alpha=round(255 * (1 - ring / len(boxes)))))
    water = pd.concat(pieces, ignore_index=True)
    return water[~water.geometry.is_empty].reset_index(drop=True)


WORLD_FADE_DEG: Final[float] = 4.0
"""The world around a region fades out over this much (degrees) inside the edge of the box it is drawn in."""
WORLD_FADE_RINGS: Final[int] = 6
"""In this many steps: seen from further out than the water, three steps showed as bands."""
LAND_OVERLAP_DEG: Final[float] = 0.01
"""The region's 1:10m land reaches this far (degrees, ~1 km) over the edge of the hole cut for it in the world's fill,
so that the hole's edge stays under the detailed fill."""


WORLD_ZOOM_OUT: Final[float] = 2.0
"""The world is whole as far as a wide map shows this many zoom levels out of a region's opening view; its fade lies
beyond (a region that opens on half a continent, FI-RU at zoom 4.25, showed the fade inside its opening view)."""


def world_box(region: Region, *, margin_deg: float) -> tuple[float, float, float, float]:
    """Where the world is drawn around ``region`` (west, south, east, north degrees): ``margin_deg`` around its area
    of interest, or what a :data:`WIDE_MAP_PX` map shows :data:`WORLD_ZOOM_OUT` levels out of its opening view and
    :data:`WORLD_FADE_DEG` more (the fade), whichever reaches further on each side; at most the whole world."""
    west, south, east, north = region.aoi_lonlat
    view = view_bbox(replace(region.view, zoom=region.view.zoom - WORLD_ZOOM_OUT), width_px=WIDE_MAP_PX[0],
                     height_px=WIDE_MAP_PX[1])
    return (max(min(west - margin_deg, view[0] - WORLD_FADE_DEG), -180.0),
            max(min(south - margin_deg, view[1] - WORLD_FADE_DEG), -85.0),
            min(max(east + margin_deg, view[2] + WORLD_FADE_DEG), 180.0),
            min(max(north + margin_deg, view[3] + WORLD_FADE_DEG), 85.0))


def world_around(world: gpd.GeoDataFrame, *, bbox: tuple[float, float, float, float] | None,
                 land: tuple[float, float, float, float] | None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The world's land and its outlines around a region, as little geometry as the map needs.

    Software WebGL (SwiftShader, a browser without a GPU) redraws every layer each frame, on screen or not: whole
    countries meeting the box (Russia to the Urals) cost it ~0.16 s a frame for the fill and as much for the outlines
    (bench/frame_bench.py). So the land is clipped to ``bbox`` (degrees; None: the whole world) and fades out over
    its last :data:`WORLD_FADE_DEG` (ring by ring, simplified more coarsely: :func:`faded`), and the coasts and
    borders are lines, each border once (a country polygon's outline draws every border twice).

    Parameters
    ----------
    world : geopandas.GeoDataFrame
        Country polygons (``adm0_a3``), EPSG:4326, sharing their edges.
    bbox : tuple of float or None
        West, south, east, north (degrees) the world is drawn in, or None for all of it, unfaded.
    land : tuple of float or None
        The box the region's own 1:10m countries fill (degrees): the world's fill leaves a hole there
        (:data:`LAND_OVERLAP_DEG` inside its edge) and its lines stop at its edge, so that no coarser coast or border
        runs beside the detailed one.

    Returns
    -------
    tuple of geopandas.GeoDataFrame
        Fills (``adm0_a3``, ``alpha``) and outlines (``alpha``), ``alpha`` 0-255.
    """
    fills = world[["adm0_a3", "geometry"]]
    lines = gpd.GeoDataFrame(geometry=gpd.GeoSeries(
        shapely.get_parts(shapely.line_merge(shapely.union_all(shapely.boundary(fills.geometry.values)))),
        crs=world.crs))
    if bbox is not None:
        fills = fills[shapely.intersects(fills.geometry.values, shapely.box(*bbox))]
        fills = fills.assign(geometry=shapely.clip_by_rect(fills.geometry.values, *bbox))
        lines = lines.assign(geometry=shapely.clip_by_rect(lines.geometry.values, *bbox))
    if bbox is None:
        fills, lines = fills.assign(alpha=255), lines.assign(alpha=255)
    else:
        west, south, east, north = bbox
        inner = (west + WORLD_FADE_DEG, south + WORLD_FADE_DEG, east - WORLD_FADE_DEG, north - WORLD_FADE_DEG)
        boxes = _nested_boxes(inner, bbox, WORLD_FADE_RINGS)
        fills, lines = faded(fills, boxes), faded(lines, boxes).dissolve(by="alpha", as_index=False)
    if land is not None:  # after the fade's simplification, which would move the hole's edge into the hole
        west, south, east, north = land
        hole = shapely.box(west + LAND_OVERLAP_DEG, south + LAND_OVERLAP_DEG, east - LAND_OVERLAP_DEG,
                           north - LAND_OVERLAP_DEG)
        fills = fills.assign(geometry=shapely.difference(fills.geometry.values, hole))
        lines = lines.assign(geometry=shapely.difference(lines.geometry.values, shapely.box(*land)))
    return (fills[~fills.geometry.is_empty].reset_index(drop=True),
            lines[~lines.geometry.is_empty].reset_index(drop=True))


