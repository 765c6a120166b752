"""`limes serve`: the dashboard's Streamlit server, with its heavy libraries loaded before the first visitor.

Streamlit imports a page's modules when the first browser session runs the script, so the first
visitor after a start would wait for pandas, geopandas, SciPy, rasterio, polars and the rest
(about 1.5 s on the 2-core reference machine). Here they are imported first, in the server's own
process, and then ``streamlit run streamlit_app.py`` starts in that same process. Only third-party
libraries are preloaded: our modules declare Streamlit caches, which belong to the running server.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Final

ROOT: Final[Path] = Path(__file__).resolve().parent.parent
PRELOADED: Final[tuple[str, ...]] = (
    "numpy", "pandas", "pyarrow", "scipy.sparse", "scipy.stats", "shapely", "geopandas", "pyogrio", "rasterio",
    "polars", "polars_h3", "h3", "pydeck", "PIL.Image",
)


def serve(*, address: str, port: int, streamlit_args: Sequence[str] = ()) -> int:
    """Preload :data:`PRELOADED`, then run ``streamlit run streamlit_app.py`` in this process until it stops.

    The working directory becomes the repository, where Streamlit finds ``.streamlit/config.toml``.
    """
    from streamlit.web import cli as streamlit_cli

    for name in PRELOADED:
        importlib.import_module(name)
    os.chdir(ROOT)
    streamlit_cli.main(["run", str(ROOT / "streamlit_app.py"), "--server.address", address, "--server.port", str(port),
                        *streamlit_args], prog_name="streamlit", standalone_mode=False)
    return 0
