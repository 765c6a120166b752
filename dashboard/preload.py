"""Ask the browser for JavaScript before the page needs it.

Streamlit's frontend loads a bundle only when the first element that needs it arrives, then spends
seconds compiling it: its deck.gl bundle (about 3 MB) for the first map, its Vega bundles (about
0.8 MB) for the first chart, which on the map page is a hexagon's drill-down. Announced as module
preloads, they are fetched and compiled before then: the map's at the top of the first run, while the
server is still importing and computing; the charts' once the map is on screen.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Final

import streamlit as st

MAP_BUNDLES: Final[tuple[str, ...]] = ("DeckGlJsonChart.*.js",)
CHART_BUNDLES: Final[tuple[str, ...]] = ("ArrowVegaLiteChart.*.js", "embed.*.js")
"""Streamlit's Altair/Vega-Lite element and the Vega-Embed library it loads (file names carry content hashes)."""


@cache
def bundle_urls(globs: tuple[str, ...]) -> tuple[str, ...]:
    """The URLs of this Streamlit release's bundles matching ``globs`` (one each; none for a glob without a file)."""
    folder = Path(st.__file__).parent / "static" / "static" / "js"
    found = (sorted(folder.glob(pattern)) for pattern in globs)
    return tuple(f"./static/js/{files[0].name}" for files in found if files)


def preload_bundles(globs: tuple[str, ...]) -> None:
    """Emit ``<link rel="modulepreload">`` for the bundles of ``globs`` (nothing for those this release lacks)."""
    links = "".join(f'<link rel="modulepreload" href="{url}">' for url in bundle_urls(globs))
    if links:
        st.markdown(links, unsafe_allow_html=True)
