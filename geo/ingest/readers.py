"""Read event files in bounded memory as chunks of raw text rows.

CSV streams record by record through :mod:`geo.ingest._csv` (every physical line accounted for;
refused records are handed back for the quarantine with their line numbers); spatial files (GeoJSON, GeoPackage, Shapefile,
GeoParquet) are read in feature windows with their CRS checked and reprojected to EPSG:4326;
Excel sheets are read whole.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import shapely
from pyproj import CRS

from geo.errors import ImportFileError, msg
from geo.ingest._csv import Refused, csv_chunks
from geo.ingest._features import (
    GEOJSON_SUFFIXES,
    Features,
    decode_wkb,
    json_window,
    load_geojson,
    needs_json,
    ogr_window,
)

CHUNK_ROWS: Final[int] = 100_000
CSV_SUFFIXES: Final[frozenset[str]] = frozenset({".csv", ".tsv", ".txt"})
SPATIAL_SUFFIXES: Final[frozenset[str]] = frozenset({".geojson", ".json", ".gpkg", ".shp", ".fgb"})
PARQUET_SUFFIXES: Final[frozenset[str]] = frozenset({".parquet", ".geoparquet"})
EXCEL_SUFFIXES: Final[frozenset[str]] = frozenset({".xlsx", ".xlsm"})
SUPPORTED: Final[tuple[str, ...]] = tuple(sorted(CSV_SUFFIXES | SPATIAL_SUFFIXES | PARQUET_SUFFIXES | EXCEL_SUFFIXES))


@dataclass(frozen=True)
class RawChunk:
    """Raw rows as text, the file row number of the first, and for spatial files the positions.

    ``malformed`` lists records the reader refused (a CSV's wrong field counts, folded quotes,
    overlong lines, bad encoding) with their line and reason; ``geometry`` is ``(lon, lat,
    problem)`` with a quarantine code or ``None`` per row. ``row_numbers`` is each row's number
    when rows are not consecutive (a CSV's rows after a refused or multi-line record). ``lines``
    counts what the user can check in the file for this chunk: a CSV's physical lines (``blank``
    of them empty), a spatial file's features.
    """

    frame: pd.DataFrame
    first_row: int
    malformed: list[Refused]
    geometry: tuple[pd.Series, pd.Series, pd.Series] | None = None
    row_numbers: np.ndarray | None = None
    lines: int = 0
    blank: int = 0


def is_spatial(path: Path) -> bool:
    """Whether rows of ``path`` carry their position in a geometry."""
    return path.suffix.lower() in SPATIAL_SUFFIXES | PARQUET_SUFFIXES


def file_columns(path: Path) -> list[str]:
    """The attribute columns of a file, without reading its rows (for choosing a mapping)."""
    first = next(read_chunks(path, chunk_rows=50), None)
    if first is None:
        raise ImportFileError(msg("{name} holds no rows", name=path.name))
    return list(first.frame.columns)


def read_chunks(path: Path, *, chunk_rows: int = CHUNK_ROWS) -> Iterator[RawChunk]:
    """Chunks of at most ``chunk_rows`` rows of ``path``; raises :class:`ImportFileError` if unreadable."""
    if not path.is_file():
        raise ImportFileError(msg("no file at {path}", path=path))
    if path.stat().st_size == 0:
        raise ImportFileError(msg("{name} is empty", name=path.name))
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        yield from _csv_chunks(path, chunk_rows, delimiter=_delimiter(path))
    elif suffix in SPATIAL_SUFFIXES:
        yield from _ogr_chunks(path, chunk_rows)
    elif suffix in PARQUET_SUFFIXES:
        yield from _parquet_chunks(path, chunk_rows)
    elif suffix in EXCEL_SUFFIXES:
        yield from _excel_chunks(path)
    else:
        raise ImportFileError(msg("{name}: unsupported file type {suffix!r}; supported: {supported}",
                                  name=path.name, suffix=suffix, supported=", ".join(SUPPORTED)))


def _csv_chunks(path: Path, chunk_rows: int, *, delimiter: str) -> Iterator[RawChunk]:
    try:
        for chunk in csv_chunks(path, delimiter=delimiter, chunk_rows=chunk_rows):
            # Row numbers count data lines (the header's line is 0), as an editor's line number minus one.
            yield RawChunk(frame=chunk.frame, first_row=int(chunk.lines_of_rows[0]) - 1 if len(chunk.lines_of_rows) else 1,
                           malformed=chunk.refused, row_numbers=chunk.lines_of_rows - 1, lines=chunk.lines,
                           blank=chunk.blank)
    except ValueError as exc:
        raise ImportFileError(msg("{name} is not a readable CSV: {exc}", name=path.name, exc=exc)) from None


def _delimiter(path: Path) -> str:
    """The field separator of a delimited text file, from its header line: tab, semicolon or comma."""
    with path.open("rb") as handle:
        header = handle.readline(65536).decode("utf-8", errors="replace")
    counts = {sep: header.count(sep) for sep in ("\t", ";", ",")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ","


def _spatial_chunk(features: Features, path: Path, first_row: int) -> RawChunk:
    if features.crs is None:
        raise ImportFileError(msg("{name} has no coordinate reference system; add a .prj or a 'crs' member",
                                  name=path.name))
    geometry = gpd.GeoSeries(features.geometries, crs=features.crs)
    if features.crs.to_epsg() != 4326:
        geometry = geometry.to_crs(4326)
    values = geometry.to_numpy()
    missing = ~features.present
    unreadable = features.present & (pd.isna(values) | shapely.is_empty(values))
    point = ~missing & ~unreadable & (shapely.get_type_id(values) == 0)
    x = np.where(point, shapely.get_x(np.where(point, values, None)), np.nan)
    y = np.where(point, shapely.get_y(np.where(point, values, None)), np.nan)
    unreadable |= point & ~(np.isfinite(x) & np.isfinite(y))  # POINT (NaN 2) is a geometry GEOS reads, not a place
    problem = np.where(missing, "missing_geometry",
                       np.where(unreadable, "invalid_geometry", np.where(point, None, "not_a_point")))
    return RawChunk(frame=features.attributes, first_row=first_row, malformed=[], lines=len(values),
                    geometry=(pd.Series(x, dtype=float), pd.Series(y, dtype=float), pd.Series(problem, dtype=object)))


def _ogr_chunks(path: Path, chunk_rows: int) -> Iterator[RawChunk]:
    try:
        total = int(pyogrio.read_info(path)["features"])
    except pyogrio.errors.DataSourceError as exc:
        raise ImportFileError(msg("{name} is not a readable spatial file: {exc}", name=path.name, exc=exc)) from None
    document: dict[str, Any] | None = None
    for skip in range(0, max(total, 1), chunk_rows):
        try:
            window = ogr_window(path, skip=skip, count=chunk_rows)
            redo = needs_json(path, window)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.FeatureError) as exc:
            if path.suffix.lower() not in GEOJSON_SUFFIXES:
                raise ImportFileError(msg("{name} is not a readable spatial file: {exc}",
                                          name=path.name, exc=exc)) from None
            redo = True
        if redo:
            try:
                document = document or load_geojson(path)
                window = json_window(document, skip=skip, count=chunk_rows)
            except ValueError as exc:  # json's errors are ValueErrors too
                raise ImportFileError(msg("{name} is not a readable spatial file: {exc}",
                                          name=path.name, exc=exc)) from None
        yield _spatial_chunk(window, path, skip + 1)


def _parquet_chunks(path: Path, chunk_rows: int) -> Iterator[RawChunk]:
    try:
        parquet = pq.ParquetFile(path)
        geo_meta = parquet.schema_arrow.metadata or {}
    except (pa.ArrowInvalid, OSError) as exc:
        raise ImportFileError(msg("{name} is not a readable Parquet file: {exc}", name=path.name, exc=exc)) from None
    if b"geo" not in geo_meta:
        raise ImportFileError(msg("{name} is Parquet without GeoParquet metadata; export it as GeoParquet or CSV",
                                  name=path.name))
    first = 1
    for batch in parquet.iter_batches(batch_size=chunk_rows):
        yield _spatial_chunk(_parquet_features(batch, geo_meta[b"geo"]), path, first)
        first += batch.num_rows


def _parquet_features(batch: pa.RecordBatch, geo: bytes) -> Features:
    """A GeoParquet batch's attributes and geometries, decoded from WKB one by one (an unreadable one is one row)."""
    meta = json.loads(geo)
    column = meta.get("primary_column", "geometry")
    crs_json = meta.get("columns", {}).get(column, {}).get("crs", "OGC:CRS84")
    # GeoParquet: a missing crs means OGC:CRS84, an explicit null means unknown.
    crs = None if crs_json is None else CRS.from_user_input(crs_json if isinstance(crs_json, str) else json.dumps(crs_json))
    values = batch.column(column)
    if pa.types.is_binary(values.type) or pa.types.is_large_binary(values.type):
        geometries, present = decode_wkb(np.asarray(values.to_pylist(), dtype=object))
    else:  # GeoArrow's native encodings: geopandas decodes them (they cannot hold an unreadable geometry)
        table = pa.Table.from_batches([batch]).replace_schema_metadata({b"geo": geo})
        geometries = gpd.GeoDataFrame.from_arrow(table).geometry.to_numpy()
        present = ~pd.isna(geometries)
    attributes = batch.drop_columns([column]).to_pandas().astype(object)
    attributes = attributes.where(attributes.notna(), "").astype(str).reset_index(drop=True)
    return Features(attributes, geometries, present, crs)


def _excel_chunks(path: Path) -> Iterator[RawChunk]:
    try:
        frame = pd.read_excel(path, dtype=str, keep_default_na=False)
    except (ValueError, OSError, zipfile.BadZipFile, KeyError) as exc:
        raise ImportFileError(msg("{name} is not a readable Excel file: {exc}", name=path.name, exc=exc)) from None
    yield RawChunk(frame=frame.astype(str), first_row=1, malformed=[], lines=len(frame))
