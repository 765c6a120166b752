"""Who may do what, and the record of what was done: roles and capabilities, the audit log.

Every sensitive action is checked where it happens and written to the append-only audit log.
"""

from geo.trust.access import (
    LOCAL_USER,
    PAGE_ROLES,
    ROLES,
    AccessPolicy,
    is_loopback,
    may,
    may_see,
    roles_for,
    session_expired,
)
from geo.trust.audit import ACTIONS, AuditEntry, read_log, record
from geo.trust.local import UVICORN_TRUST_NO_PROXY, local_refusal

__all__ = [
    "ACTIONS",
    "AccessPolicy",
    "AuditEntry",
    "LOCAL_USER",
    "PAGE_ROLES",
    "ROLES",
    "UVICORN_TRUST_NO_PROXY",
    "is_loopback",
    "local_refusal",
    "may",
    "may_see",
    "read_log",
    "record",
    "roles_for",
    "session_expired",
]
