"""Read event files in bounded memory as chunks of raw text rows.

CSV streams through Arrow's CSV reader (rows with the wrong number of fields are handed back
for the quarantine instead of being dropped); spatial files (GeoJSON, GeoPackage, Shapefile,
GeoParquet) are read in feature windows with their CRS checked and reprojected to EPSG:4326;
Excel sheets are read whole.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pyogrio
import shapely

from geo.errors import ImportFileError

CHUNK_ROWS: Final[int] = 100_000
CSV_SUFFIXES: Final[frozenset[str]] = frozenset({".csv", ".tsv", ".txt"})
SPATIAL_SUFFIXES: Final[frozenset[str]] = frozenset({".geojson", ".json", ".gpkg", ".shp", ".fgb"})
PARQUET_SUFFIXES: Final[frozenset[str]] = frozenset({".parquet", ".geoparquet"})
EXCEL_SUFFIXES: Final[frozenset[str]] = frozenset({".xlsx", ".xlsm"})
SUPPORTED: Final[tuple[str, ...]] = tuple(sorted(CSV_SUFFIXES | SPATIAL_SUFFIXES | PARQUET_SUFFIXES | EXCEL_SUFFIXES))


@dataclass(frozen=True)
class RawChunk:
    """Raw rows as text, the file row number of the first, and for spatial files the positions.

    ``malformed`` lists rows the parser could not split into the header's fields, as
    ``(row_number, text)``; ``geometry`` is ``(lon, lat, problem)`` with a quarantine code or
    ``None`` per row.
    """

    frame: pd.DataFrame
    first_row: int
    malformed: list[tuple[int, str]]
    geometry: tuple[pd.Series, pd.Series, pd.Series] | None = None


def is_spatial(path: Path) -> bool:
    """Whether rows of ``path`` carry their position in a geometry."""
    return path.suffix.lower() in SPATIAL_SUFFIXES | PARQUET_SUFFIXES


def file_columns(path: Path) -> list[str]:
    """The attribute columns of a file, without reading its rows (for choosing a mapping)."""
    first = next(read_chunks(path, chunk_rows=50), None)
    if first is None:
        raise ImportFileError(f"{path.name} holds no rows")
    return list(first.frame.columns)


def read_chunks(path: Path, *, chunk_rows: int = CHUNK_ROWS) -> Iterator[RawChunk]:
    """Chunks of at most ``chunk_rows`` rows of ``path``; raises :class:`ImportFileError` if unreadable."""
    if not path.is_file():
        raise ImportFileError(f"no file at {path}")
    if path.stat().st_size == 0:
        raise ImportFileError(f"{path.name} is empty")
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
        raise ImportFileError(f"{path.name}: unsupported file type {suffix!r}; supported: {', '.join(SUPPORTED)}")


def _csv_chunks(path: Path, chunk_rows: int, *, delimiter: str) -> Iterator[RawChunk]:
    malformed: list[tuple[int, str]] = []

    def keep_for_quarantine(row: pacsv.InvalidRow) -> str:
        # The streaming reader does not know line numbers: 0 = unknown; the text is kept whole.
        malformed.append((0, row.text))
        return "skip"

    read_options = pacsv.ReadOptions(block_size=1 << 22, encoding="utf-8")
    # Quoted values may hold line breaks (real exports do). Row numbers count parsed rows.
    parse_options = pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=keep_for_quarantine,
                                       newlines_in_values=True)
    try:
        # A first look for the header names, so that every column can be read as text.
        columns = pacsv.open_csv(path, read_options=read_options, parse_options=parse_options).schema.names
        malformed.clear()
        reader = pacsv.open_csv(
            path, read_options=read_options, parse_options=parse_options,
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in columns},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
        next_row = 1
        pending: list[pd.DataFrame] = []
        pending_rows = 0
        for batch in reader:
            pending.append(batch.to_pandas())
            pending_rows += batch.num_rows
            if pending_rows >= chunk_rows:
                frame = pd.concat(pending, ignore_index=True)
                yield RawChunk(frame=frame, first_row=next_row, malformed=_take(malformed))
                next_row += len(frame)
                pending, pending_rows = [], 0
        frame = pd.concat(pending, ignore_index=True) if pending else pd.DataFrame(columns=columns)
        yield RawChunk(frame=frame, first_row=next_row, malformed=_take(malformed))
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if "Empty CSV file" in str(exc):
            raise ImportFileError(f"{path.name} holds no header and no rows") from None
        raise ImportFileError(f"{path.name} is not a readable CSV: {str(exc).splitlines()[0]}") from None


def _delimiter(path: Path) -> str:
    """The field separator of a delimited text file, from its header line: tab, semicolon or comma."""
    with path.open("rb") as handle:
        header = handle.readline(65536).decode("utf-8", errors="replace")
    counts = {sep: header.count(sep) for sep in ("\t", ";", ",")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ","


def _take(items: list[tuple[int, str]]) -> list[tuple[int, str]]:
    taken = list(items)
    items.clear()
    return taken


def _spatial_chunk(frame: gpd.GeoDataFrame, path: Path, first_row: int) -> RawChunk:
    if frame.crs is None:
        raise ImportFileError(f"{path.name} has no coordinate reference system; add a .prj or a 'crs' member")
    if frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    geometry = frame.geometry
    missing = geometry.isna() | geometry.is_empty
    point = ~missing & (geometry.geom_type == "Point")
    problem = pd.Series(np.where(missing, "missing_geometry", np.where(point, None, "not_a_point")), dtype=object)
    values = geometry.to_numpy()
    lon = pd.Series(np.where(point, shapely.get_x(np.where(point, values, None)), np.nan), dtype=float)
    lat = pd.Series(np.where(point, shapely.get_y(np.where(point, values, None)), np.nan), dtype=float)
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name)).astype(object)
    attributes = attributes.where(attributes.notna(), "").astype(str).reset_index(drop=True)
    return RawChunk(frame=attributes, first_row=first_row, malformed=[], geometry=(lon, lat, problem))


def _ogr_chunks(path: Path, chunk_rows: int) -> Iterator[RawChunk]:
    try:
        total = int(pyogrio.read_info(path)["features"])
    except pyogrio.errors.DataSourceError as exc:
        raise ImportFileError(f"{path.name} is not a readable spatial file: {exc}") from None
    for skip in range(0, max(total, 1), chunk_rows):
        try:
            frame = pyogrio.read_dataframe(path, skip_features=skip, max_features=chunk_rows)
        except pyogrio.errors.DataSourceError as exc:
            raise ImportFileError(f"{path.name} is not a readable spatial file: {exc}") from None
        yield _spatial_chunk(frame, path, skip + 1)


def _parquet_chunks(path: Path, chunk_rows: int) -> Iterator[RawChunk]:
    try:
        parquet = pq.ParquetFile(path)
        geo_meta = parquet.schema_arrow.metadata or {}
    except (pa.ArrowInvalid, OSError) as exc:
        raise ImportFileError(f"{path.name} is not a readable Parquet file: {exc}") from None
    if b"geo" not in geo_meta:
        raise ImportFileError(f"{path.name} is Parquet without GeoParquet metadata; export it as GeoParquet or CSV")
    first = 1
    for batch in parquet.iter_batches(batch_size=chunk_rows):
        table = pa.Table.from_batches([batch]).replace_schema_metadata(geo_meta)
        frame = gpd.GeoDataFrame.from_arrow(table)
        yield _spatial_chunk(frame, path, first)
        first += len(frame)


def _excel_chunks(path: Path) -> Iterator[RawChunk]:
    try:
        frame = pd.read_excel(path, dtype=str, keep_default_na=False)
    except (ValueError, OSError, zipfile.BadZipFile, KeyError) as exc:
        raise ImportFileError(f"{path.name} is not a readable Excel file: {exc}") from None
    yield RawChunk(frame=frame.astype(str), first_row=1, malformed=[])
