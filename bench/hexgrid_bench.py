"""H3 figures: indexing, parents, re-aggregation of 10 M events, and the map payload of 50 k hexagons.

The 10 M events keep the bundled scenario's spatial and temporal pattern: each scenario event
is repeated with ~500 m of positional jitter and a few hours of time jitter.
"""

from __future__ import annotations

from datetime import timedelta

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pydeck as pdk

from bench.harness import Figure, median_seconds, once_seconds
from geo.grid import BASE_RES, EventIndex, Filters, latlng_to_cells, parent_cells
from geo.models import EVENT_TYPES
from geo.scenario import generate
from geo.timewindow import TimeWindow
from layers.deck import CompactDeck
from layers.hexagons import hexagon_layer

NAIVE_SAMPLE = 200_000
"""Points the scalar h3-py loops run on; their rate is per point, so a sample suffices."""


def scaled_events(n_events: int, *, seed: int = 7) -> tuple[pd.DataFrame, TimeWindow]:
    """``n_events`` events with the scenario's pattern, and the scenario's full window."""
    scenario = generate(seed=seed)
    base = scenario.events
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(base), n_events)
    lat = base["lat"].to_numpy()[pick] + rng.normal(0.0, 0.004, n_events)
    lon = base["lon"].to_numpy()[pick] + rng.normal(0.0, 0.005, n_events)
    t0, t1 = int(scenario.start.timestamp()), int(scenario.end.timestamp())
    t = np.clip(base["occurred_at"].to_numpy(dtype="datetime64[s]").astype(np.int64)[pick]
                + rng.integers(-3 * 3600, 3 * 3600, n_events), t0, t1 - 1)
    events = pd.DataFrame(
        {
            "occurred_at": pd.to_datetime(t, unit="s", utc=True),
            "type": pd.Categorical(base["type"].to_numpy()[pick], categories=EVENT_TYPES),
            "persons": base["persons"].to_numpy()[pick],
            "lat": lat,
            "lon": lon,
        }
    )
    return events, TimeWindow(scenario.start, scenario.end)


def indexing_figures(events: pd.DataFrame) -> tuple[list[Figure], np.ndarray]:
    lat, lon = events["lat"].to_numpy(), events["lon"].to_numpy()
    cells: np.ndarray = np.empty(0, dtype=np.uint64)

    def ours() -> None:
        nonlocal cells
        cells = latlng_to_cells(lat, lon, BASE_RES)

    t_ours = median_seconds(ours, repeat=3)
    t_naive = once_seconds(lambda: [h3i.latlng_to_cell(a, b, BASE_RES) for a, b in zip(lat[:NAIVE_SAMPLE], lon[:NAIVE_SAMPLE])])
    sample = cells[:NAIVE_SAMPLE]
    t_parent = median_seconds(lambda: parent_cells(cells, 7), repeat=5)
    t_parent_naive = once_seconds(lambda: [h3i.cell_to_parent(int(c), 7) for c in sample])
    return [
        Figure("lat/lon → H3 res 10 indexing", "M events/s", len(lat) / t_ours / 1e6, NAIVE_SAMPLE / t_naive / 1e6,
               "≥ 2 M/s", True, f"{len(lat):,} points, polars-h3 vs h3-py loop"),
        Figure("parent cell res 10 → 7", "M cells/s", len(cells) / t_parent / 1e6, NAIVE_SAMPLE / t_parent_naive / 1e6,
               "—", True, "integer bit operations vs h3.cell_to_parent loop"),
    ], cells


def aggregation_figures(events: pd.DataFrame, cells: np.ndarray, window: TimeWindow) -> list[Figure]:
    frame = events[["occurred_at", "type", "persons"]].assign(cell=cells)
    build_s = once_seconds(lambda: EventIndex(frame))
    index = EventIndex(frame)
    end = window.end
    queries = [
        Filters(TimeWindow(end - length, end), types, res)
        for length in (timedelta(days=1), timedelta(days=7), timedelta(days=30), window.duration)
        for types in (EVENT_TYPES, ("irregular_crossing", "apprehension", "smuggling"))
        for res in range(5, 10)
    ]
    per_query = [median_seconds(lambda q=q: index.aggregate(q), repeat=5) for q in queries]
    reference = Filters(TimeWindow(end - timedelta(days=30), end), EVENT_TYPES, 7)
    t_ref = median_seconds(lambda: index.aggregate(reference), repeat=5)

    def naive() -> pd.Series:
        lo, hi = pd.Timestamp(reference.window.start), pd.Timestamp(reference.window.end)
        sel = frame[(frame["occurred_at"] >= lo) & (frame["occurred_at"] < hi) & frame["type"].isin(reference.types)]
        parents = [h3i.cell_to_parent(int(c), reference.res) for c in sel["cell"].to_numpy()]
        return pd.Series(parents).value_counts()

    t_naive = once_seconds(naive)
    n = len(frame)
    return [
        Figure(f"re-aggregate {n:,} events, 40 queries (windows 1–90 d × types × res 5–9), median", "ms",
               float(np.median(per_query)) * 1e3, None, "≤ 300 ms", False, f"max {max(per_query) * 1e3:.0f} ms"),
        Figure(f"re-aggregate {n:,} events, 30 d, all types, res 7", "ms", t_ref * 1e3, t_naive * 1e3,
               "≥ 20× naive", False, "bincount on dense codes vs pandas filter + h3-py parent loop + value_counts"),
        Figure(f"build the columnar index of {n:,} events (once per refresh)", "s", build_s, None, "—", False),
    ]


def payload_figures(n_hexagons: int = 50_000) -> list[Figure]:
    """Bytes on the wire for ``n_hexagons`` distinct res-9 cells along the border area."""
    rng = np.random.default_rng(3)
    lat = rng.uniform(40.6, 42.3, 4 * n_hexagons)
    lon = rng.uniform(20.9, 23.1, 4 * n_hexagons)
    cells = pd.unique(latlng_to_cells(lat, lon, 9))[:n_hexagons]
    values = rng.integers(1, 500, cells.size)
    layer = hexagon_layer(pd.Series(cells), pd.Series(values), breaks=[1, 5, 20])
    compact = len(CompactDeck(layers=[layer]).to_json().encode())
    polygons = [
        {"polygon": [[round(lon, 5), round(lat, 5)] for lat, lon in h3i.cell_to_boundary(int(c))], "value": int(v)}
        for c, v in zip(cells, values)
    ]
    naive = len(pdk.Deck(layers=[pdk.Layer("PolygonLayer", data=polygons, get_polygon="polygon")]).to_json().encode())
    return [
        Figure(f"map payload, {cells.size / 1e3:.0f} k hexagons", "MB", compact / 1e6, naive / 1e6, "≤ 3 MB", False,
               "hex id + value, compact JSON vs polygons in pydeck's default JSON"),
    ]


def run(n_events: int) -> list[Figure]:
    """All H3 figures on ``n_events`` scaled-up scenario events."""
    events, window = scaled_events(n_events)
    figures, cells = indexing_figures(events)
    aggregation = aggregation_figures(events, cells, window)
    return [*figures, *aggregation, *payload_figures()]

