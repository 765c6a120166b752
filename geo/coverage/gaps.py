"""Coverage gaps ranked by risk, and where to send patrols next shift.

Each uncovered corridor cell gets a risk:

    risk = (events per day in the cell and its neighbours + prior) x passability x (1 + hot bonus)

- **recent intensity**: events of the last days within one ring, per day; the prior keeps a
  quiet stretch nobody watches from counting as zero risk (no events may mean no eyes);
- **passability**: ``exp(-mean slope / 15 deg)``: a valley floor counts fully, a 30 deg
  mountainside about an eighth (walkers keep to gentle ground, as the scenario's events do);
- **hot spot nearby**: a Getis-Ord Gi* hot spot (95 %, FDR) within one ring doubles it.

Uncovered cells that touch form a **gap**; gaps rank by their summed risk, so a long blind
stretch with steady traffic comes before a sliver behind a ridge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import polars as pl
import polars_h3 as plh3
from scipy.sparse.csgraph import connected_components

from geo.analysis import hot_spot_classes, neighbour_matrix, study_area
from geo.errors import CoverageError, msg
from geo.grid import cells_latlng


@dataclass(frozen=True, slots=True)
class RiskParams:
    """Weights of the gap risk.

    Attributes
    ----------
    prior_per_day : float
        Events a day assumed near every cell, on top of those seen.
    slope_scale_deg : float
        Passability falls by a factor e for every this many degrees of mean slope.
    hot_bonus : float
        Added factor for a cell with a 95 % hot spot within one ring.
    """

    prior_per_day: float = 0.05
    slope_scale_deg: float = 15.0
    hot_bonus: float = 1.0

    def __post_init__(self) -> None:
        if self.prior_per_day < 0 or self.slope_scale_deg <= 0 or self.hot_bonus < 0:
            raise CoverageError(msg("risk weights must be >= 0 (slope scale > 0); got {self}", self=self))


DEFAULT_RISK: Final[RiskParams] = RiskParams()
HOT_CLASS: Final[int] = 2
"""Gi* class counted as a hot spot: 95 % confidence or more."""


def _ring_sum(cells: npt.NDArray[np.uint64], values: pd.Series, k: int) -> npt.NDArray[np.float64]:
    """For each of ``cells``, the sum of ``values`` (indexed by cell) over its k-ring."""
    disks = pl.DataFrame({"cell": cells}).with_row_index("i").select(
        "i", plh3.grid_disk("cell", k).alias("disk")).explode("disk")
    lookup = pl.DataFrame({"disk": values.index.to_numpy(dtype=np.uint64), "v": values.to_numpy(dtype=float)})
    summed = disks.join(lookup, on="disk", how="left").group_by("i").agg(pl.col("v").fill_null(0.0).sum())
    out = np.zeros(cells.size)
    out[summed["i"].to_numpy()] = summed["v"].to_numpy()
    return out


def cell_risk(coverage: pd.DataFrame, terrain: pd.DataFrame, event_counts: pd.Series, *, days: float,
              params: RiskParams = DEFAULT_RISK) -> pd.DataFrame:
    """Risk of every corridor cell (covered or not), with its parts.

    Parameters
    ----------
    coverage : pandas.DataFrame
        Indexed by corridor cell (uint64), from :func:`geo.coverage.corridor.cell_coverage`.
    terrain : pandas.DataFrame
        ``slope_mean_deg`` per corridor cell, from :func:`geo.coverage.corridor.terrain_stats`.
    event_counts : pandas.Series
        Recent events per cell at the corridor's resolution (any cells; zeros may be left out).
    days : float
        Length of the period ``event_counts`` covers, days.

    Returns
    -------
    pandas.DataFrame
        ``events_per_day``, ``hot``, ``passability``, ``risk``, indexed like ``coverage``.
    """
    if days <= 0:
        raise CoverageError(msg("days must be > 0; got {days}", days=days))
    cells = coverage.index.to_numpy(dtype=np.uint64)
    counts = event_counts[event_counts > 0].astype(float)
    per_day = _ring_sum(cells, counts, 1) / days
    hot = np.zeros(cells.size, dtype=bool)
    if len(counts) >= 3:
        classes = hot_spot_classes(counts, study_area(np.union1d(counts.index.to_numpy(dtype=np.uint64), cells)))
        hot = _ring_sum(cells, (classes >= HOT_CLASS).astype(float), 1) > 0
    slope = terrain["slope_mean_deg"].reindex(coverage.index).fillna(0.0).to_numpy()
    passability = np.exp(-slope / params.slope_scale_deg)
    risk = (per_day + params.prior_per_day) * passability * (1.0 + params.hot_bonus * hot)
    return pd.DataFrame({"events_per_day": per_day, "hot": hot, "passability": passability, "risk": risk},
                        index=coverage.index)


def rank_gaps(coverage: pd.DataFrame, risk: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Group uncovered cells into gaps (touching cells) and rank the gaps by summed risk.

    Returns the gap table (``rank``, ``cells``, ``risk``, ``events_per_day``, ``slope_passability``,
    ``lat``, ``lon`` of the riskiest cell, ``lon_min``, ``lon_max``), best first, and each
    uncovered cell's gap rank (a Series indexed by cell).
    """
    open_cells = coverage.index[~coverage["covered"].to_numpy()].to_numpy(dtype=np.uint64)
    if open_cells.size == 0:
        return pd.DataFrame(columns=["rank", "cells", "risk", "events_per_day", "slope_passability", "lat", "lon",
                                     "lon_min", "lon_max"]), pd.Series(dtype=int)
    _, label = connected_components(neighbour_matrix(open_cells, 1), directed=False)
    r = risk.loc[open_cells]
    centres = cells_latlng(open_cells)
    frame = pd.DataFrame({"gap": label, "risk": r["risk"].to_numpy(), "epd": r["events_per_day"].to_numpy(),
                          "pass": r["passability"].to_numpy(), "lat": centres[:, 0], "lon": centres[:, 1]})
    top = frame.loc[frame.groupby("gap")["risk"].idxmax(), ["gap", "lat", "lon"]].set_index("gap")
    grouped = frame.groupby("gap")
    gaps = pd.DataFrame({"cells": grouped.size(), "risk": grouped["risk"].sum(), "events_per_day": grouped["epd"].max(),
                         "slope_passability": grouped["pass"].mean(), "lon_min": grouped["lon"].min(),
                         "lon_max": grouped["lon"].max()}).join(top)
    gaps = gaps.sort_values(["risk", "cells"], ascending=False)
    gaps["rank"] = np.arange(1, len(gaps) + 1)
    rank_of_gap = gaps["rank"]
    cell_rank = pd.Series(rank_of_gap.loc[label].to_numpy(), index=pd.Index(open_cells, name="cell"), name="gap_rank")
    columns = ["rank", "cells", "risk", "events_per_day", "slope_passability", "lat", "lon", "lon_min", "lon_max"]
    return gaps.reset_index(drop=True)[columns], cell_rank


def patrol_areas(coverage: pd.DataFrame, risk: pd.DataFrame, *, n_cells: int = 40, n_areas: int = 4,
                 join_rings: int = 2) -> pd.DataFrame:
    """Where to send patrols next shift: the ``n_cells`` riskiest uncovered cells grouped into areas.

    Cells within ``join_rings`` of each other share an area; the ``n_areas`` riskiest areas are
    returned (``area``, ``cells`` as a list of cell ids, ``n_cells``, ``risk``, ``lat``, ``lon`` of
    the risk-weighted centre), riskiest first.
    """
    if n_cells < 1 or n_areas < 1 or join_rings < 1:
        raise CoverageError(msg("n_cells, n_areas and join_rings must be >= 1; got {n_cells}, {n_areas}, "
                                "{join_rings}",
                                n_cells=n_cells, n_areas=n_areas, join_rings=join_rings))
    open_risk = risk.loc[coverage.index[~coverage["covered"].to_numpy()], "risk"]
    chosen = open_risk.nlargest(n_cells)
    columns = ["area", "cells", "n_cells", "risk", "lat", "lon"]
    if chosen.empty:
        return pd.DataFrame(columns=columns)
    cells = chosen.index.to_numpy(dtype=np.uint64)
    _, label = connected_components(neighbour_matrix(cells, join_rings), directed=False)
    centres = cells_latlng(cells)
    w = chosen.to_numpy()
    rows = []
    for a in np.unique(label):
        m = label == a
        rows.append({"cells": [int(c) for c in cells[m]], "n_cells": int(m.sum()), "risk": float(w[m].sum()),
                     "lat": float(np.average(centres[m, 0], weights=w[m])),
                     "lon": float(np.average(centres[m, 1], weights=w[m]))})
    areas = pd.DataFrame(rows).sort_values("risk", ascending=False).head(n_areas).reset_index(drop=True)
    areas.insert(0, "area", np.arange(1, len(areas) + 1))
    return areas[columns]
