"""OIDC login end to end: Chromium, `streamlit run` with an [auth] secrets file, and a local OIDC provider.

The provider is the `oidc-provider-mock` package on loopback with predefined users whose claims
carry their groups; one user's ``auth_time`` lies ten hours back, past the maximum session age.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bench.serving import CHROMIUM, CHROMIUM_ARGS, free_port, start_streamlit
from geo.store import open_store
from geo.trust import read_log
from tests.browser import wait_idle

pytestmark = pytest.mark.browser

USERS = [
    {"sub": "cmd", "email": "cmd@police.example", "name": "Commander Ana", "groups": ["bp-cmd", "staff"]},
    {"sub": "ops", "email": "ops@police.example", "name": "Operator Ivo", "groups": ["bp-ops"]},
    {"sub": "old", "email": "old@police.example", "name": "Yesterday", "groups": ["bp-ops"],
     "auth_time": int(time.time()) - 10 * 3600},
]
NAV = '[data-testid="stSidebarNav"] a'


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-W", "ignore", "-m", "oidc_provider_mock", "--port", str(port)]
    for user in USERS:
        command += ["--user-claims", json.dumps(user)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{url}/.well-known/openid-configuration", timeout=1).raise_for_status()
                break
            except httpx.TransportError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def app_url(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    secrets = tmp_path_factory.mktemp("secrets") / "secrets.toml"
    secrets.write_text(f"""
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "{os.urandom(24).hex()}"
client_id = "limes"
client_secret = "limes-test-secret"
server_metadata_url = "{provider}/.well-known/openid-configuration"

[limes_auth]
roles_claim = "groups"
max_session_h = 8
[limes_auth.group_roles]
bp-cmd = "commander"
bp-ops = "operator"
""")
    with start_streamlit(port=port, args=("--secrets.files", str(secrets))) as url:
        yield url


def _ready(page: Page) -> None:
    # Connected first: before the websocket is up the script state already reads "notRunning".
    wait_idle(page, timeout_ms=60_000)


def _login(page: Page, app_url: str, sub: str, *, wait: bool = True) -> None:
    page.goto(app_url)
    _ready(page)
    page.get_by_text("Log in with the organisation's account").click()
    page.get_by_role("button", name=sub, exact=True).click()  # the provider's predefined user
    page.wait_for_url(f"{app_url}/**", timeout=30_000)
    if wait:
        _ready(page)


def _logout(page: Page, app_url: str, provider: str) -> None:
    """Log out; Streamlit sends the browser to the provider's end-session page, which the user confirms."""
    page.get_by_text("Log out").click()
    page.wait_for_url(f"{provider}/**", timeout=30_000)
    page.get_by_role("button", name="End session").click()
    page.wait_for_load_state()
    if not page.url.startswith(app_url):
        page.goto(app_url)
    _ready(page)
    page.get_by_text("Log in with the organisation's account").wait_for(timeout=30_000)


def _download_name(page: Page, button: Locator, *, tries: int = 3) -> str:
    """Click a download button until the browser receives the file (a deferred download is made on the server
    after the click's rerun; on a loaded machine the first click can land while a rerun is starting)."""
    for _ in range(tries - 1):
        try:
            with page.expect_download(timeout=20_000) as download:
                button.click()
            return download.value.suggested_filename
        except PlaywrightTimeoutError:
            _ready(page)
    with page.expect_download(timeout=20_000) as download:
        button.click()
    return download.value.suggested_filename


def _nav(page: Page) -> list[str]:
    return [a.inner_text().split("\n")[-1] for a in page.locator(NAV).all()]


def test_login_roles_logout_and_expiry(app_url: str, provider: str, artifacts: Path) -> None:
    started = datetime.now(timezone.utc)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        page = context.new_page()
        page.goto(app_url)
        _ready(page)
        # The sign-in screen's button can arrive a moment after the script first reads idle (the tab title is set
        # by a second page-config call once the language is known): wait for it, then count it.
        page.get_by_text("Log in with the organisation's account").wait_for(timeout=60_000)
        assert page.get_by_text("Log in with the organisation's account").count() == 1
        assert page.locator('[data-testid="stDeckGlJsonChart"]').count() == 0  # nothing before login

        _login(page, app_url, "cmd")
        page.wait_for_selector(NAV, timeout=30_000)
        assert _nav(page) == ["Map", "Incidents", "Briefing"]  # a commander's pages, and only those
        assert page.get_by_text("Commander Ana · commander").count() == 1
        page.screenshot(path=str(artifacts / "auth-commander.png"))
        page.locator(NAV, has_text="Briefing").click()
        _ready(page)
        button = page.get_by_role("button", name="CSV sections")
        button.wait_for(timeout=60_000)
        _ready(page)  # a click while the page still runs is swallowed by the rerun
        page.screenshot(path=str(artifacts / "auth-briefing.png"))
        assert _download_name(page, button).startswith("limes-sections-")
        _logout(page, app_url, provider)
        assert page.locator(NAV).count() == 0  # logged out: no pages

        _login(page, app_url, "ops")
        page.wait_for_selector(NAV, timeout=30_000)
        assert _nav(page) == ["Map", "Moderation", "Incidents"]
        _logout(page, app_url, provider)

        # Logged in ten hours ago by its token: logged out at once, through the provider's end-session page.
        _login(page, app_url, "old", wait=False)
        page.wait_for_url(f"{provider}/**", timeout=30_000)
        page.get_by_role("button", name="End session").click()
        page.goto(app_url)
        _ready(page)
        page.get_by_text("Log in with the organisation's account").wait_for(timeout=30_000)
        assert page.locator(NAV).count() == 0
        page.screenshot(path=str(artifacts / "auth-expired.png"))
        browser.close()

    store = open_store(os.environ["LIMES_DB"])
    log = read_log(store, since=started)
    store.close()
    done = set(zip(log["actor"], log["action"]))
    assert {("cmd@police.example", "login"), ("cmd@police.example", "export"), ("cmd@police.example", "logout"),
            ("ops@police.example", "login"), ("old@police.example", "session_expired")} <= done
    assert ("old@police.example", "login") not in done
