"""The Briefing page in Debian's Chromium: the sector map draws sections in their level colours, offline.

Screenshots are kept in ``artifacts/`` (briefing-page.png, briefing-map.png from the browser).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

from bench.serving import CHROMIUM, CHROMIUM_ARGS, start_streamlit
from layers.sections import level_rgba

pytestmark = pytest.mark.browser

MAP = '[data-testid="stDeckGlJsonChart"]'


def _pixels_near(png: bytes, rgb: list[int], tolerance: int = 40) -> int:
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return int((np.abs(image - np.array(rgb[:3])).sum(axis=2) < tolerance).sum())


def test_briefing_page_in_a_browser(artifacts: Path) -> None:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package (make setup does)")
    requests: list[str] = []
    errors: list[str] = []
    with start_streamlit() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1600, "height": 2000})
        context.on("request", lambda r: requests.append(r.url))
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        # Open the app at its root and navigate as a user does: a deep link makes Streamlit probe
        # /briefing/_stcore/* first (404s) before it finds its base path.
        page.goto(url)
        page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=60_000)
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=90_000)
        page.locator('[data-testid="stSidebarNav"] a', has_text="Briefing").click()
        page.wait_for_selector("text=Sections, highest level and largest rise first", timeout=90_000)
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=90_000)
        page.wait_for_selector(f"{MAP} canvas", timeout=60_000)
        page.wait_for_timeout(4000)  # deck.gl debounces, loads the relief images and draws
        page.screenshot(path=str(artifacts / "briefing-page.png"), full_page=True)
        chart = page.locator(MAP).first
        png = chart.screenshot(path=str(artifacts / "briefing-browser-map.png"))
        assert page.get_by_text("Sections, highest level and largest rise first").count() == 1
        assert page.get_by_text("PDF briefing").count() == 1
        assert page.locator('[data-testid="stMetric"]').count() == 4
        browser.close()
    assert _pixels_near(png, level_rgba("high")) > 150  # red high sections drawn on the map
    assert _pixels_near(png, level_rgba("low")) > 150
    outside = [u for u in requests if not u.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))]
    assert outside == []
    assert errors == []
