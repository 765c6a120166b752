"""Cost distance and the least-cost path against GRASS ``r.cost`` (8 neighbours, no ``-k``) and ``r.drain``.

Runs where Debian's ``grass-core`` is installed (``grass`` on the PATH); skipped with the reason otherwise.
GRASS counts distance in cells, so its accumulated cost is ours divided by the cell size.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from geo.coverage import cost_distance, trace_back

pytestmark = pytest.mark.skipif(shutil.which("grass") is None, reason="GRASS GIS (Debian grass-core) not installed")
CELL_M = 90.0
X0, Y0 = 500_000.0, 4_500_000.0


def _centre(row: int, col: int) -> str:
    return f"{X0 + (col + 0.5) * CELL_M},{Y0 - (row + 0.5) * CELL_M}"


def test_cost_distance_and_path_equal_grass_r_cost_and_r_drain(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    cost = rng.uniform(0.5, 3.0, (30, 40))
    cost[rng.random(cost.shape) < 0.2] = np.nan
    source = (5, 5)
    cost[source] = 1.0
    ours, back = cost_distance(np.where(np.isnan(cost), np.inf, cost), [source], dx_m=CELL_M)
    far = np.unravel_index(np.argmax(np.where(np.isfinite(ours), ours, -1.0)), ours.shape)
    with rasterio.open(tmp_path / "cost.tif", "w", driver="GTiff", width=40, height=30, count=1, dtype="float64",
                       crs="EPSG:32634", transform=from_origin(X0, Y0, CELL_M, CELL_M), nodata=np.nan) as dst:
        dst.write(cost, 1)
    script = tmp_path / "run.sh"
    script.write_text(f"""set -e
r.in.gdal input={tmp_path / 'cost.tif'} output=cost --q
g.region raster=cost
r.cost input=cost output=acc start_coordinates={_centre(*source)} outdir=dir --q
r.out.gdal input=acc output={tmp_path / 'acc.tif'} format=GTiff type=Float64 --q
r.drain input=acc direction=dir output=drain start_coordinates={_centre(*far)} -d --q
r.out.gdal input=drain output={tmp_path / 'drain.tif'} format=GTiff type=Int32 --q
""")
    subprocess.run(["grass", "--tmp-location", "EPSG:32634", "--exec", "bash", str(script)], check=True,
                   capture_output=True, timeout=120)
    with rasterio.open(tmp_path / "acc.tif") as src:
        grass = src.read(1, masked=True).astype(np.float64).filled(np.nan)
    with rasterio.open(tmp_path / "drain.tif") as src:
        drain = src.read(1, masked=True).filled(0) > 0
    assert np.array_equal(np.isfinite(ours), np.isfinite(grass))
    reachable = np.isfinite(ours)
    np.testing.assert_allclose(ours[reachable] / CELL_M, grass[reachable], rtol=1e-9, atol=1e-9)
    path = trace_back(back, *far)
    ours_path = np.zeros(cost.shape, dtype=bool)
    ours_path[path[:, 0], path[:, 1]] = True
    assert len(path) > 10 and np.array_equal(ours_path, drain)
