"""The Briefing page in Debian's Chromium: the sector map draws sections in their level colours, offline.

Screenshots are kept in ``artifacts/`` (briefing-page.png, briefing-map.png from the browser).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from layers.sections import level_rgba
from tests.browser import MAP, chromium_page, open_via_sidebar

pytestmark = pytest.mark.browser


def _pixels_near(png: bytes, rgb: list[int], tolerance: int = 40) -> int:
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return int((np.abs(image - np.array(rgb[:3])).sum(axis=2) < tolerance).sum())


def test_briefing_page_in_a_browser(app_server: str, artifacts: Path) -> None:
    with chromium_page(height=2000, failed_responses=True) as session:
        page = session.page
        open_via_sidebar(page, app_server, "Briefing", ready_text="Sections, highest level and largest rise first")
        page.wait_for_timeout(4000)  # deck.gl debounces, loads the relief images and draws
        page.screenshot(path=str(artifacts / "briefing-page.png"), full_page=True)
        chart = page.locator(MAP).first
        png = chart.screenshot(path=str(artifacts / "briefing-browser-map.png"))
        assert page.get_by_text("Sections, highest level and largest rise first").count() == 1
        assert page.get_by_text("PDF briefing").count() == 1
        assert page.locator('[data-testid="stMetric"]').count() == 4
    assert _pixels_near(png, level_rgba("high")) > 150  # red high sections drawn on the map
    assert _pixels_near(png, level_rgba("low")) > 150
    assert session.outside_loopback() == []
    assert session.errors == []


@pytest.fixture(scope="module")
def macedonian_server() -> Iterator[str]:
    from bench.serving import start_streamlit

    with start_streamlit(env={"LIMES_LANG": "mk"}) as url:
        yield url


def test_macedonian_section_table_fits_its_column(macedonian_server: str, artifacts: Path) -> None:
    """Issue #15: in Macedonian the section table scrolled sideways (667 px of columns in 497 px)."""
    with chromium_page(height=2000) as session:
        page = session.page
        open_via_sidebar(page, macedonian_server, "Брифинг", ready_text="Делници, прво највисоко ниво и најголем пораст")
        page.wait_for_timeout(2000)
        table = page.locator('[data-testid="stDataFrame"]').first
        table.screenshot(path=str(artifacts / "briefing-table-mk.png"))
        scroll, client = page.evaluate("""() => { const s = document.querySelector(
            '[data-testid="stDataFrame"] .dvn-scroller'); return [s.scrollWidth, s.clientWidth]; }""")
    assert 400 < client and scroll <= client, (scroll, client)
    assert session.errors == []


def _open_briefing_mk(page, url: str) -> None:  # noqa: ANN001 (Playwright's Page)
    open_via_sidebar(page, url, "Брифинг", ready_text="Делници, прво највисоко ниво и најголем пораст")
    page.wait_for_timeout(2000)


def _edge_runs(png: bytes, *, strip_px: int = 4) -> int:
    """The longest run of pixel rows with something other than the background in the image's right-most
    ``strip_px`` columns: a grid line is 1 row, a line of text cut by the edge ~10."""
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    background = image[0, -1]
    marked = (np.abs(image[:, -strip_px:] - background).sum(axis=2) > 30).any(axis=1)
    longest = run = 0
    for row in marked:
        run = run + 1 if row else 0
        longest = max(longest, run)
    return longest


def test_macedonian_busiest_sections_legend_fits_its_chart(macedonian_server: str, artifacts: Path) -> None:
    """The "busiest sections" legend ran in one row past the right edge of its half-page column (names cut)."""
    with chromium_page(height=2000) as session:
        page = session.page
        _open_briefing_mk(page, macedonian_server)
        heading = page.get_by_text("Настани по ден, најпрометни делници")
        chart = page.locator('[data-testid="stVegaLiteChart"]').filter(has=page.locator("canvas, svg")).nth(1)
        assert heading.count() == 1
        png = chart.screenshot(path=str(artifacts / "briefing-lines-mk.png"))
        box, column = chart.bounding_box(), heading.locator("xpath=ancestor::*[@data-testid='stColumn'][1]").bounding_box()
    assert box is not None and column is not None and box["x"] + box["width"] <= column["x"] + column["width"] + 1
    assert _edge_runs(png) <= 2  # nothing but grid lines touch the right edge: no legend entry is cut there
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    assert (np.abs(image[-3:] - image[0, -1]).sum(axis=2) <= 30).all()  # nor at the bottom edge
    assert session.errors == []
