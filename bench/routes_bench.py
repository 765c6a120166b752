"""Crossing routes: cost distance over the full bundled 3″ mosaic beside scikit-image, and a what-if update.

- Cost distance from 20 places over the full 4801 x 3601 SRTM 3″ mosaic (21-25 E, 39-42 N) on
  its own grid, Tobler walking pace from slope (cells ~70 m east-west by ~93 m north-south, taken
  at the mosaic's middle latitude; voids impassable): our row sweeps beside scikit-image's
  ``MCP_Geometric`` on the same costs, with the largest difference between the two answers.
- A what-if on the Coverage page: one tower added to the scenario's sensors, then viewsheds and
  the five routes again on the border search area (90 m cells, 25 km either side of the line).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import rasterio
from skimage.graph import MCP_Geometric

from bench.harness import Figure, median_seconds, once_seconds
from geo.coverage import (
    CostParams,
    CoverageParams,
    RouteParams,
    cost_distance,
    find_routes,
    load_route_grid,
    load_terrain,
    sensor_coverage,
    walking_pace_s_per_m,
)
from geo.models import Sensor
from geo.scenario import generate
from geo.spatial import DEM_DIR, EARTH_RADIUS_KM

MOSAIC_DEM: Final[Path] = DEM_DIR / "srtm3_N39-42_E021-025_cog.tif"


def mosaic_cost() -> tuple[npt.NDArray[np.float64], float, float]:
    """Tobler pace (s/m) on the mosaic's own grid, ``inf`` on voids, with the cell width and height in metres."""
    with rasterio.open(MOSAIC_DEM) as src:
        z = src.read(1, masked=True).astype(np.float64).filled(np.nan)
        res_deg, south, north = src.res[0], src.bounds.bottom, src.bounds.top
    dy_m = np.radians(res_deg) * EARTH_RADIUS_KM * 1000.0
    dx_m = dy_m * np.cos(np.radians((south + north) / 2))
    gy, gx = np.gradient(np.where(np.isfinite(z), z, np.nanmean(z)), dy_m, dx_m)
    pace = walking_pace_s_per_m(np.hypot(gx, gy))
    return np.where(np.isfinite(z), pace, np.inf), dx_m, dy_m


def run_mosaic(n_sources: int = 20) -> list[Figure]:
    cost, dx_m, dy_m = mosaic_cost()
    rng = np.random.default_rng(20)
    rows, cols = np.nonzero(np.isfinite(cost[::97, ::97]))
    pick = rng.choice(rows.size, n_sources, replace=False)
    sources = np.column_stack([rows[pick] * 97, cols[pick] * 97])
    cost_distance(cost[:64, :64], [(1, 1)], dx_m=dx_m, dy_m=dy_m)  # compile once, outside the timing
    t_ours = median_seconds(lambda: cost_distance(cost, sources, dx_m=dx_m, dy_m=dy_m), repeat=3)
    ours, _ = cost_distance(cost, sources, dx_m=dx_m, dy_m=dy_m)
    mcp = MCP_Geometric(np.where(np.isfinite(cost), cost, -1.0), fully_connected=True, sampling=(dy_m, dx_m))
    result: list[npt.NDArray[np.float64]] = []
    t_mcp = once_seconds(lambda: result.append(mcp.find_costs([tuple(s) for s in sources])[0]))
    reachable = np.isfinite(ours)
    diff = float(np.max(np.abs(ours[reachable] - result[0][reachable]) / np.maximum(ours[reachable], 1.0)))
    shape = f"{cost.shape[1]}×{cost.shape[0]}"
    return [Figure(f"cost distance, {n_sources} sources, full 3″ mosaic ({shape}), Tobler pace", "s", t_ours, t_mcp,
                   "≤ 2 s", False, f"row sweeps vs skimage MCP_Geometric; largest relative difference {diff:.1e}")]


def run_what_if() -> list[Figure]:
    params = CoverageParams()
    terrain = load_terrain(params=params)
    grid = load_route_grid(terrain, approach_km=RouteParams().approach_km)
    scenario = generate()
    sensors = [Sensor(**row) for row in scenario.sensors.to_dict("records")]
    watched = np.empty(0, dtype=np.uint64)
    seen, _ = sensor_coverage(terrain.dem, sensors, params=params)
    first = find_routes(grid, seen, watched, params=RouteParams(), cost_params=CostParams()).table.iloc[0]
    # The planner's what-if: a tower where the cheapest route crosses.
    tower = Sensor("WHATIF", "tower", float(first["crossing_lat"]), float(first["crossing_lon"]), 24.0, 12_000.0, 0.0,
                   360.0)

    def update() -> object:
        seen, _ = sensor_coverage(terrain.dem, [*sensors, tower], params=params)
        return find_routes(grid, seen, watched, params=RouteParams(), cost_params=CostParams())

    t = median_seconds(update, repeat=5)
    return [Figure(f"routes what-if: a tower on route 1's crossing, viewsheds and 5 routes again ({grid.dem.shape[1]}×"
                   f"{grid.dem.shape[0]} cells of 90 m)", "s", t, None, "≤ 1 s", False,
                   "27 sensors' viewsheds, two cost-distance runs, traces and corridor")]


def run() -> list[Figure]:
    """Both benchmarks."""
    return [*run_mosaic(), *run_what_if()]


if __name__ == "__main__":
    from bench.harness import format_table

    print(format_table(run()))
