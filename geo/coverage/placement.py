"""Where to put K new sensors: the maximal covering location problem on the corridor's cells.

Candidate sites are high ground near the border (the highest DEM pixel of each coarse H3 cell
of a band on our side) or points a user gives. Each candidate's viewshed, with the sensor model
to be installed, decides which corridor cells it would see; the objective is the risk-weighted
sum of currently uncovered cells that K sites see together (Church and ReVelle 1974).

- :func:`greedy_placement` takes the site with the largest marginal gain K times, with lazy
  evaluation (Minoux's accelerated greedy, "CELF"): gains only shrink as cells get covered, so a
  stale gain at the top of the heap is an upper bound and most sites are never re-evaluated.
  Coverage is submodular, so greedy reaches at least (1 - 1/e) ~ 63 % of the optimum
  (Nemhauser, Wolsey and Fisher 1978); in practice it is usually optimal or close.
- :func:`optimal_placement` solves the same problem exactly as a mixed-integer programme with
  scipy's HiGHS (``scipy.optimize.milp``), for small instances and for checking greedy.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.optimize import Bounds, LinearConstraint, milp

from geo.coverage.corridor import Corridor, CoverageParams, build_corridor
from geo.coverage.viewshed import viewshed
from geo.errors import AnalysisError, CoverageError, msg
from geo.spatial import MetricDem

CANDIDATE_RES: Final[int] = 7
"""One candidate per H3 cell at this resolution (~5 km², ~2.4 km across)."""
MILP_TIME_LIMIT_S: Final[float] = 20.0


@dataclass(frozen=True, slots=True)
class SiteModel:
    """The sensor to be installed at a new site.

    Attributes
    ----------
    height_m : float
        Mast height above ground, metres.
    range_m : float
        Useful range, metres.
    """

    height_m: float = 24.0
    range_m: float = 12_000.0

    def __post_init__(self) -> None:
        if not (0 <= self.height_m <= 200 and 0 < self.range_m <= 50_000):
            raise CoverageError(msg("a site model needs 0 <= height_m <= 200 and 0 < range_m <= 50,000; got {self}",
                                    self=self))


def candidate_sites(dem: MetricDem, borders: gpd.GeoDataFrame, our_side: shapely.Geometry, *,
                    search_m: float = 5_000.0, res: int = CANDIDATE_RES) -> pd.DataFrame:
    """High ground near the border: the highest pixel of each H3 cell at ``res`` within ``search_m`` on our side.

    Returns ``lat``, ``lon`` (degrees), ``row``, ``col`` (in ``dem``) and ``elevation_m``, highest first.
    """
    band = build_corridor(dem, borders, our_side, width_m=search_m, res=res)
    z = dem.elevation_m[band.pixel_rows, band.pixel_cols]
    frame = pd.DataFrame({"cell": band.pixel_cell, "z": z, "row": band.pixel_rows, "col": band.pixel_cols})
    best = frame.loc[frame.groupby("cell")["z"].idxmax()]
    return sites_at(dem, best["row"].to_numpy(), best["col"].to_numpy())


def sites_at(dem: MetricDem, rows: npt.ArrayLike, cols: npt.ArrayLike) -> pd.DataFrame:
    """Candidate sites at the given DEM cells (``lat``, ``lon``, ``row``, ``col``, ``elevation_m``), highest first."""
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    lon, lat = dem.cell_lonlat(rows, cols)
    frame = pd.DataFrame({"lat": lat.round(5), "lon": lon.round(5), "row": rows, "col": cols,
                          "elevation_m": dem.elevation_m[rows, cols].astype(float)})
    frame = frame[np.isfinite(frame["elevation_m"])]
    return frame.sort_values("elevation_m", ascending=False, kind="stable").reset_index(drop=True)


def user_sites(dem: MetricDem, lat: npt.ArrayLike, lon: npt.ArrayLike) -> pd.DataFrame:
    """Candidate sites at user-given points (degrees, EPSG:4326); points off the DEM or on voids are refused."""
    rows, cols, inside = dem.rowcol(lat, lon)
    if not inside.all() or not np.isfinite(dem.elevation_m[rows, cols]).all():
        raise CoverageError(msg("every candidate point must lie on the elevation grid, on a cell with data"))
    return sites_at(dem, rows, cols)


def coverage_sets(corridor: Corridor, sites: pd.DataFrame, *, model: SiteModel, params: CoverageParams
                  ) -> sp.csr_matrix:
    """Which corridor cells each site would see: a boolean sites x cells matrix (CSR)."""
    dem = corridor.dem
    rows, cols = [], []
    for i, (r, c) in enumerate(zip(sites["row"].tolist(), sites["col"].tolist())):
        seen = viewshed(dem.elevation_m, dem.cell_size_m, r, c, observer_height_m=model.height_m,
                        target_height_m=params.target_height_m, max_distance_m=model.range_m,
                        refraction_coeff=params.refraction_coeff)
        hit = np.flatnonzero(corridor.cell_share(seen) >= params.seen_share)
        rows.append(np.full(hit.size, i))
        cols.append(hit)
    data_rows = np.concatenate(rows) if rows else np.empty(0, np.int64)
    data_cols = np.concatenate(cols) if cols else np.empty(0, np.int64)
    return sp.csr_matrix((np.ones(data_rows.size, dtype=bool), (data_rows, data_cols)),
                         shape=(len(sites), len(corridor)))


def _check(sets: sp.csr_matrix, weights: npt.NDArray[np.float64], k: int) -> None:
    if sets.shape[1] != weights.size:
        raise CoverageError(f"{sets.shape[1]} cells in the coverage sets but {weights.size} weights")
    if k < 1:
        raise CoverageError(msg("k (sites to choose) must be >= 1; got {k}", k=k))
    if sets.shape[0] == 0:
        raise CoverageError(msg("no candidate sites to choose from"))
    if (weights < 0).any():
        raise CoverageError("cell weights must be >= 0")


def greedy_placement(sets: sp.csr_matrix, weights: npt.ArrayLike, k: int) -> tuple[list[int], list[float]]:
    """Up to ``k`` sites by lazy greedy maximal covering; returns their indices and marginal gains, in order.

    Stops early when no site adds anything.
    """
    w = np.asarray(weights, dtype=np.float64)
    _check(sets, w, k)
    sets = sp.csr_matrix(sets)
    covered = np.zeros(w.size, dtype=bool)

    def gain(j: int) -> float:
        cells = sets.indices[sets.indptr[j]:sets.indptr[j + 1]]
        return float(w[cells[~covered[cells]]].sum())

    heap = [(-g, j) for j, g in enumerate(np.asarray(sets @ w).ravel().tolist())]
    heapq.heapify(heap)
    chosen: list[int] = []
    gains: list[float] = []
    while heap and len(chosen) < k:
        _, j = heapq.heappop(heap)
        g = gain(j)
        # Stale gains only overestimate: if the fresh one still beats the next bound, j is the best.
        if heap and g < -heap[0][0] - 1e-12:
            heapq.heappush(heap, (-g, j))
            continue
        if g <= 0:
            break
        chosen.append(j)
        gains.append(g)
        covered[sets.indices[sets.indptr[j]:sets.indptr[j + 1]]] = True
    return chosen, gains


def optimal_placement(sets: sp.csr_matrix, weights: npt.ArrayLike, k: int, *,
                      time_limit_s: float = MILP_TIME_LIMIT_S) -> tuple[list[int], float]:
    """The exact maximal covering optimum by mixed-integer programming (HiGHS); indices and objective.

    Variables: ``x_j`` (site j chosen, binary) and ``y_i`` (cell i covered, in [0, 1]); maximise
    ``sum w_i y_i`` subject to ``y_i <= sum_j a_ji x_j`` and ``sum x_j <= k``. ``y`` need not be
    integer: at an optimum it is 1 exactly where some chosen site sees the cell.

    Raises
    ------
    AnalysisError
        If the solver does not prove optimality within ``time_limit_s`` (too large an instance).
    """
    w = np.asarray(weights, dtype=np.float64)
    _check(sets, w, k)
    useful = np.flatnonzero((w > 0) & (np.asarray(sets.sum(axis=0)).ravel() > 0))
    if useful.size == 0:
        return [], 0.0  # nothing left to gain: every weighted cell is covered or out of every site's sight
    a = sp.csc_matrix(sets, dtype=np.float64)[:, useful]
    n_sites, n_cells = a.shape
    objective = np.concatenate([np.zeros(n_sites), -w[useful]])
    cover = sp.hstack([-a.T, sp.identity(n_cells)], format="csr")
    budget = sp.hstack([sp.csr_matrix(np.ones((1, n_sites))), sp.csr_matrix((1, n_cells))], format="csr")
    result = milp(objective, constraints=[LinearConstraint(cover, -np.inf, 0.0), LinearConstraint(budget, 0, k)],
                  integrality=np.concatenate([np.ones(n_sites), np.zeros(n_cells)]), bounds=Bounds(0.0, 1.0),
                  options={"time_limit": time_limit_s})
    if result.status != 0 or result.x is None:
        raise AnalysisError(msg("the exact placement was not solved ({message}); use the greedy result",
                                message=result.message))
    chosen = [int(j) for j in np.flatnonzero(result.x[:n_sites] > 0.5)]
    return chosen, float(-result.fun)


def coverage_value(sets: sp.csr_matrix, weights: npt.ArrayLike, chosen: list[int]) -> float:
    """Weight of the cells the ``chosen`` sites see together."""
    if not chosen:
        return 0.0
    seen = np.asarray(sp.csr_matrix(sets)[chosen].sum(axis=0)).ravel() > 0
    return float(np.asarray(weights, dtype=np.float64)[seen].sum())


def recommend(candidates: pd.DataFrame, sets: sp.csr_matrix, weights: npt.ArrayLike, k: int, *,
              exact_time_limit_s: float = 5.0) -> tuple[pd.DataFrame, float | None]:
    """The greedy sites as a table (``rank``, ``lat``, ``lon``, ``elevation_m``, ``gain``) and the exact optimum.

    The optimum is ``None`` when the solver cannot prove it within ``exact_time_limit_s``; greedy's
    (1 - 1/e) guarantee still holds then.
    """
    chosen, gains = greedy_placement(sets, weights, k)
    sites = candidates.iloc[chosen][["lat", "lon", "elevation_m"]].reset_index(drop=True)
    sites.insert(0, "rank", np.arange(1, len(sites) + 1))
    sites["gain"] = gains
    try:
        _, optimum = optimal_placement(sets, weights, k, time_limit_s=exact_time_limit_s)
    except AnalysisError:
        optimum = None
    return sites, optimum


def parse_points(text: str) -> tuple[tuple[float, float], ...]:
    """Candidate points typed one per line as ``lat, lon`` (degrees, EPSG:4326); blank lines are skipped."""
    points = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.replace(";", ",").split(",")
        try:
            lat, lon = (float(p) for p in parts)
        except ValueError:
            raise CoverageError(msg("line {number}: expected 'lat, lon' in degrees; got {text!r}",
                                    number=number, text=line.strip())) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise CoverageError(msg("line {number}: ({lat}, {lon}) is not a lat, lon position",
                                    number=number, lat=lat, lon=lon))
        points.append((lat, lon))
    return tuple(points)
