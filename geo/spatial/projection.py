"""Metric CRS transforms: the region's metric CRS (``Region.metric_crs``, by default the UTM zone of its
centre) for distances, each feature's own UTM zone (:func:`utm_crs_of`), and geodesic lengths
(:func:`geodesic_length_km`).

Inside its own 6° zone a UTM projection's scale error is below 0.1 %, well inside what a situational
dashboard needs; every function takes the CRS explicitly (no default border). Far outside its zone a UTM projection
stretches lengths by tens of percent (a US-Mexico line measured in zone 34N: 1,117 km instead of
860 km), so lengths are geodesic and a user's sections are measured in their own zone.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Geod, Transformer

from geo.region import utm_crs
from geo.settings import bundled_region

EARTH_RADIUS_KM: Final[float] = 6371.0088
"""Mean Earth radius (IUGG): great-circle distances, and earth curvature in line of sight."""
_GEOD: Final[Geod] = Geod(ellps="WGS84")


def default_crs(crs: str | None) -> str:
    """``crs``, or (``None``) the bundled region's metric CRS: callers that know their region pass its CRS."""
    return crs if crs is not None else bundled_region().metric_crs


@lru_cache(maxsize=32)
def _transformer(inverse: bool, crs: str | None) -> Transformer:
    crs = default_crs(crs)
    src, dst = ("EPSG:4326", crs) if not inverse else (crs, "EPSG:4326")
    return Transformer.from_crs(src, dst, always_xy=True)


def lonlat_to_xy_m(lon: npt.ArrayLike, lat: npt.ArrayLike, *, crs: str | None = None
                   ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """EPSG:4326 degrees -> easting and northing in metres of ``crs``."""
    x, y = _transformer(False, crs).transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def xy_m_to_lonlat(x_m: npt.ArrayLike, y_m: npt.ArrayLike, *, crs: str | None = None
                   ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Metres of ``crs`` -> longitude and latitude in degrees (EPSG:4326)."""
    lon, lat = _transformer(True, crs).transform(np.asarray(x_m, dtype=float), np.asarray(y_m, dtype=float))
    return np.asarray(lon), np.asarray(lat)


def geometry_to_lonlat(geometry_m: shapely.Geometry, *, crs: str | None = None) -> shapely.Geometry:
    """A geometry in the metric ``crs`` back in lon/lat degrees (EPSG:4326)."""
    return shapely.transform(geometry_m, lambda xy: np.column_stack(xy_m_to_lonlat(xy[:, 0], xy[:, 1], crs=crs)))


def geometry_to_m(geometry: shapely.Geometry, *, crs: str | None = None) -> shapely.Geometry:
    """A lon/lat geometry (EPSG:4326) in the metric ``crs`` (metres)."""
    return shapely.transform(geometry, lambda xy: np.column_stack(lonlat_to_xy_m(xy[:, 0], xy[:, 1], crs=crs)))


def utm_crs_of(geometry_lonlat: shapely.Geometry) -> str:
    """The UTM zone (EPSG code) of a lon/lat geometry's centre: its own metric CRS for distances and buffers."""
    centre = shapely.centroid(geometry_lonlat)
    return utm_crs(float(centre.x), float(centre.y))


def geodesic_length_km(geometry_lonlat: shapely.Geometry) -> float:
    """Length of a lon/lat (multi)line on the WGS 84 ellipsoid, in km: right anywhere on Earth."""
    return float(_GEOD.geometry_length(geometry_lonlat)) / 1000.0


def azimuth_deg(from_lon: float, from_lat: float, to_lon: float, to_lat: float) -> float:
    """Direction from one point to another, degrees clockwise from true north (WGS 84 geodesic)."""
    forward, _, _ = _GEOD.inv(from_lon, from_lat, to_lon, to_lat)
    return float(forward % 360.0)
