"""Event retention: whole months before the cut-off's month leave the store (PostgreSQL drops their partitions,
SQLite deletes their rows); recent months stay, keys of dropped events are free again, readers are told."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from geo.store import insert_events, month_start_ms, open_store, purge_event_months, read_events, watermark
from tests.conftest import ROOT
from tests.stores import fetch, store_url  # noqa: F401 - fixture

MONTHS = ("2025-11", "2025-12", "2026-01", "2026-02", "2026-03")


def _events(scenario, keys: list[tuple[str, str]]) -> pd.DataFrame:
    """Scenario-shaped events with the given ``(event_id, occurred_at)`` from one source."""
    rows = scenario.events.iloc[:len(keys)].reset_index(drop=True).copy()
    rows["source"] = "feed"
    rows["event_id"] = [k[0] for k in keys]
    rows["occurred_at"] = pd.to_datetime([k[1] for k in keys], utc=True, format="ISO8601")
    rows["received_at"] = rows["occurred_at"]
    return rows


def _month_tables(store) -> list[str]:
    return [r[0] for r in fetch(store, "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                       "WHERE i.inhparent = 'events'::regclass ORDER BY 1")]


def test_month_start_is_the_first_utc_millisecond_of_the_month() -> None:
    assert month_start_ms(datetime(2026, 2, 15, 13, tzinfo=timezone.utc)) == 1769904000000  # 2026-02-01T00:00Z
    assert month_start_ms(datetime(2026, 1, 1, tzinfo=timezone.utc)) == 1767225600000


def test_old_months_go_and_recent_months_stay(store_url: str, scenario) -> None:  # noqa: F811
    store = open_store(store_url)
    try:
        # Four events a month; the last millisecond of January and the first of February mark the cut.
        keys = [(f"{m}-{i}", f"{m}-{10 + i:02d}T12:00:00Z") for m in MONTHS for i in range(4)]
        keys += [("jan-last", "2026-01-31T23:59:59.999Z"), ("feb-first", "2026-02-01T00:00:00Z")]
        assert insert_events(store, _events(scenario, keys)) == 22
        epoch = watermark(store)[0]
        if store.dialect == "postgresql":
            assert _month_tables(store) == [f"events_y{m[:4]}m{m[5:]}" for m in MONTHS]

        purged = purge_event_months(store, keep_from=datetime(2026, 2, 20, 8, tzinfo=timezone.utc))

        assert purged.months == ("2025-11", "2025-12", "2026-01") and purged.events == 13
        left = read_events(store)
        assert len(left) == 9 and left["occurred_at"].min() == pd.Timestamp("2026-02-01T00:00:00Z")
        assert set(left["event_id"]) == {"feb-first", *(f"{m}-{i}" for m in MONTHS[3:] for i in range(4))}
        assert watermark(store)[0] == epoch + 1  # mirrors reload instead of reading past their watermark
        if store.dialect == "postgresql":
            assert _month_tables(store) == ["events_y2026m02", "events_y2026m03"]
            assert len(fetch(store, "SELECT * FROM event_keys")) == 9
        # A dropped event's key is free: the same event imported again is stored again (its month comes back).
        assert insert_events(store, _events(scenario, [("jan-last", "2026-01-31T23:59:59.999Z")])) == 1
        assert insert_events(store, _events(scenario, [("feb-first", "2026-02-01T00:00:00Z")])) == 0

        again = purge_event_months(store, keep_from=datetime(2026, 1, 31, tzinfo=timezone.utc))
        assert again.events == 0 and watermark(store)[0] == epoch + 1  # nothing went: readers keep their index
        assert len(read_events(store)) == 10
    finally:
        store.close()


def test_purge_events_command(tmp_path: Path, scenario) -> None:
    db = f"sqlite:///{tmp_path / 'retention.sqlite'}"
    store = open_store(db)
    now = datetime.now(timezone.utc)
    old, recent = now - timedelta(days=200), now - timedelta(days=2)
    insert_events(store, _events(scenario, [("old", old.isoformat()), ("recent", recent.isoformat())]))
    done = subprocess.run([sys.executable, "-m", "dashboard.cli", "purge-events", "--keep-days", "90", "--db", db],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"1 event removed with the months before the one 90 days ago: {old:%B %Y}"
    assert list(read_events(store)["event_id"]) == ["recent"]
    store.close()
