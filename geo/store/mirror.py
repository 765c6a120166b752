"""An in-memory, columnar mirror of the store's events, extended by a watermark in O(new rows).

The dashboard asks the mirror for its :class:`geo.grid.index.EventIndex` on every rerun; the
mirror reads only rows past its watermark (``seq``) and appends them to the index, and reads
everything again only when the store's data epoch changed (rows were deleted). A filter change
never touches the store. It keeps :data:`geo.store.events.MIRROR_COLUMNS` only: the event ids of
the few rows a view lists are read by ``seq`` (:func:`geo.store.events.event_ids`).
"""

from __future__ import annotations

import threading
from typing import Final

from geo.grid import EventIndex
from geo.store.core import Store
from geo.store.events import MIRROR_COLUMNS, read_events, watermark

COMPACT_AFTER_ROWS: Final[int] = 50_000
"""Late rows (occurred before the newest held) the index keeps in its tail before it merges them in."""


class StoreMirror:
    """Thread-safe: sessions of one server share a mirror.

    One session at a time reads the store for everyone; the others meanwhile get the last index at
    once instead of queueing behind that read (they see the new rows on their next rerun).
    """

    def __init__(self, store: Store, *, compact_after_rows: int = COMPACT_AFTER_ROWS) -> None:
        self.store = store
        self.compact_after_rows = compact_after_rows
        self._lock = threading.Lock()
        self._epoch = -1
        self._seq = 0
        self._index: EventIndex | None = None

    def refresh(self) -> EventIndex:
        """The index of every stored event, after reading what arrived since the last call."""
        current = self._index
        if current is not None and not self._lock.acquire(blocking=False):
            return current
        if current is None:
            self._lock.acquire()
        try:
            return self._refresh_locked()
        finally:
            self._lock.release()

    def _refresh_locked(self) -> EventIndex:
        epoch, max_seq = watermark(self.store)
        if epoch != self._epoch or self._index is None:
            events = read_events(self.store, columns=MIRROR_COLUMNS)
            self._index, self._epoch = EventIndex(events), epoch
            self._seq = int(events["seq"].max()) if len(events) else 0
        elif max_seq > self._seq:
            new = read_events(self.store, after_seq=self._seq, columns=MIRROR_COLUMNS)
            if len(new):
                self._index = self._index.appended(new)
                self._seq = int(new["seq"].max())
            if self._index.tail_rows > self.compact_after_rows:
                threading.Thread(target=self._compact, name="limes-mirror-compact", daemon=True).start()
        return self._index

    def _compact(self) -> None:
        """Merge the index's late rows into its sorted columns, off every session's thread."""
        with self._lock:
            if self._index is not None:
                self._index = self._index.compacted()
