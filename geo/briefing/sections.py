"""Border sections (EUROSUR, Regulation (EU) 2019/1896 Art. 30): the border split into named pieces.

Three ways to get them, all returning the same frame (:data:`SECTION_COLUMNS`, EPSG:4326):

- :func:`sections_by_length`: each country pair's line cut into equal pieces close to a target
  length (one piece per pair when the target is longer than the line: "per country pair");
- :func:`sections_from_areas`: the border cut by polygons, e.g. police-station areas;
- :func:`read_sections`: a user's file of lines (taken as they are) or polygons (as areas).

Lengths are geodesic (WGS 84); cutting and corridor distances use each line's own UTM zone, so a
section anywhere on Earth measures what it measures on the ground. Names are what a
commander says: the country pair, the section's number along the line and the nearest town,
e.g. ``"GR–MK 3 · Idomeni"``. Events belong to the nearest section within a corridor
(:func:`assign_to_sections`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
import shapely
from shapely.ops import substring

from geo.errors import SectionError, msg
from geo.spatial import (
    Basemap,
    border_lines,
    geodesic_length_km,
    geometry_to_lonlat,
    geometry_to_m,
    iso2_codes,
    lonlat_to_xy_m,
    nearest_town,
    repair_geometries,
    utm_crs_of,
)

SECTION_COLUMNS: Final[tuple[str, ...]] = ("section_id", "name", "pair", "length_km", "geometry")
"""Columns of every sections frame; ``geometry`` is a (multi)line in EPSG:4326."""

DASH: Final[str] = "\u2013"


def pair_label(pair: str) -> str:
    """``"HUN-SRB"`` -> ``"HU–RS"`` (the border file carries ISO3 pairs); codes without a two-letter form
    (a user's ``LINE-1``) are kept as they are."""
    codes = iso2_codes()
    return DASH.join(codes.get(code, code) for code in pair.split("-"))


def _length_km(geometry_lonlat: shapely.Geometry) -> float:
    return geodesic_length_km(geometry_lonlat)


def _midpoint_lonlat(geometry_lonlat: shapely.Geometry) -> tuple[float, float]:
    point = shapely.line_interpolate_point(geometry_lonlat, 0.5, normalized=True)
    return float(point.x), float(point.y)


def _frame(records: list[dict[str, object]]) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(records, columns=list(SECTION_COLUMNS), geometry="geometry", crs="EPSG:4326")
    if frame["section_id"].duplicated().any():
        raise SectionError(msg("section ids must be unique; repeated: {ids}",
                               ids=sorted(frame.loc[frame['section_id'].duplicated(), 'section_id'])))
    return frame.reset_index(drop=True)


def _check_borders(borders: gpd.GeoDataFrame) -> None:
    if "pair" not in borders.columns or borders.empty:
        raise SectionError(msg("the border layer must have rows and a 'pair' column (e.g. 'HUN-SRB')"))
    if borders.crs is None or borders.crs.to_epsg() != 4326:
        raise SectionError(msg("the border layer must be in EPSG:4326; found {crs}", crs=borders.crs))


def sections_by_length(borders: gpd.GeoDataFrame, *, target_length_km: float, towns: pd.DataFrame) -> gpd.GeoDataFrame:
    """Cut each country pair's border into equal pieces as close as possible to ``target_length_km``.

    Parameters
    ----------
    borders : geopandas.GeoDataFrame
        Land borders in EPSG:4326 with a ``pair`` column (ISO3 codes, ``"HUN-SRB"``), one row per pair.
    target_length_km : float
        Wanted section length in km; ``math.inf`` gives one section per country pair.
    towns : pandas.DataFrame
        ``name``, ``lat``, ``lon`` (degrees) of the towns that name the sections.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`SECTION_COLUMNS`; ids ``"<pair>-<nn>"`` numbered along each line from its start.
        The pieces of a pair add up to the pair's line exactly.
    """
    _check_borders(borders)
    if not target_length_km > 0:
        raise SectionError(msg("target_length_km must be > 0; got {target_length_km}",
                               target_length_km=target_length_km))
    records: list[dict[str, object]] = []
    for pair, geometry in zip(borders["pair"], borders.geometry):
        # Pieces that join up become one line, so that cutting by length runs along the whole border.
        line = shapely.line_merge(geometry) if geometry.geom_type == "MultiLineString" else geometry
        if line.geom_type != "LineString":
            raise SectionError(msg("the {pair} border is not one connected line ({geom_type}); give the sections as "
                                   "a file instead", pair=pair, geom_type=line.geom_type))
        crs = utm_crs_of(line)
        line_m = geometry_to_m(line, crs=crs)
        total_km = _length_km(line)
        n = 1 if math.isinf(target_length_km) else max(1, round(total_km / target_length_km))
        for i in range(n):
            # Cut in metres of the line's own zone, so that the pieces are equally long on the ground.
            piece_m = substring(line_m, i / n, (i + 1) / n, normalized=True)
            piece = geometry_to_lonlat(piece_m, crs=crs)
            lon, lat = _midpoint_lonlat(piece)
            town = nearest_town(lat, lon, towns).name
            label = f"{pair_label(pair)} {i + 1}" if n > 1 else pair_label(pair)
            records.append({"section_id": f"{pair}-{i + 1:02d}", "name": f"{label} · {town}", "pair": pair,
                            "length_km": _length_km(piece), "geometry": piece})
    return _frame(records)


def sections_from_areas(borders: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, *, name_column: str) -> gpd.GeoDataFrame:
    """The border cut by polygons (e.g. police-station areas): one section per area and country pair.

    Parts of the border outside every area belong to no section. ``areas`` must be in EPSG:4326
    (see :func:`read_sections`, which reprojects) and name each area in ``name_column``.
    """
    _check_borders(borders)
    if name_column not in areas.columns:
        raise SectionError(msg("the area layer has no column {name_column!r}; columns: {columns}",
                               name_column=name_column, columns=list(areas.columns)))
    if areas.crs is None or areas.crs.to_epsg() != 4326:
        raise SectionError(msg("the area layer must be in EPSG:4326; found {crs}", crs=areas.crs))
    records: list[dict[str, object]] = []
    for pair, line in zip(borders["pair"], borders.geometry):
        for area_name, polygon in zip(areas[name_column].astype(str), areas.geometry):
            piece = shapely.line_merge(shapely.intersection(line, polygon))
            if piece.is_empty or piece.length == 0:
                continue
            records.append({"section_id": f"{pair}-{_slug(area_name)}", "name": f"{pair_label(pair)} · {area_name}",
                            "pair": pair, "length_km": _length_km(piece), "geometry": piece})
    if not records:
        raise SectionError(msg("no area of the polygon layer touches the border: check the file's extent and CRS"))
    return _frame(records)


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.strip()).strip("-").upper() or "AREA"


def _nearest_pair(geometry: shapely.Geometry, borders: gpd.GeoDataFrame) -> str:
    lon, lat = _midpoint_lonlat(geometry)
    distances = shapely.distance(shapely.points(lon, lat), borders.geometry.to_numpy())
    return str(borders["pair"].iloc[int(np.argmin(distances))])


def read_sections(path: Path, *, borders: gpd.GeoDataFrame, towns: pd.DataFrame,
                  name_column: str | None = None) -> gpd.GeoDataFrame:
    """Sections from a user's vector file (GeoJSON, GeoPackage, Shapefile, GeoParquet, ...).

    Lines are taken as the sections themselves, in the file's order; polygons are areas that cut
    ``borders`` (:func:`sections_from_areas`). A file in another CRS is reprojected; a file
    without a CRS is refused, since its coordinates could mean anything.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    borders : geopandas.GeoDataFrame
        Land borders (EPSG:4326, ``pair``): cut by polygons, and give lines their country pair.
    towns : pandas.DataFrame
        ``name``, ``lat``, ``lon``: names lines that have no name of their own.
    name_column : str, optional
        Column naming each feature; default ``name`` when the file has it.
    """
    if not path.exists():
        raise SectionError(msg("no sections file at {path}", path=path))
    try:
        frame = pyogrio.read_dataframe(path)
    except pyogrio.errors.DataSourceError as exc:
        raise SectionError(msg("cannot read the sections file {name}: {exc}", name=path.name, exc=exc)) from None
    if frame.crs is None:
        raise SectionError(msg("{name} has no CRS: save it with one (e.g. EPSG:4326) so its coordinates are "
                               "unambiguous", name=path.name))
    frame, problems = repair_geometries(frame)
    rejected = problems[problems["action"] == "rejected"]
    if not rejected.empty:
        rows = "; ".join(f"feature {r + 1}: {reason}" for r, reason in zip(rejected["row"], rejected["reason"]))
        raise SectionError(msg("{name} has geometry that cannot be used ({rows}); fix or remove those features",
                               name=path.name, rows=rows))
    frame = frame.to_crs("EPSG:4326")
    if frame.empty:
        raise SectionError(msg("{name} holds no geometry", name=path.name))
    if name_column is None and "name" in frame.columns:
        name_column = "name"
    if name_column is not None and name_column not in frame.columns:
        raise SectionError(msg("{name} has no column {name_column!r}; columns: {columns}",
                               name=path.name, name_column=name_column, columns=list(frame.columns)))
    kinds = set(frame.geom_type)
    if kinds <= {"Polygon", "MultiPolygon"}:
        if name_column is None:
            frame = frame.assign(name=[f"Area {i + 1}" for i in range(len(frame))])
            name_column = "name"
        return sections_from_areas(borders, frame, name_column=name_column)
    if not kinds <= {"LineString", "MultiLineString"}:
        raise SectionError(msg("{name}: sections must be all lines or all polygons; found {kinds}",
                               name=path.name, kinds=sorted(kinds)))
    records: list[dict[str, object]] = []
    for i, geometry in enumerate(frame.geometry, start=1):
        lon, lat = _midpoint_lonlat(geometry)
        pair = _nearest_pair(geometry, borders)
        own = None if name_column is None else frame[name_column].iloc[i - 1]
        name = str(own) if own is not None and str(own).strip() else f"{pair_label(pair)} {i} · {nearest_town(lat, lon, towns).name}"
        section_id = str(frame["section_id"].iloc[i - 1]) if "section_id" in frame.columns else f"USER-{i:02d}"
        records.append({"section_id": section_id, "name": name, "pair": pair, "length_km": _length_km(geometry),
                        "geometry": geometry})
    return _frame(records)


@dataclass(frozen=True, slots=True)
class SectionSource:
    """Where sections come from: a user's file (lines or polygons), else cut by ``target_length_km``."""

    path: Path | None = None
    name_column: str | None = None
    target_length_km: float = 25.0


def make_sections(source: SectionSource, basemap: Basemap) -> gpd.GeoDataFrame:
    """The sections of ``source`` along the watched borders of the basemap's region."""
    borders = border_lines(basemap.region)
    if source.path is not None:
        return read_sections(source.path, borders=borders, towns=basemap.towns, name_column=source.name_column)
    return sections_by_length(borders, target_length_km=source.target_length_km, towns=basemap.towns)


def assign_to_sections(lat: npt.ArrayLike, lon: npt.ArrayLike, sections: gpd.GeoDataFrame, *,
                       corridor_km: float) -> npt.NDArray[np.int64]:
    """The position in ``sections`` of the nearest section to each point, or -1 beyond the corridor.

    Parameters
    ----------
    lat, lon : array-like of float
        Points in degrees (EPSG:4326).
    sections : geopandas.GeoDataFrame
        Sections in EPSG:4326.
    corridor_km : float
        Half-width of the corridor: a point farther than this from every section belongs to none
        (distance in metres of the section's own UTM zone).
    """
    if not corridor_km > 0:
        raise SectionError(msg("corridor_km must be > 0; got {corridor_km}", corridor_km=corridor_km))
    lon, lat = np.asarray(lon, dtype=float).ravel(), np.asarray(lat, dtype=float).ravel()
    result = np.full(lon.size, -1, dtype=np.int64)
    if lon.size == 0 or sections.empty:
        return result
    best = np.full(lon.size, np.inf)
    zones = np.array([utm_crs_of(g) for g in sections.geometry])
    for crs in np.unique(zones):
        members = np.flatnonzero(zones == crs)
        geometries = sections.geometry.to_numpy()[members]
        # Only points near these sections are projected into their zone (far outside it TM distances stretch).
        west, south, east, north = shapely.total_bounds(geometries)
        margin_lat = corridor_km / 110.0 + 0.01
        margin_lon = margin_lat / max(math.cos(math.radians(min(max(abs(south), abs(north)) + margin_lat, 89.0))), 0.01)
        near = np.flatnonzero((lon >= west - margin_lon) & (lon <= east + margin_lon)
                              & (lat >= south - margin_lat) & (lat <= north + margin_lat))
        if near.size == 0:
            continue
        x_m, y_m = lonlat_to_xy_m(lon[near], lat[near], crs=str(crs))
        tree = shapely.STRtree(np.array([geometry_to_m(g, crs=str(crs)) for g in geometries], dtype=object))
        (points, nearest), distance = tree.query_nearest(shapely.points(x_m, y_m), max_distance=corridor_km * 1000.0,
                                                         all_matches=False, return_distance=True)
        closer = distance < best[near[points]]
        best[near[points[closer]]] = distance[closer]
        result[near[points[closer]]] = members[nearest[closer]]
    return result
