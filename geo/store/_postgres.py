"""The PostgreSQL dialect: a shared server; bulk inserts go through ``COPY`` into a temporary table.

psycopg runs in autocommit mode and each unit of work is one ``conn.transaction()`` block. When
the server refuses a statement or the ``COMMIT`` (a serialization failure, a lock timeout, a
deadlock victim), PostgreSQL has already ended the transaction without saving anything; the
driver's error becomes :class:`geo.errors.StoreError`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

from geo.errors import StoreError, msg
from geo.store.core import Store, Transaction
from geo.store.schema import EVENT_COLUMNS, EVENT_MONTHS

EVENTS_CHANNEL: Final[str] = "limes_events"
"""The ``NOTIFY`` channel writers of events signal on, and mirrors listen to."""
LISTEN_POLL_S: Final[float] = 1.0
"""How long a listener waits for a notification before it looks whether it should stop."""


class PostgresStore(Store):
    """A shared PostgreSQL database; bulk inserts go through COPY into a temporary table."""

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
        # "seq > watermark" never skips rows a slower concurrent transaction committed later.
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('limes-events'))")
        columns = ", ".join(EVENT_COLUMNS)
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS incoming_events ON COMMIT DELETE ROWS AS "
                    f"SELECT {columns} FROM events WITH NO DATA")
        with cur.copy(f"COPY incoming_events ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # Events are partitioned by month: create the months these rows need, then keep (source, event_id)
        # unique through event_keys (a partitioned table's own unique keys must hold the month). A key
        # repeated within the batch keeps its first row, and rows keep their arrival order (their seq).
        cur.execute(f"SELECT limes_event_month(m) FROM ({EVENT_MONTHS.format(table='incoming_events')}) months")
        picked = ", ".join(f"i.{c}" for c in EVENT_COLUMNS)
        cur.execute("WITH fresh AS (INSERT INTO event_keys (source, event_id) SELECT source, event_id "
                    "FROM incoming_events ON CONFLICT DO NOTHING RETURNING source, event_id), "
                    f"firsts AS (SELECT DISTINCT ON (i.source, i.event_id) i.ctid AS pos, {picked} "
                    "FROM incoming_events i JOIN fresh f ON f.source = i.source AND f.event_id = i.event_id "
                    "ORDER BY i.source, i.event_id, i.ctid) "
                    f"INSERT INTO events ({columns}) SELECT {columns} FROM firsts ORDER BY pos")
        return int(cur.rowcount)

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
