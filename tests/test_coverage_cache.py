"""The Coverage planner's disk cache: what it returns equals a fresh computation; a changed input gives a new key;
a damaged entry is recomputed, never trusted."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
from hypothesis import given, settings
from hypothesis import strategies as st
from rasterio.windows import from_bounds

from geo.coverage import (
    CoverageParams,
    DiskCache,
    SiteModel,
    Terrain,
    candidate_coverage,
    content_key,
    coverage_sets,
    load_terrain,
    seen_by_sensors,
    sensor_coverage,
)
from geo.models import Sensor
from geo.spatial import bundled_region

WINDOW = (22.2, 41.05, 22.75, 41.3)
"""A stretch of the Greece–North Macedonia line (lon/lat degrees): small enough for a test, with a corridor."""
SENSORS = (
    Sensor("T1", "tower", 41.13, 22.45, 20.0, 8_000.0, 0.0, 360.0),
    Sensor("C1", "camera", 41.16, 22.60, 10.0, 5_000.0, 315.0, 60.0),
)
MODEL = SiteModel(height_m=24.0, range_m=6_000.0)


def _write_dem(path: Path, *, raise_m: float = 0.0) -> Path:
    """A GeoTIFF cut from the bundled DEM around :data:`WINDOW`, every height raised by ``raise_m``."""
    source = bundled_region().terrain_dem
    with rasterio.open(source) as dem:
        window = from_bounds(WINDOW[0] - 0.1, WINDOW[1] - 0.1, WINDOW[2] + 0.1, WINDOW[3] + 0.1, dem.transform)
        heights = dem.read(1, window=window)
        profile = {**dem.profile, "driver": "GTiff", "height": heights.shape[0], "width": heights.shape[1],
                   "transform": dem.window_transform(window), "tiled": False, "compress": "deflate"}
        profile.pop("blockxsize", None)
        profile.pop("blockysize", None)
    nodata = profile.get("nodata")
    raised = np.where(heights == nodata, heights, heights + raise_m) if nodata is not None else heights + raise_m
    with rasterio.open(path, "w", **profile) as out:
        out.write(raised.astype(heights.dtype), 1)
    return path


@pytest.fixture(scope="module")
def dem(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_dem(tmp_path_factory.mktemp("dem") / "window.tif")


@pytest.fixture(scope="module")
def fresh(dem: Path) -> Terrain:
    return load_terrain(params=CoverageParams(), dem_path=dem, bounds_lonlat=WINDOW)


def _same_terrain(a: Terrain, b: Terrain) -> None:
    np.testing.assert_array_equal(a.dem.elevation_m, b.dem.elevation_m)
    assert a.dem.transform == b.dem.transform and a.dem.crs == b.dem.crs
    np.testing.assert_array_equal(a.corridor.cells, b.corridor.cells)
    pd.testing.assert_frame_equal(a.stats, b.stats)
    pd.testing.assert_frame_equal(a.candidates, b.candidates)


def test_terrain_viewsheds_and_sites_from_the_cache_equal_a_fresh_computation(tmp_path: Path, dem: Path,
                                                                               fresh: Terrain) -> None:
    cache = DiskCache(tmp_path)
    assert len(fresh.corridor) > 20 and len(fresh.candidates) > 5  # the window holds a corridor and sites
    seen_fresh, skipped_fresh = sensor_coverage(fresh.dem, SENSORS, params=fresh.params)
    sets_fresh = coverage_sets(fresh.corridor, fresh.candidates, model=MODEL, params=fresh.params)
    assert seen_fresh.max() >= 1 and sets_fresh.nnz > 0
    for round_ in ("computed and stored", "read back"):
        terrain = load_terrain(params=CoverageParams(), dem_path=dem, bounds_lonlat=WINDOW, cache=cache)
        _same_terrain(terrain, fresh)
        assert len(terrain.source_key) == 64, round_
        seen, skipped = seen_by_sensors(terrain, SENSORS, cache=cache)
        assert seen.dtype == np.uint16 and skipped == skipped_fresh == []
        np.testing.assert_array_equal(seen, seen_fresh)
        sets = candidate_coverage(terrain, MODEL, cache=cache)
        assert sets.shape == sets_fresh.shape
        assert (sets != sets_fresh).nnz == 0
    assert sorted(p.name.split("-")[0] for p in tmp_path.glob("*.bin")) == ["seen", "sites", "terrain"]


def test_a_changed_sensor_or_patrol_window_reads_what_it_should(tmp_path: Path, dem: Path) -> None:
    cache = DiskCache(tmp_path)
    terrain = load_terrain(params=CoverageParams(), dem_path=dem, bounds_lonlat=WINDOW, cache=cache)
    seen_by_sensors(terrain, SENSORS, cache=cache)
    taller = (replace(SENSORS[0], height_m=40.0), SENSORS[1])
    seen_taller, _ = seen_by_sensors(terrain, taller, cache=cache)
    assert len(list(tmp_path.glob("seen-*.bin"))) == 2  # a new key, a new entry
    np.testing.assert_array_equal(seen_taller, sensor_coverage(terrain.dem, taller, params=terrain.params)[0])
    # The patrol window is not part of line of sight: the same entry serves it.
    other = replace(terrain, params=CoverageParams(patrol_within_h=24.0))
    seen_by_sensors(other, SENSORS, cache=cache)
    assert len(list(tmp_path.glob("seen-*.bin"))) == 2


def test_a_changed_dem_changes_the_key_and_the_terrain(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "cache")
    path = _write_dem(tmp_path / "dem.tif")
    before = load_terrain(params=CoverageParams(), dem_path=path, bounds_lonlat=WINDOW, cache=cache)
    _write_dem(path, raise_m=50.0)
    after = load_terrain(params=CoverageParams(), dem_path=path, bounds_lonlat=WINDOW, cache=cache)
    assert after.source_key != before.source_key
    inside = np.isfinite(before.dem.elevation_m)
    np.testing.assert_allclose(after.dem.elevation_m[inside] - before.dem.elevation_m[inside], 50.0, atol=0.01)
    assert content_key("x", files=[path]) != content_key("y", files=[path])


def test_a_truncated_or_altered_entry_is_recomputed(tmp_path: Path, dem: Path, fresh: Terrain) -> None:
    cache = DiskCache(tmp_path)
    terrain = load_terrain(params=CoverageParams(), dem_path=dem, bounds_lonlat=WINDOW, cache=cache)
    seen_by_sensors(terrain, SENSORS, cache=cache)
    expected = sensor_coverage(fresh.dem, SENSORS, params=fresh.params)[0]
    (entry,) = tmp_path.glob("seen-*.bin")
    whole = entry.read_bytes()
    entry.write_bytes(whole[: len(whole) // 2])
    np.testing.assert_array_equal(seen_by_sensors(terrain, SENSORS, cache=cache)[0], expected)
    assert entry.read_bytes() == whole  # written again, intact
    (terrain_entry,) = tmp_path.glob("terrain-*.bin")
    blob = bytearray(terrain_entry.read_bytes())
    blob[-100] ^= 0xFF
    terrain_entry.write_bytes(bytes(blob))
    _same_terrain(load_terrain(params=CoverageParams(), dem_path=dem, bounds_lonlat=WINDOW, cache=cache), fresh)


def test_an_entry_is_returned_only_under_its_own_key(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    calls: list[int] = []
    assert cache.objects("thing", "a" * 64, lambda: calls.append(1) or {"v": 1}) == {"v": 1}
    assert cache.objects("thing", "a" * 64, lambda: calls.append(1) or {"v": 2}) == {"v": 1}
    assert calls == [1]
    # A file copied under another key's name is not that key's entry.
    cache.path("thing", "a" * 64).rename(cache.path("thing", "b" * 64))
    assert cache.read("thing", "b" * 64) is None
    assert cache.objects("thing", "b" * 64, lambda: {"v": 3}) == {"v": 3}
    assert not list(tmp_path.glob("*.tmp"))  # atomic writes leave no temporary files


def test_the_newest_entries_of_a_kind_are_kept(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, keep=3)
    for i in range(5):
        cache.write("seen", str(i) * 64, b"x")
        os.utime(cache.path("seen", str(i) * 64), ns=(i * 10**9, i * 10**9))  # clearly ordered ages
    cache.write("sites", "f" * 64, b"y")
    assert len(list(tmp_path.glob("seen-*.bin"))) == 3
    assert cache.read("seen", "4" * 64) == b"x" and cache.read("seen", "2" * 64) == b"x"
    assert cache.read("seen", "1" * 64) is None
    assert cache.read("sites", "f" * 64) == b"y"


@settings(max_examples=60, deadline=None)
@given(payload=st.binary(min_size=1, max_size=400), cut=st.integers(min_value=0, max_value=10_000))
def test_any_cut_of_an_entry_reads_as_missing(tmp_path_factory: pytest.TempPathFactory, payload: bytes,
                                              cut: int) -> None:
    cache = DiskCache(tmp_path_factory.mktemp("cut"))
    cache.write("blob", "c" * 64, payload)
    entry = cache.path("blob", "c" * 64)
    whole = entry.read_bytes()
    entry.write_bytes(whole[: cut % len(whole)])
    assert cache.read("blob", "c" * 64) is None
