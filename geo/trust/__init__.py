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

__all__ = [
    "ACTIONS",
    "AccessPolicy",
    "AuditEntry",
    "LOCAL_USER",
    "PAGE_ROLES",
    "ROLES",
    "is_loopback",
    "may",
    "may_see",
    "read_log",
    "record",
    "roles_for",
    "session_expired",
]
