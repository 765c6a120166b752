"""The store on SQLite and on a real PostgreSQL server: round trip, idempotency, quarantine, upgrades."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from geo.errors import StoreError
from geo.store import (
    SCHEMA_VERSION,
    StoreMirror,
    add_quarantine,
    begin_import,
    delete_source,
    feed_health,
    feed_state,
    finish_import,
    insert_events,
    insert_units,
    latest_units,
    newest_event_ms,
    open_store,
    quarantine_frame,
    quarantine_reasons,
    read_events,
    record_poll,
    set_feed_state,
    statements,
    watermark,
)
from tests.stores import store_url  # noqa: F401 - fixture


def _sample(scenario, n: int = 500, offset: int = 0) -> pd.DataFrame:
    return scenario.events.iloc[offset:offset + n].reset_index(drop=True)


def test_round_trip(store_url: str, scenario) -> None:
    store = open_store(store_url)
    events = _sample(scenario)
    assert insert_events(store, events) == len(events)
    back = read_events(store)
    assert len(back) == len(events)
    assert back["seq"].is_monotonic_increasing
    for column in ("source", "event_id", "type", "persons", "impact", "status"):
        assert back[column].tolist() == events[column].tolist(), column
    np.testing.assert_array_equal(back["cell"].to_numpy(), events["cell"].to_numpy())
    np.testing.assert_allclose(back["lat"], events["lat"])
    np.testing.assert_allclose(back["confidence"], events["confidence"])
    assert (back["occurred_at"] == events["occurred_at"].dt.floor("ms")).all()
    assert str(back["occurred_at"].dt.tz) == "UTC"
    store.close()


def test_idempotent_and_incremental(store_url: str, scenario) -> None:
    store = open_store(store_url)
    first = _sample(scenario, 300)
    assert insert_events(store, first) == 300
    assert insert_events(store, first) == 0  # the same rows again: all duplicates
    overlap = _sample(scenario, 300, offset=200)
    assert insert_events(store, overlap) == 200  # 100 already there
    epoch, seq = watermark(store)
    assert store.count("events") == 500
    newer = read_events(store, after_seq=seq - 50)
    assert len(newer) == 50 and newer["seq"].min() == seq - 49
    assert delete_source(store, "scenario") == 500
    assert watermark(store)[0] == epoch + 1
    store.close()


def test_quarantine_and_imports(store_url: str) -> None:
    store = open_store(store_url)
    import_id = begin_import(store, file_name="x.csv", mapping="generic", source="x")
    rows = pd.DataFrame({"source": ["x", "x"], "file_name": ["x.csv", "x.csv"], "row_number": [3, 7],
                         "reason": ["bad_date", "null_island"], "detail": ["time 'soon'", "position is (0, 0)"],
                         "raw": [json.dumps({"time": "soon"}), json.dumps({"lat": "0", "lon": "0"})]})
    assert add_quarantine(store, rows, import_id=import_id) == 2
    finish_import(store, import_id, read=10, inserted=8, duplicates=0, quarantined=2)
    assert quarantine_reasons(store) == {"bad_date": 1, "null_island": 1}
    got = quarantine_frame(store, reason="null_island")
    assert got["row_number"].tolist() == [7] and json.loads(got["raw"].iloc[0]) == {"lat": "0", "lon": "0"}
    assert (got["import_id"] == import_id).all()
    assert store.count("imports") == 1
    store.close()


def test_mirror_reads_only_new_rows_and_reloads_after_deletes(store_url: str, scenario) -> None:
    store = open_store(store_url)
    mirror = StoreMirror(store)
    insert_events(store, _sample(scenario, 100))
    assert len(mirror.refresh()) == 100
    same = mirror.refresh()
    assert mirror.refresh() is same  # nothing new: the same index object, no rebuild
    insert_events(store, _sample(scenario, 50, offset=100))
    assert len(mirror.refresh()) == 150
    delete_source(store, "scenario")
    insert_events(store, _sample(scenario, 10, offset=500))
    assert len(mirror.refresh()) == 10
    store.close()


def test_schema_upgrade_in_place(tmp_path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    for statement in statements(1, "sqlite"):
        conn.execute(statement)
    conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '1')")
    conn.execute("INSERT INTO events (source, event_id, type, occurred_at_ms, received_at_ms, lat, lon, persons, impact,"
                 " confidence, status, cell) VALUES ('old', 'E1', 'apprehension', 1700000000000, 1700000000000, 41.1,"
                 " 22.5, 3, 'low', 0.9, 'closed', 622037868333367295)")
    conn.commit()
    conn.close()
    store = open_store(f"sqlite:///{path}")
    assert store.schema_version() == SCHEMA_VERSION
    old = read_events(store)
    assert old["event_id"].tolist() == ["E1"] and old["persons"].tolist() == [3]
    assert begin_import(store, file_name="f", mapping="m", source="s") == 1  # the table version 2 added
    store.close()


def test_schema_upgrade_in_place_on_postgresql() -> None:
    from tests.stores import PG_SKIP_REASON, PG_URL, postgres_url

    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    import psycopg

    for url in postgres_url():
        with psycopg.connect(url, autocommit=True) as conn:
            for statement in statements(1, "postgresql"):
                conn.execute(statement)
            conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '1')")
            conn.execute("INSERT INTO events (source, event_id, type, occurred_at_ms, received_at_ms, lat, lon, persons,"
                         " impact, status, cell) VALUES ('old', 'E1', 'other', 1, 1, 41.1, 22.5, 0, 'low', 'open', 1)")
        store = open_store(url)
        assert store.schema_version() == SCHEMA_VERSION
        assert read_events(store)["event_id"].tolist() == ["E1"]
        store.close()


def test_refuses_newer_schema_and_unknown_urls(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    open_store(url).close()
    conn = sqlite3.connect(tmp_path / "new.sqlite")
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer than this release"):
        open_store(url)
    with pytest.raises(StoreError, match="unsupported store URL"):
        open_store("mysql://localhost/x")
    with pytest.raises(StoreError, match="cannot connect"):
        open_store("postgresql://nobody@127.0.0.1:1/none")


def test_insert_reports_time_in_utc(store_url: str, scenario) -> None:
    store = open_store(store_url)
    events = _sample(scenario, 1)
    insert_events(store, events)
    assert newest_event_ms(store, "scenario") == int(events["occurred_at"].iloc[0].timestamp() * 1000)
    assert datetime.fromtimestamp(newest_event_ms(store, "scenario") / 1000, timezone.utc) == events["occurred_at"].iloc[0]
    store.close()


def test_units_feed_state_and_health(store_url: str, scenario) -> None:
    store = open_store(store_url)
    fixes = scenario.patrols.head(300).assign(source="cot", stale_at=lambda f: f["at"] + pd.Timedelta(minutes=10))
    assert insert_units(store, fixes) == 300
    assert insert_units(store, fixes) == 0  # a restarted poller re-reading the same fixes adds nothing
    latest = latest_units(store).set_index("unit_id")
    newest = fixes.sort_values("at").groupby("unit_id").tail(1).set_index("unit_id")
    assert set(latest.index) == set(newest.index)
    for unit in newest.index:
        assert latest.loc[unit, "at"] == newest.loc[unit, "at"]
        assert latest.loc[unit, "lat"] == pytest.approx(newest.loc[unit, "lat"])
    assert feed_state(store, "f1") == (None, None)
    set_feed_state(store, "f1", etag='"v2"', cursor="2026-11-28T10:00:00Z")
    set_feed_state(store, "f1", etag='"v3"', cursor="2026-11-28T11:00:00Z")
    assert feed_state(store, "f1") == ('"v3"', "2026-11-28T11:00:00Z")
    record_poll(store, "f1", kind="geojson", error=None, lag_s=1.5, events=10, quarantined=2)
    record_poll(store, "f1", kind="geojson", error="HTTP 503 after 4 tries")
    health = feed_health(store).set_index("feed").loc["f1"]
    assert (health["polls"], health["failures"], health["events"], health["quarantined"]) == (2, 1, 10, 2)
    assert health["last_error"] == "HTTP 503 after 4 tries" and health["lag_s"] == pytest.approx(1.5)
    assert health["last_success"] <= health["last_error_at"]
    store.close()


def test_postgres_writers_commit_in_sequence_order(scenario) -> None:
    """Two writers at once: whatever seq a reader has seen, no row below it can still appear later."""
    import threading

    from tests.stores import PG_SKIP_REASON, PG_URL, postgres_url

    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    for url in postgres_url():
        open_store(url).close()
        stores = [open_store(url) for _ in range(2)]
        reader = open_store(url)
        mirror = StoreMirror(reader)
        chunks = [_sample(scenario, 400, offset=i * 400) for i in range(8)]
        threads = [threading.Thread(target=lambda s=s, part=chunks[i::2]: [insert_events(s, c) for c in part])
                   for i, s in enumerate(stores)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            mirror.refresh()
        for t in threads:
            t.join()
        assert len(mirror.refresh()) == 3200 == reader.count("events")
        for s in (*stores, reader):
            s.close()


def test_execute_returns_the_rows_it_changed(store_url: str) -> None:  # noqa: F811
    store = open_store(store_url)
    insert = "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"
    with store.transaction() as tx:
        assert tx.executemany(insert, [("k1", "1"), ("k2", "2"), ("k1", "3")]) == 2  # the repeat met its conflict
        assert tx.executemany(insert, [("k1", "x")]) == 0
        assert tx.execute("UPDATE meta SET value = 'y' WHERE key IN ('k1', 'k2')") == 2
    with store.transaction(write=False) as tx:
        assert tx.fetch("SELECT value FROM meta WHERE key = ?", ["k1"]) == [("y",)]
    store.close()
