"""Local mode in a real browser: Chromium on loopback gets every role; the same browser behind a proxy (forwarding
headers) or asking for another host name gets the refusal (issue 14, class 6)."""

from __future__ import annotations

import re

import pytest

from tests.browser import chromium_page, wait_idle

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("headers", [{"X-Forwarded-For": "127.0.0.1"}, {"Forwarded": "for=127.0.0.1"},
                                     {"X-Real-IP": "::1"}])
def test_a_forwarded_connection_gets_the_refusal_not_local_mode(app_server: str, headers: dict[str, str]) -> None:
    with chromium_page() as session:
        session.page.set_extra_http_headers(headers)
        session.page.goto(app_server)
        wait_idle(session.page)
        text = session.page.inner_text('[data-testid="stApp"]')
        assert "Limes refuses to serve" in text and "forwarded by a proxy" in text, text[:500]
        assert not re.search(r"Local mode: one user", text)


def test_a_loopback_browser_keeps_local_mode(app_server: str) -> None:
    with chromium_page() as session:
        session.page.goto(app_server)
        wait_idle(session.page)
        session.page.get_by_text("Local mode: one user").wait_for(timeout=60_000)
