"""Import an event file into the store: read in chunks, validate, insert, quarantine, report.

Every row read ends up in exactly one place: inserted, a duplicate of an event already stored
(same source and id), or the quarantine with its reason. ``read = inserted + duplicates +
quarantined`` holds for every import.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from geo.mapping import Mapping, choose_mapping, resolve
from geo.readers import CHUNK_ROWS, RawChunk, file_columns, is_spatial, read_chunks
from geo.store import Store
from geo.validate import REASONS, ChunkResult, validate_chunk

Progress = Callable[[int], None]
"""Called after each chunk with the number of rows read so far."""


@dataclass
class ImportReport:
    """What an import did. ``reasons`` counts quarantined rows per reason code."""

    file_name: str
    mapping: str
    source: str
    read: int = 0
    inserted: int = 0
    duplicates: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    import_id: int | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def summary(self) -> str:
        """Human-readable lines for the command line and the UI."""
        lines = [
            f"{self.file_name}: read {self.read:,} rows with mapping '{self.mapping}' (source '{self.source}')",
            f"  inserted    {self.inserted:>10,}",
            f"  duplicates  {self.duplicates:>10,}",
            f"  quarantined {self.quarantined:>10,}",
        ]
        lines += [f"    {code:<26} {n:>8,}  {REASONS.get(code, '')}" for code, n in self.reasons.items()]
        return "\n".join(lines)


def _malformed_rows(chunk: RawChunk, *, source: str, file_name: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": source,
            "file_name": file_name,
            "row_number": [n for n, _ in chunk.malformed],
            "reason": "malformed_row",
            "detail": [f"wrong number of fields: {text[:200]}" for _, text in chunk.malformed],
            "raw": [json.dumps({"line": text}, ensure_ascii=False) for _, text in chunk.malformed],
        }
    )


def import_file(path: Path, store: Store, *, mapping: str | Path | Mapping | None = None, now: datetime | None = None,
                progress: Progress | None = None, chunk_rows: int = CHUNK_ROWS) -> ImportReport:
    """Import ``path`` into ``store`` with ``mapping`` (a preset name, a TOML file, or ``None`` to detect).

    Raises :class:`geo.errors.ImportFileError` or :class:`geo.errors.MappingError` when the file
    cannot be read or mapped at all; nothing is written then.
    """
    path = Path(path)
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    columns = file_columns(path)
    chosen = choose_mapping(mapping, columns)
    resolved = resolve(chosen, columns, spatial=is_spatial(path))
    source = chosen.source or path.stem
    report = ImportReport(file_name=path.name, mapping=chosen.name, source=source)
    report.import_id = store.begin_import(file_name=path.name, mapping=chosen.name, source=source)
    reasons: Counter[str] = Counter()
    for chunk in read_chunks(path, chunk_rows=chunk_rows):
        result = validate_chunk(chunk.frame, resolved, source=source, file_name=path.name, first_row=chunk.first_row,
                                now=now, geometry_lonlat=chunk.geometry)
        quarantine = pd.concat([result.quarantine, _malformed_rows(chunk, source=source, file_name=path.name)],
                               ignore_index=True)
        inserted = store.insert_events(result.events, import_id=report.import_id)
        store.add_quarantine(quarantine, import_id=report.import_id)
        report.read += len(chunk.frame) + len(chunk.malformed)
        report.inserted += inserted
        report.duplicates += len(result.events) - inserted
        report.quarantined += len(quarantine)
        reasons.update(quarantine["reason"])
        if progress is not None:
            progress(report.read)
    report.reasons = dict(reasons.most_common())
    store.finish_import(report.import_id, read=report.read, inserted=report.inserted, duplicates=report.duplicates,
                        quarantined=report.quarantined)
    return report


def preview_file(path: Path, *, mapping: str | Path | Mapping | None = None, now: datetime | None = None,
                 rows: int = 20) -> tuple[Mapping, ChunkResult]:
    """What importing ``path`` would do to its first ``rows`` rows, without writing anything."""
    path = Path(path)
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    columns = file_columns(path)
    chosen = choose_mapping(mapping, columns)
    resolved = resolve(chosen, columns, spatial=is_spatial(path))
    chunk = next(read_chunks(path, chunk_rows=rows))
    frame = chunk.frame.head(rows)
    geometry = None if chunk.geometry is None else tuple(part.head(rows) for part in chunk.geometry)
    result = validate_chunk(frame, resolved, source=chosen.source or path.stem, file_name=path.name,
                            first_row=chunk.first_row, now=now, geometry_lonlat=geometry)
    return chosen, result
