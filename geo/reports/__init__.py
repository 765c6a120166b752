"""Community reports: intake from the public form and partner feeds, the report area, moderation.

Nothing a resident sends counts until a moderator accepted it; contacts stay on the moderation page.
"""

from geo.reports.area import PICK_BUFFER_KM, PICK_RES, pick_cells
from geo.reports.intake import (
    CATEGORY_LABELS,
    MAX_CONTACT_CHARS,
    MAX_PLACE_CHARS,
    MAX_TEXT_CHARS,
    PENDING_RES,
    PUBLIC_SOURCE,
    REPORT_CATEGORIES,
    RateLimit,
    ReportDraft,
    check_report,
    client_address,
    insert_reports,
    pending_counts,
    read_queue,
    submit_report,
)
from geo.reports.moderation import (
    ACCEPTED_COUNT_COLUMNS,
    CONFIDENCE_LEVELS,
    DEFAULT_RETENTION,
    EVENT_SOURCE,
    Moderator,
    accept_report,
    accepted_counts,
    merge_candidates,
    merge_report,
    purge_contacts,
    reject_report,
)

__all__ = [
    "ACCEPTED_COUNT_COLUMNS",
    "PICK_BUFFER_KM",
    "PICK_RES",
    "CATEGORY_LABELS",
    "CONFIDENCE_LEVELS",
    "DEFAULT_RETENTION",
    "EVENT_SOURCE",
    "MAX_CONTACT_CHARS",
    "MAX_PLACE_CHARS",
    "MAX_TEXT_CHARS",
    "Moderator",
    "PENDING_RES",
    "PUBLIC_SOURCE",
    "REPORT_CATEGORIES",
    "RateLimit",
    "ReportDraft",
    "accept_report",
    "accepted_counts",
    "check_report",
    "client_address",
    "insert_reports",
    "merge_candidates",
    "merge_report",
    "pending_counts",
    "pick_cells",
    "purge_contacts",
    "read_queue",
    "reject_report",
    "submit_report",
]
