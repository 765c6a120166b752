"""Importing files: the IOM sample, crafted bad files, every format, and the accounting invariant."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import ImportFileError, MappingError
from geo.ingest import import_file, preview_file
from geo.store import open_store, quarantine_frame, read_events
from tests.conftest import ROOT
from tests.stores import store_url  # noqa: F401 - fixture

IOM_SAMPLE = ROOT / "data" / "incidents" / "MissingMigrants-Global-2026-05-06--19_42_11.csv"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
NATIVE_HEADER = "event_id,source,type,occurred_at,lat,lon,persons,impact,confidence,status\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_iom_sample_imports_with_the_right_counts(store_url: str) -> None:
    store = open_store(store_url)
    report = import_file(IOM_SAMPLE, store, mapping="iom", now=NOW)
    # 238 incidents; two carry negative counts in the source (-5 missing, -1 survivors).
    assert (report.read, report.inserted, report.duplicates, report.quarantined) == (238, 236, 0, 2)
    assert report.reasons == {"bad_persons": 2}
    events = read_events(store).set_index("event_id")
    first = events.loc["2026.MMP0001"]
    assert (first["lat"], first["lon"]) == pytest.approx((37.34265178, 42.99259985))
    assert first["occurred_at"] == pd.Timestamp("2026-01-01 12:00", tz="UTC")
    assert first["persons"] == 1 and first["confidence"] == pytest.approx(0.6)  # Source Quality 3 of 5
    assert events.loc["2026.MMP0002", "type"] == "search_and_rescue"  # cause: drowning
    again = import_file(IOM_SAMPLE, store, mapping="iom", now=NOW)
    assert (again.inserted, again.duplicates, again.quarantined) == (0, 236, 2)  # the report counts the file's rows
    assert store.count("quarantine") == 2  # ... and the quarantine holds them once, not once per import
    assert sorted(quarantine_frame(store)["import_id"]) == [report.import_id, report.import_id]
    store.close()


def test_a_fixed_or_new_row_is_quarantined_even_when_the_file_was_seen(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    path = _write(tmp_path, "night.csv", NATIVE_HEADER + "a1,x,irregular_crossing,2026-11-27T01:00:00Z,41.1,22.5,2,low,"
                  "0.8,open\na2,x,irregular_crossing,2026-11-27T02:00:00Z,41.1,22.5,-3,low,0.8,open\n")
    assert import_file(path, store, mapping="native", now=NOW).quarantined == 1
    # The same file name with another bad row (row 3) and the old one changed: both are new refusals.
    _write(tmp_path, "night.csv", NATIVE_HEADER + "a1,x,irregular_crossing,2026-11-27T01:00:00Z,41.1,22.5,2,low,"
           "0.8,open\na2,x,irregular_crossing,2026-11-27T02:00:00Z,41.1,22.5,-4,low,0.8,open\n"
           "a3,x,irregular_crossing,2026-11-27T03:00:00Z,41.1,22.5,-1,low,0.8,open\n")
    assert import_file(path, store, mapping="native", now=NOW).quarantined == 2
    assert store.count("quarantine") == 3
    store.close()


def test_iom_is_detected_and_older_variants_read(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    older = _write(tmp_path, "mmp2020.csv",
                   'Web ID,Reported Date,Location Coordinates,Number of Dead,Number of Survivors,Region of Incident\n'
                   '52001,"January 05, 2020","36.8, 27.1","1,204",,Mediterranean\n'
                   '52002,"February 11, 2020","41.2, 26.3",2,3,Europe\n')
    report = import_file(older, store, now=NOW)  # no --mapping: detected
    assert report.mapping == "iom" and report.inserted == 2
    events = read_events(store).set_index("event_id")
    assert events.loc["52001", "persons"] == 1204  # thousands separator
    assert events.loc["52002", "persons"] == 5
    assert events.loc["52001", "occurred_at"] == pd.Timestamp("2020-01-05", tz="UTC")
    store.close()


def test_crafted_bad_rows_get_their_reasons(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    rows = [
        "ok1,t,apprehension,2026-11-01T10:00:00Z,41.1,22.5,3,,,",
        "far,t,apprehension,2026-11-01T10:00:00Z,95,22.5,3,,,",
        "nul,t,apprehension,2026-11-01T10:00:00Z,0,0,3,,,",
        "nan,t,apprehension,2026-11-01T10:00:00Z,north,22.5,3,,,",
        "nopos,t,apprehension,2026-11-01T10:00:00Z,,,3,,,",
        "date,t,apprehension,yesterday-ish,41.1,22.5,3,,,",
        "future,t,apprehension,2027-01-01T00:00:00Z,41.1,22.5,3,,,",
        "neg,t,apprehension,2026-11-01T10:00:00Z,41.1,22.5,-2,,,",
        "frac,t,apprehension,2026-11-01T10:00:00Z,41.1,22.5,2.5,,,",
        "alien,t,alien_landing,2026-11-01T10:00:00Z,41.1,22.5,3,,,",
        ",t,apprehension,2026-11-01T10:00:00Z,41.1,22.5,3,,,",
        "imp,t,apprehension,2026-11-01T10:00:00Z,41.1,22.5,3,catastrophic,,",
        "conf,t,apprehension,2026-11-01T10:00:00Z,41.1,22.5,3,,7,",
        "stat,t,apprehension,2026-11-01T10:00:00Z,41.1,22.5,3,,,pending",
        "ok2,t,Citizen report,2026-11-01 10:00,41.1,22.5,,high,medium,open",
        "short,t,apprehension",
    ]
    path = _write(tmp_path, "bad.csv", NATIVE_HEADER + "\n".join(rows) + "\n")
    report = import_file(path, store, now=NOW)
    assert report.read == 16 and report.inserted == 2 and report.quarantined == 14
    by_row = quarantine_frame(store).set_index("row_number")["reason"].to_dict()
    assert by_row == {2: "coordinates_out_of_range", 3: "null_island", 4: "bad_coordinates", 5: "missing_coordinates",
                      6: "bad_date", 7: "future_date", 8: "bad_persons", 9: "bad_persons", 10: "unknown_type",
                      11: "missing_id", 12: "bad_impact", 13: "bad_confidence", 14: "bad_status", 16: "malformed_row"}
    ok2 = read_events(store).set_index("event_id").loc["ok2"]
    assert (ok2["type"], ok2["impact"], ok2["confidence"], ok2["status"], ok2["persons"]) == (
        "citizen_report", "high", pytest.approx(0.6), "open", 0)
    raw = quarantine_frame(store, reason="future_date")["raw"].iloc[0]
    assert json.loads(raw)["event_id"] == "future"  # the raw record is kept whole
    store.close()


def test_unreadable_files_fail_clearly_and_write_nothing(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    empty = _write(tmp_path, "empty.csv", "")
    with pytest.raises(ImportFileError, match="empty"):
        import_file(empty, store, now=NOW)
    with pytest.raises(ImportFileError, match="no file"):
        import_file(tmp_path / "missing.csv", store, now=NOW)
    truncated = _write(tmp_path, "cut.geojson", '{"type": "FeatureCollection", "features": [{"type": "Feature", "geo')
    with pytest.raises(ImportFileError, match="not a readable spatial file"):
        import_file(truncated, store, now=NOW)
    wrong = _write(tmp_path, "cols.csv", "when,where\n2026-01-01,Idomeni\n")
    with pytest.raises(MappingError, match=r"no column for occurred_at, lat/lon.*the file's columns are \['when', 'where'\]"):
        import_file(wrong, store, now=NOW)
    ambiguous = _write(tmp_path, "amb.csv", "lat,latitude,lon,time\n41,41,22,2026-01-01\n")
    with pytest.raises(MappingError, match="cannot tell which column holds lat"):
        import_file(ambiguous, store, now=NOW)
    with pytest.raises(ImportFileError, match="unsupported file type"):
        import_file(_write(tmp_path, "x.docx", "hello"), store, now=NOW)
    assert store.count("events") == 0 and store.count("quarantine") == 0 and store.count("imports") == 0
    store.close()


def test_truncated_csv_keeps_the_broken_last_line(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    path = _write(tmp_path, "cut.csv", NATIVE_HEADER + "a,t,apprehension,2026-11-01T10:00:00Z,41.1,22.5,3,,,\nb,t,appreh")
    report = import_file(path, store, now=NOW)
    assert (report.read, report.inserted, report.quarantined) == (2, 1, 1)
    assert json.loads(quarantine_frame(store)["raw"].iloc[0]) == {"line": "b,t,appreh"}
    store.close()


def _points(crs: str | None, xy: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": [f"P{i}" for i in range(len(xy))], "time": ["2026-11-01T10:00:00Z"] * len(xy),
         "type": ["smuggling"] * len(xy), "persons": ["2"] * len(xy)},
        geometry=[shapely.Point(x, y) for x, y in xy], crs=crs,
    )


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".parquet"])
def test_spatial_files_reprojected_to_wgs84(tmp_path: Path, suffix: str) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    # Idomeni in UTM 34N (EPSG:32634): reprojected on import.
    frame = _points("EPSG:4326", [(22.515, 41.123), (21.43, 40.93)]).to_crs("EPSG:32634")
    path = tmp_path / f"points{suffix}"
    frame.to_parquet(path) if suffix == ".parquet" else frame.to_file(path)
    report = import_file(path, store, mapping="generic", now=NOW)
    assert report.inserted == 2
    events = read_events(store).set_index("event_id")
    assert (events.loc["P0", "lat"], events.loc["P0", "lon"]) == pytest.approx((41.123, 22.515), abs=1e-6)
    assert events.loc["P1", "type"] == "smuggling" and events.loc["P1", "persons"] == 2
    store.close()


def test_spatial_file_without_crs_and_bad_geometries(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    shp = tmp_path / "nocrs.shp"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        _points(None, [(22.5, 41.1)]).to_file(shp)
    with pytest.raises(ImportFileError, match="no coordinate reference system"):
        import_file(shp, store, mapping="generic", now=NOW)
    mixed = gpd.GeoDataFrame(
        {"id": ["pt", "poly", "none"], "time": ["2026-11-01"] * 3, "type": ["other"] * 3},
        geometry=[shapely.Point(22.5, 41.1), shapely.box(22, 41, 22.1, 41.1), None], crs="EPSG:4326",
    )
    path = tmp_path / "mixed.gpkg"
    mixed.to_file(path)
    report = import_file(path, store, mapping="generic", now=NOW)
    assert (report.inserted, report.reasons) == (1, {"not_a_point": 1, "missing_geometry": 1})
    store.close()


def test_excel_and_mapping_file(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    path = tmp_path / "partner.xlsx"
    pd.DataFrame({"Ref": ["A1", "A2"], "Datum": ["01/11/2026 22:15", "02/11/2026 03:40"], "Lat": ["41.15", "41.40"],
                  "Lng": ["22.49", "22.95"], "Kategorie": ["Grenzübertritt", "Schmuggel"]}).to_excel(path, index=False)
    mapping = _write(tmp_path, "partner.toml", """
name = "partner"
source = "partner-police"
[columns]
event_id = "Ref"
occurred_at = "Datum"
lat = "Lat"
lon = "Lng"
type = "Kategorie"
[types]
"Grenzübertritt" = "irregular_crossing"
"Schmuggel" = "smuggling"
[options]
date_formats = ["%d/%m/%Y %H:%M"]
""")
    report = import_file(path, store, mapping=mapping, now=NOW)
    assert report.inserted == 2 and report.source == "partner-police"
    events = read_events(store).set_index("event_id")
    assert events.loc["A1", "type"] == "irregular_crossing"
    assert events.loc["A2", "occurred_at"] == pd.Timestamp("2026-11-02 03:40", tz="UTC")  # day first, as mapped
    store.close()


def test_preview_writes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    store = open_store(url)
    mapping, result = preview_file(IOM_SAMPLE, now=NOW, rows=5)
    assert mapping.name == "iom" and len(result.events) + len(result.quarantine) == 5
    assert (store.count("events"), store.count("quarantine"), store.count("imports")) == (0, 0, 0)
    store.close()


_ROW = st.one_of(
    st.tuples(st.just("valid"), st.integers(0, 30)),
    st.tuples(st.sampled_from(["bad_lat", "bad_date", "bad_type", "null"]), st.integers(0, 30)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_ROW, min_size=1, max_size=60))
def test_every_row_is_accounted_for(tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, int]]) -> None:
    tmp = tmp_path_factory.mktemp("prop")
    store = open_store(f"sqlite:///{tmp / 's.sqlite'}")
    lines = []
    for kind, ident in rows:  # ids repeat on purpose: repeated valid ids are duplicates
        lat, when, kind_type = "41.1", "2026-11-01T10:00:00Z", "apprehension"
        if kind == "bad_lat":
            lat = "123"
        elif kind == "bad_date":
            when = "not a date"
        elif kind == "bad_type":
            kind_type = "ufo"
        elif kind == "null":
            lat = "0"
        lon = "0" if kind == "null" else "22.5"
        lines.append(f"E{ident},prop,{kind_type},{when},{lat},{lon},1,,,")
    path = _write(tmp, "mix.csv", NATIVE_HEADER + "\n".join(lines) + "\n")
    report = import_file(path, store, now=NOW)
    valid_ids = [ident for kind, ident in rows if kind == "valid"]
    assert report.read == len(rows)
    assert report.inserted + report.duplicates + report.quarantined == report.read
    assert report.inserted == len(set(valid_ids)) == store.count("events")
    assert report.duplicates == len(valid_ids) - len(set(valid_ids))
    assert report.quarantined == len(rows) - len(valid_ids) == store.count("quarantine")
    again = import_file(path, store, now=NOW)
    assert again.inserted == 0 and again.duplicates == len(valid_ids)
    store.close()


def test_review_edge_cases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    # Spatial files without ids: the position is part of the row's identity.
    same = gpd.GeoDataFrame({"time": ["2026-11-01"] * 3, "type": ["other"] * 3},
                            geometry=[shapely.Point(22.5, 41.1), shapely.Point(22.6, 41.1), shapely.Point(22.7, 41.1)],
                            crs="EPSG:4326")
    same.to_file(tmp_path / "same.geojson")
    assert import_file(tmp_path / "same.geojson", store, mapping="generic", now=NOW).inserted == 3
    # Semicolon-separated, an absurd person count, and a NUL byte.
    text = ("event_id;source;type;occurred_at;lat;lon;persons;impact;confidence;status\n"
            "s1;x;apprehension;2026-11-01T10:00:00Z;41.1;22.5;1e30;;;\n"
            "s2;x;apprehension;2026-11-01T10:00:00Z;41.1;22.5;2;;;\n"
            "s3;x;apprehension;2026-11-01T10:00:00Z;41.1;22.5;2;;;clo\x00sed\n")
    report = import_file(_write(tmp_path, "semi.csv", text), store, now=NOW)
    assert report.inserted == 1 and report.reasons == {"bad_persons": 1, "nul_byte": 1}
    # Mapping files with values of the wrong kind are refused with a message, not a crash.
    for body, message in (("[columns]\nlat = 5\n", "columns.lat must be"),
                          ("[columns]\noccurred_at = 'when'\n[options]\nconfidence_scale = 'high'\n", "must be a number")):
        with pytest.raises(MappingError, match=message):
            import_file(IOM_SAMPLE, store, mapping=_write(tmp_path, "m.toml", body), now=NOW)
    # The two-process path (normally above 16 MB) gives the same answer as the in-process one.
    import geo.ingest.importer

    monkeypatch.setattr(geo.ingest.importer, "PROCESS_PIPELINE_BYTES", 0)
    other = open_store(f"sqlite:///{tmp_path / 'worker.sqlite'}")
    report = import_file(IOM_SAMPLE, other, mapping="iom", now=NOW, chunk_rows=50)
    assert (report.read, report.inserted, report.quarantined) == (238, 236, 2)
    other.close()
    store.close()
