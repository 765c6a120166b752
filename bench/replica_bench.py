"""Several servers, one store: two `limes serve` behind HAProxy (``deploy/haproxy.cfg``), one PostgreSQL, one poller.

:func:`replica_stack` starts the deployment recipe on loopback: a feed simulator, `limes poll` as a
process of its own, two dashboard servers on one PostgreSQL store, and HAProxy in front with
sticky sessions. :func:`drive` opens one Chromium page per server through the proxy, publishes
events one by one and times when each page shows them (its ticker), then stops one server and
times until its browser is served the map again by the other, showing an event published after
the stop (``replica_failover_s``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from playwright.sync_api import Page, sync_playwright

from bench.harness import Figure
from bench.load_bench import _server_pid
from bench.mirror_bench import store_shaped
from bench.serving import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, free_port, start_streamlit
from bench.store_bench import _drop_pg_schema, _fresh_pg_url
from geo.scenario import FeedSimulator, make_server
from geo.settings import checkout_root
from geo.store import insert_events, open_store

HAPROXY_CFG = (checkout_root() or Path.cwd()) / "deploy" / "haproxy.cfg"
MAP = '[data-testid="stDeckGlJsonChart"]'
CONNECTED = '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
TICKER = "[data-testid='limes-ticker']"
FEEDS_TOML = """[[feed]]
name = "sim-events"
url = "{url}/events.geojson"
kind = "geojson"
interval_s = 0.5
"""


@dataclass
class Stack:
    """The running recipe: the proxy's URL, each server's name (its cookie value) and URL, the simulator's URL."""

    proxy: str
    servers: dict[str, str]
    feed: str
    log_dir: Path


@dataclass
class Outcome:
    """What :func:`drive` saw: seconds from publishing to each page showing an event, and the failover."""

    latencies_s: list[float] = field(default_factory=list)
    failover_s: float = float("nan")
    pages_on: list[str] = field(default_factory=list)
    """The server each page was served by first (its sticky cookie)."""
    outside_loopback: list[str] = field(default_factory=list)


def _wait_proxy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"haproxy exited with {proc.returncode}; see {log}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"haproxy did not answer on {url}; see {log}")


@contextmanager
def replica_stack(store_url: str, *, seed_events: int = 5000, log_dir: Path = ARTIFACTS) -> Iterator[Stack]:
    """The recipe on loopback with ``seed_events`` recent events in the store at ``store_url`` (PostgreSQL)."""
    store = open_store(store_url)
    seed = store_shaped(seed_events, seed=5, after_s=int(time.time()) - 6 * 3600)
    insert_events(store, seed.drop(columns=["seq"]).assign(attrs="{}", source="seed"))
    store.close()
    simulator = FeedSimulator(speed=1.0)  # real time: only what we publish shows up
    feed_server = make_server(simulator)
    threading.Thread(target=feed_server.serve_forever, daemon=True).start()
    feed = f"http://127.0.0.1:{feed_server.server_address[1]}"
    env = {"LIMES_DB": store_url, "LIMES_SCENARIO": "off"}
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="limes-replicas-") as tmp:
        stack.callback(feed_server.shutdown)
        feeds = Path(tmp) / "feeds.toml"
        feeds.write_text(FEEDS_TOML.format(url=feed))
        log_dir.mkdir(parents=True, exist_ok=True)
        poll_log = (log_dir / "replicas-poller.log").open("w")
        stack.callback(poll_log.close)
        poller = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "poll", "--config", str(feeds), "--db",
                                   store_url], stdout=poll_log, stderr=subprocess.STDOUT, env={**os.environ, **env})
        stack.callback(lambda: (poller.terminate(), poller.wait(timeout=20)))
        servers = {name: stack.enter_context(start_streamlit(env=env, log_dir=log_dir)) for name in ("dash1", "dash2")}
        proxy_port = free_port()
        proxy_log = log_dir / f"haproxy-{proxy_port}.log"
        out = proxy_log.open("w")
        stack.callback(out.close)
        proxy = subprocess.Popen(["haproxy", "-db", "-f", str(HAPROXY_CFG)], stdout=out, stderr=subprocess.STDOUT,
                                 env={**os.environ, "PROXY_BIND": f"127.0.0.1:{proxy_port}",
                                      **{name.upper(): url.removeprefix("http://") for name, url in servers.items()}})
        stack.callback(lambda: (proxy.terminate(), proxy.wait(timeout=20)))
        url = f"http://127.0.0.1:{proxy_port}"
        _wait_proxy(url, proxy, proxy_log)
        yield Stack(proxy=url, servers=servers, feed=feed, log_dir=log_dir)


def stop_server(url: str) -> None:
    """Stop the dashboard server at ``url`` (SIGTERM, as a service manager stops it)."""
    os.kill(_server_pid(int(url.rsplit(":", 1)[1])), signal.SIGTERM)


def _server_of(page: Page) -> str:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return cookies.get("LIMES_SERVER", "")


def _shows(page: Page, persons: int) -> bool:
    ticker = page.locator(TICKER)
    try:
        return ticker.count() > 0 and f"{persons} pers." in ticker.first.inner_text(timeout=500)
    except Exception:  # noqa: BLE001 - the element is being replaced by a rerun: not there yet
        return False


def _publish(feed: str, persons: int) -> float:
    reply = httpx.post(f"{feed}/publish", json={"type": "document_fraud", "lat": 41.36, "lon": 21.60,
                                                "persons": persons}, timeout=5)
    reply.raise_for_status()
    return time.monotonic()


def _until_shown(pages: list[Page], persons: int, published: float, timeout_s: float) -> list[float]:
    waiting, seen = dict(enumerate(pages)), {}
    while waiting and time.monotonic() - published < timeout_s:
        for i, page in list(waiting.items()):
            if _shows(page, persons):
                seen[i] = time.monotonic() - published
                del waiting[i]
        time.sleep(0.05)
    return [seen.get(i, float("inf")) for i in range(len(pages))]


def drive(stack: Stack, *, events: int = 10, screenshots: Path | None = None) -> Outcome:
    """Two browsers, one per server; ``events`` published one by one; then the first browser's server stopped."""
    outcome = Outcome()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        pages: list[Page] = []
        for _ in range(6):  # new browser contexts until one is on each server (round robin gives it at once)
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.on("request", lambda r: outcome.outside_loopback.append(r.url)
                       if not r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")) else None)
            page = context.new_page()
            page.goto(stack.proxy)
            page.wait_for_selector(f"{MAP} canvas", timeout=90_000)
            page.locator(TICKER).first.wait_for(timeout=60_000)
            if _server_of(page) not in {_server_of(q) for q in pages}:
                pages.append(page)
            else:
                context.close()
            if len(pages) == 2:
                break
        outcome.pages_on = [_server_of(page) for page in pages]
        # Warm-up, not counted: both pages have refreshed with a new event once (servers past their first runs).
        _until_shown(pages, 699, _publish(stack.feed, 699), 90)
        for k in range(events):
            persons = 700 + k
            outcome.latencies_s += _until_shown(pages, persons, _publish(stack.feed, persons), 20)
            time.sleep(0.3)
        stopped = time.monotonic()
        stop_server(stack.servers[outcome.pages_on[0]])
        time.sleep(0.5)
        persons = 900
        _publish(stack.feed, persons)
        outcome.failover_s = _until_shown(pages[:1], persons, stopped, 60)[0]
        pages[0].wait_for_selector(f"{CONNECTED} {MAP} canvas", timeout=10_000)
        if screenshots is not None:
            pages[0].screenshot(path=str(screenshots / "replica-after-failover.png"))
            pages[1].screenshot(path=str(screenshots / "replica-other-server.png"))
        outcome.pages_on.append(_server_of(pages[0]))
        browser.close()
    return outcome


def run(*, events: int = 20) -> list[Figure]:
    """``replica_failover_s`` and the feed → browser latency through the proxy (when ``LIMES_TEST_PG_URL`` names a
    PostgreSQL server; HAProxy from Debian's package)."""
    pg = os.environ.get("LIMES_TEST_PG_URL")
    if not pg:
        return []
    try:
        with replica_stack(_fresh_pg_url(pg)) as stack:
            outcome = drive(stack, events=events)
    finally:
        _drop_pg_schema(pg)
    lat = np.asarray(outcome.latencies_s)
    return [
        Figure("feed → browser latency through HAProxy, two servers, one PostgreSQL, p95", "s",
               float(np.quantile(lat, 0.95)), None, "p95 ≤ 3 s", False,
               f"{lat.size} sightings of {events} events on two browsers, one per server; median {np.median(lat):.2f} s"),
        Figure("replica_failover_s: a server stopped, its browser served the map again by the other", "s",
               outcome.failover_s, None, "≤ 10 s", False,
               "from SIGTERM to the browser showing an event published after it, map drawn"),
    ]
