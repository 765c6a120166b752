"""The sensors repository: sensors as editable rows, inserted or replaced by id, removed one by one.

Every :class:`geo.models.Sensor` is validated when it is made, so rows read back are trusted.
``ON CONFLICT ... DO UPDATE`` is the same in SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import astuple, fields
from typing import Final

from geo.models import Sensor
from geo.store.core import Db

SENSOR_COLUMNS: Final[tuple[str, ...]] = tuple(f.name for f in fields(Sensor))
"""Sensor fields in table order: sensor_id, kind, lat, lon, height_m, range_m, azimuth_deg, fov_deg, status."""
_UPSERT: Final[str] = (
    f"INSERT INTO sensors ({', '.join(SENSOR_COLUMNS)}, source, updated_at_ms) "
    f"VALUES ({', '.join('?' * (len(SENSOR_COLUMNS) + 2))}) ON CONFLICT (sensor_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in (*SENSOR_COLUMNS[1:], "source", "updated_at_ms"))
)


def read_sensors(db: Db) -> list[Sensor]:
    """Every stored sensor, by id."""
    with db.transaction(write=False) as tx:
        rows = tx.fetch(f"SELECT {', '.join(SENSOR_COLUMNS)} FROM sensors ORDER BY sensor_id")
    return [Sensor(str(r[0]), str(r[1]), *(float(v) for v in r[2:8]), str(r[8])) for r in rows]


def upsert_sensors(db: Db, sensors: Iterable[Sensor], *, source: str, at_ms: int) -> int:
    """Insert or replace ``sensors`` by id, marked as coming from ``source`` at ``at_ms``; returns how many."""
    rows = [(*astuple(s), source, at_ms) for s in sensors]
    with db.transaction() as tx:
        tx.executemany(_UPSERT, rows)
    return len(rows)


def remove_sensors(db: Db, sensor_ids: Iterable[str]) -> None:
    """Remove the sensors of ``sensor_ids`` (ids not stored are ignored)."""
    with db.transaction() as tx:
        tx.executemany("DELETE FROM sensors WHERE sensor_id = ?", [(i,) for i in sensor_ids])


def sensor_count(db: Db) -> int:
    """How many sensors the store holds."""
    with db.transaction(write=False) as tx:
        return int(tx.fetch("SELECT COUNT(*) FROM sensors")[0][0])
