"""Append-only storage behind the event index: growing column buffers, cell codebooks and the frame codec.

A snapshot of the index (:class:`geo.grid.index.EventIndex`) sees a prefix of every buffer here;
appending writes only past the end of every snapshot, so readers of older snapshots never see a
write, and nothing is copied except when a buffer grows (geometrically, so O(1) per row amortised).
Strings become small integer codes and cells dense ``int32`` codes (DESIGN.md section 3).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from geo.errors import EventDataError, EventTypeError, msg
from geo.grid.cells import (
    BASE_RES,
    VIEW_RES_RANGE,
    cell_resolutions,
    cells_latlng,
    parent_cells,
)
from geo.models import EVENT_TYPES, HIGH_IMPACT, TYPE_CODES

GROWTH: Final[float] = 1.125
"""How much a full buffer grows: at most a ninth of a buffer is spare capacity, and a copy every 12.5 % of growth."""
RECENT_CODES: Final[int] = 4096
"""New cells kept in a small sorted side table before they are merged into the big sorted one."""
CATEGORICAL: Final[frozenset[str]] = frozenset({"source", "impact", "status"})
"""Text columns with few distinct values, kept as integer codes (narrowest type) into a vocabulary."""
TIME: Final[str] = "_t"
CODE: Final[str] = "_code"
TYPE: Final[str] = "_type"
HIGH: Final[str] = "_high"
"""Storage arrays the queries read (see :class:`Codec`); underscored so no frame column can take the name."""
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
            incoming = np.asarray(arrays[name])
            if not np.can_cast(incoming.dtype, buffer.dtype, "safe"):
                # Codes and counts start in the narrowest integer type; the first value that needs more widens it.
                buffer = self._buffers[name] = buffer.astype(np.promote_types(buffer.dtype, incoming.dtype))
            if end > buffer.size:
                grown = np.empty(max(int(buffer.size * GROWTH), end, 1024), dtype=buffer.dtype)
                grown[: self.length] = buffer[: self.length]
                self._buffers[name] = buffer = grown
            buffer[self.length:end] = incoming
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

    def nbytes(self) -> int:
        """Bytes of the codes' cells and lookup tables."""
        return self.cells.nbytes() + sum(a.nbytes for a in (*self._sorted, *self._recent))


@dataclass(frozen=True, slots=True)
class Column:
    """How one column of the event frame is kept.

    ``kind``: ``time`` (int64 ns), ``cell`` (base-cell code), ``type`` (type code), ``cat`` (code into
    a vocabulary), ``int`` (narrowest integer type), ``offset`` (lat/lon as float32 offsets from the
    base cell's centre: within 1e-10 degrees), ``raw`` (as given).
    """

    name: str
    kind: str
    dtype: object


def _kind(name: str, series: pd.Series) -> str:
    if name in ("occurred_at", "cell", "type"):
        return {"occurred_at": "time", "cell": "cell", "type": "type"}[name]
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return "time"
    if name in ("lat", "lon") and series.dtype == np.float64:
        return "offset"
    if pd.api.types.is_integer_dtype(series.dtype) and isinstance(series.dtype, np.dtype):
        return "int"
    text = series.dtype == object or pd.api.types.is_string_dtype(series.dtype)
    return "cat" if name in CATEGORICAL and text else "raw"


def narrowest(values: np.ndarray, *, at_least: int = 0) -> np.ndarray:
    """Integers in the narrowest signed type that holds them (and ``at_least``)."""
    lo, hi = (int(values.min()), int(values.max())) if values.size else (0, 0)
    lo, hi = min(lo, -at_least), max(hi, at_least)
    for dtype in (np.int8, np.int16, np.int32):
        if np.iinfo(dtype).min <= lo and hi <= np.iinfo(dtype).max:
            return values.astype(dtype)
    return values.astype(np.int64)


@dataclass
class Codec:
    """Turns event frames into storage arrays and back; owns the append-only codebooks.

    Storage arrays: ``_t`` (occurred_at, int64 ns), ``_code`` (base-cell code), ``_type`` (type
    code), ``_high`` (high impact, unless the impact codes tell it), and one array per other column
    (see :class:`Column`).
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
            raise EventTypeError(msg("unknown event type(s) {unknown}; known types are {types}",
                                     unknown=unknown, types=list(EVENT_TYPES)))
        cells = events["cell"].to_numpy(dtype=np.uint64)
        if cells.size and (cell_resolutions(cells) != BASE_RES).any():
            raise EventDataError(f"event cells must be at the base resolution {BASE_RES}")
        t_ns = _ns(events["occurred_at"])
        order = np.argsort(t_ns, kind="stable")
        out: Arrays = {TIME: t_ns[order], CODE: self._cell_codes(cells[order]),
                       TYPE: events["type"].map(TYPE_CODES).to_numpy(dtype=np.int8)[order]}
        if not self.high_from_impact:
            out[HIGH] = (events["impact"].isin(HIGH_IMPACT).to_numpy()[order] if "impact" in events
                         else np.zeros(len(events), bool))
        for column in self.columns:
            if column.name in ("occurred_at", "cell", "type"):
                continue
            values = events[column.name]
            if column.kind == "time":
                out[column.name] = _ns(values)[order]
            elif column.kind == "cat":
                out[column.name] = self._cat_codes(column.name, values.to_numpy(dtype=object)[order])
            elif column.kind == "int":
                out[column.name] = narrowest(values.to_numpy()[order])
            elif column.kind == "offset":
                out[column.name] = (values.to_numpy()[order] - self._centres(out[CODE], column.name)).astype(np.float32)
            else:
                out[column.name] = values.to_numpy()[order]
        return out

    def _centres(self, codes: npt.NDArray[np.int32], axis: str) -> npt.NDArray[np.float64]:
        """Latitude or longitude (``axis``) of the centres of base cells ``codes``: computed, not kept (24 B/cell)."""
        unique, inverse = np.unique(codes, return_inverse=True)
        centres = cells_latlng(self.base.cells.views(len(self.base))["cell"][unique])
        return centres[:, 0 if axis == "lat" else 1][inverse] if unique.size else np.empty(0)

    @property
    def high_from_impact(self) -> bool:
        """Whether high impact is read from the impact codes (else kept as its own boolean column)."""
        return any(c.name == "impact" and c.kind == "cat" for c in self.columns)

    def high(self, arrays: Arrays, rows: slice | npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Whether each of ``rows`` has a high impact."""
        if not self.high_from_impact:
            return arrays[HIGH][rows]
        vocab = self.vocab.get("impact", [])[:]
        return np.asarray([v in HIGH_IMPACT for v in vocab] + [False], dtype=bool)[arrays["impact"][rows]]

    def _cell_codes(self, cells: npt.NDArray[np.uint64]) -> npt.NDArray[np.int32]:
        known = len(self.base)
        codes = self.base.encode(cells)
        if len(self.base) > known:
            fresh = self.base.cells.views(len(self.base))["cell"][known:]
            self.to_parent.append({str(r): book.encode(parent_cells(fresh, r)) for r, book in self.parents.items()})
        return codes

    def _cat_codes(self, name: str, values: npt.NDArray[np.object_]) -> np.ndarray:
        vocab = self.vocab.setdefault(name, [])
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        known = {v: i for i, v in enumerate(vocab)}
        mapping = np.empty(len(uniques) + 1, np.int64)
        mapping[-1] = -1
        for i, value in enumerate(uniques):
            if value not in known:
                known[value] = len(vocab)
                vocab.append(value)
            mapping[i] = known[value]
        return narrowest(mapping[codes], at_least=len(vocab))

    def decode(self, arrays: Arrays, index: npt.NDArray[np.int64], *,
               columns: Collection[str] | None = None) -> pd.DataFrame:
        """Storage ``arrays`` (equal length) back as the event frame, with ``index`` as its row labels; only the
        event frame's ``columns`` (in its order) when given."""
        data: dict[str, object] = {}
        for column in self.columns:
            if columns is not None and column.name not in columns:
                continue
            if column.name == "occurred_at" or (column.kind == "time" and column.name in arrays):
                data[column.name] = _datetimes(arrays[TIME if column.name == "occurred_at" else column.name],
                                               column.dtype)
            elif column.name == "cell":
                data[column.name] = self.base.cells.views(len(self.base))["cell"][arrays[CODE]]
            elif column.kind == "offset":
                data[column.name] = self._centres(arrays[CODE], column.name) + arrays[column.name].astype(np.float64)
            elif column.name == "type":
                data[column.name] = _texts(EVENT_TYPES, arrays[TYPE], index, column.dtype)
            elif column.kind == "cat":
                data[column.name] = _texts(self.vocab.get(column.name, [])[:], arrays[column.name], index, column.dtype)
            else:
                data[column.name] = pd.Series(arrays[column.name], dtype=column.dtype, index=index, copy=False)
        return pd.DataFrame(data, index=pd.Index(index))


def _texts(vocab: Sequence[object], codes: np.ndarray, index: npt.NDArray[np.int64], dtype: object) -> pd.Series:
    """The values of ``vocab`` at ``codes`` (code -1: missing) as a series of ``dtype``.

    Into pandas' Arrow-backed ``str`` (the default text dtype) the vocabulary is taken in Arrow, about
    5× faster than converting one Python string per row (the live map decodes tens of thousands a second).
    """
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" and all(isinstance(v, str) for v in vocab):
        taken = pa.array(list(vocab), type=pa.large_string()).take(pa.array(codes, mask=codes < 0))
        return pd.Series(dtype.construct_array_type()(taken, dtype=dtype), index=index, copy=False)
    # Code -1 picks the None at the end of the vocabulary.
    return pd.Series(np.asarray([*vocab, None], dtype=object)[codes], index=index, dtype=dtype)


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
