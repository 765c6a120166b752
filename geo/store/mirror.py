"""An in-memory, columnar mirror of the store's events, refreshed incrementally by a watermark.

The dashboard asks the mirror for its :class:`geo.grid.index.EventIndex` on every rerun; the
mirror reads only rows past its watermark (``seq``), and everything again only when the store's
data epoch changed (rows were deleted). A filter change never touches the store.
"""

from __future__ import annotations

import threading

import pandas as pd

from geo.grid import EventIndex
from geo.store.core import Store
from geo.store.events import read_events, watermark


class StoreMirror:
    """Thread-safe: sessions of one server share a mirror."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._epoch = -1
        self._seq = 0
        self._events = pd.DataFrame()
        self._index: EventIndex | None = None

    def refresh(self) -> EventIndex:
        """The index of every stored event, after reading what arrived since the last call."""
        with self._lock:
            epoch, max_seq = watermark(self.store)
            if epoch != self._epoch or self._index is None:
                self._events = read_events(self.store)
                self._epoch, self._index = epoch, None
            elif max_seq > self._seq:
                new = read_events(self.store, after_seq=self._seq)
                self._events = pd.concat([self._events, new], ignore_index=True)
                self._index = None
            if self._index is None:
                self._seq = int(self._events["seq"].max()) if len(self._events) else 0
                self._index = EventIndex(self._events)
            return self._index
