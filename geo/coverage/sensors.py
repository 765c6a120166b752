"""Sensors as data: read from CSV or GeoJSON, kept in the store's ``sensors`` table, edited one by one.

The rows are kept by :mod:`geo.store.sensors`; every record passes :class:`geo.models.Sensor`'s
validation before it is written. Functions take the store or an open transaction (``db``): a
save, its removals and its audit entry commit together when done through one transaction.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import pandas as pd

from geo.errors import CoverageError, SensorError, msg
from geo.models import Sensor
from geo.store import SENSOR_COLUMNS, Db, epoch_ms, read_sensors, remove_sensors, sensor_count, upsert_sensors

COLUMNS: Final[tuple[str, ...]] = SENSOR_COLUMNS
"""Sensor fields in table order: sensor_id, kind, lat, lon, height_m, range_m, azimuth_deg, fov_deg, status."""
REQUIRED: Final[frozenset[str]] = frozenset({"sensor_id", "kind", "lat", "lon", "height_m", "range_m"})
MAX_FILE_BYTES: Final[int] = 5_000_000


def sensors_from_frame(frame: pd.DataFrame) -> list[Sensor]:
    """Validated sensors from a frame with at least :data:`REQUIRED` columns (azimuth 0, field of view 360,
    status active when absent). Raises :class:`SensorError` naming the first bad row."""
    missing = REQUIRED - set(frame.columns)
    if missing:
        raise SensorError(msg("sensor data lacks the column(s) {missing}; needs {required}",
                              missing=sorted(missing), required=sorted(REQUIRED)))
    defaults = {"azimuth_deg": 0.0, "fov_deg": 360.0, "status": "active"}
    sensors = []
    for i, row in enumerate(frame.to_dict("records"), start=1):
        record = {**defaults, **{k: v for k, v in row.items() if k in COLUMNS and not _blank(v)}}
        try:
            sensors.append(Sensor(sensor_id=str(record["sensor_id"]), kind=str(record["kind"]),
                                  lat=float(record["lat"]), lon=float(record["lon"]),
                                  height_m=float(record["height_m"]), range_m=float(record["range_m"]),
                                  azimuth_deg=float(record["azimuth_deg"]) % 360.0, fov_deg=float(record["fov_deg"]),
                                  status=str(record["status"])))
        except (TypeError, ValueError, KeyError) as exc:
            raise SensorError(msg("sensor row {i}: {exc}", i=i, exc=exc)) from None
    ids = [s.sensor_id for s in sensors]
    if len(set(ids)) != len(ids):
        raise SensorError(msg("sensor ids repeat: {ids}", ids=sorted({i for i in ids if ids.count(i) > 1})))
    return sensors


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def read_sensor_file(data: bytes, *, name: str) -> list[Sensor]:
    """Sensors from a CSV (our column names) or a GeoJSON FeatureCollection of points (EPSG:4326, properties
    named like our columns; ``lat``/``lon`` come from the geometry)."""
    if len(data) > MAX_FILE_BYTES:
        raise CoverageError(msg("{name}: {n:,} bytes is more than the {max_file_bytes:,} a sensor file may have",
                                name=name, n=len(data), max_file_bytes=MAX_FILE_BYTES))
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        try:
            return sensors_from_frame(pd.read_csv(io.BytesIO(data)))
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise CoverageError(msg("{name}: not a readable CSV ({exc})", name=name, exc=exc)) from None
    if suffix in {".geojson", ".json"}:
        return sensors_from_frame(_geojson_frame(data, name=name))
    raise CoverageError(msg("{name}: sensor files must be .csv or .geojson; got {suffix}",
                            name=name, suffix=suffix or "no extension"))


def _geojson_frame(data: bytes, *, name: str) -> pd.DataFrame:
    try:
        document = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CoverageError(msg("{name}: not valid JSON ({exc})", name=name, exc=exc)) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise CoverageError(msg("{name}: expected a GeoJSON FeatureCollection", name=name))
    rows = []
    for i, feature in enumerate(document.get("features") or [], start=1):
        geometry = (feature or {}).get("geometry") or {}
        coordinates = geometry.get("coordinates")
        if geometry.get("type") != "Point" or not isinstance(coordinates, list) or len(coordinates) < 2:
            raise CoverageError(msg("{name}: feature {i} is not a point with coordinates", name=name, i=i))
        rows.append({**(feature.get("properties") or {}), "lon": coordinates[0], "lat": coordinates[1]})
    return pd.DataFrame(rows)


def load_sensors(db: Db) -> list[Sensor]:
    """Every sensor in the store, by id."""
    return read_sensors(db)


def save_sensors(db: Db, sensors: Iterable[Sensor], *, source: str) -> int:
    """Insert or replace sensors by id (one transaction); returns how many were written."""
    return upsert_sensors(db, list(sensors), source=source, at_ms=epoch_ms())


def update_sensor(db: Db, sensor_id: str, **changes: Any) -> Sensor:
    """Change fields of one stored sensor (move it, change height or range, switch it off); validated."""
    unknown = set(changes) - set(COLUMNS[1:])
    if unknown:
        raise SensorError(msg("cannot change {unknown}; fields are {columns}",
                              unknown=sorted(unknown), columns=list(COLUMNS[1:])))
    # Read and write in one transaction: a concurrent edit of another field is not lost.
    with db.transaction() as tx:
        current = {s.sensor_id: s for s in load_sensors(tx)}
        if sensor_id not in current:
            raise SensorError(msg("no sensor {sensor_id!r} in the store", sensor_id=sensor_id))
        changed = replace(current[sensor_id], **changes)
        save_sensors(tx, [changed], source="edited")
    return changed


def delete_sensor(db: Db, sensor_id: str) -> None:
    """Remove one sensor from the store."""
    remove_sensors(db, [sensor_id])


def sensor_table_empty(db: Db) -> bool:
    """Whether the store holds no sensor at all."""
    return sensor_count(db) == 0


def ensure_sensors(db: Db, sensors: pd.DataFrame, *, source: str) -> int:
    """Load ``sensors`` (the bundled scenario's) only when the table is empty; returns how many were written."""
    # Check and fill in one transaction, so that two first starts do not both fill the table.
    with db.transaction() as tx:
        if not sensor_table_empty(tx):
            return 0
        return save_sensors(tx, sensors_from_frame(sensors), source=source)
