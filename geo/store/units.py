"""The unit positions repository: patrols' GPS fixes (Cursor-on-Target and the scenario), and their tracks.

A position is kept once per ``(source, unit_id, at)``; repeats are skipped. Times are epoch
milliseconds in the table and UTC datetimes in the frames.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

import numpy as np
import pandas as pd

from geo.store.core import Db
from geo.store.events import ms
from geo.store.schema import UNIT_COLUMNS

_INSERT: Final[str] = (
    f"INSERT INTO units ({', '.join(UNIT_COLUMNS)}) VALUES ({', '.join('?' for _ in UNIT_COLUMNS)}) "
    "ON CONFLICT (source, unit_id, at_ms) DO NOTHING"
)


def insert_units(db: Db, units: pd.DataFrame) -> int:
    """Insert unit positions (:data:`geo.store.schema.UNIT_COLUMNS`, times as UTC datetimes ``at`` and
    ``stale_at``); repeats of ``(source, unit_id, at)`` are skipped. Returns the number inserted."""
    if units.empty:
        return 0
    rows = list(zip(
        units["source"].astype(str), units["unit_id"].astype(str), units["callsign"].astype(str),
        ms(units["at"]).tolist(), ms(units["stale_at"]).tolist(), units["lat"].astype(float).tolist(),
        units["lon"].astype(float).tolist(), units["cell"].to_numpy(dtype=np.uint64).astype(np.int64).tolist(),
    ))
    with db.transaction() as tx:
        return tx.executemany(_INSERT, rows)


def latest_units(db: Db) -> pd.DataFrame:
    """Each unit's newest position: ``source``, ``unit_id``, ``callsign``, ``at``, ``stale_at``, ``lat``, ``lon``."""
    with db.transaction(write=False) as tx:
        rows = tx.fetch("SELECT u.source, u.unit_id, u.callsign, u.at_ms, u.stale_at_ms, u.lat, u.lon FROM units u "
                        "JOIN (SELECT source, unit_id, MAX(at_ms) AS newest FROM units GROUP BY source, unit_id) n "
                        "ON u.source = n.source AND u.unit_id = n.unit_id AND u.at_ms = n.newest ORDER BY u.callsign")
    frame = pd.DataFrame.from_records(rows, columns=["source", "unit_id", "callsign", "at_ms", "stale_at_ms", "lat",
                                                     "lon"])
    frame["at"] = pd.to_datetime(frame.pop("at_ms").astype(np.int64), unit="ms", utc=True)
    frame["stale_at"] = pd.to_datetime(frame.pop("stale_at_ms").astype(np.int64), unit="ms", utc=True)
    return frame


def unit_tracks(db: Db, *, since: datetime) -> pd.DataFrame:
    """Every unit position from ``since`` (UTC) on, for patrol tracks: ``source``, ``unit_id``, ``at``, ``lat``,
    ``lon``, in no particular order."""
    with db.transaction(write=False) as tx:
        rows = tx.fetch("SELECT source, unit_id, at_ms, lat, lon FROM units WHERE at_ms >= ?",
                        (int(pd.Timestamp(since).value // 1_000_000),))
    frame = pd.DataFrame.from_records(rows, columns=["source", "unit_id", "at_ms", "lat", "lon"])
    frame["at"] = pd.to_datetime(frame.pop("at_ms").astype(np.int64), unit="ms", utc=True)
    return frame
