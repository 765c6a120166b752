"""Every page and map mode on awkward stores: empty, one event, and IOM-style history that ended years ago.

No page may show Streamlit's error screen: a :class:`geo.errors.LimesError` is a message in its panel.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import h3
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.grid import BASE_RES, latlng_to_cells
from geo.ingest import import_file
from geo.store import insert_events, open_store, read_events
from tests.conftest import ROOT

PAGES = ROOT / "dashboard" / "pages"
HISTORY = ROOT / "tests" / "data" / "iom_global_2014_2020.csv"
MODES = ("Event count", "Hot spots (Gi*)", "Emerging hot spots")


def _one_event(url: str) -> None:
    store = open_store(url)
    when = pd.Timestamp("2019-09-03 10:00", tz="UTC")
    lat, lon = 41.12, 22.51
    insert_events(store, pd.DataFrame({
        "source": ["test"], "event_id": ["only"], "type": ["apprehension"], "occurred_at": [when],
        "received_at": [when], "lat": [lat], "lon": [lon], "persons": [3], "impact": ["low"], "confidence": [0.8],
        "status": ["closed"], "cell": latlng_to_cells([lat], [lon], BASE_RES), "attrs": ["{}"],
    }))
    store.close()


def _history(url: str) -> None:
    store = open_store(url)
    report = import_file(HISTORY, store, mapping="iom", now=datetime(2026, 5, 1, tzinfo=timezone.utc))
    assert report.inserted == 220
    store.close()


@pytest.fixture(params=["empty", "one_event", "years_old"])
def awkward_store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / f'{request.param}.sqlite'}"
    monkeypatch.setenv("LIMES_DB", url)
    monkeypatch.setenv("LIMES_SCENARIO", "off")
    open_store(url).close()
    {"empty": lambda u: None, "one_event": _one_event, "years_old": _history}[request.param](url)
    return request.param


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize("page", ["briefing", "coverage", "data", "moderation", "audit"])
def test_pages_never_crash(awkward_store: str, page: str) -> None:
    _ok(AppTest.from_file(str(PAGES / f"{page}.py"), default_timeout=180).run())


def test_every_map_mode_and_a_drill_down(awkward_store: str) -> None:
    at = _ok(AppTest.from_file(str(PAGES / "live_map.py"), default_timeout=120).run())
    if awkward_store == "empty":
        assert "holds no events" in at.info[0].value  # nothing to choose from: the page says so and stops
        return
    for window in ("Last 7 days", "Custom"):
        at.radio(key="window").set_value(window)
        for mode in MODES:
            _ok(at.radio(key="colour_by").set_value(mode).run())
            legend = next(m.value for m in at.markdown if "limes-legend" in m.value)
            if mode == "Emerging hot spots":  # the cube ends with the data (2020, or 2019 for the one event)
                assert " to " in legend and (" 2020," in legend or " 2019," in legend), legend
            # A click on a hexagon where the data is: drill-down of every mode.
            at.session_state["map"] = {"selection": {"objects": {"hexagons": [{"hex": h3.latlng_to_cell(41.15, 22.5, 7)}]}}}
            _ok(at.run())
            at.session_state["map"] = {"selection": {"objects": {}}}
            _ok(at.run())


def test_emerging_on_history_ends_with_the_data() -> None:
    """Data that ended in 2020: the cube ends at the data's last event, not at today's hour, and finds cells."""
    from dashboard.components.filters import Analysis

    end = datetime(2020, 12, 30, 15, 20, tzinfo=timezone.utc)
    now = datetime(2026, 5, 1, 9, 30, tzinfo=timezone.utc)
    analysis = Analysis(mode="Emerging hot spots", n_steps=12)
    assert analysis.cube_window(now).end == datetime(2026, 5, 1, 9, tzinfo=timezone.utc)
    assert analysis.cube_window(now, window_end=now, data_end=end).end == datetime(2020, 12, 30, 16, tzinfo=timezone.utc)
    custom_end = datetime(2019, 12, 1, tzinfo=timezone.utc)
    assert analysis.cube_window(now, window_end=custom_end, data_end=end).end == custom_end
    on_the_hour = datetime(2020, 12, 30, 15, tzinfo=timezone.utc)  # the window is half-open: include that event
    assert analysis.cube_window(now, data_end=on_the_hour).end == datetime(2020, 12, 30, 16, tzinfo=timezone.utc)


def test_an_empty_study_area_is_a_message_not_an_exception(tmp_path: Path) -> None:
    from dashboard.components.analysis_view import _emerging_or_reason
    from dashboard.components.filters import Analysis
    from geo.grid import EventIndex, Filters
    from geo.models import EVENT_TYPES
    from geo.timewindow import TimeWindow

    url = f"sqlite:///{tmp_path / 'one.sqlite'}"
    _one_event(url)
    store = open_store(url)
    index = EventIndex(read_events(store))
    store.close()
    now = datetime(2026, 5, 1, tzinfo=timezone.utc)
    before = Filters(TimeWindow(datetime(2018, 1, 1, tzinfo=timezone.utc), datetime(2018, 2, 1, tzinfo=timezone.utc)),
                     EVENT_TYPES, 6)
    reason = _emerging_or_reason(index, before, Analysis(mode="Emerging hot spots"), now)
    assert isinstance(reason, str) and "got 0" in reason and "Feb 1, 2018" in reason
    after = Filters(TimeWindow(datetime(2019, 8, 1, tzinfo=timezone.utc), now), EVENT_TYPES, 6)
    cube, result = _emerging_or_reason(index, after, Analysis(mode="Emerging hot spots"), now)
    assert cube.shape[1] == 12 and len(result) == 7  # ends with the data: its one cell and the ring around it
