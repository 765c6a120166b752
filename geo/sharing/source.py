"""The one place the publisher reads the store: SQL aggregates in, a :class:`~geo.sharing.picture.Picture` out.

Only :func:`geo.store.store_aggregate` (a ``COUNT(*) ... GROUP BY`` parent cell, computed by the
database) and the latest level decisions (of which only id, level, evidence and time are kept) are
read; no event row reaches Python on this path. A test checks that this module imports nothing else
from the store, and an import contract keeps the endpoint from importing the store at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import shapely

from geo.briefing import suppress_cells
from geo.grid import cells_latlng
from geo.sharing.agreement import Agreement
from geo.sharing.picture import Picture, SharedLevel
from geo.store import Db, level_rows, store_aggregate


def coarsest_res(res: int) -> int:
    """Cells below k merge into their parents one resolution up (never coarser than 4, ~1,770 km2), then are
    withheld: a partner's map keeps the agreed detail instead of a few huge hexagons."""
    return max(res - 1, 4)


def share_window(agreement: Agreement, now: datetime) -> tuple[datetime, datetime]:
    """``[start, end)`` (UTC) of the counts: ending at the whole hour at or before ``now`` minus the delay."""
    end = (now.astimezone(timezone.utc) - timedelta(hours=agreement.delay_h)).replace(minute=0, second=0,
                                                                                       microsecond=0)
    return end - timedelta(hours=agreement.window_h), end


def _inside(cells: np.ndarray, area: shapely.Polygon) -> np.ndarray:
    """Which cells (uint64 H3 ids) have their centre inside ``area`` (lon/lat)."""
    if len(cells) == 0:
        return np.zeros(0, dtype=bool)
    centres = cells_latlng(cells)
    return shapely.contains_xy(area, centres[:, 1], centres[:, 0])


def _cells(db: Db, agreement: Agreement, start: datetime, end: datetime) -> tuple[tuple[int, int], ...]:
    counts = store_aggregate(db, start_s=int(start.timestamp()), end_s=int(end.timestamp()), types=agreement.types,
                             res=agreement.res)
    area = shapely.Polygon(agreement.area)
    counts = counts[_inside(counts["cell"].to_numpy(dtype=np.uint64), area)]
    # Persons are not shared, so only the event counts decide suppression.
    safe = suppress_cells(pd.DataFrame({"cell": counts["cell"], "events": counts["events"], "persons": 0}),
                          k=agreement.k, coarsest_res=coarsest_res(agreement.res)).cells
    # A merged parent reaches beyond the cells it sums: withheld unless its own centre is inside the area too.
    safe = safe[_inside(safe["cell"].to_numpy(dtype=np.uint64), area)]
    return tuple((int(c), int(n)) for c, n in zip(safe["cell"], safe["events"], strict=True))


def _levels(db: Db, agreement: Agreement) -> tuple[SharedLevel, ...]:
    if not agreement.levels:
        return ()
    rows = level_rows(db).drop_duplicates("section_id", keep="first")  # newest first: the current decision
    if agreement.sections:
        rows = rows[rows["section_id"].str.startswith(agreement.sections)]
    return tuple(SharedLevel(section_id=str(r.section_id), level=str(r.level), evidence=str(r.evidence),
                             set_at_ms=int(r.set_at.timestamp() * 1000))
                 for r in rows.sort_values("section_id").itertuples())


def picture_from_store(db: Db, agreement: Agreement, *, version: int, now: datetime) -> Picture:
    """What ``agreement`` (at ``version``) lets its partner see at ``now``."""
    start, end = share_window(agreement, now)
    return Picture(publisher=agreement.publisher, partner=agreement.partner, version=version, res=agreement.res,
                   k=agreement.k, delay_s=agreement.delay_s, window_start_ms=int(start.timestamp() * 1000),
                   window_end_ms=int(end.timestamp() * 1000), cells=_cells(db, agreement, start, end),
                   levels=_levels(db, agreement))
