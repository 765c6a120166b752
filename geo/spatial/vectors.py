"""The bundled vector geodata (Natural Earth 1:10m and a border-town gazetteer), read for our own basemap.

Everything is EPSG:4326 and clipped to the region's area of interest so that the browser receives
only what the view can show. Paths point into the bundled ``data/`` folder (the checkout's, or the
installed package's: :func:`geo.settings.bundled_data_dir`); the app never reads ``../shared`` at run time.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
import shapely

from geo.errors import GeodataError, msg
from geo.i18n import N_, Translator, official_languages, town_name, translator
from geo.region import Region
from geo.settings import bundled_data_dir, bundled_region
from geo.spatial.fading import DETAIL_TOLERANCE_DEG, faded, water_boxes
from geo.spatial.projection import EARTH_RADIUS_KM, azimuth_deg
from geo.spatial.world import WORLD_COUNTRIES, iso2_codes, read_world, world_overview, world_towns

DATA_DIR: Final[Path] = bundled_data_dir()
VECTOR_DIR: Final[Path] = DATA_DIR / "vector"
DEM_DIR: Final[Path] = DATA_DIR / "dem"
BALKAN_LONLAT: Final[tuple[float, float, float, float]] = (13.0, 34.0, 30.0, 48.0)
"""Where the bundled Natural Earth detail (rivers, lakes, places) exists; the world layers fill the rest."""
MARGIN_DEG: Final[float] = 0.0
"""Detail is drawn this far around a region's area of interest (degrees); beyond it the world layers show.
None: the first map's payload stays that of the area itself."""


def detail_bbox(region: Region, *, margin_deg: float = MARGIN_DEG) -> tuple[float, float, float, float]:
    """The region's area of interest widened by ``margin_deg`` (degrees)."""
    west, south, east, north = region.aoi_lonlat
    return (max(west - margin_deg, -180.0), max(south - margin_deg, -85.0), min(east + margin_deg, 180.0),
            min(north + margin_deg, 85.0))


TOWN_REACH_KM: Final[float] = 100.0
"""Farther than this from every gazetteer town, a place is given by its position, not a town."""


@dataclass(frozen=True)
class Basemap:
    """Vector layers of our offline basemap, EPSG:4326, clipped to the area of interest."""

    countries: gpd.GeoDataFrame
    borders: gpd.GeoDataFrame
    lakes: gpd.GeoDataFrame
    """Lakes with ``alpha`` (0-255), fading out beyond the area (see :func:`water_boxes`)."""
    rivers: gpd.GeoDataFrame
    """Rivers with ``alpha``, as ``lakes``."""
    towns: pd.DataFrame
    region: Region | None = None
    """The region the layers were read for (its pairs are the watched borders)."""
    world: gpd.GeoDataFrame | None = None
    """1:50m countries of the whole world (``adm0_a3``, ``name``), under the region's detail."""
    world_towns: pd.DataFrame | None = None
    """The world's large towns, named in their own script where the source has it."""
    land_lonlat: tuple[float, float, float, float] | None = None
    """The box ``countries`` was clipped to (degrees, see :func:`land_bbox`); the world layer is drawn outside it."""


def read_vector(path: Path, *, bbox: tuple[float, float, float, float] | None = None) -> gpd.GeoDataFrame:
    """Read a vector file, require EPSG:4326, and clip it to ``bbox`` (west, south, east, north, degrees) if given."""
    if not path.exists():
        raise GeodataError(msg("missing data file {path}; restore the data/ folder (or reinstall Limes)",
                               path=path))
    try:
        frame = pyogrio.read_dataframe(path, bbox=bbox)
    except pyogrio.errors.DataSourceError as exc:
        raise GeodataError(msg("cannot read {name}: {exc}", name=path.name, exc=exc)) from None
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        raise GeodataError(msg("{name} must be in EPSG:4326; found {crs}", name=path.name, crs=frame.crs))
    frame = frame[frame.geometry.notna()].copy()
    if bbox is not None:
        frame["geometry"] = shapely.clip_by_rect(frame.geometry.values, *bbox)
    return frame[~frame.geometry.is_empty].reset_index(drop=True)


def border_lines(region: Region | None = None) -> gpd.GeoDataFrame:
    """The region's watched border lines (EPSG:4326, whole, not clipped) with ``pair``, ``eu_external`` and
    ``length_km``; the bundled region's when none is given."""
    region = region or bundled_region()
    try:
        borders = pyogrio.read_dataframe(region.borders, bbox=detail_bbox(region))
    except pyogrio.errors.DataSourceError as exc:
        raise GeodataError(msg("cannot read the region's border file {name}: {exc}",
                               name=region.borders.name, exc=exc)) from None
    chosen = borders[borders["pair"].isin(region.pairs)]
    if len(chosen) != len(region.pairs):
        raise GeodataError(msg("border pairs {pairs} are not in {name}",
                               pairs=sorted(set(region.pairs) - set(chosen["pair"])), name=region.borders.name))
    return chosen.reset_index(drop=True)


def region_countries(region: Region, bbox: tuple[float, float, float, float] | None = None) -> gpd.GeoDataFrame:
    """Country polygons around the region (``adm0_a3``, ``name``, ``eu_member``): its own file, else the world's
    1:10m, clipped to ``bbox`` (default: the area of interest with a margin)."""
    bbox = bbox or detail_bbox(region)
    if region.countries is not None:
        return read_vector(region.countries, bbox=bbox)
    return read_world(WORLD_COUNTRIES, bbox=bbox, clip=True)


WORLD_DETAIL_MARGIN_DEG: Final[float] = 1.5
"""Around a region without its own country file, the world's 1:10m countries are drawn this far beyond its area of
interest (degrees): its opening view shows no 1:50m line beside a 1:10m border."""


def land_bbox(region: Region) -> tuple[float, float, float, float]:
    """Where the map draws the land from 1:10m country polygons (degrees): the region's own file inside its area of
    interest, else the world's 1:10m countries :data:`WORLD_DETAIL_MARGIN_DEG` beyond it. The 1:50m world is drawn
    only outside it."""
    return detail_bbox(region) if region.countries is not None else detail_bbox(region,
                                                                                 margin_deg=WORLD_DETAIL_MARGIN_DEG)


def detail_countries(region: Region, bbox: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    """The detailed country polygons for the map, clipped to ``bbox`` (degrees): the region's own file, else the
    world's 1:10m countries (the world layer leaves this box to them: see :func:`land_bbox`)."""
    if region.countries is None:
        return read_world(WORLD_COUNTRIES, bbox=bbox, clip=True)
    return read_vector(region.countries, bbox=bbox)


def detail_water(path: Path, region: Region) -> gpd.GeoDataFrame:
    """Rivers or lakes (``path``, one of the bundled detail files) around ``region``, fading out (:func:`faded`); none
    unless the detail covers all the map shows one zoom level out (elsewhere its own edge would be a straight cut)."""
    rings = water_boxes(region)
    if not shapely.box(*BALKAN_LONLAT).contains(shapely.box(*rings[0])):
        return gpd.GeoDataFrame({"alpha": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    return faded(read_vector(path, bbox=rings[-1]), rings)


def load_basemap(region: Region | None = None) -> Basemap:
    """The region's basemap layers (around its area of interest, simplified to ~200 m, well below the 1:10M
    source's 1-2 km vertex spacing; rivers and lakes beyond it, fading out: :func:`water_boxes`) over the world's
    1:50m countries and large towns."""
    region = region or bundled_region()
    bbox = detail_bbox(region)
    land = land_bbox(region)
    countries = detail_countries(region, land)[["adm0_a3", "name", "eu_member", "geometry"]]
    borders = read_vector(region.borders, bbox=bbox)
    borders = borders[["pair", "name_l", "name_r", "eu_external", "length_km", "geometry"]]
    lakes, rivers = (detail_water(VECTOR_DIR / name, region) for name in ("ne10m_lakes_balkans.geojson",
                                                                          "ne10m_rivers_balkans.geojson"))
    countries["geometry"] = countries.geometry.simplify(DETAIL_TOLERANCE_DEG, preserve_topology=True)
    # 3 decimals (~100 m, below the simplification's ~200 m): a third of the bytes of full precision, and the
    # world's 1:10m land around a region without its own countries stays ~40 kB per layer.
    countries["geometry"] = shapely.set_precision(countries.geometry.values, 1e-3, mode="pointwise")
    return Basemap(countries=countries, borders=borders, lakes=lakes, rivers=rivers, towns=load_towns(region),
                   region=region, world=world_overview(), world_towns=_outside(world_towns(min_population=WORLD_LABEL_POPULATION), bbox),
                   land_lonlat=land)


WORLD_LABEL_POPULATION: Final[int] = 1_000_000
"""Towns labelled on the world layer (about 500): the region's own area gets every town of 15,000."""


def _inside(frame: pd.DataFrame, bbox: tuple[float, float, float, float]) -> pd.Series:
    west, south, east, north = bbox
    return frame["lon"].between(west, east) & frame["lat"].between(south, north)


def _outside(frame: pd.DataFrame, bbox: tuple[float, float, float, float]) -> pd.DataFrame:
    return frame[~_inside(frame, bbox)].reset_index(drop=True)


def load_towns(region: Region | None = None) -> pd.DataFrame:
    """Town labels around the region: Natural Earth populated places and the region's gazetteer where the
    bundled detail exists, GeoNames towns of 15,000 people elsewhere, de-duplicated by name.

    Returns a frame with ``name`` (Latin), ``name_local`` (in the country's own script where GeoNames or the
    gazetteer has it, else empty), ``adm0_a3``, ``lat``, ``lon`` and ``rank`` (0 = major city).
    """
    region = region or bundled_region()
    bbox = detail_bbox(region)
    places = read_vector(VECTOR_DIR / "ne10m_populated_places_balkans.geojson", bbox=bbox)
    world = world_towns(bbox=bbox)
    world = world[~_inside(world, BALKAN_LONLAT)]
    major = pd.DataFrame(
        {
            "name": places["nameascii"],
            "adm0_a3": places["adm0_a3"],
            "lat": places.geometry.y,
            "lon": places.geometry.x,
            "rank": 0,
        }
    )
    gazetteer = (pd.read_csv(region.gazetteer) if region.gazetteer is not None else major.iloc[:0]).assign(rank=1)
    others = pd.DataFrame({"name": world["name_local"], "adm0_a3": world["adm0_a3"], "lat": world["lat"],
                           "lon": world["lon"], "rank": (world["population"] < 100_000).astype(int),
                           "name_local": world["name_local"]})
    towns = pd.concat([major, gazetteer, others], ignore_index=True).drop_duplicates("name", keep="first")
    towns = towns[_inside(towns, region.aoi_lonlat)].reset_index(drop=True)
    return _with_local_names(towns, [gazetteer, world_towns(bbox=bbox)])


def _with_local_names(towns: pd.DataFrame, sources: list[pd.DataFrame]) -> pd.DataFrame:
    """``towns`` with ``name_local`` filled from the first of ``sources`` naming the same town (name and country)."""
    local = towns["name_local"] if "name_local" in towns else pd.Series(pd.NA, index=towns.index, dtype=object)
    for source in sources:
        if "name_local" not in source or source.empty:
            continue
        lookup = source.dropna(subset=["name_local"]).drop_duplicates(["name", "adm0_a3"]).set_index(
            ["name", "adm0_a3"])["name_local"]
        found = pd.Series([lookup.get((n, c)) for n, c in zip(towns["name"], towns["adm0_a3"], strict=True)],
                          index=towns.index, dtype=object)
        local = local.where(local.notna(), found)
    return towns.assign(name_local=local.fillna("").astype(str))


@dataclass(frozen=True, slots=True)
class Place:
    """A named place (its position in degrees) and how far a point is from it."""

    name: str
    distance_km: float
    lat: float
    lon: float
    position: int = 0
    """The town's row in the frame it was found in (``iloc``)."""


def great_circle_km(lat: float, lon: float, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Great-circle (haversine) distances in km from one point to many, all in degrees."""
    lat1, lon1 = np.radians(lat), np.radians(lon)
    lat2, lon2 = np.radians(np.asarray(lats, dtype=float)), np.radians(np.asarray(lons, dtype=float))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def _unit_vector(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Points (degrees) as unit vectors on the sphere, one row (x, y, z) each."""
    lat, lon = np.radians(np.asarray(lat_deg, dtype=float)), np.radians(np.asarray(lon_deg, dtype=float))
    return np.stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)), axis=-1)


_TOWN_VECTORS: dict[int, tuple[weakref.ref[pd.DataFrame], npt.NDArray[np.float64]]] = {}
"""Unit vectors of the towns frames asked about, by frame identity (dropped with the frame)."""


def _town_vectors(towns: pd.DataFrame) -> npt.NDArray[np.float64]:
    """The towns' unit vectors, computed once per frame (the live map asks for a dozen places a second, each
    against tens of thousands of towns). A frame is taken as read-only once asked about, as the dashboard's
    shared gazetteer is."""
    key = id(towns)
    known = _TOWN_VECTORS.get(key)
    if known is not None and known[0]() is towns and len(known[1]) == len(towns):
        return known[1]
    vectors = _unit_vector(towns["lat"].to_numpy(float), towns["lon"].to_numpy(float))
    _TOWN_VECTORS[key] = (weakref.ref(towns, lambda _: _TOWN_VECTORS.pop(key, None)), vectors)
    return vectors


def nearest_town(lat: float, lon: float, towns: pd.DataFrame) -> Place:
    """The town of ``towns`` (``name``, ``lat``, ``lon`` in degrees) nearest to a point, by great-circle distance.

    The nearest is the town whose unit vector has the largest dot product with the point's (the
    great-circle distance falls as the cosine of the central angle rises); its distance is haversine.
    """
    if towns.empty:
        raise GeodataError(msg("no towns to measure from; the gazetteer is empty"))
    i = int(np.argmax(_town_vectors(towns) @ _unit_vector(lat, lon)))
    town_lat, town_lon = float(towns["lat"].iloc[i]), float(towns["lon"].iloc[i])
    return Place(name=str(towns["name"].iloc[i]), distance_km=float(great_circle_km(lat, lon, town_lat, town_lon)),
                 lat=town_lat, lon=town_lon, position=i)


COMPASS_POINTS: Final[tuple[str, ...]] = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
COMPASS_NAMES: Final[dict[str, str]] = {
    "N": N_("N"), "NE": N_("NE"), "E": N_("E"), "SE": N_("SE"), "S": N_("S"), "SW": N_("SW"), "W": N_("W"),
    "NW": N_("NW")}
"""The compass points' abbreviations, to translate (Greek writes ΒΔ for NW, Cyrillic СЗ)."""


def compass_point(from_lon: float, from_lat: float, to_lon: float, to_lat: float) -> str:
    """The direction from one point to another (degrees) as one of eight compass points: "3 km NW of Evzoni"."""
    return COMPASS_POINTS[int(((azimuth_deg(from_lon, from_lat, to_lon, to_lat) + 22.5) % 360) // 45)]


def reader_town_names(towns: pd.DataFrame, language: str) -> list[str]:
    """Each town's name (``name``, ``name_local``, ``adm0_a3`` columns) for a reader of ``language``
    (:func:`geo.i18n.place_names.town_name`), for map labels."""
    local = towns["name_local"] if "name_local" in towns else [None] * len(towns)
    codes = iso2_codes()
    return [town_name(latin=str(n), local=lo, spoken=official_languages(codes.get(c)), language=language)
            for n, lo, c in zip(towns["name"], local, towns["adm0_a3"], strict=True)]


def describe_place(*, lat: float, lon: float, towns: pd.DataFrame, max_km: float = TOWN_REACH_KM,
                   tr: Translator | None = None) -> str:
    """A point (degrees) in words from its nearest town of ``towns``: ``"3 km NW of Evzoni"``, or
    ``"at Evzoni"`` within a kilometre of it (no direction is meaningful that close), in ``tr``'s language
    (English by default) with the town named for its reader (:func:`geo.i18n.place_names.town_name`).

    The distance is great-circle, rounded to whole km; the direction is the compass point from
    the town to the point. Beyond ``max_km`` from every town the text is the position itself
    (``"33.12° N 12.50° E, no town within 100 km"``): "7590 km from Seres" helps nobody.
    """
    tr = tr or translator()
    town = nearest_town(lat, lon, towns)
    if town.distance_km > max_km:
        text = tr.gettext("{lat}° {north_south} {lon}° {east_west}, no town within {km} km")
        return text.format(lat=tr.number(abs(lat), decimals=2), lon=tr.number(abs(lon), decimals=2),
                           north_south=tr.gettext(COMPASS_NAMES["N" if lat >= 0 else "S"]),
                           east_west=tr.gettext(COMPASS_NAMES["E" if lon >= 0 else "W"]),
                           km=tr.number(max_km, decimals=0))
    row = towns.iloc[town.position]
    name = town_name(latin=town.name, local=row.get("name_local"), language=tr.code,
                     spoken=official_languages(iso2_codes().get(str(row.get("adm0_a3")))))
    if town.distance_km < 1:
        return tr.gettext("at {town}").format(town=name)
    return tr.gettext("{km} km {direction} of {town}").format(
        km=tr.number(round(town.distance_km), decimals=0), town=name,
        direction=tr.gettext(COMPASS_NAMES[compass_point(town.lon, town.lat, lon, lat)]))
