"""Turn raw rows (all text) into model-shaped events, and every rejected row into a quarantine record.

Vectorised over a chunk. Each row is checked field by field; the first failed check names the
row's reason (a short code, counted in import reports) and a detail a person can act on. Rules:

- position: latitude in [-90, 90], longitude in [-180, 180], not (0, 0);
- time: parseable, within what pandas/Arrow hold (1677-2262) and not before ``earliest``
  (:data:`EARLIEST_EVENT` unless the settings say otherwise); naive times are UTC; not later
  than ``now`` + :data:`FUTURE_TOLERANCE`;
- source: a row's own source may not be the bundled scenario's (its refresh replaces those rows);
- unknown: a text of the mapping's ``na_values`` ("NA") is an empty value;
- persons: whole numbers >= 0 (thousands separators allowed), summed over the mapped columns,
  empty = 0; parts given as unknown add nothing and are named in ``attrs["persons_unknown"]``;
- type: one of the event types, directly, through the mapping's ``[types]`` or ``[[match]]``
  rules, else the default (impact, status and confidence take ``[values.<field>]`` and rules too);
- impact, status, confidence: from the vocabulary when given; impact is derived from type and
  persons when the file has none; imported rows without status are ``closed``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.grid import BASE_RES, latlng_to_cells
from geo.i18n import N_
from geo.ingest._times import parse_times
from geo.ingest.mapping import Mapping, ResolvedMapping
from geo.models import (
    EVENT_STATUSES,
    EVENT_TYPE_LABELS,
    EVENT_TYPES,
    IMPACT_LEVELS,
    NAMED_CONFIDENCE,
    SCENARIO_SOURCE,
    impact_for,
)
from geo.settings import EARLIEST_EVENT

MAX_PERSONS: Final[int] = 2**31 - 1
"""Largest person count a row may carry (the store's INTEGER column)."""
FUTURE_TOLERANCE: Final[timedelta] = timedelta(minutes=15)
"""Clock skew allowed between a source and us before a time counts as 'in the future'."""

REASONS: Final[dict[str, str]] = {
    "missing_coordinates": N_("no position"),
    "bad_coordinates": N_("position not readable as numbers"),
    "coordinates_out_of_range": N_("latitude or longitude out of range"),
    "null_island": N_("position is (0, 0)"),
    "missing_geometry": N_("feature without geometry"),
    "not_a_point": N_("geometry is not a point"),
    "bad_date": N_("time missing, not readable, out of range or before the earliest accepted"),
    "future_date": N_("time in the future"),
    "missing_id": N_("no event id"),
    "unknown_type": N_("event type not recognised"),
    "bad_persons": N_("persons not a whole number >= 0"),
    "bad_impact": N_("impact not one of low/medium/high/very_high"),
    "bad_confidence": N_("confidence not in 0..1 or a named level"),
    "bad_status": N_("status not open/closed"),
    "invalid_geometry": N_("geometry present but unreadable (GEOS refuses it, or NaN or text coordinates)"),
    "malformed_row": N_("row could not be parsed (wrong number of fields, or rows folded by an unbalanced quote)"),
    "oversized_row": N_("line or field longer than the reader takes"),
    "bad_encoding": N_("line is not UTF-8 text"),
    "reserved_source": N_("source name reserved for the bundled scenario"),
    "nul_byte": N_("text contains a NUL byte (binary data in a text field)"),
}
"""Quarantine reason codes (stable: the store and CSVs keep them) and what they mean, in English: shown through
:meth:`geo.i18n.Translator.gettext` in the reader's language."""


@dataclass(frozen=True)
class ChunkResult:
    """Valid events (model columns) and quarantine records of one chunk."""

    events: pd.DataFrame
    quarantine: pd.DataFrame


class _Verdict:
    """The first failed check of each row."""

    def __init__(self, n: int) -> None:
        self.reason = np.full(n, None, dtype=object)
        self.detail = np.full(n, "", dtype=object)

    def fail(self, mask: npt.NDArray[np.bool_], code: str, template: str, *values: pd.Series) -> None:
        """Mark rows of ``mask`` not failed yet with ``code``; ``template.format(*values at the row)`` explains.

        Details are formatted only for the failing rows, so clean chunks pay nothing for them.
        """
        new = np.flatnonzero(mask & (self.reason == None))  # noqa: E711 - elementwise on an object array
        if new.size == 0:
            return
        self.reason[new] = code
        self.detail[new] = [template.format(*(v.iat[i] for v in values)) for i in new] if values else template

    @property
    def ok(self) -> npt.NDArray[np.bool_]:
        return self.reason == None  # noqa: E711


def _literal(text: str) -> str:
    """``text`` safe inside a ``str.format`` template."""
    return text.replace("{", "{{").replace("}", "}}")


def _text(frame: pd.DataFrame, column: str | None) -> pd.Series:
    if column is None:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[column].fillna("").astype(str).str.strip()


def _numbers(text: pd.Series, *, thousands: bool) -> pd.Series:
    """Floats from text; NaN where empty or unreadable. Clean columns take a fast vectorised cast."""
    blank = text == ""
    try:
        return text.where(~blank, "nan").astype("float64")
    except (ValueError, TypeError):
        pass
    cleaned = text.str.replace(r"[,\s]", "", regex=True) if thousands else text
    return pd.to_numeric(cleaned.where(~blank, None), errors="coerce")


def _blank_unknown(frame: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """``frame`` with every text the mapping calls unknown (``na_values``) made empty."""
    out = None
    for column in frame.columns:
        na = mapping.na_for(str(column))
        if not na:
            continue
        unknown = frame[column].fillna("").astype(str).str.strip().str.lower().isin(na)
        if unknown.any():
            out = frame.copy() if out is None else out
            out.loc[unknown, column] = ""
    return frame if out is None else out


def _translate(text: pd.Series, mapping: Mapping, name: str, *, vocabulary: dict[str, str]) -> pd.Series:
    """Field ``name``'s values translated: the exact table, then the ``[[match]]`` rules in order, then
    ``vocabulary`` (lower-cased text -> our value); ``None`` where nothing fits. Each distinct value once."""
    table, rules = mapping.value_table(name), mapping.rules(name)

    def one(value: str) -> str | None:
        key = value.lower()
        if key in table:
            return table[key]
        if value:
            for rule in rules:
                if rule.matches(value):
                    return rule.value
        return vocabulary.get(key)

    codes, uniques = pd.factorize(text)
    mapped = np.array([one(str(u)) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=text.index, dtype=object)


def _lookup(text: pd.Series, table: dict[str, str]) -> pd.Series:
    """``table[value]`` per row (NaN where absent), looking up each distinct value once."""
    codes, uniques = pd.factorize(text)
    mapped = np.array([table.get(u) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=text.index, dtype=object)  # code -1 (missing) picks the None


def _positions(frame: pd.DataFrame, resolved: ResolvedMapping, verdict: _Verdict) -> tuple[pd.Series, pd.Series]:
    column = resolved.column
    if column["coordinates"] is not None and (column["lat"] is None or column["lon"] is None):
        packed = _text(frame, column["coordinates"])
        # Three text columns: before, separator, after (none at all for an empty chunk).
        parts = packed.str.partition(",") if len(packed) else pd.DataFrame({0: packed, 2: packed})
        lat_text, lon_text = parts[0].astype(str).str.strip(), parts[2].astype(str).str.strip()
        shown = packed
    else:
        lat_text, lon_text = _text(frame, column["lat"]), _text(frame, column["lon"])
        shown = None
    lat, lon = _numbers(lat_text, thousands=False), _numbers(lon_text, thousands=False)
    verdict.fail(((lat_text == "") | (lon_text == "")).to_numpy(), "missing_coordinates", "no position in the row")
    if shown is None:
        verdict.fail((lat.isna() | lon.isna()).to_numpy(), "bad_coordinates", "position lat={} lon={}", lat_text, lon_text)
    else:
        verdict.fail((lat.isna() | lon.isna()).to_numpy(), "bad_coordinates", "position '{}'", shown)
    return lat, lon


def _check_position(lat: pd.Series, lon: pd.Series, verdict: _Verdict) -> None:
    out = ~(lat.between(-90, 90) & lon.between(-180, 180))
    verdict.fail(out.to_numpy(), "coordinates_out_of_range", "position lat={} lon={} (need lat -90..90, lon -180..180)",
                 lat, lon)
    verdict.fail(((lat == 0) & (lon == 0)).to_numpy(), "null_island", "position is (0, 0), a placeholder, not a place")


def _types(frame: pd.DataFrame, resolved: ResolvedMapping, verdict: _Verdict) -> pd.Series:
    mapping = resolved.mapping
    raw = _text(frame, resolved.column["type"])
    by_label = {label.lower(): name for name, label in EVENT_TYPE_LABELS.items()}
    types = _translate(raw, mapping, "type", vocabulary={**{t: t for t in EVENT_TYPES}, **by_label})
    if mapping.default_type is not None:
        types = types.fillna(mapping.default_type)
    verdict.fail(types.isna().to_numpy(), "unknown_type",
                 "type '{}' is not one of " + ", ".join(EVENT_TYPES) + " (add it to the mapping's [types])", raw)
    return types.fillna("other")


def _persons(frame: pd.DataFrame, raw: pd.DataFrame, resolved: ResolvedMapping, verdict: _Verdict
             ) -> tuple[pd.Series, list[list[str]]]:
    """The summed persons, and per row the parts the file gave as unknown (``na_values``), which add nothing."""
    total = pd.Series(0, index=frame.index, dtype=np.int64)
    unknown: list[list[str]] = [[] for _ in range(len(frame))]
    for column in resolved.persons:
        text = _text(frame, column)
        value = _numbers(text, thousands=True)
        bad = (text != "") & (value.isna() | (value < 0) | (value % 1 != 0) | (value > MAX_PERSONS))
        verdict.fail(bad.to_numpy(), "bad_persons", _literal(column) + " = '{}'", text)
        total += value.where(~bad, 0).fillna(0).astype(np.int64)
        for i in np.flatnonzero(((text == "") & (_text(raw, column) != "")).to_numpy()):
            unknown[i].append(column)
    return total, unknown


def _confidence(frame: pd.DataFrame, resolved: ResolvedMapping, verdict: _Verdict) -> pd.Series:
    text = _text(frame, resolved.column["confidence"])
    if resolved.mapping.value_table("confidence") or resolved.mapping.rules("confidence"):
        text = _translate(text, resolved.mapping, "confidence", vocabulary={}).fillna(text).astype(str)
    value = _numbers(text, thousands=False) / resolved.mapping.confidence_scale
    if value.isna().any():
        value = value.fillna(_lookup(text.str.lower(), {k: str(v) for k, v in NAMED_CONFIDENCE.items()}).astype(float))
    bad = (text != "") & (value.isna() | ~value.between(0, 1))
    verdict.fail(bad.to_numpy(), "bad_confidence", "confidence '{}'", text)
    return value.where(~bad)


def _vocabulary(frame: pd.DataFrame, resolved: ResolvedMapping, name: str, allowed: tuple[str, ...], code: str,
                verdict: _Verdict) -> pd.Series:
    column = resolved.column[name]
    text = _text(frame, column)
    if resolved.mapping.value_table(name) or resolved.mapping.rules(name):
        text = _translate(text, resolved.mapping, name, vocabulary={}).fillna(text).astype(str)
    text = text.str.lower().str.replace(" ", "_")
    bad = (text != "") & ~text.isin(allowed)
    verdict.fail(bad.to_numpy(), code, _literal(str(column)) + " '{}' (allowed: " + ", ".join(allowed) + ")", text)
    return text


def _ids(frame: pd.DataFrame, resolved: ResolvedMapping, verdict: _Verdict, lat: pd.Series, lon: pd.Series
         ) -> pd.Series:
    column = resolved.column["event_id"]
    if column is None:
        # No id column: a stable hash of the whole row and its position (spatial files keep the
        # position outside the attributes), so that re-importing the file is idempotent.
        keyed = frame.assign(_lat=lat.to_numpy(), _lon=lon.to_numpy())
        return keyed.apply(lambda row: hashlib.sha1(json.dumps(row.tolist(), default=str).encode()).hexdigest()[:20],
                           axis=1).astype(object)
    ids = _text(frame, column)
    verdict.fail((ids == "").to_numpy(), "missing_id", f"empty {column}")
    return ids


def _attrs(frame: pd.DataFrame, columns: tuple[str, ...], unknown_persons: list[list[str]]) -> list[str]:
    if not columns and not any(unknown_persons):
        return ["{}"] * len(frame)
    records = frame[list(columns)].fillna("").astype(str).to_dict(orient="records")
    out = []
    for record, unknown in zip(records, unknown_persons, strict=True):
        merged: dict[str, object] = {"persons_unknown": unknown} if unknown else {}
        for key, value in record.items():
            if key == "attrs" and value.startswith("{"):
                try:
                    merged.update(json.loads(value))
                    continue
                except json.JSONDecodeError:
                    pass
            if value != "":
                merged[key] = value
        out.append(json.dumps(merged, ensure_ascii=False, sort_keys=True))
    return out


def _objects(values: npt.ArrayLike) -> pd.Series:
    """Text kept as Python objects: the store binds them as they are (no Arrow round trip)."""
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def validate_chunk(frame: pd.DataFrame, resolved: ResolvedMapping, *, source: str, file_name: str, first_row: int,
                   now: datetime, geometry_lonlat: tuple[pd.Series, pd.Series, pd.Series] | None = None,
                   row_numbers: npt.NDArray[np.int64] | None = None, earliest: datetime = EARLIEST_EVENT) -> ChunkResult:
    """Check and convert one chunk of raw rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        Raw rows, every value text (``""`` for empty); the index is irrelevant.
    resolved : ResolvedMapping
        The mapping fitted to the file's columns.
    source, file_name : str
        Source name of the events and the file they came from (for the quarantine).
    first_row : int
        1-based number of the chunk's first data row in the file.
    now : datetime
        The import time (UTC): the limit for future dates and ``received_at`` when not given.
    geometry_lonlat : (lon, lat, problem), optional
        Positions from a spatial file's geometry, with a quarantine code per row (or ``None``).
    row_numbers : numpy.ndarray, optional
        Each row's number in the file when they are not ``first_row``, ``first_row + 1``, ...
    earliest : datetime
        Rows timed before it are ``bad_date``.
    """
    raw_frame = frame.reset_index(drop=True)
    frame = _blank_unknown(raw_frame, resolved.mapping)
    verdict = _Verdict(len(frame))
    for column in frame.columns:
        # PostgreSQL cannot store NUL in text; such a row is binary garbage, not an event.
        nul = frame[column].astype(str).str.contains("\x00", regex=False).to_numpy(dtype=bool)
        verdict.fail(nul, "nul_byte", f"NUL byte in {_literal(str(column))}")
    if geometry_lonlat is not None:
        lon, lat, problem = geometry_lonlat
        for code in ("missing_geometry", "invalid_geometry", "not_a_point"):
            verdict.fail((problem == code).to_numpy(), code, REASONS[code])
        lon, lat = lon.reset_index(drop=True), lat.reset_index(drop=True)
    else:
        lat, lon = _positions(frame, resolved, verdict)
    _check_position(lat, lon, verdict)
    when_text = _text(frame, resolved.column["occurred_at"])
    occurred = parse_times(when_text, resolved.mapping.date_formats)
    verdict.fail(occurred.isna().to_numpy(), "bad_date", "time '{}' not readable, or outside 1677-2262", when_text)
    verdict.fail((occurred < pd.Timestamp(earliest)).to_numpy(), "bad_date",
                 "time {} is before " + f"{earliest:%Y-%m-%d}" + ", the earliest accepted", when_text)
    verdict.fail((occurred > pd.Timestamp(now + FUTURE_TOLERANCE)).to_numpy(), "future_date",
                 "time {} is after the import time " + f"{now:%Y-%m-%d %H:%M} UTC", when_text)
    if resolved.column["source"] is not None:
        own = _text(frame, resolved.column["source"])
        verdict.fail((own.str.lower() == SCENARIO_SOURCE).to_numpy(), "reserved_source",
                     f"source '{SCENARIO_SOURCE}' is reserved for the bundled scenario")
    ids = _ids(frame, resolved, verdict, lat, lon)
    types = _types(frame, resolved, verdict)
    persons, unknown_persons = _persons(frame, raw_frame, resolved, verdict)
    impact = _vocabulary(frame, resolved, "impact", IMPACT_LEVELS, "bad_impact", verdict)
    status = _vocabulary(frame, resolved, "status", EVENT_STATUSES, "bad_status", verdict)
    confidence = _confidence(frame, resolved, verdict)
    received_text = _text(frame, resolved.column["received_at"])
    received = parse_times(received_text, resolved.mapping.date_formats).fillna(pd.Timestamp(now))

    ok = verdict.ok
    good = np.flatnonzero(ok)
    impact_ok = impact.to_numpy(dtype=object)[good]
    derived = impact_for(types.to_numpy()[good], persons.to_numpy()[good])
    events = pd.DataFrame(
        {
            "source": _objects(np.full(good.size, source, dtype=object) if resolved.column["source"] is None
                               else _text(frame, resolved.column["source"]).to_numpy(dtype=object)[good]),
            "event_id": _objects(ids.to_numpy(dtype=object)[good]),
            "type": _objects(types.to_numpy(dtype=object)[good]),
            "occurred_at": occurred.to_numpy(dtype="datetime64[ns]")[good],
            "received_at": received.to_numpy(dtype="datetime64[ns]")[good],
            "lat": lat.to_numpy(dtype=float)[good],
            "lon": lon.to_numpy(dtype=float)[good],
            "persons": persons.to_numpy()[good],
            "impact": _objects(np.where(impact_ok == "", derived, impact_ok)),
            "confidence": confidence.to_numpy(dtype=float)[good],
            "status": _objects(np.where(status.to_numpy(dtype=object)[good] == "", "closed",
                                        status.to_numpy(dtype=object)[good])),
            "cell": latlng_to_cells(lat.to_numpy(dtype=float)[good], lon.to_numpy(dtype=float)[good], BASE_RES),
            "attrs": _objects(np.asarray(_attrs(frame.iloc[good], resolved.attrs,
                                                [unknown_persons[i] for i in good]), dtype=object)),
        }
    )
    events["occurred_at"] = pd.to_datetime(events["occurred_at"], utc=True)
    events["received_at"] = pd.to_datetime(events["received_at"], utc=True)
    if (events["source"] == "").any():
        events.loc[events["source"] == "", "source"] = source
    bad = np.flatnonzero(~ok)
    raw = raw_frame.iloc[bad].to_dict(orient="records")
    quarantine = pd.DataFrame(
        {
            "source": source,
            "file_name": file_name,
            "row_number": bad + first_row if row_numbers is None else np.asarray(row_numbers)[bad],
            "reason": verdict.reason[bad].astype(str),
            "detail": verdict.detail[bad].astype(str),
            "raw": [json.dumps(r, ensure_ascii=False, default=str) for r in raw],
        }
    )
    return ChunkResult(events=events, quarantine=quarantine)
