"""The map page through Streamlit's AppTest: the pydeck spec, the KPIs and the hexagon drill-down."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta, timezone

import h3
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cache, live_cache, state
from geo.grid import Filters, cells_to_hex
from geo.models import EVENT_TYPES
from geo.store import record_poll
from geo.timewindow import TimeWindow, preset_window
from layers.deck import OFFLINE_STYLE_URL
from tests.conftest import ROOT

BASEMAP_IDS = {"countries", "relief-regional", "relief-srtm", "rivers", "lakes", "borders-internal",
               "borders-focus-halo", "borders-eu-external", "town-dots", "towns"}


def _number(text: str) -> int:
    return int(text.replace(",", "").replace("+", ""))


def _spec(at: AppTest) -> dict:
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.json)


def _hex_layer(spec: dict) -> dict:
    return next(layer for layer in spec["layers"] if layer["id"] == "hexagons")


@pytest.fixture()
def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def test_map_spec_layers_and_payload(app: AppTest) -> None:
    spec = _spec(app)
    assert spec["mapStyle"] == OFFLINE_STYLE_URL
    ids = [layer["id"] for layer in spec["layers"]]
    assert BASEMAP_IDS <= set(ids)
    # Hexagons above land, relief and water; borders and labels above the hexagons.
    assert ids.index("lakes") < ids.index("hexagons") < ids.index("borders-eu-external") < ids.index("towns")
    hexes = _hex_layer(spec)
    assert hexes["@@type"] == "H3HexagonLayer"
    assert {key for row in hexes["data"] for key in row} == {"hex", "value"}
    assert all(h3.get_resolution(row["hex"]) == 6 for row in hexes["data"])


def test_hexagons_and_kpis_match_the_index(app: AppTest) -> None:
    index = cache.event_index()
    window = preset_window("Last 7 days", now=datetime.now(timezone.utc))
    expected = index.aggregate(Filters(window, EVENT_TYPES, 6))
    hexes = _hex_layer(_spec(app))["data"]
    # The app's clock ran a moment earlier than ours: allow the events of that moment.
    assert abs(sum(row["value"] for row in hexes) - int(expected["events"].sum())) <= 5
    shown = {row["hex"] for row in hexes}
    assert len(shown ^ set(cells_to_hex(expected["cell"]))) <= 5
    metrics = {m.label: m for m in app.metric}
    assert abs(_number(metrics["Events"].value) - index.totals(window).events) <= 5
    assert metrics["Hexagons with events"].value == f"{len(hexes):,}"
    change = index.totals(window).persons - index.totals(window.previous()).persons
    assert abs(_number(metrics["Persons"].delta.split(" (")[0]) - change) <= 25


def test_filters_change_resolution_types_and_window(app: AppTest) -> None:
    app.slider(key="res").set_value(8).run()
    assert {h3.get_resolution(r["hex"]) for r in _hex_layer(_spec(app))["data"]} == {8}
    week_total = int(app.metric[0].value.replace(",", ""))
    app.radio(key="window").set_value("Last 24 h").run()
    day_total = int(app.metric[0].value.replace(",", ""))
    assert 0 < day_total < week_total
    app.multiselect(key="types").set_value(["smuggling"]).run()
    smuggling = int(app.metric[0].value.replace(",", ""))
    assert 0 < smuggling < day_total
    legend = [m.value for m in app.markdown if "limes-legend" in m.value]
    assert legend and "res 8" in legend[0]


def test_clicking_a_hexagon_shows_its_events(app: AppTest) -> None:
    hexes = _hex_layer(_spec(app))["data"]
    busiest = max(hexes, key=lambda row: row["value"])
    app.session_state[state.MAP] = {"selection": {"indices": {"hexagons": [0]}, "objects": {"hexagons": [busiest]}}}
    app.run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown)
    assert busiest["hex"] in text
    assert f"**{busiest['value']:,} events**" in text
    # The selection follows a change of resolution: the drill-down shows the parent cell at res 5.
    app.slider(key="res").set_value(5).run()
    parent = h3.cell_to_parent(busiest["hex"], 5)
    text = " ".join(m.value for m in app.markdown)
    assert parent in text and "res 5" in text
    parent_value = next(row["value"] for row in _hex_layer(_spec(app))["data"] if row["hex"] == parent)
    assert f"**{parent_value:,} events**" in text
    # A static table (drawn at once, nothing to scroll sideways in the side column); its cells are Markdown, escaped.
    table = app.table[0].value.map(html.unescape)
    assert list(table.columns) == ["When (UTC)", "type", "persons", "impact"]
    filters = Filters(preset_window("Last 7 days", now=datetime.now(timezone.utc)), EVENT_TYPES, 5)
    newest = cache.event_index().cell_events(h3.str_to_int(parent), filters).head(10)
    assert 0 < len(table) == len(newest)
    # Newest first, each time as people read it ("Nov 30, 14:05"), in the same order as the index has them.
    assert list(table["persons"]) == [str(n) for n in newest["persons"]]
    assert all(re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}, \d{2}:\d{2}", when) for when in table["When (UTC)"]), list(table["When (UTC)"])
    assert list(table["When (UTC)"]) == [f"{w:%b} {w.day}, {w:%H:%M}" for w in newest["occurred_at"]]


def test_unusual_cells_panel_lists_the_alerts(app: AppTest) -> None:
    from geo.analysis import unusual_cells

    now = datetime.now(timezone.utc)
    expected = unusual_cells(cache.event_index(), Filters(TimeWindow(now - timedelta(hours=1), now), EVENT_TYPES, 6))
    panel = [m.value for m in app.markdown if "limes-alerts" in m.value]
    if expected.empty:
        assert not panel and any("Nothing unusual" in c.value for c in app.caption)
    else:
        assert panel and panel[0].count("▲") == min(6, len(expected))
        assert f"<b>{int(expected['observed'].iloc[0])} events</b>" in panel[0]


def test_hot_spot_colouring(app: AppTest) -> None:
    app.radio(key="colour_by").set_value("Hot spots (Gi*)").run()
    assert not app.exception, app.exception
    values = {row["value"] for row in _hex_layer(_spec(app))["data"]}
    assert values and values <= {-3, -2, -1, 1, 2, 3} and 3 in values
    legend = [m.value for m in app.markdown if "limes-legend" in m.value][0]
    assert "Gi* hot/cold spots" in legend and "Hot spot, 99 %" in legend


def test_hot_cell_drill_down_says_why_it_is_hot(app: AppTest) -> None:
    app.radio(key="colour_by").set_value("Hot spots (Gi*)").run()
    hot = [row["hex"] for row in _hex_layer(_spec(app))["data"] if row["value"] > 0]
    app.session_state["map"] = {"selection": {"objects": {"hexagons": [{"hex": hot[0]}]}}}
    app.run()
    assert not app.exception, app.exception
    why = [m.value for m in app.markdown if "limes-gi-why" in m.value]
    assert len(why) == 1 and " here, " in why[0] and "within 1 ring around it" in why[0]
    legend = [m.value for m in app.markdown if "limes-legend" in m.value][0]
    assert "hot cells have no events of their own" in legend


def test_hot_spot_rings_change_the_classes(app: AppTest) -> None:
    from geo.analysis import classify, gi_star, study_area

    app.radio(key="colour_by").set_value("Hot spots (Gi*)").run()
    app.slider(key="rings").set_value(2).run()
    assert not app.exception, app.exception
    shown = {row["hex"]: row["value"] for row in _hex_layer(_spec(app))["data"]}
    index = cache.event_index()
    filters = Filters(preset_window("Last 7 days", now=datetime.now(timezone.utc)), EVENT_TYPES, 6)
    counts = index.aggregate(filters).set_index("cell")["events"]
    area = study_area(index.cells_at(6))
    expected = classify(gi_star(counts.reindex(area, fill_value=0).astype(float), k=2))
    expected = expected[expected != 0]
    # The clock moves between the page's run and ours: allow the odd cell at the window's edge.
    agree = sum(shown.get(h) == v for h, v in zip(cells_to_hex(expected.index.to_numpy()), expected.to_numpy()))
    assert agree >= 0.97 * len(expected) and abs(len(shown) - len(expected)) <= 0.03 * len(expected) + 1
    assert "k 2" in [m.value for m in app.markdown if "limes-legend" in m.value][0]


def test_emerging_hot_spots_show_the_planted_corridor(app: AppTest) -> None:
    from geo.scenario import EMERGING_CORRIDOR

    app.radio(key="colour_by").set_value("Emerging hot spots").run()
    assert not app.exception, app.exception
    rows = _hex_layer(_spec(app))["data"]
    assert {key for row in rows for key in row} == {"hex", "value", "label"}
    assert all(h3.get_resolution(row["hex"]) == 7 for row in rows)
    lon, lat = EMERGING_CORRIDOR.waypoints[1]
    planted = h3.latlng_to_cell(lat, lon, 7)
    by_hex = {row["hex"]: row["label"] for row in rows}
    assert by_hex.get(planted) in {"New hot spot", "Consecutive hot spot", "Intensifying hot spot"}
    assert "Persistent hot spot" in by_hex.values()
    legend = [m.value for m in app.markdown if "limes-legend" in m.value][0]
    assert "Emerging hot spots: 12 weeks" in legend and "res 7" in legend
    summary = [m.value for m in app.markdown if "limes-emerging" in m.value][0]
    table = app.dataframe[0].value
    assert len(table) == len(rows) and table["Category"].iloc[0] in {"New hot spot", "Consecutive hot spot"}
    assert (table["Category"] == "Persistent hot spot").sum() == sum(v == "Persistent hot spot" for v in by_hex.values())
    # The planted corridor's cells touch: one emerging area, west of Gevgelija (Huma is not in the gazetteer);
    # a lone flickering cell at a steady corridor's edge is counted apart, never listed as an area.
    assert summary.count("◆") == 1 and "W of Gevgelija" in summary and "Persistent hot spot: <b>" in summary


def test_emerging_drill_down_shows_category_and_trend(app: AppTest) -> None:
    from geo.scenario import EMERGING_CORRIDOR

    app.radio(key="colour_by").set_value("Emerging hot spots").run()
    lon, lat = EMERGING_CORRIDOR.waypoints[1]
    planted = h3.latlng_to_cell(lat, lon, 7)
    app.session_state[state.MAP] = {"selection": {"objects": {"hexagons": [{"hex": planted}]}}}
    app.run()
    assert not app.exception, app.exception
    text = " ".join(m.value for m in app.markdown)
    assert "hot spot**" in text and "trend: " in text and "of 12 weeks" in text
    # Operators read words ("very unusual"); the test statistics sit in the help.
    assert "τ" not in text and any("Mann-Kendall trend τ" in m.proto.help for m in app.markdown)
    assert len(app.get("vega_lite_chart")) == 1  # the z-score series; by type and over time are markup
    markup = " ".join(m.value for m in app.markdown)
    assert 'data-testid="limes-type-bars"' in markup and 'data-testid="limes-mini-bars"' in markup


def test_alert_thresholds_are_applied(app: AppTest) -> None:
    from geo.analysis import AlertRule, unusual_cells

    app.select_slider(key="alert_hours").set_value(8).run()
    app.select_slider(key="alert_p").set_value(0.05).run()
    app.number_input(key="alert_min").set_value(1).run()
    assert not app.exception, app.exception
    now = datetime.now(timezone.utc)
    rule = AlertRule(max_p=0.05, min_events=1)
    expected = unusual_cells(cache.event_index(), Filters(TimeWindow(now - timedelta(hours=8), now), EVENT_TYPES, 6),
                             rule)
    panel = [m.value for m in app.markdown if "limes-alerts" in m.value]
    if expected.empty:
        assert any("last 8 h" in c.value and "p ≤ 0.05" in c.value for c in app.caption)
    else:
        assert panel and "Unusual in the last 8 h" in panel[0]
        shown = re.search(r"\((\d+) cells?\)", panel[0])
        assert shown, panel[0]
        assert abs(int(shown.group(1)) - len(expected)) <= 2


def test_custom_window_counts_whole_days(app: AppTest) -> None:
    app.radio(key="window").set_value("Custom").run()
    assert not app.exception
    now = datetime.now(timezone.utc)
    first = (now - timedelta(days=14)).replace(hour=0, minute=0, second=0, microsecond=0)
    app.date_input(key="custom_days").set_value((first.date(), (now - timedelta(days=8)).date())).run()
    expected = cache.event_index().totals(TimeWindow(first, first + timedelta(days=7)))
    assert _number(app.metric[0].value) == expected.events
    assert _number(app.metric[1].value) == expected.persons
    # The previous seven days lie inside the 90-day history, so the change is shown.
    assert app.metric[0].delta


def test_map_bundle_preloaded_first(app: AppTest) -> None:
    """The first element asks the browser for this Streamlit's deck.gl bundle, a file that exists."""
    import re
    from pathlib import Path

    import streamlit

    first = app.markdown[0].value
    match = re.fullmatch(r'<link rel="modulepreload" href="\./static/js/(DeckGlJsonChart\.[\w-]+\.js)">', first)
    assert match, first
    assert (Path(streamlit.__file__).parent / "static" / "static" / "js" / match.group(1)).is_file()


def test_feed_strip_counts_what_each_feed_brings() -> None:
    store = cache.current_store()
    record_poll(store, "test-geojson", kind="geojson", error=None, lag_s=2.0, events=5)
    record_poll(store, "test-kobo", kind="kobo", error=None, reports=3)
    live_cache.feeds_health.clear()  # the strip is read once a second per server; earlier tests read it empty
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    strip = html.unescape(next(m.value for m in at.markdown if "limes-feeds" in m.value))  # outside text as entities
    assert "<b>test-geojson</b>" in strip and "· 5 events</span>" in strip
    assert "<b>test-kobo</b>" in strip and "· 3 reports queued</span>" in strip


def test_a_click_shows_the_moment_on_screen() -> None:
    """A click redraws the last run's second (its frame is made, its deck is on screen); the timer moves on."""
    from dashboard.components.live_view import CLICK_REDRAWS_WITHIN, shown_moment

    t0 = datetime(2026, 11, 30, 14, 5, 7, tzinfo=timezone.utc)
    soon, late = t0 + timedelta(milliseconds=900), t0 + CLICK_REDRAWS_WITHIN + timedelta(milliseconds=1)
    assert shown_moment(soon, "clicked", ("none", t0)) == t0  # a click
    assert shown_moment(soon, "none", ("none", t0)) == soon  # the timer
    assert shown_moment(late, "clicked", ("none", t0)) == late  # a click long after the last run
    assert shown_moment(soon, "clicked", ("", None)) == soon  # the first run


def test_a_click_does_not_build_the_frame_again(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard.components import live_frame, live_view

    built: list[datetime] = []
    real = live_frame.live_frame
    monkeypatch.setattr(live_frame, "live_frame", lambda *a, **k: built.append(k["now"]) or real(*a, **k))
    monkeypatch.setattr(live_view, "CLICK_REDRAWS_WITHIN", timedelta(hours=1))  # however slow this machine is
    monkeypatch.setenv("LIMES_LIVE_SHARING", "off")  # no frame shared between runs: the click's run builds its own
    shown = app.session_state[state.LIVE_CLOCK][1]
    busiest = max(_hex_layer(_spec(app))["data"], key=lambda row: row["value"])
    app.session_state[state.MAP] = {"selection": {"indices": {"hexagons": [0]}, "objects": {"hexagons": [busiest]}}}
    app.run()
    assert not app.exception
    assert f"**{busiest['value']:,} events**" in " ".join(m.value for m in app.markdown)
    assert app.session_state[state.LIVE_CLOCK][1] == shown and built == [shown]
