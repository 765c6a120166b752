"""Coverage layers: the coverage image's colours and placement, and what the layers send to the browser."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from PIL import Image
from rasterio.transform import from_origin

from geo.models import Sensor
from geo.spatial import MetricDem
from layers.coverage import COVERAGE_RAMP, coverage_image, gap_layer, sensor_layers


def test_coverage_image_is_clear_where_nobody_looks_and_sits_on_its_grid() -> None:
    """A 100 x 100 grid of 90 m cells near 41 N 22 E: the west half seen by one sensor, a block by three."""
    x0, y0 = 500_000.0, 4_540_000.0  # EPSG:32634: on its central meridian (21 E), ~41 N
    dem = MetricDem(elevation_m=np.zeros((100, 100), np.float32), transform=from_origin(x0, y0, 90.0, 90.0),
                    crs="EPSG:32634", cell_size_m=90.0)
    count = np.zeros((100, 100), np.uint16)
    count[:, :50] = 1
    count[40:60, 10:30] = 3
    image = coverage_image(count, dem, max_width_px=100)
    rgba = np.asarray(Image.open(io.BytesIO(image.png)))
    alpha = rgba[..., 3]
    assert 0.4 < (alpha > 0).mean() < 0.6  # the west half, give or take the warp's edge
    assert (alpha[:, -20:] == 0).all()  # the east is clear
    levels = {tuple(p) for p in rgba.reshape(-1, 4) if p[3] > 0}
    assert levels == {COVERAGE_RAMP[0], COVERAGE_RAMP[2]}  # 1 sensor and 3+ sensors, nothing blended
    west, south, east, north = image.bounds_lonlat
    assert 20.9 < west < east < 22.2 and 40.8 < south < north < 41.1
    assert abs((east - west) * 111_320 * np.cos(np.radians(41.0)) - 9_000) < 200  # 100 cells of 90 m


def test_layers_send_ids_and_small_values_only() -> None:
    gaps = gap_layer(pd.Series([1, 4], index=pd.Index(np.array([0x882d0c0001fffff, 0x882d0c0003fffff],
                                                                dtype=np.uint64))))
    assert gaps.data == [{"hex": "882d0c0001fffff", "value": 1}, {"hex": "882d0c0003fffff", "value": 4}]
    ranges, dots, labels = sensor_layers([Sensor("S1", "tower", 41.0, 22.0, 20.0, 12_000.0, 0.0, 360.0, "off")])
    assert dots.data == [{"id": "S1", "lon": 22.0, "lat": 41.0, "range": 12000, "on": 0}]
    assert ranges.radius_units == "meters" and ranges.get_radius == "@@=range"  # range circles in metres
