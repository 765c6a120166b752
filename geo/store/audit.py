"""The audit log repository: append a row, read rows back. Nothing here updates or deletes.

What an entry means (the actions, the outcomes, who may write one) is :mod:`geo.trust.audit`'s;
this module only keeps the rows. Times are epoch milliseconds, UTC.
"""

from __future__ import annotations

from typing import Final

from geo.store.core import Db

AUDIT_COLUMNS: Final[tuple[str, ...]] = ("seq", "at_ms", "actor", "role", "action", "target", "outcome", "detail",
                                         "client")
"""Columns of an audit row as :func:`audit_rows` returns them."""
MAX_DETAIL_CHARS: Final[int] = 500


def append_audit(db: Db, *, at_ms: int, actor: str, action: str, target: str, outcome: str, role: str, detail: str,
                 client: str) -> None:
    """Append one row to the audit log (``detail`` cut to :data:`MAX_DETAIL_CHARS`)."""
    with db.transaction() as tx:
        tx.execute("INSERT INTO audit_log (at_ms, actor, role, action, target, outcome, detail, client) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (at_ms, actor, role, action, target, outcome, detail[:MAX_DETAIL_CHARS], client))


def audit_rows(db: Db, *, actions: tuple[str, ...] = (), actor: str = "", since_ms: int | None = None,
               limit: int = 5000) -> list[tuple[object, ...]]:
    """Audit rows (:data:`AUDIT_COLUMNS`), newest first, of ``actions`` (all when empty), of ``actor`` (any when
    empty) and from ``since_ms`` (epoch ms) on."""
    where: list[str] = []
    params: list[object] = []
    if actions:
        where.append(f"action IN ({', '.join('?' for _ in actions)})")
        params.extend(actions)
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if since_ms is not None:
        where.append("at_ms >= ?")
        params.append(since_ms)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    with db.transaction(write=False) as tx:
        return tx.fetch(f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit_log {clause} ORDER BY seq DESC LIMIT ?",
                        [*params, int(limit)])
