"""Building a partner's shared picture from the store, beside the naive publisher, and serving its pages.

The events are the store-shaped, scaled-up scenario events of :mod:`bench.mirror_bench` spread over
the last week, in a SQLite store. Ours: :func:`geo.sharing.picture_from_store` (the database counts
per res-6 parent by bit operations; centres tested against the area once per cell; suppression).
Naive: what a publisher without the aggregate would write, reading the event rows of the window
into pandas and taking each event's parent with h3-py, then the same area test and suppression.
Both pictures are checked equal. Then the pages of the picture over real mutual TLS (uvicorn,
`limes share serve`'s app): milliseconds per page of 500 hexagons, client and server on this machine.
"""

from __future__ import annotations

import socket
import ssl
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import h3
import httpx
import numpy as np
import pandas as pd
import shapely

from bench.harness import Figure, median_seconds
from bench.mirror_bench import store_shaped
from geo.briefing import suppress_cells
from geo.grid import cells_latlng
from geo.sharing import Agreement, agree, create_ca, issue, picture_from_store, share_server
from geo.store import Store, epoch_ms, insert_events, open_store, read_events

AREA = ((20.5, 40.5), (23.5, 40.5), (23.5, 42.5), (20.5, 42.5))
AGREEMENT = Agreement(partner="MK", name="bench partner", publisher="bench", area=AREA, res=6, window_h=168,
                      delay_h=1, k=5)


def _week(n_events: int, now: datetime) -> pd.DataFrame:
    events = store_shaped(n_events, seed=22)
    rng = np.random.default_rng(22)
    when = pd.to_datetime(int(now.timestamp()) - rng.integers(0, 8 * 86400, n_events), unit="s", utc=True)
    return events.assign(occurred_at=when, received_at=when, attrs="{}").drop(columns=["seq"])


def naive_picture(store: Store, agreement: Agreement, now: datetime) -> tuple[tuple[int, int], ...]:
    """The picture from event rows: read them, filter in pandas, parents with h3-py one event at a time."""
    end = (now - timedelta(hours=agreement.delay_h)).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=agreement.window_h)
    rows = read_events(store, since_ms=epoch_ms(start))
    rows = rows[(rows["occurred_at"] < end) & rows["type"].isin(agreement.types)]
    parents = [h3.str_to_int(h3.cell_to_parent(h3.int_to_str(int(c)), agreement.res)) for c in rows["cell"]]
    counts = pd.Series(parents, dtype="uint64").value_counts().rename_axis("cell").reset_index(name="events")
    area = shapely.Polygon(agreement.area)
    inside = [area.contains(shapely.Point(*reversed(h3.cell_to_latlng(h3.int_to_str(int(c)))))) for c in
              counts["cell"]]
    counts = counts[np.asarray(inside, dtype=bool)]
    safe = suppress_cells(counts.assign(persons=0), k=agreement.k, coarsest_res=max(agreement.res - 1, 4)).cells
    centres = cells_latlng(safe["cell"].to_numpy(dtype=np.uint64))
    safe = safe[shapely.contains_xy(area, centres[:, 1], centres[:, 0])] if len(safe) else safe
    return tuple((int(c), int(n)) for c, n in zip(safe["cell"], safe["events"], strict=True))


def _page_ms(store: Store, tmp: Path, pages: int) -> tuple[float, int]:
    """Median ms per page of 500 hexagons over mutual TLS, and the pages the picture has."""
    create_ca(tmp / "ca", name="bench")
    issued = issue(store, tmp / "ca", tmp / "keys", partner="MK", days=1, actor="bench")
    agree(store, [AGREEMENT], actor="bench")
    server = share_server(store, ca_dir=tmp / "ca", host="127.0.0.1", port=_free_port())
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    context = ssl.create_default_context(cafile=str(issued.ca_path))
    context.load_cert_chain(str(issued.cert_path), str(issued.key_path))
    try:
        # The first answer builds the picture (the aggregate above, then kept for the hour): a long timeout for it.
        with httpx.Client(verify=context, timeout=300) as client:
            url = f"https://127.0.0.1:{server.config.port}/MK/collections/hexagons/items?limit=500"
            matched = client.get(url).json()["numberMatched"]
            offsets = [500 * (i % max(1, -(-matched // 500))) for i in range(pages)]
            times = []
            for offset in offsets:
                started = time.perf_counter()
                response = client.get(f"{url}&offset={offset}")
                times.append(time.perf_counter() - started)
                assert response.status_code == 200
        return float(np.median(times) * 1e3), -(-matched // 500)
    finally:
        server.should_exit = True
        thread.join(timeout=300)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(n_events: int = 1_000_000) -> list[Figure]:
    """``share_picture_ms`` (ours vs naive, equal answers checked) and ``share_page_ms``."""
    now = datetime.now(timezone.utc)
    events = _week(n_events, now)
    with tempfile.TemporaryDirectory(prefix="limes-share-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'share.sqlite'}")
        try:
            for start in range(0, len(events), 200_000):
                insert_events(store, events.iloc[start:start + 200_000])
            ours = picture_from_store(store, AGREEMENT, version=1, now=now)
            assert ours.cells == naive_picture(store, AGREEMENT, now), "the two pictures differ"
            ours_ms = median_seconds(lambda: picture_from_store(store, AGREEMENT, version=1, now=now), repeat=3) * 1e3
            naive_ms = median_seconds(lambda: naive_picture(store, AGREEMENT, now), repeat=1, warmup=0) * 1e3
            page_ms, pages = _page_ms(store, Path(tmp), 40)
        finally:
            store.close()
    size = f"{n_events:,} stored events, a week at res 6, {len(ours.cells):,} cells shared"
    return [
        Figure(f"share_picture_ms: {size}", "ms", ours_ms, naive_ms, "—", False,
               "SQL aggregate per parent cell vs event rows into pandas and h3-py per event"),
        Figure(f"share_page_ms: a page of 500 hexagons over mutual TLS ({pages} pages)", "ms", page_ms, None, "—",
               False, "uvicorn + Starlette, client and server on this machine; the picture built once per hour"),
    ]
