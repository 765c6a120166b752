"""Emerging hot spot analysis: Gi* per time step, a Mann-Kendall trend per cell, ArcGIS's categories.

As ArcGIS Pro's "Emerging Hot Spot Analysis" defines it: a space-time cube of counts (cells ×
equal time steps), the Getis-Ord Gi* z-score of every cell in every step (spatial k-ring
neighbours, zeros included, Benjamini-Hochberg FDR within each step), and the Mann-Kendall test
on each cell's series of z-scores. ``hot`` means significant with z > 0 in a step, ``cold``
significant with z < 0. With ``T`` steps and the share threshold ``q`` (90 %):

=============  ===============================================================================
new            hot in the final step and in no earlier one; never cold
consecutive    a final run of >= 2 hot steps, never hot before that run, never cold, < q hot
intensifying   hot in >= q of the steps, the final one included; z-scores rise (MK significant)
persistent     hot in >= q of the steps, the final one included; no significant trend
diminishing    hot in >= q of the steps, the final one included; z-scores fall (MK significant)
sporadic       hot in the final step, < q hot, hot before the final run too (on and off), never cold
oscillating    hot in the final step, < q hot, cold in some earlier step
historical     not hot in the final step, hot in >= q of the steps
=============  ===============================================================================

and the same with hot and cold swapped. A cell fits at most one category: what the final step
is decides first (hot → a hot category, cold → a cold one), so a cell hot in nine steps of ten
and cold in the last is an oscillating cold spot rather than a historical hot spot. Everything
else is "no pattern".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy import stats
from scipy.sparse.csgraph import connected_components

from geo.analysis.hotspots import gi_star_steps, neighbour_matrix, study_area
from geo.errors import AnalysisError, InputError, msg
from geo.grid import EventIndex, Filters, cells_latlng
from geo.i18n import N_, Translator

NO_PATTERN: Final[str] = N_("No pattern")
CATEGORIES: Final[tuple[str, ...]] = (
    N_("New hot spot"), N_("Consecutive hot spot"), N_("Intensifying hot spot"), N_("Persistent hot spot"),
    N_("Diminishing hot spot"), N_("Sporadic hot spot"), N_("Oscillating hot spot"), N_("Historical hot spot"),
    N_("New cold spot"), N_("Consecutive cold spot"), N_("Intensifying cold spot"), N_("Persistent cold spot"),
    N_("Diminishing cold spot"), N_("Sporadic cold spot"), N_("Oscillating cold spot"), N_("Historical cold spot"),
    NO_PATTERN,
)
"""Every category, hot ones first, in the order of the patterns in the table above; the order of the legend. The
English names are the codes the analysis keeps (marked for the catalogs: a reader sees them through
:meth:`geo.i18n.Translator.gettext`)."""
EMERGING_PATTERNS: Final[frozenset[str]] = frozenset({"New hot spot", "Consecutive hot spot", "Intensifying hot spot"})
"""The categories that mean "something is starting or growing here"."""


@dataclass(frozen=True, slots=True)
class EmergingParams:
    """Settings of the analysis.

    ``k``: ring size of the spatial neighbourhood; ``alpha``: significance of a Gi* bin (after the
    FDR correction when ``fdr``); ``trend_alpha``: significance of the Mann-Kendall trend;
    ``share``: the "90 % of the steps" threshold; ``trend_fdr``: Benjamini-Hochberg over the
    cells' trend p-values too (ArcGIS tests each cell's trend alone, so among 50 steady hot
    cells two or three come out "intensifying" or "diminishing" by chance).
    """

    k: int = 1
    alpha: float = 0.05
    trend_alpha: float = 0.05
    fdr: bool = True
    share: float = 0.9
    trend_fdr: bool = True

    def __post_init__(self) -> None:
        if self.k < 0 or not 0 < self.alpha < 1 or not 0 < self.trend_alpha < 1 or not 0.5 < self.share <= 1:
            raise InputError(msg("emerging hot spot settings need k >= 0, 0 < alpha < 1, 0 < trend_alpha < 1 and "
                                 "0.5 < share <= 1 (so a cell cannot be mostly hot and mostly cold); got {self}",
                                 self=self))


@dataclass(frozen=True, slots=True)
class MannKendall:
    """Mann-Kendall trend test of each row: ``s``, its tie-corrected variance, ``z``, two-sided ``p``, Kendall's ``tau``."""

    s: npt.NDArray[np.float64]
    var_s: npt.NDArray[np.float64]
    z: npt.NDArray[np.float64]
    p: npt.NDArray[np.float64]
    tau: npt.NDArray[np.float64]


def space_time_cube(index: EventIndex, filters: Filters, *, step: timedelta) -> pd.DataFrame:
    """Events per cell and time step: rows are the study area (cells with events in the cube and
    one ring around them, zeros included), columns the steps' start times (UTC), oldest first."""
    cells, counts = index.cube(filters, step=step)
    _, hi_s = filters.window.epoch_s()
    n_steps = counts.shape[1]
    starts = pd.date_range(end=pd.Timestamp(hi_s, unit="s", tz="UTC") - step, periods=n_steps, freq=step)
    area = study_area(cells)
    rows = np.zeros((area.size, n_steps), dtype=np.int64)
    rows[np.searchsorted(area, cells)] = counts
    return pd.DataFrame(rows, index=pd.Index(area, name="cell"), columns=starts)


def mann_kendall(series: npt.ArrayLike) -> MannKendall:
    """The Mann-Kendall test of every row of ``series`` (rows: cells, columns: time steps, oldest first).

    ``S = sum_{i<j} sign(x_j - x_i)``; ``Var(S) = (n(n-1)(2n+5) - sum_t t(t-1)(2t+5)) / 18`` over
    groups of ``t`` tied values; ``z = (S - sign S) / sqrt(Var S)`` (continuity correction);
    ``tau = S / (n(n-1)/2)``. The same as ``pymannkendall.original_test``, vectorised over rows.
    """
    x = np.atleast_2d(np.asarray(series, dtype=float))
    rows, n = x.shape
    if n < 3:
        raise AnalysisError(msg("a Mann-Kendall trend needs at least 3 time steps; got {n}", n=n))
    s = np.zeros(rows)
    for lag in range(1, n):  # n - 1 vector operations instead of n(n-1)/2 per row
        s += np.sign(x[:, lag:] - x[:, :-lag]).sum(axis=1)
    ordered = np.sort(x, axis=1)
    group_start = np.ones_like(ordered, dtype=bool)
    group_start[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    starts = np.flatnonzero(group_start.ravel())  # each row starts a group, so groups never span rows
    t = np.diff(np.append(starts, group_start.size)).astype(float)
    ties = np.bincount(starts // n, weights=t * (t - 1) * (2 * t + 5), minlength=rows)
    var_s = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var_s > 0, (s - np.sign(s)) / np.sqrt(var_s), 0.0)
    return MannKendall(s=s, var_s=var_s, z=z, p=2.0 * stats.norm.sf(np.abs(z)), tau=s / (0.5 * n * (n - 1)))


def _final_run(flags: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """Length of the run of True at the end of each row."""
    reversed_flags = flags[:, ::-1]
    return np.where(reversed_flags.all(axis=1), flags.shape[1], np.argmin(reversed_flags, axis=1))


def _one_side(same: npt.NDArray[np.bool_], other: npt.NDArray[np.bool_], trend_up: npt.NDArray[np.bool_],
              trend_down: npt.NDArray[np.bool_], share: float) -> list[npt.NDArray[np.bool_]]:
    """Which rows meet each pattern of the module's table on one side (``same`` = hot for hot spots)."""
    steps = same.shape[1]
    n_same = same.sum(axis=1)
    # Integer comparison with a tolerance: 0.9 * 10 must mean 9 steps, not 9.000000000000002.
    mostly = n_same >= np.ceil(share * steps - 1e-9)
    final = same[:, -1]
    run = _final_run(same)
    ever_other = other.any(axis=1)
    return [
        final & ~mostly & ~ever_other & (n_same == 1),  # new
        final & ~mostly & ~ever_other & (run >= 2) & (run == n_same),  # consecutive
        final & mostly & trend_up,  # intensifying
        final & mostly & ~trend_up & ~trend_down,  # persistent
        final & mostly & trend_down,  # diminishing
        final & ~mostly & ~ever_other & (run < n_same),  # sporadic
        final & ~mostly & ever_other,  # oscillating
        ~final & ~other[:, -1] & mostly,  # historical
    ]


def category_matches(z: npt.ArrayLike, p: npt.ArrayLike, *, params: EmergingParams = EmergingParams()
                     ) -> tuple[npt.NDArray[np.bool_], MannKendall]:
    """Which definition each row of Gi* z-scores and p-values meets (rows: cells, columns: steps).

    Returns a boolean matrix with one column per category of :data:`CATEGORIES` but "No pattern"
    (at most one True per row: the definitions exclude each other), and the trend test.
    """
    z, p = np.asarray(z, dtype=float), np.asarray(p, dtype=float)
    significant = p <= params.alpha
    hot, cold = significant & (z > 0), significant & (z < 0)
    trend = mann_kendall(z)
    trend_p = stats.false_discovery_control(trend.p, method="bh") if params.trend_fdr else trend.p
    rising = (trend_p <= params.trend_alpha) & (trend.s > 0)
    falling = (trend_p <= params.trend_alpha) & (trend.s < 0)
    # For cold spots "intensifying" means ever colder: z-scores falling.
    columns = [*_one_side(hot, cold, rising, falling, params.share), *_one_side(cold, hot, falling, rising, params.share)]
    return np.column_stack(columns), trend


def classify_emerging(z: npt.ArrayLike, p: npt.ArrayLike, *, params: EmergingParams = EmergingParams()
                      ) -> tuple[npt.NDArray[np.object_], MannKendall]:
    """The category of each row of Gi* z-scores and p-values (rows: cells, columns: steps), and its trend test."""
    matches, trend = category_matches(z, p, params=params)
    labels = np.array(CATEGORIES, dtype=object)
    category = np.where(matches.any(axis=1), labels[np.argmax(matches, axis=1)], NO_PATTERN)
    return category, trend


def emerging_hot_spots(counts: pd.DataFrame, *, params: EmergingParams = EmergingParams(),
                       weights: sp.csr_matrix | None = None) -> pd.DataFrame:
    """Emerging hot spot categories for a space-time cube.

    Parameters
    ----------
    counts : pandas.DataFrame
        One row per cell of the study area (index: H3 cell ids as unsigned integers; cells
        without events included as zero rows), one column per time step, oldest first.
    params : EmergingParams
        Ring size, significance levels and the share threshold.
    weights : scipy.sparse.csr_matrix, optional
        A prebuilt :func:`geo.analysis.hotspots.neighbour_matrix` for the same cells and order.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``counts``: ``category``, ``trend_tau``, ``trend_p`` (Mann-Kendall on the
        z-scores), ``hot_steps``, ``cold_steps``, ``z_final`` (the last step's z-score).
    """
    if counts.shape[1] < 3:
        raise AnalysisError(msg("emerging hot spots need at least 3 time steps; got {n}", n=counts.shape[1]))
    cells = counts.index.to_numpy().astype(np.uint64)
    w = neighbour_matrix(cells, params.k) if weights is None else weights
    z, p = gi_star_steps(counts.to_numpy(), w, fdr=params.fdr)
    category, trend = classify_emerging(z, p, params=params)
    significant = p <= params.alpha
    return pd.DataFrame({
        "category": category, "trend_tau": trend.tau, "trend_p": trend.p,
        "hot_steps": (significant & (z > 0)).sum(axis=1), "cold_steps": (significant & (z < 0)).sum(axis=1),
        "z_final": z[:, -1],
    }, index=counts.index)


def cell_z_series(counts: pd.DataFrame, cell: int, *, params: EmergingParams = EmergingParams()) -> pd.DataFrame:
    """One cell's counts, Gi* z-scores and significance per step (for the drill-down chart)."""
    if cell not in counts.index:
        raise InputError(msg("cell {cell:x} is not in the study area of the space-time cube", cell=cell))
    cells = counts.index.to_numpy().astype(np.uint64)
    z, p = gi_star_steps(counts.to_numpy(), neighbour_matrix(cells, params.k), fdr=params.fdr)
    row = counts.index.get_loc(cell)
    return pd.DataFrame({"events": counts.iloc[row].to_numpy(), "z": z[row], "p": p[row],
                         "significant": p[row] <= params.alpha}, index=counts.columns)


def emerging_areas(result: pd.DataFrame) -> pd.DataFrame:
    """The cells of :data:`EMERGING_PATTERNS` grouped into areas of touching cells, strongest first.

    Returns one row per area: ``cells`` (how many), ``categories`` (``(category, cells)`` pairs, most cells
    first: ``(("New hot spot", 7), ("Consecutive hot spot", 3))``; :func:`categories_text` says them in a
    reader's language), ``lat``/``lon`` (degrees, mean of the cell centres) and ``z_max`` (the highest
    final-step z-score).
    """
    emerging = result[result["category"].isin(EMERGING_PATTERNS)]
    columns = ["cells", "categories", "lat", "lon", "z_max"]
    if emerging.empty:
        return pd.DataFrame(columns=columns)
    cells = emerging.index.to_numpy().astype(np.uint64)
    _, label = connected_components(neighbour_matrix(cells, 1), directed=False)
    centres = cells_latlng(cells)
    rows = []
    for area in np.unique(label):
        members = emerging[label == area]
        counts = members["category"].value_counts()
        rows.append({"cells": len(members), "categories": tuple((str(c), int(n)) for c, n in counts.items()),
                     "lat": float(centres[label == area, 0].mean()), "lon": float(centres[label == area, 1].mean()),
                     "z_max": float(members["z_final"].max())})
    return pd.DataFrame(rows, columns=columns).sort_values("z_max", ascending=False, ignore_index=True)


def categories_text(categories: Sequence[tuple[str, int]], tr: Translator) -> str:
    """An area's ``(category, cells)`` pairs (:func:`emerging_areas`) in ``tr``'s language, listed as its locale
    lists: "New hot spot ×7 and Consecutive hot spot ×3", "Νέο θερμό σημείο ×7 και ..."."""
    return tr.listing([tr.gettext("{category} ×{n}").format(category=tr.gettext(category), n=tr.number(n))
                       for category, n in categories])
