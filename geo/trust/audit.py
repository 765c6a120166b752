"""The audit log: an append-only record of who did what, when, from where, and whether it was allowed.

Rows are only ever inserted (this module has no update or delete). Actions are named from
:data:`ACTIONS`; ``target`` names what was acted on (a page, a file, a section, a sensor, a
report), ``outcome`` is ``ok`` or ``denied``, ``client`` where the request came from (an IP
address or ``local``), ``detail`` a short free text (never personal data of third parties).
Times are epoch milliseconds, UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

import pandas as pd

from geo.errors import InputError
from geo.store import Store, epoch_ms

ACTIONS: Final[tuple[str, ...]] = (
    "login", "logout", "session_expired", "page_view", "access_denied", "import", "export", "level_set",
    "sensor_edit", "report_submitted", "report_accepted", "report_merged", "report_rejected", "contacts_purged",
)
OUTCOMES: Final[tuple[str, ...]] = ("ok", "denied")
COLUMNS: Final[tuple[str, ...]] = ("seq", "at", "actor", "role", "action", "target", "outcome", "detail", "client")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One thing that happened: ``actor`` (a user id, or ``system``) did ``action`` on ``target``."""

    actor: str
    action: str
    target: str = ""
    outcome: str = "ok"
    role: str = ""
    detail: str = ""
    client: str = ""

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise InputError(f"unknown audit action {self.action!r}; known actions are {list(ACTIONS)}")
        if self.outcome not in OUTCOMES:
            raise InputError(f"audit outcome must be one of {list(OUTCOMES)}; got {self.outcome!r}")
        if not self.actor:
            raise InputError("an audit entry needs an actor (a user id, or 'system')")


def record(store: Store, entry: AuditEntry, *, at: datetime | None = None) -> None:
    """Append ``entry`` to the audit log (``at`` defaults to now)."""
    at_ms = epoch_ms(at)
    store.execute(
        "INSERT INTO audit_log (at_ms, actor, role, action, target, outcome, detail, client) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(at_ms, entry.actor, entry.role, entry.action, entry.target, entry.outcome, entry.detail[:500], entry.client)],
    )


def read_log(store: Store, *, actions: tuple[str, ...] = (), actor: str = "", since: datetime | None = None,
             limit: int = 5000) -> pd.DataFrame:
    """The newest entries first, filtered by actions, actor and time; ``at`` as UTC datetimes."""
    where, params = [], []
    if actions:
        where.append(f"action IN ({', '.join('?' for _ in actions)})")
        params.extend(actions)
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if since is not None:
        where.append("at_ms >= ?")
        params.append(epoch_ms(since))
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = store.fetch(f"SELECT seq, at_ms, actor, role, action, target, outcome, detail, client FROM audit_log "
                       f"{clause} ORDER BY seq DESC LIMIT ?", [*params, int(limit)])
    frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    frame["at"] = pd.to_datetime(frame["at"].astype("int64"), unit="ms", utc=True)
    return frame
