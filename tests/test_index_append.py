"""Appending to the event index answers every query exactly like a full rebuild (the reference)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.grid import VIEW_RES_RANGE, EventIndex, Filters
from geo.store import MIRROR_COLUMNS, StoreMirror, delete_source, event_ids, insert_events, open_store, read_events
from geo.timewindow import TimeWindow
from tests.stores import store_url  # noqa: F401 - fixture

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
SPAN_S = 20 * 86400
TYPE_SETS = ((), ("apprehension",), ("apprehension", "smuggling", "sensor_alarm"))


def _batch(pool: pd.DataFrame, rng: np.random.Generator, *, size: int, start_s: int, late: float,
           all_cells: bool) -> pd.DataFrame:
    """``size`` events copied from ``pool``, at coarse times (ties) after ``start_s``, a share ``late`` before it."""
    cells = pool["cell"].unique()
    cells = cells if all_cells else cells[:8]
    rows = pool.iloc[rng.integers(0, len(pool), size)].reset_index(drop=True)
    when_s = start_s + rng.integers(0, 40, size) * 900
    is_late = rng.random(size) < late
    when_s[is_late] = rng.integers(0, max(start_s, 1), int(is_late.sum())) // 900 * 900
    rows["occurred_at"] = pd.to_datetime(T0) + pd.to_timedelta(when_s, unit="s") + pd.to_timedelta(
        rng.integers(0, 3, size) * 250, unit="ms")
    rows["cell"] = cells[rng.integers(0, cells.size, size)]
    rows["event_id"] = pd.Series([f"e{rng.integers(1 << 40)}" for _ in range(size)], dtype=pool["event_id"].dtype)
    return rows


def assert_same(index: EventIndex, reference: EventIndex, rng: np.random.Generator) -> None:
    """Every query of ``index`` equals that of ``reference`` on random windows, type sets and resolutions."""
    assert len(index) == len(reference)
    assert index.time_range() == reference.time_range()
    pd.testing.assert_frame_equal(index.events, reference.events)
    for name in ("t_s", "type_code", "persons", "high_impact"):
        np.testing.assert_array_equal(getattr(index, name), getattr(reference, name))
    for n in (0, 1, 7, 10_000):
        pd.testing.assert_frame_equal(index.latest(n), reference.latest(n))
    pd.testing.assert_frame_equal(index.latest(7), reference.events.tail(7))
    for res in range(VIEW_RES_RANGE[0], VIEW_RES_RANGE[1] + 1):
        np.testing.assert_array_equal(index.cells_at(res), reference.cells_at(res))
    for _ in range(4):
        lo, hi = np.sort(rng.integers(-86400, SPAN_S + 2 * 86400, 2))
        window = TimeWindow(T0 + timedelta(seconds=int(lo)), T0 + timedelta(seconds=int(hi) + 1))
        types = TYPE_SETS[rng.integers(len(TYPE_SETS))] or Filters(window).types
        filters = Filters(window, types=types, res=int(rng.integers(VIEW_RES_RANGE[0], VIEW_RES_RANGE[1] + 1)))
        assert index.window_slice(window) == reference.window_slice(window)
        assert index.totals(window, types) == reference.totals(window, types)
        cells = reference.aggregate(filters)
        pd.testing.assert_frame_equal(index.aggregate(filters), cells)
        pd.testing.assert_frame_equal(index.recent(window.start, window.end), reference.recent(window.start, window.end))
        # Some columns only (what the live map's report count decodes): the same rows and values, in frame order.
        full = reference.recent(window.start, window.end, types=types)
        some = index.recent(window.start, window.end, types=types, columns=("confidence", "cell", "type"))
        assert list(some.columns) == [c for c in full.columns if c in ("type", "confidence", "cell")]
        pd.testing.assert_frame_equal(some, full[list(some.columns)])
        for cell in [*cells["cell"].head(3), 0]:
            pd.testing.assert_frame_equal(index.cell_events(int(cell), filters), reference.cell_events(int(cell), filters))
        if window.duration >= timedelta(hours=6):
            got, want = index.cube(filters, step=timedelta(hours=6)), reference.cube(filters, step=timedelta(hours=6))
            np.testing.assert_array_equal(got[0], want[0])
            np.testing.assert_array_equal(got[1], want[1])


BATCH = st.tuples(st.integers(0, 40), st.sampled_from([0.0, 0.3, 1.0]), st.booleans(), st.booleans())
"""One append: how many rows, which share arrives late, whether it may bring new cells, whether to compact after."""


@settings(max_examples=25, deadline=None)
@given(batches=st.lists(BATCH, min_size=1, max_size=6), seed=st.integers(0, 2**32 - 1))
def test_appends_answer_like_a_rebuild(scenario, batches, seed) -> None:
    rng = np.random.default_rng(seed)
    frames = [_batch(scenario.events, rng, size=int(rng.integers(1, 30)), start_s=0, late=0.0, all_cells=False)]
    index = EventIndex(frames[0])
    history = [(index, EventIndex(frames[0]))]
    for k, (size, late, new_cells, compact) in enumerate(batches, start=1):
        frames.append(_batch(scenario.events, rng, size=size, start_s=k * SPAN_S // 7, late=late, all_cells=new_cells))
        index = index.appended(frames[-1])
        index = index.compacted() if compact else index
        history.append((index, EventIndex(pd.concat(frames, ignore_index=True))))
    for snapshot, reference in history:  # older snapshots stay valid while newer ones append
        assert_same(snapshot, reference, rng)


def test_appending_to_an_older_index_rebuilds_instead_of_overwriting(scenario) -> None:
    rng = np.random.default_rng(3)
    first, second, third = (_batch(scenario.events, rng, size=50, start_s=k * 86400, late=0.2, all_cells=True)
                            for k in range(3))
    old = EventIndex(first)
    newer = old.appended(second)
    branch = old.appended(third)
    assert_same(newer, EventIndex(pd.concat([first, second], ignore_index=True)), rng)
    assert_same(branch, EventIndex(pd.concat([first, third], ignore_index=True)), rng)


def test_in_order_appends_extend_the_columns_without_a_tail(scenario) -> None:
    rng = np.random.default_rng(4)
    index = EventIndex(_batch(scenario.events, rng, size=100, start_s=0, late=0.0, all_cells=True))
    for k in range(1, 5):
        index = index.appended(_batch(scenario.events, rng, size=100, start_s=k * 40 * 900, late=0.0, all_cells=True))
    assert index.tail_rows == 0 and len(index) == 500
    late = index.appended(_batch(scenario.events, rng, size=10, start_s=10 * 900, late=1.0, all_cells=True))
    assert late.tail_rows == 10 and late.compacted().tail_rows == 0


def _wait_compacted(mirror: StoreMirror) -> EventIndex:
    deadline = time.monotonic() + 10
    while (index := mirror.refresh()).tail_rows > mirror.compact_after_rows and time.monotonic() < deadline:
        time.sleep(0.01)
    return index


def test_mirror_appends_late_rows_and_rebuilds_after_a_delete(store_url: str, scenario) -> None:
    store = open_store(store_url)
    mirror = StoreMirror(store, compact_after_rows=60)
    rng = np.random.default_rng(5)
    events = scenario.events.sample(400, random_state=1).reset_index(drop=True)  # out of time order
    first = mirror.refresh()
    tails = []
    for part in np.array_split(np.arange(len(events)), 8):
        insert_events(store, events.iloc[part])
        index = _wait_compacted(mirror)
        tails.append(index.tail_rows)
        assert_same(index, EventIndex(read_events(store, columns=MIRROR_COLUMNS)), rng)
    assert index is not first and len(index) == 400
    assert max(tails) <= 60 < sum(tails)  # late rows went to the tail, which was merged in when it grew
    delete_source(store, "scenario")
    insert_events(store, events.iloc[:25])
    rebuilt = mirror.refresh()
    assert len(rebuilt) == 25 and len(index) == 400
    assert_same(rebuilt, EventIndex(read_events(store, columns=MIRROR_COLUMNS)), rng)
    shown = rebuilt.latest(3)
    assert "event_id" not in shown and event_ids(store, shown["seq"].tolist()) == dict(
        zip(shown["seq"], events.iloc[:25].set_index("occurred_at").loc[shown["occurred_at"], "event_id"], strict=True))
    store.close()


@pytest.mark.parametrize("n", [0, 3])
def test_empty_and_tiny_indexes(scenario, n) -> None:
    frame = scenario.events.head(n)
    index = EventIndex(frame).appended(scenario.events.iloc[n:n + 2])
    assert_same(index, EventIndex(scenario.events.head(n + 2)), np.random.default_rng(n))


def test_narrow_codes_widen_when_values_outgrow_them(scenario) -> None:
    """Persons, sources and seq start in the narrowest integer type; bigger values appended later widen them."""
    rng = np.random.default_rng(6)
    small = _batch(scenario.events, rng, size=20, start_s=0, late=0.0, all_cells=True).assign(seq=np.arange(20))
    big = _batch(scenario.events, rng, size=300, start_s=86400, late=0.5, all_cells=True)
    big = big.assign(persons=rng.integers(0, 70_000, 300), seq=np.arange(3_000_000_000, 3_000_000_300),
                     source=pd.Series([f"feed-{i}" for i in range(300)], dtype=small["source"].dtype))
    index = EventIndex(small).appended(big)
    assert_same(index, EventIndex(pd.concat([small, big], ignore_index=True)), rng)
    assert index.events["persons"].max() == big["persons"].max() and index.events["seq"].max() == 3_000_000_299


def test_lat_lon_are_kept_within_a_micrometre(scenario) -> None:
    index = EventIndex(scenario.events)
    order = np.argsort(scenario.events["occurred_at"].to_numpy(), kind="stable")
    for axis in ("lat", "lon"):
        np.testing.assert_allclose(index.events[axis], scenario.events[axis].to_numpy()[order], rtol=0, atol=1e-10)


@pytest.mark.parametrize("text", ["str", "object"])
def test_text_columns_come_back_as_given_missing_values_included(scenario, text) -> None:
    """Text columns are stored as codes into a vocabulary and decoded back (for ``str`` through Arrow)."""
    events = scenario.events.head(40).copy()
    impact = ["high" if i % 3 == 0 else None if i % 3 == 1 else "low" for i in range(40)]
    events["impact"] = pd.Series(impact, dtype=text)
    events["source"] = events["source"].astype(text)
    index = EventIndex(events)
    order = np.argsort(events["occurred_at"].to_numpy(), kind="stable")
    for name in ("impact", "source", "type"):
        expected = events[name].iloc[order].reset_index(drop=True)
        pd.testing.assert_series_equal(index.events[name], expected, check_index_type=False)
    assert index.events["impact"].isna().sum() == 13 and index.events["impact"].dtype == events["impact"].dtype
