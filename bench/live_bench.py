"""Feed -> browser latency: from the simulator publishing an event to the open page showing it.

The real chain: the simulator's HTTP server, the poller (GeoJSON feed polled every 0.5 s), the
SQLite store, `streamlit run` and headless Chromium. Each published event must raise the page's
"N events stored" caption; the time until it does is one sample. The naive comparison is a page
that only updates when the user reloads it every 30 s (a person pressing F5): half the period.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
from playwright.sync_api import Page, sync_playwright

from bench.harness import Figure
from bench.serving import CHROMIUM, CHROMIUM_ARGS, start_streamlit
from geo.feeds import Feed, run_poller
from geo.scenario import FeedSimulator, make_server
from geo.store import open_store

RELOAD_EVERY_S = 30.0
_STORED = re.compile(r"([\d,]+) events stored")


def _stored(page: Page) -> int:
    """The page's "N events stored" count (-1 before the map has drawn)."""
    match = _STORED.search(" ".join(page.locator("[data-testid='stCaptionContainer']").all_inner_texts()))
    return int(match.group(1).replace(",", "")) if match else -1


def run(n_events: int = 25) -> list[Figure]:
    """p95 latency over ``n_events`` events published one at a time."""
    with tempfile.TemporaryDirectory(prefix="limes-live-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'live.sqlite'}"
        server = make_server(FeedSimulator(speed=1.0))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        store = open_store(url)
        stop = threading.Event()
        feed = Feed(name="sim-events", url=f"{base}/events.geojson", kind="geojson", interval_s=0.5)
        poller = threading.Thread(target=run_poller, args=([feed], store), kwargs={"should_stop": stop.is_set},
                                  daemon=True)
        poller.start()
        samples = []
        rng = np.random.default_rng(5)
        try:
            with start_streamlit(env={"LIMES_DB": url}, log_dir=Path(tmp)) as app, sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                page = browser.new_page(viewport={"width": 1600, "height": 1000})
                page.goto(app)
                page.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas', timeout=60_000)
                page.wait_for_timeout(3000)
                for _ in range(n_events):
                    before = _stored(page)
                    t0 = time.monotonic()
                    httpx.post(f"{base}/publish", json={"type": "apprehension", "lat": 41.1 + rng.uniform(-0.05, 0.05),
                                                        "lon": 22.5 + rng.uniform(-0.05, 0.05), "persons": 1}, timeout=5)
                    while _stored(page) <= before:
                        if time.monotonic() - t0 > 30:
                            raise RuntimeError("a published event did not reach the page within 30 s")
                        page.wait_for_timeout(50)
                    samples.append(time.monotonic() - t0)
                    page.wait_for_timeout(int(rng.uniform(200, 1200)))  # publish at random phases of the cycles
                browser.close()
        finally:
            stop.set()
            poller.join(timeout=10)
            server.shutdown()
            store.close()
    p95 = float(np.quantile(samples, 0.95))
    return [Figure(f"feed → browser latency, p95 of {len(samples)} events (median {statistics.median(samples):.1f} s)",
                   "s", p95, RELOAD_EVERY_S * 0.95, "p95 ≤ 3 s", False,
                   "poll 0.5 s + fragment refresh 1 s; naive (computed, not run): a person reloading every 30 s")]
