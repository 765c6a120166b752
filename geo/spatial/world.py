"""The world basemap Limes ships in ``data/world/`` (built by ``data/build_world.py``), read by area.

Natural Earth 1:10m countries and the land borders derived from them (one line per pair of
neighbours, the same columns as a region's border file), the 1:50m countries for continental views,
GeoNames towns of 15,000 people or more, and pvlib's 5' world relief. Everything is EPSG:4326.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from babel.core import get_global

from geo.errors import GeodataError, msg
from geo.settings import bundled_data_dir

WORLD_DIR: Final[Path] = bundled_data_dir() / "world"
WORLD_COUNTRIES: Final[Path] = WORLD_DIR / "countries_10m.fgb"
"""Natural Earth 1:10m countries: ``adm0_a3``, ``name``, ``eu_member``."""
WORLD_COUNTRIES_COARSE: Final[Path] = WORLD_DIR / "countries_50m.fgb"
"""Natural Earth 1:50m countries, for views of a continent or the world."""
WORLD_BORDERS: Final[Path] = WORLD_DIR / "borders_10m.fgb"
"""Land borders, one line per pair: ``pair`` (``"AAA-BBB"``, ISO3 in alphabetical order), ``adm0_a3_l``,
``adm0_a3_r``, ``name_l``, ``name_r``, ``eu_external``, ``length_km`` (geodesic)."""
WORLD_TOWNS: Final[Path] = WORLD_DIR / "towns15000.parquet"
"""GeoNames towns >= 15,000 people: ``name`` (ASCII), ``name_local``, ``adm0_a3``, ``lat``, ``lon``, ``population``."""
WORLD_RELIEF: Final[Path] = WORLD_DIR / "relief_5arcmin_cog.tif"
"""pvlib's global 5' (~9 km) elevation grid, int16 metres in 28 m steps."""
WORLD_CODES: Final[Path] = WORLD_DIR / "country_codes.csv"
"""ISO 3166 alpha-3 -> alpha-2 (GeoNames), with Natural Earth's own code for Kosovo."""
WORLD_LONLAT: Final[tuple[float, float, float, float]] = (-180.0, -85.0, 180.0, 85.0)
"""What a Web Mercator map can show, degrees."""


def _require(path: Path) -> Path:
    if not path.is_file():
        raise GeodataError(msg("missing world data file {path}; rebuild it with `python data/build_world.py`",
                               path=path))
    return path


def read_world(path: Path, *, bbox: tuple[float, float, float, float] | None = None, clip: bool = False
               ) -> gpd.GeoDataFrame:
    """A world layer (FlatGeobuf, EPSG:4326), only the features meeting ``bbox`` (degrees), clipped to it if asked."""
    frame = pyogrio.read_dataframe(_require(path), bbox=bbox)
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        raise GeodataError(msg("{name} must be in EPSG:4326; found {crs}", name=path.name, crs=frame.crs))
    if clip and bbox is not None:
        frame["geometry"] = shapely.clip_by_rect(frame.geometry.values, *bbox)
        frame = frame[~frame.geometry.is_empty]
    return frame.reset_index(drop=True)


@lru_cache(maxsize=1)
def iso2_codes() -> dict[str, str]:
    """Two-letter country codes by three-letter code (``adm0_a3``), for short labels."""
    codes = pd.read_csv(_require(WORLD_CODES), keep_default_na=False)
    return dict(zip(codes["adm0_a3"], codes["iso2"], strict=True))


def time_zone(countries: tuple[str, ...]) -> str:
    """The IANA time zone of the border's side (``Europe/Budapest`` for ``("HUN", ...)``): the first of ``countries``
    (``adm0_a3``) that lies in a single zone (Babel's territory data), else ``UTC``."""
    zones = get_global("territory_zones")
    for code in countries:
        found = zones.get(iso2_codes().get(code, ""), [])
        if len(found) == 1:
            return str(found[0])
    return "UTC"


@lru_cache(maxsize=1)
def _towns() -> pd.DataFrame:
    return pd.read_parquet(_require(WORLD_TOWNS))


def world_towns(*, bbox: tuple[float, float, float, float] | None = None, min_population: int = 15_000
                ) -> pd.DataFrame:
    """Towns of at least ``min_population`` inside ``bbox`` (west, south, east, north degrees), largest first."""
    towns = _towns()
    keep = towns["population"] >= min_population
    if bbox is not None:
        west, south, east, north = bbox
        keep &= towns["lon"].between(west, east) & towns["lat"].between(south, north)
    return towns[keep].reset_index(drop=True)


def world_overview(*, tolerance_deg: float = 0.08) -> gpd.GeoDataFrame:
    """The 1:50m countries for continental views, simplified together (~4 km; ``tolerance_deg`` is the
    Visvalingam–Whyatt tolerance) so that neighbours keep one shared edge: simplified one by one, each moved its
    own way and the sea showed through slivers between them."""
    frame = read_world(WORLD_COUNTRIES_COARSE)[["adm0_a3", "name", "geometry"]]
    frame["geometry"] = shapely.coverage_simplify(frame.geometry.values, tolerance_deg)
    return frame


def country_pairs_lines(pairs: tuple[str, ...]) -> gpd.GeoDataFrame:
    """The world border lines of ``pairs`` (either order, ``"HUN-SRB"`` or ``"SRB-HUN"``), in alphabetical pair form."""
    wanted = {"-".join(sorted(p.split("-"))): p for p in pairs}
    borders = read_world(WORLD_BORDERS)
    chosen = borders[borders["pair"].isin(wanted)]
    missing = sorted(set(wanted) - set(chosen["pair"]))
    if missing:
        raise GeodataError(msg("no land border between {countries} in the world data: the countries must be "
                               "neighbours (ISO3 codes such as HUN SRB)",
                               countries=", ".join(missing)))
    return chosen.reset_index(drop=True)
