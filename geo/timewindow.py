"""Time windows for filters and KPIs: presets relative to a reference time, and the window before.

All instants are timezone-aware UTC ``datetime`` objects; a window is half-open ``[start, end)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Final

from geo.errors import TimeWindowError

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
                raise TimeWindowError(f"{name} must be a timezone-aware datetime; got {value!r}")
            # Normalise to UTC so that every consumer (pandas ranges, epoch seconds) sees one zone.
            object.__setattr__(self, name, value.astimezone(timezone.utc))
        if self.end <= self.start:
            raise TimeWindowError(f"the window ends ({self.end:%Y-%m-%d %H:%M}) before it starts ({self.start:%Y-%m-%d %H:%M})")

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
        raise TimeWindowError(f"unknown time window {name!r}; choose one of {sorted(PRESETS)} or a custom range") from None
    return TimeWindow(now - length, now)


def day_range_window(first_day: datetime, last_day: datetime) -> TimeWindow:
    """A custom window covering whole UTC days from ``first_day`` through ``last_day`` inclusive."""
    start = datetime(first_day.year, first_day.month, first_day.day, tzinfo=timezone.utc)
    end = datetime(last_day.year, last_day.month, last_day.day, tzinfo=timezone.utc) + timedelta(days=1)
    return TimeWindow(start, end)
