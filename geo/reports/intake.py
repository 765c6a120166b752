"""Community reports: intake (the public form, partner feeds), the queue, and what the map may show of it.

A report is what a resident, an NGO or a partner saw: a place, a time, a category, a free text and
optionally a way to contact them. It lands in the ``reports`` table with status ``new`` and counts
for nothing until a moderator accepts it (:mod:`geo.reports.moderation`). Privacy rules kept here:

- ``contact`` leaves this module only through :func:`read_queue` with ``with_contact=True``
  (the moderation page); every other reader gets frames without it;
- unmoderated reports reach the map only as counts per coarse H3 cell (:func:`pending_counts`);
- the public form's client (an IP address) is never stored: a keyed hash of it sits in the
  report's ``external_id`` for the hour the rate limit needs it, and the retention job replaces it.

The rate limit holds across processes because it is enforced by the store's unique key
``(source, external_id)``: a client has ``max_reports`` slots per clock hour, each an
``external_id``, and an insert into a taken slot does nothing. A report, its slot and its audit
entry are written in one transaction: all of them land, or none.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Final

import numpy as np
import pandas as pd

from geo.errors import RateLimitError, ReportError, msg
from geo.grid import BASE_RES, latlng_to_cells, parent_cells
from geo.i18n import N_
from geo.store import (
    Db,
    add_reports,
    epoch_ms,
    find_report_id,
    meta_value,
    new_report_cells,
    queue_frame,
)
from geo.trust import AuditEntry, record

REPORT_CATEGORIES: Final[tuple[str, ...]] = (
    "people_crossing", "vehicle", "smuggling", "person_in_distress", "suspicious_activity", "other",
)
CATEGORY_LABELS: Final[dict[str, str]] = {
    "people_crossing": N_("People crossing the border"),
    "vehicle": N_("Vehicle in an unusual place"),
    "smuggling": N_("Goods being smuggled"),
    "person_in_distress": N_("Someone needs help"),
    "suspicious_activity": N_("Something suspicious"),
    "other": N_("Other"),
}
REPORT_STATUSES: Final[tuple[str, ...]] = ("new", "accepted", "merged", "rejected")
PUBLIC_SOURCE: Final[str] = "public-form"
"""Source name of reports sent through the public form."""
MAX_TEXT_CHARS: Final[int] = 2000
MAX_PLACE_CHARS: Final[int] = 120
MAX_CONTACT_CHARS: Final[int] = 200
FUTURE_TOLERANCE: Final[timedelta] = timedelta(minutes=15)
MAX_AGE: Final[timedelta] = timedelta(days=365)
"""Oldest occurrence a report may name; older ones are history, not a report."""
PENDING_RES: Final[int] = 5
"""H3 resolution (hexagons ~17 km across) at which unmoderated reports show on the map."""
_SALT_KEY: Final[str] = "report_client_salt"
_REFERENCE_KEY: Final[str] = "report_reference_key"
_REFERENCE_ALPHABET: Final[str] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""32 characters a reporter reads out on the phone without confusion (no I, O, 0, 1)."""
CLIENT_KEY_PREFIX: Final[str] = "c:"
"""How the ``external_id`` of a public report starts while it holds its client's hashed key."""


@dataclass(frozen=True, slots=True)
class ReportDraft:
    """A checked report, ready for the queue. Position in degrees (EPSG:4326), times UTC."""

    source: str
    external_id: str
    occurred_at: datetime
    lat: float
    lon: float
    category: str
    text: str = ""
    place: str = ""
    contact: str | None = None


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``max_reports`` reports per client and clock hour."""

    max_reports: int = 5

    def __post_init__(self) -> None:
        if not 1 <= self.max_reports <= 1000:
            raise ReportError(msg("max_reports must be in 1..1000; got {max_reports!r}",
                                  max_reports=self.max_reports))


def _fold(name: str) -> str:
    """A place name compared without case or accents ("Gevgelija" = "gevgelija" = "Gevgélija")."""
    return "".join(c for c in unicodedata.normalize("NFKD", name.strip().casefold()) if not unicodedata.combining(c))


def town_position(place: str, towns: pd.DataFrame) -> tuple[float, float, str]:
    """``(lat, lon, name)`` in degrees of the bundled town called ``place`` (case and accents ignored)."""
    wanted = _fold(place)
    names = towns["name"].astype(str)
    hits = towns[names.map(_fold) == wanted]
    if hits.empty:
        close = sorted(n for n in names if wanted[:3] and _fold(n).startswith(wanted[:3]))[:5]
        raise ReportError(msg("no town called {place!r} in the gazetteer; did you mean {towns}?",
                              place=place, towns=", ".join(close)) if close else
                          msg("no town called {place!r} in the gazetteer; pick the place on the map instead",
                              place=place), code="unknown_place")
    row = hits.iloc[0]
    return float(row["lat"]), float(row["lon"]), str(row["name"])


def _clean(text: str | None, *, limit: int, name: str) -> str:
    value = (text or "").strip()
    if "\x00" in value:
        raise ReportError(msg("{name} contains a NUL byte; send plain text", name=name), code="nul_byte")
    if len(value) > limit:
        raise ReportError(msg("{name} is {n:,} characters long; at most {limit:,} are accepted",
                              name=name, n=len(value), limit=limit))
    return value


def check_report(*, source: str, external_id: str, category: str, text: str, lat: float | None = None,
                 lon: float | None = None, place: str = "", contact: str | None = None,
                 occurred_at: datetime | None = None, towns: pd.DataFrame | None = None,
                 now: datetime | None = None) -> ReportDraft:
    """Check one report and return it as a draft for the queue.

    Parameters
    ----------
    source, external_id : str
        Where the report came from and its id there (unique together).
    category : str
        One of :data:`REPORT_CATEGORIES`.
    text : str
        What was seen, at most :data:`MAX_TEXT_CHARS` characters (may be empty).
    lat, lon : float, optional
        Position in degrees; without it, ``place`` must name a town of ``towns``.
    place : str
        A place name (kept as typed, at most :data:`MAX_PLACE_CHARS` characters).
    contact : str, optional
        How to reach the reporter; empty means none.
    occurred_at : datetime, optional
        When it happened (timezone-aware); default ``now``.
    towns : pandas.DataFrame, optional
        The gazetteer (``name``, ``lat``, ``lon``) that resolves typed place names.

    Raises
    ------
    ReportError
        With a message the reporter can act on.
    """
    now = now or datetime.now(timezone.utc)
    if category not in REPORT_CATEGORIES:
        raise ReportError(msg("category must be one of {report_categories}; got {category!r}",
                              report_categories=list(REPORT_CATEGORIES), category=category))
    text = _clean(text, limit=MAX_TEXT_CHARS, name="the description")
    place = _clean(place, limit=MAX_PLACE_CHARS, name="the place")
    contact = _clean(contact, limit=MAX_CONTACT_CHARS, name="the contact") or None
    if lat is None or lon is None:
        if not place:
            raise ReportError(msg("give the place: pick it on the map or type the name of a town"))
        if towns is None:
            raise ReportError(msg("a typed place name needs the town gazetteer; give a position instead"))
        lat, lon, place = town_position(place, towns)
    if not (np.isfinite(lat) and np.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ReportError(msg("position lat={lat} lon={lon} is out of range (lat -90..90, lon -180..180)",
                              lat=lat, lon=lon),
                          code="coordinates_out_of_range")
    occurred = occurred_at or now
    if occurred.tzinfo is None:
        raise ReportError(msg("the time of the report must carry a time zone"))
    if occurred > now + FUTURE_TOLERANCE:
        raise ReportError(msg("the time {occurred:%Y-%m-%d %H:%M} UTC is in the future", occurred=occurred),
                          code="future_date")
    if occurred < now - MAX_AGE:
        raise ReportError(msg("the time {occurred:%Y-%m-%d} is more than a year ago", occurred=occurred),
                          code="old_date")
    return ReportDraft(source=source, external_id=external_id, occurred_at=occurred, lat=float(lat), lon=float(lon),
                       category=category, text=text, place=place, contact=contact)


def _row(draft: ReportDraft, received_ms: int) -> tuple[object, ...]:
    cell = int(latlng_to_cells([draft.lat], [draft.lon], BASE_RES).astype(np.int64)[0])
    return (draft.source, draft.external_id, received_ms, epoch_ms(draft.occurred_at), draft.lat, draft.lon, cell,
            draft.category, draft.text, draft.place, draft.contact)


def insert_reports(db: Db, drafts: list[ReportDraft], *, actor: str, now: datetime | None = None) -> int:
    """Queue reports from a partner feed; ones already queued (same source and id) are skipped.

    Returns the number of new reports; one audit entry, in the same transaction, records them.
    """
    if not drafts:
        return 0
    sources = sorted({d.source for d in drafts})
    with db.transaction() as tx:
        added = add_reports(tx, [_row(d, epoch_ms(now)) for d in drafts])
        if added:
            record(tx, AuditEntry(actor=actor, action="report_submitted", target=f"{added} reports",
                                  detail=f"from {', '.join(sources)}"), at=now)
    return added


def _client_salt(db: Db) -> bytes:
    """A random secret of this store, made on first use, that keys the hash of client addresses."""
    return bytes.fromhex(meta_value(db, _SALT_KEY, default=secrets.token_hex(16)))


def report_reference(db: Db, report_id: int) -> str:
    """The reference a reporter is given for a report, e.g. ``"K7QX-2MPA"``: a keyed hash of its ``report_id``
    under this store's own secret, so that it names the report to the control room (which can compute it) but
    says nothing about how many reports the store holds or were sent before (a number would leak that)."""
    key = bytes.fromhex(meta_value(db, _REFERENCE_KEY, default=secrets.token_hex(16)))
    digest = int.from_bytes(hmac.new(key, f"report:{int(report_id)}".encode(), hashlib.sha256).digest()[:5], "big")
    chars = "".join(_REFERENCE_ALPHABET[(digest >> (5 * i)) & 31] for i in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def client_key(db: Db, client: str, *, hour: int) -> str:
    """A keyed hash of a client address in one clock ``hour`` (hours since the epoch).

    Useless for recovering the address without the store's secret, and different every hour, so
    that reports of one client cannot be linked across hours.
    """
    return hmac.new(_client_salt(db), f"{hour}:{client}".encode(), hashlib.sha256).hexdigest()[:20]


def client_address(*, peer: str | None, forwarded_for: str | None, proxy_hops: int = 0) -> str:
    """The address a report came from: the TCP peer, or behind ``proxy_hops`` trusted reverse proxies the
    ``X-Forwarded-For`` entry the outermost of them appended (entries further left are the client's to forge).
    """
    if proxy_hops > 0:
        chain = [a.strip() for a in (forwarded_for or "").split(",") if a.strip()]
        if len(chain) >= proxy_hops:
            return chain[-proxy_hops]
    return peer or "unknown"


def submit_report(db: Db, draft: ReportDraft, *, client: str, limit: RateLimit = RateLimit(),
                  now: datetime | None = None) -> int:
    """Queue a public form report from ``client`` (an address); returns its ``report_id``.

    ``draft.external_id`` is ignored: the report takes the client's first free slot of the hour.

    Raises
    ------
    RateLimitError
        When the client has used all ``limit.max_reports`` slots of this clock hour.
    """
    now = now or datetime.now(timezone.utc)
    received = epoch_ms(now)
    hour = received // 3_600_000
    with db.transaction() as tx:
        key = client_key(tx, client, hour=hour)
        for slot in range(limit.max_reports):
            external_id = f"{CLIENT_KEY_PREFIX}{key}:{hour}:{slot}"
            row = _row(replace(draft, source=PUBLIC_SOURCE, external_id=external_id), received)
            # The slot is ours if our insert changed a row (a taken slot keeps the earlier report).
            if add_reports(tx, [row]):
                report_id = find_report_id(tx, source=PUBLIC_SOURCE, external_id=external_id)
                # Denied attempts are not audited: a flood of them would fill the log, not inform it. The
                # append-only log gets no client key either: it would outlive the purge of the queue's.
                record(tx, AuditEntry(actor="public", action="report_submitted", target=f"report {report_id}",
                                      detail=draft.category, client=PUBLIC_SOURCE), at=now)
                return int(report_id)  # type: ignore[arg-type]
    wait_min = int(((hour + 1) * 3_600_000 - received) // 60_000) + 1
    raise RateLimitError(msg("at most {max_reports} reports an hour can be sent from one connection; try again in "
                             "{wait_min} min", max_reports=limit.max_reports, wait_min=wait_min))


def read_queue(db: Db, *, statuses: tuple[str, ...] = ("new",), with_contact: bool = False,
               newest_first: bool = False, limit: int = 500) -> pd.DataFrame:
    """Up to ``limit`` reports of ``statuses`` by time received (oldest first unless ``newest_first``), times as
    UTC datetimes; ``contact`` only with ``with_contact``."""
    unknown = sorted(set(statuses) - set(REPORT_STATUSES))
    if unknown:
        raise ReportError(msg("unknown report status(es) {unknown}; statuses are {report_statuses}",
                              unknown=unknown, report_statuses=list(REPORT_STATUSES)))
    return queue_frame(db, statuses=statuses, with_contact=with_contact, newest_first=newest_first, limit=limit)


def pending_counts(db: Db, *, res: int = PENDING_RES) -> pd.DataFrame:
    """Unmoderated reports per H3 cell at ``res`` (coarse): ``cell`` (uint64) and ``reports``; nothing else."""
    parents, counts = np.unique(parent_cells(new_report_cells(db), res), return_counts=True)
    return pd.DataFrame({"cell": parents.astype(np.uint64), "reports": counts.astype(np.int64)})
