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
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Final

import numpy as np
import pandas as pd

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
    ``problems`` for the record they belong to.
    """

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.held: list[str] = []
        self.problems: list[tuple[str, str]] = []

    def __iter__(self) -> Iterator[str]:
        readline, held, problems = self.handle.readline, self.held, self.problems
        number = 0
        while raw := readline(MAX_LINE_BYTES + 1):
            number += 1
            try:
                if len(raw) > MAX_LINE_BYTES and raw[-1:] != b"\n":
                    size = len(raw) + self._skip_rest()
                    problems.append(("oversized_row", f"line {number} holds {size:,} bytes; a line may hold at most "
                                                      f"{MAX_LINE_BYTES:,} (the reader's block size)"))
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


def csv_chunks(path: Path, *, delimiter: str, chunk_rows: int) -> Iterator[CsvChunk]:
    """Chunks of at most ``chunk_rows`` rows of the delimited file ``path`` (all values text).

    Raises ``ValueError`` when the file has no header; every other problem is a refused record.
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
        rows: list[list[str]] = []
        row_lines: list[int] = []
        chunk = CsvChunk(frame=pd.DataFrame(), lines_of_rows=np.empty(0, dtype=np.int64))
        held, problems = lines.held, lines.problems
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                _refuse(chunk, lines, reader.line_num, str(exc), width, delimiter)
                continue
            if len(held) == 1 and not problems and len(fields) == width:
                # The common case, kept lean: one line, one row.
                rows.append(fields)
                row_lines.append(reader.line_num)
                held.clear()
                chunk.lines += 1
                if len(rows) >= chunk_rows:
                    yield _finish(chunk, rows, row_lines, header)
                    rows, row_lines = [], []
                    chunk = CsvChunk(frame=pd.DataFrame(), lines_of_rows=np.empty(0, dtype=np.int64))
            elif (kept := _refuse(chunk, lines, reader.line_num, None, width, delimiter, fields)) is not None:
                rows.append(fields)
                row_lines.append(kept)
        yield _finish(chunk, rows, row_lines, header)


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


def _finish(chunk: CsvChunk, rows: list[list[str]], row_lines: list[int], header: list[str]) -> CsvChunk:
    chunk.frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header, dtype=object)
    chunk.lines_of_rows = np.asarray(row_lines, dtype=np.int64)
    return chunk
