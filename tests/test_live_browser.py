"""Live end to end in a real browser: simulator on loopback -> poller -> store -> self-refreshing map.

An event published after the page has loaded must appear without a reload: in the ticker, and as
a freshly outlined hexagon at its place on the map.
"""

from __future__ import annotations

import io
import math
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

from bench.serving import CHROMIUM, CHROMIUM_ARGS, start_streamlit
from geo.feeds import Feed, run_poller
from geo.scenario import FeedSimulator, make_server
from geo.store import open_store
from layers.deck import INITIAL_VIEW
from tests.test_browser import MAP

pytestmark = pytest.mark.browser
PRILEP = (41.36, 21.60)  # lat, lon: far from the border, where the scenario has no events


def _pixel(lat: float, lon: float, width: float, height: float) -> tuple[float, float]:
    """Screen position of a point in the map's initial view (deck.gl's Web Mercator, 512 px world at zoom 0)."""
    world = 512 * 2 ** INITIAL_VIEW["zoom"]

    def project(la: float, lo: float) -> tuple[float, float]:
        y = math.log(math.tan(math.pi / 4 + math.radians(la) / 2))
        return (lo + 180) / 360 * world, (1 - y / math.pi) / 2 * world

    x0, y0 = project(INITIAL_VIEW["latitude"], INITIAL_VIEW["longitude"])
    x, y = project(lat, lon)
    return width / 2 + x - x0, height / 2 + y - y0


def _white_near(png: bytes, x: float, y: float, radius: int = 14) -> int:
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    patch = rgb[int(y) - radius:int(y) + radius, int(x) - radius:int(x) + radius]
    return int((patch.min(axis=2) > 235).sum())


@pytest.fixture()
def live_stack(tmp_path: Path) -> Iterator[tuple[str, str]]:
    url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    simulator = FeedSimulator(speed=1.0)  # real time: only what we publish shows up during the test
    server = make_server(simulator)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    feed_base = f"http://127.0.0.1:{server.server_address[1]}"
    store = open_store(url)
    stop = threading.Event()
    poller = threading.Thread(target=run_poller, daemon=True, args=(
        [Feed(name="sim-events", url=f"{feed_base}/events.geojson", kind="geojson", interval_s=0.5)], store),
        kwargs={"should_stop": stop.is_set})
    poller.start()
    with start_streamlit(env={"LIMES_DB": url}) as app_url:
        yield app_url, feed_base
    stop.set()
    poller.join(timeout=10)
    server.shutdown()
    store.close()


def test_published_event_appears_without_reload(live_stack, artifacts: Path) -> None:
    app_url, feed_base = live_stack
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        navigations: list[str] = []
        page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
        page.goto(app_url)
        page.wait_for_selector(f"{MAP} canvas", timeout=60_000)
        page.wait_for_timeout(3000)
        chart = page.locator(MAP).first
        box = chart.bounding_box()
        assert box
        x, y = _pixel(*PRILEP, box["width"], box["height"])
        assert _white_near(chart.screenshot(), x, y) == 0
        ticker = page.locator("[data-testid='limes-ticker']")
        assert "Prilep" not in ticker.inner_text()
        published_at = time.monotonic()
        reply = httpx.post(f"{feed_base}/publish", json={"type": "document_fraud", "lat": PRILEP[0], "lon": PRILEP[1],
                                                          "persons": 1}, timeout=5)
        assert reply.status_code == 201
        page.locator("[data-testid='limes-ticker']", has_text="Prilep").wait_for(timeout=20_000)
        assert "Document fraud" in ticker.inner_text()
        seen_after_s = time.monotonic() - published_at
        page.wait_for_timeout(1500)
        png = chart.screenshot(path=str(artifacts / "live-after-publish.png"))
        assert _white_near(png, x, y) > 10  # the new hexagon's bright outline, where the event is
        assert len(navigations) == 1  # no reload happened
        assert seen_after_s < 10
        browser.close()
