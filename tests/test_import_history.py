"""Real-shaped IOM history: the curated Europe export ("NA", Latitude/Longitude, mixed causes) and the
older global export, through the presets and TOML mappings; a refused import writes nothing."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from geo.errors import MappingError
from geo.ingest import import_file
from geo.ingest.mapping import find_column, mapping_from_toml, mapping_to_toml
from geo.ingest.presets import IOM
from geo.store import open_store, read_events
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
CURATED = DATA / "iom_europe_curated.csv"
GLOBAL = DATA / "iom_global_2014_2020.csv"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
PERSON_COLUMNS = ("Number of Dead", "Minimum Estimated Number of Missing", "Number of Survivors")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _attrs(db: Path) -> dict[str, dict[str, object]]:
    """Each event's ``attrs`` (the store's model frame leaves them out), straight from the SQLite file."""
    with sqlite3.connect(db) as connection:
        return {i: json.loads(a) for i, a in connection.execute("SELECT event_id, attrs FROM events")}


def _known(text: str) -> int:
    return 0 if text in ("", "NA") else int(text.replace(",", ""))


def test_fixtures_are_what_the_generator_writes(tmp_path: Path) -> None:
    sys.path.insert(0, str(DATA))
    try:
        import make_iom_fixtures as make
    finally:
        sys.path.remove(str(DATA))
    make.write(tmp_path / "c.csv", make.EUROPE_COLUMNS, make.europe_rows())
    assert (tmp_path / "c.csv").read_bytes() == CURATED.read_bytes()


def test_curated_europe_export_imports_as_it_comes(tmp_path: Path) -> None:
    rows = _rows(CURATED)
    assert sum(any(r[c] == "NA" for c in PERSON_COLUMNS) for r in rows) > 0.7 * len(rows)  # the quirk itself
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    report = import_file(CURATED, store, now=NOW)  # no mapping given: the iom preset is detected
    without_position = [r for r in rows if r["Latitude"] in ("", "NA") or r["Longitude"] in ("", "NA")]
    assert report.mapping == "iom"
    assert (report.read, report.inserted, report.duplicates, report.quarantined) == (200, 198, 0, 2)
    assert report.reasons == {"missing_coordinates": len(without_position)} == {"missing_coordinates": 2}
    events = read_events(store).set_index("event_id")
    stored_attrs = _attrs(tmp_path / "s.sqlite")
    by_id = {r["Incident ID"]: r for r in rows}
    for event_id, event in events.iterrows():
        row = by_id[event_id]
        assert event["persons"] == sum(_known(row[c]) for c in PERSON_COLUMNS)
        attrs = stored_attrs[event_id]
        assert attrs.get("persons_unknown", []) == [c for c in PERSON_COLUMNS if row[c] == "NA"]
        assert (event["type"] == "search_and_rescue") == ("drowning" in row["Cause of Death"].lower())
        assert event["occurred_at"].date().isoformat() == row["Incident date"]
        assert (event["lat"], event["lon"]) == pytest.approx((float(row["Latitude"]), float(row["Longitude"])))
    assert any("," in r["Number of Survivors"] for r in rows)  # thousands separators were there and were read
    causes = {by_id[i]["Cause of Death"] for i in events.index[events["type"] == "search_and_rescue"]}
    assert {"Presumed drowning", "Drowning,Violence"} <= causes
    again = import_file(CURATED, store, mapping="iom", now=NOW)
    assert (again.read, again.inserted, again.duplicates, again.quarantined) == (200, 0, 198, 2)
    assert len(read_events(store)) == 198
    store.close()


def test_older_global_export_still_imports(tmp_path: Path) -> None:
    rows = _rows(GLOBAL)
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    report = import_file(GLOBAL, store, now=NOW)
    assert (report.mapping, report.read, report.inserted, report.quarantined) == ("iom", 220, 220, 0)
    events = read_events(store)
    assert int(events["persons"].sum()) == sum(
        _known(r[c]) for r in rows for c in ("Number Dead", "Minimum Estimated Number of Missing", "Number of Survivors"))
    assert events["occurred_at"].max().year == 2020
    store.close()


README_TOML = (DATA / "iom_europe_readme.toml").read_text(encoding="utf-8")


def test_a_readme_mapping_needs_na_values_and_rules(tmp_path: Path) -> None:
    # Without na_values, "NA" is not a number: the README's mapping quarantined most of the file.
    plain = tmp_path / "plain.toml"
    plain.write_text(README_TOML, encoding="utf-8")
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    before = import_file(CURATED, store, mapping=plain, now=NOW)
    assert before.reasons["bad_persons"] > 100
    fixed = tmp_path / "fixed.toml"
    fixed.write_text(README_TOML.replace('"Number of Dead"', '"number of dead"') + """
[[match]]
field = "type"
pattern = "drown"
value = "search_and_rescue"

[na_values]
"Number of Dead" = "NA"
"Minimum Estimated Number of Missing" = ["NA", "unknown"]
""", encoding="utf-8")
    store2 = open_store(f"sqlite:///{tmp_path / 's2.sqlite'}")
    after = import_file(CURATED, store2, mapping=fixed, now=NOW)
    assert (after.inserted, after.reasons) == (198, {"missing_coordinates": 2})
    events = read_events(store2)
    assert (events["type"] == "search_and_rescue").sum() == sum(
        "drown" in r["Cause of Death"].lower() and r["Latitude"] not in ("", "NA") for r in _rows(CURATED))
    store.close()
    store2.close()


def test_value_maps_rules_order_and_round_trip(tmp_path: Path) -> None:
    text = """
name = "ordered"
[columns]
event_id = "ID"
occurred_at = "When"
lat = "Lat"
lon = "Lon"
type = "What"
status = "State"
persons = ["Adults", "Children"]
[types]
"Drowning" = "search_and_rescue"
[values.status]
"Resolved" = "closed"
"Ongoing" = "open"
[[match]]
field = "type"
contains = "smuggl"
value = "smuggling"
[[match]]
field = "type"
pattern = "^(presumed )?drown"
value = "search_and_rescue"
[[match]]
field = "type"
contains = "drown"
value = "other"
[options]
na_values = ["NA", "?"]
default_type = "other"
"""
    mapping = mapping_from_toml(text)
    assert mapping_from_toml(mapping_to_toml(mapping)) == mapping
    path = tmp_path / "f.csv"
    path.write_text("id,when,lat,lon,what,state,adults,children\n"
                    "1,2019-06-01,41.1,22.5,Drowning,Resolved,2,NA\n"          # exact value first
                    "2,2019-06-01,41.1,22.5,Presumed drowning,ongoing,?,3\n"   # first matching rule wins
                    "3,2019-06-01,41.1,22.5,Smuggling and drowning,,\"1,200\",0\n"  # rules in order: smuggl first
                    "4,2019-06-01,41.1,22.5,Suspected drowned,NA,1,1\n"         # only the last rule fits
                    "5,2019-06-01,41.1,22.5,Apprehension,closed,NA,NA\n", encoding="utf-8")
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    report = import_file(path, store, mapping=mapping, now=NOW)  # columns match in any case
    assert (report.inserted, report.quarantined) == (5, 0)
    events = read_events(store).set_index("event_id").sort_index()
    assert events["type"].tolist() == ["search_and_rescue", "search_and_rescue", "smuggling", "other", "apprehension"]
    assert events["status"].tolist() == ["closed", "open", "closed", "closed", "closed"]
    assert events["persons"].tolist() == [2, 3, 1200, 2, 0]
    attrs = _attrs(tmp_path / "s.sqlite")
    unknown = [attrs[i].get("persons_unknown", []) for i in events.index]
    assert unknown == [["children"], ["adults"], [], [], ["adults", "children"]]
    store.close()


def test_bad_rules_are_refused_with_a_reason() -> None:
    base = 'name = "x"\n[columns]\noccurred_at = "t"\n'
    with pytest.raises(MappingError, match="exactly one of contains or pattern"):
        mapping_from_toml(base + '[[match]]\nfield = "type"\nvalue = "other"\n')
    with pytest.raises(MappingError, match="not a regular expression"):
        mapping_from_toml(base + '[[match]]\nfield = "type"\npattern = "(("\nvalue = "other"\n')
    with pytest.raises(MappingError, match="not event types"):
        mapping_from_toml(base + '[[match]]\nfield = "type"\ncontains = "x"\nvalue = "boat"\n')
    with pytest.raises(MappingError, match="field must be one of"):
        mapping_from_toml(base + '[[match]]\nfield = "lat"\ncontains = "x"\nvalue = "1"\n')


def test_column_candidates_ignore_case_but_prefer_exact() -> None:
    assert find_column(("Incident Date",), ["incident date", "x"]) == "incident date"
    assert find_column(("Incident Date",), ["Incident date", "Incident Date"]) == "Incident Date"
    assert find_column(IOM.columns["lat"], ["LATITUDE "]) == "LATITUDE "
    assert find_column(("a",), ["b"]) is None


def test_refused_import_leaves_no_store_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("colour,size\nred,3\n", encoding="utf-8")
    db = tmp_path / "fresh" / "limes.sqlite"
    db.parent.mkdir()
    result = subprocess.run([sys.executable, "-m", "dashboard.cli", "import", str(bad), "--db", f"sqlite:///{db}"],
                            capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert result.returncode == 2, result.stderr
    assert "finds no column" in result.stderr
    assert list(db.parent.iterdir()) == []
