"""Crossing routes and their corridor as files: GeoJSON and GeoParquet, EPSG:4326.

Routes carry geometry and aggregates only (rank, places at either end, length, walking time,
unseen share, crossing point); the corridor is H3 cell outlines with how much dearer than the
cheapest route their best path is. Neither holds an event count, so no small-count rule applies.
"""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import shapely

from geo.coverage.routes import COLUMNS, Routes
from geo.errors import CoverageError, msg

SUFFIXES = (".geojson", ".json", ".parquet", ".geoparquet")


def routes_frame(routes: Routes) -> gpd.GeoDataFrame:
    """One LineString (lon, lat) per route with the route table's columns, figures rounded for reading."""
    table = routes.table[list(COLUMNS)].copy()
    table = table.round({"length_km": 2, "walk_h": 2, "unseen_share": 3, "cost_h": 2, "crossing_lat": 5,
                         "crossing_lon": 5})
    return gpd.GeoDataFrame(table, geometry=[shapely.LineString(np.round(p, 5)) for p in routes.paths],
                            crs="EPSG:4326")


def corridor_frame(routes: Routes) -> gpd.GeoDataFrame:
    """The corridor band as H3 cell polygons with ``cell`` (hex id) and ``excess`` (share over the cheapest)."""
    hexes = [format(int(c), "x") for c in routes.band.index.to_numpy(np.uint64)]
    polygons = [shapely.Polygon([(lon, lat) for lat, lon in h3.cell_to_boundary(h)]) for h in hexes]
    return gpd.GeoDataFrame({"cell": hexes, "excess": routes.band.round(3).to_numpy()}, geometry=polygons,
                            crs="EPSG:4326")


def frame_bytes(frame: gpd.GeoDataFrame, *, suffix: str) -> bytes:
    """``frame`` as a GeoJSON FeatureCollection (``.geojson``/``.json``) or GeoParquet (``.parquet``)."""
    if suffix not in SUFFIXES:
        raise CoverageError(msg("route files are {suffixes}; got {suffix!r}",
                                suffixes=", ".join(SUFFIXES), suffix=suffix))
    if suffix in {".geojson", ".json"}:
        return frame.to_json(drop_id=True).encode("utf-8")
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def write_routes(routes: Routes, out: Path, *, corridor_out: Path | None = None) -> list[Path]:
    """Write the routes (and, if asked, the corridor) in the format their suffix names; returns the paths written."""
    paths = [out] + ([corridor_out] if corridor_out else [])
    # Check every name before writing anything: a bad second name must not leave the first file behind.
    for path in paths:
        if path.suffix.lower() not in SUFFIXES:
            raise CoverageError(msg("{path}: route files are {suffixes}; got {suffix!r}",
                                    path=path, suffixes=", ".join(SUFFIXES), suffix=path.suffix))
    jobs = [(routes_frame(routes), out)] + ([(corridor_frame(routes), corridor_out)] if corridor_out else [])
    for frame, path in jobs:
        path.write_bytes(frame_bytes(frame, suffix=path.suffix.lower()))
    return [path for _, path in jobs]
