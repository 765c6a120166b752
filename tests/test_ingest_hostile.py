"""Hostile files, generated: every physical line of a CSV and every feature ends stored or quarantined with a reason.

Classes 1 and 2 of issue 14: stray and unbalanced quotes, overlong fields, bad bytes and blank
lines; dates outside what pandas holds or before the floor; geometries GEOS or OGR cannot read;
and an import stopped part-way leaves its record ``failed`` with its counts.
"""

from __future__ import annotations

import json
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import ImportFileError, ReservedSourceError
from geo.ingest import REASONS, import_file
from geo.store import import_record, open_store, quarantine_frame, read_events
from tests.hostile import (
    HEADER,
    HostileCsv,
    good_line,
    hostile_csvs,
    hostile_dates,
    hostile_geojson,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _import(name: str, data: bytes, **options: object) -> tuple[object, object, object]:
    folder = Path(tempfile.mkdtemp(prefix="limes-hostile-"))
    path = folder / name
    path.write_bytes(data)
    store = open_store(f"sqlite:///{folder / 's.sqlite'}")
    report = import_file(path, store, now=NOW, **options)  # type: ignore[arg-type]
    return report, store, path


@FAST
@given(hostile_csvs())
def test_every_line_of_a_damaged_csv_is_stored_or_quarantined(csv_file: HostileCsv) -> None:
    report, store, _ = _import("hostile.csv", csv_file.content())
    assert report.lines == csv_file.lines  # physical lines, never "read 11" for a file of 80
    assert report.read == report.inserted + report.duplicates + report.quarantined
    stored = set(read_events(store)["event_id"])
    quarantine = quarantine_frame(store, limit=10_000)
    assert set(quarantine["reason"]) <= set(REASONS)
    assert (quarantine["detail"] != "").all()
    quarantined_lines = set(quarantine["row_number"])
    lost = [k for k in range(1, csv_file.lines + 1)
            if f"e{k}" not in stored and k not in quarantined_lines and k not in _blank_lines(csv_file)]
    assert lost == [], f"lines neither stored nor quarantined: {lost} ({csv_file.damage})"
    assert report.blank <= len(_blank_lines(csv_file))  # a blank line inside a folded stretch is quarantined with it
    store.close()


def _blank_lines(csv_file: HostileCsv) -> set[int]:
    body = csv_file.data.split(b"\n")[1:]
    return {k for k, line in enumerate(body[:csv_file.lines], start=1) if line.strip(b"\r") == b""}


def test_an_unbalanced_quote_quarantines_from_its_line_on_with_the_line_numbers(tmp_path: Path) -> None:
    lines = [good_line(k) for k in range(1, 1001)]
    lines[10] = lines[10].replace(",t,", ',"t,', 1)
    report, store, _ = _import("quote.csv", (HEADER + "\n" + "\n".join(lines) + "\n").encode())
    assert (report.lines, report.inserted, report.quarantined) == (1000, 10, 990)
    refused = quarantine_frame(store, limit=2000)
    assert set(refused["reason"]) == {"malformed_row"} and sorted(refused["row_number"]) == list(range(11, 1001))
    assert "a quote opened on line 12" in refused["detail"].iloc[0]  # file lines: the header is line 1
    store.close()


def test_a_field_longer_than_the_reader_takes_is_named_and_the_rest_imports(tmp_path: Path) -> None:
    lines = [good_line(k) for k in range(1, 21)]
    lines[4] = lines[4][:-3] + "x" * 300_000 + ",,"
    report, store, _ = _import("long.csv", (HEADER + "\n" + "\n".join(lines) + "\n").encode())
    assert (report.inserted, report.quarantined, report.reasons) == (19, 1, {"oversized_row": 1})
    assert "line 6" in quarantine_frame(store)["detail"].iloc[0]
    store.close()


@settings(max_examples=80, deadline=None)
@given(st.lists(hostile_dates(), min_size=1, max_size=8))
def test_dates_out_of_range_or_before_the_floor_are_bad_date_rows(dates: list[str]) -> None:
    rows = [f"d{k},t,apprehension,\"{d}\",41.1,22.5,1,,," for k, d in enumerate(dates)]
    report, store, _ = _import("dates.csv", (HEADER + "\n" + "\n".join(rows + [good_line(99)]) + "\n").encode())
    assert report.inserted == 1 and report.quarantined == len(dates)
    assert report.reasons == {"bad_date": len(dates)}
    store.close()


def test_the_date_floor_is_configurable() -> None:
    row = "old,t,apprehension,1985-06-01T00:00:00Z,41.1,22.5,1,,,"
    data = (HEADER + "\n" + row + "\n").encode()
    assert _import("old.csv", data)[0].reasons == {"bad_date": 1}
    assert _import("old.csv", data, earliest=datetime(1900, 1, 1, tzinfo=timezone.utc))[0].inserted == 1


@settings(max_examples=60, deadline=None)
@given(hostile_geojson())
def test_unreadable_geometries_are_quarantined_features_not_a_failed_file(case: tuple[str, int, set[str]]) -> None:
    text, n, bad = case
    report, store, _ = _import("hostile.geojson", text.encode())
    assert report.lines == n and report.read == n == report.inserted + report.quarantined
    assert set(read_events(store)["event_id"]) == {f"g{i}" for i in range(n)} - bad
    quarantine = quarantine_frame(store)
    assert set(quarantine["reason"]) <= {"invalid_geometry", "missing_geometry", "not_a_point"}
    assert {json.loads(raw)["event_id"] for raw in quarantine["raw"]} == bad
    store.close()


@pytest.mark.parametrize("geometry", [
    {"type": "LineString", "coordinates": [[22.5, 41.1]]},
    {"type": "Point", "coordinates": ["22.5", "41.1"]},
    {"type": "Point", "coordinates": [float("nan"), 41.1]},
])
def test_named_unreadable_geometries_are_invalid_geometry(geometry: dict[str, object]) -> None:
    feature = {"type": "Feature", "geometry": geometry,
               "properties": {"event_id": "x", "type": "apprehension", "occurred_at": "2026-11-01T10:00:00Z"}}
    text = json.dumps({"type": "FeatureCollection", "features": [feature]})
    assert _import("one.geojson", text.encode())[0].reasons == {"invalid_geometry": 1}


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit, ImportFileError])
def test_an_import_stopped_part_way_is_recorded_failed_with_its_counts(stop: type[BaseException]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="limes-stop-"))
    path = folder / "events.csv"
    path.write_text(HEADER + "\n" + "\n".join(good_line(k) for k in range(1, 101)) + "\n", encoding="utf-8")
    store = open_store(f"sqlite:///{folder / 's.sqlite'}")

    def interrupt(rows: int) -> None:
        if rows >= 40:
            raise stop("stopped") if stop is ImportFileError else stop()

    with pytest.raises(stop):
        import_file(path, store, now=NOW, chunk_rows=20, progress=interrupt)
    with store.transaction(write=False) as tx:
        import_id = tx.fetchone("SELECT MAX(import_id) FROM imports")[0]
    record = import_record(store, import_id)
    assert (record["status"], record["read_rows"], record["inserted"], record["read_lines"]) == ("failed", 40, 40, 40)
    assert record["error"] and record["finished_at_ms"] is not None
    report = import_file(path, store, now=NOW)  # the re-run adds exactly the rest
    assert (report.inserted, report.duplicates) == (60, 40)
    assert import_record(store, report.import_id)["status"] == "finished"
    store.close()


def test_the_scenario_source_is_reserved_for_files_and_rows() -> None:
    for name in ("scenario.csv", "Scenario.csv", " scenario .csv"):
        with pytest.raises(ReservedSourceError, match="reserved"):
            _import(name, (HEADER + "\n" + good_line(1) + "\n").encode())
    rows = [good_line(1), good_line(2).replace(",t,", ",scenario,", 1)]
    report, store, _ = _import("mixed.csv", (HEADER + "\n" + "\n".join(rows) + "\n").encode())
    assert (report.inserted, report.reasons) == (1, {"reserved_source": 1})
    store.close()


def test_the_scenario_never_goes_into_a_store_holding_real_data(tmp_path: Path) -> None:
    from geo.scenario import ensure_fresh_scenario
    from geo.scenario.bundled import SOURCE

    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    path = tmp_path / "real.csv"
    path.write_text(HEADER + "\n" + good_line(1) + "\n", encoding="utf-8")
    import_file(path, store, now=NOW)
    assert not ensure_fresh_scenario(store, now=NOW, seed=1)
    assert set(read_events(store)["source"]) == {"t"} and store.count("units") == 0
    store.close()
    demo = open_store(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    assert ensure_fresh_scenario(demo, now=NOW, seed=1)  # an empty store, or one of the demo's feeds, takes it
    assert set(read_events(demo)["source"]) == {SOURCE}
    demo.close()
