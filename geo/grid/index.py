"""A columnar, time-sorted in-memory copy of the events that re-aggregates in milliseconds.

Built once from the events and then extended in O(new rows) (DESIGN.md section 3), it answers
every filter change without touching the source again:

- the time window becomes a contiguous slice by binary search on the sorted timestamps;
- the type filter is a lookup in a 9-entry boolean table;
- each event keeps one dense code of its base cell, and each view resolution 5..9 a small map
  from base-cell code to that resolution's cell code, so the aggregation is one ``np.bincount``.

An index is an immutable snapshot: :meth:`EventIndex.appended` returns a new one that shares the
old one's columns (:mod:`geo.grid.columns`). Rows that arrive in time order extend the sorted
columns in place; late rows (occurred before the newest row held) go to a small sorted tail that
every query combines with the columns, until :meth:`EventIndex.compacted` merges it in.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.errors import EventDataError, EventTypeError, ResolutionError, TimeWindowError, msg
from geo.grid.cells import VIEW_RES_RANGE
from geo.grid.columns import (
    CODE,
    TIME,
    TYPE,
    Arrays,
    Codec,
    ColumnBuffers,
    ns_of_s,
    seconds,
)
from geo.models import EVENT_TYPES, TYPE_CODES
from geo.timewindow import TimeWindow

REQUIRED_COLUMNS = ("occurred_at", "type", "persons", "cell")
DAILY_FROM = timedelta(days=2)
"""Windows longer than this are counted per day in :func:`event_series`, shorter ones per hour."""


@dataclass(frozen=True, slots=True)
class Filters:
    """What the map shows: a time window, a set of event types and an H3 view resolution.

    Frozen and hashable so that it doubles as a cache key.
    """

    window: TimeWindow
    types: tuple[str, ...] = EVENT_TYPES
    res: int = 7

    def __post_init__(self) -> None:
        unknown = sorted(set(self.types) - set(EVENT_TYPES))
        if unknown:
            raise EventTypeError(msg("unknown event type(s) {unknown}; known types are {types}",
                                     unknown=unknown, types=list(EVENT_TYPES)))
        if not VIEW_RES_RANGE[0] <= self.res <= VIEW_RES_RANGE[1]:
            raise ResolutionError(msg("view resolution must be in {low}..{high}; got {res!r}",
                                      low=VIEW_RES_RANGE[0], high=VIEW_RES_RANGE[1], res=self.res))


@dataclass(frozen=True, slots=True)
class Totals:
    """Event, person and high-impact counts of one selection."""

    events: int
    persons: int
    high_impact: int


def _type_lut(types: tuple[str, ...]) -> npt.NDArray[np.bool_] | None:
    """Boolean lookup table by type code, or ``None`` when every type is selected."""
    if set(types) >= set(EVENT_TYPES):
        return None
    lut = np.zeros(len(EVENT_TYPES), dtype=bool)
    lut[[TYPE_CODES[t] for t in types]] = True
    return lut


def _take(arrays: Arrays, rows: slice | npt.NDArray[np.int64]) -> Arrays:
    return {name: values[rows] for name, values in arrays.items()}


class EventIndex:
    """Time-sorted columnar events with a dense cell code per event and per-resolution code maps.

    Parameters
    ----------
    events : pandas.DataFrame
        At least ``occurred_at`` (timezone-aware UTC), ``type`` (a name from
        :data:`geo.models.EVENT_TYPES`), ``persons`` (int >= 0) and ``cell`` (uint64 H3 cell at
        :data:`geo.grid.cells.BASE_RES`); ``impact`` when present. Other columns are kept for the per-cell drill-down.
    """

    def __init__(self, events: pd.DataFrame) -> None:
        missing = [c for c in REQUIRED_COLUMNS if c not in events.columns]
        if missing:
            raise EventDataError(msg("events lack column(s) {missing}; required: {required}",
                                     missing=missing, required=list(REQUIRED_COLUMNS)))
        codec = Codec.for_frame(events)
        arrays = codec.encode(events)
        self._open(codec, ColumnBuffers(arrays), {name: values[:0] for name, values in arrays.items()})

    def _open(self, codec: Codec, buffers: ColumnBuffers, tail: Arrays) -> None:
        self._codec, self._buffers, self._tail = codec, buffers, tail
        self._base = buffers.views(buffers.length)
        self._n_codes = len(codec.base)
        self._to_parent = codec.to_parent.views(self._n_codes)
        self._cells = {res: book.cells.views(len(book))["cell"] for res, book in codec.parents.items()}
        # Where each tail row goes among the base rows: ties go after base rows, which arrived earlier.
        self._tail_at = np.searchsorted(self._base[TIME], tail[TIME], side="right") + np.arange(tail[TIME].size)
        self._flat: Arrays | None = None
        self._frame: pd.DataFrame | None = None
        self._sorted_cells: dict[int, npt.NDArray[np.uint64]] = {}

    @classmethod
    def _snapshot(cls, codec: Codec, buffers: ColumnBuffers, tail: Arrays) -> EventIndex:
        index = cls.__new__(cls)
        index._open(codec, buffers, tail)
        return index

    def appended(self, events: pd.DataFrame) -> EventIndex:
        """This index with ``events`` (arrived after every event held) added: O(new rows), amortised.

        ``self`` stays valid and unchanged. Appending to an index that is not the newest of its
        line (another index was appended from it) rebuilds instead, which is O(all rows).
        """
        if events.empty:
            return self
        if not len(self):  # an empty frame's column types say nothing (a store read of no rows gives objects)
            return EventIndex(events)
        if self._buffers.length != self._base[TIME].size or len(self._codec.base) != self._n_codes:
            return EventIndex(pd.concat([self.events, events[self.events.columns]], ignore_index=True))
        new = self._codec.encode(events)
        newest = self._base[TIME][-1] if self._base[TIME].size else np.iinfo(np.int64).min
        late = int(np.searchsorted(new[TIME], newest, side="left"))
        self._buffers.append(_take(new, slice(late, None)))
        tail = self._tail
        if late:
            merged = {name: np.concatenate([tail[name], new[name][:late]]) for name in tail}
            tail = _take(merged, np.argsort(merged[TIME], kind="stable"))
        return EventIndex._snapshot(self._codec, self._buffers, tail)

    def compacted(self) -> EventIndex:
        """This index with its tail of late rows merged into the sorted columns: O(all rows)."""
        if not self._tail[TIME].size:
            return self
        return EventIndex._snapshot(self._codec, ColumnBuffers(self._flat_arrays()),
                                    {name: values[:0] for name, values in self._tail.items()})

    @property
    def tail_rows(self) -> int:
        """How many late rows wait in the tail for :meth:`compacted`."""
        return int(self._tail[TIME].size)

    def nbytes(self) -> int:
        """Bytes of memory the index holds (spare buffer capacity and cell codebooks included)."""
        books = [self._codec.base, *self._codec.parents.values()]
        # Text kept as Python objects (event ids) counts with its strings, as pandas' deep memory usage does.
        strings = sum(int(pd.Series(values, copy=False).memory_usage(deep=True, index=False)) - values.nbytes
                      for values in self._base.values() if values.dtype == object)
        return (self._buffers.nbytes() + strings + self._codec.to_parent.nbytes()
                + sum(b.nbytes() for b in books) + sum(values.nbytes for values in self._tail.values()))

    def _flat_arrays(self) -> Arrays:
        """Every row, time-sorted, as one array per column (merged once per index when a tail exists)."""
        if not self._tail[TIME].size:
            return self._base
        if self._flat is None:
            from_tail = np.zeros(len(self), bool)
            from_tail[self._tail_at] = True
            flat = {}
            for name, base in self._base.items():
                out = np.empty(len(self), dtype=np.promote_types(base.dtype, self._tail[name].dtype))
                out[from_tail], out[~from_tail] = self._tail[name], base
                flat[name] = out
            self._flat = flat
        return self._flat

    @property
    def events(self) -> pd.DataFrame:
        """Every event as a frame, time-sorted, labelled by position (built once per index, O(all rows))."""
        if self._frame is None:
            self._frame = self._codec.decode(self._flat_arrays(), np.arange(len(self)))
        return self._frame

    @property
    def t_s(self) -> npt.NDArray[np.int64]:
        """When each event (time-sorted) occurred, whole epoch seconds."""
        return seconds(self._flat_arrays()[TIME])

    @property
    def type_code(self) -> npt.NDArray[np.int8]:
        """Each event's type code (:data:`geo.models.TYPE_CODES`)."""
        return self._flat_arrays()[TYPE]

    @property
    def persons(self) -> npt.NDArray[np.int64]:
        """Each event's persons."""
        return self._flat_arrays()["persons"].astype(np.int64, copy=False)

    @property
    def high_impact(self) -> npt.NDArray[np.bool_]:
        """Whether each event's impact is high."""
        flat = self._flat_arrays()
        return self._codec.high(flat, slice(None))

    def __len__(self) -> int:
        return int(self._base[TIME].size + self._tail[TIME].size)

    def time_range(self) -> tuple[datetime, datetime] | None:
        """When the first and the last event occurred (UTC), or ``None`` without events."""
        ends = [t[i] for t in (self._base[TIME], self._tail[TIME]) if t.size for i in (0, -1)]
        if not ends:
            return None
        return tuple(datetime.fromtimestamp(int(seconds(np.int64(t))), timezone.utc)  # type: ignore[return-value]
                     for t in (min(ends), max(ends)))

    def _parts(self, window: TimeWindow) -> list[tuple[Arrays, slice, bool]]:
        """The base rows and the tail rows in ``window``: ``(arrays, rows, is_tail)``."""
        bounds = [ns_of_s(s) for s in window.epoch_s()]
        parts = []
        for arrays, is_tail in ((self._base, False), (self._tail, True)):
            lo, hi = np.searchsorted(arrays[TIME], bounds, side="left")
            if hi > lo or not is_tail:
                parts.append((arrays, slice(int(lo), int(hi)), is_tail))
        return parts

    def window_slice(self, window: TimeWindow) -> slice:
        """The rows (time-sorted) of the events that occurred in ``window``: one binary search each end."""
        bounds = [ns_of_s(s) for s in window.epoch_s()]
        lo, hi = np.searchsorted(self._base[TIME], bounds, side="left") + np.searchsorted(self._tail[TIME], bounds,
                                                                                         side="left")
        return slice(int(lo), int(hi))

    def _selected(self, window: TimeWindow, types: tuple[str, ...]
                  ) -> list[tuple[Arrays, npt.NDArray[np.int64] | slice, bool]]:
        lut = _type_lut(types)
        out = []
        for arrays, rows, is_tail in self._parts(window):
            out.append((arrays, rows if lut is None else np.flatnonzero(lut[arrays[TYPE][rows]]) + rows.start, is_tail))
        return out

    def _sorted_result(self, res: int, present: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.uint64], np.ndarray]:
        """Cells of the codes ``present`` at ``res``, sorted, and the order that sorts them."""
        cells = self._cells[res][present]
        order = np.argsort(cells)
        return cells[order], order

    def aggregate(self, filters: Filters) -> pd.DataFrame:
        """Events and persons per H3 cell at ``filters.res``.

        Returns
        -------
        pandas.DataFrame
            Columns ``cell`` (uint64), ``events`` and ``persons`` (int64); only cells with at
            least one event, sorted by cell id.
        """
        n_cells = self._cells[filters.res].size
        counts, person_sums = np.zeros(n_cells, np.int64), np.zeros(n_cells)
        to_parent = self._to_parent[str(filters.res)]
        for arrays, rows, _ in self._selected(filters.window, filters.types):
            codes = to_parent[arrays[CODE][rows]]
            counts += np.bincount(codes, minlength=n_cells)
            person_sums += np.bincount(codes, weights=arrays["persons"][rows], minlength=n_cells)
        present = np.flatnonzero(counts)
        cells, order = self._sorted_result(filters.res, present)
        return pd.DataFrame({"cell": cells, "events": counts[present][order].astype(np.int64),
                             "persons": np.rint(person_sums[present][order]).astype(np.int64)})

    def totals(self, window: TimeWindow, types: tuple[str, ...] = EVENT_TYPES) -> Totals:
        """Number of events, sum of persons and number of high-impact events in ``window`` for ``types``."""
        events = persons = high = 0
        for arrays, rows, _ in self._selected(window, types):
            part = arrays["persons"][rows]
            events, persons = events + part.size, persons + int(part.sum())
            high += int(self._codec.high(arrays, rows).sum())
        return Totals(events=events, persons=persons, high_impact=high)

    def cube(self, filters: Filters, *, step: timedelta) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
        """A space-time cube of event counts: cells at ``filters.res`` × whole time steps ending at the window's end.

        The window is cut into ``floor(duration / step)`` steps counted back from its end (a
        leftover part-step at its start is left out, so every step is equally long).

        Returns
        -------
        cells : numpy.ndarray of uint64
            The cells with at least one event in the cube, sorted.
        counts : numpy.ndarray of int64, shape (cells, steps)
            Events per cell and step, oldest step first.
        """
        step_s = int(step.total_seconds())
        lo_s, hi_s = filters.window.epoch_s()
        n_steps = (hi_s - lo_s) // step_s if step_s > 0 else 0
        if n_steps < 1:
            raise TimeWindowError(msg("the window {window} holds no whole step of {step}",
                                      window=filters.window, step=step))
        start_s = hi_s - n_steps * step_s
        window = TimeWindow(datetime.fromtimestamp(start_s, timezone.utc), filters.window.end)
        to_parent = self._to_parent[str(filters.res)]
        parts = self._selected(window, filters.types)
        codes = np.concatenate([to_parent[arrays[CODE][rows]] for arrays, rows, _ in parts])
        steps = np.concatenate([(seconds(arrays[TIME][rows]) - start_s) // step_s for arrays, rows, _ in parts])
        present, dense = np.unique(codes, return_inverse=True)
        counts = np.bincount(dense * n_steps + steps, minlength=present.size * n_steps).reshape(present.size, n_steps)
        cells, order = self._sorted_result(filters.res, present)
        return cells, counts[order].astype(np.int64)

    def cells_at(self, res: int) -> npt.NDArray[np.uint64]:
        """Every cell at view resolution ``res`` that has had an event, sorted."""
        if res not in self._sorted_cells:
            self._sorted_cells[res] = np.sort(self._cells[res])
        return self._sorted_cells[res]

    def _rows_frame(self, parts: list[tuple[Arrays, npt.NDArray[np.int64] | slice, bool]], *, newest_first: bool,
                    limit: int | None = None, columns: Collection[str] | None = None) -> pd.DataFrame:
        """The chosen rows of the base and the tail as one frame in time order, labelled by position (only
        ``columns`` decoded when given)."""
        taken, positions = [], []
        for arrays, rows, is_tail in parts:
            at = np.arange(arrays[TIME].size)[rows]
            # A base row's position counts the tail rows placed before it; a tail row's is precomputed.
            positions.append(self._tail_at[at] if is_tail else
                             at + np.searchsorted(self._tail_at - np.arange(self._tail_at.size), at, side="right"))
            taken.append(_take(arrays, rows))
        merged = {name: np.concatenate([t[name] for t in taken]) for name in taken[0]}
        flat = np.concatenate(positions)
        order = np.argsort(flat)[::-1] if newest_first else np.argsort(flat)
        if limit is not None:
            order = order[:limit] if newest_first else order[-limit:] if limit else order[:0]
        return self._codec.decode(_take(merged, order), flat[order], columns=columns)

    def recent(self, start: datetime, end: datetime, *, types: tuple[str, ...] = EVENT_TYPES,
               columns: Collection[str] | None = None) -> pd.DataFrame:
        """The events of ``types`` that occurred in ``[start, end)``, oldest first (only those rows are decoded);
        only ``columns`` of the event frame when given (decoding text columns is most of the cost)."""
        return self._rows_frame(self._selected(TimeWindow(start, end), types), newest_first=False, columns=columns)

    def latest(self, n: int) -> pd.DataFrame:
        """The ``n`` events that occurred last, oldest first (the newest rows of :attr:`events`)."""
        parts = [(arrays, slice(max(arrays[TIME].size - n, 0), None), is_tail)
                 for arrays, is_tail in ((self._base, False), (self._tail, True))]
        return self._rows_frame(parts, newest_first=False, limit=n)

    def cell_events(self, cell: int, filters: Filters) -> pd.DataFrame:
        """The events inside one view cell (at ``filters.res``) that pass ``filters``, newest first."""
        match = np.flatnonzero(self._cells[filters.res] == np.uint64(cell))
        to_parent = self._to_parent[str(filters.res)]
        parts = []
        for arrays, rows, is_tail in self._selected(filters.window, filters.types):
            at = np.arange(arrays[TIME].size)[rows]
            parts.append((arrays, at[to_parent[arrays[CODE][at]] == (match[0] if match.size else -1)], is_tail))
        return self._rows_frame(parts, newest_first=True)


def event_series(occurred_at: pd.Series, window: TimeWindow) -> pd.DataFrame:
    """Counts of ``occurred_at`` (UTC datetimes) per hour for windows up to two days, else per day.

    Every bin that overlaps ``window`` is present, zeros included, and none beyond it.
    """
    freq = "h" if window.duration <= DAILY_FROM else "D"
    start = pd.Timestamp(window.start).floor(freq)
    end = pd.Timestamp(window.end)
    bins = pd.date_range(start, end, freq=freq, inclusive="left")
    counts = occurred_at.dt.floor(freq).value_counts().reindex(bins, fill_value=0)
    return counts.rename("events").rename_axis("time").to_frame()
