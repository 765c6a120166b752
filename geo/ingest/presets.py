"""The mapping presets (``native``, ``iom``, ``generic``) and how a file's mapping is chosen or detected.

``native`` is our own column names; ``iom`` the IOM Missing Migrants exports of every year (the
global download and the curated regional files); ``generic`` a guess from common column names,
refused when two columns fit one field. A TOML file (:func:`geo.ingest.mapping.mapping_from_toml`)
describes any other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from geo.errors import MappingError, msg
from geo.ingest.mapping import Mapping, MatchRule, find_column, mapping_from_toml

NATIVE: Final[Mapping] = Mapping(
    name="native",
    columns={f: (f,) for f in ("event_id", "source", "occurred_at", "received_at", "lat", "lon", "type", "persons",
                                 "impact", "confidence", "status", "attrs")},
)

IOM: Final[Mapping] = Mapping(
    name="iom",
    source="iom-mmp",
    columns={
        "event_id": ("Incident ID", "Web ID", "Main ID"),
        "occurred_at": ("Incident Date", "Reported Date"),
        # The curated regional exports give separate columns; the global download "lat, lon" in one.
        "lat": ("Latitude",),
        "lon": ("Longitude",),
        "coordinates": ("Coordinates", "Location Coordinates"),
        "type": ("Cause of Death",),
        "persons": ("Number Dead", "Number of Dead", "Minimum Estimated Number of Missing", "Number of Survivors"),
        "confidence": ("Source Quality",),
        "attrs": ("Region", "Region of Incident", "Incident Type", "Cause of Death", "Migration route",
                  "Migration Route", "Location of death", "Location of Incident", "Location Description",
                  "Country of Incident", "Number Dead", "Number of Dead", "Minimum Estimated Number of Missing",
                  "Number of Survivors", "Country of Origin", "URL"),
    },
    # A drowning is a search-and-rescue case for a border police, presumed or among mixed causes
    # ("Drowning,Violence"); other deaths are recorded as "other".
    type_values={"Drowning": "search_and_rescue"},
    match=(MatchRule(field="type", contains="drowning", value="search_and_rescue"),),
    default_type="other",
    date_formats=("%a, %m/%d/%Y - %H:%M", "%B %d, %Y", "%m/%d/%Y", "%Y-%m-%d"),
    confidence_scale=5.0,
    na_values=("NA", "N/A"),
)

_GENERIC_NAMES: Final[dict[str, tuple[str, ...]]] = {
    "event_id": ("event_id", "id", "uid", "uuid", "incident_id"),
    "occurred_at": ("occurred_at", "timestamp", "datetime", "date_time", "time", "date", "event_time", "observed_at"),
    "lat": ("lat", "latitude", "y", "lat_dd"),
    "lon": ("lon", "lng", "long", "longitude", "x", "lon_dd"),
    "type": ("type", "event_type", "category", "kind"),
    "persons": ("persons", "people", "count", "number", "num_persons"),
    "impact": ("impact",),
    "confidence": ("confidence",),
    "status": ("status",),
}

PRESETS: Final[dict[str, Mapping]] = {"native": NATIVE, "iom": IOM}


def choose_mapping(spec: str | Path | Mapping | None, columns: list[str]) -> Mapping:
    """The mapping for a file with ``columns``.

    ``spec`` is a :class:`Mapping`, a preset name (``native``, ``iom``, ``generic``), a TOML
    mapping file, or ``None`` to detect the preset from the columns.
    """
    if isinstance(spec, Mapping):
        return spec
    if spec is None:
        return detect_mapping(columns)
    if str(spec) == "generic":
        return generic_mapping(columns)
    if str(spec) in PRESETS:
        return PRESETS[str(spec)]
    path = Path(spec)
    if not path.is_file():
        raise MappingError(msg("no mapping preset or file {spec!r}; presets are {presets}",
                               spec=str(spec), presets=[*sorted(PRESETS), "generic"]))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise MappingError(msg("mapping file {name} is not UTF-8 text: {exc}", name=path.name, exc=exc)) from None
    return mapping_from_toml(text, default_name=path.stem)


def detect_mapping(columns: list[str]) -> Mapping:
    """The preset that fits ``columns``: native, IOM, or a generic mapping guessed from column names."""
    present = set(columns)
    if {"event_id", "source", "type", "occurred_at", "lat", "lon"} <= present:
        return NATIVE
    if find_column(IOM.columns["occurred_at"], columns) is not None:
        if find_column(IOM.columns["coordinates"], columns) is not None:
            return IOM
        # Separate Latitude/Longitude are common: only IOM's own columns tell its curated exports apart.
        iom_only = ("Cause of Death", "Minimum Estimated Number of Missing", "Number of Dead", "Number Dead")
        if find_column(IOM.columns["lat"], columns) and find_column(IOM.columns["lon"], columns) \
                and find_column(iom_only, columns):
            return IOM
    return generic_mapping(columns)


def generic_mapping(columns: list[str]) -> Mapping:
    """Guess a mapping from common column names (case-insensitive); refuse when a guess is ambiguous."""
    by_lower: dict[str, list[str]] = {}
    for column in columns:
        by_lower.setdefault(column.strip().lower(), []).append(column)
    chosen: dict[str, tuple[str, ...]] = {}
    for name, candidates in _GENERIC_NAMES.items():
        hits = [c for candidate in candidates for c in by_lower.get(candidate, [])]
        if len(hits) > 1:
            raise MappingError(msg("cannot tell which column holds {name}: {hits} all fit; give a mapping file",
                                   name=name, hits=hits))
        if hits:
            chosen[name] = (hits[0],)
    return Mapping(name="generic", columns=chosen, default_type=None if "type" in chosen else "other")
