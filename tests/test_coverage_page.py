"""The Coverage planner page through AppTest: layers and payload, the headline, what-ifs, saving and bad input."""

from __future__ import annotations

import html
import json

import h3
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cache, state
from geo.coverage import CoverageParams, load_sensors, save_sensors
from tests.conftest import ROOT

PAGE = ROOT / "dashboard" / "pages" / "coverage.py"
ORDER = ["relief-srtm", "lakes", "coverage-raster", "corridor", "gaps", "patrol-areas", "borders-eu-external", "towns",
         "sensor-ranges", "sensors", "sites"]


def _spec(at: AppTest) -> dict:
    (chart,) = at.get("deck_gl_json_chart")
    return json.loads(chart.proto.json)


def _layer(spec: dict, layer_id: str) -> dict:
    return next(layer for layer in spec["layers"] if layer["id"] == layer_id)


def _metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


@pytest.fixture()
def page() -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=120).run()
    assert not at.exception, at.exception
    return at


def test_layers_payload_and_headline(page: AppTest) -> None:
    spec = _spec(page)
    ids = [layer["id"] for layer in spec["layers"]]
    assert [i for i in ids if i in ORDER] == ORDER
    corridor, gaps = _layer(spec, "corridor"), _layer(spec, "gaps")
    for layer in (corridor, gaps):
        assert layer["@@type"] == "H3HexagonLayer"
        assert {key for row in layer["data"] for key in row} == {"hex", "value"}
        assert all(h3.get_resolution(row["hex"]) == 8 for row in layer["data"][:50])
    assert {row["value"] for row in gaps["data"]} >= {1, 2, 3}
    # The headline is the covered share of the corridor the map shows: covered / (covered + gaps).
    share = len(corridor["data"]) / (len(corridor["data"]) + len(gaps["data"]))
    assert _metrics(page)["Corridor covered"][0] == f"{share:.1%}"
    assert 0.4 < share < 0.9
    image = _layer(spec, "coverage-raster")["image"]
    assert image.startswith("/app/static/generated/coverage-")
    assert (ROOT / "static" / image.removeprefix("/app/static/").split("?")[0]).stat().st_size > 10_000
    sensors = _layer(spec, "sensors")["data"]
    stored = load_sensors(cache.current_store())
    assert len(sensors) == len(stored) > 20
    assert {key for row in sensors for key in row} == {"id", "lon", "lat", "range", "on"}
    assert len(_layer(spec, "sites")["data"]) == 3
    tables = [t.value for t in page.dataframe]
    gap_table = next(t for t in tables if "gap" in t.columns)
    assert list(gap_table["gap"][:3]) == [1, 2, 3] and gap_table["risk"].is_monotonic_decreasing
    assert any("Computed in" in c.value for c in page.caption)


def test_what_if_recommended_towers_raise_the_share(page: AppTest) -> None:
    before = float(_metrics(page)["Corridor covered"][0].rstrip("%"))
    page.toggle(key="try_sites").set_value(True).run()
    assert not page.exception, page.exception
    value, delta = _metrics(page)["Corridor covered"]
    assert float(value.rstrip("%")) > before + 1.0
    assert delta.startswith("+") and "what-if" in delta
    ids = {row["id"] for row in _layer(_spec(page), "sensors")["data"]}
    assert {"NEW1", "NEW2", "NEW3"} <= ids
    elapsed = float(next(c.value for c in page.caption if "Computed in" in c.value).split()[2])
    assert elapsed > 0  # how fast is a bench figure (routes/viewshed benches), not a test's


def test_edit_switch_off_save_and_bad_input(page: AppTest) -> None:
    store = cache.current_store()
    stored = load_sensors(store)
    seen_before = _metrics(page)["Seen by sensors"][0]
    edits = {str(i): {"status": "off"} for i in range(len(stored))}
    page.session_state[state.SENSOR_EDITOR] = {"edited_rows": edits, "added_rows": [], "deleted_rows": []}
    page.run()
    assert not page.exception, page.exception
    assert _metrics(page)["Seen by sensors"][0] == "0.0%" != seen_before
    assert {row["on"] for row in _layer(_spec(page), "sensors")["data"]} == {0}
    assert load_sensors(store) == stored  # a what-if only, until saved
    try:
        page.button(key="save_sensors").click().run()
        assert not page.exception, page.exception
        assert {s.status for s in load_sensors(store)} == {"off"}
        from geo.trust import read_log

        entry = read_log(store, actions=("sensor_edit",)).iloc[0]  # who saved which sensors
        assert entry["actor"] == "local" and entry["detail"] == f"{len(stored)} saved, 0 removed"
        assert entry["target"].startswith("S01")
    finally:
        save_sensors(store, stored, source="scenario")
    page.run()  # the table shows the restored sensors again
    page.session_state[state.SENSOR_EDITOR] = {"edited_rows": {"0": {"lat": 95.0}}, "added_rows": [],
                                           "deleted_rows": []}
    page.run()
    assert not page.exception
    shown = [html.unescape(e.value) for e in page.error]  # outside text (sensor ids, values) arrives as entities
    assert any("lat/lon out of range" in e and "stored sensors" in e for e in shown), shown
    assert _metrics(page)["Seen by sensors"][0] == seen_before  # the stored sensors stand in


def test_the_page_is_in_the_navigation() -> None:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120).run()
    at.switch_page("dashboard/pages/coverage.py").run()
    assert not at.exception, at.exception
    assert "Corridor covered" in _metrics(at)


def test_corridor_views_slope_and_patrols(page: AppTest) -> None:
    terrain = cache.coverage_terrain(CoverageParams())
    page.radio(key="cov_view").set_value("slope").run()
    assert not page.exception, page.exception
    spec = _spec(page)
    assert "gaps" not in [layer["id"] for layer in spec["layers"]]
    corridor = _layer(spec, "corridor")
    slope = {row["hex"]: row["value"] for row in corridor["data"]}
    assert len(slope) == len(terrain.corridor)
    expected = terrain.stats["slope_mean_deg"]
    cell = expected.idxmax()
    assert slope[format(int(cell), "x")] == max(1, int(np.ceil(expected.max())))
    page.radio(key="cov_view").set_value("since_patrol").run()
    classes = [row["value"] for row in _layer(_spec(page), "corridor")["data"]]
    # Classes 0-6 h ... never (1-6): patrolled today somewhere; never in 30 days elsewhere.
    assert min(classes) <= 2 and max(classes) == 6
    legend = [m.value for m in page.markdown if "limes-legend" in m.value][0]
    assert "0–6 h" in legend and "1–3 days" in legend and "never in 30 days" in legend
    page.radio(key="cov_view").set_value("effort").run()
    effort = _layer(_spec(page), "corridor")["data"]
    assert 0 < len(effort) < len(terrain.corridor) and min(row["value"] for row in effort) >= 1


def test_one_sensors_viewshed_and_user_candidates(page: AppTest) -> None:
    all_image = _layer(_spec(page), "coverage-raster")["image"]
    page.selectbox(key="cov_viewshed").set_value("S01").run()
    assert not page.exception, page.exception
    one_image = _layer(_spec(page), "coverage-raster")["image"]
    assert one_image != all_image
    all_size = (ROOT / "static" / all_image.removeprefix("/app/static/").split("?")[0]).stat().st_size
    assert (ROOT / "static" / one_image.removeprefix("/app/static/").split("?")[0]).stat().st_size < all_size
    # Two points in the planted gap, one in the open stretch east of Medzitlija (Dojran is patrolled now).
    typed = [(41.02, 21.82), (41.05, 21.88), (40.87, 21.60)]
    page.text_area(key="cov_candidates").input("\n".join(f"{lat}, {lon}" for lat, lon in typed)).run()
    assert not page.exception, page.exception
    sites = {(row["lat"], row["lon"]) for row in _layer(_spec(page), "sites")["data"]}
    assert len(sites) == 3  # chosen among the typed points
    assert all(min(abs(lat - a) + abs(lon - b) for a, b in typed) < 0.01 for lat, lon in sites)
    page.text_area(key="cov_candidates").input("41.02; 21.82\nsomewhere").run()
    assert not page.exception
    assert any("line 2" in e.value for e in page.error)
    page.text_area(key="cov_candidates").input("45.5, 21.8").run()  # off the elevation grid
    assert not page.exception
    assert any("elevation grid" in e.value for e in page.error)
    assert len(_layer(_spec(page), "sites")["data"]) == 3  # fell back to high ground near the border
