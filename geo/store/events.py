"""The events repository: insert (idempotent, in bulk), read past a watermark, look up, delete a source.

Events are append-only except for :func:`delete_source`, which bumps the data epoch so that
readers (:class:`geo.store.mirror.StoreMirror`) reload instead of reading past their watermark.
Times are epoch milliseconds in the table and UTC datetimes in the frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from geo.errors import StoreError
from geo.store.core import Db

READ_COLUMNS: Final[tuple[str, ...]] = (
    "seq", "source", "event_id", "type", "occurred_at_ms", "received_at_ms", "lat", "lon", "persons", "impact",
    "confidence", "status", "cell",
)
"""What the dashboard reads of an event: everything but the free-form ``attrs``."""
MIRROR_COLUMNS: Final[tuple[str, ...]] = tuple(c for c in READ_COLUMNS if c not in ("event_id", "received_at_ms"))
"""What the mirror keeps in memory: no event ids (:func:`event_ids` reads the few a view shows), no receipt times."""
_SELECT: Final[str] = f"SELECT {', '.join(READ_COLUMNS)} FROM events"


def ms(values: pd.Series) -> np.ndarray:
    """UTC datetimes as epoch milliseconds (int64)."""
    return values.to_numpy(dtype="datetime64[ms]").astype(np.int64)


def event_rows(events: pd.DataFrame, import_id: int | None) -> list[tuple[Any, ...]]:
    """Model-shaped events (see :mod:`geo.ingest.validate`) as tuples in :data:`geo.store.schema.EVENT_COLUMNS`
    order."""
    confidence = events["confidence"].astype(object).where(events["confidence"].notna(), None)
    columns = [
        events["source"].to_numpy(dtype=object), events["event_id"].to_numpy(dtype=object),
        events["type"].to_numpy(dtype=object), ms(events["occurred_at"]).tolist(), ms(events["received_at"]).tolist(),
        events["lat"].to_numpy(dtype=float).tolist(), events["lon"].to_numpy(dtype=float).tolist(),
        events["persons"].to_numpy(dtype=np.int64).tolist(), events["impact"].to_numpy(dtype=object),
        confidence.to_numpy(dtype=object), events["status"].to_numpy(dtype=object),
        events["cell"].to_numpy(dtype=np.uint64).astype(np.int64).tolist(), events["attrs"].to_numpy(dtype=object),
        [import_id] * len(events),
    ]
    return list(zip(*columns))


def events_frame(rows: Sequence[Sequence[Any]], columns: Sequence[str] = READ_COLUMNS) -> pd.DataFrame:
    """Rows of ``columns`` (:data:`READ_COLUMNS` or fewer) as the event model the core uses (UTC datetimes, uint64
    cells)."""
    frame = pd.DataFrame.from_records(rows, columns=list(columns))
    for name in ("occurred_at", "received_at"):
        if f"{name}_ms" in frame:
            frame[name] = pd.to_datetime(frame.pop(f"{name}_ms").astype(np.int64), unit="ms", utc=True)
    frame["cell"] = frame["cell"].astype(np.int64).to_numpy().astype(np.uint64)
    frame["persons"] = frame["persons"].astype(np.int64)
    frame["seq"] = frame["seq"].astype(np.int64)
    return frame


def insert_events(db: Db, events: pd.DataFrame, *, import_id: int | None = None) -> int:
    """Insert model-shaped events; rows whose ``(source, event_id)`` exists are skipped.

    Returns the number of rows actually inserted (the rest are duplicates).
    """
    return insert_rows(db, event_rows(events, import_id))


def insert_rows(db: Db, rows: list[tuple[Any, ...]]) -> int:
    """Insert rows already in :data:`geo.store.schema.EVENT_COLUMNS` order (see :func:`event_rows`) in one
    transaction, the dialect's fastest way; returns the number inserted."""
    if not rows:
        return 0
    with db.transaction() as tx:
        return int(tx.insert_event_rows(rows))


def delete_source(db: Db, source: str) -> int:
    """Remove every event and unit position of ``source`` (the bundled scenario's refresh); bump the data epoch.

    Returns the number of events removed.
    """
    with db.transaction() as tx:
        deleted = tx.execute("DELETE FROM events WHERE source = ?", (source,))
        tx.execute("DELETE FROM units WHERE source = ?", (source,))
        tx.execute("UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_epoch'")
        tx.notify_events()
        return deleted


def watermark(db: Db) -> tuple[int, int]:
    """``(data_epoch, max seq)``: readers reload fully when the epoch changes, else read past ``seq``."""
    with db.transaction(write=False) as tx:
        epoch = int(tx.fetch("SELECT value FROM meta WHERE key = 'data_epoch'")[0][0])
        return epoch, int(tx.fetch("SELECT COALESCE(MAX(seq), 0) FROM events")[0][0])


def event_span_ms(db: Db) -> tuple[int, int] | None:
    """When the first and the last stored event occurred (epoch ms), or ``None`` without events."""
    with db.transaction(write=False) as tx:
        first, last = tx.fetch("SELECT MIN(occurred_at_ms), MAX(occurred_at_ms) FROM events")[0]
    return None if first is None else (int(first), int(last))


def read_events(db: Db, *, after_seq: int = 0, since_ms: int | None = None, columns: Sequence[str] = READ_COLUMNS
                ) -> pd.DataFrame:
    """Events with ``seq > after_seq`` (that occurred at or after ``since_ms``, epoch ms) in insertion order, as
    the model frame of ``columns`` (no ``attrs``)."""
    unknown = sorted(set(columns) - set(READ_COLUMNS))
    if unknown:
        raise StoreError(f"events have no readable column(s) {unknown}; readable: {list(READ_COLUMNS)}")
    since = "" if since_ms is None else " AND occurred_at_ms >= ?"
    with db.transaction(write=False) as tx:
        return events_frame(tx.fetch(f"SELECT {', '.join(columns)} FROM events WHERE seq > ?{since} ORDER BY seq",
                                     (after_seq,) if since_ms is None else (after_seq, since_ms)), columns)


def event_ids(db: Db, seqs: Sequence[int]) -> dict[int, str]:
    """The ``event_id`` of each stored event ``seq`` (absent ones are left out)."""
    if not len(seqs):
        return {}
    marks = ", ".join("?" * len(seqs))
    with db.transaction(write=False) as tx:
        rows = tx.fetch(f"SELECT seq, event_id FROM events WHERE seq IN ({marks})", tuple(int(s) for s in seqs))
    return {int(seq): str(event_id) for seq, event_id in rows}


def events_near(db: Db, *, lat: tuple[float, float], lon: tuple[float, float], occurred_ms: tuple[int, int]
                ) -> pd.DataFrame:
    """Events inside a box, ``(south, north)`` and ``(west, east)`` in degrees, that occurred in
    ``occurred_ms`` (epoch ms, both ends included); the model frame."""
    with db.transaction(write=False) as tx:
        return events_frame(tx.fetch(f"{_SELECT} WHERE lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? "
                                     "AND occurred_at_ms BETWEEN ? AND ?", (*lat, *lon, *occurred_ms)))


def event_exists(db: Db, *, source: str, event_id: str) -> bool:
    """Whether the store holds the event ``source``/``event_id``."""
    with db.transaction(write=False) as tx:
        return tx.fetchone("SELECT 1 FROM events WHERE source = ? AND event_id = ?", (source, event_id)) is not None


def holds_other_data(db: Db, *, sources: Sequence[str]) -> bool:
    """Whether the store holds anything but events of ``sources``: another source's event, or any file import.

    Stops at the first such row (a store of real data answers at once; a scenario-only store
    scans its scenario rows once).
    """
    marks = ", ".join("?" for _ in sources)
    with db.transaction(write=False) as tx:
        if tx.fetchone("SELECT 1 FROM imports LIMIT 1") is not None:
            return True
        return tx.fetchone(f"SELECT 1 FROM events WHERE source NOT IN ({marks}) LIMIT 1", tuple(sources)) is not None


def newest_event_ms(db: Db, source: str) -> int | None:
    """When the newest event of ``source`` occurred (epoch ms), or ``None`` if it has none."""
    with db.transaction(write=False) as tx:
        value = tx.fetch("SELECT MAX(occurred_at_ms) FROM events WHERE source = ?", (source,))[0][0]
        return None if value is None else int(value)
