"""The planners' routes on the Briefing page in Debian's Chromium: the map image and the table, offline.

The screenshot is kept in ``artifacts/briefing-routes.png``.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geo.briefing.routepage import ROUTE_INK
from tests.browser import chromium_page, open_via_sidebar, wait_idle

pytestmark = pytest.mark.browser


def test_briefing_routes_section_in_a_browser(app_server: str, artifacts: Path) -> None:
    with chromium_page(height=1400, failed_responses=True) as session:
        page = session.page
        open_via_sidebar(page, app_server, "Briefing", ready_text="Sections, highest level and largest rise first")
        page.get_by_text("Sections and suppression", exact=True).click()
        page.get_by_text("Planners' routes page", exact=True).click()
        heading = page.get_by_text("Planners · where a group would cross unseen")
        heading.wait_for(timeout=240_000)
        wait_idle(page, timeout_ms=240_000)
        heading.scroll_into_view_if_needed()
        page.wait_for_timeout(1500)
        page.screenshot(path=str(artifacts / "briefing-routes.png"))
        image = page.locator('[data-testid="stImage"] img').last
        image.wait_for(timeout=60_000)
        png = image.screenshot()
        assert page.locator('[data-testid="stDataFrame"]').count() >= 2  # sections and routes (canvas-drawn)
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    ink = np.array([int(ROUTE_INK[i:i + 2], 16) for i in (1, 3, 5)])
    assert int((np.abs(rgb - ink).max(axis=-1) <= 40).sum()) > 100  # the routes are drawn
    assert session.outside_loopback() == []
    assert session.errors == []
