"""Issue 17, the map at a glance: basemap by URL, stable colour classes, thin switchable outlines at the analysis
resolution, the zoom hint, the full legend, town label priorities and playback (AppTest and pure functions)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import h3
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cache, state
from dashboard.components.playback import frame_window, frames
from geo.grid import Filters
from geo.models import EVENT_TYPES
from geo.spatial import load_basemap
from geo.timewindow import TimeWindow, describe_length, preset_window
from layers.basemap import label_box, overlaps, town_label_boxes, town_layer, town_priority
from layers.colours import window_breaks
from layers.files import served_as_files, versioned_url
from layers.live import RECENT_LAYER_ID, RECENT_WIDTH_PX, callsign_offset, recent_hexagon_layer
from tests.conftest import ROOT

BASEMAP_VECTORS = ("countries", "rivers", "lakes", "borders-internal", "borders-focus-halo", "borders-eu-external",
                   "town-dots", "towns")


def _spec(at: AppTest) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


def _layer(spec: dict, layer_id: str) -> dict | None:
    return next((layer for layer in spec["layers"] if layer["id"] == layer_id), None)


def _legend(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "limes-legend" in m.value)


@pytest.fixture()
def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=90).run()
    assert not at.exception, at.exception
    return at


# -- The basemap by URL ------------------------------------------------------------------------
def test_served_files_hold_the_layer_data_and_change_url_with_content(tmp_path: Path) -> None:
    base = load_basemap()
    layer = town_layer(base)
    [served] = served_as_files([layer], tmp_path, url_prefix="/app/static/generated")
    path = tmp_path / "basemap-towns.json"
    assert json.loads(path.read_text()) == layer.data  # the file is the data the spec used to inline
    assert served.data == versioned_url("/app/static/generated/basemap-towns.json", path.read_bytes())
    assert layer.data != served.data and isinstance(layer.data, list)  # the cached original is untouched
    stamp = path.stat().st_mtime_ns
    [again] = served_as_files([layer], tmp_path, url_prefix="/app/static/generated")
    assert again.data == served.data and path.stat().st_mtime_ns == stamp  # unchanged content: file kept
    layer.data = layer.data[:3]
    [changed] = served_as_files([layer], tmp_path, url_prefix="/app/static/generated")
    assert changed.data != served.data and len(json.loads(path.read_text())) == 3


def test_map_spec_references_the_basemap_by_url(app: AppTest) -> None:
    spec = _spec(app)
    for layer_id in BASEMAP_VECTORS:
        url = _layer(spec, layer_id)["data"]
        assert isinstance(url, str) and url.startswith("/app/static/generated/basemap-") and "?v=" in url, layer_id
        file = cache.generated_dir() / url.removeprefix("/app/static/generated/").split("?")[0]
        assert versioned_url(url.split("?")[0], file.read_bytes()) == url  # the digest is the file's
    borders = json.loads((cache.generated_dir() / "basemap-borders-eu-external.json").read_text())
    assert {"GRC-MKD", "BGR-MKD"} <= {f["properties"]["pair"] for f in borders["features"]}
    for layer_id in ("relief-regional", "relief-srtm"):
        assert "?v=" in _layer(spec, layer_id)["image"]
    # 66 KB with the basemap inline (measured before this change); the data layers alone are a fraction of it.
    assert len(app.get("deck_gl_json_chart")[0].proto.json) < 25_000


# -- Colour classes ----------------------------------------------------------------------------
def test_window_breaks_known_answers_and_class_widths() -> None:
    assert window_breaks(168, 6) == [1, 2, 5, 10, 20, 50, 100]
    assert window_breaks(24, 6) == [1, 2, 3, 5, 10, 20, 30]
    for hours in (1, 24, 168, 720, 2160):
        for res in range(5, 10):
            breaks = window_breaks(hours, res)
            assert breaks[0] == 1 and breaks == sorted(set(breaks))
            # No class wider than ~3.4x its lower bound above the first (the "3-19" was 6.3x).
            assert all(b / a <= 3.4 for a, b in zip(breaks[1:], breaks[2:])), (hours, res, breaks)
    with pytest.raises(ValueError, match="positive hours"):
        window_breaks(0, 6)


def test_same_length_windows_share_their_legend(app: AppTest) -> None:
    first = _legend(app)
    app.radio(key=state.WINDOW).set_value("Custom").run()
    app.date_input(key=state.CUSTOM_DAYS).set_value((datetime.now(timezone.utc).date() - timedelta(days=20),
                                                     datetime.now(timezone.utc).date() - timedelta(days=14))).run()
    assert not app.exception, app.exception
    later = _legend(app)
    assert "7 days" in first and "7 days" in later
    rows = [part.split("</span>")[0] for part in first.split("<span>")[1:8]]
    assert rows[:3] == ["1 event", "2–4 events", "5–9 events"]
    assert rows == [part.split("</span>")[0] for part in later.split("<span>")[1:8]]


def test_describe_length_in_whole_units() -> None:
    assert describe_length(24) == "24 h"
    assert describe_length(168) == "7 days"
    assert describe_length(146.88) == "6 days"  # 6.12 days reads as a whole number
    assert describe_length(1.0) == "1 h"


# -- Outlines, zoom hint, legend, labels -------------------------------------------------------
def test_recent_outlines_thin_at_the_analysis_resolution_and_switchable(app: AppTest) -> None:
    layer = recent_hexagon_layer(__import__("pandas").Series([], dtype="uint64"), __import__("pandas").Series([], dtype=int))
    assert layer.line_width_min_pixels == RECENT_WIDTH_PX <= 1.5
    index = cache.event_index()
    app.radio(key=state.COLOUR_BY).set_value("Emerging hot spots").run()
    assert not app.exception, app.exception
    recent = _layer(_spec(app), RECENT_LAYER_ID)
    assert recent is not None
    # The app's last 15 minutes end at the wall clock (the scenario store may be minutes old by now).
    end = datetime.now(timezone.utc)
    expected = index.aggregate(Filters(TimeWindow(end - timedelta(minutes=15), end), EVENT_TYPES, 7))
    if len(expected):  # a fresh scenario ends at the present: its last minutes have events
        assert {h3.get_resolution(row["hex"]) for row in recent["data"]} == {7}
    assert "events in the last 15 min" in _legend(app)
    app.toggle(key=state.RECENT_OUTLINES).set_value(False).run()
    assert _layer(_spec(app), RECENT_LAYER_ID) is None
    assert "events in the last 15 min" not in _legend(app)


def test_fine_resolutions_say_zoom_in(app: AppTest) -> None:
    assert not any("zoom in" in c.value for c in app.caption)
    app.slider(key=state.RES).set_value(9).run()
    assert any("zoom in (+ or scroll) to see res-9 cells" in c.value for c in app.caption)


def test_legend_explains_every_symbol(app: AppTest) -> None:
    legend = _legend(app)
    for words in ("EU external border", "events in the last 15 min", "accepted community reports",
                  "unmoderated reports", "position current", "position stale", "town"):
        assert words in legend, words


def test_town_labels_do_not_overlap_and_border_towns_come_first() -> None:
    base = load_basemap()
    priority = dict(zip(base.towns["name"], town_priority(base), strict=True))
    assert priority["Gevgelija"] >= 100 and priority["Strumica"] >= 100 and priority["Florina"] >= 100
    assert priority["Skopje"] == 50 and priority["Thessaloniki"] == 50  # major, but far from the watched line
    assert priority["Bitola"] > priority["Gevgelija"]  # a major city at the border
    kept = town_layer(base).data
    names = {row["name"] for row in kept}
    assert {"Gevgelija", "Bitola", "Florina", "Strumica", "Skopje", "Thessaloniki"} <= names
    boxes = town_label_boxes(base)
    assert not any(overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    dropped = set(base.towns["name"]) - names
    # Every dropped label would have covered a kept one of at least its priority.
    by_name = {row["name"]: row for row in kept}
    for name in dropped:
        row = base.towns[base.towns["name"] == name].iloc[0]
        box = label_box(float(row["lon"]), float(row["lat"]), name, 14 if row["rank"] == 0 else 11)
        assert any(overlaps(box, label_box(k["lon"], k["lat"], k["name"], k["size"])) and k["priority"] >= priority[name]
                   for k in by_name.values()), name


def test_callsigns_keep_clear_of_town_labels() -> None:
    base = load_basemap()
    boxes = town_label_boxes(base)
    gevgelija = next(r for r in town_layer(base).data if r["name"] == "Gevgelija")
    # A unit right at the start of Gevgelija's label: its callsign above would cover it, so it goes below.
    lon, lat = gevgelija["lon"] + 0.01, gevgelija["lat"] + 0.012
    assert callsign_offset(lon, lat, "GR-P03", boxes) != -14
    assert callsign_offset(21.0, 43.5, "GR-P03", boxes) == -14  # far from every label: above its dot


# -- Playback ----------------------------------------------------------------------------------
def test_frames_are_whole_hours_and_days_that_stay_put() -> None:
    now = datetime(2026, 11, 28, 12, 37, 12, tzinfo=timezone.utc)
    window = preset_window("Last 24 h", now=now)
    hours = frames(window, timedelta(hours=1))
    assert hours[0] == datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc) and len(hours) == 25
    assert frame_window(window, hours[0], timedelta(hours=1)).start == window.start  # the first frame is cut
    later = preset_window("Last 24 h", now=now + timedelta(seconds=40))
    assert frames(later, timedelta(hours=1)) == hours  # a sliding window keeps its frames within the hour
    days = frames(preset_window("Last 7 days", now=now), timedelta(days=1))
    assert len(days) == 8 and all(d.hour == 0 for d in days)


def test_playback_shows_one_frame_and_its_kpis(app: AppTest) -> None:
    app.toggle(key=state.PLAYBACK).set_value(True).run()
    assert not app.exception, app.exception
    first = app.session_state[state.PLAY_FRAME]  # the window's first frame, cut at its start
    frame = first + timedelta(hours=1)  # a whole hour
    app.select_slider(key=state.PLAY_FRAME).set_value(frame).run()
    window = TimeWindow(frame, frame + timedelta(hours=1))
    index = cache.event_index()
    expected = index.aggregate(Filters(window, EVENT_TYPES, 6))
    hexes = _layer(_spec(app), "hexagons")["data"]
    assert sum(row["value"] for row in hexes) == int(expected["events"].sum())
    metrics = {m.label: m for m in app.metric}
    assert int(metrics["Events"].value.replace(",", "")) == index.totals(window).events
    assert _layer(_spec(app), RECENT_LAYER_ID) is None  # "last 15 min" is the present, not the frame
    app.button(key=state.PLAY_BUTTON).click().run()  # play: every run moves one frame on
    app.run()
    assert app.session_state[state.PLAY_FRAME] > frame


# -- Words and scales a planner reads ----------------------------------------------------------
def test_hours_since_patrol_on_a_planners_scale() -> None:
    import pandas as pd

    from layers.coverage import patrol_age_classes, patrol_age_legend

    hours = pd.Series([0.5, 5.9, 6.0, 23.0, 30.0, 100.0, 200.0, float("nan")], index=range(8))
    assert patrol_age_classes(hours).tolist() == [1, 1, 2, 2, 3, 4, 5, 6]
    labels = [e.label for e in patrol_age_legend(720.0)]
    assert labels == ["0–6 h", "6–24 h", "1–3 days", "3–7 days", "over 7 days (up to 30)", "never in 30 days"]



# -- The demo's rate ---------------------------------------------------------------------------
def test_demo_at_default_speed_publishes_the_scenarios_own_rate() -> None:
    """30 minutes of `limes demo` (speed 60) add about half an hour of events, not 30 hours: the KPIs and
    "unusual now" stay within what the scenario's past hours show."""
    from geo.scenario import generate
    from geo.scenario.simulator import FeedSimulator

    start = datetime(2026, 11, 28, 22, 0, tzinfo=timezone.utc)  # the night, when the scenario is busiest
    sim = FeedSimulator(speed=60.0, start=start)
    sim._elapsed_s = lambda: 1800.0  # type: ignore[method-assign] # half an hour of wall-clock demo
    published = sim.published()
    history = generate(end=start).events
    hourly = history.set_index("occurred_at").resample("1h").size()
    recent = hourly[hourly.index >= hourly.index[-1] - pd.Timedelta(days=56)]
    assert 1 <= len(published) <= recent.max()  # the last hour holds no more than the busiest past hour
    assert len(published) <= 3 * recent.mean()  # ...and near the average one (before: ~30 h of events, 900+)
    per_day = len(published) * 48  # the rate over a day
    daily = history.set_index("occurred_at").resample("1D").size().iloc[1:-1]
    assert daily.min() / 3 <= per_day <= daily.max() * 1.5  # the "last 24 h" KPI stays in the scenario's range



def test_a_freshly_mounted_map_draws_the_region_first_and_the_world_a_second_later() -> None:
    """The world's layers around the region cost software WebGL ~1.7 s on a map's first frame: a map that has just
    mounted (first visit, or back from another page) gets them with the live view's next run, never on a rerun of
    the same page (that would make them blink out)."""
    from layers.world import WORLD_LAYER_IDS

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=180).run()
    assert not at.exception, at.exception
    first = {layer["id"] for layer in _spec(at)["layers"]}
    assert not first & WORLD_LAYER_IDS and {"hexagons", "countries", "towns"} <= first
    at.run()  # the live view's next run (a rerun of the same page)
    again = {layer["id"] for layer in _spec(at)["layers"]}
    assert WORLD_LAYER_IDS <= again and first <= again
    at.switch_page("dashboard/pages/data.py").run()
    assert not at.exception, at.exception
    at.switch_page("dashboard/pages/live_map.py").run()  # back to the map: it mounts afresh
    assert not {layer["id"] for layer in _spec(at)["layers"]} & WORLD_LAYER_IDS
    at.run()
    assert WORLD_LAYER_IDS <= {layer["id"] for layer in _spec(at)["layers"]}
