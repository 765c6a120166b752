"""Moderating community reports: accept (an event), merge into an event, reject; and the contact retention job.

Each step moves a report out of status ``new`` exactly once: the update only matches a report
still ``new``, and the moderator's name and time read back prove who won when two moderators
act at once. Every step is recorded in the audit log.

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

from geo.errors import ModerationError, StoreError
from geo.grid import parent_cells
from geo.models import NAMED_CONFIDENCE, impact_for
from geo.reports.intake import PUBLIC_SOURCE
from geo.spatial import EARTH_RADIUS_KM, great_circle_km
from geo.store import READ_COLUMNS, Store, epoch_ms, events_frame
from geo.trust import AuditEntry, record

EVENT_SOURCE: Final[str] = "community"
"""Source of the events made from accepted reports."""
CONFIDENCE_LEVELS: Final[tuple[str, ...]] = ("low", "medium", "high", "confirmed")
"""Named confidence of an accepted report; the event stores its number (:data:`geo.models.NAMED_CONFIDENCE`)."""
DEFAULT_RETENTION: Final[timedelta] = timedelta(days=30)
MAX_REASON_CHARS: Final[int] = 500
RATE_WINDOW: Final[timedelta] = timedelta(hours=1)
"""How long a public report keeps its client's hashed key (the rate limit's clock hour)."""


@dataclass(frozen=True, slots=True)
class Moderator:
    """Who moderates: a user id, their role and where they work from (for the audit log)."""

    actor: str
    role: str = ""
    client: str = ""

    def __post_init__(self) -> None:
        if not self.actor.strip():
            raise ModerationError("a moderation step needs the moderator's name")


def _claim(store: Store, report_id: int, who: Moderator, at_ms: int, status: str, sets: dict[str, object]) -> None:
    """Move report ``report_id`` from ``new`` to ``status`` with ``sets``, or explain why it cannot move."""
    assignments = ", ".join(f"{name} = ?" for name in sets)
    if store.execute(f"UPDATE reports SET status = ?, moderated_by = ?, moderated_at_ms = ?, {assignments} "
                     "WHERE report_id = ? AND status = 'new'", [(status, who.actor, at_ms, *sets.values(), int(report_id))]):
        return
    rows = store.fetch("SELECT status, moderated_by FROM reports WHERE report_id = ?", [int(report_id)])
    if not rows:
        raise ModerationError(f"there is no report {report_id}")
    raise ModerationError(f"report {report_id} was already moderated ({rows[0][0]} by {rows[0][1]})")


def _report(store: Store, report_id: int) -> tuple[object, ...]:
    rows = store.fetch("SELECT report_id, source, received_at_ms, occurred_at_ms, lat, lon, cell, category FROM reports "
                       "WHERE report_id = ?", [int(report_id)])
    if not rows:
        raise ModerationError(f"there is no report {report_id}")
    return rows[0]


def accept_report(store: Store, report_id: int, *, confidence: str, moderator: Moderator,
                  now: datetime | None = None) -> str:
    """Accept a report: it becomes an open ``citizen_report`` event with ``confidence``; returns the event id."""
    if confidence not in CONFIDENCE_LEVELS:
        raise ModerationError(f"confidence must be one of {list(CONFIDENCE_LEVELS)}; got {confidence!r}")
    _, source, received_ms, occurred_ms, lat, lon, cell, category = _report(store, report_id)
    event_id, at_ms = f"report-{int(report_id)}", epoch_ms(now)
    _claim(store, report_id, moderator, at_ms, "accepted",
           {"confidence": confidence, "event_source": EVENT_SOURCE, "event_id": event_id})
    event = pd.DataFrame({
        "source": [EVENT_SOURCE], "event_id": [event_id], "type": ["citizen_report"],
        "occurred_at": pd.to_datetime([occurred_ms], unit="ms", utc=True),
        "received_at": pd.to_datetime([received_ms], unit="ms", utc=True), "lat": [float(lat)], "lon": [float(lon)],
        "persons": np.array([0], dtype=np.int64), "impact": impact_for(np.array(["citizen_report"]), np.array([0])),
        "confidence": [NAMED_CONFIDENCE[confidence]], "status": ["open"],
        "cell": np.array([int(cell)], dtype=np.int64).astype(np.uint64),
        "attrs": [json.dumps({"category": category, "report_id": int(report_id), "report_source": source})],
    })
    try:
        store.insert_events(event)
    except StoreError:
        # Give the report back to the queue rather than leave it accepted without its event.
        store.execute("UPDATE reports SET status = 'new', moderated_by = NULL, moderated_at_ms = NULL, confidence = NULL, "
                      "event_source = NULL, event_id = NULL WHERE report_id = ?", [(int(report_id),)])
        raise
    record(store, AuditEntry(actor=moderator.actor, role=moderator.role, client=moderator.client,
                             action="report_accepted", target=f"report {int(report_id)}",
                             detail=f"event {EVENT_SOURCE}/{event_id}, confidence {confidence}"), at=now)
    return event_id


def merge_report(store: Store, report_id: int, *, event_source: str, event_id: str, moderator: Moderator,
                 now: datetime | None = None) -> None:
    """Merge a report into an existing event (it corroborates the event and adds no new one)."""
    _report(store, report_id)
    if not store.fetch("SELECT 1 FROM events WHERE source = ? AND event_id = ?", [event_source, event_id]):
        raise ModerationError(f"there is no event {event_source}/{event_id} to merge report {report_id} into")
    _claim(store, report_id, moderator, epoch_ms(now), "merged", {"event_source": event_source, "event_id": event_id})
    record(store, AuditEntry(actor=moderator.actor, role=moderator.role, client=moderator.client,
                             action="report_merged", target=f"report {int(report_id)}",
                             detail=f"into event {event_source}/{event_id}"), at=now)


def reject_report(store: Store, report_id: int, *, reason: str, moderator: Moderator,
                  now: datetime | None = None) -> None:
    """Reject a report with a reason a colleague can understand later."""
    reason = reason.strip()
    if not reason:
        raise ModerationError("a rejection needs a reason")
    if len(reason) > MAX_REASON_CHARS:
        raise ModerationError(f"the reason is {len(reason)} characters long; at most {MAX_REASON_CHARS}")
    _claim(store, report_id, moderator, epoch_ms(now), "rejected", {"reason": reason})
    record(store, AuditEntry(actor=moderator.actor, role=moderator.role, client=moderator.client,
                             action="report_rejected", target=f"report {int(report_id)}", detail=reason), at=now)


def merge_candidates(store: Store, report_id: int, *, radius_km: float = 5.0, window: timedelta = timedelta(hours=12),
                     limit: int = 20) -> pd.DataFrame:
    """Events within ``radius_km`` and ``window`` either side of a report, nearest first, with ``distance_km``."""
    if radius_km <= 0 or window <= timedelta(0):
        raise ModerationError(f"radius_km and window must be positive; got {radius_km} and {window}")
    _, _, _, occurred_ms, lat, lon, _, _ = _report(store, report_id)
    lat, lon = float(lat), float(lon)
    # A box around the report narrows the rows read; the exact distance is then great-circle.
    dlat = np.degrees(radius_km / EARTH_RADIUS_KM)
    dlon = dlat / max(np.cos(np.radians(lat)), 1e-6)
    span = int(window.total_seconds() * 1000)
    rows = store.fetch(f"SELECT {', '.join(READ_COLUMNS)} FROM events WHERE lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? "
                       "AND occurred_at_ms BETWEEN ? AND ?",
                       [lat - dlat, lat + dlat, lon - dlon, lon + dlon, int(occurred_ms) - span, int(occurred_ms) + span])
    events = events_frame(rows)
    events["distance_km"] = great_circle_km(lat, lon, events["lat"], events["lon"])
    near = events[events["distance_km"] <= radius_km].sort_values(["distance_km", "occurred_at"])
    return near.head(limit).reset_index(drop=True)


def purge_contacts(store: Store, *, retention: timedelta = DEFAULT_RETENTION, now: datetime | None = None,
                   actor: str = "system") -> int:
    """Delete reporters' contact details older than ``retention``; returns how many reports lost theirs.

    Each report keeps ``contact_deleted_at_ms``. The public form's hashed client keys outlive their
    rate-limit hour by nothing: they are replaced by ``form-<report_id>`` in the same run.
    """
    if retention < timedelta(0):
        raise ModerationError(f"the retention period cannot be negative; got {retention}")
    now = now or datetime.now(timezone.utc)
    at_ms = epoch_ms(now)
    cutoff = epoch_ms(now - retention)
    ids = [int(r[0]) for r in store.fetch("SELECT report_id FROM reports WHERE contact IS NOT NULL AND received_at_ms < ?",
                                          [cutoff])]
    if ids:
        store.execute("UPDATE reports SET contact = NULL, contact_deleted_at_ms = ? WHERE report_id = ?",
                      [(at_ms, i) for i in ids])
        record(store, AuditEntry(actor=actor, action="contacts_purged", target=f"{len(ids)} reports",
                                 detail=f"contacts received before {now - retention:%Y-%m-%d %H:%M} UTC"), at=now)
    keyed = (PUBLIC_SOURCE, "c:%", epoch_ms(now - RATE_WINDOW))
    # Read first: the page runs this on every rerun, and a write would take the store's write lock each time.
    if store.fetch("SELECT 1 FROM reports WHERE source = ? AND external_id LIKE ? AND received_at_ms < ? LIMIT 1", keyed):
        store.execute("UPDATE reports SET external_id = 'form-' || CAST(report_id AS TEXT) "
                      "WHERE source = ? AND external_id LIKE ? AND received_at_ms < ?", [keyed])
    return len(ids)


def accepted_counts(events: pd.DataFrame, *, res: int, min_confidence: str = "low") -> pd.DataFrame:
    """Accepted community reports per H3 cell at ``res`` among ``events`` with at least ``min_confidence``.

    ``events`` is the event model (``source``, ``type``, ``confidence``, ``cell`` at the base
    resolution), e.g. one time window of the map's index. Returns ``cell`` (uint64) and ``reports``.
    """
    if min_confidence not in CONFIDENCE_LEVELS:
        raise ModerationError(f"min_confidence must be one of {list(CONFIDENCE_LEVELS)}; got {min_confidence!r}")
    # The store keeps the level's number: compare with a little slack for float round trips.
    chosen = events[(events["source"] == EVENT_SOURCE) & (events["type"] == "citizen_report")
                    & (events["confidence"].astype(float) >= NAMED_CONFIDENCE[min_confidence] - 1e-9)]
    cells, counts = np.unique(parent_cells(chosen["cell"].to_numpy(dtype=np.uint64), res), return_counts=True)
    return pd.DataFrame({"cell": cells.astype(np.uint64), "reports": counts.astype(np.int64)})
