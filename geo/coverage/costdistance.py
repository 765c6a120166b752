"""Accumulated cost distance on a raster and least-cost paths back to the nearest source.

The graph is the raster's 8-neighbour graph, weighted as scikit-image's ``MCP_Geometric`` and
GRASS ``r.cost -k`` weigh it: a step between neighbouring cells costs its length times the mean
of the two cells' costs, ``length_m * (cost_a + cost_b) / 2``; a diagonal step is
``hypot(dx_m, dy_m)`` long. Cells with an infinite cost are impassable.

The solver is a label-correcting row sweep (Gauss-Seidel relaxation of the Bellman equations):
rows are relaxed from the row above going down, from the row below going up, and each changed
stretch of a row is propagated east and west along it, until nothing changes. Only the columns
that changed since a row was last read are read again, so later sweeps touch a thin wavefront.
At the fixed point every cell's distance is the cost of a path and no step improves it, which
is exactly Dijkstra's answer (tests compare with networkx and ``MCP_Geometric`` to 1e-9). It is
chosen over ``MCP_Geometric``'s binary heap for speed: ~1.5 s against ~10 s on the full bundled
3″ mosaic (17 M cells) on this machine, which is what makes a what-if interactive.
"""

from __future__ import annotations

from typing import Final

import numba
import numpy as np
import numpy.typing as npt

from geo.errors import AnalysisError, CoverageError, msg

SOURCE: Final[int] = 4
"""Back-pointer code of a source cell (no predecessor); code ``k`` otherwise points to the neighbour at row
offset ``k // 3 - 1`` and column offset ``k % 3 - 1``."""


@numba.njit(cache=True, nogil=True, inline="always")
def _step(dist: npt.NDArray[np.float64], cost: npt.NDArray[np.float64], back: npt.NDArray[np.int8], r: int, c: int,
          rn: int, cn: int, length: float, code: int) -> bool:
    """Relax cell (r, c) from its neighbour (rn, cn); True if its distance fell."""
    cand = dist[rn, cn] + length * (cost[rn, cn] + cost[r, c]) * 0.5
    if cand < dist[r, c]:
        dist[r, c] = cand
        back[r, c] = code
        return True
    return False


@numba.njit(cache=True, nogil=True)
def _along(cost: npt.NDArray[np.float64], dx: float, dist: npt.NDArray[np.float64], back: npt.NDArray[np.int8],
           r: int, lo: int, hi: int) -> tuple[int, int]:
    """Propagate the change of columns lo..hi of row r east and west; returns the row's changed span."""
    cols = cost.shape[1]
    new_lo, new_hi = lo, hi
    c = lo + 1
    while c < cols:
        if _step(dist, cost, back, r, c, r, c - 1, dx, 3):
            new_hi = max(new_hi, c)
        elif c > hi:
            break  # beyond the changed span and not improved: nothing further east can improve
        c += 1
    c = new_hi - 1
    while c >= 0:
        if _step(dist, cost, back, r, c, r, c + 1, dx, 5):
            new_lo = min(new_lo, c)
        elif c < lo:
            break
        c -= 1
    return new_lo, new_hi


@numba.njit(cache=True, nogil=True)
def _across(cost: npt.NDArray[np.float64], dx: float, dy: float, dist: npt.NDArray[np.float64],
            back: npt.NDArray[np.int8], r: int, rn: int, lo: int, hi: int, code0: int) -> tuple[int, int]:
    """Relax row r from the changed columns lo..hi of the neighbouring row rn; returns the span that changed."""
    cols = cost.shape[1]
    diagonal = np.sqrt(dx * dx + dy * dy)
    first, last = cols, -1
    for c in range(max(lo - 1, 0), min(hi + 2, cols)):
        fell = c > 0 and _step(dist, cost, back, r, c, rn, c - 1, diagonal, code0)
        fell = _step(dist, cost, back, r, c, rn, c, dy, code0 + 1) or fell
        fell = (c < cols - 1 and _step(dist, cost, back, r, c, rn, c + 1, diagonal, code0 + 2)) or fell
        if fell:
            first, last = min(first, c), max(last, c)
    return first, last


@numba.njit(cache=True, nogil=True)
def _sweep(cost: npt.NDArray[np.float64], dx: float, dy: float, dist: npt.NDArray[np.float64],
           back: npt.NDArray[np.int8]) -> int:
    """Relax ``dist`` in place to the fixed point; returns the number of down-and-up sweeps."""
    rows, cols = cost.shape
    # Changed span of each row not yet read by the row below (down) and by the row above (up).
    down_lo = np.zeros(rows, np.int64)
    down_hi = np.full(rows, cols - 1, np.int64)
    up_lo = np.zeros(rows, np.int64)
    up_hi = np.full(rows, cols - 1, np.int64)
    for r in range(rows):
        _along(cost, dx, dist, back, r, 0, cols - 1)
    sweeps = 0
    while True:
        sweeps += 1
        moved = False
        for r in range(1, rows):
            if down_hi[r - 1] >= 0:
                a, b = _across(cost, dx, dy, dist, back, r, r - 1, down_lo[r - 1], down_hi[r - 1], 0)
                down_lo[r - 1], down_hi[r - 1] = cols, -1
                if b >= 0:
                    a, b = _along(cost, dx, dist, back, r, a, b)
                    down_lo[r], down_hi[r] = min(down_lo[r], a), max(down_hi[r], b)
                    up_lo[r], up_hi[r] = min(up_lo[r], a), max(up_hi[r], b)
                    moved = True
        down_lo[rows - 1], down_hi[rows - 1] = cols, -1
        for r in range(rows - 2, -1, -1):
            if up_hi[r + 1] >= 0:
                a, b = _across(cost, dx, dy, dist, back, r, r + 1, up_lo[r + 1], up_hi[r + 1], 6)
                up_lo[r + 1], up_hi[r + 1] = cols, -1
                if b >= 0:
                    a, b = _along(cost, dx, dist, back, r, a, b)
                    down_lo[r], down_hi[r] = min(down_lo[r], a), max(down_hi[r], b)
                    up_lo[r], up_hi[r] = min(up_lo[r], a), max(up_hi[r], b)
                    moved = True
        up_lo[0], up_hi[0] = cols, -1
        if not moved:
            return sweeps


def cost_distance(cost: npt.ArrayLike, sources_rc: npt.ArrayLike, *, dx_m: float, dy_m: float | None = None
                  ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int8]]:
    """Least accumulated cost from the nearest source to every cell, and the way back.

    Parameters
    ----------
    cost : array-like, 2-D
        Cost per metre of each cell (e.g. seconds per metre); ``inf`` marks impassable cells.
        Must be > 0 where finite; NaN is refused.
    sources_rc : array-like of int, shape (n, 2)
        Row and column of each source cell; sources on impassable cells are ignored.
    dx_m, dy_m : float
        Cell width and height, metres (``dy_m`` defaults to ``dx_m``), in the grid's metric CRS.

    Returns
    -------
    dist : numpy.ndarray of float64
        Accumulated cost (units of ``cost`` times metres); ``inf`` where no source is reachable.
    back : numpy.ndarray of int8
        Back-pointer codes (see :data:`SOURCE`), for :func:`trace_back`.

    Raises
    ------
    CoverageError
        A bad grid, cell size or source.
    AnalysisError
        No source lies on a passable cell.
    """
    grid = np.ascontiguousarray(cost, dtype=np.float64)
    dy_m = dx_m if dy_m is None else dy_m
    if grid.ndim != 2 or min(grid.shape) < 1:
        raise CoverageError(f"cost must be a 2-D grid; got shape {grid.shape}")
    if np.isnan(grid).any() or (grid <= 0).any():
        raise CoverageError("cost must be > 0 or inf in every cell; got NaN, zero or a negative cost")
    if not (np.isfinite(dx_m) and dx_m > 0 and np.isfinite(dy_m) and dy_m > 0):
        raise CoverageError(f"dx_m and dy_m must be finite and > 0; got {dx_m}, {dy_m}")
    sources = np.asarray(sources_rc, dtype=np.int64).reshape(-1, 2)
    inside = (sources[:, 0] >= 0) & (sources[:, 0] < grid.shape[0]) & (sources[:, 1] >= 0) & (
        sources[:, 1] < grid.shape[1])
    if not inside.all():
        raise CoverageError(f"source(s) {sources[~inside].tolist()} lie outside the {grid.shape} grid")
    sources = sources[np.isfinite(grid[sources[:, 0], sources[:, 1]])]
    if sources.size == 0:
        raise AnalysisError(msg("no source lies on passable ground: there is nowhere to start from"))
    dist = np.full(grid.shape, np.inf)
    back = np.full(grid.shape, SOURCE, dtype=np.int8)
    dist[sources[:, 0], sources[:, 1]] = 0.0
    _sweep(grid, float(dx_m), float(dy_m), dist, back)
    return dist, back


def trace_back(back: npt.NDArray[np.int8], row: int, col: int) -> npt.NDArray[np.int64]:
    """The least-cost path from a source to (row, col) as (n, 2) rows and columns, source first.

    Raises :class:`AnalysisError` if the back-pointers loop (they cannot, for a grid from
    :func:`cost_distance`) rather than hang.
    """
    rows, cols = back.shape
    path = [(int(row), int(col))]
    for _ in range(rows * cols):
        code = int(back[row, col])
        if code == SOURCE:
            return np.asarray(path[::-1], dtype=np.int64)
        row, col = row + code // 3 - 1, col + code % 3 - 1
        path.append((row, col))
    raise AnalysisError("the back-pointers do not lead to a source")
