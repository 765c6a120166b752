"""Many screens, one computation: the live view's per-second results are shared by the sessions of a server.

The deck's JSON made from texts serialised ahead is the text pydeck writes; sessions asking for the
same key at once get one computation; the shared page shows what a page computing its own shows;
the accepted-reports layer decodes only citizen reports and gets the same rows.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cache, live_cache
from geo.grid import EventIndex
from geo.models import EVENT_TYPES
from layers.deck import build_deck
from layers.frozen import frozen_deck, layer_json
from layers.hexagons import hexagon_layer
from layers.live import recent_hexagon_layer
from tests.conftest import ROOT


def test_frozen_deck_is_the_text_pydeck_writes() -> None:
    under, over = cache.basemap_layers()
    cells = pd.Series([0x8628308A7FFFFFF, 0x862830827FFFFFF], dtype="uint64")
    data = [hexagon_layer(cells, pd.Series([3, 40])), recent_hexagon_layer(cells[:1], pd.Series([1]))]
    tooltip = {"html": "<b>{value}</b> events", "style": {"color": "#fff"}}
    layers = [*under, *data, *over]
    expected = build_deck(layers, tooltip=tooltip).to_json()
    frozen = frozen_deck([layer_json(layer) for layer in layers], tooltip=tooltip)
    assert frozen.to_json() == expected
    assert frozen._tooltip == tooltip and frozen.layers == ()
    assert [layer["id"] for layer in json.loads(frozen.to_json())["layers"]] == [layer.id for layer in layers]


def test_sessions_asking_at_once_share_one_computation() -> None:
    calls: list[int] = []
    results: list[object] = []

    def build() -> dict[str, int]:
        calls.append(1)
        time.sleep(0.3)  # long enough that every thread asks while the first computes
        return {"answer": 42}

    key = f"test-{time.time_ns()}"
    threads = [threading.Thread(target=lambda: results.append(live_cache.shared(key, build))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len(results) == 8 and all(r is results[0] for r in results)  # one object, shared, not copied
    live_cache.shared(key + "-other", build)
    assert len(calls) == 2  # another key (another second, view or data version) computes again


def _page(monkeypatch: pytest.MonkeyPatch, sharing: str) -> AppTest:
    monkeypatch.setenv("LIMES_LIVE_SHARING", sharing)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def test_a_shared_page_shows_what_a_page_of_its_own_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    own, shared = _page(monkeypatch, "off"), _page(monkeypatch, "on")
    specs = [json.loads(at.get("deck_gl_json_chart")[0].proto.json) for at in (own, shared)]
    hexes = [{row["hex"]: row["value"] for row in next(l for l in s["layers"] if l["id"] == "hexagons")["data"]}
             for s in specs]
    # The window slides with the clock between the two runs: a few events may leave it at its start.
    totals = [sum(h.values()) for h in hexes]
    assert len(hexes[0]) > 20 and abs(totals[0] - totals[1]) <= max(5, totals[0] // 200)
    assert len(set(hexes[0]) ^ set(hexes[1])) <= 3
    assert [l["id"] for l in specs[0]["layers"]] == [l["id"] for l in specs[1]["layers"]]
    assert [m.label for m in own.metric] == [m.label for m in shared.metric]
    rows = [next(m.value for m in at.markdown if "limes-ticker" in m.value).count("<div style='margin:2px 0'>")
            for at in (own, shared)]
    assert rows[0] == rows[1] > 0


def test_recent_of_some_types_decodes_those_rows_only(index: EventIndex) -> None:
    end = index.time_range()[1] + timedelta(seconds=1)
    start = end - timedelta(days=20)
    everything = index.recent(start, end)
    for types in (("citizen_report",), ("apprehension", "smuggling"), EVENT_TYPES, ()):
        some = index.recent(start, end, types=types)
        expected = everything[everything["type"].isin(types)]
        assert len(some) == len(expected)
        assert some["occurred_at"].tolist() == expected["occurred_at"].tolist()
        assert some["cell"].tolist() == expected["cell"].tolist()
