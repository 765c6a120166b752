"""IOM-style history that ended years ago, in Debian's Chromium: the emerging view and a Jun-Dec 2019 briefing.

Screenshots go to ``artifacts/`` (history-emerging.png, history-briefing.png).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bench.serving import start_streamlit
from geo.ingest import import_file
from geo.store import open_store
from tests.browser import MAP, chromium_page, wait_idle
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
HISTORY = ROOT / "tests" / "data" / "iom_global_2014_2020.csv"
CRASH = "This app has encountered an error"


@pytest.fixture(scope="module")
def history_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('history') / 'history.sqlite'}"
    store = open_store(url)
    import_file(HISTORY, store, mapping="iom", now=datetime(2026, 5, 1, tzinfo=timezone.utc))
    store.close()
    with start_streamlit(env={"LIMES_DB": url, "LIMES_SCENARIO": "off"}) as server:
        yield server


def _pick_radio(page, label: str) -> None:
    page.locator('[data-testid="stSidebar"] label', has_text=label).first.click()
    page.wait_for_timeout(500)
    wait_idle(page)


def _set_date(page, label: str, value: str, *, which: int = 0) -> None:
    """Type ``value`` (YYYY/MM/DD) into the date field's year, month and day parts (of a range's
    ``which`` end), then leave it."""
    for part, text in zip(("year", "month", "day"), value.split("/")):
        # Focus, not click: a click would open the calendar over the fields.
        page.get_by_role("spinbutton", name=f"{part}, {label}").nth(which).focus()
        page.keyboard.type(text)
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    page.wait_for_timeout(800)
    wait_idle(page)


def test_emerging_view_on_history(history_server: str, artifacts: Path) -> None:
    with chromium_page(width=1500, height=950) as session:
        page = session.page
        page.goto(history_server)
        wait_idle(page)
        page.wait_for_selector(f"{MAP} canvas", timeout=60_000)
        _pick_radio(page, "Emerging hot spots")
        page.wait_for_selector("text=Emerging hot spots: 12 weeks to", timeout=60_000)
        body = page.locator("body").inner_text()
        assert CRASH not in body
        # "Last 7 days" holds nothing: the cube ends with the data (Dec 2020), not at today's hour.
        assert "2020" in page_text_after(body, "Emerging hot spots: 12 weeks to")
        # A custom window in 2019 (the range picker: start then end): the cube ends with it.
        _pick_radio(page, "Custom")
        _set_date(page, "Days (UTC)", "2019/06/01", which=0)
        _set_date(page, "Days (UTC)", "2019/12/31", which=1)
        page.wait_for_selector("text=12 weeks to Jan 1, 2020, 00:00", timeout=60_000)
        page.wait_for_timeout(4000)
        page.screenshot(path=str(artifacts / "history-emerging.png"))
        body = page.locator("body").inner_text()
    assert CRASH not in body and "Jun 1, 2019, 00:00 – Jan 1, 2020, 00:00 UTC" in body
    assert session.outside_loopback() == []


def page_text_after(text: str, marker: str) -> str:
    return text[text.index(marker):][:80]


def test_briefing_of_2019_on_history(history_server: str, artifacts: Path) -> None:
    with chromium_page(width=1500, height=1900) as session:
        page = session.page
        page.goto(history_server)
        wait_idle(page)
        page.locator('[data-testid="stSidebarNav"] a', has_text="Briefing").click()
        page.wait_for_timeout(1000)
        wait_idle(page)
        _pick_radio(page, "Custom")
        _set_date(page, "From (UTC)", "2019/06/01")
        _set_date(page, "To (UTC), included", "2019/12/31")
        page.wait_for_selector("text=Figures in the corridors of the", timeout=90_000)
        page.wait_for_selector(f"{MAP} canvas", timeout=60_000)
        page.wait_for_timeout(4000)
        page.screenshot(path=str(artifacts / "history-briefing.png"))
        body = page.locator("body").inner_text()
        html = page.content()
    assert CRASH not in body
    assert "Jun 1, 2019" in body and "events outside them:" in body
    # Every day of the corridors' 214 holds 0 or 1-4 events (26 blanked below k=5): a sentence, not an empty chart
    # with a "0.000000" axis, for the whole sector and for the busiest sections alike.
    assert ("Nothing to chart: 26 days withheld (1 to 4 events, or hidden with such a day, k=5); the others had "
            "none.") in body, body
    assert body.count("Nothing to chart: ") >= 2 and "0.000000" not in html
    assert session.outside_loopback() == []
