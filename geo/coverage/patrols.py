"""Patrol coverage from unit positions: when a patrol last passed through each H3 cell, and for how long.

GPS fixes come every few minutes (the scenario's every 5 minutes, ~1 km apart at patrol speed),
so a unit passes through cells between two fixes. Consecutive fixes of one unit no more than
``max_gap_s`` apart are joined by a straight track, sampled every ``step_m`` metres; each sample
carries its share of the time between the fixes. A longer silence is not bridged: the unit may
have gone anywhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

import numpy as np
import pandas as pd
import polars as pl
import polars_h3 as plh3

from geo.errors import CoverageError, msg
from geo.grid import latlng_to_cells
from geo.store import Db, unit_tracks

MAX_GAP_S: Final[float] = 900.0
"""Fixes further apart than this (three missed 5-minute fixes) are not joined."""
STEP_M: Final[float] = 150.0
_M_PER_DEG: Final[float] = 111_195.0


def patrol_cells(units: pd.DataFrame, *, res: int, since: datetime | None = None, until: datetime | None = None,
                 max_gap_s: float = MAX_GAP_S, step_m: float = STEP_M) -> pd.DataFrame:
    """Per H3 cell at ``res``: ``last_at`` (UTC, the latest pass) and ``effort_h`` (unit-hours spent in it).

    Parameters
    ----------
    units : pandas.DataFrame
        Unit positions with ``unit_id``, ``at`` (UTC datetimes), ``lat``, ``lon`` (degrees, EPSG:4326).
    res : int
        H3 resolution of the result.
    since, until : datetime, optional
        Period of the effort, UTC; fixes outside it are ignored.
    max_gap_s, step_m : float
        Longest silence bridged by a straight track (seconds), and the sampling step along it (metres).

    Returns
    -------
    pandas.DataFrame
        ``cell`` (uint64), ``last_at``, ``effort_h``; one row per cell a patrol passed through.
    """
    missing = {"unit_id", "at", "lat", "lon"} - set(units.columns)
    if missing:
        raise CoverageError(msg("unit positions lack the column(s) {missing}", missing=sorted(missing)))
    if step_m <= 0 or max_gap_s <= 0:
        raise CoverageError(msg("step_m and max_gap_s must be > 0; got {step_m} and {max_gap_s}",
                                step_m=step_m, max_gap_s=max_gap_s))
    fixes = units[["unit_id", "at", "lat", "lon"]]
    if since is not None:
        fixes = fixes[fixes["at"] >= pd.Timestamp(since)]
    if until is not None:
        fixes = fixes[fixes["at"] <= pd.Timestamp(until)]
    empty = pd.DataFrame({"cell": np.empty(0, np.uint64), "last_at": pd.to_datetime([], utc=True),
                          "effort_h": np.empty(0)})
    if fixes.empty:
        return empty
    fixes = fixes.sort_values(["unit_id", "at"], kind="stable")
    t = fixes["at"].to_numpy(dtype="datetime64[ms]").astype(np.int64) / 1000.0
    lat, lon = fixes["lat"].to_numpy(dtype=float), fixes["lon"].to_numpy(dtype=float)
    unit = fixes["unit_id"].to_numpy()
    dt = np.diff(t)
    joined = (unit[1:] == unit[:-1]) & (dt > 0) & (dt <= max_gap_s)
    dy = np.diff(lat) * _M_PER_DEG
    dx = np.diff(lon) * _M_PER_DEG * np.cos(np.radians(lat[:-1]))
    n = np.where(joined, np.maximum(np.ceil(np.hypot(dx, dy) / step_m), 1), 0).astype(np.int64)
    seg = np.repeat(np.arange(n.size), n)
    # Sample k of n sits at the middle of its piece: (k + 0.5) / n along the segment.
    k = np.arange(seg.size) - np.repeat(np.cumsum(n) - n, n)
    f = (k + 0.5) / n[seg]
    sample_lat = lat[seg] + f * (lat[seg + 1] - lat[seg])
    sample_lon = lon[seg] + f * (lon[seg + 1] - lon[seg])
    sample_t = t[seg] + f * dt[seg]
    sample_h = dt[seg] / n[seg] / 3600.0
    # A lone fix (no joined neighbour) still marks its cell as visited, for no time.
    lone = np.ones(t.size, dtype=bool)
    lone[1:][joined] = False
    lone[:-1][joined] = False
    all_lat = np.concatenate([sample_lat, lat[lone]])
    all_lon = np.concatenate([sample_lon, lon[lone]])
    cells = latlng_to_cells(all_lat, all_lon, res)
    frame = pd.DataFrame({"cell": cells, "t": np.concatenate([sample_t, t[lone]]),
                          "h": np.concatenate([sample_h, np.zeros(int(lone.sum()))])})
    per_cell = frame.groupby("cell", sort=True).agg(t=("t", "max"), effort_h=("h", "sum")).reset_index()
    per_cell["last_at"] = pd.to_datetime((per_cell.pop("t") * 1000).round().astype(np.int64), unit="ms", utc=True)
    per_cell["cell"] = per_cell["cell"].to_numpy(dtype=np.uint64)
    return per_cell[["cell", "last_at", "effort_h"]]


def within_reach(per_cell: pd.DataFrame, *, rings: int) -> pd.DataFrame:
    """Patrol records spread to every cell within ``rings`` of a visited one (a patrol watches around itself).

    Each cell takes the latest ``last_at`` and the summed ``effort_h`` of the visited cells within
    reach. ``rings=0`` returns the records unchanged.
    """
    if rings < 0:
        raise CoverageError(msg("rings must be >= 0; got {rings}", rings=rings))
    if rings == 0 or per_cell.empty:
        return per_cell
    frame = pl.DataFrame({"cell": per_cell["cell"].to_numpy(dtype=np.uint64),
                          "t": per_cell["last_at"].to_numpy(dtype="datetime64[ms]").astype(np.int64),
                          "h": per_cell["effort_h"].to_numpy(dtype=float)})
    spread = (frame.select(plh3.grid_disk("cell", rings).alias("near"), "t", "h").explode("near")
              .group_by("near").agg(pl.col("t").max(), pl.col("h").sum()).sort("near"))
    return pd.DataFrame({"cell": spread["near"].to_numpy().astype(np.uint64),
                         "last_at": pd.to_datetime(spread["t"].to_numpy(), unit="ms", utc=True),
                         "effort_h": spread["h"].to_numpy()})


def read_unit_positions(db: Db, *, since: datetime) -> pd.DataFrame:
    """Every stored unit position from ``since`` (UTC) on: ``unit_id`` (source-qualified), ``at``, ``lat``, ``lon``."""
    frame = unit_tracks(db, since=since)
    # One unit id may be reused by two feeds: keep their tracks apart.
    frame["unit_id"] = frame.pop("source").astype(str) + "/" + frame["unit_id"].astype(str)
    return frame[["unit_id", "lat", "lon", "at"]]
