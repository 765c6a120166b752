"""A columnar, time-sorted in-memory copy of the events that re-aggregates in milliseconds.

Built once from the events (DESIGN.md section 3), it answers every filter change without
touching the source again:

- the time window becomes a contiguous slice by binary search on the sorted timestamps;
- the type filter is a lookup in a 9-entry boolean table;
- each view resolution 5..9 has a precomputed dense code per event (an index into that
  resolution's sorted unique cells), so the aggregation is one ``np.bincount``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.errors import EventDataError, EventTypeError, ResolutionError, TimeWindowError
from geo.grid.cells import BASE_RES, VIEW_RES_RANGE, cell_resolutions, parent_cells
from geo.models import EVENT_TYPES, HIGH_IMPACT, TYPE_CODES
from geo.timewindow import TimeWindow

REQUIRED_COLUMNS = ("occurred_at", "type", "persons", "cell")


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
            raise EventTypeError(f"unknown event type(s) {unknown}; known types are {list(EVENT_TYPES)}")
        if not VIEW_RES_RANGE[0] <= self.res <= VIEW_RES_RANGE[1]:
            raise ResolutionError(f"view resolution must be in {VIEW_RES_RANGE[0]}..{VIEW_RES_RANGE[1]}; got {self.res!r}")


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


class EventIndex:
    """Time-sorted columnar events with per-resolution dense cell codes.

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
            raise EventDataError(f"events lack column(s) {missing}; required: {list(REQUIRED_COLUMNS)}")
        unknown = sorted(set(events["type"].unique()) - set(EVENT_TYPES))
        if unknown:
            raise EventTypeError(f"unknown event type(s) {unknown}; known types are {list(EVENT_TYPES)}")
        order = np.argsort(events["occurred_at"].to_numpy(dtype="datetime64[s]").astype(np.int64), kind="stable")
        self.events: pd.DataFrame = events.iloc[order].reset_index(drop=True)
        self.t_s: npt.NDArray[np.int64] = self.events["occurred_at"].to_numpy(dtype="datetime64[s]").astype(np.int64)
        self.type_code: npt.NDArray[np.int8] = (
            self.events["type"].map(TYPE_CODES).to_numpy(dtype=np.int8)
        )
        self.persons: npt.NDArray[np.int64] = self.events["persons"].to_numpy(dtype=np.int64)
        self.high_impact: npt.NDArray[np.bool_] = (
            self.events["impact"].isin(HIGH_IMPACT).to_numpy() if "impact" in self.events else np.zeros(len(self.events), bool)
        )
        cells = self.events["cell"].to_numpy(dtype=np.uint64)
        if cells.size and (cell_resolutions(cells) != BASE_RES).any():
            raise EventDataError(f"event cells must be at the base resolution {BASE_RES}")
        base_unique, base_code = np.unique(cells, return_inverse=True)
        self._cells: dict[int, npt.NDArray[np.uint64]] = {}
        self._codes: dict[int, npt.NDArray[np.int32]] = {}
        for res in range(VIEW_RES_RANGE[0], VIEW_RES_RANGE[1] + 1):
            # Parents of the few unique base cells, then a gather: one sort of the big column in all.
            unique_r, code_of_base = np.unique(parent_cells(base_unique, res), return_inverse=True)
            self._cells[res] = unique_r
            self._codes[res] = code_of_base.astype(np.int32)[base_code]

    def __len__(self) -> int:
        return int(self.t_s.size)

    def time_range(self) -> tuple[datetime, datetime] | None:
        """When the first and the last event occurred (UTC), or ``None`` without events."""
        if self.t_s.size == 0:
            return None
        return (datetime.fromtimestamp(int(self.t_s[0]), timezone.utc),
                datetime.fromtimestamp(int(self.t_s[-1]), timezone.utc))

    def window_slice(self, window: TimeWindow) -> slice:
        """The rows (time-sorted) of the events that occurred in ``window``: one binary search each end."""
        lo, hi = np.searchsorted(self.t_s, window.epoch_s(), side="left")
        return slice(int(lo), int(hi))

    def _select(self, window: TimeWindow, types: tuple[str, ...]) -> tuple[slice, npt.NDArray[np.bool_] | None]:
        rows = self.window_slice(window)
        lut = _type_lut(types)
        return rows, None if lut is None else lut[self.type_code[rows]]

    def aggregate(self, filters: Filters) -> pd.DataFrame:
        """Events and persons per H3 cell at ``filters.res``.

        Returns
        -------
        pandas.DataFrame
            Columns ``cell`` (uint64), ``events`` and ``persons`` (int64); only cells with at
            least one event, sorted by cell id.
        """
        window_slice, mask = self._select(filters.window, filters.types)
        codes = self._codes[filters.res][window_slice]
        persons = self.persons[window_slice]
        if mask is not None:
            codes, persons = codes[mask], persons[mask]
        n_cells = self._cells[filters.res].size
        counts = np.bincount(codes, minlength=n_cells)
        person_sums = np.bincount(codes, weights=persons, minlength=n_cells)
        present = np.flatnonzero(counts)
        return pd.DataFrame(
            {
                "cell": self._cells[filters.res][present],
                "events": counts[present].astype(np.int64),
                "persons": np.rint(person_sums[present]).astype(np.int64),
            }
        )

    def totals(self, window: TimeWindow, types: tuple[str, ...] = EVENT_TYPES) -> Totals:
        """Number of events, sum of persons and number of high-impact events in ``window`` for ``types``."""
        window_slice, mask = self._select(window, types)
        persons, high = self.persons[window_slice], self.high_impact[window_slice]
        if mask is not None:
            persons, high = persons[mask], high[mask]
        return Totals(events=int(persons.size), persons=int(persons.sum()), high_impact=int(high.sum()))

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
        n_steps = (hi_s - lo_s) // step_s
        if step_s <= 0 or n_steps < 1:
            raise TimeWindowError(f"the window {filters.window} holds no whole step of {step}")
        start_s = hi_s - n_steps * step_s
        window_slice, mask = self._select(TimeWindow(datetime.fromtimestamp(start_s, timezone.utc),
                                                     filters.window.end), filters.types)
        codes = self._codes[filters.res][window_slice]
        steps = (self.t_s[window_slice] - start_s) // step_s
        if mask is not None:
            codes, steps = codes[mask], steps[mask]
        present, dense = np.unique(codes, return_inverse=True)
        counts = np.bincount(dense * n_steps + steps, minlength=present.size * n_steps)
        return self._cells[filters.res][present], counts.reshape(present.size, n_steps).astype(np.int64)

    def cells_at(self, res: int) -> npt.NDArray[np.uint64]:
        """Every cell at view resolution ``res`` that has had an event, sorted."""
        return self._cells[res]

    def recent(self, start: datetime, end: datetime) -> pd.DataFrame:
        """The events that occurred in ``[start, end)``, oldest first."""
        return self.events.iloc[self.window_slice(TimeWindow(start, end))]

    def cell_events(self, cell: int, filters: Filters) -> pd.DataFrame:
        """The events inside one view cell (at ``filters.res``) that pass ``filters``, newest first."""
        cells_r = self._cells[filters.res]
        code = int(np.searchsorted(cells_r, np.uint64(cell)))
        if code >= cells_r.size or int(cells_r[code]) != int(cell):
            return self.events.iloc[0:0]
        window_slice, mask = self._select(filters.window, filters.types)
        hit = self._codes[filters.res][window_slice] == code
        if mask is not None:
            hit &= mask
        rows = np.flatnonzero(hit) + window_slice.start
        return self.events.iloc[rows[::-1]]


def event_series(occurred_at: pd.Series, window: TimeWindow) -> pd.DataFrame:
    """Counts of ``occurred_at`` (UTC datetimes) per hour for windows up to two days, else per day.

    Every bin that overlaps ``window`` is present, zeros included, and none beyond it.
    """
    freq = "h" if window.duration <= pd.Timedelta(days=2) else "D"
    start = pd.Timestamp(window.start).floor(freq)
    end = pd.Timestamp(window.end)
    bins = pd.date_range(start, end, freq=freq, inclusive="left")
    counts = occurred_at.dt.floor(freq).value_counts().reindex(bins, fill_value=0)
    return counts.rename("events").rename_axis("time").to_frame()
