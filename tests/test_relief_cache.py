"""The relief PNGs are made once and reused across server starts, and made again when their inputs change."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import relief_cache
from geo.spatial import bundled_region

REGION = bundled_region()
REGIONAL_DEM = REGION.coarse_dem


def test_relief_png_reused_until_its_inputs_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relief_cache, "generated_dir", lambda: tmp_path)
    first = relief_cache._relief_png("relief-test", REGIONAL_DEM, 5.0, REGION.aoi_lonlat)
    png = tmp_path / "relief-test.png"
    made = png.stat().st_mtime_ns
    png.write_bytes(png.read_bytes())  # same content, newer time: shows whether the file is written again
    touched = png.stat().st_mtime_ns
    assert relief_cache._relief_png("relief-test", REGIONAL_DEM, 5.0, REGION.aoi_lonlat) == first
    assert png.stat().st_mtime_ns == touched >= made  # reused, not redrawn
    again = relief_cache._relief_png("relief-test", REGIONAL_DEM, 2.0, REGION.aoi_lonlat)  # another exaggeration: drawn anew
    assert again == first and png.stat().st_mtime_ns > touched
    west, south, east, north = first
    assert west < 22.0 < east and south < 41.0 < north
