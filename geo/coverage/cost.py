"""What it costs to walk across the border region unseen: a cost surface in seconds per metre.

Three parts, multiplied per cell of a metric DEM grid (the region's metric CRS):

- **Walking pace** from slope by Tobler's hiking function (Tobler 1993, "Three presentations on
  geographical analysis and modeling", NCGIA Technical Report 93-1): speed
  ``W = 6 exp(-3.5 |S + 0.05|)`` km/h on gradient ``S = dh/dx`` (fastest, 6 km/h, slightly
  downhill; 5.0 km/h on the flat). A cost surface holds one value per cell while Tobler's speed
  depends on the direction of travel, so each cell takes the mean of the uphill and downhill pace
  (h/km) along its steepest gradient: a walker may cross a slope either way.
- **Water**: lakes are impassable; a river cell costs ``river_factor`` times its pace (wading,
  swimming or finding a ford), except within one cell of a bridge or crossing where data gives one.
- **Exposure**, the cost of being seen: ``1 + seen_weight`` where at least one active sensor sees
  a standing person (the coverage planner's cumulative viewshed) and ``+ patrol_weight`` where a
  patrol passed within the planner's patrol window. The weights are the planner's to change; the
  default says an hour in view of a sensor is worth four hours walking unseen.

The cost of a path is then in "effective seconds": walking time, stretched where it is exposed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
from rasterio.features import rasterize

from geo.errors import CoverageError, msg
from geo.spatial import MetricDem, geometry_to_m, slope_deg

TOBLER_MAX_KMH: Final[float] = 6.0
"""Tobler's top walking speed, km/h, reached on a 5 % downhill gradient."""
SECONDS_PER_M_PER_H_PER_KM: Final[float] = 3.6
"""One hour per kilometre is 3.6 seconds per metre."""


@dataclass(frozen=True, slots=True)
class CostParams:
    """Weights of the crossing cost surface.

    Attributes
    ----------
    seen_weight : float
        Extra cost factor on ground a sensor sees (0: sensors do not matter; 3: four times the cost).
    patrol_weight : float
        Extra cost factor on ground a patrol passed within the patrol window.
    river_factor : float
        A river cell costs this many times its walking pace (>= 1).
    """

    seen_weight: float = 3.0
    patrol_weight: float = 1.0
    river_factor: float = 5.0

    def __post_init__(self) -> None:
        if not (0 <= self.seen_weight <= 1000 and 0 <= self.patrol_weight <= 1000):
            raise CoverageError(msg("seen_weight and patrol_weight must be within 0..1000; got {seen_weight}, "
                                    "{patrol_weight}",
                                    seen_weight=self.seen_weight, patrol_weight=self.patrol_weight))
        if not 1 <= self.river_factor <= 1000:
            raise CoverageError(msg("river_factor must be within 1..1000; got {river_factor}",
                                    river_factor=self.river_factor))


def tobler_speed_kmh(gradient: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Walking speed, km/h, on a signed gradient ``dh/dx`` (rise over run, uphill positive): Tobler (1993)."""
    return TOBLER_MAX_KMH * np.exp(-3.5 * np.abs(np.asarray(gradient, dtype=np.float64) + 0.05))


def walking_pace_s_per_m(gradient: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Isotropic walking pace, seconds per metre: the mean of Tobler's uphill and downhill pace on ``|gradient|``."""
    g = np.abs(np.asarray(gradient, dtype=np.float64))
    pace_h_per_km = 0.5 * (1.0 / tobler_speed_kmh(g) + 1.0 / tobler_speed_kmh(-g))
    return pace_h_per_km * SECONDS_PER_M_PER_H_PER_KM


def water_masks(dem: MetricDem, lakes: gpd.GeoSeries, rivers: gpd.GeoSeries, *,
                bridges_lonlat: Sequence[tuple[float, float]] = ()
                ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Lake and costly river cells of ``dem``'s grid from EPSG:4326 polygons and lines.

    River cells touched by a line count, save those within one cell of a bridge or crossing
    ``(lon, lat)``; lakes cover the cells whose centres they contain.
    """
    shape = dem.shape
    lake = np.zeros(shape, dtype=bool)
    river = np.zeros(shape, dtype=bool)
    lake_m = [g for g in geometry_to_m(lakes.values, crs=dem.crs) if g is not None and not g.is_empty] if len(lakes) else []
    river_m = [g for g in geometry_to_m(rivers.values, crs=dem.crs) if g is not None and not g.is_empty] if len(rivers) else []
    if lake_m:
        lake = rasterize(lake_m, out_shape=shape, transform=dem.transform, fill=0, default_value=1,
                         dtype="uint8").astype(bool)
    if river_m:
        river = rasterize(river_m, out_shape=shape, transform=dem.transform, fill=0, default_value=1, all_touched=True,
                          dtype="uint8").astype(bool)
    if bridges_lonlat:
        lon, lat = np.asarray(bridges_lonlat, dtype=float).reshape(-1, 2).T
        rows, cols, inside = dem.rowcol(lat, lon)
        for r, c in zip(rows[inside], cols[inside]):
            river[max(r - 1, 0):r + 2, max(c - 1, 0):c + 2] = False
    return lake, river & ~lake


def walking_surface(dem: MetricDem, *, lake: npt.NDArray[np.bool_], river: npt.NDArray[np.bool_],
                    params: CostParams) -> npt.NDArray[np.float64]:
    """Walking pace of every cell of ``dem``, seconds per metre: Tobler on slope, water applied; ``inf`` = impassable.

    Cells without elevation data and lake cells are impassable.
    """
    if lake.shape != dem.shape or river.shape != dem.shape:
        raise CoverageError(f"water masks must have the DEM's shape {dem.shape}; got {lake.shape} and {river.shape}")
    slope = slope_deg(np.ma.masked_invalid(dem.elevation_m), dem.cell_size_m, dem.cell_size_m)
    pace = walking_pace_s_per_m(np.tan(np.radians(slope)))
    pace = np.where(river, pace * params.river_factor, pace)
    return np.where(np.isfinite(dem.elevation_m) & ~lake, pace, np.inf)


def exposure_factor(seen_count: npt.ArrayLike, patrolled: npt.ArrayLike, *, params: CostParams
                    ) -> npt.NDArray[np.float64]:
    """Cost factor of being seen: ``1 + seen_weight [a sensor sees it] + patrol_weight [patrolled in the window]``."""
    seen = np.asarray(seen_count) > 0
    patrol = np.asarray(patrolled, dtype=bool)
    if seen.shape != patrol.shape:
        raise CoverageError(f"seen_count and patrolled must share a shape; got {seen.shape} and {patrol.shape}")
    return 1.0 + params.seen_weight * seen + params.patrol_weight * patrol


def cost_surface(pace_s_per_m: npt.NDArray[np.float64], exposure: npt.NDArray[np.float64]
                 ) -> npt.NDArray[np.float64]:
    """Crossing cost per metre (effective seconds per metre): walking pace times exposure; ``inf`` stays impassable."""
    if pace_s_per_m.shape != exposure.shape:
        raise CoverageError(f"pace and exposure must share a shape; got {pace_s_per_m.shape} and {exposure.shape}")
    return pace_s_per_m * exposure
