"""Event retention: whole months of events older than the retention period leave the store.

On PostgreSQL the events table is partitioned by month (migration 10): a month past retention is
dropped as a table (no row-by-row delete, no bloat left behind), after its keys leave ``event_keys``
so that the same event could be imported again. SQLite has no partitions: the same months are
deleted as rows. Either way only whole months go: the month holding the cut-off stays, so a store
keeps at least the retention period. Readers reload (the data epoch is bumped) when anything went.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Final

from geo.store.core import Db

_MONTH_TABLE: Final[re.Pattern[str]] = re.compile(r"events_y(\d{4})m(\d{2})")
"""A month's partition as ``limes_event_month`` names it (``events_y2026m01``)."""


@dataclass(frozen=True)
class PurgedEvents:
    """What :func:`purge_event_months` removed: the months (``YYYY-MM``, oldest first) and their events."""

    months: tuple[str, ...]
    events: int


def month_start_ms(at: datetime) -> int:
    """The first millisecond (epoch ms) of the UTC month holding ``at`` (timezone-aware)."""
    utc = at.astimezone(timezone.utc)
    return int(datetime(utc.year, utc.month, 1, tzinfo=timezone.utc).timestamp() * 1000)


def _next_month(year: int, month: int) -> datetime:
    return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=timezone.utc)


def _partitions(db: Db) -> list[tuple[str, int, int]]:
    """The month partitions of ``events``: (table, year, month), oldest first."""
    rows = db.fetch("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "WHERE i.inhparent = 'events'::regclass")
    found = [(name, int(m[1]), int(m[2])) for (name,) in rows if (m := _MONTH_TABLE.fullmatch(name))]
    return sorted(found, key=lambda part: part[1:])


def purge_event_months(db: Db, *, keep_from: datetime) -> PurgedEvents:
    """Remove every month of events that ended before the month holding ``keep_from`` (timezone-aware UTC).

    PostgreSQL drops those months' partitions; SQLite deletes their rows. Run it daily (``limes
    purge-events``); writers and readers of the events table wait the moment it takes (a dropped
    partition locks its parent).
    """
    cut_ms = month_start_ms(keep_from)
    with db.transaction() as tx:
        if tx.dialect == "postgresql":
            # The event writers' lock: no insert creates or fills a month while it goes.
            tx.execute("SELECT pg_advisory_xact_lock(hashtext('limes-events'))")
            months, removed = [], 0
            for table, year, month in _partitions(tx):
                if _next_month(year, month).timestamp() * 1000 > cut_ms:
                    continue
                removed += int(tx.fetch(f"SELECT COUNT(*) FROM {table}")[0][0])
                tx.execute(f"DELETE FROM event_keys k USING {table} e "
                           "WHERE k.source = e.source AND k.event_id = e.event_id")
                tx.execute(f"DROP TABLE {table}")
                months.append(f"{year:04d}-{month:02d}")
        else:
            months = [month for (month,) in tx.fetch(
                "SELECT DISTINCT strftime('%Y-%m', occurred_at_ms / 1000, 'unixepoch') AS month FROM events "
                "WHERE occurred_at_ms < ? ORDER BY month", (cut_ms,))]
            removed = tx.execute("DELETE FROM events WHERE occurred_at_ms < ?", (cut_ms,))
        if removed:
            tx.execute("UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_epoch'")
            tx.notify_events()
    return PurgedEvents(tuple(months), removed)
