"""The planners' page of the briefing pack: where a group would cross unseen, as a map and a table.

The routes, their crossing points and the corridor band come from :class:`geo.coverage.Routes`
(terrain, the stored sensors' line of sight, the patrols): geometry and aggregates, no people.
The one figure taken from events is how many fell within :data:`NEAR_KM` of each crossing in the
briefing's period, and it passes the small-count rule like every count in the pack: between 1 and
k-1 it is blanked (printed "<k"), and :func:`geo.briefing.suppression.check_suppressed` checks the
table again before anything is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import h3
import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib import patheffects
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure

from geo.briefing.maps import draw_basemap, set_extent
from geo.briefing.suppression import check_suppressed, suppress_series
from geo.coverage import Routes
from geo.errors import BriefingError, msg
from geo.grid import EventIndex
from geo.i18n import N_, Translator, translator
from geo.spatial import TOWN_REACH_KM, Basemap, bundled_region, describe_place, nearest_town, reader_town_names
from geo.timewindow import TimeWindow

NEAR_KM: Final[float] = 2.0
"""Events within this distance of a route's crossing point count as near it (the validation's radius)."""
EARTH_RADIUS_KM: Final[float] = 6371.0088
ROUTE_INK: Final[str] = "#c2187a"
"""The routes' colour on paper: the dashboard's route pink, darkened to print on white."""
BAND_INK: Final[str] = "#f4a6d7"
TABLE_COLUMNS: Final[tuple[str, ...]] = (N_("Route"), N_("From → to"), N_("Crosses at"), N_("km"), N_("h walk"),
                                         N_("unseen"), N_("events"))
"""The printed table's headers (English; :func:`table_columns` gives them in the reader's language)."""
TABLE_WIDTHS: Final[tuple[float, ...]] = (0.08, 0.33, 0.23, 0.07, 0.09, 0.09, 0.11)


@dataclass(frozen=True)
class PlannerRoutes:
    """The routes as the pack prints them.

    ``table`` is the route table of :data:`geo.coverage.COLUMNS` plus ``events_near`` (nullable
    integer, blanked between 1 and ``k``-1); ``paths`` are (n, 2) lon, lat arrays (EPSG:4326) in
    the table's order; ``band`` maps corridor H3 cells to their excess over the cheapest route.
    """

    table: pd.DataFrame
    paths: tuple[npt.NDArray[np.float64], ...]
    band: pd.Series
    k: int
    band_share: float


def _events_near(lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], crossings: pd.DataFrame,
                 near_km: float) -> npt.NDArray[np.int64]:
    """How many of the points (degrees) lie within ``near_km`` (great circle) of each crossing."""
    counts = np.zeros(len(crossings), dtype=np.int64)
    phi = np.radians(lat)
    for i, (c_lat, c_lon) in enumerate(zip(crossings["crossing_lat"], crossings["crossing_lon"], strict=True)):
        c_phi = np.radians(c_lat)
        a = np.sin((phi - c_phi) / 2) ** 2 + np.cos(phi) * np.cos(c_phi) * np.sin(np.radians(lon - c_lon) / 2) ** 2
        counts[i] = int((2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0))) <= near_km).sum())
    return counts


def planner_routes(routes: Routes, index: EventIndex, window: TimeWindow, *, k: int, band_share: float,
                   near_km: float = NEAR_KM) -> PlannerRoutes:
    """The routes with the events near each crossing in ``window``, counts below ``k`` blanked; ``band_share`` is
    the corridor's width as a share of the cheapest route's cost (as the routes were searched)."""
    table = routes.table.copy()
    events = index.events
    if len(events) and not {"lat", "lon"} <= set(events.columns):
        raise BriefingError(msg("the events lack lat/lon: cannot count events near the crossings"))
    t_s = index.t_s
    inside = (t_s >= window.start.timestamp()) & (t_s < window.end.timestamp())
    lat = events["lat"].to_numpy(dtype=float)[inside] if len(events) else np.empty(0)
    lon = events["lon"].to_numpy(dtype=float)[inside] if len(events) else np.empty(0)
    near = pd.Series(_events_near(lat, lon, table, near_km), index=table.index)
    table["events_near"] = suppress_series(near, k=k).round().astype("Int64")
    check_suppressed(table, columns=("events_near",), k=k)
    return PlannerRoutes(table=table, paths=routes.paths, band=routes.band, k=k, band_share=band_share)


def table_columns(tr: Translator) -> list[str]:
    """The printed table's headers in ``tr``'s language."""
    return [tr.gettext(column) for column in TABLE_COLUMNS]


def end_name(lon: float, lat: float, towns: pd.DataFrame, tr: Translator) -> str:
    """Where a route starts or ends (degrees): its nearest town of ``towns`` named for ``tr``'s reader as the maps
    name it (:func:`geo.spatial.reader_town_names`: Гевгелија for a Macedonian, Gevgelija for a Greek), or the
    position in words when no town is within :data:`geo.spatial.TOWN_REACH_KM`."""
    town = nearest_town(lat, lon, towns)
    if town.distance_km > TOWN_REACH_KM:
        return describe_place(lat=lat, lon=lon, towns=towns, tr=tr)
    return reader_town_names(towns.iloc[[town.position]], tr.code)[0]


def route_rows(planner: PlannerRoutes, *, towns: pd.DataFrame, tr: Translator = translator("en")) -> list[list[str]]:
    """The printed table's rows, in :data:`TABLE_COLUMNS` order: each route from and to its ends' nearest towns of
    ``towns`` (:func:`end_name`), numbers as ``tr``'s locale writes them."""
    rows = []
    for r, path in zip(planner.table.itertuples(), planner.paths, strict=True):
        near = f"<{planner.k}" if pd.isna(r.events_near) else tr.number(int(r.events_near))
        rows.append([f"R{r.rank}", tr.gettext("{start} → {end}").format(
                         start=end_name(float(path[0, 0]), float(path[0, 1]), towns, tr),
                         end=end_name(float(path[-1, 0]), float(path[-1, 1]), towns, tr)),
                     tr.gettext("{lat} N {lon} E").format(lat=tr.number(r.crossing_lat, decimals=3),
                                                          lon=tr.number(r.crossing_lon, decimals=3)),
                     tr.number(r.length_km, decimals=1), tr.number(r.walk_h, decimals=1), tr.percent(r.unseen_share),
                     near])
    return rows


def _bounds(planner: PlannerRoutes) -> tuple[float, float, float, float]:
    points = np.concatenate([*planner.paths, planner.table[["crossing_lon", "crossing_lat"]].to_numpy(float)])
    west, south = points.min(axis=0)
    east, north = points.max(axis=0)
    return float(west), float(south), float(east), float(north)


def draw_routes_map(fig: Figure, rect: tuple[float, float, float, float], planner: PlannerRoutes,
                    basemap: Basemap, *, tr: Translator = translator("en")) -> None:
    """The corridor band, the routes (white halo, thicker for the top three) and a ranked label per crossing."""
    ax = fig.add_axes(rect)
    set_extent(ax, _bounds(planner), margin_deg=0.08)
    draw_basemap(ax, basemap, town_rank=1, language=tr.code)
    line = basemap.borders[basemap.borders["pair"].isin((basemap.region or bundled_region()).pairs)].geometry
    ax.add_collection(LineCollection([np.asarray(part.coords)[:, :2] for g in line for part in getattr(g, "geoms", [g])],
                                     colors="#40485a", linewidths=1.4, zorder=5))
    if len(planner.band):
        polygons = [np.asarray(h3.cell_to_boundary(h3.int_to_str(int(c))))[:, ::-1] for c in planner.band.index]
        ax.add_collection(PolyCollection(polygons, facecolors=BAND_INK, edgecolors="none", alpha=0.55, zorder=4))
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    for rank, path in sorted(zip(planner.table["rank"], planner.paths, strict=True), reverse=True):
        width = 2.6 if rank <= 3 else 1.6
        ax.add_collection(LineCollection([path], colors="white", linewidths=width + 2.4, zorder=10, capstyle="round"))
        ax.add_collection(LineCollection([path], colors=ROUTE_INK, linewidths=width, zorder=11, capstyle="round",
                                         alpha=1.0 if rank <= 3 else 0.8))
    for r in planner.table.itertuples():
        ax.plot(r.crossing_lon, r.crossing_lat, "o", markersize=6, color=ROUTE_INK, markeredgecolor="white",
                markeredgewidth=1.2, zorder=12)
        ax.annotate(f"R{r.rank}", (r.crossing_lon, r.crossing_lat), xytext=(5, 4), textcoords="offset points",
                    fontsize=8, fontweight="bold", color=ROUTE_INK, path_effects=halo, zorder=13)
    ax.plot([], [], color=ROUTE_INK, linewidth=2.6, label=tr.gettext("likely route (top 3 thicker)"))
    ax.plot([], [], "s", color=BAND_INK, markersize=7, label=tr.gettext("corridor: within {share} of the cheapest")
            .format(share=tr.percent(planner.band_share)))
    ax.legend(loc="lower left", fontsize=6.5, frameon=True, framealpha=0.9)
