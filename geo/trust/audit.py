"""The audit log: an append-only record of who did what, when, from where, and whether it was allowed.

Rows are only ever inserted (the repository, :mod:`geo.store.audit`, has no update or delete). Actions are named from
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

from geo.errors import InputError, msg
from geo.store import Db, append_audit, audit_rows, epoch_ms

ACTIONS: Final[tuple[str, ...]] = (
    "login", "logout", "session_expired", "page_view", "access_denied", "import", "export", "level_set",
    "sensor_edit", "report_submitted", "report_accepted", "report_merged", "report_rejected", "contacts_purged",
    "share_agreed", "share_revoked", "share_cert_issued",
    "incident_opened", "incident_fused", "incident_acknowledged", "incident_assigned", "incident_dispatched",
    "incident_on_scene", "incident_closed", "incident_priority", "handover",
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
            raise InputError(msg("unknown audit action {action!r}; known actions are {actions}",
                                 action=self.action, actions=list(ACTIONS)))
        if self.outcome not in OUTCOMES:
            raise InputError(msg("audit outcome must be one of {outcomes}; got {outcome!r}",
                                 outcomes=list(OUTCOMES), outcome=self.outcome))
        if not self.actor:
            raise InputError(msg("an audit entry needs an actor (a user id, or 'system')"))


def record(db: Db, entry: AuditEntry, *, at: datetime | None = None) -> None:
    """Append ``entry`` to the audit log (``at`` defaults to now).

    ``db`` is the store, or the open transaction of the action being audited: then the entry
    commits with the action, or neither does.
    """
    append_audit(db, at_ms=epoch_ms(at), actor=entry.actor, role=entry.role, action=entry.action, target=entry.target,
                 outcome=entry.outcome, detail=entry.detail, client=entry.client)


def read_log(db: Db, *, actions: tuple[str, ...] = (), actor: str = "", since: datetime | None = None,
             limit: int = 5000) -> pd.DataFrame:
    """The newest entries first, filtered by actions, actor and time; ``at`` as UTC datetimes."""
    rows = audit_rows(db, actions=actions, actor=actor, since_ms=None if since is None else epoch_ms(since),
                      limit=limit)
    frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    frame["at"] = pd.to_datetime(frame["at"].astype("int64"), unit="ms", utc=True)
    return frame
