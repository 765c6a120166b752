"""Ask the browser for the map's JavaScript before the page needs it.

Streamlit's frontend loads its deck.gl bundle (about 3 MB) only when the first map element
arrives, and then spends seconds compiling it. Announced as a module preload at the top of the
first run, it is fetched and compiled while the server is still importing and computing.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st

_BUNDLE_GLOB = "DeckGlJsonChart.*.js"


@cache
def _map_bundle_url() -> str | None:
    """The URL of this Streamlit release's deck.gl bundle (its file name carries a content hash)."""
    found = sorted((Path(st.__file__).parent / "static" / "static" / "js").glob(_BUNDLE_GLOB))
    return f"./static/js/{found[0].name}" if found else None


def preload_map_bundle() -> None:
    """Emit ``<link rel="modulepreload">`` for the map bundle (nothing when this release has none)."""
    url = _map_bundle_url()
    if url:
        st.markdown(f'<link rel="modulepreload" href="{url}">', unsafe_allow_html=True)
