"""Viewsheds against analytic answers, against GDAL's gdal_viewshed on the real SRTM grid, and the metric DEM reader."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from bench.viewshed_bench import BORDER_DEM, agreement, gdal_viewshed, observers, write_geotiff
from geo.coverage import EARTH_RADIUS_M, REFRACTION_COEFF, ViewshedParams, cumulative_viewshed, viewshed
from geo.errors import RasterError, ViewshedError
from geo.spatial import read_metric_dem


def test_flat_plane_sees_everything_within_range() -> None:
    z = np.zeros((201, 201), dtype=np.float32)
    seen = viewshed(z, 10.0, 100, 100, observer_height_m=2.0, target_height_m=0.0, max_distance_m=800.0,
                    curvature=False)
    rr, cc = np.mgrid[:201, :201]
    within = np.hypot(rr - 100, cc - 100) * 10.0 <= 800.0
    assert np.array_equal(seen, within)


def test_flat_plane_horizon_at_the_curvature_distance() -> None:
    """On a sphere of radius R/(1-k) an eye at h sees the ground up to sqrt(2 h R / (1 - k))."""
    height_m, cell_m = 10.0, 10.0
    horizon_m = math.sqrt(2 * height_m * EARTH_RADIUS_M / (1 - REFRACTION_COEFF))  # 12.19 km
    z = np.zeros((3, 2001), dtype=np.float32)
    seen = viewshed(z, cell_m, 1, 0, observer_height_m=height_m, target_height_m=0.0, max_distance_m=19_000.0)
    last_seen_m = np.flatnonzero(seen[1])[-1] * cell_m
    assert abs(last_seen_m - horizon_m) <= cell_m
    assert not seen[1, int(horizon_m / cell_m) + 2:].any()
    # Without refraction the horizon comes nearer by the factor sqrt(1 - 1/7).
    plain = viewshed(z, cell_m, 1, 0, observer_height_m=height_m, target_height_m=0.0, max_distance_m=19_000.0,
                     refraction_coeff=0.0)
    assert abs(np.flatnonzero(plain[1])[-1] * cell_m - horizon_m * math.sqrt(1 - REFRACTION_COEFF)) <= cell_m


def test_wall_casts_a_shadow_of_the_right_length() -> None:
    """Eye at h = 10 m, a 5 m wall D = 20 cells away: the ground is hidden up to h D / (h - H) = 40 cells."""
    z = np.zeros((81, 121), dtype=np.float32)
    z[:, 60] = 5.0  # the wall, 20 cells east of the observer at column 40
    seen = viewshed(z, 1.0, 40, 40, observer_height_m=10.0, target_height_m=0.0, max_distance_m=100.0,
                    curvature=False)
    row = seen[40]
    assert row[40:61].all()  # up to and including the top of the wall
    hidden = np.flatnonzero(~row[61:]) + 61
    assert hidden.min() == 61 and hidden.max() == 79  # shadow: columns 61..79, i.e. distances 21..39
    assert row[80:].all()  # from 40 cells on the ground is seen again over the wall


def test_observer_in_a_pit_sees_only_the_pit() -> None:
    z = np.full((101, 101), 0.0, dtype=np.float32)
    z[40:61, 40:61] = -50.0  # a 21 x 21 cell pit, 50 m deep
    seen = viewshed(z, 5.0, 50, 50, observer_height_m=2.0, target_height_m=0.0, max_distance_m=400.0)
    assert seen[40:61, 40:61].all()
    assert not seen[:35].any() and not seen[66:].any() and not seen[:, :35].any() and not seen[:, 66:].any()


def test_sector_limits_the_view() -> None:
    z = np.zeros((101, 101), dtype=np.float32)
    seen = viewshed(z, 10.0, 50, 50, observer_height_m=5.0, target_height_m=0.0, max_distance_m=450.0,
                    azimuth_deg=90.0, fov_deg=90.0, curvature=False)
    rr, cc = np.mgrid[:101, :101]
    azimuth = np.degrees(np.arctan2(cc - 50, -(rr - 50))) % 360
    within = np.hypot(rr - 50, cc - 50) * 10.0 <= 450.0
    assert seen[50, 51:96].all()  # due east
    assert not seen[(np.abs(azimuth - 90) > 45.5) & within & ~((rr == 50) & (cc == 50))].any()
    assert seen[(np.abs(azimuth - 90) < 44.5) & within].all()


def test_nodata_is_never_seen_and_does_not_block() -> None:
    z = np.zeros((41, 41), dtype=np.float32)
    z[20, 25] = np.nan
    z[20, 30] = 1000.0  # a tower behind the hole: seen, because the hole does not block it
    seen = viewshed(z, 10.0, 20, 20, observer_height_m=5.0, target_height_m=0.0, max_distance_m=200.0)
    assert not seen[20, 25] and seen[20, 30]
    with pytest.raises(ViewshedError, match="without elevation"):
        viewshed(z, 10.0, 20, 25, observer_height_m=5.0, target_height_m=0.0, max_distance_m=200.0)
    with pytest.raises(ViewshedError, match="outside"):
        viewshed(z, 10.0, 99, 0, observer_height_m=5.0, target_height_m=0.0, max_distance_m=200.0)
    with pytest.raises(ViewshedError, match="fov_deg"):
        ViewshedParams(fov_deg=0.0)
    with pytest.raises(ViewshedError, match="max_distance_m"):
        viewshed(z, 10.0, 20, 20, observer_height_m=5.0, target_height_m=0.0, max_distance_m=-1.0)


def test_cumulative_counts_each_observer_once() -> None:
    z = np.zeros((61, 61), dtype=np.float32)
    params = [ViewshedParams(observer_height_m=5.0, target_height_m=0.0, max_distance_m=200.0, curvature=False)] * 2
    count = cumulative_viewshed(z, 10.0, [30, 30], [25, 35], params)
    one = viewshed(z, 10.0, 30, 25, observer_height_m=5.0, target_height_m=0.0, max_distance_m=200.0, curvature=False)
    two = viewshed(z, 10.0, 30, 35, observer_height_m=5.0, target_height_m=0.0, max_distance_m=200.0, curvature=False)
    assert np.array_equal(count, one.astype(np.uint16) + two)
    assert count.max() == 2
    with pytest.raises(ViewshedError, match="share target height"):
        cumulative_viewshed(z, 10.0, [30, 30], [25, 35], [params[0], ViewshedParams(target_height_m=2.0)])


@pytest.fixture(scope="module")
def border_dem():
    return read_metric_dem(BORDER_DEM, bounds_lonlat=(21.4, 40.85, 22.8, 41.45))


@pytest.mark.skipif(shutil.which("gdal_viewshed") is None, reason="Debian's gdal-bin (gdal_viewshed) is not installed")
def test_agrees_with_gdal_viewshed_on_srtm(border_dem, tmp_path: Path) -> None:
    """At least 99 % of cells within 10 km equal GDAL's, over 12 observers on the real border terrain.

    Where they differ, and why: GDAL 3.6 runs the same Xdraw interpolation but (a) in float64 from
    a float32 file we also read, so grazing cells can tip either way by fractions of a metre and
    the difference then propagates outward along the ridge's shadow edge; (b) it takes the
    Earth's semi-major axis (6378 km) instead of the mean radius, ~1 cm at 10 km; (c) it has no
    nodata handling: a void's NaN spreads through the horizons behind it and turns them all
    visible, where we neither see nor block on a void, so observers with an SRTM void within
    range are left out (one such observer agreed on only 97 %); (d) it clips its
    range on a rectangle of whole cells, so the ring one cell inside the range is left out of the
    comparison. The differences sit on shadow edges, not in open terrain.
    """
    dem_path, out_path = tmp_path / "dem.tif", tmp_path / "viewshed.tif"
    write_geotiff(border_dem, dem_path)
    rows, cols = observers(border_dem, 12, margin_cells=115, seed=11, void_free=True)
    assert rows.size == 12
    same = compared = 0
    for r, c in zip(rows.tolist(), cols.tolist()):
        ours = viewshed(border_dem.elevation_m, border_dem.cell_size_m, r, c, observer_height_m=20.0,
                        target_height_m=1.7, max_distance_m=10_000.0)
        theirs = gdal_viewshed(dem_path, border_dem, r, c, max_distance_m=10_000.0, out_path=out_path)
        a, b = agreement(ours, theirs, border_dem, r, c, max_distance_m=10_000.0)
        assert a / b > 0.98, (r, c, a / b)
        assert 0.0 < ours.sum() < theirs.size  # neither blind nor seeing everything
        same, compared = same + a, compared + b
    assert same / compared >= 0.99


def test_metric_dem_from_geotiff_in_another_crs_and_from_hgt(border_dem, tmp_path: Path) -> None:
    """A DEM in EPSG:3035 and an SRTM .hgt tile both come out on the same metric grid with the same heights."""
    assert border_dem.crs == "EPSG:32634" and border_dem.cell_size_m == 90.0
    # The Evzoni/Bogorodica crossing (41.125 N, 22.54 E) is 43 m in the source.
    r, c, inside = border_dem.rowcol([41.125], [22.54])
    assert inside[0] and abs(float(border_dem.elevation_m[r[0], c[0]]) - 43.0) < 15
    with rasterio.open(BORDER_DEM) as src:
        window = rasterio.windows.from_bounds(22.0, 41.0, 23.0, 42.0, transform=src.transform)
        tile = src.read(1, window=window, boundless=True, fill_value=-32768)
    tile = np.vstack([tile, tile[-1:]])[:1201]
    tile = np.hstack([tile, tile[:, -1:]])[:, :1201]
    hgt = tmp_path / "N41E022.hgt"
    with rasterio.open(hgt, "w", driver="SRTMHGT", width=1201, height=1201, count=1, dtype="int16", crs="EPSG:4326",
                       transform=from_origin(22.0 - 1.5 / 3600, 42.0 + 1.5 / 3600, 3 / 3600, 3 / 3600)) as dst:
        dst.write(tile.astype(np.int16), 1)
    from_hgt = read_metric_dem(hgt, bounds_lonlat=(22.3, 41.05, 22.7, 41.3))
    r, c, inside = from_hgt.rowcol([41.125], [22.54])
    assert inside[0] and abs(float(from_hgt.elevation_m[r[0], c[0]]) - 43.0) < 15
    laea = tmp_path / "laea.tif"
    small = read_metric_dem(BORDER_DEM, bounds_lonlat=(22.3, 41.05, 22.7, 41.3), crs="EPSG:3035", cell_size_m=100.0)
    write_geotiff(small, laea)
    again = read_metric_dem(laea, bounds_lonlat=(22.4, 41.1, 22.6, 41.2))
    r, c, inside = again.rowcol([41.125], [22.54])
    assert again.crs == "EPSG:32634" and inside[0] and abs(float(again.elevation_m[r[0], c[0]]) - 43.0) < 15


def test_metric_dem_refuses_what_it_cannot_read_safely(tmp_path: Path) -> None:
    with pytest.raises(RasterError, match="does not cover"):
        read_metric_dem(BORDER_DEM, bounds_lonlat=(10.0, 10.0, 11.0, 11.0))
    with pytest.raises(RasterError, match="more than the limit"):
        read_metric_dem(BORDER_DEM, bounds_lonlat=(21.0, 40.6, 23.4, 41.8), max_pixels=10_000)
    with pytest.raises(RasterError, match="not a projected"):
        read_metric_dem(BORDER_DEM, bounds_lonlat=(22.0, 41.0, 22.1, 41.1), crs="EPSG:4326")
    no_crs = tmp_path / "nocrs.tif"
    with rasterio.open(no_crs, "w", driver="GTiff", width=4, height=4, count=1, dtype="int16",
                       transform=from_origin(22.0, 41.1, 0.025, 0.025)) as dst:
        dst.write(np.zeros((4, 4), dtype=np.int16), 1)
    with pytest.raises(RasterError, match="no CRS"):
        read_metric_dem(no_crs, bounds_lonlat=(22.0, 41.0, 22.1, 41.1))
    garbage = tmp_path / "garbage.tif"
    garbage.write_bytes(b"not a raster")
    with pytest.raises(RasterError, match="cannot open"):
        read_metric_dem(garbage, bounds_lonlat=(22.0, 41.0, 22.1, 41.1))
