"""The coverage picture of the region's border, assembled from its parts for the planner page and the CLI.

:func:`load_terrain` does the slow, rarely changing part once (DEM window, corridor, terrain
statistics, candidate sites: ~3 s); :func:`assess` the fast part that changes with every
sensor edit (viewsheds, patrol coverage, risk, gaps: well under a second). Given a
:class:`~geo.coverage.diskcache.DiskCache`, the terrain, the sensors' viewsheds and the candidate
sites' coverage are read from disk when their inputs are unchanged (a server's first Coverage page
then skips ~7 s of work, the viewshed code's compilation among it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
import shapely

from geo.coverage.corridor import (
    Corridor,
    CoverageParams,
    build_corridor,
    cell_coverage,
    covered_share,
    sensor_coverage,
    terrain_stats,
)
from geo.coverage.diskcache import DiskCache, content_key
from geo.coverage.gaps import DEFAULT_RISK, RiskParams, cell_risk, rank_gaps
from geo.coverage.placement import SiteModel, candidate_sites, coverage_sets
from geo.coverage.routes import RouteGrid, prepare_route_grid
from geo.models import Sensor
from geo.region import Region
from geo.spatial import (
    VECTOR_DIR,
    WORLD_RELIEF,
    MetricDem,
    border_lines,
    bundled_region,
    read_metric_dem,
    read_vector,
    region_countries,
)

COARSE_CELL_M: Final[float] = 1000.0
"""Grid cell of the metric DEM when only the world's 5' relief covers a region."""


@dataclass(frozen=True)
class Terrain:
    """What does not change when sensors do: the metric DEM, the corridor and candidate sites."""

    dem: MetricDem
    corridor: Corridor
    stats: pd.DataFrame
    candidates: pd.DataFrame
    params: CoverageParams
    coarse: bool = False
    """Only the world's 5' relief was there: viewsheds and slopes are rough (pages say so)."""
    source_key: str = ""
    """The disk cache's key of this terrain (its files and corridor); empty when it was not loaded through one."""


@dataclass(frozen=True)
class Assessment:
    """The coverage picture for one set of sensors.

    ``coverage`` and ``risk`` are indexed by corridor cell; ``gaps`` is the ranked gap table and
    ``gap_rank`` each uncovered cell's gap; ``seen_count`` the per-pixel sensor count on the
    DEM grid; ``skipped`` the active sensors off the DEM.
    """

    coverage: pd.DataFrame
    risk: pd.DataFrame
    gaps: pd.DataFrame
    gap_rank: pd.Series
    seen_count: npt.NDArray[np.uint16]
    skipped: list[str]

    @property
    def covered_share(self) -> float:
        return covered_share(self.coverage)


def load_route_grid(terrain: Terrain, *, approach_km: float, region: Region | None = None) -> RouteGrid:
    """The crossing-route search area of the region's border (default: the bundled one): the terrain's DEM within
    ``approach_km`` of the line, Natural Earth lakes and rivers, the ground ``approach_km`` from the line on either
    side as approach areas and destinations (~2 s)."""
    region = region or bundled_region()
    lakes = read_vector(VECTOR_DIR / "ne10m_lakes_balkans.geojson", bbox=region.aoi_lonlat).geometry
    rivers = read_vector(VECTOR_DIR / "ne10m_rivers_balkans.geojson", bbox=region.aoi_lonlat).geometry
    return prepare_route_grid(terrain.dem, border_lines(region), frozenset(region.ours), region_countries(region), lakes,
                              rivers, approach_km=approach_km, res=terrain.params.res)


def our_side(region: Region | None = None) -> shapely.Geometry:
    """The territory of the region's "our" side (default: the bundled region), EPSG:4326."""
    region = region or bundled_region()
    countries = region_countries(region)
    return shapely.union_all(countries.loc[countries["adm0_a3"].isin(region.ours)].geometry.values)


def _terrain_files(region: Region, dem_path: Path) -> list[Path]:
    """The files a terrain is computed from: the DEM, the border lines, the region's own countries if it has them."""
    return [dem_path, region.borders, *([region.countries] if region.countries is not None else [])]


def load_terrain(*, params: CoverageParams, region: Region | None = None, dem_path: Path | None = None,
                 bounds_lonlat: tuple[float, float, float, float] | None = None,
                 cache: DiskCache | None = None) -> Terrain:
    """Read the region's DEM window (its full-resolution DEM, else the world's 5' relief) into the region's metric
    CRS, build the corridor and the candidate sites for its borders (default: the bundled region).

    With ``cache``, a terrain computed before from the same files, region, window, corridor width and
    resolution is read from disk (~0.1 s instead of ~3 s), and the result carries its ``source_key``.
    """
    region = region or bundled_region()
    path = dem_path or region.terrain_dem or WORLD_RELIEF
    if cache is not None:
        key = content_key("terrain", params.corridor_width_m, params.res, region, bounds_lonlat,
                          files=_terrain_files(region, path))
        terrain = cache.objects("terrain", key, lambda: load_terrain(params=params, region=region, dem_path=path,
                                                                    bounds_lonlat=bounds_lonlat))
        return replace(terrain, params=params, source_key=key)
    # The 5' relief has ~9 km pixels: a 1 km grid keeps a long border's window small and loses nothing.
    dem = read_metric_dem(path, bounds_lonlat=bounds_lonlat or region.aoi_lonlat, crs=region.metric_crs,
                          **({"cell_size_m": COARSE_CELL_M} if path == WORLD_RELIEF else {}))
    borders, side = border_lines(region), our_side(region)
    corridor = build_corridor(dem, borders, side, width_m=params.corridor_width_m, res=params.res)
    return Terrain(dem=dem, corridor=corridor, stats=terrain_stats(corridor),
                   candidates=candidate_sites(dem, borders, side), params=params, coarse=path == WORLD_RELIEF)


def seen_by_sensors(terrain: Terrain, sensors: Sequence[Sensor], *, cache: DiskCache | None = None
                    ) -> tuple[npt.NDArray[np.uint16], list[str]]:
    """:func:`~geo.coverage.corridor.sensor_coverage` on the terrain's DEM, read from ``cache`` when the terrain,
    the sensors and the line-of-sight settings are the ones it was computed for."""
    if cache is None or not terrain.source_key:
        return sensor_coverage(terrain.dem, sensors, params=terrain.params)

    def compute() -> dict[str, npt.ArrayLike]:
        seen_count, skipped = sensor_coverage(terrain.dem, sensors, params=terrain.params)
        return {"seen_count": seen_count, "skipped": np.array(skipped, dtype=str)}

    key = content_key("seen", terrain.source_key, terrain.params.sight(), tuple(sensors))
    stored = cache.arrays("seen", key, compute)
    return stored["seen_count"].astype(np.uint16, copy=False), [str(s) for s in stored["skipped"]]


def candidate_coverage(terrain: Terrain, model: SiteModel, *, cache: DiskCache | None = None) -> sp.csr_matrix:
    """:func:`~geo.coverage.placement.coverage_sets` of the terrain's candidate sites, read from ``cache`` when the
    terrain, the tower model and the line-of-sight settings are the ones it was computed for."""
    def compute() -> sp.csr_matrix:
        return coverage_sets(terrain.corridor, terrain.candidates, model=model, params=terrain.params)

    if cache is None or not terrain.source_key:
        return compute()

    def parts() -> dict[str, npt.ArrayLike]:
        sets = compute()
        return {"indices": sets.indices, "indptr": sets.indptr, "shape": np.array(sets.shape)}

    stored = cache.arrays("sites", content_key("sites", terrain.source_key, terrain.params.sight(), model), parts)
    indices, indptr = stored["indices"], stored["indptr"]
    return sp.csr_matrix((np.ones(indices.size, dtype=bool), indices, indptr), shape=tuple(stored["shape"].tolist()))


def assess(terrain: Terrain, sensors: Sequence[Sensor], patrols: pd.DataFrame, event_counts: pd.Series, *,
           now: datetime, event_days: float, risk_params: RiskParams = DEFAULT_RISK,
           cache: DiskCache | None = None) -> Assessment:
    """Coverage, risk and ranked gaps for ``sensors`` and the per-cell patrol record ``patrols``.

    ``event_counts`` are recent events per cell at the corridor's resolution over ``event_days``; the
    viewsheds come from ``cache`` when it has them (see :func:`seen_by_sensors`).
    """
    seen_count, skipped = seen_by_sensors(terrain, sensors, cache=cache)
    coverage = cell_coverage(terrain.corridor, seen_count, patrols, now=now, params=terrain.params)
    risk = cell_risk(coverage, terrain.stats, event_counts, days=event_days, params=risk_params)
    gaps, gap_rank = rank_gaps(coverage, risk)
    return Assessment(coverage=coverage, risk=risk, gaps=gaps, gap_rank=gap_rank, seen_count=seen_count,
                      skipped=skipped)
