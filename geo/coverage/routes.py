"""Where a group would cross unseen: least-cost routes over the border, their crossing points and a corridor band.

Approach areas and destinations are two rings of ground along the line (or the user's points as
approach areas): every passable pixel of the far side that lies ``approach_km`` from the line,
and every such pixel of our side. A route is the cheapest way to get from ``approach_km`` out on
the far side to ``approach_km`` in on ours, so every route crosses the whole border band and is at
least ``2 * approach_km`` long. This is the modelling choice behind the ranking: it compares
crossings by the terrain and exposure of the band they traverse, not by where settlements happen
to sit (with towns as the ends, twin towns facing each other across the line a few km apart
always win, however watched, and a mountain gap between towns 70 km apart never does). The
bundled data holds no roads or villages to narrow the rings down. On the cost surface of
:mod:`geo.coverage.cost` over the coverage planner's metric DEM (the region's metric CRS, 90 m cells):

1. cost distance from all approach points (``d_from``) and from all destinations (``d_to``),
   two runs of :func:`geo.coverage.costdistance.cost_distance`;
2. the best route through a border cell ``b`` costs ``d_from[b] + d_to[b]`` (the step weights
   are symmetric), so every point of the line gets the cost of its best crossing at once;
3. the top K distinct routes are the cheapest crossings that are local minima along the line,
   taken greedily, skipping a crossing within ``min_separation_m`` of one already taken or whose
   path re-uses more than ``max_overlap`` of its cells. This replaces K re-runs with penalised
   cells by two runs in all, which keeps a what-if well under a second;
4. the corridor is every cell on some path within ``band_share`` of the optimum
   (``d_from + d_to <= (1 + band_share) * optimum``), reported per H3 cell.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from rasterio.features import rasterize
from rasterio.windows import Window
from rasterio.windows import transform as window_transform
from scipy.ndimage import distance_transform_edt, minimum_filter1d

from geo.coverage.corridor import CoverageParams
from geo.coverage.cost import (
    CostParams,
    cost_surface,
    exposure_factor,
    walking_surface,
    water_masks,
)
from geo.coverage.costdistance import cost_distance, trace_back
from geo.coverage.patrols import within_reach
from geo.errors import AnalysisError, CoverageError, msg
from geo.grid import latlng_to_cells
from geo.spatial import MetricDem, geometry_to_m

COLUMNS: Final[tuple[str, ...]] = ("rank", "from_place", "to_place", "pair", "length_km", "walk_h", "unseen_share",
                                   "cost_h", "crossing_lat", "crossing_lon")
"""The route table's columns: places are "lat, lon" of a route's ends, never people."""
RING_WIDTH_CELLS: Final[float] = 1.5
"""The approach and destination rings hold the pixels within this many cells inside ``approach_km`` of the line
(1.5: a ring without holes, 8-connected, along any direction)."""


@dataclass(frozen=True, slots=True)
class RouteParams:
    """How routes are searched.

    Attributes
    ----------
    k : int
        How many distinct routes to return (1-10).
    approach_km : float
        Approach areas and destinations are the ground this far from the line on either side, km
        (the far side's and ours); ground farther than this from the line is left out of the search.
    band_share : float
        The corridor holds cells on a path within this share of the optimum (0.1: 10 % dearer).
    min_separation_m : float
        Two routes cross the line at least this far apart, metres.
    max_overlap : float
        A route may share at most this share of its cells with better routes.
    """

    k: int = 5
    approach_km: float = 25.0
    band_share: float = 0.1
    min_separation_m: float = 8_000.0
    max_overlap: float = 0.5

    def __post_init__(self) -> None:
        if not (isinstance(self.k, int) and 1 <= self.k <= 10):
            raise CoverageError(msg("k must be a whole number within 1..10; got {k!r}", k=self.k))
        if not 2.0 <= self.approach_km <= 60.0:
            raise CoverageError(msg("approach_km must be within 2..60 km; got {approach_km}",
                                    approach_km=self.approach_km))
        if not 0 < self.band_share <= 1:
            raise CoverageError(msg("band_share must be in (0, 1]; got {band_share}",
                                    band_share=self.band_share))
        if not 0 <= self.min_separation_m <= 50_000:
            raise CoverageError(msg("min_separation_m must be within 0..50,000 m; got {min_separation_m}",
                                    min_separation_m=self.min_separation_m))
        if not 0 <= self.max_overlap <= 1:
            raise CoverageError(msg("max_overlap must be in [0, 1]; got {max_overlap}",
                                    max_overlap=self.max_overlap))


@dataclass(frozen=True)
class RouteGrid:
    """The part of the planner's DEM the routes are searched on, prepared once per terrain and ``approach_km``.

    ``window`` cuts it out of the planner's DEM (so its sensor counts can be cut alike);
    ``pace_s_per_m`` is Tobler's walking pace on dry ground (``inf`` on lakes, voids and beyond
    ``reach``), seconds per metre; ``lake``
    and ``river`` are water masks; ``reach`` marks ground within ``approach_km`` of the line;
    ``cell_index`` indexes each pixel's H3 cell in ``cells`` (-1 outside ``reach``); ``border``
    holds the line's pixels in order along each border part (``row``, ``col``, ``part``), with
    ``pairs`` naming each part; ``ends`` the approach (``side`` "far") and destination
    (``side`` "ours") pixels with their ``row``, ``col`` and ``place`` (its "lat, lon"): the
    rings of passable ground ``approach_km`` from the line on either side.
    """

    dem: MetricDem
    window: tuple[slice, slice]
    pace_s_per_m: npt.NDArray[np.float64]
    lake: npt.NDArray[np.bool_]
    river: npt.NDArray[np.bool_]
    reach: npt.NDArray[np.bool_]
    cells: npt.NDArray[np.uint64]
    cell_index: npt.NDArray[np.int32]
    border: pd.DataFrame
    pairs: tuple[str, ...]
    ends: pd.DataFrame


@dataclass(frozen=True)
class Routes:
    """Top routes and the corridor band.

    ``table`` has :data:`COLUMNS`, best first; ``paths`` the routes as (n, 2) lon, lat arrays
    (EPSG:4326) in the table's order; ``band`` maps corridor cells (uint64 H3 ids at the
    planner's resolution) to how much dearer their best path is than the optimum (0..band_share).
    """

    table: pd.DataFrame
    paths: tuple[npt.NDArray[np.float64], ...]
    band: pd.Series
    optimum_h: float


def prepare_route_grid(dem: MetricDem, borders: gpd.GeoDataFrame, our_countries: frozenset[str],
                       countries: gpd.GeoDataFrame, lakes: gpd.GeoSeries, rivers: gpd.GeoSeries, *, approach_km: float,
                       res: int, bridges_lonlat: Sequence[tuple[float, float]] = ()) -> RouteGrid:
    """Cut the DEM to ``approach_km`` around the EU-external line and index what the route search needs.

    ``borders`` (EPSG:4326, boolean ``eu_external``, ``pair``), ``our_countries`` (ISO 3166
    alpha-3 codes of our side), ``countries`` (EPSG:4326 polygons with ``adm0_a3``: which side
    each ring pixel is on; pixels in no country, such as the sea, are neither),
    ``lakes``/``rivers`` (EPSG:4326 geometries) and the H3 resolution ``res`` of the corridor band.
    """
    lines = borders.loc[borders["eu_external"].astype(bool)].reset_index(drop=True)
    if lines.empty:
        raise CoverageError(msg("no EU-external border among the given borders: there is nothing to cross"))
    reach_m = approach_km * 1000.0
    minx, miny, maxx, maxy = geometry_to_m(shapely.union_all(lines.geometry.values), crs=dem.crs).buffer(reach_m).bounds
    col0, row0 = (~dem.transform * (minx, maxy))
    col1, row1 = (~dem.transform * (maxx, miny))
    window = Window.from_slices((max(int(row0), 0), min(int(np.ceil(row1)), dem.shape[0])),
                                (max(int(col0), 0), min(int(np.ceil(col1)), dem.shape[1])))
    rows, cols = window.toslices()
    sub = MetricDem(elevation_m=dem.elevation_m[rows, cols], transform=window_transform(window, dem.transform),
                    crs=dem.crs, cell_size_m=dem.cell_size_m)
    border = _border_pixels(sub, lines)
    on_line = np.zeros(sub.shape, dtype=bool)
    on_line[border["row"].to_numpy(), border["col"].to_numpy()] = True
    from_line_m = distance_transform_edt(~on_line) * sub.cell_size_m
    reach = (from_line_m <= reach_m) & np.isfinite(sub.elevation_m)
    lake, river = water_masks(sub, lakes, rivers, bridges_lonlat=bridges_lonlat)
    pr, pc = np.nonzero(reach)
    lon, lat = sub.cell_lonlat(pr, pc)
    cells, inverse = np.unique(latlng_to_cells(lat, lon, res), return_inverse=True)
    cell_index = np.full(sub.shape, -1, dtype=np.int32)
    cell_index[pr, pc] = inverse.astype(np.int32)
    ring = reach & ~lake & (from_line_m > reach_m - RING_WIDTH_CELLS * sub.cell_size_m)
    ends = _ring_ends(sub, countries, our_countries, ring)
    pace = walking_surface(sub, lake=lake, river=river, params=CostParams(river_factor=1.0))
    return RouteGrid(dem=sub, window=(rows, cols), pace_s_per_m=np.where(reach, pace, np.inf), lake=lake, river=river,
                     reach=reach, cells=cells, cell_index=cell_index, border=border,
                     pairs=tuple(str(p) for p in lines["pair"]), ends=ends)


def _border_pixels(dem: MetricDem, lines: gpd.GeoDataFrame) -> pd.DataFrame:
    """The pixels the lines pass through, in order along each line (sampled every third of a cell)."""
    frames = []
    for part, line in enumerate(geometry_to_m(lines.geometry.values, crs=dem.crs)):
        for piece in getattr(line, "geoms", [line]):
            steps = np.arange(0.0, piece.length, dem.cell_size_m / 3.0)
            x, y = shapely.get_coordinates(shapely.line_interpolate_point(piece, steps)).T
            col, row = ~dem.transform * (x, y)
            rc = np.column_stack([np.floor(row), np.floor(col)]).astype(np.int64)
            inside = (rc[:, 0] >= 0) & (rc[:, 0] < dem.shape[0]) & (rc[:, 1] >= 0) & (rc[:, 1] < dem.shape[1])
            rc = rc[inside]
            keep = np.ones(len(rc), dtype=bool)
            keep[1:] = (np.diff(rc, axis=0) != 0).any(axis=1)
            frames.append(pd.DataFrame({"row": rc[keep, 0], "col": rc[keep, 1], "part": part}))
    border = pd.concat(frames, ignore_index=True)
    if border.empty:
        raise CoverageError(msg("the EU-external border does not cross the elevation data"))
    return border


def _ring_ends(dem: MetricDem, countries: gpd.GeoDataFrame, our_countries: frozenset[str],
               ring: npt.NDArray[np.bool_]) -> pd.DataFrame:
    """The ring's pixels with their side, ``far`` (approach) or ``ours`` (destination), named by their "lat, lon"."""
    def side(codes: pd.Series) -> npt.NDArray[np.bool_]:
        shapes = [g for g in geometry_to_m(countries.loc[codes].geometry.values, crs=dem.crs) if g is not None]
        if not shapes:
            return np.zeros(dem.shape, dtype=bool)
        return rasterize(shapes, out_shape=dem.shape, transform=dem.transform, fill=0, default_value=1,
                         dtype="uint8").astype(bool)

    ours_code = countries["adm0_a3"].isin(our_countries)
    our_ground = side(ours_code)
    ours, theirs = our_ground & ring, side(~ours_code) & ring & ~our_ground
    rows, cols = np.nonzero(ours | theirs)
    lon, lat = dem.cell_lonlat(rows, cols)
    return pd.DataFrame({"place": [f"{a:.4f}, {b:.4f}" for a, b in zip(lat, lon, strict=True)], "row": rows,
                         "col": cols, "side": np.where(ours[rows, cols], "ours", "far")})


def with_approach_points(grid: RouteGrid, points: Sequence[tuple[float, float]]) -> RouteGrid:
    """The grid with the user's ``(lat, lon)`` points as the approach areas instead of the far side's ring."""
    if not points:
        return grid
    lat, lon = np.asarray(points, dtype=float).reshape(-1, 2).T
    rows, cols, inside = grid.dem.rowcol(lat, lon)
    ok = inside & grid.reach[rows, cols] & ~grid.lake[rows, cols]
    if not ok.any():
        raise CoverageError(msg("none of the {n} approach points lies within the search area on passable ground",
                                n=len(lat)))
    far = pd.DataFrame({"place": [f"{a:.4f}, {b:.4f}" for a, b in zip(lat[ok], lon[ok], strict=True)],
                        "row": rows[ok], "col": cols[ok], "side": "far"})
    ends = pd.concat([far, grid.ends[grid.ends["side"] == "ours"]], ignore_index=True)
    return replace(grid, ends=ends)


def patrolled_cells(patrols: pd.DataFrame, *, now: datetime, params: CoverageParams) -> npt.NDArray[np.uint64]:
    """Cells a patrol watched within the planner's window (``patrol_within_h``, spread by its reach rings)."""
    spread = within_reach(patrols, rings=params.patrol_reach_rings)
    if spread.empty:
        return np.empty(0, dtype=np.uint64)
    hours = (pd.Timestamp(now) - spread["last_at"]).dt.total_seconds().to_numpy() / 3600.0
    return spread["cell"].to_numpy(dtype=np.uint64)[(hours >= 0) & (hours <= params.patrol_within_h)]


def route_cost(grid: RouteGrid, seen_count: npt.NDArray[np.integer], patrolled: npt.NDArray[np.uint64], *,
               params: CostParams) -> npt.NDArray[np.float64]:
    """The crossing cost surface on ``grid``, effective seconds per metre; ``seen_count`` is on the planner's DEM."""
    pace = np.where(grid.river, grid.pace_s_per_m * params.river_factor, grid.pace_s_per_m)
    watched = np.isin(grid.cells, patrolled)
    on_patrol = np.where(grid.cell_index >= 0, watched[grid.cell_index], False)
    exposure = exposure_factor(seen_count[grid.window], on_patrol, params=params)
    return cost_surface(pace, exposure)


def find_routes(grid: RouteGrid, seen_count: npt.NDArray[np.integer], patrolled: npt.NDArray[np.uint64], *,
                params: RouteParams, cost_params: CostParams) -> Routes:
    """The top ``params.k`` distinct crossing routes and the corridor band for the given sensors and patrols.

    Parameters
    ----------
    grid : RouteGrid
        From :func:`prepare_route_grid`.
    seen_count : numpy.ndarray
        How many active sensors see each pixel of the planner's DEM (the assessment's ``seen_count``).
    patrolled : numpy.ndarray of uint64
        H3 cells (the grid's resolution) a patrol watched within the window, from :func:`patrolled_cells`.

    Raises
    ------
    AnalysisError
        No approach area or destination, or no route between them.
    """
    far = grid.ends[grid.ends["side"] == "far"]
    ours = grid.ends[grid.ends["side"] == "ours"]
    if far.empty or ours.empty:
        raise AnalysisError(msg("routes need approach areas and destinations; found {n_approach} and "
                                "{n_destinations}",
                                n_approach=len(far), n_destinations=len(ours)))
    cost = route_cost(grid, seen_count, patrolled, params=cost_params)
    cell_m = grid.dem.cell_size_m
    d_from, back_from = cost_distance(cost, far[["row", "col"]].to_numpy(), dx_m=cell_m)
    d_to, back_to = cost_distance(cost, ours[["row", "col"]].to_numpy(), dx_m=cell_m)
    total = d_from + d_to
    b_rows, b_cols = grid.border["row"].to_numpy(), grid.border["col"].to_numpy()
    along = total[b_rows, b_cols]
    if not np.isfinite(along).any():
        raise AnalysisError(msg("no route joins the approach areas to the destinations within the search area"))
    optimum = float(np.nanmin(along[np.isfinite(along)]))
    chosen = _pick(grid, along, back_from, back_to, params=params)
    width = grid.dem.shape[1]
    names = dict(zip((grid.ends["row"].to_numpy() * width + grid.ends["col"].to_numpy()).tolist(),
                     grid.ends["place"].tolist(), strict=True))
    pace = grid.pace_s_per_m
    rows, paths = [], []
    for rank, (i, path) in enumerate(chosen, start=1):
        lon, lat = grid.dem.cell_lonlat(path[:, 0], path[:, 1])
        steps_m = cell_m * np.hypot(*np.diff(path, axis=0).T)
        walk_s = float(np.sum(steps_m * (pace[path[1:, 0], path[1:, 1]] + pace[path[:-1, 0], path[:-1, 1]]) / 2))
        seen = seen_count[grid.window][path[1:, 0], path[1:, 1]] > 0
        c_lon, c_lat = grid.dem.cell_lonlat(b_rows[i:i + 1], b_cols[i:i + 1])
        rows.append({"rank": rank, "from_place": names.get(int(path[0, 0]) * width + int(path[0, 1]), ""),
                     "to_place": names.get(int(path[-1, 0]) * width + int(path[-1, 1]), ""),
                     "pair": grid.pairs[int(grid.border["part"].iat[i])], "length_km": float(steps_m.sum()) / 1000.0,
                     "walk_h": walk_s / 3600.0,
                     "unseen_share": float(np.sum(steps_m[~seen]) / max(steps_m.sum(), 1e-9)),
                     "cost_h": float(along[i]) / 3600.0, "crossing_lat": float(c_lat[0]),
                     "crossing_lon": float(c_lon[0])})
        paths.append(np.column_stack([lon, lat]))
    return Routes(table=pd.DataFrame(rows, columns=list(COLUMNS)), paths=tuple(paths),
                  band=_band(grid, total, optimum, params.band_share), optimum_h=optimum / 3600.0)


def _pick(grid: RouteGrid, along: npt.NDArray[np.float64], back_from: npt.NDArray[np.int8],
          back_to: npt.NDArray[np.int8], *, params: RouteParams) -> list[tuple[int, npt.NDArray[np.int64]]]:
    """Border pixels (index into ``grid.border``) of the top distinct routes, with their paths."""
    finite = np.where(np.isfinite(along), along, np.inf)
    # Local minima along each part of the line, over half the separation either side.
    half = max(int(params.min_separation_m / grid.dem.cell_size_m / 2), 1)
    local = np.zeros(along.size, dtype=bool)
    for part in np.unique(grid.border["part"]):
        m = (grid.border["part"] == part).to_numpy()
        local[m] = minimum_filter1d(finite[m], size=2 * half + 1, mode="nearest") == finite[m]
    order = [i for i in np.argsort(finite, kind="stable") if local[i] and np.isfinite(finite[i])]
    xy = grid.border[["row", "col"]].to_numpy(dtype=float) * grid.dem.cell_size_m
    used: set[int] = set()
    chosen: list[tuple[int, npt.NDArray[np.int64]]] = []
    for i in order:
        if len(chosen) == params.k:
            break
        if any(np.hypot(*(xy[i] - xy[j])) < params.min_separation_m for j, _ in chosen):
            continue
        r, c = int(grid.border["row"].iat[i]), int(grid.border["col"].iat[i])
        path = np.vstack([trace_back(back_from, r, c), trace_back(back_to, r, c)[::-1][1:]])
        flat = set((path[:, 0] * grid.dem.shape[1] + path[:, 1]).tolist())
        if used and len(flat & used) > params.max_overlap * len(flat):
            continue
        used |= flat
        chosen.append((int(i), path))
    return chosen


def _band(grid: RouteGrid, total: npt.NDArray[np.float64], optimum: float, share: float) -> pd.Series:
    """Corridor cells: H3 cells holding a pixel on a path within ``share`` of the optimum, with the best such excess."""
    inside = (total <= optimum * (1.0 + share)) & (grid.cell_index >= 0)
    excess = total[inside] / optimum - 1.0
    frame = pd.DataFrame({"i": grid.cell_index[inside], "excess": np.maximum(excess, 0.0)})
    best = frame.groupby("i")["excess"].min()
    return pd.Series(best.to_numpy(), index=pd.Index(grid.cells[best.index.to_numpy()], name="cell"), name="excess")


def compare_routes(before: pd.DataFrame, after: pd.DataFrame, *, within_m: float = 2_000.0) -> pd.DataFrame:
    """Which routes a what-if closes and which it opens, by crossing point.

    Returns ``after``'s routes with ``status`` "kept" (a route of ``before`` crossed within
    ``within_m``) or "new", followed by ``before``'s routes no route of ``after`` comes near,
    with ``status`` "closed" (their ``rank`` is their rank before).
    """
    def near(a: pd.DataFrame, b: pd.DataFrame) -> npt.NDArray[np.bool_]:
        if a.empty or b.empty:
            return np.zeros(len(a), dtype=bool)
        dy = (a["crossing_lat"].to_numpy()[:, None] - b["crossing_lat"].to_numpy()[None, :]) * 111_195.0
        dx = (a["crossing_lon"].to_numpy()[:, None] - b["crossing_lon"].to_numpy()[None, :]) * 111_195.0 * np.cos(
            np.radians(a["crossing_lat"].to_numpy()[:, None]))
        return (np.hypot(dx, dy) <= within_m).any(axis=1)

    now = after.assign(status=np.where(near(after, before), "kept", "new"))
    closed = before[~near(before, after)].assign(status="closed")
    return pd.concat([now, closed], ignore_index=True) if len(closed) else now
