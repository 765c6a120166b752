"""``limes routes``: the likely crossing routes for the stored sensors and patrols, written as GeoJSON or GeoParquet."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from dashboard.cli_options import command_settings

PATROL_HISTORY = timedelta(days=30)
"""Unit positions read for the patrol window, as on the Coverage page."""


def add_routes_command(sub: argparse._SubParsersAction, add_db: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register ``limes routes`` on the command line's subparsers."""
    routes = sub.add_parser("routes", help="likely crossing routes over the border as GeoJSON or GeoParquet")
    routes.add_argument("--out", required=True, help="routes file: .geojson or .parquet (one LineString per route)")
    routes.add_argument("--k", type=int, default=5, help="how many distinct routes (1-10, default 5)")
    routes.add_argument("--corridor", help="also write the corridor band (H3 cells) here: .geojson or .parquet")
    routes.add_argument("--approach", nargs="+", metavar="LAT,LON",
                        help="approach points on the far side instead of the towns within reach")
    routes.add_argument("--seen-weight", type=float, default=3.0, help="extra cost factor where a sensor sees")
    routes.add_argument("--patrol-weight", type=float, default=1.0, help="extra cost factor where patrolled")
    routes.add_argument("--patrol-within-h", type=float, default=72.0, help="patrol window, hours (default 72)")
    add_db(routes)
    routes.set_defaults(handler=run_routes)


def run_routes(args: argparse.Namespace) -> int:
    """Compute the routes from the store's sensors and unit positions and write them; 0 on success."""
    from geo.coverage import (
        CostParams,
        CoverageParams,
        RouteParams,
        find_routes,
        load_route_grid,
        load_sensors,
        load_terrain,
        parse_points,
        patrol_cells,
        patrolled_cells,
        read_unit_positions,
        sensor_coverage,
        with_approach_points,
        write_routes,
    )
    from geo.store import open_store

    config = command_settings(args)
    started = time.perf_counter()
    params = CoverageParams(patrol_within_h=args.patrol_within_h)
    route = RouteParams(k=args.k)
    cost = CostParams(seen_weight=args.seen_weight, patrol_weight=args.patrol_weight)
    points = parse_points("\n".join(args.approach or ()))
    now = config.clock()
    store = open_store(config.store_url)
    try:
        sensors = load_sensors(store)
        units = read_unit_positions(store, since=now - PATROL_HISTORY)
    finally:
        store.close()
    terrain = load_terrain(params=params, region=config.region)
    grid = with_approach_points(load_route_grid(terrain, approach_km=route.approach_km, region=config.region), points)
    seen, skipped = sensor_coverage(terrain.dem, sensors, params=params)
    watched = patrolled_cells(patrol_cells(units, res=params.res), now=now, params=params)
    routes = find_routes(grid, seen, watched, params=route, cost_params=cost)
    written = write_routes(routes, Path(args.out), corridor_out=Path(args.corridor) if args.corridor else None)
    active = sum(s.status == "active" for s in sensors) - len(skipped)
    print(f"{len(routes.table)} routes ({active} sensors, {watched.size} patrolled cells) written to "
          f"{', '.join(map(str, written))} in {time.perf_counter() - started:.1f} s")
    for row in routes.table.itertuples():
        print(f"  #{row.rank}: {row.from_place} -> {row.to_place}, crosses {row.pair} at {row.crossing_lat:.4f} N "
              f"{row.crossing_lon:.4f} E, {row.length_km:.1f} km, {row.walk_h:.1f} h on foot, "
              f"{row.unseen_share:.0%} unseen")
    return 0
