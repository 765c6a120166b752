"""The bundled vector geodata (Natural Earth 1:10m and a border-town gazetteer), read for our own basemap.

Everything is EPSG:4326 and clipped to the area of interest so that the browser receives only
what the view can show. Paths point into the bundled ``data/`` folder (the checkout's, or the
installed package's: :func:`geo.settings.bundled_data_dir`); the app never reads ``../shared`` at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
import shapely

from geo.errors import GeodataError
from geo.settings import bundled_data_dir
from geo.spatial.projection import EARTH_RADIUS_KM, azimuth_deg

DATA_DIR: Final[Path] = bundled_data_dir()
VECTOR_DIR: Final[Path] = DATA_DIR / "vector"
DEM_DIR: Final[Path] = DATA_DIR / "dem"

HILLSHADE_DEM: Final[Path] = DEM_DIR / "srtm3_N39-42_E021-025_9s_filled_cog.tif"
"""SRTM3 3x3-mean (~250 m), voids filled: the hillshade and the scenario's terrain."""
REGIONAL_DEM: Final[Path] = DEM_DIR / "pvlib_altitude_5arcmin_balkans_cog.tif"
"""Coarse 5' (~9 km) DEM that fills the hillshade beyond the SRTM window."""

AOI_LONLAT: Final[tuple[float, float, float, float]] = (20.3, 40.3, 23.9, 42.45)
"""Area of interest (west, south, east, north), degrees: the GR-MK and BG-MK borders with margin."""

FOCUS_PAIRS: Final[tuple[str, ...]] = ("GRC-MKD", "BGR-MKD")
"""Country pairs (Natural Earth ``pair``) of the bundled scenario's border."""

TOWN_REACH_KM: Final[float] = 100.0
"""Farther than this from every gazetteer town, a place is given by its position, not a town."""


@dataclass(frozen=True)
class Basemap:
    """Vector layers of our offline basemap, EPSG:4326, clipped to the area of interest."""

    countries: gpd.GeoDataFrame
    borders: gpd.GeoDataFrame
    lakes: gpd.GeoDataFrame
    rivers: gpd.GeoDataFrame
    towns: pd.DataFrame


def read_vector(path: Path, *, bbox: tuple[float, float, float, float] = AOI_LONLAT) -> gpd.GeoDataFrame:
    """Read a vector file, require EPSG:4326, and clip it to ``bbox`` (west, south, east, north, degrees)."""
    if not path.exists():
        raise GeodataError(f"missing data file {path}; restore the data/ folder (or reinstall Limes)")
    try:
        frame = pyogrio.read_dataframe(path, bbox=bbox)
    except pyogrio.errors.DataSourceError as exc:
        raise GeodataError(f"cannot read {path.name}: {exc}") from None
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        raise GeodataError(f"{path.name} must be in EPSG:4326; found {frame.crs}")
    frame = frame[frame.geometry.notna()].copy()
    frame["geometry"] = shapely.clip_by_rect(frame.geometry.values, *bbox)
    return frame[~frame.geometry.is_empty].reset_index(drop=True)


def border_lines(pairs: tuple[str, ...] = FOCUS_PAIRS) -> gpd.GeoDataFrame:
    """The land borders of ``pairs`` (EPSG:4326) with ``pair``, ``eu_external`` and ``length_km``."""
    borders = read_vector(VECTOR_DIR / "ne10m_land_borders_from_countries_balkans.geojson", bbox=(13, 34, 30, 48))
    chosen = borders[borders["pair"].isin(pairs)]
    if len(chosen) != len(pairs):
        raise GeodataError(f"border pairs {sorted(set(pairs) - set(chosen['pair']))} are not in the bundled border file")
    return chosen.reset_index(drop=True)


def load_basemap() -> Basemap:
    """All basemap layers, simplified to ~200 m (well below the 1:10M source's 1-2 km vertex spacing)."""
    countries = read_vector(VECTOR_DIR / "ne10m_admin0_countries_balkans.geojson")
    countries = countries[["adm0_a3", "name", "eu_member", "geometry"]]
    borders = read_vector(VECTOR_DIR / "ne10m_land_borders_from_countries_balkans.geojson")
    borders = borders[["pair", "name_l", "name_r", "eu_external", "length_km", "geometry"]]
    lakes = read_vector(VECTOR_DIR / "ne10m_lakes_balkans.geojson")[["name", "geometry"]]
    rivers = read_vector(VECTOR_DIR / "ne10m_rivers_balkans.geojson")[["name", "geometry"]]
    for frame in (countries, lakes, rivers):
        frame["geometry"] = frame.geometry.simplify(0.002, preserve_topology=True)
    return Basemap(countries=countries, borders=borders, lakes=lakes, rivers=rivers, towns=load_towns())


def load_towns() -> pd.DataFrame:
    """Town labels: Natural Earth populated places plus the border-town gazetteer, de-duplicated by name.

    Returns a frame with ``name``, ``adm0_a3``, ``lat``, ``lon`` and ``rank`` (0 = major city).
    """
    west, south, east, north = AOI_LONLAT
    places = read_vector(VECTOR_DIR / "ne10m_populated_places_balkans.geojson")
    major = pd.DataFrame(
        {
            "name": places["nameascii"],
            "adm0_a3": places["adm0_a3"],
            "lat": places.geometry.y,
            "lon": places.geometry.x,
            "rank": 0,
        }
    )
    gazetteer = pd.read_csv(VECTOR_DIR / "places_border_towns.csv").assign(rank=1)
    towns = pd.concat([major, gazetteer], ignore_index=True).drop_duplicates("name", keep="first")
    inside = towns["lon"].between(west, east) & towns["lat"].between(south, north)
    return towns[inside].reset_index(drop=True)


@dataclass(frozen=True, slots=True)
class Place:
    """A named place (its position in degrees) and how far a point is from it."""

    name: str
    distance_km: float
    lat: float
    lon: float


def great_circle_km(lat: float, lon: float, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Great-circle (haversine) distances in km from one point to many, all in degrees."""
    lat1, lon1 = np.radians(lat), np.radians(lon)
    lat2, lon2 = np.radians(np.asarray(lats, dtype=float)), np.radians(np.asarray(lons, dtype=float))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def nearest_town(lat: float, lon: float, towns: pd.DataFrame) -> Place:
    """The town of ``towns`` (``name``, ``lat``, ``lon`` in degrees) nearest to a point, by great-circle distance."""
    if towns.empty:
        raise GeodataError("no towns to measure from; the gazetteer is empty")
    distance_km = great_circle_km(lat, lon, towns["lat"].to_numpy(float), towns["lon"].to_numpy(float))
    i = int(np.argmin(distance_km))
    return Place(name=str(towns["name"].iloc[i]), distance_km=float(distance_km[i]), lat=float(towns["lat"].iloc[i]),
                 lon=float(towns["lon"].iloc[i]))


COMPASS_POINTS: Final[tuple[str, ...]] = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def compass_point(from_lon: float, from_lat: float, to_lon: float, to_lat: float) -> str:
    """The direction from one point to another (degrees) as one of eight compass points: "3 km NW of Evzoni"."""
    return COMPASS_POINTS[int(((azimuth_deg(from_lon, from_lat, to_lon, to_lat) + 22.5) % 360) // 45)]


def describe_place(*, lat: float, lon: float, towns: pd.DataFrame, max_km: float = TOWN_REACH_KM) -> str:
    """A point (degrees) in words from its nearest town of ``towns``: ``"3 km NW of Evzoni"``, or
    ``"at Evzoni"`` within a kilometre of it (no direction is meaningful that close).

    The distance is great-circle, rounded to whole km; the direction is the compass point from
    the town to the point. Beyond ``max_km`` from every town the text is the position itself
    (``"33.12° N 12.50° E, no town within 100 km"``): "7590 km from Seres" helps nobody.
    """
    town = nearest_town(lat, lon, towns)
    if town.distance_km > max_km:
        return (f"{abs(lat):.2f}° {'N' if lat >= 0 else 'S'} {abs(lon):.2f}° {'E' if lon >= 0 else 'W'}, "
                f"no town within {max_km:.0f} km")
    if town.distance_km < 1:
        return f"at {town.name}"
    return f"{town.distance_km:.0f} km {compass_point(town.lon, town.lat, lon, lat)} of {town.name}"
