"""``limes routes``: the likely crossing routes for the stored sensors and patrols, written as GeoJSON or GeoParquet."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from dashboard.cli_options import cli_audit, command_settings, command_translator

if TYPE_CHECKING:
    from geo.briefing import PlannerRoutes
    from geo.coverage import CostParams, CoverageParams, RouteParams, Routes
    from geo.region import Region
    from geo.timewindow import TimeWindow

PATROL_HISTORY = timedelta(days=30)
"""Unit positions read for the patrol window, as on the Coverage page."""


def add_routes_command(sub: argparse._SubParsersAction, add_db: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register ``limes routes`` on the command line's subparsers."""
    routes = sub.add_parser("routes", help="likely crossing routes over the border as GeoJSON or GeoParquet")
    routes.add_argument("--out", required=True, help="routes file: .geojson or .parquet (one LineString per route)")
    routes.add_argument("--k", type=int, default=5, help="how many distinct routes (1-10, default 5)")
    routes.add_argument("--corridor", help="also write the corridor band (H3 cells) here: .geojson or .parquet")
    routes.add_argument("--approach", nargs="+", metavar="LAT,LON",
                        help="approach points on the far side instead of its ground 25 km from the line")
    routes.add_argument("--seen-weight", type=float, default=3.0, help="extra cost factor where a sensor sees")
    routes.add_argument("--patrol-weight", type=float, default=1.0, help="extra cost factor where patrolled")
    routes.add_argument("--patrol-within-h", type=float, default=72.0, help="patrol window, hours (default 72)")
    add_db(routes)
    routes.set_defaults(handler=run_routes)


def stored_routes(store_url: str, *, region: Region, now: datetime, params: CoverageParams, route: RouteParams,
                  cost: CostParams, points: Sequence[tuple[float, float]] = ()) -> tuple[Routes, int, int]:
    """The routes for the store's sensors and the unit positions of the last :data:`PATROL_HISTORY`, with the
    number of sensors used and of patrolled cells."""
    from geo.coverage import (
        find_routes,
        load_route_grid,
        load_sensors,
        load_terrain,
        patrol_cells,
        patrolled_cells,
        read_unit_positions,
        sensor_coverage,
        with_approach_points,
    )
    from geo.store import open_store

    store = open_store(store_url)
    try:
        sensors = load_sensors(store)
        units = read_unit_positions(store, since=now - PATROL_HISTORY)
    finally:
        store.close()
    terrain = load_terrain(params=params, region=region)
    grid = with_approach_points(load_route_grid(terrain, approach_km=route.approach_km, region=region), points)
    seen, skipped = sensor_coverage(terrain.dem, sensors, params=params)
    watched = patrolled_cells(patrol_cells(units, res=params.res), now=now, params=params)
    active = sum(s.status == "active" for s in sensors) - len(skipped)
    return find_routes(grid, seen, watched, params=route, cost_params=cost), active, int(watched.size)


def report_routes(store_url: str, window: TimeWindow, *, region: Region, k: int, now: datetime) -> PlannerRoutes:
    """The planners' routes page of ``limes report --routes``: default weights, the Coverage page's patrol window,
    events near each crossing in ``window`` blanked below ``k``."""
    from geo.briefing import planner_routes
    from geo.coverage import CostParams, CoverageParams, RouteParams
    from geo.grid import EventIndex
    from geo.store import open_store, read_events

    route = RouteParams()
    routes, _, _ = stored_routes(store_url, region=region, now=now, params=CoverageParams(), route=route,
                                 cost=CostParams())
    store = open_store(store_url)
    try:
        index = EventIndex(read_events(store))
    finally:
        store.close()
    return planner_routes(routes, index, window, k=k, band_share=route.band_share)


def run_routes(args: argparse.Namespace) -> int:
    """Compute the routes from the store's sensors and unit positions and write them; 0 on success."""
    from geo.coverage import CostParams, CoverageParams, RouteParams, parse_points, write_routes

    config = command_settings(args)
    started = time.perf_counter()
    params = CoverageParams(patrol_within_h=args.patrol_within_h)
    route = RouteParams(k=args.k)
    cost = CostParams(seen_weight=args.seen_weight, patrol_weight=args.patrol_weight)
    points = parse_points("\n".join(args.approach or ()))
    routes, active, watched = stored_routes(config.store_url, region=config.region, now=config.clock(), params=params,
                                            route=route, cost=cost, points=points)
    written = write_routes(routes, Path(args.out), corridor_out=Path(args.corridor) if args.corridor else None)
    cli_audit(config.store_url, "export", target=Path(args.out).name,
              detail=f"{len(routes.table)} crossing routes: {', '.join(p.name for p in written)}"[:200])
    tr = command_translator(args)
    summary = tr.gettext("{n} routes ({sensors} sensors, {cells} patrolled cells) written to {files} in {seconds} s")
    print(summary.format(n=len(routes.table), sensors=active, cells=watched, files=", ".join(map(str, written)),
                         seconds=tr.number(time.perf_counter() - started, decimals=1)))
    for row in routes.table.itertuples():
        print(tr.gettext("  #{rank}: {start} -> {end}, crosses {pair} at {lat} N {lon} E, {km} km, {hours} h on foot, "
                         "{unseen} unseen").format(
            rank=row.rank, start=row.from_place, end=row.to_place, pair=row.pair,
            lat=tr.number(row.crossing_lat, decimals=4), lon=tr.number(row.crossing_lon, decimals=4),
            km=tr.number(row.length_km, decimals=1), hours=tr.number(row.walk_h, decimals=1),
            unseen=tr.percent(row.unseen_share)))
    return 0
