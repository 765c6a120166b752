"""The PostgreSQL dialect: a shared server; bulk inserts look up the stored keys, then ``COPY`` the new rows.

psycopg runs in autocommit mode and each unit of work is one ``conn.transaction()`` block. When
the server refuses a statement or the ``COMMIT`` (a serialization failure, a lock timeout, a
deadlock victim), PostgreSQL has already ended the transaction without saving anything; the
driver's error becomes :class:`geo.errors.StoreError`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Final

from geo.errors import StoreError, msg
from geo.store.core import Store, Transaction
from geo.store.schema import EVENT_COLUMNS, EVENT_MONTHS

EVENTS_CHANNEL: Final[str] = "limes_events"
"""The ``NOTIFY`` channel writers of events signal on, and mirrors listen to."""
LISTEN_POLL_S: Final[float] = 1.0
"""How long a listener waits for a notification before it looks whether it should stop."""
DAY_MS: Final[int] = 86_400_000
"""Milliseconds in a (UTC) day."""
_OCCURRED: Final[int] = EVENT_COLUMNS.index("occurred_at_ms")
COPY_TYPES: Final[dict[str, str]] = {
    "source": "text", "event_id": "text", "type": "text", "occurred_at_ms": "int8", "received_at_ms": "int8",
    "lat": "float8", "lon": "float8", "persons": "int4", "impact": "text", "confidence": "float8", "status": "text",
    "cell": "int8", "attrs": "text", "import_id": "int8",
}
"""The database type of each column of :data:`EVENT_COLUMNS` (and event_keys): a binary ``COPY`` must send exactly
the column's type (``persons`` is an INTEGER, the times and cells BIGINT)."""
STORED_KEYS: Final[str] = (
    "SELECT i.source, i.event_id FROM unnest(%b::text[], %b::text[]) AS i(source, event_id), "
    "LATERAL (SELECT 1 FROM event_keys k WHERE k.source = i.source AND k.event_id = i.event_id LIMIT 1) stored")
"""Which of the keys ``(sources[i], event_ids[i])`` event_keys holds: one index look-up per key however large the
table is (LIMIT 1 keeps the planner from turning the look-ups into a scan of the whole table, as it plans
``event_id = ANY(...)`` or a join with many keys)."""


class PostgresStore(Store):
    """A shared PostgreSQL database; bulk inserts look up the stored keys, then COPY the new rows."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        self._listeners: list[EventListener] = []
        super().__init__(url)

    def _connect(self) -> Any:
        import psycopg

        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise StoreError(msg("cannot connect to the PostgreSQL store: {reason}", reason=str(exc).strip()),
                             url=self.url, dialect=self.dialect) from None

    @contextmanager
    def _begin(self, *, write: bool) -> Iterator[Any]:
        import psycopg

        try:
            with self._conn.transaction(), self._conn.cursor() as cur:
                yield cur
        except psycopg.Error as exc:
            raise StoreError(msg("the PostgreSQL store refused the operation ({reason}); the transaction was rolled "
                                 "back, nothing of it was saved", reason=str(exc).strip()),
                             url=self.url, dialect=self.dialect) from None

    def _reclaim(self, tables: tuple[str, ...]) -> None:
        import psycopg
        from psycopg import sql

        try:  # VACUUM runs outside a transaction: the connection is in autocommit mode
            self._conn.execute(sql.SQL("VACUUM (FULL) {}").format(sql.SQL(", ").join(map(sql.Identifier, tables))))
        except psycopg.Error as exc:
            raise StoreError(msg("the PostgreSQL store could not vacuum {tables}: {reason}",
                                 tables=", ".join(tables), reason=str(exc).strip()),
                             url=self.url, dialect=self.dialect) from None

    def _sql(self, query: str) -> str:
        return query.replace("?", "%s")

    def _serialise_migrations(self, cur: Any) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('limes-schema'))")

    def _table_exists(self, cur: Any, name: str) -> bool:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", (name,))
        return bool(cur.fetchone()[0])

    def _bulk_insert_events(self, tx: Transaction, rows: list[tuple[Any, ...]]) -> int:
        cur = tx.cursor
        # One event writer at a time: sequence values then commit in order, so a reader's
        # "seq > watermark" never skips rows a slower concurrent transaction committed later; and no
        # other writer adds a key between the look-up of stored keys below and the copy of new ones.
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('limes-events'))")
        fresh = _unstored(cur, rows)
        if not fresh:
            return 0
        # Events are partitioned by month: create the months these rows need, from the UTC days they occurred on
        # (a month starts on a day's first millisecond). (source, event_id) stays unique through event_keys (a
        # partitioned table's own unique keys must hold the month).
        days = sorted({row[_OCCURRED] // DAY_MS * DAY_MS for row in fresh})
        months = EVENT_MONTHS.format(table="unnest(%b::bigint[]) AS days(occurred_at_ms)")
        cur.execute(f"SELECT limes_event_month(m) FROM ({months}) months", (days,))
        # COPY straight into the tables: the server inserts many rows per call, and seq follows the rows' order.
        _copy(cur, "event_keys", ("source", "event_id"), (row[:2] for row in fresh))
        _copy(cur, "events", EVENT_COLUMNS, fresh)
        return len(fresh)

    def _notify_events(self, tx: Transaction) -> None:
        # Delivered at commit, once per transaction however often it is sent.
        tx.cursor.execute(f"NOTIFY {EVENTS_CHANNEL}")

    def listen_events(self) -> threading.Event:
        listener = EventListener(self.url)
        self._listeners.append(listener)
        return listener.changed

    def close(self) -> None:
        for listener in self._listeners:
            listener.close()
        super().close()


def _unstored(cur: Any, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows (in :data:`EVENT_COLUMNS` order) whose ``(source, event_id)`` the store does not hold, in their
    order; of a key repeated in ``rows``, its first row only."""
    firsts: dict[tuple[str, str], tuple[Any, ...]] = {}
    for row in rows:
        firsts.setdefault((row[0], row[1]), row)
    cur.execute(STORED_KEYS, ([source for source, _ in firsts], [event_id for _, event_id in firsts]))
    for key in cur.fetchall():
        del firsts[key]
    return list(firsts.values())


def _copy(cur: Any, table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
    """``COPY`` ``rows`` (values in ``columns`` order) into ``table``, in the binary format: the driver packs
    numbers and text without formatting or escaping them, the server reads them without parsing."""
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types([COPY_TYPES[column] for column in columns])
        for row in rows:
            copy.write_row(row)


class EventListener:
    """``LISTEN`` for committed events on a connection of its own, in a daemon thread.

    :attr:`changed` is set on every notification and on every (re)connection: what was committed
    while nobody listened is unknown, so the reader checks. A lost connection is retried each second.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.changed = threading.Event()
        self._stop = threading.Event()
        threading.Thread(target=self._run, name="limes-listen-events", daemon=True).start()

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as conn:
                    conn.execute(f"LISTEN {EVENTS_CHANNEL}")
                    self.changed.set()
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=LISTEN_POLL_S):
                            self.changed.set()
            except psycopg.Error:
                self._stop.wait(1.0)

    def close(self) -> None:
        """Stop listening (within :data:`LISTEN_POLL_S`)."""
        self._stop.set()
