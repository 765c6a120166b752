"""Places on the ground: projections, vector data, polylines, elevation rasters, geometry validity.

EPSG:4326 for storage and display; each region's metric CRS for distances, slopes and lines of sight.
"""

from geo.spatial.dem import MetricDem, metric_grid_to_web_mercator, read_metric_dem
from geo.spatial.polyline import offset_into, points_along
from geo.spatial.projection import (
    EARTH_RADIUS_KM,
    azimuth_deg,
    geodesic_length_km,
    geometry_to_lonlat,
    geometry_to_m,
    lonlat_to_xy_m,
    utm_crs_of,
    xy_m_to_lonlat,
)
from geo.spatial.regions import build_region, read_border_file, write_region
from geo.spatial.terrain import (
    Dem,
    hillshade,
    read_dem,
    slope_deg,
    warp_to_web_mercator,
)
from geo.spatial.validity import repair_geometries
from geo.spatial.vectors import (
    BALKAN_LONLAT,
    DEM_DIR,
    VECTOR_DIR,
    Basemap,
    border_lines,
    bundled_region,
    compass_point,
    describe_place,
    detail_bbox,
    great_circle_km,
    load_basemap,
    load_towns,
    nearest_town,
    read_vector,
    region_countries,
)
from geo.spatial.world import (
    WORLD_BORDERS,
    WORLD_COUNTRIES,
    WORLD_LONLAT,
    WORLD_RELIEF,
    country_pairs_lines,
    iso2_codes,
    read_world,
    world_overview,
    world_towns,
)

__all__ = [
    "BALKAN_LONLAT",
    "Basemap",
    "DEM_DIR",
    "Dem",
    "EARTH_RADIUS_KM",
    "MetricDem",
    "VECTOR_DIR",
    "WORLD_BORDERS",
    "WORLD_COUNTRIES",
    "WORLD_LONLAT",
    "WORLD_RELIEF",
    "azimuth_deg",
    "border_lines",
    "build_region",
    "bundled_region",
    "compass_point",
    "country_pairs_lines",
    "describe_place",
    "detail_bbox",
    "geodesic_length_km",
    "geometry_to_lonlat",
    "geometry_to_m",
    "great_circle_km",
    "iso2_codes",
    "hillshade",
    "load_basemap",
    "load_towns",
    "lonlat_to_xy_m",
    "metric_grid_to_web_mercator",
    "nearest_town",
    "offset_into",
    "points_along",
    "read_border_file",
    "read_dem",
    "read_metric_dem",
    "read_vector",
    "read_world",
    "region_countries",
    "repair_geometries",
    "slope_deg",
    "utm_crs_of",
    "warp_to_web_mercator",
    "world_overview",
    "world_towns",
    "write_region",
    "xy_m_to_lonlat",
]
