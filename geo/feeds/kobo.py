"""Community reports from the platforms partners already use, polled into the reports queue (not as events).

KoboToolbox (``kind = "kobo"``): the submissions of one form, ``GET /api/v2/assets/<uid>/data/``
with ``format=json``, ``limit``, ``sort`` and a MongoDB ``query`` on ``_id``; a page is
``{"count", "next", "previous", "results": [...]}`` and ``next`` is followed. Each submission
carries ``_id`` (increasing: the cursor), ``_submission_time`` (naive UTC), ``_geolocation``
``[lat, lon]``, ``_validation_status`` and the form's own fields, named as in its XLSForm (a
group prefixes them: ``report/category``). The form's fields are mapped by name
(:data:`DEFAULT_FIELDS`, overridable per feed); a geopoint is ``"lat lon altitude accuracy"``.

A submission that cannot become a report goes to the quarantine with a reason: not a JSON object,
no ``_id``, no position (and no known town), an unreadable or out-of-range position, an unreadable
or future time, or a field the checks refuse. Submissions a partner marked "not approved" are skipped.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any, Final

import pandas as pd

from geo.errors import FeedError, ReportError, msg
from geo.feeds.formats import ParsedPage
from geo.region import Region
from geo.reports import CATEGORY_LABELS, MAX_PLACE_CHARS, MAX_TEXT_CHARS, REPORT_CATEGORIES, ReportDraft, check_report

REPORT_KINDS: Final[tuple[str, ...]] = ("kobo",)
DEFAULT_FIELDS: Final[dict[str, str]] = {
    "category": "category", "text": "description", "place": "place", "contact": "contact", "location": "location",
    "occurred_at": "occurred_at",
}
"""Our report field -> the form's field name (the last path segment, so any group matches)."""
NOT_APPROVED: Final[str] = "validation_status_not_approved"

Problem = tuple[str, str, str]


def parse_kobo(payload: bytes) -> ParsedPage:
    """One page of KoboToolbox submissions: raw records in ``reports``, ``next`` link, the newest ``_id`` as cursor."""
    try:
        doc = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FeedError(msg("KoboToolbox payload is not valid JSON ({exc})", exc=exc)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise FeedError(msg("KoboToolbox payload has no 'results' list of submissions"))
    page = ParsedPage(next_url=doc["next"] if isinstance(doc.get("next"), str) else None)
    newest = None
    for record in doc["results"]:
        record_id = record.get("_id") if isinstance(record, dict) else None
        # The cursor passes every record seen, usable or not: a broken one is quarantined once.
        if isinstance(record_id, int) and not isinstance(record_id, bool):
            newest = record_id if newest is None else max(newest, record_id)
        page.reports.append(record)
    page.cursor = None if newest is None else str(newest)
    return page


def kobo_params(*, cursor: str | None, page_size: int) -> dict[str, str]:
    """Query parameters of the first page: oldest first, past the cursor (the last ``_id`` seen)."""
    params = {"format": "json", "limit": str(page_size), "sort": json.dumps({"_id": 1})}
    if cursor:
        params["query"] = json.dumps({"_id": {"$gt": int(cursor)}})
    return params


def _field(record: dict[str, Any], name: str) -> Any:
    """A form field by name, whatever group it sits in (``group/name``)."""
    if name in record:
        return record[name]
    return next((v for k, v in record.items() if k.rsplit("/", 1)[-1] == name), None)


def _category(value: Any) -> str:
    """Our category for a form's choice: our name or label (any case), else ``other``."""
    text = str(value or "").strip().lower().replace(" ", "_")
    by_label = {label.lower().replace(" ", "_"): name for name, label in CATEGORY_LABELS.items()}
    return text if text in REPORT_CATEGORIES else by_label.get(text, "other")


@lru_cache(maxsize=4)
def _towns(region: Region | None) -> pd.DataFrame:
    """The towns that resolve a typed place name: the region's (the bundled region's when ``None``)."""
    from geo.spatial import load_towns  # read only when a submission names a place without a position

    return load_towns(region)


def _position(record: dict[str, Any], fields: dict[str, str]) -> tuple[float | None, float | None]:
    point = _field(record, fields["location"])
    if isinstance(point, str) and point.strip():
        parts = point.split()
        if len(parts) < 2:
            raise ValueError(point)
        return float(parts[0]), float(parts[1])
    geolocation = record.get("_geolocation")
    if isinstance(geolocation, list) and len(geolocation) >= 2 and None not in geolocation[:2]:
        return float(geolocation[0]), float(geolocation[1])
    return None, None


def _time(value: Any) -> datetime:
    stamp = pd.Timestamp(str(value))
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")).to_pydatetime()


def kobo_drafts(records: list[Any], *, source: str, fields: dict[str, str], now: datetime,
                region: Region | None = None) -> tuple[list[ReportDraft], list[Problem], int]:
    """Submissions as report drafts, problems ``(reason, detail, raw)`` for the quarantine, and the skipped count.

    A submission with a typed place and no position is placed at the ``region``'s town of that name."""
    names = {**DEFAULT_FIELDS, **fields}
    drafts: list[ReportDraft] = []
    problems: list[Problem] = []
    skipped = 0
    for record in records:
        raw = json.dumps(record, ensure_ascii=False, default=str)[:2000]
        if not isinstance(record, dict):
            problems.append(("malformed_record", "a submission that is not a JSON object", raw))
            continue
        if record.get("_id") in (None, ""):
            problems.append(("missing_id", "a submission without _id", raw))
            continue
        status = record.get("_validation_status")
        if isinstance(status, dict) and status.get("uid") == NOT_APPROVED:
            skipped += 1
            continue
        try:
            lat, lon = _position(record, names)
        except (TypeError, ValueError):
            problems.append(("bad_coordinates", f"position {_field(record, names['location'])!r} is not 'lat lon'", raw))
            continue
        place = str(_field(record, names["place"]) or "")
        if lat is None and not place:
            problems.append(("missing_coordinates", "no position and no place name", raw))
            continue
        when = _field(record, names["occurred_at"]) or record.get("_submission_time")
        try:
            occurred = _time(when)
        except (TypeError, ValueError):
            problems.append(("bad_date", f"time {when!r} not readable", raw))
            continue
        text = str(_field(record, names["text"]) or "")
        try:
            drafts.append(check_report(
                source=source, external_id=str(record["_id"]), category=_category(_field(record, names["category"])),
                # A partner's long note is kept, shortened, rather than lost.
                text=text if len(text) <= MAX_TEXT_CHARS else text[: MAX_TEXT_CHARS - 1] + "…",
                lat=lat, lon=lon, place=place[:MAX_PLACE_CHARS], contact=str(_field(record, names["contact"]) or ""),
                occurred_at=occurred, towns=_towns(region) if lat is None else None, now=now))
        except ReportError as exc:
            problems.append((exc.code, str(exc), raw))
    return drafts, problems, skipped


