"""The SQLite dialect: one file in WAL mode, one writer and many readers at once, across processes.

Writers take the write lock when they begin (``BEGIN IMMEDIATE``), so two writers never deadlock
upgrading a read lock; readers (``BEGIN``) never block the writer. A ``COMMIT`` that SQLite
refuses (``database is locked`` once the busy timeout ran out) leaves SQLite's transaction open:
it is rolled back here before :class:`geo.errors.StoreError` is raised, so the connection is
usable again and nothing of the unit of work remains.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from geo.errors import StoreError, msg
from geo.store.core import Store, Transaction
from geo.store.schema import EVENT_COLUMNS

BUSY_TIMEOUT_S: Final[float] = 30.0
"""How long a writer waits for another process's write lock before the store reports it busy."""


class SqliteStore(Store):
    """One SQLite file in WAL mode: one writer and many readers at once, across processes."""

    dialect = "sqlite"

    def _connect(self) -> sqlite3.Connection:
        path = Path(self.url.removeprefix("sqlite:///"))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S)
            conn.execute("PRAGMA journal_mode=WAL")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(msg("cannot open the SQLite store {path}: {exc}", path=path, exc=exc), url=self.url,
                             dialect=self.dialect) from None
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        # 64 MB of page cache (default 2 MB): bulk inserts touch the unique index at random.
        conn.execute("PRAGMA cache_size=-65536")
        # Deleted content is overwritten with zeros: a purged contact must not stay readable in the file.
        conn.execute("PRAGMA secure_delete=ON")
        return conn

    def _reclaim(self, tables: tuple[str, ...]) -> None:
        # The whole file is checkpointed: a reader holding an old snapshot makes it partial, and SQLite's
        # next automatic checkpoint completes it; deleted content is zeroes by then (secure_delete).
        try:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error as exc:
            raise StoreError(msg("the SQLite store could not checkpoint its log ({exc})", exc=exc), url=self.url,
                             dialect=self.dialect) from None

    @contextmanager
    def _begin(self, *, write: bool) -> Iterator[sqlite3.Cursor]:
        cur = self._conn.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except sqlite3.Error as exc:
            raise StoreError(msg("the SQLite store could not begin a transaction ({exc}); nothing was saved",
                                 exc=exc),
                             url=self.url, dialect=self.dialect) from None
        try:
            yield cur
        except sqlite3.Error as exc:
            self._rollback()
            raise StoreError(msg("the SQLite store refused the operation ({exc}); the transaction was rolled back, "
                                 "nothing of it was saved", exc=exc), url=self.url, dialect=self.dialect) from None
        except BaseException:
            self._rollback()
            raise
        try:
            cur.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise StoreError(msg("the SQLite store could not commit ({exc}); the transaction was rolled back, "
                                 "nothing of it was saved", exc=exc), url=self.url, dialect=self.dialect) from None

    def _rollback(self) -> None:
        # Some errors (a full disk, an interrupt) already ended SQLite's transaction.
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def _table_exists(self, cur: sqlite3.Cursor, name: str) -> bool:
        cur.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        return cur.fetchone() is not None

    def _bulk_insert_events(self, tx: Transaction, rows: list[tuple[Any, ...]]) -> int:
        placeholders = ", ".join("?" for _ in EVENT_COLUMNS)
        before = self._conn.total_changes
        tx.cursor.executemany(f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({placeholders}) "
                              "ON CONFLICT (source, event_id) DO NOTHING", rows)
        return self._conn.total_changes - before
