"""What sensors and patrols see: viewsheds, the border corridor, patrol coverage, gaps, placement, crossing routes.

Sensors are data in the store; the assessment ties terrain, sensors and patrols together for the planner, and the
routes ask where a group would cross unseen.
"""

from geo.coverage.assessment import (
    Assessment,
    Terrain,
    assess,
    candidate_coverage,
    load_route_grid,
    load_terrain,
    our_side,
    seen_by_sensors,
)
from geo.coverage.corridor import CoverageParams, covered_share, grid_azimuth_deg, sensor_coverage
from geo.coverage.cost import CostParams, cost_surface, exposure_factor, tobler_speed_kmh, walking_pace_s_per_m
from geo.coverage.costdistance import cost_distance, trace_back
from geo.coverage.diskcache import DiskCache, content_key, file_digest
from geo.coverage.gaps import DEFAULT_RISK, RiskParams, patrol_areas
from geo.coverage.patrols import patrol_cells, read_unit_positions, within_reach
from geo.coverage.placement import (
    SiteModel,
    coverage_sets,
    coverage_value,
    greedy_placement,
    optimal_placement,
    parse_points,
    recommend,
    user_sites,
)
from geo.coverage.routefiles import corridor_frame, frame_bytes, routes_frame, write_routes
from geo.coverage.routes import (
    RouteGrid,
    RouteParams,
    Routes,
    compare_routes,
    find_routes,
    patrolled_cells,
    with_approach_points,
)
from geo.coverage.sensors import (
    COLUMNS,
    delete_sensor,
    ensure_sensors,
    load_sensors,
    read_sensor_file,
    save_sensors,
    sensor_table_empty,
    sensors_from_frame,
    update_sensor,
)
from geo.coverage.viewshed import EARTH_RADIUS_M, REFRACTION_COEFF, ViewshedParams, cumulative_viewshed, viewshed

__all__ = [
    "Assessment",
    "COLUMNS",
    "CostParams",
    "CoverageParams",
    "DEFAULT_RISK",
    "DiskCache",
    "EARTH_RADIUS_M",
    "REFRACTION_COEFF",
    "RiskParams",
    "RouteGrid",
    "RouteParams",
    "Routes",
    "SiteModel",
    "Terrain",
    "ViewshedParams",
    "assess",
    "candidate_coverage",
    "compare_routes",
    "content_key",
    "corridor_frame",
    "cost_distance",
    "cost_surface",
    "coverage_sets",
    "coverage_value",
    "covered_share",
    "cumulative_viewshed",
    "delete_sensor",
    "ensure_sensors",
    "exposure_factor",
    "file_digest",
    "find_routes",
    "frame_bytes",
    "greedy_placement",
    "grid_azimuth_deg",
    "load_route_grid",
    "load_sensors",
    "load_terrain",
    "optimal_placement",
    "our_side",
    "parse_points",
    "patrol_areas",
    "patrol_cells",
    "patrolled_cells",
    "read_sensor_file",
    "read_unit_positions",
    "recommend",
    "routes_frame",
    "save_sensors",
    "seen_by_sensors",
    "sensor_coverage",
    "sensor_table_empty",
    "sensors_from_frame",
    "tobler_speed_kmh",
    "trace_back",
    "update_sensor",
    "user_sites",
    "viewshed",
    "walking_pace_s_per_m",
    "with_approach_points",
    "within_reach",
    "write_routes",
]
