"""An import stores the same thing on SQLite and PostgreSQL: the same events in the same ``seq`` order (SQLite's
AUTOINCREMENT also spends a number on each duplicate, PostgreSQL on new rows only, so the numbers themselves differ),
the same quarantine and import records, for generated files (repeats within and across chunks and files, several
sources, month edges, characters COPY escapes); and PostgreSQL's bulk path keeps its look-up of stored keys an
index look-up however large the store."""

from __future__ import annotations

import csv
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from geo.ingest import import_file
from geo.store import Store, insert_events, open_store, read_events
from geo.store._postgres import COPY_TYPES, STORED_KEYS
from geo.store.schema import EVENT_COLUMNS
from tests.stores import PG_SKIP_REASON, PG_URL, fetch, postgres_url, sqlite_url

pytestmark = pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
HEADER = ["event_id", "source", "type", "occurred_at", "lat", "lon", "persons", "impact", "confidence", "status"]
TIMES = ("2026-01-31T23:59:59.999Z", "2026-02-01T00:00:00Z", "1999-12-31T23:59:59.999Z", "2026-11-27T10:00:00Z",
         "2000-02-29T12:00:00+05:00", "1989-06-01T00:00:00Z")  # the last is before the date floor: bad_date
"""Times on both sides of month edges (UTC, and a local time that is another day in UTC)."""
ID_CHARS = st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs"), include_characters="\\\t\x00é\"'")

_ROW = st.tuples(
    st.sampled_from(["valid", "valid", "valid", "bad_lat", "bad_type", "null_island"]),
    st.sampled_from(["", "alpha", "beta"]),  # "" takes the file's source
    st.one_of(st.integers(0, 12).map(lambda n: f"E{n}"), st.text(ID_CHARS, min_size=1, max_size=6)),
    st.sampled_from(TIMES),
    st.sampled_from(["", "0.7"]),
)

EVENT_TABLE = ("SELECT source, event_id, type, occurred_at_ms, received_at_ms, lat, lon, persons, impact, "
               "confidence, status, cell, attrs, import_id FROM events ORDER BY seq")
QUARANTINE_TABLE = ("SELECT seq, source, file_name, row_number, reason, detail, raw, import_id FROM quarantine "
                    "ORDER BY seq")
IMPORTS_TABLE = ("SELECT import_id, file_name, mapping, source, read_rows, read_lines, inserted, duplicates, "
                 "quarantined, status, error FROM imports ORDER BY import_id")


def _write(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for kind, source, event_id, when, confidence in rows:
            lat, lon = {"bad_lat": ("123", "22.5"), "null_island": ("0", "0")}.get(kind, ("41.1", "22.5"))
            writer.writerow([event_id, source, "ufo" if kind == "bad_type" else "apprehension", when, lat, lon, 1, "",
                             confidence, ""])
    return path


def _stored(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    return {"events": fetch(store, EVENT_TABLE), "quarantine": fetch(store, QUARANTINE_TABLE),
            "imports": fetch(store, IMPORTS_TABLE)}


def _import_all(url: str, files: list[Path], chunk_rows: int) -> tuple[list[dict[str, object]], dict[str, list]]:
    store = open_store(url)
    try:
        reports = [import_file(path, store, now=NOW, chunk_rows=chunk_rows).as_dict() for path in files]
        return reports, _stored(store)
    finally:
        store.close()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(_ROW, min_size=1, max_size=40), second=st.lists(_ROW, max_size=20),
       chunk_rows=st.integers(2, 15))
@example(first=[("valid", "", "E1", TIMES[0], ""), ("valid", "alpha", "E1", TIMES[2], ""),
                ("bad_lat", "", "E2", TIMES[3], ""), ("valid", "", "E1", TIMES[1], "0.7"),
                ("valid", "", "a\\b\tc", TIMES[4], "")],
         second=[("valid", "", "E1", TIMES[3], ""), ("valid", "beta", "E9", TIMES[3], "")], chunk_rows=15)
def test_an_import_stores_the_same_on_sqlite_and_postgresql(tmp_path_factory: pytest.TempPathFactory,
                                                            first: list, second: list, chunk_rows: int) -> None:
    """A file, the same file again (all duplicates), then a file mixing its rows with new ones, in small chunks; the
    example repeats a key within one chunk with other values (the first row must win)."""
    tmp = tmp_path_factory.mktemp("dialects")
    files = [_write(tmp / "night.csv", first), _write(tmp / "night-2.csv", first[::2] + second)]
    files.insert(1, files[0])
    sqlite_reports, sqlite_stored = _import_all(sqlite_url(tmp), files, chunk_rows)
    for url in postgres_url():
        pg_reports, pg_stored = _import_all(url, files, chunk_rows)
    assert pg_reports == sqlite_reports
    assert pg_stored["imports"] == sqlite_stored["imports"]
    assert pg_stored["quarantine"] == sqlite_stored["quarantine"]
    assert pg_stored["events"] == sqlite_stored["events"]
    # The known answer, so that both cannot be wrong alike: one event per key, in the order keys first appear (for
    # the plain ids, which validation keeps as they are).
    keys = [((source or "night"), event_id) for kind, source, event_id, when, _ in first
            if kind == "valid" and when != TIMES[-1] and re.fullmatch(r"E\d+", event_id)]
    assert [(row[0], row[1]) for row in sqlite_stored["events"] if re.fullmatch(r"E\d+", row[1])
            and row[-1] == sqlite_reports[0]["import_id"]] == list(dict.fromkeys(keys))
    assert sqlite_reports[1]["inserted"] == 0 and sqlite_reports[1]["duplicates"] == sqlite_reports[0]["inserted"] + \
        sqlite_reports[0]["duplicates"]


def test_months_are_made_from_utc_days_before_1970_too(scenario) -> None:
    """The partitions the copy needs, for times at month edges, before the epoch (negative milliseconds) too."""
    times = ["1969-12-31T23:59:59.999Z", "1970-01-01T00:00:00Z", "1960-02-29T23:59:59.999Z",
             "2026-03-01T00:00:00Z", "2026-02-28T23:59:59.999Z"]
    events = scenario.events.iloc[:len(times)].reset_index(drop=True).copy()
    events["event_id"] = [f"m{i}" for i in range(len(times))]
    events["occurred_at"] = events["received_at"] = pd.to_datetime(times, utc=True, format="ISO8601")
    for url in postgres_url():
        store = open_store(url)
        try:
            assert insert_events(store, events) == len(times)
            placed = fetch(store, "SELECT tableoid::regclass::text, event_id FROM events ORDER BY seq")
            assert placed == [("events_y1969m12", "m0"), ("events_y1970m01", "m1"), ("events_y1960m02", "m2"),
                              ("events_y2026m03", "m3"), ("events_y2026m02", "m4")]
            assert list(read_events(store)["occurred_at"]) == list(events["occurred_at"])
        finally:
            store.close()


def test_stored_keys_are_looked_up_by_index_in_a_large_store() -> None:
    """Many keys against a large event_keys: the look-up stays one index probe per key (an ``= ANY`` or a join
    there is planned as a scan of the whole table)."""
    import psycopg

    for url in postgres_url():
        store = open_store(url)
        try:
            with store.transaction() as tx, tx.cursor.copy("COPY event_keys (source, event_id) FROM STDIN") as copy:
                for n in range(200_000):
                    copy.write_row(("feed", f"k{n}"))
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("ANALYZE event_keys")
                ids = [f"k{n}" for n in range(0, 200_000, 4)] + [f"new{n}" for n in range(50_000)]
                params = (["feed"] * len(ids), ids)
                plan = "\n".join(row[0] for row in conn.execute(f"EXPLAIN {STORED_KEYS}", params))
                scan = "\n".join(row[0] for row in conn.execute(
                    "EXPLAIN SELECT event_id FROM event_keys WHERE source = 'feed' AND event_id = ANY(%s)", (ids,)))
                found = conn.execute(STORED_KEYS, params).fetchall()
            assert "Seq Scan on event_keys" in scan  # the plan this look-up avoids
            assert "Seq Scan" not in plan and "using event_keys_pkey" in plan, plan
            assert sorted(found) == sorted(("feed", f"k{n}") for n in range(0, 200_000, 4))
        finally:
            store.close()


def test_the_binary_copy_sends_each_column_its_own_type() -> None:
    """A binary COPY fails on any other type than the column's: the types sent are the tables' own."""
    for url in postgres_url():
        store = open_store(url)
        try:
            declared = dict(fetch(store, "SELECT column_name, udt_name FROM information_schema.columns WHERE "
                                         "table_schema = current_schema() AND table_name IN ('events', 'event_keys') "
                                         "AND column_name <> 'seq'"))
        finally:
            store.close()
    assert declared == {column: COPY_TYPES[column] for column in EVENT_COLUMNS}
