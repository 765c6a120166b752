"""History beyond the hot window, aggregated by the store in SQL, answers like an index holding everything."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from geo.grid import VIEW_RES_RANGE, EventIndex, Filters, parent_cells
from geo.models import EVENT_TYPES
from geo.store import (
    MIRROR_COLUMNS,
    StoreMirror,
    history_aggregate,
    history_totals,
    insert_events,
    open_store,
    parent_bits,
    read_events,
)
from geo.timewindow import TimeWindow
from tests.stores import store_url  # noqa: F401 - fixture

YEARS = 3


def _three_years(scenario) -> pd.DataFrame:
    """A sample of the scenario repeated every 90 days over three years, event ids kept unique."""
    sample = scenario.events.sample(600, random_state=2).reset_index(drop=True)
    copies = [sample.assign(occurred_at=sample["occurred_at"] - timedelta(days=90 * k),
                            received_at=sample["received_at"] - timedelta(days=90 * k),
                            event_id=sample["event_id"] + f"-{k}") for k in range(YEARS * 4)]
    return pd.concat(copies, ignore_index=True)


def test_parent_bits_are_the_grid_parents(scenario) -> None:
    cells = scenario.events["cell"].to_numpy(dtype=np.uint64)
    for res in range(VIEW_RES_RANGE[0], VIEW_RES_RANGE[1] + 1):
        keep, bits = parent_bits(res)
        as_sql = (cells.astype(np.int64) & np.int64(keep)) | np.int64(bits)  # what BIGINT arithmetic does
        np.testing.assert_array_equal(as_sql.astype(np.uint64), parent_cells(cells, res))


def test_windows_across_the_hot_window_answer_like_everything_in_memory(store_url: str, scenario) -> None:
    store = open_store(store_url)
    events = _three_years(scenario)
    insert_events(store, events)
    now = events["occurred_at"].max().to_pydatetime() + timedelta(hours=1)
    clock = [now]
    mirror = StoreMirror(store, hot_window_days=200, clock=lambda: clock[0])
    index = mirror.refresh()
    hot_from = datetime.fromtimestamp(mirror.hot_from_s, timezone.utc)
    assert len(index) == int((events["occurred_at"] >= hot_from).sum()) < len(events) / 4
    everything = EventIndex(read_events(store, columns=MIRROR_COLUMNS))
    start = events["occurred_at"].min().to_pydatetime()
    rng = np.random.default_rng(1)
    windows = [TimeWindow(start, now), TimeWindow(hot_from - timedelta(days=30), hot_from + timedelta(days=30)),
               TimeWindow(start, hot_from - timedelta(days=1)), TimeWindow(hot_from, now),
               TimeWindow(hot_from + timedelta(seconds=1), now)]
    for window in windows:
        for types in (EVENT_TYPES, ("apprehension", "smuggling"), ()):
            for res in (5, int(rng.integers(6, 10))):
                filters = Filters(window, types, res)
                pd.testing.assert_frame_equal(history_aggregate(store, index, filters, hot_from_s=mirror.hot_from_s),
                                              everything.aggregate(filters))
            assert history_totals(store, index, window, types, hot_from_s=mirror.hot_from_s) == everything.totals(
                window, types)
    clock[0] = now + timedelta(days=30)  # the window moves on by more than a tenth: a new cut, a smaller index
    insert_events(store, events.tail(1).assign(event_id="new", occurred_at=clock[0] - timedelta(minutes=1)))
    moved = mirror.refresh()
    assert mirror.hot_from_s > hot_from.timestamp() and len(moved) < len(index)
    everything = EventIndex(read_events(store, columns=MIRROR_COLUMNS))
    assert mirror.time_range() == everything.time_range()  # the store's whole span, not the index's
    filters = Filters(TimeWindow(start, clock[0]), EVENT_TYPES, 6)
    pd.testing.assert_frame_equal(history_aggregate(store, moved, filters, hot_from_s=mirror.hot_from_s),
                                  everything.aggregate(filters))
    store.close()


def test_old_history_keeps_its_last_days_in_memory(store_url: str, scenario) -> None:
    """The hot window ends at the newest stored event when that is older than now: never an empty index."""
    store = open_store(store_url)
    events = scenario.events.head(300)
    insert_events(store, events)
    years_later = events["occurred_at"].max().to_pydatetime() + timedelta(days=3 * 365)
    mirror = StoreMirror(store, hot_window_days=10, clock=lambda: years_later)
    index = mirror.refresh()
    newest = events["occurred_at"].max()
    assert len(index) == int((events["occurred_at"] >= newest - timedelta(days=10)).sum()) > 0
    assert mirror.time_range() == (events["occurred_at"].min().to_pydatetime(), newest.to_pydatetime())
    store.close()


@pytest.mark.parametrize("days", [0, 10_000])
def test_a_window_longer_than_the_data_keeps_everything(store_url: str, scenario, days) -> None:
    store = open_store(store_url)
    insert_events(store, scenario.events.head(200))
    mirror = StoreMirror(store, hot_window_days=days)
    assert len(mirror.refresh()) == 200 and (mirror.hot_from_s is None) == (days == 0)
    store.close()


def test_a_small_store_is_held_whole_whatever_the_window(store_url: str, scenario) -> None:
    """Years of an agency's history fit in memory: below ``keep_all_below`` events the window does not cut,
    and it cuts again once the store has grown past it."""
    store = open_store(store_url)
    events = scenario.events.head(300)  # about 12 hours of the scenario
    insert_events(store, events.head(200))
    years_later = events["occurred_at"].max().to_pydatetime() + timedelta(days=3 * 365)
    mirror = StoreMirror(store, hot_window_days=0.2, clock=lambda: years_later, keep_all_below=250)
    assert len(mirror.refresh()) == 200 and mirror.hot_from_s is None and mirror.time_range() is None
    insert_events(store, events.iloc[200:])
    newest = events["occurred_at"].max()
    assert len(mirror.refresh()) == int((events["occurred_at"] >= newest - timedelta(days=0.2)).sum()) < 300
    assert mirror.hot_from_s is not None
    store.close()
