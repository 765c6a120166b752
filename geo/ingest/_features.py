"""Features of a spatial file read so that one unreadable geometry costs one row, not the file.

pyogrio hands geometries over as WKB; GEOS refuses some that OGR wrote (a one-point LineString,
a ring that does not close), and geopandas then fails the whole read. Decoding the WKB here with
``on_invalid="ignore"`` keeps the other features and names the bad ones. OGR's GeoJSON driver
stops a whole read at coordinates given as text, or reads them as no geometry without a word: a
GeoJSON window where anything of that kind happens is read again with Python's ``json`` and
shapely, feature by feature, so that each feature is told apart as missing or invalid.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyogrio
import pyogrio.raw
import shapely
import shapely.geometry
from pyproj import CRS

GEOJSON_SUFFIXES: Final[frozenset[str]] = frozenset({".geojson", ".json"})


@dataclass(frozen=True)
class Features:
    """A window of features: text attributes, geometries (``None`` where absent or unreadable), which had one, CRS."""

    attributes: pd.DataFrame
    geometries: np.ndarray
    present: np.ndarray
    crs: CRS | None


def decode_wkb(wkb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Geometries from WKB values (``None`` where absent or unreadable) and whether each value was there."""
    present = np.array([w is not None for w in wkb], dtype=bool)
    return shapely.from_wkb(wkb, on_invalid="ignore"), present


def _text_frame(columns: dict[str, Any], n: int) -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in columns.items()}, index=range(n))
    return frame.where(frame.notna(), "").astype(str)


def ogr_window(path: Path, *, skip: int, count: int) -> Features:
    """``count`` features from ``skip`` on, through OGR; raises pyogrio's errors when OGR stops."""
    with warnings.catch_warnings():
        # OGR warns of each geometry it could not read and reads it as none: needs_json catches those.
        warnings.simplefilter("ignore", RuntimeWarning)
        meta, _, wkb, fields = pyogrio.raw.read(path, skip_features=skip, max_features=count)
    n = len(wkb) if wkb is not None else (len(fields[0]) if len(fields) else 0)
    geometries, present = decode_wkb(wkb if wkb is not None else np.full(n, None, dtype=object))
    attributes = _text_frame(dict(zip(meta["fields"], fields, strict=True)), n)
    return Features(attributes, geometries, present, CRS.from_user_input(meta["crs"]) if meta["crs"] else None)


def needs_json(path: Path, window: Features) -> bool:
    """Whether a GeoJSON window must be read again feature by feature (OGR left a geometry out)."""
    return path.suffix.lower() in GEOJSON_SUFFIXES and not window.present.all()


_DEPTH: Final[dict[str, int]] = {"Point": 0, "LineString": 1, "MultiPoint": 1, "Polygon": 2, "MultiLineString": 2,
                                  "MultiPolygon": 3}
"""How deep a geometry type nests positions in ``coordinates`` (RFC 7946)."""


def _position(value: Any) -> bool:
    return (isinstance(value, list) and 2 <= len(value) <= 3
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value))


def _nested(value: Any, depth: int) -> bool:
    if depth == 0:
        return _position(value)
    return isinstance(value, list) and all(_nested(v, depth - 1) for v in value)


def _strict(value: Any) -> bool:
    """Whether a GeoJSON geometry object is shaped as RFC 7946 says (shapely would read ``"22.5"`` or ``[[1, 2]]``)."""
    if not isinstance(value, dict):
        return False
    kind = value.get("type")
    if kind == "GeometryCollection":
        return isinstance(value.get("geometries"), list) and all(_strict(g) for g in value["geometries"])
    return kind in _DEPTH and _nested(value.get("coordinates"), _DEPTH[kind])


def _geometry(value: Any) -> tuple[Any, bool]:
    if value is None:
        return None, False
    if not _strict(value):
        return None, True
    try:
        return shapely.geometry.shape(value), True
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, shapely.errors.ShapelyError):
        return None, True


def json_window(document: dict[str, Any], *, skip: int, count: int) -> Features:
    """``count`` features from ``skip`` on, of a parsed GeoJSON ``document`` (a FeatureCollection)."""
    features = document.get("features")
    if not isinstance(features, list):
        raise ValueError("a GeoJSON FeatureCollection needs a 'features' list")
    window = [f if isinstance(f, dict) else {} for f in features[skip:skip + count]]
    decoded = [_geometry(f.get("geometry")) for f in window]
    geometries = np.array([g for g, _ in decoded] + [None], dtype=object)[:-1]
    present = np.array([p for _, p in decoded], dtype=bool)
    properties = [f.get("properties") if isinstance(f.get("properties"), dict) else {} for f in window]
    names = list(dict.fromkeys(key for p in properties for key in p))
    columns = {name: [_as_text(p.get(name)) for p in properties] for name in names}
    return Features(_text_frame(columns, len(window)), geometries, present, _json_crs(document))


def _as_text(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value


def _json_crs(document: dict[str, Any]) -> CRS:
    """A legacy ``crs`` member's CRS, else WGS 84 (RFC 7946 allows nothing else)."""
    name = ((document.get("crs") or {}).get("properties") or {}).get("name") if isinstance(document.get("crs"), dict) \
        else None
    return CRS.from_user_input(name) if name else CRS.from_epsg(4326)


def load_geojson(path: Path) -> dict[str, Any]:
    """The parsed GeoJSON document of ``path``; raises ``ValueError`` if it is not one."""
    document = json.loads(path.read_bytes())
    if not isinstance(document, dict):
        raise ValueError("not a GeoJSON object")
    return document
