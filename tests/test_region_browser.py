"""Regions built from the shipped world data, and real data anywhere, in a real browser.

For HUN–SRB (inside the EU's external ring) and FIN–RUS (far from the bundled border): the map opens on
the region with the world's countries and coast, the region's border, towns and relief drawn, and no
request leaves loopback. The bundled IOM sample (incidents worldwide) is drawn on the world basemap
with "Zoom to data". Screenshots are kept in ``artifacts/``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dashboard.cli import main as limes
from geo.settings import bundled_data_dir
from tests.browser import MAP, chromium_page, wait_idle

pytestmark = pytest.mark.browser

IOM_SAMPLE = bundled_data_dir() / "incidents" / "MissingMigrants-Global-2026-05-06--19_42_11.csv"


def _region(tmp: Path, name: str, a: str, b: str) -> Path:
    out = tmp / f"{a.lower()}-{b.lower()}.toml"
    assert limes(["region", "init", "--name", name, "--countries", a, b, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def region_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    from bench.serving import start_streamlit

    tmp = tmp_path_factory.mktemp("regions")
    urls: dict[str, str] = {}
    regions = {"hun-srb": _region(tmp, "HU–RS", "HUN", "SRB"), "fin-rus": _region(tmp, "FI–RU", "FIN", "RUS")}
    with start_streamlit(env={"LIMES_REGION": str(regions["hun-srb"]), "LIMES_SCENARIO": "off",
                              "LIMES_DB": f"sqlite:///{tmp / 'hun.sqlite'}"}) as hun, \
         start_streamlit(env={"LIMES_REGION": str(regions["fin-rus"]), "LIMES_SCENARIO": "off",
                              "LIMES_DB": f"sqlite:///{tmp / 'fin.sqlite'}"}) as fin:
        urls["hun-srb"], urls["fin-rus"] = hun, fin
        yield urls


def _rgb(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _border_pixels(rgb: np.ndarray) -> int:
    """The watched border's amber (255, 196, 0): nothing else on the basemap is this colour."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return int(((r > 220) & (g > 160) & (g < 220) & (b < 60)).sum())


def _text_pixels(rgb: np.ndarray) -> int:
    """Near-white label glyphs (town names)."""
    return int((rgb.min(axis=2) > 200).sum())


def _land_and_sea(rgb: np.ndarray) -> tuple[int, int]:
    """Pixels of land fill (28, 37, 54 and the relief's shades of it) and of open sea (the style's #0b1320)."""
    sea = (np.abs(rgb - np.array([11, 19, 32])).sum(axis=2) <= 6)
    land = (rgb[..., 2] > 40) & (rgb[..., 2] < 90) & (rgb[..., 0] < 80) & ~sea
    return int(land.sum()), int(sea.sum())


@pytest.mark.parametrize("key", ["hun-srb", "fin-rus"])
def test_region_map_draws_border_towns_relief_offline(region_servers: dict[str, str], key: str,
                                                     artifacts: Path) -> None:
    with chromium_page() as session:
        session.page.goto(region_servers[key])
        wait_idle(session.page)
        session.page.wait_for_selector(f"{MAP} canvas", timeout=90_000)
        session.page.wait_for_timeout(5000)  # deck.gl debounces, loads the relief images and draws
        session.page.screenshot(path=str(artifacts / f"region-{key}-page.png"), full_page=True)
        rgb = _rgb(session.page.locator(MAP).first.screenshot(path=str(artifacts / f"region-{key}-map.png")))
        assert _border_pixels(rgb) > 200, "the region's border is not drawn"
        assert _text_pixels(rgb) > 150, "no town labels"
        land, sea = _land_and_sea(rgb)
        assert land > 0.2 * rgb.shape[0] * rgb.shape[1], "no land drawn: a blank map"
        if key == "fin-rus":  # the Gulf of Finland and the White Sea are in view: the coast is drawn
            assert sea > 2000
        assert rgb.std() > 15  # relief, land, labels: not a flat fill
        assert any("/app/static/generated/relief-world.png" in u for u in session.requests)
        assert session.outside_loopback() == []
        assert [e for e in session.errors if "favicon" not in e] == []


@pytest.fixture(scope="module")
def iom_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from bench.serving import start_streamlit

    tmp = tmp_path_factory.mktemp("iom")
    db = f"sqlite:///{tmp / 'iom.sqlite'}"
    assert limes(["import", str(IOM_SAMPLE), "--mapping", "iom", "--db", db, "--json"]) == 0
    with start_streamlit(env={"LIMES_SCENARIO": "off", "LIMES_DB": db}) as url:
        yield url


def test_iom_sample_drawn_on_the_world_with_zoom_to_data(iom_server: str, artifacts: Path) -> None:
    with chromium_page() as session:
        page = session.page
        page.goto(iom_server)
        wait_idle(page)
        page.wait_for_selector(f"{MAP} canvas", timeout=90_000)
        page.get_by_text("Zoom to data").click()
        wait_idle(page)
        page.wait_for_timeout(5000)
        page.screenshot(path=str(artifacts / "iom-world-page.png"), full_page=True)
        rgb = _rgb(page.locator(MAP).first.screenshot(path=str(artifacts / "iom-world-map.png")))
        land, sea = _land_and_sea(rgb)
        assert land > 20_000 and sea > 20_000, "countries and coast under the incidents"
        r, b = rgb[..., 0], rgb[..., 2]
        assert int(((r > 150) & (b < 120) & (r - b > 60)).sum()) > 30, "no incident hexagons drawn"
        assert session.outside_loopback() == []
        assert [e for e in session.errors if "favicon" not in e] == []


def test_region_file_round_trips_through_the_command(tmp_path: Path) -> None:
    """`limes region init` writes a file every command reads back (the browser servers above rely on it)."""
    out = _region(tmp_path, "HU–RS", "HUN", "SRB")
    text = out.read_text()
    assert 'pairs = ["HUN-SRB"]' in text and 'ours = ["HUN"]' in text
    assert json.dumps("HU–RS", ensure_ascii=False) in text
