"""Event times from text, within what pandas and Arrow can hold.

pandas 3 parses year 0, 1500 or 2300 at a coarser unit than nanoseconds; the event columns are
nanoseconds (as Arrow's and the index's), so such times become NaT here, and the row is a
``bad_date``, instead of an overflow part-way through an import.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

_TIME_RANGE: Final[tuple[pd.Timestamp, pd.Timestamp]] = (pd.Timestamp.min.tz_localize("UTC"),
                                                          pd.Timestamp.max.tz_localize("UTC"))
"""What a nanosecond timestamp holds (1677-09-21 to 2262-04-11): pandas and Arrow hold no more."""


def _to_times(text: pd.Series, fmt: str) -> pd.Series:
    """``text`` as UTC nanosecond timestamps with ``fmt``; NaT where unreadable or outside what they hold."""
    try:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
    except (ValueError, OverflowError):
        # A whole-column parse can still give up on one extreme value: then value by value.
        parsed = pd.Series([_one_time(v, fmt) for v in text], index=text.index, dtype=object)
        parsed = pd.to_datetime(parsed, utc=True)
    # pandas parses year 0, 1500 or 2300 at a coarser unit; a nanosecond column cannot hold them.
    inside = (parsed >= _TIME_RANGE[0]) & (parsed <= _TIME_RANGE[1])
    return parsed.where(inside).astype("datetime64[ns, UTC]")


def _one_time(value: str, fmt: str) -> pd.Timestamp | None:
    try:
        return pd.to_datetime(value, format=fmt, errors="coerce", utc=True)
    except (ValueError, OverflowError):
        return None


def parse_times(text: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    """UTC timestamps from text: each format in turn, then ISO 8601; NaT where nothing fits or the time is outside
    1677-2262 (what pandas and Arrow hold)."""
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    for fmt in formats:
        missing = result.isna()
        if not missing.any():
            return result
        result[missing] = _to_times(text[missing], fmt)
    missing = result.isna() & (text != "")
    if missing.any():
        result[missing] = _to_times(text[missing], "ISO8601")
    return result
