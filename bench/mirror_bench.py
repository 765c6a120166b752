"""Live append into the mirror's event index at scale, beside today's full rebuild, and its memory per event.

The events have the store's shape (what :func:`geo.store.read_events` returns) and the bundled
scenario's pattern, scaled up (:func:`bench.hexgrid_bench.scaled_events`). Each refresh brings
100 new rows, a tenth of them late (occurred up to an hour before the newest event held), as a
feed delivering sensor alarms does. Ours: :meth:`geo.grid.EventIndex.appended` on the index the
mirror holds. Naive (what the mirror did before): concatenate the whole frame and build the index
again. Both include reading the 100 rows past the watermark from a real SQLite store.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.harness import Figure, once_seconds
from bench.hexgrid_bench import scaled_events
from geo.grid import BASE_RES, EventIndex, latlng_to_cells
from geo.store import MIRROR_COLUMNS, insert_events, open_store, read_events, watermark

NEW_ROWS = 100
LATE_SHARE = 0.1
OLD_INDEX_BYTES_PER_EVENT = 8 + 1 + 8 + 1 + 5 * 4
"""What the index before this one held per event beside its frame: seconds, type, persons, impact, 5 codes."""


def store_shaped(n_events: int, *, seed: int, seq_from: int = 1, after_s: int | None = None) -> pd.DataFrame:
    """``n_events`` events shaped like a store read; with ``after_s``, they occur after it (a tenth up to 1 h before)."""
    events, _ = scaled_events(n_events, seed=seed)
    rng = np.random.default_rng(seed)
    if after_s is not None:
        late = rng.random(n_events) < LATE_SHARE
        offset_s = np.where(late, -rng.integers(1, 3600, n_events), rng.integers(0, 60, n_events))
        events["occurred_at"] = pd.to_datetime(after_s + offset_s, unit="s", utc=True)
    seq = np.arange(seq_from, seq_from + n_events, dtype=np.int64)
    return pd.DataFrame({
        "seq": seq, "source": pd.Series(np.where(rng.random(n_events) < 0.5, "sensors", "patrols")),
        "event_id": pd.Series(seq.astype(str)), "type": events["type"].astype(str),
        "occurred_at": events["occurred_at"], "received_at": events["occurred_at"] + pd.Timedelta(seconds=30),
        "lat": events["lat"], "lon": events["lon"], "persons": events["persons"].astype(np.int64),
        "impact": pd.Series(np.asarray(["low", "medium", "high", "very_high"])[rng.integers(0, 4, n_events)]),
        "confidence": rng.uniform(0.2, 1.0, n_events), "status": pd.Series(["confirmed"] * n_events),
        "cell": latlng_to_cells(events["lat"].to_numpy(), events["lon"].to_numpy(), BASE_RES),
    })


def _model(frame: pd.DataFrame) -> pd.DataFrame:
    """Store-shaped rows as the model frame :func:`geo.store.insert_events` takes."""
    return frame.drop(columns=["seq"]).assign(attrs="{}")


def run(n_events: int = 10_000_000, refreshes: int = 40) -> list[Figure]:
    """p95 of ``refreshes`` appends of 100 rows to ``n_events`` events, a full rebuild, and bytes per event."""
    everything_read = store_shaped(n_events, seed=11)
    kept = [c.removesuffix("_ms") for c in MIRROR_COLUMNS]
    history = everything_read[kept]
    index = EventIndex(history)
    newest_s = int(index.t_s[-1])
    batches = [store_shaped(NEW_ROWS, seed=100 + k, seq_from=n_events + 1 + k * NEW_ROWS, after_s=newest_s + 60 * k)
               for k in range(refreshes)]
    append_ms = []
    with tempfile.TemporaryDirectory(prefix="limes-mirror-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'feed.sqlite'}")
        try:
            seq = 0
            for batch in batches:
                insert_events(store, _model(batch))
                t0 = time.perf_counter()
                watermark(store)
                new = read_events(store, after_seq=seq, columns=MIRROR_COLUMNS)
                index = index.appended(new.assign(seq=batch["seq"].to_numpy()))
                append_ms.append((time.perf_counter() - t0) * 1e3)
                seq = int(new["seq"].max())
            read_ms = once_seconds(lambda: (watermark(store), read_events(store, after_seq=seq - NEW_ROWS))) * 1e3
        finally:
            store.close()
    batches = [batch[kept] for batch in batches]
    everything = pd.concat([history, *batches], ignore_index=True)
    rebuild_ms = once_seconds(lambda: EventIndex(pd.concat([everything, batches[-1]], ignore_index=True))) * 1e3
    compact_ms = once_seconds(index.compacted) * 1e3
    assert len(index) == len(everything)
    ours_bytes = index.nbytes() / len(index)
    naive_bytes = 2 * float(everything_read.memory_usage(deep=True).sum()) / n_events + OLD_INDEX_BYTES_PER_EVENT
    p95 = float(np.quantile(append_ms, 0.95))
    size = f"{n_events:,} events"
    return [
        Figure(f"mirror_append_ms_p95: {NEW_ROWS} new rows ({LATE_SHARE:.0%} late) into {size}, p95 of {refreshes}",
               "ms", p95, rebuild_ms, "≤ 50 ms, ≥ 100× a full rebuild", False,
               f"naive = mirror_rebuild_ms (concat + build, today's path); median {np.median(append_ms):.1f} ms; "
               f"store read of 100 rows {read_ms:.1f} ms of it; the late rows' tail ({index.tail_rows}) merged "
               f"in the background in {compact_ms:,.0f} ms"),
        Figure(f"mirror_bytes_per_event at {size}", "B", ours_bytes, naive_bytes, "≤ 48 B", False,
               "index buffers incl. spare capacity vs the frame twice (mirror + sorted copy) + the old index's "
               "arrays (computed from pandas' deep memory usage)"),
    ]
