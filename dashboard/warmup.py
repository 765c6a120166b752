"""Fill the live map's server caches while the first visitor's browser is still loading the page.

A fresh `limes serve` used to do all of it in the first visitor's script run: import our page
modules (about a second on the 2-core reference machine), read the store into the event index,
load the basemap (the region's detail and the world's countries and towns) and write its layer
files. Here one background thread does it as soon as Streamlit's runtime exists, through the
very caches the pages call (``st.cache_resource`` has one lock per key: a visitor who arrives
meanwhile waits for this computation instead of repeating it).

Nothing here is needed for correctness: a failed warm-up is logged and the page computes as before.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from typing import Final

from geo.errors import LimesError, describe

PAGE_MODULES: Final[tuple[str, ...]] = (
    "dashboard.cache", "dashboard.live_cache", "dashboard.auth", "dashboard.components.filters",
    "dashboard.components.incident_strip", "dashboard.components.live_view", "dashboard.components.zoom",
    "dashboard.components.language_choice",
)
"""What the frame and the map page import (their own imports follow)."""
RUNTIME_WAIT_S: Final[float] = 60.0
THREAD_NAME: Final[str] = "limes-warmup"

log = logging.getLogger(__name__)


def _not_from_warmup(record: logging.LogRecord) -> bool:
    """Drop Streamlit's "missing ScriptRunContext" warnings of this thread: it runs no script, by design."""
    return record.threadName != THREAD_NAME


def _runtime_started(timeout_s: float) -> bool:
    """Wait until Streamlit's runtime exists (its cache storage belongs to it), at most ``timeout_s`` seconds."""
    from streamlit.runtime import Runtime

    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_not_from_warmup)
    deadline = time.monotonic() + timeout_s
    while not Runtime.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def warm_caches() -> None:
    """Import the map page's modules and compute what its first run needs, for the server's default language."""
    for name in PAGE_MODULES:
        importlib.import_module(name)
    from dashboard import cache, live_cache
    from dashboard.config import settings

    config = settings()
    cache.event_index()
    live_cache.basemap_layer_json(False, config.language)
    live_cache.basemap_layer_json(False, config.language, with_world=False)
    cache.gazetteer()
    cache.town_label_boxes(config.region, config.language)


def _run() -> None:
    started = time.perf_counter()
    if not _runtime_started(RUNTIME_WAIT_S):
        log.warning("warm-up skipped: Streamlit's runtime did not start within %.0f s", RUNTIME_WAIT_S)
        return
    try:
        warm_caches()
    except LimesError as exc:  # the page will meet the same error and show it
        log.warning("warm-up stopped: %s", describe(exc))
        return
    log.info("caches warm %.2f s after start", time.perf_counter() - started)


def start_warmup() -> threading.Thread:
    """Start :func:`warm_caches` in a daemon thread once the runtime exists; returns the thread."""
    thread = threading.Thread(target=_run, name=THREAD_NAME, daemon=True)
    thread.start()
    return thread
