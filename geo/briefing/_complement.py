"""Complementary suppression of a table of counts published with its totals: no blanked count comes back.

The table is counts per bin (rows, e.g. days) and column (e.g. sections), published with each row's total
(events of the day in all columns), each column's total (a section's events of the period) and the grand
total (the headline). Every published total is an equation over the counts, so blanking the counts below k
is not enough: a day's total minus its published sections gives a lone blanked one back. Two rules, applied
until neither blanks anything more:

1. **Sums.** In every row, column, and in the row totals against the grand total, wherever the total is
   published, the blanked counts sum to 0 or to at least k; otherwise the smallest non-zero published count
   of that line is blanked too (the total minus the published ones would give back a count below k).
2. **Pinned counts.** With its margins, every value of the table appears in exactly two equations: its row's
   and its column's (the last row's: the column totals sum to the grand total). Written as terms minus total,
   with the signs of the last row's and of the columns' equations (but the row totals') flipped, each value has
   +1 in one and -1 in the other: the equations are the incidence matrix of a graph whose nodes are the
   equations and whose edges are the values. Given the published values, a blanked one is pinned exactly when
   its edge is a bridge of the blanked edges (on no cycle); the cheapest path of further values between its two
   ends is blanked to put it on one (smallest counts first).

Zeros stay published (they single out no one), and only non-zero values are blanked: a cycle of non-zero values
can shift by one either way, so its values are not pinned by the published ones being non-negative either (a
blanked zero could only grow, and two on a cycle could pin it).

Column totals and the grand total are decided by their own rules (the section figures, the headline) and are
never blanked here; rows' totals (the day's total) are. What the two rules cannot mend without blanking those or
a zero is left as it is: the published zeros, column totals and grand total pin it on their own (a column total
given back by the grand total minus the others, and with it a column's only non-zero day), and with every
other value blanked it would still be.
"""

from __future__ import annotations

import heapq
from collections import defaultdict

import numpy as np
import numpy.typing as npt


def protect_table(counts: npt.NDArray[np.int64], *, k: int, column_totals_shown: npt.NDArray[np.bool_],
                  total_shown: bool) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Which counts and which row totals to blank so that none is between 1 and ``k``-1 and none is given back.

    Parameters
    ----------
    counts : numpy.ndarray of int64, shape (bins, columns)
        Non-negative counts; row totals are their row sums, column totals their column sums.
    k : int
        Smallest count that may be published.
    column_totals_shown : numpy.ndarray of bool, shape (columns,)
        Which column totals are published beside the table.
    total_shown : bool
        Whether the grand total is published.

    Returns
    -------
    tuple of numpy.ndarray of bool
        Blanked counts (shape of ``counts``) and blanked row totals (shape (bins,)).
    """
    n_rows, n_cols = counts.shape
    # The table with its margins: column n_cols holds the row totals, row n_rows the column totals and grand total.
    values = np.zeros((n_rows + 1, n_cols + 1), dtype=np.int64)
    values[:n_rows, :n_cols] = counts
    values[:n_rows, n_cols] = counts.sum(axis=1)
    values[n_rows, :n_cols] = counts.sum(axis=0)
    values[n_rows, n_cols] = counts.sum()
    blank = (values > 0) & (values < k)
    blank[n_rows, :n_cols] = ~np.asarray(column_totals_shown, dtype=bool)
    blank[n_rows, n_cols] = not total_shown
    frozen = np.zeros_like(blank)
    frozen[n_rows] = True
    stuck: set[tuple[int, int]] = set()
    while _sum_rule(values, blank, frozen, k) or _mend_one_bridge(values, blank, frozen, stuck):
        pass
    return blank[:n_rows, :n_cols], blank[:n_rows, n_cols]


def _lines(n_rows: int, n_cols: int) -> list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], tuple[int, int]]]:
    """Each equation of the table: the rows and columns of its terms, and where its total is."""
    every_col, every_row = np.arange(n_cols), np.arange(n_rows)
    rows = [(np.full(n_cols, r), every_col, (r, n_cols)) for r in range(n_rows)]
    columns = [(every_row, np.full(n_rows, c), (n_rows, c)) for c in range(n_cols + 1)]
    return [*rows, *columns]


def _sum_rule(values: npt.NDArray[np.int64], blank: npt.NDArray[np.bool_], frozen: npt.NDArray[np.bool_],
              k: int) -> bool:
    """Blank the smallest non-zero published term of every line whose published total would give back a blanked
    sum between 1 and ``k``-1; whether anything was blanked."""
    changed = False
    for rows, cols, total in _lines(values.shape[0] - 1, values.shape[1] - 1):
        if blank[total]:
            continue
        term_values, term_blank = values[rows, cols], blank[rows, cols]
        if not 0 < int(term_values[term_blank].sum()) < k:
            continue
        open_terms = ~term_blank & ~frozen[rows, cols] & (term_values > 0)
        # Never empty: with every non-zero term blanked, the blanked sum would be the published total (0 or >= k).
        pick = int(np.argmin(np.where(open_terms, term_values, np.iinfo(np.int64).max)))
        blank[rows[pick], cols[pick]] = True
        changed = True
    return changed


def _ends(cell: tuple[int, int], n_rows: int) -> tuple[int, int]:
    """The graph nodes of the two equations a value of the table with margins appears in: its row's
    (``0..n_rows``, the last one the column totals') and its column's (``n_rows + 1 + column``)."""
    row, col = cell
    return row, n_rows + 1 + col


def _bridges(edges: list[tuple[int, int]], n_nodes: int) -> list[int]:
    """Indices of the bridges of a multigraph (parallel edges and self-loops are never bridges); Tarjan, iterative."""
    around: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i, (a, b) in enumerate(edges):
        around[a].append((b, i))
        around[b].append((a, i))
    order = [-1] * n_nodes
    low = [0] * n_nodes
    found: list[int] = []
    counter = 0
    for root in list(around):
        if order[root] >= 0:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack = [(root, -1, iter(around[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            step = next(neighbours, None)
            if step is None:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        found.append(via)
                continue
            other, edge = step
            if edge == via:
                continue
            if order[other] < 0:
                order[other] = low[other] = counter
                counter += 1
                stack.append((other, edge, iter(around[other])))
            else:
                low[node] = min(low[node], order[other])
    return found


def _mend_one_bridge(values: npt.NDArray[np.int64], blank: npt.NDArray[np.bool_], frozen: npt.NDArray[np.bool_],
                     stuck: set[tuple[int, int]]) -> bool:
    """Put one pinned blank (smallest first) on a cycle by blanking the cheapest path between its ends; whether
    anything was blanked. A blank no path can free goes to ``stuck`` and is not tried again."""
    n_rows, n_cols = values.shape[0] - 1, values.shape[1] - 1
    n_nodes = n_rows + n_cols + 2
    cells = [(int(r), int(c)) for r, c in zip(*np.nonzero(blank))]
    edges = [_ends(cell, n_rows) for cell in cells]
    pinned = sorted((cells[i] for i in _bridges(edges, n_nodes) if cells[i] not in stuck), key=lambda c: values[c])
    for cell in pinned:
        path = _cheapest_path(values, blank, frozen, cell)
        if path:
            for step in path:
                blank[step] = True
            return True
        stuck.add(cell)
    return False


def _cheapest_path(values: npt.NDArray[np.int64], blank: npt.NDArray[np.bool_], frozen: npt.NDArray[np.bool_],
                   pinned: tuple[int, int]) -> list[tuple[int, int]]:
    """The published cells to blank so that ``pinned``'s two ends are joined without it: Dijkstra over the
    blanked cells (at no cost) and the published, unfrozen, non-zero ones (their count); empty if there is none."""
    n_rows, n_cols = values.shape[0] - 1, values.shape[1] - 1
    around: dict[int, list[tuple[int, tuple[int, int], float]]] = defaultdict(list)
    for row in range(n_rows + 1):
        for col in range(n_cols + 1):
            cell = (row, col)
            if cell == pinned or not blank[cell] and (frozen[cell] or values[cell] == 0):
                continue
            cost = 0.0 if blank[cell] else float(values[cell])
            a, b = _ends(cell, n_rows)
            around[a].append((b, cell, cost))
            around[b].append((a, cell, cost))
    start, goal = _ends(pinned, n_rows)
    best: dict[int, float] = {start: 0.0}
    came: dict[int, tuple[int, tuple[int, int]]] = {}
    queue = [(0.0, start)]
    while queue:
        cost, node = heapq.heappop(queue)
        if node == goal:
            break
        if cost > best[node]:
            continue
        for other, cell, step in around[node]:
            if cost + step < best.get(other, float("inf")):
                best[other] = cost + step
                came[other] = (node, cell)
                heapq.heappush(queue, (cost + step, other))
    if goal not in came:
        return []
    path, node = [], goal
    while node != start:
        node, cell = came[node]
        if not blank[cell]:
            path.append(cell)
    return path
