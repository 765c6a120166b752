"""`limes serve` warms the map's caches before any visitor: a real server on loopback, no browser.

Observable without timing: with an empty store, the warm-up loads the bundled scenario into it (the event index's
first refresh does that) before a browser session exists; without the warm-up the store stays empty until one.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from bench.serving import start_streamlit
from geo.store import open_store

WAIT_S = 120.0


def test_a_fresh_server_fills_its_caches_before_the_first_visitor(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warm.sqlite'}"
    with start_streamlit(env={"LIMES_DB": url}, log_dir=tmp_path) as app:
        deadline, events = time.monotonic() + WAIT_S, 0
        while time.monotonic() < deadline:
            store = open_store(url)
            try:
                events = store.count("events")
            finally:
                store.close()
            if events:
                break
            time.sleep(0.5)
        assert events > 1_000, "the warm-up did not read the store (no scenario loaded without a visitor)"
        assert httpx.get(f"{app}/_stcore/health", timeout=10).text == "ok"  # the server kept serving meanwhile
    log = next(tmp_path.glob("streamlit-*.log")).read_text()
    assert "missing ScriptRunContext" not in log  # the warm-up's own thread runs no script: no noise in the log
    assert "Traceback" not in log and "warm-up stopped" not in log
