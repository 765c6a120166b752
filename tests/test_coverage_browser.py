"""The Coverage planner in a real browser: the coverage raster, gap hexagons and new sites drawn, offline, no errors.

The screenshot is kept in ``artifacts/coverage-page.png``.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.browser import MAP, chromium_page, open_via_sidebar

pytestmark = pytest.mark.browser


def _count(rgb: np.ndarray, colour: tuple[int, int, int], tolerance: int) -> int:
    return int((np.abs(rgb - np.array(colour)).max(axis=-1) <= tolerance).sum())


def test_coverage_page_draws_coverage_gaps_and_sites(app_server: str, artifacts: Path) -> None:
    with chromium_page(height=1100, failed_responses=True) as session:
        page = session.page
        open_via_sidebar(page, app_server, "Coverage", ready_text="Corridor covered")
        page.wait_for_timeout(5000)  # deck.gl debounces, loads the relief and coverage images and draws
        page.screenshot(path=str(artifacts / "coverage-page.png"), full_page=True)
        png = page.locator(MAP).first.screenshot(path=str(artifacts / "coverage-map.png"))
        canvas = page.locator(f"{MAP} canvas").first.bounding_box()
    assert canvas and canvas["width"] > 600 and canvas["height"] > 500
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    # Teal (green at least as strong as blue, both well above red) is only the coverage raster and the
    # seen corridor: water is bluer than it is green, land and relief are grey.
    teal = int(((g - r > 45) & (g >= b) & (b - r > 30)).sum())
    # Gap hexagons, red (top three) or orange: which gaps rank top depends on the scenario's end time.
    red = (r > 200) & (g < 110) & (b > 60) & (b < 160)
    orange = (r > 170) & (g > 90) & (g < 170) & (b < 100) & (r - g > 50)  # the border's yellow has g > 190
    gap = int((red | orange).sum())
    magenta = _count(rgb, (255, 64, 255), 40)  # recommended sites
    assert teal > 5_000, teal
    assert gap > 1_000, gap
    assert magenta > 30, magenta
    assert rgb.std() > 20  # relief, land, water and labels: not a flat fill
    assert session.outside_loopback() == []
    assert any("/app/static/generated/coverage-" in u for u in session.requests)
    assert session.errors == []
