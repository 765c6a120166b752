"""Issue 22 in Debian's Chromium: North Macedonia's map with its own events and Greece's shared picture on it.

GR runs its endpoint (`limes share serve`); MK polls it with the `limes-share` feed into its own store,
then MK's dashboard draws both. Screenshot: ``artifacts/sharing-two-pictures.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bench.serving import start_streamlit
from geo.feeds import poll_once
from geo.store import partner_cells
from tests.browser import MAP, chromium_page, wait_idle
from tests.sharing import (
    GR_TERMS,
    MK_TERMS,
    client_for,
    halves,
    setup_agency,
    share_feed,
    start_endpoint,
    stop_endpoint,
)

pytestmark = pytest.mark.browser
CRASH = "This app has encountered an error"


@pytest.fixture(scope="module")
def mk_dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("sharing-browser")
    gr_events, mk_events = halves(datetime.now(timezone.utc))
    bundles = {p: tmp / f"{p}-keys" for p in ("GR", "MK", "BG")}
    gr = setup_agency("GR", tmp, gr_events, GR_TERMS, ["MK", "BG"], bundles)
    mk = setup_agency("MK", tmp, mk_events, MK_TERMS, ["GR"], bundles)
    start_endpoint(gr)
    try:
        feed = share_feed("gr-share", gr.endpoint("MK"), bundles["MK"] / "from-GR", "MK")
        with client_for(feed) as client:
            assert poll_once(feed, mk.store, client=client).error is None
        assert len(partner_cells(mk.store, "gr-share")) > 5
    finally:
        stop_endpoint(gr)
        gr.store.close()
    mk.store.close()
    with start_streamlit(env={"LIMES_DB": mk.url, "LIMES_SCENARIO": "off"}) as server:
        yield server


def test_both_pictures_on_one_map(mk_dashboard: str, artifacts: Path) -> None:
    with chromium_page(width=1500, height=1500) as session:
        page = session.page
        page.goto(mk_dashboard)
        wait_idle(page)
        page.wait_for_selector(f"{MAP} canvas", timeout=60_000)
        page.wait_for_selector("text=Partner: GR border police", timeout=60_000)
        page.wait_for_timeout(4000)
        shot = artifacts / "sharing-two-pictures.png"
        box = page.locator(MAP).bounding_box()  # the live fragment redraws every second: clip, do not wait
        assert box is not None and box["width"] > 600 and box["height"] > 500
        page.screenshot(path=str(shot), clip=box)
        page.screenshot(path=str(artifacts / "sharing-page.png"))
        body = page.locator("body").inner_text()
    assert CRASH not in body
    assert "1 h behind" in body and "agreement version 1" in body
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    teal = (g > 190) & (b > 170) & (g - r > 40)  # the partner's outline and its top classes
    ours = (r > 200) & (g < 160) & (b < 120)  # our hottest classes (orange to red)
    assert teal.sum() > 500, teal.sum()
    assert ours.sum() > 200, ours.sum()
    # The partner's hexagons lie south of ours (Greece below North Macedonia): their centroid is lower on screen.
    assert np.argwhere(teal)[:, 0].mean() > np.argwhere(ours)[:, 0].mean()
    assert session.outside_loopback() == []
