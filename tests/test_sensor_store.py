"""Sensors in the store on both dialects: file import, round trip, edits, and the scenario's sensors on first run."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timezone

import pandas as pd
import pytest

from geo.coverage import (
    delete_sensor,
    ensure_sensors,
    load_sensors,
    read_sensor_file,
    save_sensors,
    sensors_from_frame,
    update_sensor,
)
from geo.errors import CoverageError, SensorError
from geo.models import Sensor
from geo.scenario import ensure_fresh_scenario
from geo.store import open_store
from tests.stores import sqlite_url, store_url  # noqa: F401  (fixture)

CSV = b"""sensor_id,kind,lat,lon,height_m,range_m,azimuth_deg,fov_deg,status
T1,tower,41.05,22.40,24,12000,,,
C1,camera,41.10,22.55,10,7000,200,90,active
R1,radar,41.02,21.80,18,15000,-30,120,off
"""


def test_round_trip_and_edits(store_url: str) -> None:  # noqa: F811
    store = open_store(store_url)
    try:
        sensors = read_sensor_file(CSV, name="sensors.csv")
        assert save_sensors(store, sensors, source="file") == 3
        loaded = load_sensors(store)
        assert loaded == sorted(sensors, key=lambda s: s.sensor_id)
        assert {s.sensor_id: s.azimuth_deg for s in loaded}["R1"] == 330.0  # -30 deg is 330 deg
        assert {s.sensor_id: s.fov_deg for s in loaded}["T1"] == 360.0  # blank: omnidirectional
        moved = update_sensor(store, "C1", lat=41.12, lon=22.57, height_m=15.0)
        update_sensor(store, "T1", status="off", range_m=9000.0)
        by_id = {s.sensor_id: s for s in load_sensors(store)}
        assert by_id["C1"] == moved and (by_id["C1"].lat, by_id["C1"].height_m) == (41.12, 15.0)
        assert by_id["T1"].status == "off" and by_id["T1"].range_m == 9000.0
        with pytest.raises(SensorError, match="height_m"):
            update_sensor(store, "C1", height_m=-3.0)
        assert {s.sensor_id: s for s in load_sensors(store)}["C1"].height_m == 15.0  # nothing written
        with pytest.raises(SensorError, match="no sensor"):
            update_sensor(store, "NOPE", height_m=3.0)
        delete_sensor(store, "R1")
        assert [s.sensor_id for s in load_sensors(store)] == ["C1", "T1"]
        assert ensure_sensors(store, frame_of(sensors), source="scenario") == 0  # not empty: untouched
    finally:
        store.close()


def frame_of(sensors: list[Sensor]) -> pd.DataFrame:
    return pd.DataFrame([asdict(s) for s in sensors])


def test_geojson_and_bad_files() -> None:
    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [22.4, 41.05]},
         "properties": {"sensor_id": "G1", "kind": "camera", "height_m": 8, "range_m": 5000, "azimuth_deg": 10,
                        "fov_deg": 60}}]}
    (sensor,) = read_sensor_file(json.dumps(document).encode(), name="s.geojson")
    assert (sensor.lat, sensor.lon, sensor.fov_deg, sensor.status) == (41.05, 22.4, 60.0, "active")
    with pytest.raises(SensorError, match="row 1.*kind"):
        read_sensor_file(b"sensor_id,kind,lat,lon,height_m,range_m\nX,balloon,41,22,5,100\n", name="s.csv")
    with pytest.raises(SensorError, match="lacks"):
        read_sensor_file(b"sensor_id,lat,lon\nX,41,22\n", name="s.csv")
    with pytest.raises(SensorError, match="repeat"):
        read_sensor_file(b"sensor_id,kind,lat,lon,height_m,range_m\nX,tower,41,22,5,100\nX,tower,41,22,5,100\n",
                         name="s.csv")
    with pytest.raises(CoverageError, match="not a point"):
        read_sensor_file(b'{"type": "FeatureCollection", "features": [{"geometry": null}]}', name="s.geojson")
    with pytest.raises(CoverageError, match="JSON"):
        read_sensor_file(b"{truncated", name="s.geojson")
    with pytest.raises(CoverageError, match=".csv or .geojson"):
        read_sensor_file(b"", name="s.xlsx")
    with pytest.raises(SensorError, match="lat/lon"):
        sensors_from_frame(pd.DataFrame({"sensor_id": ["A"], "kind": ["tower"], "lat": [95.0], "lon": [22.0],
                                         "height_m": [5.0], "range_m": [100.0]}))


def test_scenario_sensors_fill_an_empty_table_once(tmp_path) -> None:
    store = open_store(sqlite_url(tmp_path))
    try:
        now = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
        assert ensure_fresh_scenario(store, now=now)
        loaded = load_sensors(store)
        assert len(loaded) > 20 and {s.kind for s in loaded} >= {"tower", "camera", "radar"}
        update_sensor(store, loaded[0].sensor_id, status="off")
        assert not ensure_fresh_scenario(store, now=now)  # fresh and sensors present: nothing to do
        assert load_sensors(store)[0].status == "off"  # the user's edit stays
        delete_sensor(store, loaded[0].sensor_id)
        for sensor in load_sensors(store):
            delete_sensor(store, sensor.sensor_id)
        assert ensure_fresh_scenario(store, now=now)  # an emptied table is filled again
        assert len(load_sensors(store)) == len(loaded)
    finally:
        store.close()
