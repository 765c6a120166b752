"""Ages and window headings for history: "6 years ago", not "60554 h ago"."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.errors import TimeWindowError
from geo.timewindow import TimeWindow, describe_age, describe_window

DAY = 86400.0
RANKS = {"s": 0, "min": 1, "h": 2, "day": 3, "days": 3, "month": 4, "months": 4, "year": 5, "years": 5}


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0 s"), (-30, "0 s"), (59.9, "59 s"), (89, "89 s"),
    (90, "1 min"), (119, "1 min"), (5399, "89 min"),
    (5400, "1 h"), (47 * 3600 + 3599, "47 h"),
    (48 * 3600, "2 days"), (59 * DAY + 1, "59 days"),
    (60 * DAY, "1 month"),                 # 60 / 30.44 = 1.97
    (365 * DAY, "11 months"),              # 365 / 30.44 = 11.99
    (730.5 * DAY, "2 years"),
    (60554 * 3600, "6 years"),             # the ticker's "60554 h ago": 2,523 days = 6.9 years
    (100 * 365.2425 * DAY, "100 years"),
])
def test_hand_computed_ages(seconds: float, text: str) -> None:
    assert describe_age(seconds) == text


def _key(text: str) -> tuple[int, int]:
    number, unit = text.split()
    return RANKS[unit], int(number)


@given(st.floats(min_value=-1e6, max_value=1e11, allow_nan=False), st.floats(min_value=0, max_value=1e11))
def test_ages_grow_with_the_age_and_are_never_negative(seconds: float, more: float) -> None:
    first, second = describe_age(seconds), describe_age(seconds + more)
    assert int(first.split()[0]) >= 0 and int(second.split()[0]) >= 0
    assert _key(first) <= _key(second)


def test_nan_is_refused() -> None:
    with pytest.raises(TimeWindowError):
        describe_age(float("nan"))


def test_window_heading_shows_the_year_only_when_not_this_year() -> None:
    now = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
    this_year = TimeWindow(datetime(2026, 11, 21, tzinfo=timezone.utc), now)
    assert describe_window(this_year, now=now) == "21 Nov 00:00 – 28 Nov 12:00 UTC"
    history = TimeWindow(datetime(2019, 6, 1, tzinfo=timezone.utc), datetime(2020, 1, 1, tzinfo=timezone.utc))
    assert describe_window(history, now=now) == "01 Jun 2019 00:00 – 01 Jan 2020 00:00 UTC"
