"""Delimited text read record by record, with every physical line accounted for.

Arrow's CSV reader (our reader before) folds everything after a stray opening quote into one
field and reports one row for a thousand lines, and it cannot say on which line a bad row sits.
Python's ``csv`` reader, fed one physical line at a time, can: each record knows its lines.

- A record whose field count differs from the header's is ``malformed_row`` (its lines named).
- A record spanning several lines is a quoted value with line breaks (real exports have them)
  unless it spans more than :data:`MAX_LINES_PER_ROW` lines or one of its continuation lines
  is a complete row by itself: then a stray quote folded rows together, and each of its lines
  is quarantined on its own as ``malformed_row``; the rows after the closing quote import.
- A line longer than :data:`MAX_LINE_BYTES`, or a field longer than the ``csv`` module's field
  limit, is ``oversized_row``; a line that is not UTF-8 is ``bad_encoding``. The other rows import.
- Blank lines are counted, not rows.

Line numbers are physical line numbers of the file (the header is line 1).

Reading line by line costs Python work per row, so plain blocks (no quote, no lone CR, no
blank or overlong line, valid UTF-8, every line as wide as the header: see ``_csv_blocks``) are
parsed by Arrow whole; they give exactly the rows the line-by-line reader would, and every
other block, or a record running on past its block, is read line by line as described above.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Final

import numpy as np
import pandas as pd

from geo.ingest._csv_blocks import BLOCK_BYTES, line_count, next_block, plain_frame

MAX_LINE_BYTES: Final[int] = 1 << 22
"""Longest physical line read (4 MiB, the block size of the reader before): longer ones are quarantined."""
MAX_LINES_PER_ROW: Final[int] = 100
"""A quoted value spanning more lines than this is a stray quote, not a text with line breaks."""
_TEXT_LIMIT: Final[int] = 200
"""Characters of a refused line kept in the detail (the raw record keeps all of it)."""


@dataclass(frozen=True, slots=True)
class Refused:
    """One refused line or record: its first file line, its text, a reason code and a detail."""

    line: int
    text: str
    reason: str
    detail: str


@dataclass
class CsvChunk:
    """Rows of one chunk with the file line of each, the refused records, and the lines they came from."""

    frame: pd.DataFrame
    lines_of_rows: np.ndarray
    refused: list[Refused] = field(default_factory=list)
    lines: int = 0
    blank: int = 0


class _Lines:
    """The physical lines of a binary file, decoded and held until the current record ends.

    The ``csv`` reader counts the lines it took (``line_num``); problems met on the way wait in
    ``problems`` for the record they belong to. ``number`` is the file line last read, by this
    reader or by the fast path, which reads blocks from the same handle between records.
    """

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.held: list[str] = []
        self.problems: list[tuple[str, str]] = []
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        readline, held, problems = self.handle.readline, self.held, self.problems
        while raw := readline(MAX_LINE_BYTES + 1):
            self.number += 1
            number = self.number
            try:
                if len(raw) > MAX_LINE_BYTES and raw[-1:] != b"\n":
                    size = len(raw) + self._skip_rest()
                    problems.append(("oversized_row", (f"line {number} holds {size:,} bytes; a line may hold at most "
                                                       f"{MAX_LINE_BYTES:,} (the reader's block size)")))
                    text = "\n"  # its bytes are not kept: the record is refused with the reason
                else:
                    text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                text = raw.decode("utf-8", errors="replace")
                problems.append(("bad_encoding", f"line {number} is not UTF-8 (byte {exc.start + 1})"))
            held.append(text)
            yield text

    def _skip_rest(self) -> int:
        skipped = 0
        while chunk := self.handle.readline(MAX_LINE_BYTES):
            skipped += len(chunk)
            if chunk.endswith(b"\n"):
                break
        return skipped

    def take(self) -> tuple[list[str], tuple[str, str] | None]:
        """The lines of the record just read and the first problem met in them; both are reset."""
        lines, problem = list(self.held), (self.problems[0] if self.problems else None)
        self.held.clear()
        self.problems.clear()
        return lines, problem


def _folded(lines: list[str], width: int, delimiter: str) -> bool:
    """Whether a multi-line record is rows folded together by a stray quote rather than one quoted value.

    A continuation line that is a whole row by itself, read with quotes or with quotes taken as
    text (a second stray quote), gives the fold away.
    """
    if len(lines) > MAX_LINES_PER_ROW:
        return True
    if width < 2:
        return False
    return any(_width(line, delimiter, quoting) == width for line in lines[1:]
               for quoting in (csv.QUOTE_MINIMAL, csv.QUOTE_NONE))


def _width(line: str, delimiter: str, quoting: int) -> int:
    """The number of fields of ``line`` read alone (-1 when it does not read as one row)."""
    try:
        rows = list(csv.reader([line], delimiter=delimiter, quoting=quoting, strict=False))
    except csv.Error:
        return -1
    return len(rows[0]) if len(rows) == 1 else -1


def _refuse_each(lines: list[str], first: int, reason: str, detail: str) -> list[Refused]:
    return [Refused(first + i, text.rstrip("\r\n"), reason, detail) for i, text in enumerate(lines)]


def csv_chunks(path: Path, *, delimiter: str, chunk_rows: int, block_bytes: int = BLOCK_BYTES) -> Iterator[CsvChunk]:
    """Chunks of at most ``chunk_rows`` rows of the delimited file ``path`` (all values text).

    Blocks of ``block_bytes`` that are plain (see :func:`plain_frame`) are parsed whole; the
    others, and a record that runs on past its block, are read line by line. Both give the same
    chunks (``block_bytes=0`` reads every line the careful way). Raises ``ValueError`` when the
    file has no header; every other problem is a refused record.
    """
    with path.open("rb") as handle:
        lines = _Lines(handle)
        reader = csv.reader(iter(lines), delimiter=delimiter, strict=False)
        header: list[str] | None = None
        while header is None:
            try:
                header = next(reader) or None
            except StopIteration:
                raise ValueError("no header and no rows") from None
            except csv.Error as exc:
                raise ValueError(f"the header line cannot be read: {exc}") from None
            lines.take()
        header[0] = header[0].removeprefix("\ufeff")
        width = len(header)
        out = _Chunks(header, chunk_rows)
        held, problems = lines.held, lines.problems
        limit = min(csv.field_size_limit(), MAX_LINE_BYTES)
        careful_until = 0 if block_bytes > 0 else sys.maxsize  # the file line up to which lines are read one by one
        while True:
            if lines.number >= careful_until:
                # Between records (nothing held), past the careful stretch: try the next block whole.
                block, whole = next_block(handle, block_bytes)
                if not block:
                    break
                frame = plain_frame(block, width, delimiter, limit) if whole else None
                if frame is not None:
                    yield from out.add_frame(frame, lines.number + 1)
                    lines.number += len(frame)
                    continue
                handle.seek(-len(block), 1)  # 1 = from the current position: the careful reader starts there
                careful_until = lines.number + max(1, line_count(block))
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                _refuse(out.chunk, lines, lines.number, str(exc), width, delimiter)
                continue
            if len(held) == 1 and not problems and len(fields) == width:
                # The common case, kept lean: one line, one row.
                out.rows.append(fields)
                out.row_lines.append(lines.number)
                held.clear()
                out.chunk.lines += 1
                if out.full():
                    yield out.finish()
            elif (kept := _refuse(out.chunk, lines, lines.number, None, width, delimiter, fields)) is not None:
                out.rows.append(fields)
                out.row_lines.append(kept)
        yield out.finish()


class _Chunks:
    """The chunk being built: frames of plain blocks and rows read one by one, in file order.

    A chunk is finished as soon as a row read on the common path makes it full, whichever way the
    row was read, so that both ways cut the file into the same chunks.
    """

    def __init__(self, header: list[str], chunk_rows: int) -> None:
        self.header, self.chunk_rows = header, chunk_rows
        self.rows: list[list[str]] = []
        self.row_lines: list[int] = []
        self._start()

    def _start(self) -> None:
        self.chunk = CsvChunk(frame=pd.DataFrame(), lines_of_rows=np.empty(0, dtype=np.int64))
        self.frames: list[pd.DataFrame] = []
        self.frame_lines: list[np.ndarray] = []
        self.in_frames = 0

    def full(self) -> bool:
        """Whether the chunk holds ``chunk_rows`` rows or more."""
        return self.in_frames + len(self.rows) >= self.chunk_rows

    def _flush_rows(self) -> None:
        # Rows read one by one become a frame of their own, so that the order of rows is kept.
        if self.rows:
            self.frames.append(pd.DataFrame(self.rows, dtype=object))
            self.frame_lines.append(np.asarray(self.row_lines, dtype=np.int64))
            self.in_frames += len(self.rows)
            self.rows, self.row_lines = [], []

    def add_frame(self, frame: pd.DataFrame, first_line: int) -> Iterator[CsvChunk]:
        """Add the rows of a plain block starting on file line ``first_line``; yields the chunks they fill."""
        start = 0
        while start < len(frame):
            self._flush_rows()
            # At least one row even when the chunk is already full (a multi-line row filled it).
            take = min(len(frame) - start, max(1, self.chunk_rows - self.in_frames))
            piece = frame if take == len(frame) else frame.iloc[start:start + take]
            self.frames.append(piece)
            self.frame_lines.append(np.arange(first_line + start, first_line + start + take, dtype=np.int64))
            self.in_frames += take
            self.chunk.lines += take
            start += take
            if self.full():
                yield self.finish()

    def finish(self) -> CsvChunk:
        """The chunk built so far, with its frame; a new chunk is started."""
        chunk = self.chunk
        self._flush_rows()
        if not self.frames:
            chunk.frame = pd.DataFrame(columns=self.header, dtype=object)
            chunk.lines_of_rows = np.empty(0, dtype=np.int64)
        else:
            frame = self.frames[0] if len(self.frames) == 1 else pd.concat(self.frames, ignore_index=True)
            if frame.index.start != 0:  # a slice of a block
                frame = frame.reset_index(drop=True)
            frame.columns = self.header
            chunk.frame = frame
            chunk.lines_of_rows = np.concatenate(self.frame_lines)
        self._start()
        return chunk


def _refuse(chunk: CsvChunk, lines: _Lines, last_line: int, error: str | None, width: int, delimiter: str,
            fields: list[str] | None = None) -> int | None:
    """Account for a record off the common path (ending on ``last_line``); returns its first line when it is a
    row after all."""
    held, problem = lines.take()
    first = last_line - len(held) + 1
    chunk.lines += len(held)
    text = "".join(held).rstrip("\r\n")
    folded = error is None and len(held) > 1 and fields is not None and _folded(held, width, delimiter)
    if error is None and not folded and problem is None and fields is not None and fields and len(fields) != width:
        error = f"{len(fields)} fields, the header {width}: {text[:_TEXT_LIMIT]}"
    if error is not None and len(held) == 1:
        reason = "oversized_row" if "field limit" in error else "malformed_row"
        chunk.refused.append(Refused(first, text, reason, f"line {first}: {error}"))
    elif folded or error is not None or (problem is not None and len(held) > 1):
        # A record of several lines refused: each line on its own, so that every line is accounted for.
        last = first + len(held) - 1
        why = error or (problem[1] if problem and not folded else
                        f"a quote opened on line {first} closes only on line {last} (an unbalanced quote)")
        reason = ("oversized_row" if error and "field limit" in error
                  else problem[0] if problem and not folded and not error else "malformed_row")
        chunk.refused += _refuse_each(held, first, reason, f"lines {first}-{last} were read as one row: {why}")
    elif problem is not None:
        chunk.refused.append(Refused(first, text, *problem))
    elif not fields:
        chunk.blank += 1
    else:
        return first  # a quoted value with line breaks: a row like any other
    return None

