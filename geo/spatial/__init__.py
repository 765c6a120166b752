"""Places on the ground: projections, vector data, polylines, elevation rasters, geometry validity.

EPSG:4326 for storage and display; each region's metric CRS for distances, slopes and lines of sight.
"""

from geo.spatial.dem import MetricDem, metric_grid_to_web_mercator, read_metric_dem
from geo.spatial.polyline import offset_into, points_along
from geo.spatial.projection import (
    EARTH_RADIUS_KM,
    METRIC_CRS,
    azimuth_deg,
    geodesic_length_km,
    geometry_to_lonlat,
    geometry_to_m,
    lonlat_to_xy_m,
    utm_crs,
    utm_crs_of,
    xy_m_to_lonlat,
)
from geo.spatial.terrain import Dem, hillshade, read_dem, slope_deg, warp_to_web_mercator
from geo.spatial.validity import repair_geometries
from geo.spatial.vectors import (
    AOI_LONLAT,
    DEM_DIR,
    FOCUS_PAIRS,
    HILLSHADE_DEM,
    REGIONAL_DEM,
    VECTOR_DIR,
    Basemap,
    border_lines,
    compass_point,
    describe_place,
    great_circle_km,
    load_basemap,
    load_towns,
    nearest_town,
    read_vector,
)

__all__ = [
    "AOI_LONLAT",
    "Basemap",
    "DEM_DIR",
    "Dem",
    "EARTH_RADIUS_KM",
    "FOCUS_PAIRS",
    "HILLSHADE_DEM",
    "METRIC_CRS",
    "MetricDem",
    "REGIONAL_DEM",
    "VECTOR_DIR",
    "azimuth_deg",
    "border_lines",
    "compass_point",
    "describe_place",
    "geodesic_length_km",
    "geometry_to_lonlat",
    "geometry_to_m",
    "great_circle_km",
    "hillshade",
    "load_basemap",
    "load_towns",
    "lonlat_to_xy_m",
    "metric_grid_to_web_mercator",
    "nearest_town",
    "offset_into",
    "points_along",
    "read_dem",
    "read_metric_dem",
    "read_vector",
    "repair_geometries",
    "slope_deg",
    "utm_crs",
    "utm_crs_of",
    "warp_to_web_mercator",
    "xy_m_to_lonlat",
]
