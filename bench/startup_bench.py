"""Cold start to first map: from a fresh server process to the hexagons drawn in headless Chromium.

Ours is `limes serve` (libraries loaded before the first visitor, the deck.gl bundle preloaded);
the baseline is the same app under bare `streamlit run`. Each sample starts a new server on a
store that already holds a fresh scenario, opens the page and waits until hexagon colours show.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import sync_playwright

from bench.harness import Figure
from bench.serving import CHROMIUM, CHROMIUM_ARGS, start_streamlit
from geo.scenario import ensure_fresh_scenario
from geo.store import open_store

MAP = '[data-testid="stDeckGlJsonChart"]'


def _first_map_s(url: str) -> float:
    """Seconds from opening ``url`` until the map shows hexagons in the warm top classes."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(f"{MAP} canvas", timeout=60_000)
        while time.perf_counter() - start < 60:
            rgb = np.asarray(Image.open(io.BytesIO(page.locator(MAP).first.screenshot())).convert("RGB")).astype(int)
            if int(((rgb[..., 0] > 170) & (rgb[..., 1] < 140) & (rgb[..., 2] < 110)).sum()) > 300:
                break
        elapsed = time.perf_counter() - start
        browser.close()
    return elapsed


def run(samples: int = 3) -> list[Figure]:
    """Median over ``samples`` fresh server starts of each kind, alternating."""
    with tempfile.TemporaryDirectory(prefix="limes-start-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'start.sqlite'}"
        store = open_store(url)
        ensure_fresh_scenario(store, now=datetime.now(timezone.utc))
        store.close()
        ours, plain = [], []
        for _ in range(samples):
            for times, is_plain in ((ours, False), (plain, True)):
                with start_streamlit(env={"LIMES_DB": url}, plain=is_plain) as app:
                    times.append(_first_map_s(app))
    return [Figure("cold start to first map (new server, headless Chromium, software WebGL), median", "s",
                   statistics.median(ours), statistics.median(plain), "≤ 5 s", False,
                   "limes serve vs bare streamlit run, same app and store")]
