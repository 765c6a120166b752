"""The crossing routes on the Coverage planner's map in a real browser: drawn, offline, no errors.

The screenshot is kept in ``artifacts/routes-map.png``.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.browser import MAP, chromium_page, open_via_sidebar, wait_idle

pytestmark = pytest.mark.browser


def test_routes_are_drawn_on_the_coverage_map(app_server: str, artifacts: Path) -> None:
    with chromium_page(height=1100, failed_responses=True) as session:
        page = session.page
        open_via_sidebar(page, app_server, "Coverage", ready_text="Corridor covered")
        page.get_by_text("Show likely crossing routes").click()
        page.get_by_text("Likely crossing routes").wait_for(timeout=120_000)
        wait_idle(page)
        page.wait_for_timeout(5000)  # deck.gl debounces, loads the images and draws
        png = page.locator(MAP).first.screenshot(path=str(artifacts / "routes-map.png"))
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    # The top routes' pink (255, 70, 200): the recommended sites' magenta is bluer (255, 64, 255).
    pink = int((np.abs(rgb - np.array([255, 70, 200])).max(axis=-1) <= 30).sum())
    assert pink > 150, pink
    assert rgb.std() > 20
    assert session.outside_loopback() == []
    assert session.errors == []
