"""The public report form in a real browser: `streamlit run report_form.py`, Debian's Chromium through Playwright.

A reporter clicks the map, chooses a category, writes a text and a contact, and sends; the report is in the
queue with the picked place and the contact, and nothing else in the store changed. Screenshot in ``artifacts/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import h3
import httpx
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bench.serving import free_port
from geo.reports import read_queue
from geo.store import open_store
from tests.browser import MAP, chromium_page, wait_idle
from tests.conftest import ROOT
from tests.stores import fetch

pytestmark = pytest.mark.browser

OTHER_TABLES = ("events", "quarantine", "imports", "units", "feed_state", "feed_health", "sensors", "section_levels")


def _start_form(db_url: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "LIMES_DB": db_url, "LIMES_SCENARIO": "off"}
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "report_form.py", "--server.port", str(port),
                                 "--server.address", "127.0.0.1", "--server.headless", "true"],
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                return proc, url
        except httpx.TransportError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"the report form did not start; see {log}")


def test_a_reporter_fills_in_the_form(tmp_path: Path, artifacts: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'public.sqlite'}"
    open_store(db_url).close()  # the schema, so that "nothing else changed" has a baseline
    proc, url = _start_form(db_url, artifacts / "report-form-streamlit.log")
    try:
        with chromium_page(width=1000, height=1400) as session:
            page = session.page
            page.goto(url)
            wait_idle(page)
            page.wait_for_selector(f"{MAP} canvas", timeout=60_000)
            page.wait_for_timeout(3000)  # deck.gl debounces and draws
            box = page.locator(MAP).first.bounding_box()
            assert box and box["width"] > 600
            # The map opens centred on the border corridor: its centre is a pickable cell. On a busy machine
            # deck.gl may still be drawing when the first click lands, so a click is repeated a few times.
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            for attempt in range(5):
                page.mouse.move(x - 5, y - 5 + attempt)
                page.mouse.move(x, y + attempt)
                page.wait_for_timeout(700)
                page.mouse.click(x, y + attempt)
                try:
                    page.get_by_text("Chosen place:").wait_for(timeout=10_000)
                    break
                except PlaywrightTimeout:
                    page.screenshot(path=str(artifacts / f"report-form-click-{attempt}.png"))
            else:
                pytest.fail("five clicks on the map picked no place; see artifacts/report-form-click-*.png")
            wait_idle(page)
            page.locator('[data-testid="stSelectbox"]', has_text="What did you see?").click()
            page.get_by_role("option", name="Vehicle in an unusual place").click()
            page.get_by_label("What happened? (optional)").fill("Two pick-ups without lights on the forest track")
            page.get_by_label("Phone or e-mail, if we may contact you (optional)", exact=True).fill("+30 690 123 4567")
            page.get_by_role("button", name="Send report").click()
            page.get_by_text("Thank you. Your report").wait_for(timeout=30_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(artifacts / "report-form.png"), full_page=True)
            outside, errors = session.outside_loopback(), session.errors
    finally:
        proc.terminate()
        proc.wait(timeout=20)

    store = open_store(db_url)
    try:
        queue = read_queue(store, with_contact=True)
        assert len(queue) == 1
        row = queue.iloc[0]
        assert (row["text"], row["category"], row["contact"], row["source"]) == (
            "Two pick-ups without lights on the forest track", "vehicle", "+30 690 123 4567", "public-form")
        # The position is the picked res-7 cell's centre, the place a description of it.
        cell = h3.latlng_to_cell(row["lat"], row["lon"], 7)
        assert h3.cell_to_latlng(cell) == pytest.approx((row["lat"], row["lon"]), abs=1e-9)
        assert " of " in row["place"] or row["place"].startswith("at ")
        assert {t: int(fetch(store, f"SELECT COUNT(*) FROM {t}")[0][0]) for t in OTHER_TABLES} == dict.fromkeys(
            OTHER_TABLES, 0)
        assert fetch(store, "SELECT action, actor FROM audit_log") == [("report_submitted", "public")]
    finally:
        store.close()
    assert outside == [] and errors == []
