"""`limes routes` end to end: the store's sensors in, one LineString per route out, as GeoJSON and GeoParquet."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest

from dashboard.cli import main
from geo.coverage import save_sensors, sensors_from_frame
from geo.coverage.routefiles import write_routes
from geo.errors import CoverageError
from geo.scenario import Scenario
from geo.store import open_store
from geo.trust import read_log


def test_routes_command_writes_geojson_and_geoparquet(tmp_path: Path, scenario: Scenario,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'routes.sqlite'}"
    store = open_store(db)
    try:
        save_sensors(store, sensors_from_frame(scenario.sensors), source="scenario")
    finally:
        store.close()
    out, corridor = tmp_path / "routes.geojson", tmp_path / "corridor.parquet"
    assert main(["routes", "--db", db, "--k", "3", "--out", str(out), "--corridor", str(corridor)]) == 0
    printed = capsys.readouterr().out
    # 23 of the scenario's 28 sensors stand on the elevation data (the others are beyond 42° N).
    assert "3 routes (23 sensors, 0 patrolled cells)" in printed and "#1:" in printed
    document = json.loads(out.read_text())
    assert [f["geometry"]["type"] for f in document["features"]] == ["LineString"] * 3
    props = document["features"][0]["properties"]
    assert {"rank", "length_km", "walk_h", "unseen_share", "crossing_lat", "crossing_lon"} <= set(props)
    assert [f["properties"]["rank"] for f in document["features"]] == [1, 2, 3]
    band = gpd.read_parquet(corridor)
    assert band.crs.to_epsg() == 4326 and len(band) > 0 and band["excess"].between(0, 0.1).all()
    # GeoParquet routes carry the same table.
    parquet = tmp_path / "routes.parquet"
    assert main(["routes", "--db", db, "--k", "3", "--out", str(parquet)]) == 0
    assert list(gpd.read_parquet(parquet)["rank"]) == [1, 2, 3]
    store = open_store(db)
    log = read_log(store, actions=("export",))
    store.close()
    assert list(log["target"]) == ["routes.parquet", "routes.geojson"]  # newest first, one entry per export
    assert log["detail"].iloc[1] == "3 crossing routes: routes.geojson, corridor.parquet"
    assert set(log["client"]) == {"cli"} and all(a.startswith("cli:") for a in log["actor"])


def test_routes_command_refuses_a_bad_suffix_and_bad_k(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    assert main(["routes", "--db", db, "--k", "0", "--out", str(tmp_path / "r.geojson")]) == 2
    assert "k must be" in capsys.readouterr().err
    with pytest.raises(CoverageError, match="route files"):
        write_routes(None, tmp_path / "routes.kml")  # type: ignore[arg-type]
    assert not (tmp_path / "routes.kml").exists()
