"""Checks on what a layer sends to deck.gl, which draws bad input wrongly without a word.

deck.gl takes a record with a missing value as transparent, an H3 cell of another resolution
as a hexagon of another size, a colour channel above 255 as wrapped or clamped, and class
breaks out of order as classes nobody can reach. Each check here refuses such input with a
:class:`geo.errors.LayerError` that names the problem and the value received.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence, Sized
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from geo.errors import LayerError
from geo.grid import cell_resolutions


def same_length(**columns: Sized) -> int:
    """The common length of ``columns`` (name=column); :class:`LayerError` naming each length when they differ."""
    lengths = {name: len(column) for name, column in columns.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} {n}" for name, n in lengths.items())
        raise LayerError(f"layer columns of unequal length ({described}): every record needs one of each")
    return next(iter(lengths.values()), 0)


def one_resolution(cells: npt.ArrayLike, *, layer: str) -> int | None:
    """The one H3 resolution of ``cells`` (``None`` when empty); :class:`LayerError` when they mix resolutions.

    deck.gl draws every cell at its own size, so a layer of mixed resolutions looks like a map of
    overlapping or missing hexagons rather than an error.
    """
    resolutions = np.unique(cell_resolutions(np.asarray(cells, dtype=np.uint64)))
    if resolutions.size > 1:
        raise LayerError(f"hexagon layer {layer!r} mixes H3 resolutions {', '.join(map(str, resolutions.tolist()))}; "
                         "one layer takes cells of one resolution")
    return int(resolutions[0]) if resolutions.size else None


def rgba(colour: Sequence[object], *, name: str = "colour") -> list[int]:
    """``colour`` as deck.gl's list of 3 or 4 integer channels in 0..255; :class:`LayerError` otherwise."""
    channels = list(colour) if isinstance(colour, Iterable) and not isinstance(colour, str) else None
    if channels is None or len(channels) not in (3, 4):
        raise LayerError(f"{name} must have 3 or 4 channels (RGB or RGBA); got {colour!r}")
    for channel in channels:
        if (isinstance(channel, bool) or not isinstance(channel, numbers.Real)
                or not float(channel).is_integer() or not 0 <= channel <= 255):
            raise LayerError(f"{name} channels must be whole numbers in 0..255; got {colour!r}")
    return [int(c) for c in channels]


def ascending(breaks: Sequence[float], *, name: str = "class breaks") -> list[float]:
    """``breaks`` if non-empty, finite and strictly ascending; :class:`LayerError` otherwise."""
    values = list(breaks)
    if not values:
        raise LayerError(f"{name} are empty; at least one lower bound is needed")
    if not all(isinstance(v, numbers.Real) and np.isfinite(v) for v in values):
        raise LayerError(f"{name} must be finite numbers; got {values!r}")
    if any(b <= a for a, b in pairwise(values)):
        raise LayerError(f"{name} must be strictly ascending; got {values!r}")
    return values
