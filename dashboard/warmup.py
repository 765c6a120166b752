"""Compute the Coverage planner's slow parts in the background, once the first map is on screen.

The planner's first open needs the corridor terrain (~2.7 s on the reference machine), the
candidate sites' viewsheds (~1.5 s), the sensors' coverage image and the assessment: about six
seconds of a 2-core server before anything shows. `limes serve` turns the warm-up on
(:func:`enable`); the first script run then starts one thread per server process
that waits :data:`DELAY_S` (the first map draws meanwhile) and fills the same Streamlit caches the
page reads, with the page's default choices. A planner who opens Coverage while it still runs
waits only for the rest: ``st.cache_resource`` makes a second caller wait for the first one's
result instead of computing it again.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone
from typing import Final

from geo.errors import LimesError

DELAY_S: Final[float] = 6.0
"""Seconds after the first script run: the first map gets the cores first."""
DEFAULT_SITES: Final[int] = 3
"""Sites the planner recommends by default (the page's slider)."""
DEFAULT_PATROL_H: Final[float] = 72.0
"""The page's default patrol window."""

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_state = {"enabled": False, "started": False}


def enable() -> None:
    """Warm the caches in this server process (called by `limes serve` before Streamlit starts)."""
    _state["enabled"] = True


def _warm(delay_s: float) -> None:
    # Not niced: a low-priority thread that the kernel parks while it holds the GIL would stall the sessions'
    # threads behind it (priority inversion), which is worse on a loaded machine than sharing the cores evenly.
    time.sleep(delay_s)
    # Imported here: `limes serve` enables the warm-up before Streamlit runs, and our caches belong to its runtime.
    from dashboard import cache
    from dashboard.components.coverage_panels import SITE_MODEL
    from geo.coverage import CoverageParams

    started = time.perf_counter()
    try:
        params = CoverageParams(patrol_within_h=DEFAULT_PATROL_H)
        minute = datetime.now(timezone.utc).replace(second=0, microsecond=0)
        sensors = cache.stored_sensors()
        cache.coverage_terrain(params)
        cache.candidate_sets(params, SITE_MODEL)
        cache.coverage_png(params, sensors)
        cache.coverage_assessment(params, sensors, minute)
        cache.recommended_sites(params, sensors, minute, DEFAULT_SITES, SITE_MODEL)
    except LimesError as exc:  # the page will show the same error when opened; the server runs on
        _log.warning("coverage warm-up stopped: %s", exc)
        return
    _log.info("coverage warm-up done in %.1f s", time.perf_counter() - started)


def start(*, delay_s: float = DELAY_S) -> bool:
    """Start the warm-up thread unless it is off or already started; True when this call started it."""
    with _lock:
        if not _state["enabled"] or _state["started"]:
            return False
        _state["started"] = True
    threading.Thread(target=_warm, args=(delay_s,), name="limes-warmup", daemon=True).start()
    return True
