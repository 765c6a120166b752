"""The border corridor in H3 cells, and how much of it our sensors see and our patrols pass.

The corridor is a band of ``corridor_width_m`` on our (EU) side of the EU-external border, cut
into H3 cells at ``res``. Its DEM pixels (cells of the metric grid of :mod:`geo.spatial.dem`
whose centres lie in the band) are indexed once, so that any visibility grid turns into a seen
share per H3 cell with one gather and one ``bincount``: a what-if costs the sensors' viewsheds
(~50 ms for the scenario's 27) and that gather.

A corridor cell is **seen** when at least ``seen_share`` of its pixels are visible to some active
sensor, **patrolled** when a patrol passed through it within ``patrol_within_h`` hours, and
**covered** when either holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import Proj

from geo.coverage.patrols import within_reach
from geo.coverage.viewshed import REFRACTION_COEFF, ViewshedParams, cumulative_viewshed
from geo.errors import CoverageError, msg
from geo.grid import latlng_to_cells
from geo.models import Sensor
from geo.spatial import MetricDem, geometry_to_m, slope_deg

CORRIDOR_RES: Final[int] = 8
"""H3 resolution of corridor cells (~0.74 km², ~0.9 km across)."""


@dataclass(frozen=True, slots=True)
class CoverageParams:
    """How coverage is judged.

    Attributes
    ----------
    corridor_width_m : float
        Width of the band on our side of the border, metres.
    res : int
        H3 resolution of the corridor cells.
    seen_share : float
        Share (0-1] of a cell's DEM pixels that must be visible for the cell to count as seen.
    patrol_within_h : float
        A patrol through a cell within this many hours covers it.
    patrol_reach_rings : int
        A patrol also covers the cells within this many H3 rings of its track (1 at res 8: ~1 km,
        what a unit on the ground watches around itself).
    target_height_m : float
        Height of what must be seen (a standing person), metres.
    refraction_coeff : float
        Atmospheric refraction coefficient of the viewsheds.
    """

    corridor_width_m: float = 2_000.0
    res: int = CORRIDOR_RES
    seen_share: float = 0.5
    patrol_within_h: float = 72.0
    patrol_reach_rings: int = 1
    target_height_m: float = 1.7
    refraction_coeff: float = REFRACTION_COEFF

    def __post_init__(self) -> None:
        if not (isinstance(self.res, int) and 5 <= self.res <= 10):
            raise CoverageError(msg("res must be an H3 resolution in 5..10; got {res!r}", res=self.res))
        if not 100.0 <= self.corridor_width_m <= 50_000.0:
            raise CoverageError(msg("corridor_width_m must be within 100..50,000 m; got {corridor_width_m}",
                                    corridor_width_m=self.corridor_width_m))
        if not 0 < self.seen_share <= 1:
            raise CoverageError(msg("seen_share must be in (0, 1]; got {seen_share}",
                                    seen_share=self.seen_share))
        if not 0 <= self.patrol_reach_rings <= 5:
            raise CoverageError(msg("patrol_reach_rings must be within 0..5; got {patrol_reach_rings}",
                                    patrol_reach_rings=self.patrol_reach_rings))
        if self.patrol_within_h < 0:
            raise CoverageError(msg("patrol_within_h must be >= 0 hours; got {patrol_within_h}",
                                    patrol_within_h=self.patrol_within_h))

    def sight(self) -> CoverageParams:
        """These settings with the patrol ones at their defaults: all that line of sight, the corridor and the
        candidate sites depend on (a cache key that a change of patrol window does not invalidate)."""
        defaults = CoverageParams()
        return replace(self, patrol_within_h=defaults.patrol_within_h, patrol_reach_rings=defaults.patrol_reach_rings)


@dataclass(frozen=True)
class Corridor:
    """The corridor's H3 cells and the DEM pixels that make them up.

    Attributes
    ----------
    cells : numpy.ndarray of uint64
        Corridor cells at ``res``, sorted.
    res : int
        Their resolution.
    pixel_rows, pixel_cols : numpy.ndarray of int64
        DEM pixels (with data) whose centres lie in the band.
    pixel_cell : numpy.ndarray of int64
        Index into ``cells`` of each pixel.
    dem : MetricDem
        The grid the pixels index.
    """

    cells: npt.NDArray[np.uint64]
    res: int
    pixel_rows: npt.NDArray[np.int64]
    pixel_cols: npt.NDArray[np.int64]
    pixel_cell: npt.NDArray[np.int64]
    dem: MetricDem

    def __len__(self) -> int:
        return int(self.cells.size)

    def pixels_per_cell(self) -> npt.NDArray[np.int64]:
        return np.bincount(self.pixel_cell, minlength=self.cells.size)

    def cell_share(self, visible: npt.NDArray[np.bool_] | npt.NDArray[np.integer]) -> npt.NDArray[np.float64]:
        """Share of each cell's pixels where ``visible`` (a grid of the DEM's shape) is true / non-zero."""
        hits = np.asarray(visible)[self.pixel_rows, self.pixel_cols] > 0
        return np.bincount(self.pixel_cell, weights=hits, minlength=self.cells.size) / np.maximum(
            self.pixels_per_cell(), 1)


def build_corridor(dem: MetricDem, borders: gpd.GeoDataFrame, our_side: shapely.Geometry, *,
                   width_m: float, res: int) -> Corridor:
    """Cut the band of ``width_m`` on ``our_side`` of the EU-external ``borders`` into H3 cells at ``res``.

    Parameters
    ----------
    dem : MetricDem
        Metric elevation grid (the region's metric CRS) covering the border; pixels without data are left out,
        so the corridor ends where the DEM does.
    borders : geopandas.GeoDataFrame
        Border lines in EPSG:4326 with a boolean ``eu_external`` column.
    our_side : shapely.Geometry
        Our territory (the EU members' polygons), EPSG:4326.
    width_m, res : float, int
        Band width in metres and H3 resolution.
    """
    lines = borders.loc[borders["eu_external"].astype(bool)].geometry
    if lines.empty:
        raise CoverageError(msg("no EU-external border among the given borders: there is no corridor to watch"))
    band = shapely.intersection(geometry_to_m(shapely.union_all(lines.values), crs=dem.crs).buffer(width_m),
                                geometry_to_m(our_side, crs=dem.crs))
    if band.is_empty:
        raise CoverageError(msg("the border band does not overlap our side: check the country polygons"))
    rows_all, cols_all = np.nonzero(np.isfinite(dem.elevation_m))
    x, y = dem.transform * (cols_all + 0.5, rows_all + 0.5)
    minx, miny, maxx, maxy = band.bounds
    near = (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
    inside = np.zeros(rows_all.size, dtype=bool)
    inside[near] = shapely.contains_xy(band, x[near], y[near])
    if not inside.any():
        raise CoverageError(msg("the DEM has no data inside the border corridor"))
    rows, cols = rows_all[inside].astype(np.int64), cols_all[inside].astype(np.int64)
    lon, lat = dem.cell_lonlat(rows, cols)
    pixel_cells = latlng_to_cells(lat, lon, res)
    cells, pixel_cell = np.unique(pixel_cells, return_inverse=True)
    return Corridor(cells=cells, res=res, pixel_rows=rows, pixel_cols=cols, pixel_cell=pixel_cell.astype(np.int64),
                    dem=dem)


def terrain_stats(corridor: Corridor) -> pd.DataFrame:
    """Per corridor cell: ``elevation_mean_m``, ``elevation_max_m``, ``slope_mean_deg``, ``slope_p90_deg``."""
    dem = corridor.dem
    slope = slope_deg(np.ma.masked_invalid(dem.elevation_m), dem.cell_size_m, dem.cell_size_m)
    z = dem.elevation_m[corridor.pixel_rows, corridor.pixel_cols].astype(np.float64)
    s = slope[corridor.pixel_rows, corridor.pixel_cols]
    frame = pd.DataFrame({"i": corridor.pixel_cell, "z": z, "s": s}).groupby("i")
    stats = pd.DataFrame({"elevation_mean_m": frame["z"].mean(), "elevation_max_m": frame["z"].max(),
                          "slope_mean_deg": frame["s"].mean(), "slope_p90_deg": frame["s"].quantile(0.9)})
    return stats.reindex(np.arange(len(corridor))).set_index(pd.Index(corridor.cells, name="cell"))


@lru_cache(maxsize=4)
def _proj(crs: str) -> Proj:
    return Proj(crs)


def grid_azimuth_deg(sensor: Sensor, crs: str) -> float:
    """The sensor's azimuth (true north) turned to grid north of ``crs`` by the meridian convergence there."""
    convergence = float(_proj(crs).get_factors(sensor.lon, sensor.lat).meridian_convergence)
    return (sensor.azimuth_deg - convergence) % 360.0


def sensor_coverage(dem: MetricDem, sensors: Sequence[Sensor], *, params: CoverageParams
                    ) -> tuple[npt.NDArray[np.uint16], list[str]]:
    """How many active sensors see each DEM pixel, and the ids of active sensors left out (off the DEM or on a void)."""
    active = [s for s in sensors if s.status == "active"]
    if not active:
        return np.zeros(dem.shape, dtype=np.uint16), []
    rows, cols, inside = dem.rowcol([s.lat for s in active], [s.lon for s in active])
    usable = inside & np.isfinite(dem.elevation_m[rows, cols])
    skipped = [s.sensor_id for s, ok in zip(active, usable) if not ok]
    view = [ViewshedParams(observer_height_m=s.height_m, target_height_m=params.target_height_m,
                           max_distance_m=s.range_m, azimuth_deg=grid_azimuth_deg(s, dem.crs), fov_deg=s.fov_deg,
                           refraction_coeff=params.refraction_coeff)
            for s, ok in zip(active, usable) if ok]
    return cumulative_viewshed(dem.elevation_m, dem.cell_size_m, rows[usable], cols[usable], view), skipped


def cell_coverage(corridor: Corridor, seen_count: npt.NDArray[np.integer], patrols: pd.DataFrame, *,
                  now: datetime, params: CoverageParams) -> pd.DataFrame:
    """Per corridor cell: ``seen_share``, ``seen``, ``hours_since_patrol`` (NaN: never), ``patrolled``, ``covered``.

    ``patrols`` is the per-cell patrol record of :func:`geo.coverage.patrols.patrol_cells` at the
    corridor's resolution (``cell``, ``last_at``, ``effort_h``); it is spread by
    ``params.patrol_reach_rings`` here. ``effort_h`` is the unit-hours spent within reach.
    """
    patrols = within_reach(patrols, rings=params.patrol_reach_rings)
    share = corridor.cell_share(seen_count)
    frame = pd.DataFrame({"seen_share": share, "seen": share >= params.seen_share}, index=pd.Index(corridor.cells,
                                                                                                   name="cell"))
    last = patrols.set_index("cell")["last_at"].reindex(frame.index) if len(patrols) else pd.Series(
        pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    frame["hours_since_patrol"] = (pd.Timestamp(now) - last).dt.total_seconds().to_numpy() / 3600.0
    frame["effort_h"] = (patrols.set_index("cell")["effort_h"].reindex(frame.index).fillna(0.0).to_numpy()
                         if len(patrols) else 0.0)
    frame["patrolled"] = frame["hours_since_patrol"].between(0.0, params.patrol_within_h)
    frame["covered"] = frame["seen"] | frame["patrolled"]
    return frame


def covered_share(coverage: pd.DataFrame) -> float:
    """Share of the corridor's cells that are covered (the headline)."""
    return float(coverage["covered"].mean()) if len(coverage) else 0.0
