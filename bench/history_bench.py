"""History beyond the hot window: a 3-year window at res 5 aggregated by the store in SQL, beside the index.

The events are the store-shaped, scaled-up scenario events of :mod:`bench.mirror_bench`, spread
evenly over three years. Ours: :func:`geo.store.store_aggregate` (SQL, H3 parents by bit
operations) on SQLite and, when ``LIMES_TEST_PG_URL`` names a server, on PostgreSQL. The
comparison is the in-memory answer :meth:`geo.grid.EventIndex.aggregate` of an index holding the
same events: the price of not holding history in memory. Both answers are checked equal.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from bench.harness import Figure, median_seconds
from bench.mirror_bench import store_shaped
from bench.store_bench import _drop_pg_schema, _fresh_pg_url
from geo.grid import EventIndex, Filters
from geo.store import insert_events, open_store, store_aggregate
from geo.timewindow import TimeWindow

YEARS = 3
RES = 5


def _three_years(n_events: int) -> pd.DataFrame:
    events = store_shaped(n_events, seed=21)
    rng = np.random.default_rng(21)
    end_s = int(events["occurred_at"].max().timestamp())
    when = pd.to_datetime(end_s - rng.integers(0, YEARS * 365 * 86400, n_events), unit="s", utc=True)
    return events.assign(occurred_at=when, received_at=when, attrs="{}").drop(columns=["seq"])


def _store_ms(url: str, events: pd.DataFrame, filters: Filters, expected: pd.DataFrame) -> float:
    store = open_store(url)
    try:
        for start in range(0, len(events), 200_000):
            insert_events(store, events.iloc[start:start + 200_000])
        lo, hi = filters.window.epoch_s()
        got = store_aggregate(store, start_s=lo, end_s=hi, types=filters.types, res=filters.res)
        pd.testing.assert_frame_equal(got, expected)
        return median_seconds(lambda: store_aggregate(store, start_s=lo, end_s=hi, types=filters.types,
                                                      res=filters.res), repeat=3) * 1e3
    finally:
        store.close()


def run(n_events: int = 1_000_000) -> list[Figure]:
    """``history_query_ms`` on SQLite (and PostgreSQL) for ``n_events`` events over three years."""
    events = _three_years(n_events)
    index = EventIndex(events)
    start, end = events["occurred_at"].min(), events["occurred_at"].max() + pd.Timedelta(seconds=1)
    filters = Filters(TimeWindow(start.to_pydatetime(), end.to_pydatetime()), res=RES)
    expected = index.aggregate(filters)
    memory_ms = median_seconds(lambda: index.aggregate(filters), repeat=5) * 1e3
    size = f"{n_events:,} events over {YEARS} years, res {RES}"
    figures = []
    with tempfile.TemporaryDirectory(prefix="limes-history-") as tmp:
        sqlite_ms = _store_ms(f"sqlite:///{Path(tmp) / 'history.sqlite'}", events, filters, expected)
    figures.append(Figure(f"history_query_ms, SQLite: {size}", "ms", sqlite_ms, memory_ms, "—", False,
                          "store aggregates in SQL (bit-operation parents) vs the index in memory (naive column)"))
    pg = os.environ.get("LIMES_TEST_PG_URL")
    if pg:
        try:
            pg_ms = _store_ms(_fresh_pg_url(pg), events, filters, expected)
        finally:
            _drop_pg_schema(pg)
        figures.append(Figure(f"history_query_ms, PostgreSQL: {size}", "ms", pg_ms, memory_ms, "—", False,
                              "as for SQLite; one server on loopback"))
    return figures
