"""History older than the mirror's hot window, aggregated by the store itself in SQL.

The mirror keeps the last ``hot_window_days`` of events in memory (DESIGN.md section 3); a window
that reaches further back is answered in two parts cut at the mirror's ``hot_from_s``: the store
aggregates the part before it (H3 parents by the bit-operation formula, in SQLite and PostgreSQL
alike), the index the part after it, and the two are summed per cell. A window inside the hot part
never touches the store.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Final

import numpy as np
import pandas as pd

from geo.grid import EventIndex, Filters, Totals
from geo.models import EVENT_TYPES, HIGH_IMPACT
from geo.store.core import Db
from geo.timewindow import TimeWindow

_KEEP: Final[int] = ~(0xF << 52)
"""Everything of an H3 cell but its 4-bit resolution field (a negative BIGINT: the mode bits stay)."""


def parent_bits(res: int) -> tuple[int, int]:
    """``(keep, set)`` such that ``(cell & keep) | set`` is the parent at ``res`` of a finer cell.

    The formula of :func:`geo.grid.parent_cells`: clear the resolution field, write ``res`` into
    it, and set every digit finer than ``res`` to 7 (unused).
    """
    return _KEEP, (res << 52) | ((1 << 3 * (15 - res)) - 1)


def _where(start_s: int, end_s: int, types: tuple[str, ...]) -> tuple[str, tuple[object, ...]]:
    """The SQL condition and its parameters for events in ``[start_s, end_s)`` of ``types``."""
    condition = "occurred_at_ms >= ? AND occurred_at_ms < ?"
    params: tuple[object, ...] = (start_s * 1000, end_s * 1000)
    if set(types) < set(EVENT_TYPES):
        condition += f" AND type IN ({', '.join('?' * len(types))})" if types else " AND 1 = 0"
        params += tuple(types)
    return condition, params


def store_aggregate(db: Db, *, start_s: int, end_s: int, types: tuple[str, ...], res: int) -> pd.DataFrame:
    """Events and persons per parent cell at ``res`` of the stored events in ``[start_s, end_s)``, by SQL.

    Returns the frame of :meth:`geo.grid.EventIndex.aggregate`: ``cell`` (uint64), ``events``,
    ``persons`` (int64), sorted by cell.
    """
    keep, bits = parent_bits(res)
    condition, params = _where(start_s, end_s, types)
    with db.transaction(write=False) as tx:
        rows = tx.fetch(f"SELECT (cell & ?) | ? AS parent, COUNT(*), COALESCE(SUM(persons), 0) FROM events "
                        f"WHERE {condition} GROUP BY 1", (keep, bits, *params))
    table = np.asarray(rows, dtype=np.int64).reshape(-1, 3)
    order = np.argsort(table[:, 0].astype(np.uint64))
    return pd.DataFrame({"cell": table[order, 0].astype(np.uint64), "events": table[order, 1],
                         "persons": table[order, 2]})


def store_totals(db: Db, *, start_s: int, end_s: int, types: tuple[str, ...]) -> Totals:
    """Events, persons and high-impact events stored in ``[start_s, end_s)`` of ``types``, by SQL."""
    condition, params = _where(start_s, end_s, types)
    marks = ", ".join("?" * len(HIGH_IMPACT))
    with db.transaction(write=False) as tx:
        events, persons, high = tx.fetch(
            f"SELECT COUNT(*), COALESCE(SUM(persons), 0), COALESCE(SUM(CASE WHEN impact IN ({marks}) THEN 1 ELSE 0 "
            f"END), 0) FROM events WHERE {condition}", (*HIGH_IMPACT, *params))[0]
    return Totals(events=int(events), persons=int(persons), high_impact=int(high))


def _split(window: TimeWindow, hot_from_s: int | None) -> tuple[tuple[int, int] | None, TimeWindow | None]:
    """The part of ``window`` before ``hot_from_s`` (epoch s, for the store) and the part from it (for the index)."""
    lo, hi = window.epoch_s()
    if hot_from_s is None or lo >= hot_from_s:
        return None, window
    if hi <= hot_from_s:
        return (lo, hi), None
    return (lo, hot_from_s), TimeWindow(datetime.fromtimestamp(hot_from_s, timezone.utc), window.end)


def aggregate(db: Db, index: EventIndex, filters: Filters, *, hot_from_s: int | None) -> pd.DataFrame:
    """:meth:`geo.grid.EventIndex.aggregate` over every stored event, the index holding those from ``hot_from_s``."""
    cold, hot = _split(filters.window, hot_from_s)
    if cold is None:
        return index.aggregate(filters)
    old = store_aggregate(db, start_s=cold[0], end_s=cold[1], types=filters.types, res=filters.res)
    if hot is None:
        return old
    both = pd.concat([old, index.aggregate(replace(filters, window=hot))], ignore_index=True)
    return both.groupby("cell", sort=True, as_index=False)[["events", "persons"]].sum()


def totals(db: Db, index: EventIndex, window: TimeWindow, types: tuple[str, ...] = EVENT_TYPES, *,
           hot_from_s: int | None) -> Totals:
    """:meth:`geo.grid.EventIndex.totals` over every stored event, the index holding those from ``hot_from_s``."""
    cold, hot = _split(window, hot_from_s)
    parts = [] if cold is None else [store_totals(db, start_s=cold[0], end_s=cold[1], types=types)]
    parts += [] if hot is None else [index.totals(hot, types)]
    return Totals(*(sum(getattr(p, f) for p in parts) for f in ("events", "persons", "high_impact")))
