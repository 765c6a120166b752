"""Tables people read at a glance: times as "28 Nov 2026, 14:05" (never ISO with microseconds), widths that fit.

Streamlit sizes a column by its longest text and scrolls the rest sideways in a narrow column: the
panels pass only the columns a reader needs and give numbers and short words a small width.
"""

from __future__ import annotations

import re
from typing import Final

import numpy as np
import pandas as pd
import streamlit as st
from babel.core import Locale
from babel.dates import get_datetime_format, match_skeleton

from dashboard.i18n import tr

WHEN_FORMAT: Final[str] = "D MMM YYYY, HH:mm"
"""A moment.js format: "28 Nov 2026, 14:05" (English)."""
SHORT_WHEN_FORMAT: Final[str] = "D MMM HH:mm"
"""Within the year a table is about: "28 Nov 14:05" (English)."""
MOMENT_TOKENS: Final[dict[str, str]] = {"d": "D", "dd": "DD", "M": "M", "MM": "MM", "y": "YYYY", "yy": "YY",
                                        "yyyy": "YYYY", "H": "H", "HH": "HH", "m": "m", "mm": "mm"}
"""CLDR date-pattern fields (Babel's) and the moment.js tokens Streamlit's table formats them with: numbers only
(moment.js names months in English)."""
_PATTERN_PART = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*|[^'A-Za-z]+")


def moment_format(cldr_pattern: str) -> str:
    """A CLDR date pattern (``d.M.y 'г'.``) as a moment.js format (``D.M.YYYY [г].``): fields in
    :data:`MOMENT_TOKENS`, quoted literals bracketed; a field outside that table is a :class:`ValueError`."""
    parts = []
    for match in _PATTERN_PART.finditer(cldr_pattern):
        part = match.group()
        if part.startswith("'"):
            literal = part[1:-1].replace("''", "'") if len(part) > 2 else "'"
            parts.append(f"[{literal}]")
        elif match.group(1):
            if part not in MOMENT_TOKENS:
                raise ValueError(f"no moment.js token for the CLDR field {part!r} in {cldr_pattern!r}")
            parts.append(MOMENT_TOKENS[part])
        else:
            parts.append(part)
    return "".join(parts)


def when_format(locale: str, *, short: bool = False) -> str:
    """The moment.js format of a UTC time in a table for Babel ``locale``: day, month (the year unless ``short``)
    and time. English names the month (:data:`WHEN_FORMAT`); Streamlit's table names months in English whatever
    the page's language, so other locales write the month as a number, ordered and joined the locale's way
    (``28.11.2026 г., 14:05`` in Macedonian), and the column still sorts as time."""
    known = Locale.parse(locale)
    if known.language == "en":
        return SHORT_WHEN_FORMAT if short else WHEN_FORMAT
    skeletons = known.datetime_skeletons
    date_pattern = skeletons[match_skeleton("Md" if short else "yMd", skeletons.keys())].pattern
    time_pattern = skeletons[match_skeleton("Hm", skeletons.keys())].pattern
    return str(get_datetime_format("medium", locale=known)).replace("{1}", moment_format(date_pattern)).replace(
        "{0}", moment_format(time_pattern))


def when_column(label: str, *, short: bool = False, width_px: int | None = None) -> st.column_config.DatetimeColumn:
    """A UTC time column as people read it in the session's language (``label`` says "UTC"; see
    :func:`when_format`); ``short`` leaves the year out; ``width_px`` fixes its width (default: Streamlit's
    medium)."""
    return st.column_config.DatetimeColumn(label, format=when_format(tr().language.locale, short=short),
                                           width=width_px or "medium")


def small(label: str, *, width_px: int | None = None) -> st.column_config.Column:
    """A column of numbers or short words, drawn narrow (``width_px``, default Streamlit's small) so its
    neighbours keep their room."""
    return st.column_config.Column(label, width=width_px or "small")


EMPTY_CELL: Final[str] = "—"
"""What an empty cell (a blanked count, a change with nothing to compare with) shows: Streamlit's table draws a
missing value as "None", whatever a Styler's ``na_rep`` says."""
HALF_COLUMN_PX: Final[int] = 450
"""A table's room in half of the page's main column on a 1500-px wide screen (~455 px; the Briefing's section table)."""


def with_dashes(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each column that has an empty cell turned to text: whole numbers, and :data:`EMPTY_CELL`
    where the value is missing (give those columns ``numbers`` in :func:`narrow_columns` to keep them right-aligned)."""
    out = frame.copy()
    for name in frame.columns:
        if frame[name].isna().any():
            out[name] = [EMPTY_CELL if pd.isna(v) else f"{v:.0f}" if isinstance(v, (int, float, np.number)) else str(v)
                         for v in frame[name]]
    return out


def narrow_columns(labels: list[str], *, first_px: int, words: tuple[str, ...] = (), total_px: int = HALF_COLUMN_PX
                   ) -> dict[str, st.column_config.Column]:
    """Widths (pixels) that fit ``labels`` into ``total_px`` without sideways scrolling in any language: the first
    column (names) ``first_px``, the others an equal share of the rest, right-aligned as figures are (except
    ``words``); a header cut short by its width is named in full by its help."""
    share = (total_px - first_px) // max(len(labels) - 1, 1)
    first, *others = labels
    return {first: st.column_config.Column(first, width=first_px, help=first),
            **{label: st.column_config.Column(label, width=share, help=label,
                                              alignment=None if label in words else "right") for label in others}}
