"""The Coverage planner in a real browser: the coverage raster, gap hexagons and new sites drawn, offline, no errors.

The screenshot is kept in ``artifacts/coverage-page.png``.
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

pytestmark = pytest.mark.browser

MAP = '[data-testid="stDeckGlJsonChart"]'


def _count(rgb: np.ndarray, colour: tuple[int, int, int], tolerance: int) -> int:
    return int((np.abs(rgb - np.array(colour)).max(axis=-1) <= tolerance).sum())


def test_coverage_page_draws_coverage_gaps_and_sites(artifacts: Path) -> None:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package (make setup does)")
    requests: list[str] = []
    errors: list[str] = []
    with start_streamlit() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1600, "height": 1100})
        context.on("request", lambda r: requests.append(r.url))
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        # Open the app and click through, as a user does (a deep link makes the frontend probe
        # /coverage/_stcore/... first, which 404s before it falls back to the root).
        page.goto(url)
        page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=60_000)
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=120_000)
        page.locator('[data-testid="stSidebarNav"] a', has_text="Coverage").click()
        page.wait_for_selector("text=Corridor covered", timeout=120_000)
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=120_000)
        page.wait_for_selector(f"{MAP} canvas", timeout=60_000)
        page.wait_for_timeout(5000)  # deck.gl debounces, loads the relief and coverage images and draws
        page.screenshot(path=str(artifacts / "coverage-page.png"), full_page=True)
        png = page.locator(MAP).first.screenshot(path=str(artifacts / "coverage-map.png"))
        canvas = page.locator(f"{MAP} canvas").first.bounding_box()
        browser.close()
    assert canvas and canvas["width"] > 600 and canvas["height"] > 500
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    # Teal (green at least as strong as blue, both well above red) is only the coverage raster and the
    # seen corridor: water is bluer than it is green, land and relief are grey.
    teal = int(((g - r > 45) & (g >= b) & (b - r > 30)).sum())
    # Gap hexagons, red (top three) or orange: which gaps rank top depends on the scenario's end time.
    red = (r > 200) & (g < 110) & (b > 60) & (b < 160)
    orange = (r > 170) & (g > 90) & (g < 170) & (b < 100) & (r - g > 50)  # the border's yellow has g > 190
    gap = int((red | orange).sum())
    magenta = _count(rgb, (255, 64, 255), 40)  # recommended sites
    assert teal > 5_000, teal
    assert gap > 1_000, gap
    assert magenta > 30, magenta
    assert rgb.std() > 20  # relief, land, water and labels: not a flat fill
    outside = [u for u in requests if not u.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))]
    assert outside == []
    assert any("/app/static/generated/coverage-" in u for u in requests)
    assert errors == []
