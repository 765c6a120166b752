"""The community reports repository: the queue, its moderation updates and the contact retention.

What a report is, who may see its contact and how moderation works is :mod:`geo.reports`'s; this
module keeps the rows. A report leaves status ``new`` at most once: :func:`claim_report` only
matches a report still ``new``. Times are epoch milliseconds, UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from geo.store.core import Db

QUEUE_COLUMNS: Final[tuple[str, ...]] = (
    "report_id", "source", "external_id", "received_at_ms", "occurred_at_ms", "lat", "lon", "cell", "category", "text",
    "place", "status", "confidence", "event_source", "event_id", "moderated_by", "moderated_at_ms", "reason",
    "contact_deleted_at_ms",
)
"""What readers of the queue get; ``contact`` is added only for moderators."""
REPORT_ROW_COLUMNS: Final[tuple[str, ...]] = (
    "source", "external_id", "received_at_ms", "occurred_at_ms", "lat", "lon", "cell", "category", "text", "place",
    "contact",
)
"""Columns of a new report, in the order :func:`add_reports` takes them."""
_INSERT: Final[str] = (
    f"INSERT INTO reports ({', '.join(REPORT_ROW_COLUMNS)}) VALUES ({', '.join('?' for _ in REPORT_ROW_COLUMNS)}) "
    "ON CONFLICT (source, external_id) DO NOTHING"
)


@dataclass(frozen=True, slots=True)
class StoredReport:
    """What moderation reads of one report: where and when (degrees, epoch ms, H3 cell) and its category."""

    report_id: int
    source: str
    received_at_ms: int
    occurred_at_ms: int
    lat: float
    lon: float
    cell: int
    category: str


def add_reports(db: Db, rows: Sequence[Sequence[object]]) -> int:
    """Queue reports given as :data:`REPORT_ROW_COLUMNS` rows; ones whose ``(source, external_id)`` is taken are
    skipped. Returns the number queued."""
    with db.transaction() as tx:
        return tx.executemany(_INSERT, rows)


def find_report_id(db: Db, *, source: str, external_id: str) -> int | None:
    """The ``report_id`` of ``source``/``external_id``, or ``None``."""
    with db.transaction(write=False) as tx:
        row = tx.fetchone("SELECT report_id FROM reports WHERE source = ? AND external_id = ?", (source, external_id))
    return None if row is None else int(row[0])


def queue_frame(db: Db, *, statuses: tuple[str, ...], with_contact: bool, newest_first: bool,
                limit: int) -> pd.DataFrame:
    """Up to ``limit`` reports of ``statuses`` by time received; :data:`QUEUE_COLUMNS` (``contact`` too with
    ``with_contact``), times as UTC datetimes (``received_at``, ``occurred_at``, ``moderated_at``,
    ``contact_deleted_at``) and cells as uint64."""
    columns = [*QUEUE_COLUMNS, *(["contact"] if with_contact else [])]
    marks, order = ", ".join("?" for _ in statuses), "DESC" if newest_first else "ASC"
    with db.transaction(write=False) as tx:
        rows = tx.fetch(f"SELECT {', '.join(columns)} FROM reports WHERE status IN ({marks}) "
                        f"ORDER BY received_at_ms {order}, report_id {order} LIMIT ?", [*statuses, int(limit)])
    frame = pd.DataFrame.from_records(rows, columns=columns)
    for name in ("received_at", "occurred_at", "moderated_at", "contact_deleted_at"):
        frame[name] = pd.to_datetime(frame.pop(f"{name}_ms"), unit="ms", utc=True)
    frame["cell"] = frame["cell"].astype(np.int64).to_numpy().astype(np.uint64)
    return frame


def new_report_cells(db: Db) -> np.ndarray:
    """The H3 cells (base resolution, uint64) of every report still ``new``."""
    with db.transaction(write=False) as tx:
        rows = tx.fetch("SELECT cell FROM reports WHERE status = 'new'")
    return np.array([r[0] for r in rows], dtype=np.int64).astype(np.uint64)


def stored_report(db: Db, report_id: int) -> StoredReport | None:
    """Report ``report_id`` as moderation reads it, or ``None`` when there is none."""
    with db.transaction(write=False) as tx:
        row = tx.fetchone("SELECT report_id, source, received_at_ms, occurred_at_ms, lat, lon, cell, category "
                          "FROM reports WHERE report_id = ?", (int(report_id),))
    if row is None:
        return None
    rid, source, received_ms, occurred_ms, lat, lon, cell, category = row
    return StoredReport(int(rid), str(source), int(received_ms), int(occurred_ms), float(lat), float(lon), int(cell),
                        str(category))


def moderation_state(db: Db, report_id: int) -> tuple[str, str | None] | None:
    """``(status, moderated_by)`` of report ``report_id``, or ``None`` when there is none."""
    with db.transaction(write=False) as tx:
        row = tx.fetchone("SELECT status, moderated_by FROM reports WHERE report_id = ?", (int(report_id),))
    return None if row is None else (str(row[0]), row[1])


def claim_report(db: Db, report_id: int, *, status: str, moderated_by: str, at_ms: int, confidence: str | None = None,
                 event_source: str | None = None, event_id: str | None = None, reason: str | None = None) -> bool:
    """Move report ``report_id`` from ``new`` to ``status``; whether it moved (``False``: none, or not ``new``)."""
    with db.transaction() as tx:
        return bool(tx.execute(
            "UPDATE reports SET status = ?, moderated_by = ?, moderated_at_ms = ?, confidence = ?, event_source = ?, "
            "event_id = ?, reason = ? WHERE report_id = ? AND status = 'new'",
            (status, moderated_by, at_ms, confidence, event_source, event_id, reason, int(report_id))))


def reports_with_contact(db: Db, *, received_before_ms: int) -> list[int]:
    """Ids of reports received before ``received_before_ms`` that still hold a contact."""
    with db.transaction(write=False) as tx:
        rows = tx.fetch("SELECT report_id FROM reports WHERE contact IS NOT NULL AND received_at_ms < ?",
                        (received_before_ms,))
    return [int(r[0]) for r in rows]


def quarantined_report_records(db: Db, *, kinds: Sequence[str], sources: Sequence[str], before_ms: int) -> int:
    """How many quarantined records of report feeds (feeds of ``kinds``, and ``sources``) from before ``before_ms``
    still hold their raw record."""
    where, params = _report_quarantine(kinds, sources, before_ms)
    with db.transaction(write=False) as tx:
        return int(tx.fetch(f"SELECT COUNT(*) FROM quarantine WHERE {where}", params)[0][0])


def delete_quarantined_reports(db: Db, *, kinds: Sequence[str], sources: Sequence[str], before_ms: int) -> int:
    """Empty the raw record and detail of quarantined report submissions (they hold contacts); returns how many.

    The reason, row number and time stay: the count of refused submissions is kept, what was in them is not.
    """
    where, params = _report_quarantine(kinds, sources, before_ms)
    with db.transaction() as tx:
        return tx.execute(f"UPDATE quarantine SET raw = '{{}}', detail = 'deleted with the contacts (retention)' "
                          f"WHERE {where}", params)


def _report_quarantine(kinds: Sequence[str], sources: Sequence[str], before_ms: int) -> tuple[str, tuple[object, ...]]:
    kind_marks, source_marks = ", ".join("?" for _ in kinds) or "NULL", ", ".join("?" for _ in sources) or "NULL"
    where = (f"quarantined_at_ms < ? AND raw <> '{{}}' AND (source IN ({source_marks}) "
             f"OR source IN (SELECT feed FROM feed_health WHERE kind IN ({kind_marks})))")
    return where, (before_ms, *sources, *kinds)


def delete_contacts(db: Db, report_ids: Sequence[int], *, at_ms: int) -> None:
    """Delete the contact of each report of ``report_ids``, noting when (``contact_deleted_at_ms``)."""
    with db.transaction() as tx:
        tx.executemany("UPDATE reports SET contact = NULL, contact_deleted_at_ms = ? WHERE report_id = ?",
                       [(at_ms, int(i)) for i in report_ids])


def keyed_reports(db: Db, *, source: str, key_prefix: str, received_before_ms: int) -> bool:
    """Whether reports of ``source`` received before ``received_before_ms`` still have an ``external_id``
    starting with ``key_prefix``."""
    with db.transaction(write=False) as tx:
        return tx.fetchone("SELECT 1 FROM reports WHERE source = ? AND external_id LIKE ? AND received_at_ms < ? "
                           "LIMIT 1", (source, f"{key_prefix}%", received_before_ms)) is not None


def rekey_reports(db: Db, *, source: str, key_prefix: str, received_before_ms: int, new_prefix: str) -> None:
    """Replace those ``external_id`` (see :func:`keyed_reports`) by ``new_prefix`` and the report's id."""
    with db.transaction() as tx:
        tx.execute("UPDATE reports SET external_id = CAST(? AS TEXT) || CAST(report_id AS TEXT) "
                   "WHERE source = ? AND external_id LIKE ? AND received_at_ms < ?",
                   (new_prefix, source, f"{key_prefix}%", received_before_ms))
