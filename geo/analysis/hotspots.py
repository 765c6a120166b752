"""Getis-Ord Gi* hot spots on H3 cells, with Benjamini-Hochberg false discovery rate control.

Gi* (Getis and Ord 1992; Ord and Getis 1995) as ArcGIS "Hot Spot Analysis" and PySAL's
``esda.G_Local(star=True)`` compute it: binary weights over the k-ring of each cell, the cell
itself included, the z-score computed analytically:

    z_i = (sum_j w_ij x_j - mean(x) W_i) / (s sqrt((n S1_i - W_i^2) / (n - 1)))

with ``W_i = sum_j w_ij``, ``S1_i = sum_j w_ij^2``, ``s`` the population standard deviation of x.
Row-standardised weights give the same z (the weights of a row are equal). p-values are
two-sided; ``p_fdr`` are Benjamini-Hochberg adjusted p-values over all cells.

The study area is the index of the values passed in: pass the cells with zero events too, or
busy cells will look hot against nothing.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import polars as pl
import polars_h3 as plh3
import scipy.sparse as sp
from scipy import stats

from geo.errors import AnalysisError, InputError, msg
from geo.grid import hex_to_cell

CONFIDENCE_LEVELS: Final[tuple[float, ...]] = (0.90, 0.95, 0.99)


def _cell_ids(index: pd.Index) -> npt.NDArray[np.uint64]:
    if index.dtype == object or pd.api.types.is_string_dtype(index.dtype):
        return np.array([hex_to_cell(str(h)) for h in index], dtype=np.uint64)
    return index.to_numpy().astype(np.uint64)


def neighbour_matrix(cells: npt.NDArray[np.uint64], k: int) -> sp.csr_matrix:
    """Binary weights: w_ij = 1 when cell j lies within ``k`` rings of cell i (i itself included).

    Only cells of ``cells`` count as neighbours (the study area). Rows and columns follow
    ``cells``' order.
    """
    if k < 0:
        raise InputError(msg("ring size k must be >= 0; got {k}", k=k))
    order = np.argsort(cells)
    sorted_cells = cells[order]
    disks = pl.DataFrame({"cell": cells}).select(plh3.grid_disk("cell", k).alias("disk"))
    lengths = disks["disk"].list.len().to_numpy()
    flat = disks["disk"].explode().to_numpy().astype(np.uint64)
    rows = np.repeat(np.arange(cells.size), lengths)
    pos = np.searchsorted(sorted_cells, flat)
    pos = np.minimum(pos, sorted_cells.size - 1)
    inside = sorted_cells[pos] == flat
    cols = order[pos[inside]]
    data = np.ones(int(inside.sum()))
    return sp.csr_matrix((data, (rows[inside], cols)), shape=(cells.size, cells.size))


def gi_star_steps(counts: npt.ArrayLike, weights: sp.csr_matrix, *, fdr: bool = True
                  ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Gi* z-scores and two-sided p-values (FDR-adjusted within each step when ``fdr``) of every column.

    ``counts`` has one row per cell of the study area (the rows and columns of ``weights``) and one
    column per time step. A step in which every cell has the same count has z = 0, p = 1.
    """
    x = np.asarray(counts, dtype=float)
    n = x.shape[0]
    if n < 3:
        raise AnalysisError(msg("Gi* needs at least 3 cells in the study area; got {n}", n=n))
    w_sum = np.asarray(weights.sum(axis=1)).ravel()
    w_sq = np.asarray(weights.multiply(weights).sum(axis=1)).ravel()
    mean = x.mean(axis=0)
    sd = np.sqrt(np.maximum((x**2).mean(axis=0) - mean**2, 0.0))
    numerator = weights @ x - np.outer(w_sum, mean)
    denominator = np.outer(np.sqrt(np.maximum(n * w_sq - w_sum**2, 0.0) / (n - 1)), sd)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(denominator > 0, numerator / denominator, 0.0)
    p = 2.0 * stats.norm.sf(np.abs(z))
    return z, stats.false_discovery_control(p, axis=0, method="bh") if fdr else p


def gi_star(values: pd.Series, k: int = 1, *, weights: sp.csr_matrix | None = None) -> pd.DataFrame:
    """Gi* z-scores, two-sided p-values and FDR-adjusted p-values for values indexed by H3 cell.

    Parameters
    ----------
    values : pandas.Series
        One value per cell of the study area (counts; zeros included), indexed by H3 cell as an
        integer or a hex string.
    k : int
        Ring size of the neighbourhood (1: the cell and its six neighbours).
    weights : scipy.sparse.csr_matrix, optional
        A prebuilt :func:`neighbour_matrix` for the same cells and order, to reuse across calls.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``values``, with ``z``, ``p``, ``p_fdr`` and ``n_neighbours`` (self included).
    """
    x = values.to_numpy(dtype=float)
    w = neighbour_matrix(_cell_ids(values.index), k) if weights is None else weights
    if x.size >= 3 and x.std() == 0:
        raise AnalysisError(msg("Gi* is undefined when every cell has the same value"))
    z, p = gi_star_steps(x[:, None], w, fdr=False)
    return pd.DataFrame({"z": z[:, 0], "p": p[:, 0], "p_fdr": stats.false_discovery_control(p[:, 0], method="bh"),
                         "n_neighbours": np.asarray(w.sum(axis=1)).ravel().astype(int)}, index=values.index)


def neighbourhood_counts(values: pd.Series, k: int = 1, *, weights: sp.csr_matrix | None = None) -> pd.DataFrame:
    """What Gi* sums for each cell, split: the cell's own count and the count in the ``k`` rings around it.

    On sparse data most "hot" cells can be empty themselves and hot only because their neighbours
    are busy; these two numbers let a reader see that before sending a patrol to an empty cell.

    Parameters
    ----------
    values : pandas.Series
        One count per cell of the study area, indexed by H3 cell (as for :func:`gi_star`).
    k : int
        Ring size of the neighbourhood.
    weights : scipy.sparse.csr_matrix, optional
        A prebuilt :func:`neighbour_matrix` for the same cells and order.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``values``: ``own`` (the cell's count) and ``around`` (the sum over the other
        cells within ``k`` rings that are in the study area; cells outside it count 0).
    """
    x = values.to_numpy(dtype=float)
    w = neighbour_matrix(_cell_ids(values.index), k) if weights is None else weights
    within = np.asarray(w @ x).ravel()  # the matrix includes each cell itself (Gi*, not Gi)
    return pd.DataFrame({"own": x, "around": within - x}, index=values.index)


def classify(result: pd.DataFrame, *, fdr: bool = True) -> pd.Series:
    """Hot/cold class at the highest confidence each cell reaches: +3 (hot, 99 %) ... -3 (cold, 99 %), 0 none."""
    p = result["p_fdr" if fdr else "p"].to_numpy()
    level = np.zeros(len(result), dtype=int)
    for i, confidence in enumerate(CONFIDENCE_LEVELS, start=1):
        level[p <= 1 - confidence] = i
    return pd.Series(np.sign(result["z"].to_numpy()).astype(int) * level, index=result.index, name="gi_class")


def study_area(cells: npt.NDArray[np.uint64], *, ring: int = 1) -> npt.NDArray[np.uint64]:
    """``cells`` and every cell within ``ring`` of them, sorted: where zeros count as observations."""
    if cells.size == 0:
        return cells
    disks = pl.DataFrame({"cell": cells}).select(plh3.grid_disk("cell", ring).alias("disk"))
    return np.unique(disks["disk"].explode().to_numpy().astype(np.uint64))


def hot_spot_classes(counts: pd.Series, area: npt.NDArray[np.uint64], *, k: int = 1) -> pd.Series:
    """Gi* class per cell of ``area`` for ``counts`` (cells without a count are zeros), FDR-controlled."""
    values = counts.reindex(area, fill_value=0).astype(float)
    return classify(gi_star(values, k=k))
