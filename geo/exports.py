"""Tables leave Limes as data: no spreadsheet formula survives an export (OWASP CSV injection).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)``, ``@SUM(...)``, DDE). Every CSV and
spreadsheet export goes through :func:`safe_table`, which puts a ``'`` before such text cells
(spreadsheets show the text, and drop the quote when it is retyped). Numbers stay numbers: a
negative count is data, and only text cells are changed.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

FORMULA_STARTS: Final[tuple[str, ...]] = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP)."""


def neutralise(value: object) -> object:
    """``value`` with a ``'`` before it when it is text a spreadsheet would read as a formula; else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_table(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every text cell neutralised (:func:`neutralise`); column names too."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def csv_bytes(table: pd.DataFrame) -> bytes:
    """``table`` as UTF-8 CSV without its index, every text cell neutralised: the one way Limes writes CSV.

    Lines end in CRLF (RFC 4180): the writer then quotes every value holding a CR or LF, which a
    bare-LF writer leaves unquoted for a lone CR, splitting the row in any reader.
    """
    return safe_table(table).to_csv(index=False, lineterminator="\r\n").encode("utf-8")
