"""Daily bars: part-days at a period's ends are marked (never a sudden fall), one date label under each bar, and a
replayed part-day frame is compared with the same hours of the day before (hand-computed cases)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dashboard.components.kpis import kpi_figures  # noqa: E402
from geo.briefing import day_labels  # noqa: E402
from geo.briefing.pdf import _trend  # noqa: E402
from geo.grid import BASE_RES, EventIndex, Filters, latlng_to_cells  # noqa: E402
from geo.i18n import translator  # noqa: E402
from geo.models import EVENT_TYPES  # noqa: E402
from geo.timewindow import TimeWindow, day_shares, same_hours_day_before  # noqa: E402

UTC = timezone.utc
EN = translator("en")


def _days(first: str, n: int) -> pd.DatetimeIndex:
    return pd.date_range(first, periods=n, freq="D", tz="UTC")


def test_day_shares_of_a_window_that_starts_and_ends_mid_day() -> None:
    window = TimeWindow(datetime(2026, 11, 28, 18, tzinfo=UTC), datetime(2026, 12, 1, 6, tzinfo=UTC))
    # 28 Nov: 18:00-24:00 = 6 h; 29 and 30 Nov whole; 1 Dec: 00:00-06:00 = 6 h; 2 Dec outside.
    np.testing.assert_allclose(day_shares(_days("2026-11-28", 5), window), [0.25, 1.0, 1.0, 0.25, 0.0])
    whole = TimeWindow(datetime(2026, 11, 28, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))
    np.testing.assert_allclose(day_shares(_days("2026-11-28", 2), whole), [1.0, 1.0])


@settings(max_examples=80, deadline=None)
@given(start_min=st.integers(0, 60 * 24 * 20), length_min=st.integers(1, 60 * 24 * 40))
def test_day_shares_add_up_to_the_window(start_min: int, length_min: int) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=start_min)
    window = TimeWindow(start, start + timedelta(minutes=length_min))
    days = pd.date_range(pd.Timestamp(window.start).floor("D"), window.end, freq="D", inclusive="left")
    shares = day_shares(days, window)
    assert abs(shares.sum() * 24 * 60 - length_min) < 1e-6
    assert ((shares > 0) & (shares <= 1)).all()
    assert (shares[1:-1] == 1).all()  # only the first and the last day can be part-days


def test_one_label_per_bar_with_the_month_where_it_changes() -> None:
    assert day_labels(_days("2026-11-28", 5)) == ["28 Nov", "29 Nov", "30 Nov", "1 Dec", "2 Dec"]
    assert day_labels(_days("2026-11-25", 12), sep=" ") == ["25 Nov", "26", "27", "28", "29", "30", "1 Dec", "2", "3",
                                                            "4", "5", "6"]
    assert day_labels(_days("2026-11-28", 2), tr=translator("el")) == ["28 Νοε", "29 Νοε"]


def test_pdf_trend_hatches_the_part_days_and_labels_each_bar() -> None:
    window = TimeWindow(datetime(2026, 11, 24, 10, 12, tzinfo=UTC), datetime(2026, 12, 1, 10, 12, tzinfo=UTC))
    days = _days("2026-11-24", 8)
    series = pd.Series([21.0, 50, 48, 52, np.nan, 47, 49, 20], index=days)
    fig, ax = plt.subplots()
    _trend(ax, series, 3, window, EN)
    bars = [p for p in ax.patches]
    assert len(bars) == 8
    hatched = sorted(matplotlib.dates.num2date(p.get_x() + p.get_width() / 2).day for p in bars if p.get_hatch())
    assert hatched == [1, 24]  # the first and last days, cut by the period
    assert [t.get_text() for t in ax.get_xticklabels()] == ["24 Nov", "25 Nov", "26 Nov", "27 Nov", "28 Nov",
                                                            "29 Nov", "30 Nov", "1 Dec"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(legend) == ["part-day (the period starts or ends in it)",
                              "withheld: 1–2 events, or hidden with such a day"]
    plt.close(fig)


def _index(hours: list[float], start: datetime) -> EventIndex:
    cell = latlng_to_cells(np.array([41.141]), np.array([22.502]), BASE_RES)[0]
    return EventIndex(pd.DataFrame({
        "event_id": [f"E{i}" for i in range(len(hours))],
        "occurred_at": [start + timedelta(hours=h) for h in hours],
        "type": ["irregular_crossing"] * len(hours),
        "persons": [1] * len(hours),
        "impact": ["low"] * len(hours),
        "cell": [cell] * len(hours),
    }))


def test_a_replayed_part_day_is_compared_with_the_same_hours_the_day_before() -> None:
    day0 = datetime(2026, 11, 27, tzinfo=UTC)
    # 27 Nov: 6 events before 14:00, 4 after. 28 Nov: 6 events 04:00-14:00 (the night's end), then the frame
    # (from 14:00, cut by a window starting then) with 4 events.
    index = _index([1, 2, 3, 4, 5, 13, 15, 18, 20, 22, *(24 + h for h in range(5, 11)), 24 + 15, 24 + 18, 24 + 20,
                    24 + 23], day0)
    frame = TimeWindow(datetime(2026, 11, 28, 14, tzinfo=UTC), datetime(2026, 11, 29, tzinfo=UTC))
    assert same_hours_day_before(frame) == TimeWindow(datetime(2026, 11, 27, 14, tzinfo=UTC),
                                                      datetime(2026, 11, 28, tzinfo=UTC))
    filters = Filters(frame, EVENT_TYPES, 6)
    replayed = kpi_figures(index, filters, hot_cells=1, data_start=day0, tr=EN, replayed=True)
    assert replayed[0].value == "4" and replayed[0].delta == "±0 (±0%)"  # 4 against the same 10 hours: no change
    # The 10 hours before (28 Nov 04:00-14:00) hold the night's 6: a false fall of a third.
    plain = kpi_figures(index, filters, hot_cells=1, data_start=day0, tr=EN)
    assert plain[0].delta == "-2 (-33%)"
    # Before the data there is nothing to compare with: no delta.
    assert kpi_figures(index, filters, hot_cells=1, data_start=frame.start, tr=EN, replayed=True)[0].delta is None


def test_months_of_daily_bars_label_the_months_only_in_the_pdf() -> None:
    """Seven months of history (214 bars) carry the first day and each month's first, not 214 labels in one smear."""
    days = pd.date_range("2019-06-01", "2019-12-31", freq="D", tz="UTC")
    series = pd.Series(np.arange(len(days), dtype=float), index=days)
    window = TimeWindow(days[0].to_pydatetime(), (days[-1] + pd.Timedelta(days=1)).to_pydatetime())
    fig, ax = plt.subplots()
    _trend(ax, series, 3, window, EN)
    shown = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert shown == ["1\nJun", "1\nJul", "1\nAug", "1\nSep", "1\nOct", "1\nNov", "1\nDec"]
    plt.close(fig)
