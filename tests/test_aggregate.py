"""Re-aggregation against hand-computed cases and the naive pandas + h3-py path."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import EventDataError, EventTypeError, ResolutionError, TimeWindowError
from geo.grid import BASE_RES, EventIndex, Filters, latlng_to_cells
from geo.models import EVENT_TYPES
from geo.timewindow import TimeWindow, day_range_window, preset_window

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
GEVGELIJA = (41.141, 22.502)
BITOLA = (41.039, 21.340)


def _events(rows: list[tuple[float, float, int, str, int]]) -> pd.DataFrame:
    """Rows of (lat, lon, minutes after T0, type, persons)."""
    lat = np.array([r[0] for r in rows])
    lon = np.array([r[1] for r in rows])
    return pd.DataFrame(
        {
            "event_id": [f"E{i}" for i in range(len(rows))],
            "occurred_at": [T0 + timedelta(minutes=r[2]) for r in rows],
            "type": [r[3] for r in rows],
            "persons": [r[4] for r in rows],
            "impact": ["high" if r[4] >= 10 else "low" for r in rows],
            "cell": latlng_to_cells(lat, lon, BASE_RES),
        }
    )


HAND = _events(
    [
        (*GEVGELIJA, 10, "irregular_crossing", 4),
        (*GEVGELIJA, 20, "apprehension", 12),
        (*GEVGELIJA, 70, "irregular_crossing", 3),
        (*BITOLA, 30, "smuggling", 0),
        (*BITOLA, 120, "sensor_alarm", 0),
    ]
)


def test_hand_built_counts() -> None:
    index = EventIndex(HAND)
    first_hour = TimeWindow(T0, T0 + timedelta(hours=1))
    agg = index.aggregate(Filters(first_hour, EVENT_TYPES, 7)).set_index("cell")
    gev = h3i.latlng_to_cell(*GEVGELIJA, 7)
    bit = h3i.latlng_to_cell(*BITOLA, 7)
    assert agg.loc[gev, "events"] == 2 and agg.loc[gev, "persons"] == 16
    assert agg.loc[bit, "events"] == 1 and agg.loc[bit, "persons"] == 0
    assert len(agg) == 2
    totals = index.totals(first_hour)
    assert (totals.events, totals.persons, totals.high_impact) == (3, 16, 1)


def test_window_is_half_open() -> None:
    index = EventIndex(HAND)
    exactly = TimeWindow(T0 + timedelta(minutes=10), T0 + timedelta(minutes=70))
    assert index.totals(exactly).events == 3  # 10, 20 and 30 in; 70 is the end, out


def test_type_filter() -> None:
    index = EventIndex(HAND)
    day = TimeWindow(T0, T0 + timedelta(days=1))
    agg = index.aggregate(Filters(day, ("irregular_crossing",), 5))
    assert agg["events"].tolist() == [2] and agg["persons"].tolist() == [7]
    assert index.totals(day, ()).events == 0


def test_cell_events_are_the_cells_rows_newest_first() -> None:
    index = EventIndex(HAND)
    day = Filters(TimeWindow(T0, T0 + timedelta(days=1)), EVENT_TYPES, 8)
    rows = index.cell_events(h3i.latlng_to_cell(*GEVGELIJA, 8), day)
    assert rows["event_id"].tolist() == ["E2", "E1", "E0"]
    assert index.cell_events(h3i.latlng_to_cell(0.0, 0.0, 8), day).empty


def test_matches_naive_pandas_h3_on_the_scenario(scenario, index) -> None:
    events = scenario.events
    window = preset_window("Last 30 days", now=scenario.end)
    types = ("irregular_crossing", "apprehension", "citizen_report")
    for res in range(5, 10):
        ours = index.aggregate(Filters(window, types, res)).set_index("cell")
        sel = events[(events["occurred_at"] >= window.start) & (events["occurred_at"] < window.end)
                     & events["type"].isin(types)]
        parents = np.array([h3i.cell_to_parent(int(c), res) for c in sel["cell"]], dtype=np.uint64)
        naive = sel.assign(parent=parents).groupby("parent").agg(events=("cell", "size"), persons=("persons", "sum"))
        assert ours.index.tolist() == naive.index.tolist()
        np.testing.assert_array_equal(ours["events"].to_numpy(), naive["events"].to_numpy())
        np.testing.assert_array_equal(ours["persons"].to_numpy(), naive["persons"].to_numpy())


@settings(max_examples=60, deadline=None)
@given(
    start_h=st.integers(0, 90 * 24), length_h=st.integers(1, 90 * 24),
    types=st.sets(st.sampled_from(EVENT_TYPES)), res=st.integers(5, 9),
)
def test_counts_are_preserved(scenario, index, start_h: int, length_h: int, types: set[str], res: int) -> None:
    start = datetime(2026, 8, 30, tzinfo=timezone.utc) + timedelta(hours=start_h)
    window = TimeWindow(start, start + timedelta(hours=length_h))
    chosen = tuple(sorted(types))
    agg = index.aggregate(Filters(window, chosen, res))
    totals = index.totals(window, chosen)
    assert int(agg["events"].sum()) == totals.events
    assert int(agg["persons"].sum()) == totals.persons
    assert (agg["events"] > 0).all()
    events = scenario.events  # and both equal to a plain pandas filter, independent of the index
    sel = events[(events["occurred_at"] >= window.start) & (events["occurred_at"] < window.end)
                 & events["type"].isin(chosen)]
    assert (totals.events, totals.persons) == (len(sel), int(sel["persons"].sum()))


def test_previous_window_and_custom_days() -> None:
    now = datetime(2026, 11, 28, 9, 30, tzinfo=timezone.utc)
    week = preset_window("Last 7 days", now=now)
    assert week.previous() == TimeWindow(now - timedelta(days=14), now - timedelta(days=7))
    days = day_range_window(datetime(2026, 11, 1), datetime(2026, 11, 3))
    assert days.duration == timedelta(days=3) and days.start.tzinfo is not None


def test_bad_filters_explain_themselves() -> None:
    window = TimeWindow(T0, T0 + timedelta(hours=1))
    with pytest.raises(EventTypeError, match="unknown event type"):
        Filters(window, ("alien_landing",), 7)
    with pytest.raises(ResolutionError, match="3..9"):
        Filters(window, EVENT_TYPES, 11)
    with pytest.raises(TimeWindowError, match="before it starts"):
        TimeWindow(T0, T0)
    with pytest.raises(TimeWindowError, match="timezone-aware"):
        TimeWindow(datetime(2026, 1, 1), datetime(2026, 1, 2))
    with pytest.raises(TimeWindowError, match="unknown time window"):
        preset_window("Last decade", now=T0)
    with pytest.raises(EventDataError, match="lack column"):
        EventIndex(HAND.drop(columns=["cell"]))


def test_event_series_bins_cover_the_window_exactly() -> None:
    from geo.grid import event_series

    times = pd.Series(pd.to_datetime(["2026-11-01 00:10", "2026-11-01 00:50", "2026-11-02 23:59", "2026-11-03 12:00"],
                                     utc=True))
    three_days = day_range_window(datetime(2026, 11, 1), datetime(2026, 11, 3))
    daily = event_series(times, three_days)
    assert daily["events"].tolist() == [2, 1, 1]  # 1, 2 and 3 Nov; no bin for 4 Nov
    one_day = TimeWindow(datetime(2026, 11, 1, tzinfo=timezone.utc), datetime(2026, 11, 2, tzinfo=timezone.utc))
    hourly = event_series(times, one_day)
    assert len(hourly) == 24 and hourly["events"].iloc[0] == 2 and hourly["events"].sum() == 2
    athens = timezone(timedelta(hours=2))
    shifted = TimeWindow(datetime(2026, 11, 1, 2, tzinfo=athens), datetime(2026, 11, 2, 2, tzinfo=athens))
    assert event_series(times, shifted).equals(hourly)  # any aware zone is normalised to UTC
