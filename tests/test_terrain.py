"""Terrain: safe raster reading, slope and hillshade against analytic planes and known heights."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from geo.errors import RasterError
from geo.spatial import bundled_region, hillshade, read_dem, slope_deg

HILLSHADE_DEM = bundled_region().hillshade_dem

CELL_M = 90.0


def _plane(gradient_east: float, gradient_north: float = 0.0, size: int = 21) -> np.ma.MaskedArray:
    cols, rows = np.meshgrid(np.arange(size), np.arange(size))
    x_m, y_m = cols * CELL_M, -rows * CELL_M  # rows run southward
    return np.ma.masked_array(gradient_east * x_m + gradient_north * y_m + 500.0)


def test_slope_of_analytic_planes() -> None:
    inner = (slice(1, -1), slice(1, -1))
    assert np.allclose(slope_deg(_plane(np.tan(np.radians(30))), CELL_M, CELL_M)[inner], 30.0)
    assert np.allclose(slope_deg(_plane(0.0, 1.0), CELL_M, CELL_M)[inner], 45.0)
    assert np.allclose(slope_deg(_plane(0.0), CELL_M, CELL_M), 0.0)


def test_hillshade_of_analytic_planes() -> None:
    flat = hillshade(_plane(0.0), CELL_M, CELL_M)
    assert np.allclose(flat, np.sin(np.radians(45.0)))
    # A 45 degree slope rising to the east faces west; a sun in the west at 45 degrees hits it squarely.
    facing = hillshade(_plane(1.0), CELL_M, CELL_M, azimuth_deg=270.0, altitude_deg=45.0)
    assert np.allclose(facing, 1.0)
    away = hillshade(_plane(-1.0), CELL_M, CELL_M, azimuth_deg=270.0, altitude_deg=45.0)
    assert np.allclose(away, 0.0)
    # Default sun in the north-west: a slope facing north-west is lit more than flat ground.
    north_west = hillshade(_plane(0.3, -0.3), CELL_M, CELL_M)
    assert (north_west > flat + 0.1).all()


def test_known_heights_of_the_bundled_dem() -> None:
    dem = read_dem(HILLSHADE_DEM, bounds_lonlat=(20.95, 40.6, 23.0, 41.5))
    evzoni, prespa = dem.sample([41.125, 40.9], [22.54, 21.05])
    assert evzoni == pytest.approx(43, abs=15)  # data README: Evzoni/Bogorodica crossing 43 m
    assert prespa == pytest.approx(841, abs=15)  # data README: Lake Prespa shore 841 m
    assert np.isnan(dem.sample([39.0], [30.0])[0])  # outside the window: no value, not the edge's
    dx, dy = dem.cell_size_m()
    assert dx == pytest.approx(0.0025 * 111_320 * np.cos(np.radians(41.05)), rel=1e-3)
    assert dy == pytest.approx(276.4, rel=1e-3)


def test_nodata_is_masked_not_averaged(tmp_path) -> None:
    path = tmp_path / "holes.tif"
    data = np.full((10, 10), 100, dtype=np.int16)
    data[:5] = -32768
    with rasterio.open(path, "w", driver="GTiff", width=10, height=10, count=1, dtype="int16", nodata=-32768,
                       crs="EPSG:4326", transform=from_origin(22.0, 41.0, 0.01, 0.01)) as dst:
        dst.write(data, 1)
    dem = read_dem(path)
    assert dem.elevation_m.count() == 50
    assert float(dem.elevation_m.mean()) == 100.0


def test_unsafe_rasters_are_refused(tmp_path) -> None:
    no_crs = tmp_path / "no_crs.tif"
    with rasterio.open(no_crs, "w", driver="GTiff", width=4, height=4, count=1, dtype="int16",
                       transform=from_origin(22.0, 41.0, 0.01, 0.01)) as dst:
        dst.write(np.zeros((4, 4), dtype=np.int16), 1)
    with pytest.raises(RasterError, match="has no CRS"):
        read_dem(no_crs)
    with pytest.raises(RasterError, match="more than the limit"):
        read_dem(HILLSHADE_DEM, max_pixels=1000)
    garbage = tmp_path / "garbage.tif"
    garbage.write_bytes(b"not a tiff at all")
    with pytest.raises(RasterError, match="cannot open"):
        read_dem(garbage)


def test_warp_to_web_mercator_puts_each_latitude_on_its_mercator_row() -> None:
    from affine import Affine

    from geo.spatial import Dem, warp_to_web_mercator

    rows, cols, step = 400, 300, 0.005  # 40.0-42.0 N, 21.0-22.5 E
    transform = Affine(step, 0, 21.0, 0, -step, 42.0)
    lat_centres = 42.0 - (np.arange(rows) + 0.5) * step
    values = np.repeat(lat_centres[:, None], cols, axis=1)
    dem = Dem(elevation_m=np.ma.masked_array(np.zeros((rows, cols), dtype=np.float32)), transform=transform)
    warped, (west, south, east, north) = warp_to_web_mercator(values, dem, max_width_px=200)
    assert (west, east) == pytest.approx((21.0, 22.5), abs=1e-6)
    assert (south, north) == pytest.approx((40.0, 42.0), abs=1e-6)
    y_top = np.log(np.tan(np.pi / 4 + np.radians(north) / 2))
    y_bottom = np.log(np.tan(np.pi / 4 + np.radians(south) / 2))
    for row in (20, warped.shape[0] // 2, warped.shape[0] - 20):
        y = y_top - (row + 0.5) / warped.shape[0] * (y_top - y_bottom)
        expected_lat = np.degrees(2 * np.arctan(np.exp(y)) - np.pi / 2)
        assert np.nanmean(warped[row]) == pytest.approx(expected_lat, abs=step)
    # A linear stretch in latitude would misplace the middle row by ~0.0055 degrees (~600 m).
