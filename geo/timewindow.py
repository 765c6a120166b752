"""Time windows for filters and KPIs: presets relative to a reference time, and the window before.

All instants are timezone-aware UTC ``datetime`` objects; a window is half-open ``[start, end)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.errors import TimeWindowError, msg

PRESETS: Final[dict[str, timedelta]] = {
    "Last 24 h": timedelta(hours=24),
    "Last 7 days": timedelta(days=7),
    "Last 30 days": timedelta(days=30),
}
"""Named windows ending at the reference time; "Custom" is the fourth choice in the UI."""


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A half-open UTC interval ``[start, end)``."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, datetime) or value.tzinfo is None:
                raise TimeWindowError(msg("{name} must be a timezone-aware datetime; got {value!r}",
                                          name=name, value=value))
            # Normalise to UTC so that every consumer (pandas ranges, epoch seconds) sees one zone.
            object.__setattr__(self, name, value.astimezone(timezone.utc))
        if self.end <= self.start:
            raise TimeWindowError(msg("the window ends ({end:%Y-%m-%d %H:%M}) before it starts ({start:%Y-%m-%d "
                                      "%H:%M})", end=self.end, start=self.start))

    @property
    def duration(self) -> timedelta:
        """Length of the window."""
        return self.end - self.start

    def previous(self) -> TimeWindow:
        """The window of the same length that ends where this one starts (for KPI changes)."""
        return TimeWindow(self.start - self.duration, self.start)

    def epoch_s(self) -> tuple[int, int]:
        """Start and end as integer seconds since the Unix epoch (UTC)."""
        return int(self.start.timestamp()), int(self.end.timestamp())


def preset_window(name: str, *, now: datetime) -> TimeWindow:
    """The preset window ``name`` (a key of :data:`PRESETS`) ending at ``now``."""
    try:
        length = PRESETS[name]
    except KeyError:
        raise TimeWindowError(msg("unknown time window {name!r}; choose one of {presets} or a custom range",
                                  name=name, presets=sorted(PRESETS))) from None
    return TimeWindow(now - length, now)


def day_shares(days: pd.DatetimeIndex, window: TimeWindow) -> npt.NDArray[np.float64]:
    """The share (0-1) of each UTC day, given by its start in ``days``, that lies inside ``window``.

    Whole days give 1; the part-days where a window starts or ends mid-day give less (a bar of one
    counts only those hours and must not be read as a fall), days outside it 0.
    """
    start_s = days.tz_localize("UTC").as_unit("s").asi8 if days.tz is None else days.tz_convert("UTC").as_unit(
        "s").asi8
    first_s, last_s = window.epoch_s()
    inside_s = np.minimum(start_s + 86_400, last_s) - np.maximum(start_s, first_s)
    return np.clip(inside_s, 0, 86_400) / 86_400.0


def same_hours_day_before(window: TimeWindow) -> TimeWindow:
    """The same clock hours one day earlier: what a replayed frame (an hour, a day, or the part of a day a window
    cuts) is compared with, so that a part-day meets the same part of the day before and the night's rhythm is
    compared with itself."""
    return TimeWindow(window.start - timedelta(days=1), window.end - timedelta(days=1))


def day_range_window(first_day: datetime, last_day: datetime) -> TimeWindow:
    """A custom window covering whole UTC days from ``first_day`` through ``last_day`` inclusive."""
    start = datetime(first_day.year, first_day.month, first_day.day, tzinfo=timezone.utc)
    end = datetime(last_day.year, last_day.month, last_day.day, tzinfo=timezone.utc) + timedelta(days=1)
    return TimeWindow(start, end)


_AGE_UNITS: Final[tuple[tuple[float, float, str, str], ...]] = (
    # (shown below this many seconds, seconds per unit, singular, plural)
    (90.0, 1.0, "s", "s"),
    (90 * 60.0, 60.0, "min", "min"),
    (48 * 3600.0, 3600.0, "h", "h"),
    (60 * 86400.0, 86400.0, "day", "days"),
    (730.5 * 86400.0, 30.436875 * 86400.0, "month", "months"),
    (float("inf"), 365.2425 * 86400.0, "year", "years"),
)
"""Each unit is used from the previous unit's limit on; whole units, rounded down (never "0 months")."""


def describe_age(seconds: float) -> str:
    """An age as a person says it: "45 s", "12 min", "5 h", "3 days", "8 months", "6 years".

    Seconds below 90 s, minutes below 90 min, hours below 48 h, days below 60 days, months below
    two years, then years; whole units rounded down. Negative ages (clock skew) read "0 s".

    Parameters
    ----------
    seconds : float
        The age in seconds.
    """
    if math.isnan(seconds):  # no age at all is a bug upstream, not "0 s"
        raise TimeWindowError(msg("an age needs a number of seconds; got NaN"))
    seconds = max(0.0, float(seconds))
    for limit, unit, singular, plural in _AGE_UNITS:
        if seconds < limit:
            n = int(seconds // unit)
            return f"{n} {singular if n == 1 else plural}"
    raise AssertionError("unreachable: the last unit has no limit")


def describe_instant(when: datetime, *, now: datetime) -> str:
    """``when`` as "05 Jun 14:00", with the year ("05 Jun 2019 14:00") when it is not ``now``'s year."""
    return f"{when:%d %b %Y %H:%M}" if when.year != now.year else f"{when:%d %b %H:%M}"


def describe_window(window: TimeWindow, *, now: datetime) -> str:
    """A window heading: "21 Nov 00:00 – 28 Nov 00:00 UTC", with years when either end is not in ``now``'s year."""
    if window.start.year == window.end.year == now.year:
        return f"{window.start:%d %b %H:%M} – {window.end:%d %b %H:%M} UTC"
    return f"{window.start:%d %b %Y %H:%M} – {window.end:%d %b %Y %H:%M} UTC"


def describe_length(hours: float) -> str:
    """A window's length in words: "24 h", "1 day", "7 days" (whole days from two days up, whole hours below);
    other lengths are rounded to the nearest whole unit, never printed as "6.12006 days"."""
    if hours < 0 or math.isnan(hours):
        raise TimeWindowError(msg("a length needs hours >= 0; got {hours!r}", hours=hours))
    if hours < 48:
        n = round(hours)
        return f"{n} h"
    days = round(hours / 24)
    return f"{days} day{'' if days == 1 else 's'}"
