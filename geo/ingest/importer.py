"""Import an event file into the store: read in chunks, validate, insert, quarantine, report.

Every row read ends up in exactly one place: inserted, a duplicate of an event already stored
(same source and id), or the quarantine with its reason. ``read = inserted + duplicates +
quarantined`` holds for every import.
"""

from __future__ import annotations

import json
import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from queue import Empty
from typing import Any

import pandas as pd

from geo.errors import ImportFileError, LimesError
from geo.ingest.mapping import Mapping, ResolvedMapping, choose_mapping, resolve
from geo.ingest.readers import CHUNK_ROWS, RawChunk, file_columns, is_spatial, read_chunks
from geo.ingest.validate import REASONS, ChunkResult, validate_chunk
from geo.store import Store, add_quarantine, begin_import, event_rows, finish_import, insert_rows

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


PROCESS_PIPELINE_BYTES = 16 * 1024 * 1024
"""Files larger than this are read and validated in a second process while this one writes."""


@dataclass(frozen=True)
class _Batch:
    """One chunk, ready to write: event rows in store order, and quarantine records."""

    read: int
    rows: list[tuple[Any, ...]]
    quarantine: pd.DataFrame


def _validated(path: Path, resolved: ResolvedMapping, source: str, now: datetime, chunk_rows: int,
               import_id: int | None) -> Iterator[_Batch]:
    """Each chunk of ``path`` validated and converted to store rows."""
    for chunk in read_chunks(path, chunk_rows=chunk_rows):
        result = validate_chunk(chunk.frame, resolved, source=source, file_name=path.name,
                                first_row=chunk.first_row, now=now, geometry_lonlat=chunk.geometry)
        malformed = _malformed_rows(chunk, source=source, file_name=path.name)
        yield _Batch(read=len(chunk.frame) + len(chunk.malformed), rows=event_rows(result.events, import_id),
                     quarantine=pd.concat([result.quarantine, malformed], ignore_index=True))


def _produce(queue: Any, path: Path, resolved: ResolvedMapping, source: str, now: datetime, chunk_rows: int,
             import_id: int | None) -> None:
    """Worker process: put validated chunks on ``queue``, then ``None``; an exception is put instead."""
    try:
        for item in _validated(path, resolved, source, now, chunk_rows, import_id):
            queue.put(item)
    except Exception as exc:  # any failure is handed over to the importing process, which re-raises it
        queue.put(exc)
        return
    queue.put(None)


def _in_worker_process(path: Path, resolved: ResolvedMapping, source: str, now: datetime, chunk_rows: int,
                       import_id: int | None) -> Iterator[_Batch]:
    """:func:`_validated`, computed one or two chunks ahead in a separate process (both cores busy).

    The worker is spawned, never forked: polars' native thread pool (and a server's threads)
    would deadlock a forked child. A spawn costs ~1-2 s of imports, paid back on the large files
    this path is for.
    """
    context = multiprocessing.get_context("spawn")
    queue = context.Queue(maxsize=2)
    worker = context.Process(target=_produce, args=(queue, path, resolved, source, now, chunk_rows, import_id),
                             daemon=True)
    worker.start()
    try:
        while True:
            try:
                item = queue.get(timeout=1.0)
            except Empty:
                if worker.exitcode is not None:  # died without a word (killed, or out of memory)
                    raise ImportFileError(f"the reader process for {path.name} stopped (exit code "
                                          f"{worker.exitcode}); nothing after the rows reported was imported") from None
                continue
            if item is None:
                return
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        worker.terminate()
        worker.join()


def _fit_mapping(path: Path, mapping: str | Path | Mapping | None) -> tuple[Mapping, ResolvedMapping]:
    """The mapping for ``path`` (chosen or detected) and its fit to the file's columns."""
    columns = file_columns(path)
    chosen = choose_mapping(mapping, columns)
    return chosen, resolve(chosen, columns, spatial=is_spatial(path))


def check_importable(path: Path, *, mapping: str | Path | Mapping | None = None) -> Mapping:
    """The mapping that will import ``path``, after reading its columns and first rows; raises as :func:`import_file`.

    Call it before opening (and so creating) a store: a file refused here writes nothing anywhere.
    """
    path = Path(path)
    chosen, _ = _fit_mapping(path, mapping)
    next(read_chunks(path, chunk_rows=20), None)  # a file unreadable from its first rows fails here, not in the store
    return chosen


def import_file(path: Path, store: Store, *, mapping: str | Path | Mapping | None = None, now: datetime | None = None,
                progress: Progress | None = None, chunk_rows: int = CHUNK_ROWS) -> ImportReport:
    """Import ``path`` into ``store`` with ``mapping`` (a preset name, a TOML file, or ``None`` to detect).

    Raises :class:`geo.errors.ImportFileError` or :class:`geo.errors.MappingError` when the file
    cannot be read or mapped at all (nothing is written then). A :class:`geo.errors.LimesError` that
    appears part-way (a bad byte deep in the file, the store refusing) keeps its class and attributes
    and gets a note naming how far the import got (what landed stays; a re-import is idempotent and
    adds the rest).
    """
    path = Path(path)
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    chosen, resolved = _fit_mapping(path, mapping)
    source = chosen.source or path.stem
    report = ImportReport(file_name=path.name, mapping=chosen.name, source=source)
    report.import_id = begin_import(store, file_name=path.name, mapping=chosen.name, source=source)
    reasons: Counter[str] = Counter()

    pipeline = _in_worker_process if path.stat().st_size > PROCESS_PIPELINE_BYTES else _validated
    try:
        for batch in pipeline(path, resolved, source, now, chunk_rows, report.import_id):
            # A batch's events and its quarantined rows land together: a stop part-way never counts half a batch.
            with store.transaction() as tx:
                inserted = insert_rows(tx, batch.rows)
                add_quarantine(tx, batch.quarantine, import_id=report.import_id)
            report.read += batch.read
            report.inserted += inserted
            report.duplicates += len(batch.rows) - inserted
            report.quarantined += len(batch.quarantine)
            reasons.update(batch.quarantine["reason"])
            if progress is not None:
                progress(report.read)
    except LimesError as exc:
        # A problem part-way (a bad byte deep in the file, the store refusing): keep what landed, say so.
        finish_import(store, report.import_id, read=report.read, inserted=report.inserted,
                            duplicates=report.duplicates, quarantined=report.quarantined)
        exc.add_note(f"stopped after {report.read:,} rows; {report.inserted:,} events of them were imported "
                     f"(import #{report.import_id}); importing the file again adds only the rest")
        raise
    report.reasons = dict(reasons.most_common())
    finish_import(store, report.import_id, read=report.read, inserted=report.inserted, duplicates=report.duplicates,
                        quarantined=report.quarantined)
    return report


def preview_file(path: Path, *, mapping: str | Path | Mapping | None = None, now: datetime | None = None,
                 rows: int = 20) -> tuple[Mapping, ChunkResult]:
    """What importing ``path`` would do to its first ``rows`` rows, without writing anything."""
    path = Path(path)
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    chosen, resolved = _fit_mapping(path, mapping)
    chunk = next(read_chunks(path, chunk_rows=rows))
    frame = chunk.frame.head(rows)
    geometry = None if chunk.geometry is None else tuple(part.head(rows) for part in chunk.geometry)
    result = validate_chunk(frame, resolved, source=chosen.source or path.stem, file_name=path.name,
                            first_row=chunk.first_row, now=now, geometry_lonlat=geometry)
    return chosen, result
