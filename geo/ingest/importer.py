"""Import an event file into the store: read in chunks, validate, insert, quarantine, report.

Every row read ends up in exactly one place: inserted, a duplicate of an event already stored
(same source and id), or the quarantine with its reason. ``read = inserted + duplicates +
quarantined`` holds for every import, and ``lines`` counts what the user can check in the file
(physical lines of a CSV after the header, features of a spatial file). An import that stops
part-way, for any reason, leaves its ``imports`` record ``failed`` with its counts so far.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from queue import Empty
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import ImportFileError, LimesError, describe, msg
from geo.i18n import Translator, translator
from geo.ingest.mapping import Mapping, ResolvedMapping, resolve
from geo.ingest.presets import choose_mapping
from geo.ingest.readers import CHUNK_ROWS, RawChunk, file_columns, is_spatial, read_chunks
from geo.ingest.validate import REASONS, ChunkResult, validate_chunk
from geo.models import check_source_name
from geo.settings import EARLIEST_EVENT
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
    lines: int = 0
    blank: int = 0
    inserted: int = 0
    duplicates: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    import_id: int | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def summary(self, tr: Translator | None = None) -> str:
        """Human-readable lines for the command line, in ``tr``'s language (default English); the reason codes
        stay codes (they name the quarantine's rows), their explanations are in ``tr``'s language too."""
        tr = tr or translator()
        fields = {"file": self.file_name, "n": tr.number(self.lines), "blank": tr.number(self.blank)}
        read = (tr.ngettext("{file}: read {n} line, {blank} of them blank", "{file}: read {n} lines, {blank} of them "
                            "blank", self.lines) if self.blank
                else tr.ngettext("{file}: read {n} line", "{file}: read {n} lines", self.lines)).format(**fields)
        rows = tr.ngettext("{n} row with mapping '{mapping}' (source '{source}')",
                           "{n} rows with mapping '{mapping}' (source '{source}')", self.read).format(
            n=tr.number(self.read), mapping=self.mapping, source=self.source)
        counts = [(tr.gettext("inserted"), self.inserted), (tr.gettext("duplicates"), self.duplicates),
                  (tr.gettext("quarantined"), self.quarantined)]
        width = max(len(label) for label, _ in counts)
        lines = [f"{read}: {rows}", *(f"  {label:<{width}} {tr.number(n):>10}" for label, n in counts)]
        lines += [f"    {code:<26} {tr.number(n):>8}  {tr.gettext(REASONS[code]) if code in REASONS else ''}"
                  for code, n in self.reasons.items()]
        return "\n".join(lines)


def _malformed_rows(chunk: RawChunk, *, source: str, file_name: str) -> pd.DataFrame:
    """The reader's refused records as quarantine records; row numbers count data lines, as for rows."""
    return pd.DataFrame(
        {
            "source": source,
            "file_name": file_name,
            "row_number": pd.Series([r.line - 1 for r in chunk.malformed], dtype=np.int64),
            "reason": [r.reason for r in chunk.malformed],
            "detail": [r.detail for r in chunk.malformed],
            "raw": [json.dumps({"line": r.text}, ensure_ascii=False) for r in chunk.malformed],
        }
    )


PROCESS_PIPELINE_BYTES = 16 * 1024 * 1024
"""Files larger than this are read and validated in a second process while this one writes."""


@dataclass(frozen=True)
class _Batch:
    """One chunk, ready to write: event rows in store order, and quarantine records."""

    read: int
    lines: int
    blank: int
    rows: list[tuple[Any, ...]]
    quarantine: pd.DataFrame


def _validated(path: Path, resolved: ResolvedMapping, source: str, now: datetime, chunk_rows: int,
               import_id: int | None, earliest: datetime) -> Iterator[_Batch]:
    """Each chunk of ``path`` validated and converted to store rows."""
    for chunk in read_chunks(path, chunk_rows=chunk_rows):
        result = validate_chunk(chunk.frame, resolved, source=source, file_name=path.name,
                                first_row=chunk.first_row, now=now, geometry_lonlat=chunk.geometry,
                                row_numbers=chunk.row_numbers, earliest=earliest)
        malformed = _malformed_rows(chunk, source=source, file_name=path.name)
        yield _Batch(read=len(chunk.frame) + len(chunk.malformed), lines=chunk.lines, blank=chunk.blank,
                     rows=event_rows(result.events, import_id),
                     quarantine=pd.concat([q for q in (result.quarantine, malformed) if not q.empty] or [malformed],
                                          ignore_index=True))


def _exit_with_parent() -> None:
    """In the worker: end this process as soon as the importing process is gone (killed, even with -9).

    Without it a worker blocked on a full queue outlives a killed importer, and so does the
    resource tracker both share.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)  # nothing of this process is worth finishing: its only reader is gone

    threading.Thread(target=watch, name="limes-parent-watch", daemon=True).start()


def _produce(queue: Any, path: Path, resolved: ResolvedMapping, source: str, now: datetime, chunk_rows: int,
             import_id: int | None, earliest: datetime) -> None:
    """Worker process: put validated chunks on ``queue``, then ``None``; an exception is put instead."""
    _exit_with_parent()
    try:
        for item in _validated(path, resolved, source, now, chunk_rows, import_id, earliest):
            queue.put(item)
    except Exception as exc:  # any failure is handed over to the importing process, which re-raises it
        queue.put(exc)
        return
    queue.put(None)


def _in_worker_process(path: Path, resolved: ResolvedMapping, source: str, now: datetime, chunk_rows: int,
                       import_id: int | None, earliest: datetime) -> Iterator[_Batch]:
    """:func:`_validated`, computed one or two chunks ahead in a separate process (both cores busy).

    The worker is spawned, never forked: polars' native thread pool (and a server's threads)
    would deadlock a forked child. A spawn costs ~1-2 s of imports, paid back on the large files
    this path is for.
    """
    context = multiprocessing.get_context("spawn")
    queue = context.Queue(maxsize=2)
    worker = context.Process(target=_produce, args=(queue, path, resolved, source, now, chunk_rows, import_id, earliest),
                             daemon=True)
    worker.start()
    try:
        while True:
            try:
                item = queue.get(timeout=1.0)
            except Empty:
                if worker.exitcode is not None:  # died without a word (killed, or out of memory)
                    raise ImportFileError(msg("the reader process for {name} stopped (exit code {exitcode}); nothing "
                                              "after the rows reported was imported",
                                              name=path.name, exitcode=worker.exitcode)) from None
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
    # A whole-file refusal before anything is written: the scenario's refresh would delete these rows.
    check_source_name(chosen.source or path.stem,
                      what=msg("{name} (rename the file or set the mapping's source)", name=path.name))
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
                progress: Progress | None = None, chunk_rows: int = CHUNK_ROWS,
                earliest: datetime = EARLIEST_EVENT) -> ImportReport:
    """Import ``path`` into ``store`` with ``mapping`` (a preset name, a TOML file, or ``None`` to detect).

    Rows timed before ``earliest`` (UTC) are quarantined as ``bad_date``. Raises
    :class:`geo.errors.ImportFileError` or :class:`geo.errors.MappingError` when the file cannot be
    read or mapped at all (nothing is written then). A :class:`geo.errors.LimesError` that appears
    part-way (a bad byte deep in the file, the store refusing) keeps its class and attributes and
    gets a note naming how far the import got (what landed stays; a re-import is idempotent and
    adds the rest). Whatever stops an import part-way (an error, Ctrl-C, a termination signal the
    command line turns into an exit) leaves its ``imports`` record ``failed`` with its counts.
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
        for batch in pipeline(path, resolved, source, now, chunk_rows, report.import_id, earliest):
            rows, quarantine = batch.rows, batch.quarantine
            # A batch's events and its quarantined rows land together: a stop part-way never counts half a batch.
            with store.transaction() as tx:
                inserted = insert_rows(tx, rows)
                add_quarantine(tx, quarantine, import_id=report.import_id)
            report.read += batch.read
            report.lines += batch.lines
            report.blank += batch.blank
            report.inserted += inserted
            report.duplicates += len(rows) - inserted
            report.quarantined += len(quarantine)
            reasons.update(quarantine["reason"])
            if progress is not None:
                progress(report.read)
    except BaseException as exc:
        # Stopped part-way (a bad byte deep in the file, the store refusing, Ctrl-C): keep what landed, say so.
        try:
            _finish(store, report, error=describe(exc) if isinstance(exc, LimesError) else type(exc).__name__)
        except LimesError as unrecorded:  # the store failing is often why the import failed: show the first error
            exc.add_note(msg("the import could not be recorded as failed: {error}", error=describe(unrecorded)))
        if isinstance(exc, LimesError):
            exc.add_note(msg("stopped after {read:,} rows; {inserted:,} events of them were imported (import "
                             "#{import_id}); importing the file again adds only the rest",
                             read=report.read, inserted=report.inserted, import_id=report.import_id))
        raise
    report.reasons = dict(reasons.most_common())
    _finish(store, report, error=None)
    return report


def _finish(store: Store, report: ImportReport, *, error: str | None) -> None:
    assert report.import_id is not None
    finish_import(store, report.import_id, read=report.read, inserted=report.inserted, duplicates=report.duplicates,
                  quarantined=report.quarantined, lines=report.lines, error=error)


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
