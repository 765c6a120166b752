"""Issue 17 in Chromium: the basemap reaches a browser once, and the fixed views look right.

The basemap's vectors and relief come as versioned files with a year's cache lifetime; coming back
to the map from another page fetches none of them again (Chromium's own network accounting says
so). Screenshots of the map, its legend, playback and the emerging view are kept in ``artifacts/``.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page

from tests.browser import MAP, chromium_page, wait_idle

pytestmark = pytest.mark.browser


def _hot_pixels(page: Page) -> int:
    rgb = np.asarray(Image.open(io.BytesIO(page.locator(MAP).first.screenshot())).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return int(((r > 170) & (g < 140) & (b < 110) & (r - g > 80)).sum())


def _wait_hexagons(page: Page, *, timeout_ms: int = 60_000) -> None:
    page.wait_for_selector(f"{MAP} canvas", timeout=timeout_ms)
    for _ in range(timeout_ms // 500):
        if _hot_pixels(page) > 300:
            return
        page.wait_for_timeout(500)
    raise AssertionError("no hexagons drawn")


class NetworkLog:
    """Static files by name, with the bytes each brought over the network (0 when served from the cache)."""

    def __init__(self, page: Page) -> None:
        self.files: list[tuple[str, int, str]] = []
        self._pending: dict[str, tuple[str, str]] = {}
        self._cached: set[str] = set()
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.requestServedFromCache", lambda e: self._cached.add(e["requestId"]))
        cdp.on("Network.loadingFinished", self._finished)

    def _response(self, event: dict) -> None:
        response = event["response"]
        if "/app/static/" in response["url"]:
            headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
            self._pending[event["requestId"]] = (response["url"], headers.get("cache-control", ""))
            if response.get("fromDiskCache"):
                self._cached.add(event["requestId"])

    def _finished(self, event: dict) -> None:
        if event["requestId"] in self._pending:
            url, cache_control = self._pending.pop(event["requestId"])
            sent = 0 if event["requestId"] in self._cached else int(event["encodedDataLength"])
            self.files.append((url, sent, cache_control))


def test_basemap_fetched_once_and_views_kept(app_server: str, artifacts: Path) -> None:
    with chromium_page() as session:
        page = session.page
        log = NetworkLog(page)
        page.goto(app_server)
        wait_idle(page)
        _wait_hexagons(page)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(artifacts / "glance-map.png"), full_page=True)
        first = list(log.files)
        generated = [f for f in first if "/generated/" in f[0]]
        names = {url.split("/")[-1].split("?")[0] for url, _, _ in generated}
        assert {"basemap-countries.json", "basemap-en-towns.json", "relief-srtm.png"} <= names
        assert all("?v=" in url and "immutable" in cc for url, _, cc in generated), generated
        assert sum(sent for _, sent, _ in generated) > 500_000  # the first visit brings the relief and vectors
        legend = page.locator('[data-testid="limes-legend"]').first.inner_text()
        assert "events in the last 15 min" in legend and "position stale" in legend

        page.locator('[data-testid="stSidebarNav"] a', has_text="Data").click()
        wait_idle(page)
        page.locator('[data-testid="stSidebarNav"] a', has_text="Map").click()
        _wait_hexagons(page)
        again = [f for f in log.files[len(first):] if "/generated/" in f[0]]
        assert sum(sent for _, sent, _ in again) == 0, again  # nothing of the basemap came over the wire again
        page.screenshot(path=str(artifacts / "glance-map-return.png"), full_page=True)

        page.get_by_text("Playback", exact=True).click()
        wait_idle(page)
        page.get_by_text("Day", exact=True).click()
        wait_idle(page)
        # The first frame is the window's first part-day (as short as the hour of day makes it: 3 h at 20:39 UTC,
        # with no hexagon in the warm classes); the next is a whole day.
        page.locator('[data-testid="stMain"]').get_by_role("slider").first.focus()  # not the sidebar's H3 slider
        page.keyboard.press("ArrowRight")
        wait_idle(page)
        page.wait_for_timeout(2000)
        page.screenshot(path=str(artifacts / "glance-playback.png"), full_page=True)
        assert page.get_by_text("Play", exact=True).count() == 1
        assert _hot_pixels(page) > 100  # a day of events still shows warm hexagons

        page.get_by_text("Playback", exact=True).click()
        wait_idle(page)
        page.get_by_text("Emerging hot spots", exact=True).click()
        page.locator('[data-testid="limes-legend"]', has_text="Emerging hot spots:").wait_for(timeout=60_000)
        page.wait_for_timeout(3000)
        page.screenshot(path=str(artifacts / "glance-emerging.png"), full_page=True)
        rgb = np.asarray(Image.open(io.BytesIO(page.locator(MAP).first.screenshot())).convert("RGB")).astype(int)
        white = (rgb.min(axis=2) > 235).sum()
        coloured = ((rgb[..., 0] > 150) & (rgb[..., 2] < 90)).sum()
        assert coloured > 4 * white  # the analysis shows, not a field of white outlines
        assert session.outside_loopback() == []


def _click_hot_hexagon(page: Page) -> None:
    chart = page.locator(MAP).first
    for _ in range(60):  # the live map redraws each second: take a frame with its hexagons drawn
        rgb = np.asarray(Image.open(io.BytesIO(chart.screenshot())).convert("RGB")).astype(int)
        hot = (rgb[..., 0] > 170) & (rgb[..., 1] < 140) & (rgb[..., 2] < 110) & (rgb[..., 0] - rgb[..., 1] > 80)
        ys, xs = np.nonzero(hot)
        if xs.size > 300:
            break
        page.wait_for_timeout(500)
    assert xs.size, "no hexagon to click"
    box = chart.bounding_box()
    assert box
    pick = int(np.argmin((xs - np.median(xs)) ** 2 + (ys - np.median(ys)) ** 2))
    x, y = box["x"] + float(xs[pick]), box["y"] + float(ys[pick])
    page.mouse.move(x - 5, y - 5)
    page.mouse.move(x, y)
    page.wait_for_timeout(500)
    page.mouse.click(x, y)


def test_drill_down_table_and_daily_bars_fit(app_server: str, artifacts: Path) -> None:
    """The drill-down's latest events fit the side column (no sideways scrolling) with times people read, and the
    Briefing page's daily bars draw one label a bar with the part-days pale (screenshots kept)."""
    with chromium_page(height=1400) as session:
        page = session.page
        page.goto(app_server)
        wait_idle(page)
        _wait_hexagons(page)
        _click_hot_hexagon(page)
        table = page.locator('[data-testid="stTable"]').first
        table.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        side = page.locator('[data-testid="stColumn"]').filter(has=table).last
        side.screenshot(path=str(artifacts / "glance-drilldown.png"))
        widths = table.evaluate("e => [e.scrollWidth, e.clientWidth, e.querySelector('table').scrollWidth]")
        assert max(widths[0], widths[2]) <= widths[1] + 1, widths  # no column cut off to the right
        # The detail is where the eye is: its table's top inside the first screen, above the legend.
        assert table.bounding_box()["y"] < 1400
        legend = page.locator('[data-testid="limes-legend"]').first
        assert table.bounding_box()["y"] < legend.bounding_box()["y"]
        page.locator('[data-testid="stSidebarNav"]').get_by_text("Briefing", exact=True).click()
        page.get_by_text("Events per day in the sections' corridors").wait_for(timeout=120_000)
        wait_idle(page)
        page.wait_for_timeout(2000)
        bars = page.locator('[data-testid="stVegaLiteChart"]').first
        bars.scroll_into_view_if_needed()
        bars.screenshot(path=str(artifacts / "glance-daily-bars.png"))
        rgb = np.asarray(Image.open(io.BytesIO(bars.screenshot())).convert("RGB")).astype(int)
    whole = (np.abs(rgb - np.array([0x4A, 0x6F, 0xA5])).max(axis=-1) <= 12).sum()
    part = (np.abs(rgb - np.array([0xB9, 0xC6, 0xDC])).max(axis=-1) <= 12).sum()
    assert whole > 500 and part > 100, (whole, part)  # whole days in blue, the part-days at the ends pale
    assert session.errors == []
