"""PostgreSQL events partitioned by month: rows land in their month, dedupe holds across months, and history and
retention queries touch only their months (their plans name no other partition)."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.store import delete_source, insert_events, open_store, read_events
from geo.store.schema import SCHEMA_VERSION
from tests.stores import PG_SKIP_REASON, PG_URL, fetch, postgres_url

pytestmark = pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)

MONTH_STARTS = ("2026-08-01", "2026-09-01", "2026-10-01", "2026-11-01")


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from postgres_url()


def _events(scenario, keys: list[tuple[str, str, str]]) -> pd.DataFrame:
    """Scenario-shaped events with the given ``(source, event_id, occurred_at)``."""
    rows = scenario.events.iloc[:len(keys)].reset_index(drop=True).copy()
    rows["source"] = [k[0] for k in keys]
    rows["event_id"] = [k[1] for k in keys]
    rows["occurred_at"] = pd.to_datetime([k[2] for k in keys], utc=True, format="ISO8601")
    rows["received_at"] = rows["occurred_at"]
    return rows


def _partitions(store) -> dict[str, int]:
    names = [r[0] for r in fetch(store, "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'events' "
                                        "AND c.relnamespace = p.relnamespace "
                                        "AND p.relnamespace = current_schema()::regnamespace ORDER BY 1")]
    return {name: int(fetch(store, f"SELECT COUNT(*) FROM {name}")[0][0]) for name in names}


def test_events_land_in_the_partition_of_their_month(pg_url: str, scenario) -> None:
    store = open_store(pg_url)
    try:
        assert store.schema_version() == SCHEMA_VERSION
        keys = [("feed", f"e{i}", f"{MONTH_STARTS[i % 3]}T{i % 24:02d}:00:00Z") for i in range(30)]
        keys.append(("feed", "edge", "2026-10-31T23:59:59.999Z"))  # the last millisecond of October
        assert insert_events(store, _events(scenario, keys)) == 31
        assert _partitions(store) == {"events_y2026m08": 10, "events_y2026m09": 10, "events_y2026m10": 11}
        assert len(read_events(store)) == 31
    finally:
        store.close()


def test_dedupe_holds_across_months_and_a_deleted_source_frees_its_keys(pg_url: str, scenario) -> None:
    store = open_store(pg_url)
    try:
        assert insert_events(store, _events(scenario, [("feed", "a", "2026-09-10T00:00:00Z")])) == 1
        # The same event again with a corrected time in another month: still the same event, not inserted.
        assert insert_events(store, _events(scenario, [("feed", "a", "2026-11-02T00:00:00Z")])) == 0
        # Repeated within one batch: the first row wins, the rest keep their arrival order.
        batch = _events(scenario, [("feed", "b", "2026-11-01T05:00:00Z"), ("feed", "c", "2026-08-01T00:00:00Z"),
                                   ("feed", "b", "2026-09-01T05:00:00Z"), ("other", "a", "2026-09-01T06:00:00Z")])
        assert insert_events(store, batch) == 3
        stored = read_events(store)
        assert list(zip(stored["source"], stored["event_id"])) == [("feed", "a"), ("feed", "b"), ("feed", "c"),
                                                                   ("other", "a")]
        assert stored.loc[stored["event_id"] == "b", "occurred_at"].iloc[0] == pd.Timestamp("2026-11-01T05:00:00Z")
        assert delete_source(store, "feed") == 3
        assert fetch(store, "SELECT source, event_id FROM event_keys") == [("other", "a")]
        assert insert_events(store, _events(scenario, [("feed", "a", "2026-11-02T00:00:00Z")])) == 1
    finally:
        store.close()


keys_strategy = st.lists(st.tuples(st.sampled_from(["s1", "s2"]), st.integers(0, 12).map(str),
                                   st.sampled_from(MONTH_STARTS), st.integers(0, 27)), min_size=1, max_size=25)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(keys_strategy, min_size=1, max_size=3))
def test_dedupe_property_any_mix_of_months_and_repeats(batches: list, scenario) -> None:
    """For any batches of keys spread over months, with repeats within and across batches: exactly one row per
    (source, event_id), the first one sent, and inserted counts add up."""
    for url in postgres_url():
        store = open_store(url)
        try:
            first: dict[tuple[str, str], str] = {}
            inserted = 0
            for batch in batches:
                keys = [(s, i, pd.Timestamp(m) + pd.Timedelta(days=d)) for s, i, m, d in batch]
                inserted += insert_events(store, _events(scenario, [(s, i, str(t)) for s, i, t in keys]))
                for s, i, t in keys:
                    first.setdefault((s, i), str(t))
            stored = read_events(store)
            assert inserted == len(stored) == len(first)
            assert {(s, i): str(t) for s, i, t in zip(stored["source"], stored["event_id"],
                                                      stored["occurred_at"].dt.tz_convert(None))} == {
                k: str(pd.Timestamp(v)) for k, v in first.items()}
            assert sum(_partitions(store).values()) == len(first)
        finally:
            store.close()


def _plan(store, query: str, params: tuple[object, ...]) -> str:
    return "\n".join(r[0] for r in fetch(store, f"EXPLAIN {query}", params))


def test_history_and_retention_touch_only_their_months(pg_url: str, scenario) -> None:
    from geo.store.history import parent_bits  # the history query's own parent expression

    store = open_store(pg_url)
    try:
        keys = [("feed", f"e{i}", f"{MONTH_STARTS[i % 4]}T12:00:00Z") for i in range(40)]
        insert_events(store, _events(scenario, keys))
        assert set(_partitions(store)) == {"events_y2026m08", "events_y2026m09", "events_y2026m10", "events_y2026m11"}
        september = (int(pd.Timestamp("2026-09-01T00:00Z").timestamp() * 1000),
                     int(pd.Timestamp("2026-10-01T00:00Z").timestamp() * 1000))
        keep, bits = parent_bits(5)
        history = _plan(store, "SELECT (cell & %s) | %s AS parent, COUNT(*), COALESCE(SUM(persons), 0) FROM events "
                               "WHERE occurred_at_ms >= %s AND occurred_at_ms < %s GROUP BY 1", (keep, bits, *september))
        assert "events_y2026m09" in history
        assert not {"events_y2026m08", "events_y2026m10", "events_y2026m11"} & set(history.split()), history
        retention = _plan(store, "DELETE FROM events WHERE occurred_at_ms < %s", (september[1],))
        assert "events_y2026m08" in retention and "events_y2026m09" in retention
        assert "events_y2026m10" not in retention and "events_y2026m11" not in retention, retention
        mirror = _plan(store, "SELECT seq FROM events WHERE seq > %s AND occurred_at_ms >= %s", (0, september[1]))
        assert "events_y2026m08" not in mirror and "events_y2026m10" in mirror, mirror
    finally:
        store.close()
