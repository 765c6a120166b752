"""Append-only storage behind the event index: growing column buffers, cell codebooks and the frame codec.

A snapshot of the index (:class:`geo.grid.index.EventIndex`) sees a prefix of every buffer here;
appending writes only past the end of every snapshot, so readers of older snapshots never see a
write, and nothing is copied except when a buffer grows (geometrically, so O(1) per row amortised).
Strings become small integer codes and cells dense ``int32`` codes (DESIGN.md section 3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.errors import EventDataError, EventTypeError
from geo.grid.cells import BASE_RES, VIEW_RES_RANGE, cell_resolutions, parent_cells
from geo.models import EVENT_TYPES, HIGH_IMPACT, TYPE_CODES

GROWTH: Final[float] = 1.25
"""How much a full buffer grows: small enough that at most a fifth of a buffer is spare capacity."""
RECENT_CODES: Final[int] = 4096
"""New cells kept in a small sorted side table before they are merged into the big sorted one."""
CATEGORICAL: Final[frozenset[str]] = frozenset({"source", "impact", "status"})
"""Text columns with few distinct values, kept as ``int16`` codes into a vocabulary."""
TIME: Final[str] = "_t"
CODE: Final[str] = "_code"
TYPE: Final[str] = "_type"
HIGH: Final[str] = "_high"
_NS_PER_S: Final[int] = 1_000_000_000

Arrays = dict[str, np.ndarray]


class ColumnBuffers:
    """Named 1-D arrays of one length that grow in place; ``views(n)`` is what a snapshot keeps."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.length = len(next(iter(arrays.values()))) if arrays else 0
        self._buffers = {name: np.array(a, copy=True) for name, a in arrays.items()}

    def views(self, n: int) -> Arrays:
        """The first ``n`` rows of every column, without copying."""
        return {name: buffer[:n] for name, buffer in self._buffers.items()}

    def append(self, arrays: Mapping[str, np.ndarray]) -> None:
        """Write ``arrays`` after the last row; a full buffer is reallocated ``GROWTH`` times larger."""
        k = len(next(iter(arrays.values()))) if arrays else 0
        end = self.length + k
        for name, buffer in self._buffers.items():
            if end > buffer.size:
                grown = np.empty(max(int(buffer.size * GROWTH), end, 1024), dtype=buffer.dtype)
                grown[: self.length] = buffer[: self.length]
                self._buffers[name] = buffer = grown
            buffer[self.length:end] = arrays[name]
        self.length = end

    def nbytes(self) -> int:
        """Bytes allocated, spare capacity included."""
        return sum(buffer.nbytes for buffer in self._buffers.values())


def _lookup(sorted_cells: np.ndarray, sorted_codes: np.ndarray, cells: np.ndarray) -> npt.NDArray[np.int32]:
    """Codes of ``cells`` in one sorted table, -1 where absent."""
    pos = np.minimum(np.searchsorted(sorted_cells, cells), max(sorted_cells.size - 1, 0))
    found = (sorted_cells[pos] == cells) if sorted_cells.size else np.zeros(cells.size, bool)
    return np.where(found, sorted_codes[pos] if sorted_cells.size else -1, -1).astype(np.int32)


class CellCodes:
    """Dense ``int32`` codes of uint64 cells in the order they first appeared; append-only.

    Lookups search a big sorted table and a small one of recent cells; the small one is merged
    into the big one when it outgrows ``RECENT_CODES`` (or an eighth of the big one).
    """

    def __init__(self) -> None:
        self.cells = ColumnBuffers({"cell": np.empty(0, np.uint64)})
        self._sorted = (np.empty(0, np.uint64), np.empty(0, np.int32))
        self._recent = (np.empty(0, np.uint64), np.empty(0, np.int32))

    def __len__(self) -> int:
        return self.cells.length

    def encode(self, cells: npt.NDArray[np.uint64]) -> npt.NDArray[np.int32]:
        """The code of each cell, giving unseen cells the next free codes."""
        unique, inverse = np.unique(cells, return_inverse=True)
        codes = _lookup(*self._sorted, unique)
        missing = codes < 0
        codes[missing] = _lookup(*self._recent, unique[missing])
        new = codes < 0
        if new.any():
            fresh = unique[new]
            start = self.cells.length
            codes[new] = np.arange(start, start + fresh.size, dtype=np.int32)
            self.cells.append({"cell": fresh})
            recent_cells = np.concatenate([self._recent[0], fresh])
            recent_codes = np.concatenate([self._recent[1], codes[new]])
            if recent_cells.size > max(RECENT_CODES, self._sorted[0].size // 8):
                recent_cells = np.concatenate([self._sorted[0], recent_cells])
                recent_codes = np.concatenate([self._sorted[1], recent_codes])
                order = np.argsort(recent_cells)
                self._sorted = (recent_cells[order], recent_codes[order])
                self._recent = (np.empty(0, np.uint64), np.empty(0, np.int32))
            else:
                order = np.argsort(recent_cells)
                self._recent = (recent_cells[order], recent_codes[order])
        return codes[inverse].astype(np.int32, copy=False)


@dataclass(frozen=True, slots=True)
class Column:
    """How one column of the event frame is kept: ``kind`` is ``time``, ``cell``, ``type``, ``cat`` or ``raw``."""

    name: str
    kind: str
    dtype: object


def _kind(name: str, series: pd.Series) -> str:
    if name in ("occurred_at", "cell", "type"):
        return {"occurred_at": "time", "cell": "cell", "type": "type"}[name]
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return "time"
    text = series.dtype == object or pd.api.types.is_string_dtype(series.dtype)
    return "cat" if name in CATEGORICAL and text else "raw"


@dataclass
class Codec:
    """Turns event frames into storage arrays and back; owns the append-only codebooks.

    Storage arrays: ``_t`` (occurred_at, int64 ns), ``_code`` (base-cell code), ``_type`` (type
    code), ``_high`` (high impact), and one array per other column (``int16`` codes for
    :data:`CATEGORICAL` text, int64 ns for datetimes, the column's own dtype otherwise).
    """

    columns: tuple[Column, ...]
    base: CellCodes = field(default_factory=CellCodes)
    parents: dict[int, CellCodes] = field(default_factory=lambda: {r: CellCodes() for r in range(
        VIEW_RES_RANGE[0], VIEW_RES_RANGE[1] + 1)})
    to_parent: ColumnBuffers = field(default_factory=lambda: ColumnBuffers(
        {str(r): np.empty(0, np.int32) for r in range(VIEW_RES_RANGE[0], VIEW_RES_RANGE[1] + 1)}))
    vocab: dict[str, list[object]] = field(default_factory=dict)

    @classmethod
    def for_frame(cls, events: pd.DataFrame) -> Codec:
        """A codec for frames shaped like ``events``."""
        return cls(tuple(Column(str(n), _kind(str(n), events[n]), events[n].dtype) for n in events.columns))

    def encode(self, events: pd.DataFrame) -> Arrays:
        """``events`` as storage arrays, time-sorted (stable: ties keep the frame's order); codebooks grow."""
        names = [c.name for c in self.columns]
        if sorted(map(str, events.columns)) != sorted(names):
            raise EventDataError(f"appended events have columns {list(events.columns)}; the index has {names}")
        unknown = sorted(set(events["type"].unique()) - set(EVENT_TYPES))
        if unknown:
            raise EventTypeError(f"unknown event type(s) {unknown}; known types are {list(EVENT_TYPES)}")
        cells = events["cell"].to_numpy(dtype=np.uint64)
        if cells.size and (cell_resolutions(cells) != BASE_RES).any():
            raise EventDataError(f"event cells must be at the base resolution {BASE_RES}")
        t_ns = _ns(events["occurred_at"])
        order = np.argsort(t_ns, kind="stable")
        out: Arrays = {TIME: t_ns[order], CODE: self._cell_codes(cells[order]),
                       TYPE: events["type"].map(TYPE_CODES).to_numpy(dtype=np.int8)[order],
                       HIGH: (events["impact"].isin(HIGH_IMPACT).to_numpy()[order] if "impact" in events
                              else np.zeros(len(events), bool))}
        for column in self.columns:
            if column.name in ("occurred_at", "cell", "type"):
                continue
            values = events[column.name]
            out[column.name] = (_ns(values)[order] if column.kind == "time" else
                                self._cat_codes(column.name, values.to_numpy(dtype=object)[order])
                                if column.kind == "cat" else values.to_numpy()[order])
        return out

    def _cell_codes(self, cells: npt.NDArray[np.uint64]) -> npt.NDArray[np.int32]:
        known = len(self.base)
        codes = self.base.encode(cells)
        if len(self.base) > known:
            fresh = self.base.cells.views(len(self.base))["cell"][known:]
            self.to_parent.append({str(r): book.encode(parent_cells(fresh, r)) for r, book in self.parents.items()})
        return codes

    def _cat_codes(self, name: str, values: npt.NDArray[np.object_]) -> npt.NDArray[np.int16]:
        vocab = self.vocab.setdefault(name, [])
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        known = {v: i for i, v in enumerate(vocab)}
        mapping = np.empty(len(uniques) + 1, np.int16)
        mapping[-1] = -1
        for i, value in enumerate(uniques):
            if value not in known:
                if len(vocab) >= np.iinfo(np.int16).max:
                    raise EventDataError(f"column {name!r} has more than {len(vocab)} distinct values")
                known[value] = len(vocab)
                vocab.append(value)
            mapping[i] = known[value]
        return mapping[codes]

    def decode(self, arrays: Arrays, index: npt.NDArray[np.int64]) -> pd.DataFrame:
        """Storage ``arrays`` (equal length) back as the event frame, with ``index`` as its row labels."""
        data: dict[str, object] = {}
        for column in self.columns:
            if column.name == "occurred_at" or (column.kind == "time" and column.name in arrays):
                data[column.name] = _datetimes(arrays[TIME if column.name == "occurred_at" else column.name],
                                               column.dtype)
            elif column.name == "cell":
                data[column.name] = self.base.cells.views(len(self.base))["cell"][arrays[CODE]]
            elif column.name == "type":
                data[column.name] = pd.Series(np.asarray(EVENT_TYPES, dtype=object)[arrays[TYPE]], index=index,
                                              dtype=column.dtype)
            elif column.kind == "cat":
                # Code -1 (a missing value) picks the None at the end of the vocabulary.
                vocab = np.asarray([*self.vocab.get(column.name, [])[:], None], dtype=object)
                data[column.name] = pd.Series(vocab[arrays[column.name]], index=index, dtype=column.dtype)
            else:
                data[column.name] = pd.Series(arrays[column.name], dtype=column.dtype, index=index, copy=False)
        return pd.DataFrame(data, index=pd.Index(index))


def _ns(values: pd.Series) -> npt.NDArray[np.int64]:
    return values.to_numpy(dtype="datetime64[ns]").astype(np.int64)


def _datetimes(ns: npt.NDArray[np.int64], dtype: object) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC").tz_convert(
        getattr(dtype, "tz", "UTC")).as_unit(getattr(dtype, "unit", "ns"))


def seconds(t_ns: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Whole seconds since the epoch (floor) of int64 nanoseconds."""
    return np.floor_divide(t_ns, _NS_PER_S)


def ns_of_s(epoch_s: int) -> int:
    """Nanoseconds of whole epoch seconds: ``t_ns >= ns_of_s(s)`` iff ``seconds(t_ns) >= s``."""
    return epoch_s * _NS_PER_S
