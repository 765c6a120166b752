"""The imports and quarantine repository: the log of file imports, and the rows refused on the way in.

Every quarantined row keeps its raw record and the reason, so that a fixed mapping or file can
be imported again; an import's counts are written when it finishes (or stops part-way).
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from geo.store.core import Db, Transaction, epoch_ms
from geo.store.schema import QUARANTINE_COLUMNS

_INSERT_QUARANTINE: Final[str] = (
    f"INSERT INTO quarantine ({', '.join(QUARANTINE_COLUMNS)}) VALUES ({', '.join('?' for _ in QUARANTINE_COLUMNS)})"
)
_QUARANTINE_READ: Final[tuple[str, ...]] = (
    "seq", "import_id", "file_name", "row_number", "reason", "detail", "raw", "quarantined_at_ms",
)


def begin_import(db: Db, *, file_name: str, mapping: str, source: str) -> int:
    """Record the start of an import; returns its ``import_id``."""
    with db.transaction() as tx:
        row = tx.fetchone("INSERT INTO imports (file_name, mapping, source, started_at_ms) VALUES (?, ?, ?, ?) "
                          "RETURNING import_id", (file_name, mapping, source, epoch_ms()))
        return int(row[0])  # type: ignore[index]


IMPORT_STATUSES: Final[tuple[str, ...]] = ("running", "finished", "failed")
"""An import is ``running`` until it ends ``finished``, or ``failed`` (stopped part-way, with its counts so far)."""


def finish_import(db: Db, import_id: int, *, read: int, inserted: int, duplicates: int, quarantined: int,
                  lines: int = 0, error: str | None = None) -> None:
    """Record an import's counts, end time and outcome: ``failed`` with ``error`` when given, else ``finished``."""
    status = "finished" if error is None else "failed"
    with db.transaction() as tx:
        tx.execute("UPDATE imports SET finished_at_ms = ?, read_rows = ?, inserted = ?, duplicates = ?, "
                   "quarantined = ?, read_lines = ?, status = ?, error = ? WHERE import_id = ?",
                   (epoch_ms(), read, inserted, duplicates, quarantined, lines, status, error or "", import_id))


def import_record(db: Db, import_id: int) -> dict[str, object]:
    """One import's row of the ``imports`` table as a dict (``status``, counts, ``error``)."""
    columns = ("import_id", "file_name", "mapping", "source", "started_at_ms", "finished_at_ms", "read_rows",
               "read_lines", "inserted", "duplicates", "quarantined", "status", "error")
    with db.transaction(write=False) as tx:
        row = tx.fetchone(f"SELECT {', '.join(columns)} FROM imports WHERE import_id = ?", (import_id,))
    if row is None:
        raise KeyError(import_id)
    return dict(zip(columns, row, strict=True))


def add_quarantine(db: Db, rows: pd.DataFrame, *, import_id: int | None = None) -> int:
    """Store rejected rows: ``source``, ``file_name``, ``row_number``, ``reason``, ``detail``, ``raw``; the number
    stored.

    Rows of a file import (``import_id`` given) that the quarantine already holds from an earlier
    import of the same file (same source, file name, row number, reason and raw record) are not
    stored again: importing a file twice leaves its refused rows in the quarantine once.
    """
    if rows.empty:
        return 0
    now_ms = epoch_ms()
    values = [
        (s, f, int(n), r, d, raw, now_ms, import_id)
        for s, f, n, r, d, raw in zip(rows["source"], rows["file_name"], rows["row_number"], rows["reason"],
                                      rows["detail"], rows["raw"])
    ]
    with db.transaction() as tx:
        if import_id is not None:
            known = _known(tx, values)
            values = [v for v in values if (v[0], v[1], v[2], v[3], v[5]) not in known]
        tx.executemany(_INSERT_QUARANTINE, values)
    return len(values)


def _known(tx: Transaction, values: list[tuple[Any, ...]]) -> set[tuple[str, str, int, str, str]]:
    """The (source, file name, row number, reason, raw) keys of ``values`` the quarantine already holds."""
    known: set[tuple[str, str, int, str, str]] = set()
    for source, file_name in {(v[0], v[1]) for v in values}:
        numbers = [v[2] for v in values if v[0] == source and v[1] == file_name]
        rows = tx.fetch("SELECT row_number, reason, raw FROM quarantine WHERE source = ? AND file_name = ? "
                        "AND row_number BETWEEN ? AND ?", (source, file_name, min(numbers), max(numbers)))
        known.update((source, file_name, int(n), str(r), str(raw)) for n, r, raw in rows)
    return known


def quarantine_frame(db: Db, *, reason: str | None = None, limit: int = 1000) -> pd.DataFrame:
    """The newest quarantined rows, optionally of one ``reason``."""
    where, params = ("WHERE reason = ?", (reason, limit)) if reason else ("", (limit,))
    with db.transaction(write=False) as tx:
        rows = tx.fetch(f"SELECT {', '.join(_QUARANTINE_READ)} FROM quarantine {where} ORDER BY seq DESC LIMIT ?",
                        params)
    frame = pd.DataFrame.from_records(rows, columns=list(_QUARANTINE_READ))
    frame["quarantined_at"] = pd.to_datetime(frame.pop("quarantined_at_ms").astype(np.int64), unit="ms", utc=True)
    return frame


def quarantine_reasons(db: Db) -> dict[str, int]:
    """Quarantined rows per reason, most frequent first."""
    with db.transaction(write=False) as tx:
        rows = tx.fetch("SELECT reason, COUNT(*) AS n FROM quarantine GROUP BY reason ORDER BY n DESC, reason")
    return {str(r): int(n) for r, n in rows}
