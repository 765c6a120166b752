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

Two doors Streamlit leaves open are closed here, for the dashboard and the public form alike:
its uvicorn trusts ``X-Forwarded-For`` from 127.0.0.1 (so a local proxy, or a forged header through
one, would set the client address): it is told to trust no proxy (:data:`geo.trust.UVICORN_TRUST_NO_PROXY`);
and ``/_stcore/metrics`` (session counts and durations, cache sizes by function) is served to anyone,
with no option to turn it off: :func:`close_metrics` makes it answer 404.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
from collections.abc import Sequence
from typing import Any, Final

from geo.settings import Settings, bundle_dir
from geo.trust import UVICORN_TRUST_NO_PROXY

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


def close_metrics() -> None:
    """Make ``/_stcore/metrics`` answer 404 in this process's Streamlit server (before it starts).

    Streamlit 1.67 has no setting for it; its app builder takes the route list from
    ``create_metrics_routes``, replaced here by one route that refuses (an unknown path would get
    the app's page with status 200, so the route is kept and answers 404).
    """
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import BaseRoute, Route
    from streamlit.web.server.starlette import starlette_app, starlette_routes

    async def not_served(request: Request) -> Response:
        return PlainTextResponse("not served", status_code=404)

    def closed_routes(runtime: Any, base_url: str | None) -> list[BaseRoute]:
        path = starlette_routes._with_base(starlette_routes.ROUTE_METRICS, base_url)
        return [Route(path, not_served, methods=["GET", "HEAD", "OPTIONS", "POST"])]

    starlette_app.create_metrics_routes = closed_routes


STATIC_MAX_AGE_S: Final[int] = 365 * 24 * 3600
"""How long a browser keeps a versioned static file (its URL changes with its content)."""


def cache_versioned_static() -> None:
    """Let browsers keep ``/app/static/...?v=<digest>`` files (basemap vectors, relief, coverage images).

    Streamlit 1.67 serves the app's static folder without a cache lifetime or conditional answers, so
    every new map (a page change, a new session) fetched the 1.2 MB of relief again. A URL carrying
    ``?v=`` names one content for ever (:func:`layers.files.versioned_url`): such answers get
    ``Cache-Control: public, max-age=<1 year>, immutable``; unversioned ones are left as they were.
    """
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import BaseRoute, Route
    from streamlit.web.server.starlette import starlette_app, starlette_routes

    make_routes = starlette_routes.create_app_static_serving_routes

    def versioned_routes(main_script_path: str | None, base_url: str | None) -> list[BaseRoute]:
        routes = []
        for route in make_routes(main_script_path, base_url):
            if isinstance(route, Route) and route.methods and "GET" in route.methods:
                serve_file = route.endpoint

                async def cached(request: Request, serve_file: Any = serve_file) -> Response:
                    response = await serve_file(request)
                    if "v" in request.query_params and response.status_code == 200:
                        response.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE_S}, immutable"
                    return response

                route = Route(route.path, cached, methods=["GET"])
            routes.append(route)
        return routes

    starlette_app.create_app_static_serving_routes = versioned_routes


def run_streamlit(script: str, settings: Settings, streamlit_args: Sequence[str]) -> int:
    """``streamlit run <app folder>/<script>`` in this process, from the app folder, with ``settings`` in
    the environment (the Streamlit scripts read them back through :func:`dashboard.config.settings`)."""
    from streamlit.web import cli as streamlit_cli

    from dashboard.config import settings_env

    prepare_app_dir(settings)
    os.environ.update({**settings_env(settings), **UVICORN_TRUST_NO_PROXY})
    os.chdir(settings.app_dir)
    close_metrics()
    cache_versioned_static()
    streamlit_cli.main(["run", str(settings.app_dir / script), *streamlit_args], prog_name="streamlit",
                       standalone_mode=False)
    return 0


def serve(settings: Settings, *, address: str, port: int, streamlit_args: Sequence[str] = ()) -> int:
    """Preload :data:`PRELOADED`, then run ``streamlit run streamlit_app.py`` in this process until it stops, warming
    the map's caches in the background meanwhile (:mod:`dashboard.warmup`)."""
    from dashboard.warmup import start_warmup

    for name in PRELOADED:
        importlib.import_module(name)
    start_warmup()
    return run_streamlit("streamlit_app.py", settings,
                         ["--server.address", address, "--server.port", str(port), *streamlit_args])


if __name__ == "__main__":
    # ``python -m dashboard.serve <script> [streamlit options]``: a Streamlit app of ours in a child process
    # (the public form), with the same doors closed.
    from streamlit.web import cli as streamlit_cli

    os.environ.update(UVICORN_TRUST_NO_PROXY)
    close_metrics()
    streamlit_cli.main(["run", *sys.argv[1:]], prog_name="streamlit", standalone_mode=False)
