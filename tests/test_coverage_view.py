"""The Coverage map opens on the corridor, and sensor ids are written only where they can be read (hand cases)."""

from __future__ import annotations

import h3
import numpy as np

from geo.models import Sensor
from layers.basemap import screen_px
from layers.coverage import corridor_view, legible_sensor_ids, sensor_layers


def _sensor(sensor_id: str, lat: float, lon: float, status: str = "active") -> Sensor:
    return Sensor(sensor_id, "tower", lat, lon, 20.0, 8_000.0, 0.0, 360.0, status)


def test_the_view_fits_the_corridor_with_its_margin() -> None:
    cells = np.array([h3.str_to_int(h3.latlng_to_cell(41.0, 22.0, 8)), h3.str_to_int(h3.latlng_to_cell(41.4, 22.6, 8))],
                     dtype=np.uint64)
    view = corridor_view(cells, width_px=1000, height_px=620)
    assert abs(view["latitude"] - 41.2) < 0.01 and abs(view["longitude"] - 22.3) < 0.01
    # The box is 0.66° by 0.46° with its 0.03° margins. Width: 1000 px at 512 * 2**z px per 360° allows
    # z = log2(1000 * 360 / (512 * 0.66)) = 10.06. Height: 0.46° at 41.2° N is 0.00803 rad / cos(41.2°) = 0.01067 in
    # Mercator y, so z = log2(620 * 2π / (512 * 0.01067)) = 9.48, the tighter one; less 0.15 of air: 9.33.
    assert abs(view["zoom"] - 9.33) < 0.03
    west, east = view["longitude"] - 0.33, view["longitude"] + 0.33
    left, right = screen_px(west, 41.2, zoom=view["zoom"])[0], screen_px(east, 41.2, zoom=view["zoom"])[0]
    assert right - left <= 1000  # both cells and their margins are inside the map


def test_ids_are_written_only_where_they_do_not_collide() -> None:
    # At zoom 8, 0.001° apart is well under a pixel: two towers on one spot get one id, the active one.
    crowded = [_sensor("OFF1", 41.1, 22.5, status="off"), _sensor("T2", 41.1, 22.501), _sensor("T3", 41.4, 22.9)]
    assert legible_sensor_ids(crowded, zoom=8.0) == {"T2", "T3"}
    # Zoomed in to 16 (about 1.8 m a pixel) the two are ~45 px apart: both ids fit.
    assert legible_sensor_ids(crowded, zoom=16.0) == {"OFF1", "T2", "T3"}
    texts = next(layer for layer in sensor_layers(crowded, zoom=8.0) if layer.id == "sensor-ids")
    dots = next(layer for layer in sensor_layers(crowded, zoom=8.0) if layer.id == "sensors")
    assert [row["id"] for row in texts.data] == ["T2", "T3"] and len(dots.data) == 3  # every dot stays
