"""The event store's unit of work: SQLite (default, one file, WAL) or PostgreSQL (shared), chosen by a URL.

Everything the store does happens inside :meth:`Store.transaction`, which commits on a clean exit
and rolls back on any exception, so a multi-step action (accept a report, insert its event, audit
it) lands whole or not at all::

    with store.transaction() as tx:
        claim_report(tx, ...)
        insert_events(tx, event)
        append_audit(tx, ...)

A transaction opened while one is already open on the same thread joins it: a repository
function called with the store inside a ``with store.transaction()`` block becomes part of that
block's unit of work. The SQL itself lives in the repositories (:mod:`geo.store.events`,
:mod:`geo.store.reports`, ...), which take a :data:`Db` (the store, or an open transaction).

One code path for both dialects: the same schema (:mod:`geo.store.schema`), the same SQL with
``?`` placeholders (rewritten for psycopg). What differs (connecting, beginning and committing,
bulk insertion) is in the private modules ``_sqlite`` and ``_postgres``.

URLs: ``sqlite:///relative/path.sqlite``, ``sqlite:////absolute/path.sqlite`` (as SQLAlchemy
spells them) and ``postgresql://user@host:port/db``. Without a URL, the SQLite file ``limes.sqlite`` in
the var folder (:data:`DEFAULT_SQLITE_PATH` unless another folder is given); the environment is read
at the edge (``dashboard.config``), never here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final, TypeAlias

from geo.errors import StoreError, msg
from geo.settings import SQLITE_FILE, default_var_dir, sqlite_url
from geo.store.schema import SCHEMA_VERSION, statements

DEFAULT_SQLITE_PATH: Final[Path] = default_var_dir() / SQLITE_FILE
COUNTED_TABLES: Final[frozenset[str]] = frozenset({"events", "quarantine", "imports", "units"})


def resolve_url(url: str | None, *, var_dir: Path | None = None) -> str:
    """The store URL to use: ``url``, else ``limes.sqlite`` in ``var_dir`` (default: :data:`DEFAULT_SQLITE_PATH`)."""
    return url or sqlite_url(var_dir if var_dir is not None else DEFAULT_SQLITE_PATH.parent)


def open_store(url: str | None = None) -> Store:
    """Open (and create or upgrade) the store at ``url``; see the module docstring for URLs."""
    # The dialect modules subclass Store, so they are imported here rather than at the top.
    from geo.store._postgres import PostgresStore
    from geo.store._sqlite import SqliteStore

    url = resolve_url(url)
    if url.startswith("sqlite:///"):
        return SqliteStore(url)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(url)
    raise StoreError(msg("unsupported store URL {url!r}: use sqlite:///path or postgresql://user@host/db", url=url),
                     url=url)


def epoch_ms(at: datetime | None = None) -> int:
    """``at`` (default now, timezone-aware) in epoch milliseconds, UTC: how the store keeps every time."""
    return int((at or datetime.now(timezone.utc)).timestamp() * 1000)


class Transaction:
    """One open unit of work on a store: the repositories' way to run SQL.

    Queries take ``?`` placeholders in either dialect. Only the repositories of :mod:`geo.store`
    write SQL; the rest of the core passes a transaction on to them. A transaction is usable only
    inside the ``with`` block that opened it.
    """

    def __init__(self, store: Store, cursor: Any, *, write: bool) -> None:
        self.store = store
        self.write = write
        self._cursor = cursor
        self._open = True

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.store.dialect

    @property
    def cursor(self) -> Any:
        """The driver's cursor, for what only a dialect module does (bulk copies, advisory locks)."""
        if not self._open:
            raise StoreError("this transaction has ended; open a new one with store.transaction()")
        return self._cursor

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Transaction]:
        """This transaction again, so that repositories take a store and a transaction alike."""
        if write and not self.write:
            raise StoreError("a write cannot join a read-only transaction; open it with store.transaction()")
        yield self

    def fetch(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of ``query``."""
        cur = self.cursor
        cur.execute(self.store._sql(query), tuple(params))
        return [tuple(row) for row in cur.fetchall()]

    def fetchone(self, query: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of ``query``, or ``None``."""
        cur = self.cursor
        cur.execute(self.store._sql(query), tuple(params))
        row = cur.fetchone()
        return None if row is None else tuple(row)

    def execute(self, query: str, params: Sequence[Any] = ()) -> int:
        """Run a writing ``query`` once; returns the rows it changed."""
        cur = self.cursor
        cur.execute(self.store._sql(query), tuple(params))
        return max(cur.rowcount, 0)

    def executemany(self, query: str, rows: Sequence[Sequence[Any]]) -> int:
        """Run a writing ``query`` once per parameter row; returns the rows changed in all (an
        ``INSERT ... ON CONFLICT DO NOTHING`` that met its conflict changed none)."""
        if not rows:
            return 0
        cur = self.cursor
        cur.executemany(self.store._sql(query), [tuple(params) for params in rows])  # both drivers sum the rowcounts
        return max(cur.rowcount, 0)

    def insert_event_rows(self, rows: list[tuple[Any, ...]]) -> int:
        """Insert rows in :data:`geo.store.schema.EVENT_COLUMNS` order the dialect's fastest way (``executemany``
        on SQLite, ``COPY`` on PostgreSQL); repeats of ``(source, event_id)`` are skipped. Returns inserted."""
        inserted = self.store._bulk_insert_events(self, rows)
        if inserted:
            self.store._notify_events(self)
        return inserted

    def notify_events(self) -> None:
        """Tell the stores' listening mirrors, when this transaction commits, that events changed."""
        self.store._notify_events(self)


Db: TypeAlias = "Store | Transaction"
"""What a repository function takes: the store (it opens its own transaction, or joins the one open on
this thread) or an open :class:`Transaction`."""


class Store:
    """Common behaviour of the two dialects. Thread-safe: one connection behind a lock, held by the open
    transaction until it ends."""

    dialect: str = ""

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.RLock()
        self._open: Transaction | None = None
        self._conn: Any = self._connect()
        self._migrate()

    # -- dialect hooks -------------------------------------------------------------------
    def _connect(self) -> Any:
        raise NotImplementedError

    def _begin(self, *, write: bool) -> AbstractContextManager[Any]:
        """A cursor inside a new database transaction: commit on a clean exit, roll back otherwise; any
        failure (a busy ``COMMIT`` included) raises :class:`StoreError` with nothing of it saved."""
        raise NotImplementedError

    def _bulk_insert_events(self, tx: Transaction, rows: list[tuple[Any, ...]]) -> int:
        raise NotImplementedError

    def _table_exists(self, cur: Any, name: str) -> bool:
        raise NotImplementedError

    def _serialise_migrations(self, cur: Any) -> None:
        """Hook: make concurrent first opens of one database wait for each other."""

    def _sql(self, query: str) -> str:
        return query

    def _notify_events(self, tx: Transaction) -> None:
        """Hook: wake listening mirrors when ``tx`` commits (PostgreSQL ``NOTIFY``); SQLite has no push."""

    def listen_events(self) -> threading.Event | None:
        """An event set whenever a writer commits events (and when listening starts), for a dialect that
        pushes; ``None`` for one that does not (readers then check the watermark themselves)."""
        return None

    # -- the unit of work ----------------------------------------------------------------
    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Transaction]:
        """Open a unit of work: what is done through it commits together at the end of the ``with`` block, or
        not at all when the block raises.

        Parameters
        ----------
        write : bool
            ``False`` for a consistent read that never waits for, nor blocks, a writer. A write
            transaction takes the database's write lock up front (SQLite ``BEGIN IMMEDIATE``).

        Raises
        ------
        StoreError
            When the database refuses a statement or the commit (busy, locked, a serialization
            failure); the transaction is rolled back first.
        """
        with self._lock:
            if self._open is not None:
                # Same thread (the lock is re-entrant and held by the open transaction): join it.
                with self._open.transaction(write=write) as joined:
                    yield joined
                return
            with self._begin(write=write) as cur:
                tx = Transaction(self, cur, write=write)
                self._open = tx
                try:
                    yield tx
                finally:
                    self._open, tx._open = None, False

    # -- schema --------------------------------------------------------------------------
    def _migrate(self, target: int = SCHEMA_VERSION) -> None:
        with self._lock, self._begin(write=True) as cur:
            self._serialise_migrations(cur)
            current = self._version(cur)
            if current > SCHEMA_VERSION:
                raise StoreError(msg("the store at {url} has schema version {current}, newer than this release "
                                     "({schema_version}); upgrade Limes",
                                     url=self.url, current=current, schema_version=SCHEMA_VERSION),
                                 url=self.url, dialect=self.dialect)
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

    def reclaim(self, *tables: str) -> None:
        """Make deleted and overwritten rows of ``tables`` leave the database files (after a retention purge).

        SQLite zeroes freed content as it goes (``secure_delete``): a checkpoint moves the pages out
        of the write-ahead log and truncates it. PostgreSQL keeps old row versions until a vacuum:
        ``VACUUM FULL`` rewrites the tables into new files (it locks them for its duration; the
        report tables are small). Neither reaches disk blocks the file system already freed, nor backups.
        """
        with self._lock:
            self._reclaim(tables)

    def _reclaim(self, tables: tuple[str, ...]) -> None:
        raise NotImplementedError

    def schema_version(self) -> int:
        """Number of migrations applied to this database."""
        with self.transaction(write=False) as tx:
            return self._version(tx.cursor)

    def count(self, table: str) -> int:
        """Rows in ``events``, ``quarantine``, ``imports`` or ``units``."""
        if table not in COUNTED_TABLES:
            raise StoreError(f"no table {table!r} to count; tables are {sorted(COUNTED_TABLES)}")
        with self.transaction(write=False) as tx:
            return int(tx.fetch(f"SELECT COUNT(*) FROM {table}")[0][0])

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()


def meta_value(db: Db, key: str, *, default: str) -> str:
    """The ``meta`` table's value of ``key``, set to ``default`` first if it has none (one transaction)."""
    with db.transaction(write=False) as tx:
        row = tx.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
    if row is not None:
        return str(row[0])
    # Read first, write only once: callers run on every request, and a write takes the write lock.
    with db.transaction() as tx:
        tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", (key, default))
        return str(tx.fetchone("SELECT value FROM meta WHERE key = ?", (key,))[0])  # type: ignore[index]
