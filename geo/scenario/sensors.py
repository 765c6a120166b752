"""The scenario's sensors: towers, cameras and radars on high ground on the EU side of the border.

Works in the bundled region's metric CRS (metres). No sensor's range comes
within :data:`GAP_CLEARANCE_M` of the planted coverage gap.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Final

import numpy as np
import pandas as pd
import shapely

from geo.models import Sensor
from geo.spatial import Dem, azimuth_deg, xy_m_to_lonlat

SENSOR_SPACING_M: Final[float] = 11_000.0
"""Distance along the border between sensor stations."""
SEARCH_RADIUS_M: Final[float] = 2_500.0
"""Sites are searched in a disc of this radius centred this far inside the EU side."""
GAP_CLEARANCE_M: Final[float] = 1_000.0
"""No sensor's range comes closer than this to the coverage gap."""

CROSSING_CAMERAS: Final[tuple[tuple[float, float, float, float], ...]] = ((21.0615, 40.85, 21.02, 40.85),)
"""Cameras placed for a known crossing rather than by the station layout: (lon, lat, facing lon, facing lat).
One on the ridge east of the Prespa crossing, which no station camera sees."""
CROSSING_CAMERA_MODEL: Final[tuple[str, float, float, float]] = ("camera", 12.0, 8_000.0, 120.0)

# (kind, height above ground m, range m, field of view deg), cycled along the border.
_SENSOR_MODELS: Final[tuple[tuple[str, float, float, float], ...]] = (
    ("tower", 24.0, 12_000.0, 360.0),
    ("camera", 10.0, 7_000.0, 90.0),
    ("camera", 12.0, 8_000.0, 120.0),
    ("radar", 18.0, 15_000.0, 120.0),
)


def _station(line: shapely.LineString, d: float) -> tuple[np.ndarray, np.ndarray]:
    """Point at ``d`` metres along ``line`` and the unit normal to its left."""
    here = np.asarray(line.interpolate(d).coords[0])
    ahead = np.asarray(line.interpolate(min(d + 100.0, line.length)).coords[0])
    behind = np.asarray(line.interpolate(max(d - 100.0, 0.0)).coords[0])
    t = (ahead - behind) / max(float(np.hypot(*(ahead - behind))), 1e-9)
    return here, np.array([-t[1], t[0]])


def place_sensors(rng: np.random.Generator, border_m: dict[str, shapely.LineString], gap_m: shapely.LineString,
                  eu_m: shapely.Geometry, dem: Dem, *, crs: str) -> pd.DataFrame:
    """Sensors on the highest ground near stations every :data:`SENSOR_SPACING_M` along the border.

    ``border_m`` maps a country pair to its border line, ``gap_m`` is the coverage gap and
    ``eu_m`` the EU side, all in metres of ``crs``. Returns one row per :class:`geo.models.Sensor`; cameras
    and radars face their station's border point (azimuth from true north).
    """
    rows = []
    for line in border_m.values():
        for d in np.arange(SENSOR_SPACING_M / 2, line.length, SENSOR_SPACING_M):
            here, normal = _station(line, float(d))
            side = 1.0 if eu_m.contains(shapely.Point(here + SEARCH_RADIUS_M * normal)) else -1.0
            centre = here + side * SEARCH_RADIUS_M * normal
            radius = np.sqrt(rng.uniform(0.0, 1.0, 400)) * SEARCH_RADIUS_M
            angle = rng.uniform(0.0, 2 * np.pi, 400)
            cx, cy = centre[0] + radius * np.cos(angle), centre[1] + radius * np.sin(angle)
            inside = shapely.contains_xy(eu_m, cx, cy)
            if not inside.any():
                continue
            lon, lat = xy_m_to_lonlat(cx[inside], cy[inside], crs=crs)
            elevation = dem.sample(lat, lon)
            # Beyond the DEM window, take the candidate nearest the station's centre.
            best = int(np.nanargmax(elevation)) if np.isfinite(elevation).any() else int(np.argmin(radius[inside]))
            kind, height_m, range_m, fov_deg = _SENSOR_MODELS[len(rows) % len(_SENSOR_MODELS)]
            if gap_m.distance(shapely.Point(cx[inside][best], cy[inside][best])) < range_m + GAP_CLEARANCE_M:
                continue
            border_lon, border_lat = xy_m_to_lonlat(here[0], here[1], crs=crs)
            facing = azimuth_deg(float(lon[best]), float(lat[best]), float(border_lon), float(border_lat))
            sensor = Sensor(
                sensor_id=f"S{len(rows) + 1:02d}", kind=kind, lat=round(float(lat[best]), 5),
                lon=round(float(lon[best]), 5), height_m=height_m, range_m=range_m,
                azimuth_deg=round(facing, 1) if fov_deg < 360 else 0.0, fov_deg=fov_deg,
            )
            rows.append(asdict(sensor))
    return pd.DataFrame(rows)


def crossing_cameras(*, first_number: int) -> pd.DataFrame:
    """The :data:`CROSSING_CAMERAS` as sensor rows, numbered from ``first_number`` (``S28`` for 28)."""
    kind, height_m, range_m, fov_deg = CROSSING_CAMERA_MODEL
    rows = [asdict(Sensor(sensor_id=f"S{first_number + i:02d}", kind=kind, lat=lat, lon=lon, height_m=height_m,
                          range_m=range_m, azimuth_deg=round(azimuth_deg(lon, lat, to_lon, to_lat), 1), fov_deg=fov_deg))
            for i, (lon, lat, to_lon, to_lat) in enumerate(CROSSING_CAMERAS)]
    return pd.DataFrame(rows)
