"""The routes view of the Coverage planner through AppTest: the route layer, its payload, the table and a what-if."""

from __future__ import annotations

import json

import h3
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import state
from tests.conftest import ROOT

PAGE = ROOT / "dashboard" / "pages" / "coverage.py"


def _spec(at: AppTest) -> dict:
    (chart,) = at.get("deck_gl_json_chart")
    return json.loads(chart.proto.json)


def _layer(spec: dict, layer_id: str) -> dict:
    return next(layer for layer in spec["layers"] if layer["id"] == layer_id)


@pytest.fixture(scope="module")
def page() -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=180).run()
    assert not at.exception, at.exception
    assert "routes" not in [layer["id"] for layer in _spec(at)["layers"]]  # off until asked for
    at.toggle(key=state.COV_ROUTES).set_value(True).run()
    assert not at.exception, at.exception
    return at


def test_route_layer_holds_only_route_geometry_and_aggregates(page: AppTest) -> None:
    spec = _spec(page)
    ids = [layer["id"] for layer in spec["layers"]]
    assert ids.index("route-corridor") < ids.index("routes-halo") < ids.index("routes") < ids.index("sensors")
    assert ids[-2:] == ["route-crossings", "route-ranks"]  # route labels above sensors and sites
    routes = _layer(spec, "routes")
    assert routes["@@type"] == "PathLayer" and len(routes["data"]) == 5
    assert {key for row in routes["data"] for key in row} == {"rank", "status", "length_km", "walk_h", "unseen_pct",
                                                              "path"}
    assert [row["rank"] for row in routes["data"]] == [1, 2, 3, 4, 5]
    for row in routes["data"]:
        lon, lat = zip(*row["path"])
        assert 20.3 < min(lon) and max(lon) < 23.9 and 40.3 < min(lat) and max(lat) < 42.45
        assert len(row["path"]) > 10 and 0 <= row["unseen_pct"] <= 100
    band = _layer(spec, "route-corridor")
    assert {key for row in band["data"] for key in row} == {"hex", "value"}
    assert all(h3.get_resolution(row["hex"]) == 8 for row in band["data"])
    table = next(t.value for t in page.dataframe if "route" in t.value.columns)
    assert list(table["route"]) == [1, 2, 3, 4, 5] and table["cost (h)"].is_monotonic_increasing
    assert any("Tobler" in c.value for c in page.caption)
    labels = [b.proto.label for b in page.get("download_button")]
    assert {"Routes · GeoJSON", "Routes · GeoParquet", "Corridor · GeoJSON"} <= set(labels)


def test_what_if_towers_on_unseen_crossings_close_routes(page: AppTest) -> None:
    spec = _spec(page)
    routes = _layer(spec, "routes")["data"]
    crossings = _layer(spec, "route-crossings")["data"]
    # A route already in full view (twin towns under a camera) stays; towers where routes cross unseen close them.
    unseen = [c for r, c in zip(routes, crossings, strict=True) if r["unseen_pct"] >= 50]
    assert unseen
    towers = [{"sensor_id": f"RT{i}", "kind": "tower", "lat": c["lat"], "lon": c["lon"], "height_m": 24.0,
               "range_m": 12_000.0, "azimuth_deg": 0.0, "fov_deg": 360.0, "status": "active"}
              for i, c in enumerate(unseen, start=1)]
    page.session_state[state.SENSOR_EDITOR] = {"edited_rows": {}, "added_rows": towers, "deleted_rows": []}
    page.run()
    assert not page.exception, page.exception
    statuses = [row["status"] for row in _layer(_spec(page), "routes")["data"]]
    assert "closed" in statuses and statuses.index("closed") == 0  # closed ones are drawn beneath
    table = next(t.value for t in page.dataframe if "route" in t.value.columns)
    assert "closed" in set(table["what-if"])
