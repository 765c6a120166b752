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
    # A blank last line exists only with a line break after it (else the file ends on the line before).
    last = ending if lines[-1] == b"" else draw(st.sampled_from([ending, b""]))
    data = HEADER.encode() + ending + ending.join(lines) + last
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


ZIP_DAMAGE = ("encrypted", "method", "corrupt_deflate", "bad_crc", "longer_than_header", "shorter_than_header",
              "nul_name", "long_name", "truncated", "garbage_directory")


def _zip(name: str, content: bytes) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def _patch(data: bytearray, signature: bytes, offset: int, value: bytes) -> None:
    """Overwrite ``value`` at ``offset`` from every header starting with ``signature`` (local and central)."""
    at = data.find(signature)
    while at >= 0:
        data[at + offset:at + offset + len(value)] = value
        at = data.find(signature, at + 4)


@st.composite
def hostile_zips(draw: st.DrawFn) -> tuple[bytes, str]:
    """A zip around one CSV, damaged one way (:data:`ZIP_DAMAGE`); returns the bytes and the damage."""
    import struct

    kind = draw(st.sampled_from(ZIP_DAMAGE))
    rows = draw(st.integers(5, 60))
    content = (HEADER + "\n" + "\n".join(good_line(k) for k in range(1, rows + 1)) + "\n").encode()
    name = "events.csv"
    if kind == "nul_name":
        name = draw(st.sampled_from(["events.csv\x00.exe", "a\x00/../../events.csv", "events\x00.csv"]))
        nul = name.index("\x00")
        name = name.replace("\x00", "_")  # zipfile cuts a name at a NUL: the byte is put in after writing
    elif kind == "long_name":
        name = "e" * draw(st.integers(252, 2000)) + ".csv"
    data = bytearray(_zip(name, content))
    local, central = b"PK\x03\x04", b"PK\x01\x02"
    if kind == "nul_name":
        data[30 + nul] = 0
        data[data.find(central) + 46 + nul] = 0
    if kind == "encrypted":
        _patch(data, local, 6, struct.pack("<H", 1))
        _patch(data, central, 8, struct.pack("<H", 1))
    elif kind == "method":
        method = struct.pack("<H", draw(st.sampled_from([1, 6, 9, 12, 14, 93, 95, 98, 99, 0xFFFF])))
        _patch(data, local, 8, method)
        _patch(data, central, 10, method)
    elif kind == "corrupt_deflate":
        start = 30 + len(name.encode())
        end = data.find(central)
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(start, end - 1))
            data[at] ^= draw(st.integers(1, 255))
    elif kind == "bad_crc":
        crc = struct.pack("<I", draw(st.integers(0, 2**32 - 1)))
        if crc == bytes(data[14:18]):
            crc = bytes(b ^ 0xFF for b in crc)
        _patch(data, local, 14, crc)
        _patch(data, central, 16, crc)
    elif kind in ("longer_than_header", "shorter_than_header"):
        delta = draw(st.integers(1, len(content) - 1))
        size = struct.pack("<I", len(content) - delta if kind == "longer_than_header" else len(content) + delta)
        _patch(data, local, 22, size)
        _patch(data, central, 24, size)
    elif kind == "truncated":
        data = data[:draw(st.integers(1, len(data) - 1))]
    elif kind == "garbage_directory":
        at = data.find(central)
        for _ in range(draw(st.integers(1, 6))):
            spot = draw(st.integers(at, len(data) - 1))
            data[spot] = draw(st.integers(0, 255))
    return bytes(data), kind
