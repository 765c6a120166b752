"""Shared for browser tests: Debian's Chromium under Playwright, recording what a page requests and what goes wrong."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from bench.serving import CHROMIUM, CHROMIUM_ARGS

MAP = '[data-testid="stDeckGlJsonChart"]'
LOOPBACK = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")


@dataclass
class Session:
    """A page, every URL it (or a frame or worker) requested, and its console errors and failed responses."""

    page: Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def outside_loopback(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(LOOPBACK)]


@contextmanager
def chromium_page(*, width: int = 1600, height: int = 1000, failed_responses: bool = False,
                  locale: str | None = None) -> Iterator[Session]:
    """A fresh headless Chromium page; ``failed_responses`` also counts HTTP 4xx/5xx answers as errors; ``locale``
    (``el-GR``) is the browser's language, as ``navigator.language`` and ``Accept-Language`` give it."""
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package (make setup does)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True,
                                      **({"locale": locale} if locale else {}))
        session = Session(page=context.new_page())
        context.on("request", lambda r: session.requests.append(r.url))
        session.page.on("websocket", lambda ws: session.requests.append(ws.url))
        session.page.on("console", lambda m: session.errors.append(m.text) if m.type == "error" else None)
        session.page.on("pageerror", lambda e: session.errors.append(str(e)))
        if failed_responses:
            session.page.on("response", lambda r: session.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        try:
            yield session
        finally:
            browser.close()


def wait_idle(page: Page, *, timeout_ms: int = 90_000) -> None:
    """Until Streamlit is connected and its script has finished running."""
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_ms)


def open_via_sidebar(page: Page, url: str, title: str, *, ready_text: str, timeout_ms: int = 120_000) -> None:
    """Open the app at its root and click ``title`` in the navigation, as a user does.

    A deep link (``/coverage``) makes Streamlit's frontend probe ``/coverage/_stcore/...`` first,
    which answers 404 before it falls back to the root.
    """
    page.goto(url)
    wait_idle(page, timeout_ms=timeout_ms)
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).click()
    page.wait_for_selector(f"text={ready_text}", timeout=timeout_ms)
    wait_idle(page, timeout_ms=timeout_ms)
    page.wait_for_selector(f"{MAP} canvas", timeout=60_000)
