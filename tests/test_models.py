"""The domain vocabulary and the sensor record's guard clauses."""

from __future__ import annotations

import pytest

from geo.errors import SensorError
from geo.grid import edge_length_km
from geo.models import EVENT_TYPE_LABELS, EVENT_TYPES, TYPE_CODES, Sensor

TOWER = {"sensor_id": "T1", "kind": "tower", "lat": 41.1, "lon": 22.5, "height_m": 20.0, "range_m": 10_000.0,
         "azimuth_deg": 0.0, "fov_deg": 360.0}


def test_vocabulary_is_consistent() -> None:
    assert set(EVENT_TYPE_LABELS) == set(EVENT_TYPES)
    assert sorted(TYPE_CODES.values()) == list(range(len(EVENT_TYPES)))
    assert "irregular_crossing" in EVENT_TYPES and "citizen_report" in EVENT_TYPES


@pytest.mark.parametrize(
    ("change", "message"),
    [({"kind": "drone"}, "kind must be one of"), ({"lat": 95.0}, "out of range"), ({"range_m": 0.0}, "range_m > 0"),
     ({"height_m": -2.0}, "height_m must be >= 0"), ({"fov_deg": 400.0}, r"fov_deg must be in \(0, 360\]"),
     ({"status": "broken"}, "status must be one of")],
)
def test_sensor_guard_clauses_name_the_problem(change: dict, message: str) -> None:
    with pytest.raises(SensorError, match=message):
        Sensor(**{**TOWER, **change})
    assert Sensor(**TOWER).status == "active"


def test_edge_lengths_shrink_by_sqrt7() -> None:
    assert edge_length_km(6) == pytest.approx(3.72, rel=0.01)  # h3 documentation: 3.724532667 km
    assert edge_length_km(5) / edge_length_km(6) == pytest.approx(7 ** 0.5, rel=0.01)
