"""What a reader sees on years-old history (IOM incidents 2014–2020): the map's classes and its alerts panel say
something about the data, not about a live week that is not there. The same store in Chromium:
tests/test_history_browser.py."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.cli import main as limes
from geo.ingest import import_file
from geo.settings import bundled_data_dir
from geo.store import open_store
from layers.colours import class_breaks, count_breaks, window_breaks
from tests.conftest import ROOT

HISTORY = ROOT / "tests" / "data" / "iom_global_2014_2020.csv"
IOM_SAMPLE = bundled_data_dir() / "incidents" / "MissingMigrants-Global-2026-05-06--19_42_11.csv"


def test_sparse_years_get_classes_of_their_own_counts() -> None:
    days_2541 = 2541 * 24.0
    assert window_breaks(days_2541, 6)[:2] == [1, 1000]  # a live week's classes scaled to 7 years
    counts = [1] * 180 + [2] * 12 + [3, 4, 5, 9]  # every cell below 1,000: one colour for the whole map
    assert count_breaks(counts, window_h=days_2541, res=6) == class_breaks(counts)
    assert count_breaks(counts, window_h=days_2541, res=6) == [1, 2]
    busy = [1, 40, 2500]  # a count reaches the second class: the window's classes stay (alike for its length)
    assert count_breaks(busy, window_h=days_2541, res=6) == window_breaks(days_2541, 6)
    assert count_breaks([], window_h=168, res=6) == window_breaks(168, 6)


@pytest.fixture(scope="module")
def history_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('history') / 'history.sqlite'}"
    store = open_store(url)
    import_file(HISTORY, store, mapping="iom", now=datetime(2026, 5, 1, tzinfo=timezone.utc))
    store.close()
    return url


def _page(name: str, url: str) -> AppTest:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LIMES_DB", url)
        patch.setenv("LIMES_SCENARIO", "off")
        at = AppTest.from_file(str(ROOT / "dashboard" / "pages" / f"{name}.py"), default_timeout=180).run()
    assert not at.exception, at.exception
    return at


def test_history_map_legend_and_alerts_speak_of_the_data(history_url: str) -> None:
    at = _page("live_map", history_url)
    legend = next(m.value for m in at.markdown if "limes-legend" in m.value)
    rows = [part.split("</span>")[0] for part in legend.split("<span>")[1:3]]
    # 196 cells, 220 events: was "1–999 events", "1,000–1,999 events", … "50,000+ events", every cell in the first
    assert rows == ["1–2 events", "3+ events"], legend
    texts = [c.value for c in at.caption] + [m.value for m in at.markdown]
    assert any("No alerts: they compare the last 1 h with the same hours of the past 8 weeks, and the stored events "
               "end on Dec 26, 2020." in t for t in texts), texts
    assert not any("Nothing unusual" in t for t in texts)


def test_history_briefing_opens_on_the_data_last_week(history_url: str) -> None:
    """The Briefing's default on history is the data's last week (the map chose "All data" the same way), not
    "Last 7 days" to today, which holds nothing and only erred."""
    at = _page("briefing", history_url)
    assert at.radio(key="briefing_window").value == "Custom"
    assert [d.value.isoformat() for d in at.date_input] == ["2020-12-19", "2020-12-26"]
    assert not at.error, [e.value for e in at.error]


def test_months_old_sample_offers_no_emerging_signal_as_if_now(tmp_path: Path) -> None:
    """The IOM sample ends in May 2026: its emerging areas (the cube ends with the data) are no signal of "now" on
    the Incidents page; before, six such areas waited there stamped with today's time."""
    url = f"sqlite:///{tmp_path / 'iom.sqlite'}"
    assert limes(["import", str(IOM_SAMPLE), "--mapping", "iom", "--db", url, "--json"]) == 0
    at = _page("incidents", url)
    shown = " ".join(m.value for m in at.markdown)
    assert "emerging hot spot" not in shown
    assert any("Nothing waiting" in c.value for c in at.caption), [c.value for c in at.caption]


def test_coverage_without_sensors_says_why_it_reads_zero(history_url: str) -> None:
    at = _page("coverage", history_url)
    assert any(i.value.startswith("No sensors stored yet: the whole corridor counts as unseen.") for i in at.info), \
        [i.value for i in at.info]
