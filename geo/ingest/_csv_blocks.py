"""The fast path of the CSV reader: large blocks of plain lines parsed by Arrow in one go.

Reading line by line (``_csv``) accounts for every line but costs Python work per row. Almost
every block of a real export is plain: no quote, no lone carriage return, no blank line, no line
longer than a field may be, valid UTF-8, every line with the header's field count. On such a
block the line-by-line reader would make exactly one row of each line, split at the delimiter,
so Arrow can parse it instead with the same result. Any block that is not plain is handed back
to the careful reader, which alone decides what is refused and why.
"""

from __future__ import annotations

from typing import BinaryIO, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

BLOCK_BYTES: Final[int] = 1 << 23
"""Bytes read at a time by the fast path (8 MiB, ~90 k rows of our native CSV)."""


def next_block(handle: BinaryIO, size: int) -> tuple[bytes, bool]:
    """The next block of ``handle``, cut after its last line break, and whether it holds whole lines only.

    The handle is left after the block. A block of ``size`` bytes without a line break (one line
    longer than a block) is returned whole and marked partial: the careful reader takes that line.
    """
    block = handle.read(size)
    if len(block) < size:
        return block, True  # the end of the file: its last line needs no line break
    cut = block.rfind(b"\n") + 1
    if cut == 0:
        return block, False
    handle.seek(cut - len(block), 1)  # 1 = from the current position: back to the cut
    return block[:cut], True


def line_count(block: bytes) -> int:
    """Physical lines in ``block`` (a last line without a line break counts)."""
    return block.count(b"\n") + (not block.endswith(b"\n"))


def plain_frame(block: bytes, width: int, delimiter: str, line_limit: int) -> pd.DataFrame | None:
    """The rows of ``block`` (columns ``0 .. width - 1``, all text) when it is plain; ``None`` when it is not.

    Parameters
    ----------
    block : bytes
        Whole lines of the file, none of them the header.
    width : int
        The header's field count; each line must have as many.
    delimiter : str
        The field separator (one ASCII character).
    line_limit : int
        Lines of this many bytes or more are not plain: a field of one of them might exceed the
        ``csv`` module's field limit, or the line the reader's longest line.

    Returns
    -------
    pandas.DataFrame or None
        One row per line, in order, values as the ``csv`` reader would give them (``str``, empty
        fields ``""``), with a ``RangeIndex``; ``None`` when the careful reader must read the block.
    """
    # A quote may open a value spanning lines; a lone CR ends a record for the csv module but not
    # for our line count; NUL and bad bytes have their own handling: all of those go the careful way.
    if width < 2 or b'"' in block or b"\x00" in block or block.count(b"\r") != block.count(b"\r\n"):
        return None
    if not block.isascii():
        try:
            block.decode("utf-8")
        except UnicodeDecodeError:
            return None
    lines = line_count(block)
    if len(block) >= line_limit:
        breaks = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
        ends = np.append(breaks, len(block)) if lines > len(breaks) else breaks
        if int(np.diff(ends, prepend=-1).max()) - 1 >= line_limit:
            return None
    names = [str(i) for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(block),
            read_options=pacsv.ReadOptions(column_names=names),
            # No quote in the block: quoting off reads the same fields and cannot span lines.
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=False),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except pa.ArrowInvalid:
        return None  # a line with another field count: the careful reader names it
    if table.num_rows != lines:
        return None  # Arrow skips blank lines, which the careful reader counts as blank
    return pd.DataFrame({i: table.column(i).to_numpy(zero_copy_only=False) for i in range(width)}, dtype=object)

