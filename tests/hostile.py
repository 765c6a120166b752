"""Generators of hostile input for the ingest tests (hypothesis strategies): CI runs them with the suite.

Each strategy builds a file the way an unlucky export or an attacker would: stray quotes,
overlong fields, bad bytes and blank lines in a CSV; dates out of every range; geometries GEOS
or OGR cannot read in GeoJSON; and malformed zip archives for the upload guard.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

HEADER = "event_id,source,type,occurred_at,lat,lon,persons,impact,confidence,status"
WIDTH = len(HEADER.split(","))
FIELD_LIMIT = csv.field_size_limit()


def good_line(number: int) -> str:
    """A valid native row whose id names its data line (``e<number>``), so every line can be traced."""
    return f"e{number},t,apprehension,2026-11-01T10:00:00Z,41.{number % 97:02d},22.{number % 89:02d},{number % 7},,,"


@dataclass(frozen=True)
class HostileCsv:
    """A CSV's bytes, its data lines as written, and what was done to them.

    An overlong field is held as ``<LONG:n>`` (a failing case stays printable); :meth:`content`
    writes it out.
    """

    data: bytes
    lines: int
    damage: tuple[str, ...]

    def content(self) -> bytes:
        """The file's bytes, overlong fields written out."""
        return re.sub(rb"<LONG:(\d+)>", lambda m: b"x" * int(m.group(1)), self.data)


_DAMAGE = ("stray_quote", "two_stray_quotes", "long_field", "bad_utf8", "blank_line", "short_row", "long_row",
           "lone_cr", "nul", "crlf")


@st.composite
def hostile_csvs(draw: st.DrawFn) -> HostileCsv:
    """A 30-80 line native CSV with one to three kinds of damage at drawn places."""
    n = draw(st.integers(30, 80))
    lines = [good_line(i).encode() for i in range(1, n + 1)]
    damage = tuple(draw(st.lists(st.sampled_from(_DAMAGE), min_size=1, max_size=3, unique=True)))
    for kind in damage:
        at = draw(st.integers(0, n - 1))
        fields = lines[at].split(b",")
        column = draw(st.integers(0, len(fields) - 1))
        if kind in ("stray_quote", "two_stray_quotes"):
            fields[column] = b'"' + fields[column]
            lines[at] = b",".join(fields)
            if kind == "two_stray_quotes":
                other = draw(st.integers(0, n - 1))
                if other != at:
                    more = lines[other].split(b",")
                    more[draw(st.integers(0, len(more) - 1))] = b'"' + more[0]
                    lines[other] = b",".join(more)
        elif kind == "long_field":
            fields[-1] = b"<LONG:%d>" % (FIELD_LIMIT + draw(st.integers(1, 5000)))
            lines[at] = b",".join(fields)
        elif kind == "bad_utf8":
            fields[column] = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"t\xe9st", b"\xed\xa0\x80"]))
            lines[at] = b",".join(fields)
        elif kind == "blank_line":
            lines[at] = b""
        elif kind == "short_row":
            lines[at] = b",".join(fields[:draw(st.integers(1, max(1, min(len(fields), WIDTH) - 1)))])
        elif kind == "long_row":
            lines[at] = lines[at] + b",extra" * draw(st.integers(1, 3))
        elif kind == "lone_cr":
            lines[at] = lines[at].replace(b",t,", b",t\r,", 1)
        elif kind == "nul":
            fields[column] = fields[column][:1] + b"\x00" + fields[column][1:]
            lines[at] = b",".join(fields)
    ending = b"\r\n" if "crlf" in damage else b"\n"
    data = HEADER.encode() + ending + ending.join(lines) + draw(st.sampled_from([ending, b""]))
    return HostileCsv(data=data, lines=n, damage=damage)


_YEARS = st.one_of(st.integers(-9999, 1676), st.integers(2263, 99999), st.just(0), st.integers(1677, 1989))
_DATE_FORMS = ("{y:04d}-03-01T10:00:00Z", "{y}-03-01", "{y:05d}-03-01 10:00", "01/03/{y}", "{y}-13-45", "{y}")


@st.composite
def hostile_dates(draw: st.DrawFn) -> str:
    """A time that is out of range, before the 1990 floor, impossible, or not a time at all."""
    if draw(st.booleans()):
        return draw(st.sampled_from(_DATE_FORMS)).format(y=draw(_YEARS))
    return draw(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=",\"\r\n\x00"),
                        max_size=30).filter(lambda t: not t.strip().startswith(("19", "20"))))


_BAD_GEOMETRIES: tuple[Any, ...] = (
    {"type": "LineString", "coordinates": [[22.5, 41.1]]},
    {"type": "Point", "coordinates": ["22.5", "41.1"]},
    {"type": "Point", "coordinates": [22.5]},
    {"type": "Point", "coordinates": []},
    {"type": "Point", "coordinates": None},
    {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]},
    {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0]]]},
    {"type": "Point"},
    {"type": "Blob", "coordinates": [1, 2]},
    {"type": "Point", "coordinates": [[1, 2]]},
    {"type": "Point", "coordinates": {"x": 1}},
    "POINT (1 2)",
)


@st.composite
def hostile_geojson(draw: st.DrawFn) -> tuple[str, int, set[str]]:
    """A FeatureCollection of good points and unreadable geometries; returns text, feature count, the bad ids."""
    n = draw(st.integers(3, 25))
    features, bad = [], set()
    for i in range(n):
        geometry: Any = {"type": "Point", "coordinates": [22.5 + i / 100, 41.1]}
        if draw(st.integers(0, 2)) == 0:
            geometry = draw(st.sampled_from(_BAD_GEOMETRIES + ("nan", None)))
            if geometry == "nan":
                geometry = {"type": "Point", "coordinates": [float("nan"), 41.1]}
            bad.add(f"g{i}")
        features.append({"type": "Feature", "geometry": geometry,
                         "properties": {"event_id": f"g{i}", "type": "apprehension", "occurred_at": "2026-11-01T10:00:00Z"}})
    return json.dumps({"type": "FeatureCollection", "features": features}), n, bad
