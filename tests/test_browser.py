"""The real app in a real browser: Debian's Chromium driven by Playwright against `streamlit run`.

Asserts what a user would see: a map canvas that fills its container, hexagon colours on it,
no console errors, no request leaving loopback, and a click on a hexagon that opens its events.
Screenshots are kept in ``artifacts/``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page

from tests.browser import LOOPBACK, MAP, chromium_page, wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser_page(app_server: str) -> Iterator[tuple[Page, list[str], list[str]]]:
    with chromium_page() as session:
        session.page.goto(app_server)
        wait_idle(session.page, timeout_ms=60_000)
        session.page.wait_for_selector(f"{MAP} canvas", timeout=60_000)
        session.page.wait_for_timeout(4000)  # deck.gl debounces, loads the relief images and draws
        yield session.page, session.requests, session.errors


def _hot_pixels(png: bytes) -> int:
    """Pixels in the warm top classes of the hexagon ramp (no basemap colour is this red)."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return int(((r > 170) & (g < 140) & (b < 110) & (r - g > 80)).sum())


def test_map_renders_with_hexagons(browser_page, artifacts: Path) -> None:
    page, _, _ = browser_page
    page.screenshot(path=str(artifacts / "map-page.png"), full_page=True)
    chart = page.locator(MAP).first
    canvas = page.locator(f"{MAP} canvas").first
    box, canvas_box = chart.bounding_box(), canvas.bounding_box()
    assert box and canvas_box
    assert canvas_box["width"] >= 0.98 * box["width"] and canvas_box["height"] >= 0.98 * box["height"]
    assert canvas_box["width"] > 600 and canvas_box["height"] > 500
    png = chart.screenshot(path=str(artifacts / "map.png"))
    assert _hot_pixels(png) > 300
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert rgb.std() > 20  # relief, land, water and labels: not a flat fill


def test_click_on_a_hexagon_opens_its_events(browser_page, artifacts: Path) -> None:
    page, _, _ = browser_page
    chart = page.locator(MAP).first
    png = chart.screenshot()
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    hot = (rgb[..., 0] > 170) & (rgb[..., 1] < 140) & (rgb[..., 2] < 110) & (rgb[..., 0] - rgb[..., 1] > 80)
    ys, xs = np.nonzero(hot)
    assert xs.size, "no hexagon to click"
    box = chart.bounding_box()
    assert box
    x, y = box["x"] + float(np.median(xs)), box["y"] + float(np.median(ys))
    # Aim at a hot pixel near the median so the click lands inside a hexagon, not between two.
    pick = int(np.argmin((xs - np.median(xs)) ** 2 + (ys - np.median(ys)) ** 2))
    x, y = box["x"] + float(xs[pick]), box["y"] + float(ys[pick])
    page.mouse.move(x - 5, y - 5)
    page.mouse.move(x, y)
    page.wait_for_timeout(500)
    page.mouse.click(x, y)
    page.wait_for_selector("text=Hexagon", timeout=30_000)
    page.wait_for_selector('[data-testid="stTable"]', timeout=30_000)
    page.wait_for_selector('[data-testid="limes-mini-bars"]', timeout=30_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "map-hexagon-detail.png"), full_page=True)
    assert page.get_by_text("When (UTC)").count() == 1  # the latest-events table header
    # By type and over time, drawn as markup with the panel: bars of real size, no chart library waited for.
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 0
    widths = page.evaluate("""() => Array.from(document.querySelectorAll('[data-testid="limes-type-bars"] span'))
        .map(e => e.style.width).filter(w => w.endsWith('%')).map(parseFloat)""")
    assert len(widths) >= 3 and max(widths) == 100 and widths == sorted(widths, reverse=True)
    bars = page.locator('[data-testid="limes-mini-bars"] rect')
    assert bars.count() >= 7 and max(bars.nth(i).bounding_box()["height"] for i in range(bars.count())) > 40


def test_emerging_hot_spots_drawn_in_their_colours(browser_page, artifacts: Path) -> None:
    """The emerging categories reach the screen: the planted corridor's new/consecutive colours beside persistent red."""
    page, _, _ = browser_page
    page.goto(page.url)  # a new session: the earlier click's selection would dim every other hexagon
    wait_idle(page, timeout_ms=60_000)
    page.wait_for_selector(f"{MAP} canvas", timeout=60_000)
    page.get_by_text("Emerging hot spots", exact=True).click()
    page.locator('[data-testid="limes-legend"]', has_text="Emerging hot spots:").wait_for(timeout=30_000)
    page.wait_for_timeout(3000)
    page.screenshot(path=str(artifacts / "map-emerging.png"), full_page=True)
    rgb = np.asarray(Image.open(io.BytesIO(page.locator(MAP).first.screenshot())).convert("RGB")).astype(int)

    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    magenta = (r > 150) & (b > 150) & (g < 90)  # new hot spots; nothing on the basemap is magenta
    orange = (r > 180) & (g > 90) & (g < 170) & (b < 60)  # consecutive hot spots
    assert int((magenta | orange).sum()) > 20, "no new or consecutive hot spot drawn"
    assert int(((r > 120) & (g < 60) & (b < 80) & (r - b > 70)).sum()) > 100  # persistent dark reds


def test_offline_and_clean_console_after_all_interactions(browser_page) -> None:
    """Runs last: covers the requests and console messages of the load and of the click."""
    page, requests, errors = browser_page
    outside = [u for u in requests if not u.startswith(LOOPBACK)]
    assert outside == []
    assert any(u.startswith("ws://127.0.0.1") for u in requests)  # the capture sees the WebSocket too
    assert any(u.endswith("/app/static/limes-dark-style.json") for u in requests)
    assert any(u.split("?")[0].endswith("/app/static/generated/relief-srtm.png") for u in requests)
    assert errors == []
