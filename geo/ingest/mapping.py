"""Column mappings: how a file's columns become event fields, and the documented TOML format.

A mapping names, for each event field, the candidate columns of the file; the first candidate
the file has wins (``persons`` is the exception: every candidate present is summed). Column names
match exactly first, then ignoring case and surrounding spaces (``Incident date`` finds
``Incident Date``). Presets (:mod:`geo.ingest.presets`):

- ``native``: our own column names (``event_id``, ``source``, ``type``, ``occurred_at``, ...).
- ``generic``: a CSV with latitude/longitude columns, detected by name when unambiguous.
- ``iom``: the IOM Missing Migrants Project exports: the global download in its yearly variants
  and the curated regional files (separate ``Latitude``/``Longitude``, ``NA`` for unknown counts).

Mapping file (TOML)::

    name = "partner-x"
    source = "partner-x"              # constant source name; else a `source` column, else the file name
    [columns]                         # a column name or a list of candidates
    event_id = ["Incident ID", "ID"]  # omitted: a stable hash of the row becomes the id
    occurred_at = "Date"
    lat = "Latitude"
    lon = "Longitude"                 # or: coordinates = "Coordinates"  ("lat, lon" in one field)
    type = "Category"
    persons = ["Adults", "Children"]  # summed
    attrs = ["Notes"]                 # kept as JSON attributes
    [types]                           # values of the type column -> event types (exact, any case)
    "Border crossing" = "irregular_crossing"
    [values.status]                   # the same for any other field: type, impact, status, confidence
    "Resolved" = "closed"
    [[match]]                         # ordered rules, tried after the exact values: the first that fits wins
    field = "type"
    contains = "drowning"             # substring, any case; or: pattern = "drown(ing|ed)" (regex search, any case)
    value = "search_and_rescue"
    [na_values]                       # per column: texts that mean "unknown" (the row keeps an empty value)
    "Number of Dead" = ["NA", "-"]
    [options]
    na_values = ["NA", "N/A"]         # texts that mean "unknown" in every column (any case)
    default_type = "other"            # for rows whose type is empty or unmapped
    date_formats = ["%d/%m/%Y %H:%M"] # tried in order, then ISO 8601; naive times are UTC
    confidence_scale = 5              # divide confidence values by this

Value translation, in order: a value in ``na_values`` is empty; then the exact table (``[types]``
or ``[values.<field>]``, case-insensitive); then the ``[[match]]`` rules of that field in file
order; then the value as it is (which must be in our vocabulary), else ``default_type`` for types.
A summed ``persons`` counts the parts that are known: a part in ``na_values`` adds nothing and is
named in the event's attributes as ``persons_unknown``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from typing import Final

from geo.errors import MappingError, Message, joined, msg
from geo.models import EVENT_TYPES

FIELDS: Final[tuple[str, ...]] = (
    "event_id", "source", "occurred_at", "received_at", "lat", "lon", "coordinates", "type", "persons", "impact",
    "confidence", "status", "attrs",
)

VALUE_FIELDS: Final[tuple[str, ...]] = ("type", "impact", "status", "confidence")
"""Fields whose values a mapping may translate (``[types]``, ``[values.<field>]``, ``[[match]]``)."""


@dataclass(frozen=True)
class MatchRule:
    """One ordered value rule: a value of ``field`` containing ``contains`` (or matching ``pattern``) becomes ``value``."""

    field: str
    value: str
    contains: str | None = None
    pattern: str | None = None

    def __post_init__(self) -> None:
        if self.field not in VALUE_FIELDS:
            raise MappingError(msg("a [[match]] rule's field must be one of {value_fields}; got {field!r}",
                                   value_fields=list(VALUE_FIELDS), field=self.field))
        if (self.contains is None) == (self.pattern is None):
            raise MappingError(msg("a [[match]] rule for {field} needs exactly one of contains or pattern; got "
                                   "contains={contains!r}, pattern={pattern!r}",
                                   field=self.field, contains=self.contains, pattern=self.pattern))
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise MappingError(msg("[[match]] pattern {pattern!r} is not a regular expression: {exc}",
                                       pattern=self.pattern, exc=exc)) from None

    def matches(self, text: str) -> bool:
        """Whether ``text`` fits the rule (case-insensitive)."""
        if self.contains is not None:
            return self.contains.lower() in text.lower()
        return re.search(str(self.pattern), text, flags=re.IGNORECASE) is not None


@dataclass(frozen=True)
class Mapping:
    """Candidate columns per event field, value translations and parsing options."""

    name: str
    source: str | None = None
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    type_values: dict[str, str] = field(default_factory=dict)
    default_type: str | None = None
    date_formats: tuple[str, ...] = ()
    confidence_scale: float = 1.0
    na_values: tuple[str, ...] = ()
    """Texts meaning "unknown" in every column (compared stripped, ignoring case)."""
    column_na_values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Texts meaning "unknown" in one column (by column name)."""
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    """Exact value tables of fields other than ``type`` (``[values.<field>]``)."""
    match: tuple[MatchRule, ...] = ()
    """Ordered substring/pattern rules, tried after the exact tables."""

    def __post_init__(self) -> None:
        unknown = sorted(set(self.columns) - set(FIELDS))
        if unknown:
            raise MappingError(msg("mapping {name!r}: unknown field(s) {unknown}; fields are {fields}",
                                   name=self.name, unknown=unknown, fields=list(FIELDS)))
        unknown = sorted(set(self.values) - set(VALUE_FIELDS))
        if unknown:
            raise MappingError(msg("mapping {name!r}: [values] for {unknown}; values can be mapped for {value_fields}",
                                   name=self.name, unknown=unknown, value_fields=list(VALUE_FIELDS)))
        rule_types = {r.value for r in self.match if r.field == "type"}
        bad_types = sorted({t for t in self.type_values.values() if t not in EVENT_TYPES}
                           | {t for t in self.values.get("type", {}).values() if t not in EVENT_TYPES}
                           | {t for t in rule_types if t not in EVENT_TYPES}
                           | ({self.default_type} - set(EVENT_TYPES) - {None}))
        if bad_types:
            raise MappingError(msg("mapping {name!r}: {bad_types} are not event types; use one of {event_types}",
                                   name=self.name, bad_types=bad_types, event_types=list(EVENT_TYPES)))
        if self.confidence_scale <= 0:
            raise MappingError(msg("mapping {name!r}: confidence_scale must be > 0; got {confidence_scale}",
                                   name=self.name, confidence_scale=self.confidence_scale))

    def value_table(self, name: str) -> dict[str, str]:
        """The exact translations of field ``name``, keys lower-cased (``[types]`` and ``[values.type]`` for types)."""
        table = {**(self.type_values if name == "type" else {}), **self.values.get(name, {})}
        return {k.strip().lower(): v for k, v in table.items()}

    def rules(self, name: str) -> tuple[MatchRule, ...]:
        """The ``[[match]]`` rules of field ``name``, in order."""
        return tuple(r for r in self.match if r.field == name)

    def na_for(self, column: str) -> frozenset[str]:
        """The lower-cased texts meaning "unknown" in ``column``."""
        return frozenset(v.strip().lower() for v in (*self.na_values, *self.column_na_values.get(column, ())))


@dataclass(frozen=True)
class ResolvedMapping:
    """A mapping applied to one file's columns: the column chosen per field (``None`` if absent)."""

    mapping: Mapping
    column: dict[str, str | None]
    persons: tuple[str, ...]
    attrs: tuple[str, ...]


def mapping_from_dict(doc: dict[str, object], *, default_name: str = "custom") -> Mapping:
    """Build a :class:`Mapping` from the TOML document structure (see the module docstring)."""
    columns_doc, types_doc, options = doc.get("columns", {}), doc.get("types", {}), doc.get("options", {})
    values_doc, match_doc, na_doc = doc.get("values", {}), doc.get("match", []), doc.get("na_values", {})
    if not all(isinstance(d, dict) for d in (columns_doc, types_doc, options, values_doc, na_doc)) \
            or not isinstance(match_doc, list):
        raise MappingError(msg("a mapping has a [columns] table, and optionally [types], [values.<field>], "
                               "[na_values] and [options] tables and [[match]] rules"))
    columns = {}
    for name, value in columns_doc.items():
        if isinstance(value, str):
            columns[name] = (value,)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            columns[name] = tuple(value)
        else:
            raise MappingError(msg("columns.{name} must be a column name or a list of names; got {value!r}",
                                   name=name, value=value))
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in types_doc.items()):
        raise MappingError(msg("every [types] entry maps a text value to an event type name, like \"Drowning\" = "
                               "\"other\""))
    known_options = {f.name for f in fields(Mapping)} - {"name", "source", "columns", "type_values", "values",
                                                          "match", "column_na_values"}
    unknown = sorted(set(options) - known_options)
    if unknown:
        raise MappingError(msg("unknown option(s) {unknown}; options are {known_options}",
                               unknown=unknown, known_options=sorted(known_options)))
    formats = options.get("date_formats", [])
    formats = [formats] if isinstance(formats, str) else formats
    default_type = options.get("default_type")
    scale = options.get("confidence_scale", 1.0)
    if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
        raise MappingError(msg("options.date_formats must be a list of strptime formats; got {formats!r}",
                               formats=formats))
    if default_type is not None and not isinstance(default_type, str):
        raise MappingError(msg("options.default_type must be an event type name; got {default_type!r}",
                               default_type=default_type))
    if isinstance(scale, bool) or not isinstance(scale, (int, float)):
        raise MappingError(msg("options.confidence_scale must be a number; got {scale!r}", scale=scale))
    na_values = options.get("na_values", [])
    na_values = [na_values] if isinstance(na_values, str) else na_values
    if not isinstance(na_values, list) or not all(isinstance(v, str) for v in na_values):
        raise MappingError(msg("options.na_values must be a list of texts; got {na_values!r}", na_values=na_values))
    column_na = {}
    for column, texts in na_doc.items():
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list) or not all(isinstance(v, str) for v in texts):
            raise MappingError(msg("na_values.{column!r} must be a text or a list of texts; got {texts!r}",
                                   column=column, texts=texts))
        column_na[column] = tuple(texts)
    values = {}
    for name, table in values_doc.items():
        if not isinstance(table, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in table.items()):
            raise MappingError(msg("[values.{name}] maps texts to texts, like \"Resolved\" = \"closed\"; got {table!r}",
                                   name=name, table=table))
        values[name] = dict(table)
    rules = []
    for number, rule in enumerate(match_doc, start=1):
        if not isinstance(rule, dict) or not set(rule) <= {"field", "contains", "pattern", "value"} \
                or not all(isinstance(v, str) for v in rule.values()) or not {"field", "value"} <= set(rule):
            raise MappingError(msg("[[match]] rule {number} needs field, value and contains or pattern (texts); got "
                                   "{rule!r}", number=number, rule=rule))
        rules.append(MatchRule(field=rule["field"], value=rule["value"], contains=rule.get("contains"),
                               pattern=rule.get("pattern")))
    return Mapping(
        name=str(doc.get("name", default_name)),
        source=None if doc.get("source") is None else str(doc["source"]),
        columns=columns,
        type_values=dict(types_doc),
        default_type=default_type,
        date_formats=tuple(formats),
        confidence_scale=float(scale),
        na_values=tuple(na_values),
        column_na_values=column_na,
        values=values,
        match=tuple(rules),
    )


def _folded(columns: list[str]) -> dict[str, str]:
    """Each column by its name lower-cased and stripped (the first of two that fold alike wins)."""
    folded: dict[str, str] = {}
    for column in columns:
        folded.setdefault(column.strip().lower(), column)
    return folded


def find_column(candidates: tuple[str, ...], columns: list[str]) -> str | None:
    """The first of ``candidates`` among ``columns``: an exact name first, then one that differs only in case."""
    present, folded = set(columns), _folded(columns)
    exact = next((c for c in candidates if c in present), None)
    return exact if exact is not None else next((folded[k] for c in candidates if (k := c.strip().lower()) in folded),
                                                None)


def _present(candidates: tuple[str, ...], columns: list[str]) -> tuple[str, ...]:
    """Every candidate found among ``columns`` (see :func:`find_column`), once each, in the candidates' order."""
    found = (find_column((c,), columns) for c in candidates)
    return tuple(dict.fromkeys(c for c in found if c is not None))


def resolve(mapping: Mapping, columns: list[str], *, spatial: bool) -> ResolvedMapping:
    """Choose each field's column among ``columns``; fail with the file's columns when a required one is missing.

    ``spatial`` files carry their position in the geometry, so lat/lon columns are not needed.
    """
    chosen = {f: find_column(mapping.columns.get(f, ()), columns) for f in FIELDS}
    missing: list[str | Message] = []  # field names as a mapping file writes them; words in the reader's language
    if chosen["occurred_at"] is None:
        missing.append("occurred_at")
    if not spatial and chosen["coordinates"] is None and (chosen["lat"] is None or chosen["lon"] is None):
        missing.append(msg("lat/lon (or coordinates)"))
    if chosen["type"] is None and mapping.default_type is None:
        missing.append("type")
    if missing:
        looked = {f: list(mapping.columns.get(f, ())) for f in ("occurred_at", "lat", "lon", "coordinates", "type")}
        raise MappingError(
            msg("mapping {name!r} finds no column for {missing} (looked for {looked}); the file's columns are "
                "{columns}", name=mapping.name, missing=joined(missing), looked=looked, columns=columns)
        )
    persons = _present(mapping.columns.get("persons", ()), columns)
    attrs = _present(mapping.columns.get("attrs", ()), columns)
    return ResolvedMapping(mapping=mapping, column=chosen, persons=persons, attrs=attrs)



def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def mapping_to_toml(mapping: Mapping) -> str:
    """The mapping in the TOML format of the module docstring (for editing in the UI or saving)."""
    lines = [f"name = {_toml_value(mapping.name)}"]
    if mapping.source is not None:
        lines.append(f"source = {_toml_value(mapping.source)}")
    lines += ["", "[columns]"]
    for name, candidates in mapping.columns.items():
        value = candidates[0] if len(candidates) == 1 else list(candidates)
        lines.append(f"{name} = {_toml_value(value)}")
    if mapping.type_values:
        lines += ["", "[types]"] + [f"{_toml_value(k)} = {_toml_value(v)}" for k, v in mapping.type_values.items()]
    for name, table in mapping.values.items():
        lines += ["", f"[values.{name}]"] + [f"{_toml_value(k)} = {_toml_value(v)}" for k, v in table.items()]
    for rule in mapping.match:
        how = ("contains", rule.contains) if rule.contains is not None else ("pattern", rule.pattern)
        lines += ["", "[[match]]", f"field = {_toml_value(rule.field)}", f"{how[0]} = {_toml_value(how[1])}",
                  f"value = {_toml_value(rule.value)}"]
    if mapping.column_na_values:
        lines += ["", "[na_values]"] + [f"{_toml_value(k)} = {_toml_value(v)}"
                                        for k, v in mapping.column_na_values.items()]
    options = {"default_type": mapping.default_type, "date_formats": list(mapping.date_formats),
               "confidence_scale": mapping.confidence_scale, "na_values": list(mapping.na_values)}
    lines += ["", "[options]"] + [f"{k} = {_toml_value(v)}" for k, v in options.items() if v not in (None, [], 1.0)]
    return "\n".join(lines) + "\n"


def mapping_from_toml(text: str, *, default_name: str = "custom") -> Mapping:
    """Parse a mapping from TOML text (the format of the module docstring)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(msg("the mapping is not valid TOML: {exc}", exc=exc)) from None
    return mapping_from_dict(doc, default_name=default_name)
