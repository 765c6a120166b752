"""Moderating community reports: accept (an event), merge into an event, reject; and the contact retention job.

Each step moves a report out of status ``new`` exactly once: the update only matches a report
still ``new``, and the moderator's name and time read back prove who won when two moderators
act at once. Every step is recorded in the audit log, in the same transaction as the step: the
report's new status, its event and the audit entry land together or not at all.

An accepted report becomes an event of type ``citizen_report`` from source :data:`EVENT_SOURCE`
with the id ``report-<report_id>`` (so a repeated accept cannot double it). The event carries
the category and the report's id, never the text or the contact: those stay in the queue.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Final

import numpy as np
import pandas as pd

from geo.errors import ModerationError, msg
from geo.grid import parent_cells
from geo.models import NAMED_CONFIDENCE, impact_for
from geo.reports.intake import CLIENT_KEY_PREFIX, PUBLIC_SOURCE
from geo.spatial import EARTH_RADIUS_KM, great_circle_km
from geo.store import (
    Db,
    Store,
    StoredReport,
    claim_report,
    delete_contacts,
    delete_quarantined_reports,
    epoch_ms,
    event_exists,
    events_near,
    insert_events,
    keyed_reports,
    moderation_state,
    quarantined_report_records,
    rekey_reports,
    reports_with_contact,
    stored_report,
)
from geo.trust import AuditEntry, record

EVENT_SOURCE: Final[str] = "community"
"""Source of the events made from accepted reports."""
CONFIDENCE_LEVELS: Final[tuple[str, ...]] = ("low", "medium", "high", "confirmed")
"""Named confidence of an accepted report; the event stores its number (:data:`geo.models.NAMED_CONFIDENCE`)."""
DEFAULT_RETENTION: Final[timedelta] = timedelta(days=30)
MAX_REASON_CHARS: Final[int] = 500
RATE_WINDOW: Final[timedelta] = timedelta(hours=1)
REPORT_FEED_KINDS: Final[tuple[str, ...]] = ("kobo",)
"""Feed kinds whose records are community reports: their quarantined raw records hold contacts."""
"""How long a public report keeps its client's hashed key (the rate limit's clock hour)."""


@dataclass(frozen=True, slots=True)
class Moderator:
    """Who moderates: a user id, their role and where they work from (for the audit log)."""

    actor: str
    role: str = ""
    client: str = ""

    def __post_init__(self) -> None:
        if not self.actor.strip():
            raise ModerationError(msg("a moderation step needs the moderator's name"))


def _claim(db: Db, report_id: int, who: Moderator, at_ms: int, status: str, **sets: str) -> None:
    """Move report ``report_id`` from ``new`` to ``status`` with ``sets``, or explain why it cannot move."""
    if claim_report(db, report_id, status=status, moderated_by=who.actor, at_ms=at_ms, **sets):
        return
    state = moderation_state(db, report_id)
    if state is None:
        raise ModerationError(msg("there is no report {report_id}", report_id=report_id))
    raise ModerationError(msg("report {report_id} was already moderated ({decision} by {moderator})",
                              report_id=report_id, decision=state[0], moderator=state[1]))


def _report(db: Db, report_id: int) -> StoredReport:
    report = stored_report(db, report_id)
    if report is None:
        raise ModerationError(msg("there is no report {report_id}", report_id=report_id))
    return report


def _audit(db: Db, moderator: Moderator, action: str, report_id: int, detail: str, now: datetime | None) -> None:
    record(db, AuditEntry(actor=moderator.actor, role=moderator.role, client=moderator.client, action=action,
                          target=f"report {int(report_id)}", detail=detail), at=now)


def accept_report(db: Db, report_id: int, *, confidence: str, moderator: Moderator,
                  now: datetime | None = None) -> str:
    """Accept a report: it becomes an open ``citizen_report`` event with ``confidence``; returns the event id."""
    if confidence not in CONFIDENCE_LEVELS:
        raise ModerationError(msg("confidence must be one of {confidence_levels}; got {confidence!r}",
                                  confidence_levels=list(CONFIDENCE_LEVELS), confidence=confidence))
    event_id, at_ms = f"report-{int(report_id)}", epoch_ms(now)
    with db.transaction() as tx:
        report = _report(tx, report_id)
        _claim(tx, report_id, moderator, at_ms, "accepted", confidence=confidence, event_source=EVENT_SOURCE,
               event_id=event_id)
        insert_events(tx, _event(report, event_id=event_id, confidence=confidence))
        _audit(tx, moderator, "report_accepted", report_id, f"event {EVENT_SOURCE}/{event_id}, confidence {confidence}",
               now)
    return event_id


def _event(report: StoredReport, *, event_id: str, confidence: str) -> pd.DataFrame:
    """The ``citizen_report`` event of an accepted report: its place, times and category, never its text."""
    return pd.DataFrame({
        "source": [EVENT_SOURCE], "event_id": [event_id], "type": ["citizen_report"],
        "occurred_at": pd.to_datetime([report.occurred_at_ms], unit="ms", utc=True),
        "received_at": pd.to_datetime([report.received_at_ms], unit="ms", utc=True), "lat": [report.lat],
        "lon": [report.lon], "persons": np.array([0], dtype=np.int64),
        "impact": impact_for(np.array(["citizen_report"]), np.array([0])),
        "confidence": [NAMED_CONFIDENCE[confidence]], "status": ["open"],
        "cell": np.array([report.cell], dtype=np.int64).astype(np.uint64),
        "attrs": [json.dumps({"category": report.category, "report_id": report.report_id,
                              "report_source": report.source})],
    })


def merge_report(db: Db, report_id: int, *, event_source: str, event_id: str, moderator: Moderator,
                 now: datetime | None = None) -> None:
    """Merge a report into an existing event (it corroborates the event and adds no new one)."""
    with db.transaction() as tx:
        _report(tx, report_id)
        if not event_exists(tx, source=event_source, event_id=event_id):
            raise ModerationError(msg("there is no event {event_source}/{event_id} to merge report {report_id} into",
                                      event_source=event_source, event_id=event_id, report_id=report_id))
        _claim(tx, report_id, moderator, epoch_ms(now), "merged", event_source=event_source, event_id=event_id)
        _audit(tx, moderator, "report_merged", report_id, f"into event {event_source}/{event_id}", now)


def reject_report(db: Db, report_id: int, *, reason: str, moderator: Moderator,
                  now: datetime | None = None) -> None:
    """Reject a report with a reason a colleague can understand later."""
    reason = reason.strip()
    if not reason:
        raise ModerationError(msg("a rejection needs a reason"))
    if len(reason) > MAX_REASON_CHARS:
        raise ModerationError(msg("the reason is {n} characters long; at most {max_reason_chars}",
                                  n=len(reason), max_reason_chars=MAX_REASON_CHARS))
    with db.transaction() as tx:
        _claim(tx, report_id, moderator, epoch_ms(now), "rejected", reason=reason)
        _audit(tx, moderator, "report_rejected", report_id, reason, now)


def merge_candidates(db: Db, report_id: int, *, radius_km: float = 5.0, window: timedelta = timedelta(hours=12),
                     limit: int = 20) -> pd.DataFrame:
    """Events within ``radius_km`` and ``window`` either side of a report, nearest first, with ``distance_km``."""
    if radius_km <= 0 or window <= timedelta(0):
        raise ModerationError(msg("radius_km and window must be positive; got {radius_km} and {window}",
                                  radius_km=radius_km, window=window))
    report = _report(db, report_id)
    lat, lon = report.lat, report.lon
    # A box around the report narrows the rows read; the exact distance is then great-circle.
    dlat = np.degrees(radius_km / EARTH_RADIUS_KM)
    dlon = dlat / max(np.cos(np.radians(lat)), 1e-6)
    span = int(window.total_seconds() * 1000)
    events = events_near(db, lat=(lat - dlat, lat + dlat), lon=(lon - dlon, lon + dlon),
                         occurred_ms=(report.occurred_at_ms - span, report.occurred_at_ms + span))
    events["distance_km"] = great_circle_km(lat, lon, events["lat"], events["lon"])
    near = events[events["distance_km"] <= radius_km].sort_values(["distance_km", "occurred_at"])
    return near.head(limit).reset_index(drop=True)


def purge_contacts(db: Db, *, retention: timedelta = DEFAULT_RETENTION, now: datetime | None = None,
                   actor: str = "system") -> int:
    """Delete reporters' contact details older than ``retention``; returns how many reports lost theirs.

    Each report keeps ``contact_deleted_at_ms``. Quarantined submissions of report feeds (Kobo,
    :data:`REPORT_FEED_KINDS`) and of the public form hold whole raw records, contacts included:
    their raw record and detail are emptied too. The public form's hashed client keys outlive their
    rate-limit hour by nothing: they are replaced by ``form-<report_id>`` in the same run. The
    deletions, the replacements and the audit entry are one transaction; then, when ``db`` is the
    store, the freed space is reclaimed so that the deleted bytes leave the database files
    (:meth:`geo.store.Store.reclaim`).
    """
    if retention < timedelta(0):
        raise ModerationError(msg("the retention period cannot be negative; got {retention}", retention=retention))
    now = now or datetime.now(timezone.utc)
    cutoff, keyed_before = epoch_ms(now - retention), epoch_ms(now - RATE_WINDOW)
    quarantined = {"kinds": REPORT_FEED_KINDS, "sources": (PUBLIC_SOURCE,), "before_ms": cutoff}
    # Read first: the page runs this on every rerun, and a write would take the store's write lock each time.
    with db.transaction(write=False) as tx:
        if (not reports_with_contact(tx, received_before_ms=cutoff) and not _keyed(tx, keyed_before)
                and not quarantined_report_records(tx, **quarantined)):
            return 0
    with db.transaction() as tx:
        ids = reports_with_contact(tx, received_before_ms=cutoff)
        if ids:
            delete_contacts(tx, ids, at_ms=epoch_ms(now))
        emptied = delete_quarantined_reports(tx, **quarantined)
        if ids or emptied:
            record(tx, AuditEntry(actor=actor, action="contacts_purged", target=f"{len(ids)} reports",
                                  detail=f"contacts received before {now - retention:%Y-%m-%d %H:%M} UTC; "
                                         f"{emptied} quarantined submissions emptied"), at=now)
        if _keyed(tx, keyed_before):
            rekey_reports(tx, source=PUBLIC_SOURCE, key_prefix=CLIENT_KEY_PREFIX, received_before_ms=keyed_before,
                          new_prefix="form-")
    if isinstance(db, Store):
        db.reclaim("reports", "quarantine")
    return len(ids)


def _keyed(db: Db, received_before_ms: int) -> bool:
    return keyed_reports(db, source=PUBLIC_SOURCE, key_prefix=CLIENT_KEY_PREFIX, received_before_ms=received_before_ms)


ACCEPTED_COUNT_COLUMNS: Final[tuple[str, ...]] = ("source", "type", "confidence", "cell")
"""The event columns :func:`accepted_counts` reads (a caller may decode only these)."""


def accepted_counts(events: pd.DataFrame, *, res: int, min_confidence: str = "low") -> pd.DataFrame:
    """Accepted community reports per H3 cell at ``res`` among ``events`` with at least ``min_confidence``.

    ``events`` is the event model (``source``, ``type``, ``confidence``, ``cell`` at the base
    resolution), e.g. one time window of the map's index. Returns ``cell`` (uint64) and ``reports``.
    """
    if min_confidence not in CONFIDENCE_LEVELS:
        raise ModerationError(msg("min_confidence must be one of {confidence_levels}; got {min_confidence!r}",
                                  confidence_levels=list(CONFIDENCE_LEVELS), min_confidence=min_confidence))
    # The store keeps the level's number: compare with a little slack for float round trips.
    chosen = events[(events["source"] == EVENT_SOURCE) & (events["type"] == "citizen_report")
                    & (events["confidence"].astype(float) >= NAMED_CONFIDENCE[min_confidence] - 1e-9)]
    cells, counts = np.unique(parent_cells(chosen["cell"].to_numpy(dtype=np.uint64), res), return_counts=True)
    return pd.DataFrame({"cell": cells.astype(np.uint64), "reports": counts.astype(np.int64)})
