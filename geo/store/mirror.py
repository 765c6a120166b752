"""An in-memory, columnar mirror of the store's recent events, extended by a watermark in O(new rows).

The dashboard asks the mirror for its :class:`geo.grid.index.EventIndex` on every rerun; the
mirror reads only rows past its watermark (``seq``) and appends them to the index, and reads
everything again only when the store's data epoch changed (rows were deleted). A filter change
never touches the store. It keeps :data:`geo.store.events.MIRROR_COLUMNS` only: the event ids of
the few rows a view lists are read by ``seq`` (:func:`geo.store.events.event_ids`).

With a hot window, the index holds the events that occurred from :attr:`StoreMirror.hot_from_s`
on; :mod:`geo.store.history` answers windows reaching further back with the store's help.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Final

import pandas as pd

from geo.grid import EventIndex
from geo.settings import utc_now
from geo.store.core import Store
from geo.store.events import MIRROR_COLUMNS, event_span_ms, read_events, watermark

COMPACT_AFTER_ROWS: Final[int] = 50_000
"""Late rows (occurred before the newest held) the index keeps in its tail before it merges them in."""
PUSHED_CHECK_S: Final[float] = 30.0
"""With a store that pushes (PostgreSQL), how often the watermark is checked without a wake-up: a lost
notification costs at most this, and the hot window still moves on."""
RECUT_SHARE: Final[float] = 0.1
"""The index is reloaded with a new hot window start when the window has moved on by this share of its length."""


class StoreMirror:
    """Thread-safe: sessions of one server share a mirror.

    One session at a time reads the store for everyone; the others meanwhile get the last index at
    once instead of queueing behind that read (they see the new rows on their next rerun).

    Parameters
    ----------
    store : Store
        The event store.
    hot_window_days : float
        Days of events (counted back from ``clock()``) kept in memory; 0 keeps every event.
    clock : Callable[[], datetime]
        The current time, timezone-aware UTC.
    compact_after_rows : int
        Late rows the index's tail holds before they are merged in (in the background).
    check_every_s : float
        0: every :meth:`refresh` checks the store's watermark. Else at most one check per this many
        seconds, shared by every session of the server; with a store that pushes (PostgreSQL
        ``LISTEN/NOTIFY``) a check only after a writer's wake-up, or :data:`PUSHED_CHECK_S` without one.
    ticker : Callable[[], float]
        Monotonic seconds, for ``check_every_s``.
    keep_all_below : int
        A store with fewer events than this (by its sequence number) is held whole whatever the hot
        window: years of an agency's history often fit in a few MB, and every view then reaches them.
    """

    def __init__(self, store: Store, *, hot_window_days: float = 0.0, clock: Callable[[], datetime] = utc_now,
                 compact_after_rows: int = COMPACT_AFTER_ROWS, check_every_s: float = 0.0,
                 ticker: Callable[[], float] = time.monotonic, keep_all_below: int = 0) -> None:
        self.store = store
        self.keep_all_below = keep_all_below
        self.hot_window_s = int(hot_window_days * 86400)
        self.clock = clock
        self.compact_after_rows = compact_after_rows
        self.check_every_s = check_every_s
        self.ticker = ticker
        self.checks = 0
        """Watermark checks made so far (each one query to the store)."""
        self._woken = store.listen_events() if check_every_s > 0 else None
        self._checked_at = -float("inf")
        self.span_ms: tuple[int, int] | None = None
        self.hot_from_s: int | None = None
        """Epoch second from which the index holds every stored event; ``None``: it holds them all."""
        self._lock = threading.Lock()
        self._epoch = -1
        self._seq = 0
        self._index: EventIndex | None = None

    def refresh(self) -> EventIndex:
        """The index of every stored event (of the hot window), after reading what arrived since the last call.

        Read :attr:`hot_from_s` after this call: it never lies before the start of what the index holds.
        """
        current = self._index
        if current is not None and (not self._check_due() or not self._lock.acquire(blocking=False)):
            return current
        if current is None:
            self._lock.acquire()
        try:
            return self._refresh_locked()
        finally:
            self._lock.release()

    def _check_due(self) -> bool:
        """Whether this refresh should ask the store for its watermark (see ``check_every_s``)."""
        if not self.check_every_s:
            return True
        waited = self.ticker() - self._checked_at
        if self._woken is not None:
            return self._woken.is_set() or waited >= PUSHED_CHECK_S
        return waited >= self.check_every_s

    def time_range(self) -> tuple[datetime, datetime] | None:
        """When the first and the last stored event occurred, the history the index leaves out included
        (as of the last watermark check); ``None`` without a hot window (ask the index) or without events."""
        if self.span_ms is None:
            return None
        return (datetime.fromtimestamp(self.span_ms[0] / 1000, timezone.utc),
                datetime.fromtimestamp(self.span_ms[1] / 1000, timezone.utc))

    def _due_from_s(self, max_seq: int) -> int | None:
        """Where the hot window should start now, if it should move; ``None`` for no window.

        The window ends now, or at the newest stored event if that is older: a store of old
        history keeps its last days in memory rather than nothing. ``max_seq`` is the store's
        watermark sequence number, the measure of its size for :attr:`keep_all_below`.
        """
        if not self.hot_window_s or max_seq < self.keep_all_below:
            self.span_ms = None
            return None
        self.span_ms = event_span_ms(self.store)
        newest_s = self.span_ms[1] // 1000 + 1 if self.span_ms else 0
        due = min(int(self.clock().timestamp()), newest_s) - self.hot_window_s
        moved = self.hot_from_s is None or due - self.hot_from_s > self.hot_window_s * RECUT_SHARE
        return due if moved else self.hot_from_s

    def _refresh_locked(self) -> EventIndex:
        if self._index is not None and not self._check_due():  # another session checked while this one waited
            return self._index
        self._checked_at, self.checks = self.ticker(), self.checks + 1
        if self._woken is not None:
            self._woken.clear()  # before the read: a wake-up during it is for rows it may miss
        epoch, max_seq = watermark(self.store)
        hot_from_s = self._due_from_s(max_seq)
        since_ms = None if hot_from_s is None else hot_from_s * 1000
        if epoch != self._epoch or self._index is None or hot_from_s != self.hot_from_s:
            # Published before the index: a session holding the old index then asks the store for a little more.
            self.hot_from_s = hot_from_s
            events = read_events(self.store, since_ms=since_ms, columns=MIRROR_COLUMNS)
            self._index, self._epoch, self._seq = EventIndex(events), epoch, _newest(max_seq, events["seq"])
        elif max_seq > self._seq:
            new = read_events(self.store, after_seq=self._seq, since_ms=since_ms, columns=MIRROR_COLUMNS)
            self._index, self._seq = self._index.appended(new), _newest(max_seq, new["seq"])
            if self._index.tail_rows > self.compact_after_rows:
                threading.Thread(target=self._compact, name="limes-mirror-compact", daemon=True).start()
        return self._index

    def _compact(self) -> None:
        """Merge the index's late rows into its sorted columns, off every session's thread."""
        with self._lock:
            if self._index is not None:
                self._index = self._index.compacted()


def _newest(watermark_seq: int, read: pd.Series) -> int:
    """The watermark after a read: rows committed between the watermark query and the read were read too."""
    return max(watermark_seq, int(read.max()) if len(read) else 0)
