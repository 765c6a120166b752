"""`limes serve`: the dashboard's Streamlit server, with its heavy libraries loaded before the first visitor.

Streamlit imports a page's modules when the first browser session runs the script, so the first
visitor after a start would wait for pandas, geopandas, SciPy, rasterio, polars and the rest
(about 1.5 s on the 2-core reference machine). Here they are imported first, in the server's own
process, and then ``streamlit run streamlit_app.py`` starts in that same process. Only third-party
libraries are preloaded: our modules declare Streamlit caches, which belong to the running server.

Streamlit serves ``static/`` beside the main script and reads ``.streamlit/config.toml`` in the
working directory: both are the app folder (:attr:`geo.settings.Settings.app_dir`). In a checkout
that is the repository; from an installed wheel it is ``<var>/app``, copied from the package by
:func:`prepare_app_dir`, because the app writes its generated images into ``static/generated/``.
"""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Sequence
from typing import Final

from geo.settings import Settings, bundle_dir

PRELOADED: Final[tuple[str, ...]] = (
    "numpy", "pandas", "pyarrow", "scipy.sparse", "scipy.stats", "shapely", "geopandas", "pyogrio", "rasterio",
    "polars", "polars_h3", "h3", "pydeck", "PIL.Image",
)
APP_FILES: Final[tuple[str, ...]] = ("streamlit_app.py", "report_form.py", ".streamlit/config.toml",
                                     "static/limes-dark-style.json", "static/limes-icon.png")
"""What the app folder holds besides generated images (``data/`` is read where it is installed)."""


def prepare_app_dir(settings: Settings) -> None:
    """Copy the packaged app files into ``settings.app_dir`` unless it is where they already are (a checkout).

    Copied at every start, so an upgraded wheel serves its own scripts, style and settings.
    """
    source = bundle_dir()
    if settings.app_dir.resolve() == source.resolve():
        return
    for name in APP_FILES:
        target = settings.app_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / name, target)


def run_streamlit(script: str, settings: Settings, streamlit_args: Sequence[str]) -> int:
    """``streamlit run <app folder>/<script>`` in this process, from the app folder, with ``settings`` in
    the environment (the Streamlit scripts read them back through :func:`dashboard.config.settings`)."""
    from streamlit.web import cli as streamlit_cli

    from dashboard.config import settings_env

    prepare_app_dir(settings)
    os.environ.update(settings_env(settings))
    os.chdir(settings.app_dir)
    streamlit_cli.main(["run", str(settings.app_dir / script), *streamlit_args], prog_name="streamlit",
                       standalone_mode=False)
    return 0


def serve(settings: Settings, *, address: str, port: int, streamlit_args: Sequence[str] = ()) -> int:
    """Preload :data:`PRELOADED`, then run ``streamlit run streamlit_app.py`` in this process until it stops."""
    for name in PRELOADED:
        importlib.import_module(name)
    return run_streamlit("streamlit_app.py", settings,
                         ["--server.address", address, "--server.port", str(port), *streamlit_args])
