"""The event store: SQLite (default, one file, WAL) or PostgreSQL (shared), chosen by a URL.

One code path for both: the same schema (:mod:`geo.store.schema`), the same SQL with ``?``
placeholders (rewritten for psycopg), and idempotent ingestion through the unique key
``(source, event_id)`` with ``ON CONFLICT DO NOTHING``. Only bulk insertion differs: SQLite takes
``executemany`` in one transaction, PostgreSQL a ``COPY`` into a temporary table.

URLs: ``sqlite:///relative/path.sqlite``, ``sqlite:////absolute/path.sqlite`` (as SQLAlchemy
spells them) and ``postgresql://user@host:port/db``. Without a URL, the SQLite file ``limes.sqlite`` in
the var folder (:data:`DEFAULT_SQLITE_PATH` unless another folder is given); the environment is read
at the edge (``dashboard.config``), never here.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from geo.errors import StoreError
from geo.settings import SQLITE_FILE, default_var_dir, sqlite_url
from geo.store.schema import EVENT_COLUMNS, QUARANTINE_COLUMNS, SCHEMA_VERSION, UNIT_COLUMNS, statements

DEFAULT_SQLITE_PATH: Final[Path] = default_var_dir() / SQLITE_FILE
READ_COLUMNS: Final[tuple[str, ...]] = (
    "seq", "source", "event_id", "type", "occurred_at_ms", "received_at_ms", "lat", "lon", "persons", "impact",
    "confidence", "status", "cell",
)
"""What the dashboard reads of an event: everything but the free-form ``attrs``."""


def resolve_url(url: str | None, *, var_dir: Path | None = None) -> str:
    """The store URL to use: ``url``, else ``limes.sqlite`` in ``var_dir`` (default: :data:`DEFAULT_SQLITE_PATH`)."""
    return url or sqlite_url(var_dir if var_dir is not None else DEFAULT_SQLITE_PATH.parent)


def open_store(url: str | None = None) -> Store:
    """Open (and create or upgrade) the store at ``url``; see the module docstring for URLs."""
    url = resolve_url(url)
    if url.startswith("sqlite:///"):
        return SqliteStore(url)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(url)
    raise StoreError(f"unsupported store URL {url!r}: use sqlite:///path or postgresql://user@host/db")


def epoch_ms(at: datetime | None = None) -> int:
    """``at`` (default now, timezone-aware) in epoch milliseconds, UTC: how the store keeps every time."""
    return int((at or datetime.now(timezone.utc)).timestamp() * 1000)


def _ms(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype="datetime64[ms]").astype(np.int64)


def event_rows(events: pd.DataFrame, import_id: int | None) -> list[tuple[Any, ...]]:
    """Model-shaped events (see :mod:`geo.ingest.validate`) as tuples in :data:`EVENT_COLUMNS` order."""
    confidence = events["confidence"].astype(object).where(events["confidence"].notna(), None)
    columns = [
        events["source"].to_numpy(dtype=object), events["event_id"].to_numpy(dtype=object),
        events["type"].to_numpy(dtype=object), _ms(events["occurred_at"]).tolist(), _ms(events["received_at"]).tolist(),
        events["lat"].to_numpy(dtype=float).tolist(), events["lon"].to_numpy(dtype=float).tolist(),
        events["persons"].to_numpy(dtype=np.int64).tolist(), events["impact"].to_numpy(dtype=object),
        confidence.to_numpy(dtype=object), events["status"].to_numpy(dtype=object),
        events["cell"].to_numpy(dtype=np.uint64).astype(np.int64).tolist(), events["attrs"].to_numpy(dtype=object),
        [import_id] * len(events),
    ]
    return list(zip(*columns))


def events_frame(rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """Rows of :data:`READ_COLUMNS` as the event model the core uses (UTC datetimes, uint64 cells)."""
    frame = pd.DataFrame.from_records(rows, columns=list(READ_COLUMNS))
    frame["occurred_at"] = pd.to_datetime(frame.pop("occurred_at_ms").astype(np.int64), unit="ms", utc=True)
    frame["received_at"] = pd.to_datetime(frame.pop("received_at_ms").astype(np.int64), unit="ms", utc=True)
    frame["cell"] = frame["cell"].astype(np.int64).to_numpy().astype(np.uint64)
    frame["persons"] = frame["persons"].astype(np.int64)
    frame["seq"] = frame["seq"].astype(np.int64)
    return frame


class Store:
    """Common behaviour of the two dialects. Thread-safe: one connection behind a lock."""

    dialect: str = ""

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.RLock()
        self._conn: Any = self._connect()
        self._migrate()

    # -- dialect hooks -------------------------------------------------------------------
    def _connect(self) -> Any:
        raise NotImplementedError

    @contextmanager
    def _transaction(self, *, write: bool = True) -> Iterator[Any]:
        raise NotImplementedError

    def _bulk_insert_events(self, cur: Any, rows: list[tuple[Any, ...]]) -> int:
        raise NotImplementedError

    def _table_exists(self, cur: Any, name: str) -> bool:
        raise NotImplementedError

    def _sql(self, query: str) -> str:
        return query

    # -- schema --------------------------------------------------------------------------
    def _serialise_migrations(self, cur: Any) -> None:
        """Hook: make concurrent first opens of one database wait for each other."""

    def _migrate(self, target: int = SCHEMA_VERSION) -> None:
        with self._lock, self._transaction() as cur:
            self._serialise_migrations(cur)
            current = self._version(cur)
            if current > SCHEMA_VERSION:
                raise StoreError(f"the store at {self.url} has schema version {current}, newer than this release "
                                 f"({SCHEMA_VERSION}); upgrade Limes")
            for version in range(current + 1, target + 1):
                for statement in statements(version, self.dialect):
                    cur.execute(statement)
                cur.execute(self._sql("DELETE FROM meta WHERE key = 'schema_version'"))
                cur.execute(self._sql("INSERT INTO meta (key, value) VALUES ('schema_version', ?)"), (str(version),))

    def _version(self, cur: Any) -> int:
        if not self._table_exists(cur, "meta"):
            return 0
        cur.execute("SELECT value FROM meta WHERE key = 'schema_version'")
        row = cur.fetchone()
        return int(row[0]) if row else 0

    def schema_version(self) -> int:
        """Number of migrations applied to this database."""
        with self._lock, self._transaction(write=False) as cur:
            return self._version(cur)

    # -- writing -------------------------------------------------------------------------
    def insert_events(self, events: pd.DataFrame, *, import_id: int | None = None) -> int:
        """Insert model-shaped events; rows whose ``(source, event_id)`` exists are skipped.

        Returns the number of rows actually inserted (the rest are duplicates).
        """
        return self.insert_rows(event_rows(events, import_id))

    def insert_rows(self, rows: list[tuple[Any, ...]]) -> int:
        """Insert rows already in :data:`geo.store.schema.EVENT_COLUMNS` order (see :func:`event_rows`); returns inserted."""
        if not rows:
            return 0
        with self._lock, self._transaction() as cur:
            return int(self._bulk_insert_events(cur, rows))

    def add_quarantine(self, rows: pd.DataFrame, *, import_id: int | None = None) -> int:
        """Store rejected rows: ``source``, ``file_name``, ``row_number``, ``reason``, ``detail``, ``raw``."""
        if rows.empty:
            return 0
        now_ms = epoch_ms()
        values = [
            (s, f, int(n), r, d, raw, now_ms, import_id)
            for s, f, n, r, d, raw in zip(rows["source"], rows["file_name"], rows["row_number"], rows["reason"],
                                          rows["detail"], rows["raw"])
        ]
        placeholders = ", ".join("?" for _ in QUARANTINE_COLUMNS)
        with self._lock, self._transaction() as cur:
            cur.executemany(self._sql(f"INSERT INTO quarantine ({', '.join(QUARANTINE_COLUMNS)}) VALUES ({placeholders})"),
                            values)
        return len(values)

    def begin_import(self, *, file_name: str, mapping: str, source: str) -> int:
        """Record the start of an import; returns its ``import_id``."""
        now_ms = epoch_ms()
        with self._lock, self._transaction() as cur:
            cur.execute(self._sql("INSERT INTO imports (file_name, mapping, source, started_at_ms) VALUES (?, ?, ?, ?) "
                                  "RETURNING import_id"), (file_name, mapping, source, now_ms))
            return int(cur.fetchone()[0])

    def finish_import(self, import_id: int, *, read: int, inserted: int, duplicates: int, quarantined: int) -> None:
        """Record an import's counts and end time."""
        now_ms = epoch_ms()
        with self._lock, self._transaction() as cur:
            cur.execute(self._sql("UPDATE imports SET finished_at_ms = ?, read_rows = ?, inserted = ?, duplicates = ?, "
                                  "quarantined = ? WHERE import_id = ?"),
                        (now_ms, read, inserted, duplicates, quarantined, import_id))

    def insert_units(self, units: pd.DataFrame) -> int:
        """Insert unit positions (:data:`geo.store.schema.UNIT_COLUMNS`, times as UTC datetimes ``at`` and
        ``stale_at``); repeats of ``(source, unit_id, at)`` are skipped. Returns the number inserted."""
        if units.empty:
            return 0
        rows = list(zip(
            units["source"].astype(str), units["unit_id"].astype(str), units["callsign"].astype(str),
            _ms(units["at"]).tolist(), _ms(units["stale_at"]).tolist(), units["lat"].astype(float).tolist(),
            units["lon"].astype(float).tolist(), units["cell"].to_numpy(dtype=np.uint64).astype(np.int64).tolist(),
        ))
        placeholders = ", ".join("?" for _ in UNIT_COLUMNS)
        return self.execute(f"INSERT INTO units ({', '.join(UNIT_COLUMNS)}) VALUES ({placeholders}) "
                            "ON CONFLICT (source, unit_id, at_ms) DO NOTHING", rows)

    def latest_units(self) -> pd.DataFrame:
        """Each unit's newest position: ``source``, ``unit_id``, ``callsign``, ``at``, ``stale_at``, ``lat``, ``lon``."""
        with self._lock, self._transaction(write=False) as cur:
            cur.execute("SELECT u.source, u.unit_id, u.callsign, u.at_ms, u.stale_at_ms, u.lat, u.lon FROM units u "
                        "JOIN (SELECT source, unit_id, MAX(at_ms) AS newest FROM units GROUP BY source, unit_id) n "
                        "ON u.source = n.source AND u.unit_id = n.unit_id AND u.at_ms = n.newest ORDER BY u.callsign")
            frame = pd.DataFrame.from_records(
                cur.fetchall(), columns=["source", "unit_id", "callsign", "at_ms", "stale_at_ms", "lat", "lon"])
        frame["at"] = pd.to_datetime(frame.pop("at_ms").astype(np.int64), unit="ms", utc=True)
        frame["stale_at"] = pd.to_datetime(frame.pop("stale_at_ms").astype(np.int64), unit="ms", utc=True)
        return frame

    def feed_state(self, feed: str) -> tuple[str | None, str | None]:
        """The ``(etag, cursor)`` a feed left after its last successful poll."""
        with self._lock, self._transaction(write=False) as cur:
            cur.execute(self._sql("SELECT etag, cursor FROM feed_state WHERE feed = ?"), (feed,))
            row = cur.fetchone()
            return (row[0], row[1]) if row else (None, None)

    def set_feed_state(self, feed: str, *, etag: str | None, cursor: str | None) -> None:
        """Remember a feed's ETag and cursor (they survive a restart of the poller)."""
        now_ms = epoch_ms()
        with self._lock, self._transaction() as cur:
            cur.execute(self._sql("INSERT INTO feed_state (feed, etag, cursor, updated_at_ms) VALUES (?, ?, ?, ?) "
                                  "ON CONFLICT (feed) DO UPDATE SET etag = excluded.etag, cursor = excluded.cursor, "
                                  "updated_at_ms = excluded.updated_at_ms"), (feed, etag, cursor, now_ms))

    def record_poll(self, feed: str, *, kind: str, error: str | None, lag_s: float | None = None, events: int = 0,
                    units: int = 0, reports: int = 0, quarantined: int = 0) -> None:
        """Add one poll to a feed's health record: a success (``error`` is ``None``) or a failure."""
        now_ms = epoch_ms()
        ok = error is None
        with self._lock, self._transaction() as cur:
            cur.execute(self._sql("INSERT INTO feed_health (feed, kind) VALUES (?, ?) ON CONFLICT (feed) DO NOTHING"),
                        (feed, kind))
            cur.execute(self._sql(
                "UPDATE feed_health SET polls = polls + 1, failures = failures + ?, events = events + ?, "
                "units = units + ?, reports = reports + ?, quarantined = quarantined + ?, "
                "last_success_ms = CASE WHEN ? THEN ? ELSE last_success_ms END, "
                "last_error_ms = CASE WHEN ? THEN last_error_ms ELSE ? END, "
                "last_error = CASE WHEN ? THEN last_error ELSE ? END, "
                "lag_s = CASE WHEN ? THEN ? ELSE lag_s END WHERE feed = ?"),
                (0 if ok else 1, events, units, reports, quarantined, ok, now_ms, ok, now_ms, ok, error, ok, lag_s, feed))

    def feed_health(self) -> pd.DataFrame:
        """Every feed's health record, with times as UTC datetimes."""
        columns = ["feed", "kind", "last_success_ms", "last_error_ms", "last_error", "lag_s", "polls", "failures",
                   "events", "units", "reports", "quarantined"]
        with self._lock, self._transaction(write=False) as cur:
            cur.execute(f"SELECT {', '.join(columns)} FROM feed_health ORDER BY feed")
            frame = pd.DataFrame.from_records(cur.fetchall(), columns=columns)
        for name in ("last_success", "last_error_at"):
            source = "last_success_ms" if name == "last_success" else "last_error_ms"
            frame[name] = pd.to_datetime(frame.pop(source), unit="ms", utc=True)
        return frame

    def delete_source(self, source: str) -> int:
        """Remove every event and unit position of ``source`` (the bundled scenario's refresh); bump the data epoch.

        Returns the number of events removed.
        """
        with self._lock, self._transaction() as cur:
            cur.execute(self._sql("DELETE FROM events WHERE source = ?"), (source,))
            deleted = cur.rowcount
            cur.execute(self._sql("DELETE FROM units WHERE source = ?"), (source,))
            cur.execute("UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_epoch'")
            return int(deleted)

    # -- reading -------------------------------------------------------------------------
    def watermark(self) -> tuple[int, int]:
        """``(data_epoch, max seq)``: readers reload fully when the epoch changes, else read past ``seq``."""
        with self._lock, self._transaction(write=False) as cur:
            cur.execute("SELECT value FROM meta WHERE key = 'data_epoch'")
            epoch = int(cur.fetchone()[0])
            cur.execute("SELECT COALESCE(MAX(seq), 0) FROM events")
            return epoch, int(cur.fetchone()[0])

    def read_events(self, *, after_seq: int = 0) -> pd.DataFrame:
        """Events with ``seq > after_seq`` in insertion order, as the model frame (no ``attrs``)."""
        with self._lock, self._transaction(write=False) as cur:
            cur.execute(self._sql(f"SELECT {', '.join(READ_COLUMNS)} FROM events WHERE seq > ? ORDER BY seq"), (after_seq,))
            return events_frame(cur.fetchall())

    def newest_event_ms(self, source: str) -> int | None:
        """When the newest event of ``source`` occurred (epoch ms), or ``None`` if it has none."""
        with self._lock, self._transaction(write=False) as cur:
            cur.execute(self._sql("SELECT MAX(occurred_at_ms) FROM events WHERE source = ?"), (source,))
            value = cur.fetchone()[0]
            return None if value is None else int(value)

    def count(self, table: str) -> int:
        """Rows in ``events``, ``quarantine``, ``imports`` or ``units``."""
        with self._lock, self._transaction(write=False) as cur:
            return self._count(cur, table)

    @staticmethod
    def _count(cur: Any, table: str) -> int:
        if table not in {"events", "quarantine", "imports", "units"}:
            raise StoreError(f"no table {table!r} to count")
        cur.execute(f"SELECT COUNT(*) FROM {table}")
        return int(cur.fetchone()[0])

    def quarantine_frame(self, *, reason: str | None = None, limit: int = 1000) -> pd.DataFrame:
        """The newest quarantined rows, optionally of one ``reason``."""
        where, params = ("WHERE reason = ?", (reason, limit)) if reason else ("", (limit,))
        columns = ("seq", "import_id", "file_name", "row_number", "reason", "detail", "raw", "quarantined_at_ms")
        with self._lock, self._transaction(write=False) as cur:
            cur.execute(self._sql(f"SELECT {', '.join(columns)} FROM quarantine {where} ORDER BY seq DESC LIMIT ?"), params)
            frame = pd.DataFrame.from_records(cur.fetchall(), columns=list(columns))
        frame["quarantined_at"] = pd.to_datetime(frame.pop("quarantined_at_ms").astype(np.int64), unit="ms", utc=True)
        return frame

    def quarantine_reasons(self) -> dict[str, int]:
        """Quarantined rows per reason, most frequent first."""
        with self._lock, self._transaction(write=False) as cur:
            cur.execute("SELECT reason, COUNT(*) AS n FROM quarantine GROUP BY reason ORDER BY n DESC, reason")
            return {str(r): int(n) for r, n in cur.fetchall()}

    # -- small tables (sensors, section levels): plain SQL with ``?`` placeholders ------------
    def fetch(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only ``query`` (``?`` placeholders, either dialect)."""
        with self._lock, self._transaction(write=False) as cur:
            cur.execute(self._sql(query), tuple(params))
            return [tuple(row) for row in cur.fetchall()]

    def execute(self, query: str, rows: Sequence[Sequence[Any]] = ((),)) -> int:
        """Run a writing ``query`` once per parameter row, all in one transaction; returns the rows it changed
        (an ``INSERT ... ON CONFLICT DO NOTHING`` that met its conflict changed none)."""
        with self._lock, self._transaction() as cur:
            cur.executemany(self._sql(query), [tuple(params) for params in rows])  # both drivers sum the rowcounts
            return max(cur.rowcount, 0)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()


class SqliteStore(Store):
    """One SQLite file in WAL mode: one writer and many readers at once, across processes."""

    dialect = "sqlite"

    def _connect(self) -> sqlite3.Connection:
        path = Path(self.url.removeprefix("sqlite:///"))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
            conn.execute("PRAGMA journal_mode=WAL")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the SQLite store {path}: {exc}") from None
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        # 64 MB of page cache (default 2 MB): bulk inserts touch the unique index at random.
        conn.execute("PRAGMA cache_size=-65536")
        return conn

    @contextmanager
    def _transaction(self, *, write: bool = True) -> Iterator[sqlite3.Cursor]:
        # Writers take the lock up front (no upgrade deadlocks); readers never block the writer (WAL).
        cur = self._conn.cursor()
        cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield cur
        except sqlite3.Error as exc:
            cur.execute("ROLLBACK")
            raise StoreError(f"the SQLite store refused the operation: {exc}") from None
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")

    def _table_exists(self, cur: sqlite3.Cursor, name: str) -> bool:
        cur.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        return cur.fetchone() is not None

    def _bulk_insert_events(self, cur: sqlite3.Cursor, rows: list[tuple[Any, ...]]) -> int:
        placeholders = ", ".join("?" for _ in EVENT_COLUMNS)
        before = self._conn.total_changes
        cur.executemany(f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({placeholders}) "
                        "ON CONFLICT (source, event_id) DO NOTHING", rows)
        return self._conn.total_changes - before


class PostgresStore(Store):
    """A shared PostgreSQL database; bulk inserts go through COPY into a temporary table."""

    dialect = "postgresql"

    def _connect(self) -> Any:
        import psycopg

        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to the PostgreSQL store: {str(exc).strip()}") from None

    @contextmanager
    def _transaction(self, *, write: bool = True) -> Iterator[Any]:
        import psycopg

        try:
            with self._conn.transaction(), self._conn.cursor() as cur:
                yield cur
        except psycopg.Error as exc:
            raise StoreError(f"the PostgreSQL store refused the operation: {str(exc).strip()}") from None

    def _sql(self, query: str) -> str:
        return query.replace("?", "%s")

    def _serialise_migrations(self, cur: Any) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('limes-schema'))")

    def _table_exists(self, cur: Any, name: str) -> bool:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", (name,))
        return bool(cur.fetchone()[0])

    def _bulk_insert_events(self, cur: Any, rows: list[tuple[Any, ...]]) -> int:
        # One event writer at a time: sequence values then commit in order, so a reader's
        # "seq > watermark" never skips rows a slower concurrent transaction committed later.
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('limes-events'))")
        columns = ", ".join(EVENT_COLUMNS)
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS incoming_events ON COMMIT DELETE ROWS AS "
                    f"SELECT {columns} FROM events WITH NO DATA")
        with cur.copy(f"COPY incoming_events ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(f"INSERT INTO events ({columns}) SELECT {columns} FROM incoming_events "
                    "ON CONFLICT (source, event_id) DO NOTHING")
        return int(cur.rowcount)
