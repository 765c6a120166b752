"""The sharing repository: agreements with partner agencies (versioned), their client certificates, the log of
what was sent to whom, and the partners' pictures as they arrived.

A partner's picture lives in tables of its own (``partner_pictures``, ``partner_cells``, ``partner_levels``),
never in ``events``: nothing a partner sends counts in our figures. What the terms of an agreement mean is
:mod:`geo.sharing`'s; this module keeps the rows. Times are epoch milliseconds, UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import pandas as pd

from geo.store.core import Db

LOG_COLUMNS: Final[tuple[str, ...]] = ("partner", "version", "path", "status", "items", "bytes", "cert_serial", "detail",
                                       "sent_at_ms")
_AGREEMENT_COLUMNS: Final[tuple[str, ...]] = ("partner", "version", "terms", "status", "set_by", "set_at_ms")


@dataclass(frozen=True, slots=True)
class StoredPicture:
    """The head of a partner's picture as the subscriber stored it (``*_ms`` epoch ms, ``delay_s`` seconds)."""

    feed: str
    publisher: str
    version: int
    res: int
    delay_s: int
    k: int
    window_start_ms: int
    window_end_ms: int
    received_at_ms: int


def add_agreement(db: Db, *, partner: str, terms: str, status: str, set_by: str, set_at_ms: int) -> int:
    """Append a new version of ``partner``'s agreement (``terms`` as JSON text); returns its version (1, 2, …)."""
    with db.transaction() as tx:
        row = tx.fetchone("SELECT MAX(version) FROM share_agreements WHERE partner = ?", (partner,))
        version = int(row[0] or 0) + 1 if row else 1
        tx.execute("INSERT INTO share_agreements (partner, version, terms, status, set_by, set_at_ms) "
                   "VALUES (?, ?, ?, ?, ?, ?)", (partner, version, terms, status, set_by, set_at_ms))
    return version


def current_agreements(db: Db) -> pd.DataFrame:
    """The newest version of every partner's agreement: ``partner``, ``version``, ``terms``, ``status``, ``set_by``,
    ``set_at_ms``, sorted by partner."""
    with db.transaction(write=False) as tx:
        rows = tx.fetch(f"SELECT {', '.join('a.' + c for c in _AGREEMENT_COLUMNS)} FROM share_agreements a "
                        "WHERE a.version = (SELECT MAX(b.version) FROM share_agreements b WHERE b.partner = a.partner) "
                        "ORDER BY a.partner")
    return pd.DataFrame.from_records(rows, columns=list(_AGREEMENT_COLUMNS))


def agreement_history(db: Db) -> pd.DataFrame:
    """Every version of every agreement, newest first (the columns of :func:`current_agreements`)."""
    with db.transaction(write=False) as tx:
        rows = tx.fetch(f"SELECT {', '.join(_AGREEMENT_COLUMNS)} FROM share_agreements ORDER BY set_at_ms DESC, "
                        "seq DESC")
    return pd.DataFrame.from_records(rows, columns=list(_AGREEMENT_COLUMNS))


def add_cert(db: Db, *, serial: str, partner: str, not_after_ms: int, issued_at_ms: int) -> None:
    """Record a client certificate issued to ``partner`` (``serial`` as hex text)."""
    with db.transaction() as tx:
        tx.execute("INSERT INTO share_certs (serial, partner, not_after_ms, issued_at_ms) VALUES (?, ?, ?, ?)",
                   (serial, partner, not_after_ms, issued_at_ms))


def revoke_certs(db: Db, *, partner: str, at_ms: int) -> int:
    """Revoke every certificate of ``partner`` not revoked yet; returns how many."""
    with db.transaction() as tx:
        return tx.execute("UPDATE share_certs SET revoked_at_ms = ? WHERE partner = ? AND revoked_at_ms IS NULL",
                          (at_ms, partner))


def cert_record(db: Db, serial: str) -> tuple[str, int, int | None] | None:
    """``(partner, not_after_ms, revoked_at_ms)`` of the certificate ``serial``, or ``None`` if we never issued it."""
    with db.transaction(write=False) as tx:
        row = tx.fetchone("SELECT partner, not_after_ms, revoked_at_ms FROM share_certs WHERE serial = ?", (serial,))
    return None if row is None else (str(row[0]), int(row[1]), None if row[2] is None else int(row[2]))


def log_sent(db: Db, *, partner: str, version: int | None, path: str, status: int, items: int, size_bytes: int,
             cert_serial: str, detail: str, sent_at_ms: int) -> None:
    """Append one answer of the publishing endpoint to the send log (refusals included)."""
    with db.transaction() as tx:
        tx.execute(f"INSERT INTO share_log ({', '.join(LOG_COLUMNS)}) VALUES ({', '.join('?' * len(LOG_COLUMNS))})",
                   (partner, version, path, status, items, size_bytes, cert_serial, detail[:500], sent_at_ms))


def sent_log(db: Db, *, since_ms: int | None = None, limit: int = 5000) -> pd.DataFrame:
    """The send log, newest first: :data:`LOG_COLUMNS` with ``sent_at`` (UTC) for ``sent_at_ms``."""
    clause, params = ("WHERE sent_at_ms >= ?", [since_ms]) if since_ms is not None else ("", [])
    with db.transaction(write=False) as tx:
        rows = tx.fetch(f"SELECT {', '.join(LOG_COLUMNS)} FROM share_log {clause} ORDER BY seq DESC LIMIT ?",
                        [*params, int(limit)])
    frame = pd.DataFrame.from_records(rows, columns=list(LOG_COLUMNS))
    frame["sent_at"] = pd.to_datetime(frame.pop("sent_at_ms").astype("int64"), unit="ms", utc=True)
    return frame


def replace_picture(db: Db, picture: StoredPicture, *, cells: Sequence[tuple[int, int]],
                    levels: Sequence[tuple[str, str, str, int]]) -> None:
    """Replace the partner picture of ``picture.feed`` whole: its head, ``(cell, events)`` and
    ``(section_id, level, evidence, set_at_ms)`` rows (one transaction, joined with ``db``'s when it is one)."""
    feed = picture.feed
    with db.transaction() as tx:
        for table in ("partner_pictures", "partner_cells", "partner_levels"):
            tx.execute(f"DELETE FROM {table} WHERE feed = ?", (feed,))
        tx.execute("INSERT INTO partner_pictures (feed, publisher, version, res, delay_s, k, window_start_ms, "
                   "window_end_ms, received_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (feed, picture.publisher, picture.version, picture.res, picture.delay_s, picture.k,
                    picture.window_start_ms, picture.window_end_ms, picture.received_at_ms))
        if cells:
            tx.executemany("INSERT INTO partner_cells (feed, cell, events) VALUES (?, ?, ?)",
                           [(feed, int(c), int(n)) for c, n in cells])
        if levels:
            tx.executemany("INSERT INTO partner_levels (feed, section_id, level, evidence, set_at_ms) "
                           "VALUES (?, ?, ?, ?, ?)", [(feed, *row) for row in levels])


def partner_pictures(db: Db) -> list[StoredPicture]:
    """Every partner picture's head, by feed name."""
    with db.transaction(write=False) as tx:
        rows = tx.fetch("SELECT feed, publisher, version, res, delay_s, k, window_start_ms, window_end_ms, "
                        "received_at_ms FROM partner_pictures ORDER BY feed")
    return [StoredPicture(str(r[0]), str(r[1]), *(int(v) for v in r[2:])) for r in rows]


def partner_cells(db: Db, feed: str) -> pd.DataFrame:
    """The hexagon counts of one partner picture: ``cell`` (uint64 H3 id), ``events`` (int64), sorted by cell."""
    with db.transaction(write=False) as tx:
        rows = tx.fetch("SELECT cell, events FROM partner_cells WHERE feed = ? ORDER BY cell", (feed,))
    frame = pd.DataFrame.from_records(rows, columns=["cell", "events"])
    return frame.astype({"cell": "int64", "events": "int64"}).astype({"cell": "uint64"})


def partner_levels(db: Db, feed: str) -> pd.DataFrame:
    """The section levels of one partner picture: ``section_id``, ``level``, ``evidence``, ``set_at`` (UTC)."""
    with db.transaction(write=False) as tx:
        rows = tx.fetch("SELECT section_id, level, evidence, set_at_ms FROM partner_levels WHERE feed = ? "
                        "ORDER BY section_id", (feed,))
    frame = pd.DataFrame.from_records(rows, columns=["section_id", "level", "evidence", "set_at_ms"])
    frame["set_at"] = pd.to_datetime(frame.pop("set_at_ms").astype("int64"), unit="ms", utc=True)
    return frame
