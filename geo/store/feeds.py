"""The feeds repository: each feed's cursor (``feed_state``) and its health record (``feed_health``).

The cursor survives a restart of the poller; the health record counts polls, failures and what
each feed brought, and keeps the last success, the last error and the lag.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from geo.store.core import Db, epoch_ms

_HEALTH_COLUMNS: Final[tuple[str, ...]] = (
    "feed", "kind", "last_success_ms", "last_error_ms", "last_error", "lag_s", "polls", "failures", "events", "units",
    "reports", "quarantined",
)


def feed_state(db: Db, feed: str) -> tuple[str | None, str | None]:
    """The ``(etag, cursor)`` a feed left after its last successful poll."""
    with db.transaction(write=False) as tx:
        row = tx.fetchone("SELECT etag, cursor FROM feed_state WHERE feed = ?", (feed,))
    return (row[0], row[1]) if row else (None, None)


def set_feed_state(db: Db, feed: str, *, etag: str | None, cursor: str | None) -> None:
    """Remember a feed's ETag and cursor (they survive a restart of the poller)."""
    with db.transaction() as tx:
        tx.execute("INSERT INTO feed_state (feed, etag, cursor, updated_at_ms) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT (feed) DO UPDATE SET etag = excluded.etag, cursor = excluded.cursor, "
                   "updated_at_ms = excluded.updated_at_ms", (feed, etag, cursor, epoch_ms()))


def record_poll(db: Db, feed: str, *, kind: str, error: str | None, lag_s: float | None = None, events: int = 0,
                units: int = 0, reports: int = 0, quarantined: int = 0) -> None:
    """Add one poll to a feed's health record: a success (``error`` is ``None``) or a failure."""
    now_ms = epoch_ms()
    ok = error is None
    with db.transaction() as tx:
        tx.execute("INSERT INTO feed_health (feed, kind) VALUES (?, ?) ON CONFLICT (feed) DO NOTHING", (feed, kind))
        tx.execute(
            "UPDATE feed_health SET polls = polls + 1, failures = failures + ?, events = events + ?, "
            "units = units + ?, reports = reports + ?, quarantined = quarantined + ?, "
            "last_success_ms = CASE WHEN ? THEN ? ELSE last_success_ms END, "
            "last_error_ms = CASE WHEN ? THEN last_error_ms ELSE ? END, "
            "last_error = CASE WHEN ? THEN last_error ELSE ? END, "
            "lag_s = CASE WHEN ? THEN ? ELSE lag_s END WHERE feed = ?",
            (0 if ok else 1, events, units, reports, quarantined, ok, now_ms, ok, now_ms, ok, error, ok, lag_s, feed))


def feed_health(db: Db) -> pd.DataFrame:
    """Every feed's health record, with times as UTC datetimes (``last_success``, ``last_error_at``)."""
    with db.transaction(write=False) as tx:
        rows = tx.fetch(f"SELECT {', '.join(_HEALTH_COLUMNS)} FROM feed_health ORDER BY feed")
    frame = pd.DataFrame.from_records(rows, columns=list(_HEALTH_COLUMNS))
    frame["last_success"] = pd.to_datetime(frame.pop("last_success_ms"), unit="ms", utc=True)
    frame["last_error_at"] = pd.to_datetime(frame.pop("last_error_ms"), unit="ms", utc=True)
    return frame
