"""The scenario's sensors (towers, cameras, radars on high ground) and patrol units' GPS tracks.

Works in the metric CRS of :mod:`geo.projection` (EPSG:32634, metres). Both keep clear of the
planted coverage gap: no sensor reaches it, and patrols visit it only a few times.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.geodata import VECTOR_DIR, read_vector
from geo.hexgrid import BASE_RES, latlng_to_cells
from geo.models import Sensor
from geo.polyline import points_along
from geo.projection import lonlat_to_xy_m, xy_m_to_lonlat
from geo.terrain import Dem

SENSOR_SPACING_M: Final[float] = 11_000.0
"""Distance along the border between sensor stations."""
GAP_CLEARANCE_M: Final[float] = 1_000.0
"""No sensor's range comes closer than this to the coverage gap."""
BEAT_LENGTH_M: Final[float] = 32_000.0
PATROL_OFFSET_M: Final[float] = 1_200.0
"""Patrol routes run this far inside the unit's own country, parallel to the border."""
FIX_INTERVAL_S: Final[int] = 300
SHIFT_HOURS: Final[int] = 8
PATROL_SPEED_M_S: Final[float] = 3.5
GAP_VISIT_EVERY_DAYS: Final[int] = 23

# (kind, height above ground m, range m, field of view deg), cycled along the border.
_SENSOR_MODELS: Final[tuple[tuple[str, float, float, float], ...]] = (
    ("tower", 24.0, 12_000.0, 360.0),
    ("camera", 10.0, 7_000.0, 90.0),
    ("camera", 12.0, 8_000.0, 120.0),
    ("radar", 18.0, 15_000.0, 120.0),
)


def _countries_m() -> dict[str, shapely.Geometry]:
    countries = read_vector(VECTOR_DIR / "ne10m_admin0_countries_balkans.geojson")
    out = {}
    for code, geom in zip(countries["adm0_a3"], countries.geometry):
        out[code] = shapely.transform(geom, lambda xy: np.column_stack(lonlat_to_xy_m(xy[:, 0], xy[:, 1])))
    return out


def _left_normal(line: shapely.LineString, d: float) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    here = np.asarray(line.interpolate(d).coords[0])
    ahead = np.asarray(line.interpolate(min(d + 100.0, line.length)).coords[0])
    behind = np.asarray(line.interpolate(max(d - 100.0, 0.0)).coords[0])
    t = (ahead - behind) / max(float(np.hypot(*(ahead - behind))), 1e-9)
    return here, np.array([-t[1], t[0]])


def _gap_m(gap_line_lonlat: shapely.LineString) -> shapely.LineString:
    coords = shapely.get_coordinates(gap_line_lonlat)
    return shapely.LineString(np.column_stack(lonlat_to_xy_m(coords[:, 0], coords[:, 1])))


def place_sensors(rng: np.random.Generator, border_m: dict[str, shapely.LineString], gap_line_lonlat: shapely.LineString,
                  dem: Dem) -> pd.DataFrame:
    """Sensors on the highest ground within 5 km on the EU side of stations along the border.

    ``border_m`` maps a country pair to its border line in metres.
    Returns one row per sensor with the fields of :class:`geo.models.Sensor`; cameras and radars
    face the border point of their station.
    """
    countries = _countries_m()
    eu = shapely.union_all([countries[c] for c in ("GRC", "BGR")])
    gap = _gap_m(gap_line_lonlat)
    rows = []
    for line in border_m.values():
        for d in np.arange(SENSOR_SPACING_M / 2, line.length, SENSOR_SPACING_M):
            here, normal = _left_normal(line, float(d))
            side = 1.0 if eu.contains(shapely.Point(here + 2500.0 * normal)) else -1.0
            centre = here + side * 2500.0 * normal
            radius = np.sqrt(rng.uniform(0.0, 1.0, 400)) * 2500.0
            angle = rng.uniform(0.0, 2 * np.pi, 400)
            cx, cy = centre[0] + radius * np.cos(angle), centre[1] + radius * np.sin(angle)
            inside = shapely.contains_xy(eu, cx, cy)
            lon, lat = xy_m_to_lonlat(cx[inside], cy[inside])
            if lon.size == 0:
                continue
            elevation = dem.sample(lat, lon)
            # Beyond the DEM window, take the candidate nearest the station's centre.
            best = int(np.nanargmax(elevation)) if np.isfinite(elevation).any() else int(np.argmin(radius[inside]))
            kind, height_m, range_m, fov_deg = _SENSOR_MODELS[len(rows) % len(_SENSOR_MODELS)]
            site = np.array([cx[inside][best], cy[inside][best]])
            if gap.distance(shapely.Point(site)) < range_m + GAP_CLEARANCE_M:
                continue
            to_border = here - site
            azimuth = float(np.degrees(np.arctan2(to_border[0], to_border[1])) % 360.0)
            sensor = Sensor(
                sensor_id=f"S{len(rows) + 1:02d}", kind=kind, lat=round(float(lat[best]), 5),
                lon=round(float(lon[best]), 5), height_m=height_m, range_m=range_m,
                azimuth_deg=round(azimuth, 1) if fov_deg < 360 else 0.0, fov_deg=fov_deg,
            )
            rows.append(asdict(sensor))
    return pd.DataFrame(rows)


def _beats(border_m: dict[str, shapely.LineString], gap: shapely.LineString) -> list[tuple[str, shapely.LineString]]:
    """Border stretches of about :data:`BEAT_LENGTH_M` with their country pair, the coverage gap cut out."""
    beats = []
    for pair, line in border_m.items():
        n = max(1, round(line.length / BEAT_LENGTH_M))
        edges = np.linspace(0.0, line.length, n + 1)
        for a, b in zip(edges[:-1], edges[1:]):
            piece = shapely.ops.substring(line, a, b).difference(gap.buffer(50.0))
            parts = list(getattr(piece, "geoms", [piece]))
            beats.extend((pair, p) for p in parts if p.length > 5_000.0)
    return beats


def _route(beat: shapely.LineString, countries: dict[str, shapely.Geometry], side_country: str) -> shapely.LineString:
    """The beat offset into ``side_country`` by :data:`PATROL_OFFSET_M`."""
    for offset in (PATROL_OFFSET_M, -PATROL_OFFSET_M):
        route = beat.offset_curve(offset)
        if countries[side_country].contains(route.interpolate(0.5, normalized=True)):
            return route
    return beat


def _shuttle(route: shapely.LineString, seconds: npt.NDArray[np.int64], phase_m: float) -> npt.NDArray[np.float64]:
    """Positions (x, y metres) of a unit driving back and forth along ``route``."""
    travelled = phase_m + PATROL_SPEED_M_S * seconds
    x, y = points_along(route, np.abs((travelled % (2 * route.length)) - route.length))
    return np.column_stack([x, y])


def patrol_tracks(rng: np.random.Generator, border_m: dict[str, shapely.LineString], gap_line_lonlat: shapely.LineString,
                  *, start: datetime, days: int) -> tuple[pd.DataFrame, int]:
    """GPS fixes every 5 minutes of one 8-hour shift a day for each unit, one unit per beat.

    ``border_m`` maps a country pair (``"GRC-MKD"``) to its border line in metres. Returns the
    fixes and the number of patrol visits to the coverage gap.
    """
    countries = _countries_m()
    gap = _gap_m(gap_line_lonlat)
    gap_route = gap.offset_curve(PATROL_OFFSET_M)
    if not countries["GRC"].contains(gap_route.interpolate(0.5, normalized=True)):
        gap_route = gap.offset_curve(-PATROL_OFFSET_M)
    beats = _beats(border_m, gap)
    units: list[tuple[str, str]] = []
    unit_index, fixes_s, fixes_xy = [], [], []
    gap_visits = 0
    day0 = int(start.timestamp()) // 86400 * 86400
    shift_s = np.arange(0, SHIFT_HOURS * 3600, FIX_INTERVAL_S)
    for unit, (pair, beat) in enumerate(beats):
        # Units alternate between the two sides of the border; the pair reads "GRC-MKD".
        side = pair.split("-")[unit % 2]
        route = _route(beat, countries, side)
        units.append((f"U{unit + 1:02d}", f"{side[:2]}-P{unit + 1:02d}"))
        # The Greek unit nearest the gap detours through it every few weeks, for one hour.
        detours = beat.distance(gap) < 15_000 and side == "GRC"
        for day in range(days):
            shift_start = day0 + day * 86400 + ((unit * 5) % 24) * 3600 + int(rng.integers(0, 1800))
            xy = _shuttle(route, shift_s, float(rng.uniform(0, route.length)))
            if detours and day % GAP_VISIT_EVERY_DAYS == GAP_VISIT_EVERY_DAYS - 1:
                xy[:12] = _shuttle(gap_route, shift_s[:12] * 3, 0.0)
                gap_visits += 1
            fixes_xy.append(xy + rng.normal(0.0, 15.0, xy.shape))
            fixes_s.append(shift_start + shift_s)
            unit_index.append(np.full(shift_s.size, unit))
    xy = np.concatenate(fixes_xy)
    at_s = np.concatenate(fixes_s)
    which = np.concatenate(unit_index)
    lon, lat = xy_m_to_lonlat(xy[:, 0], xy[:, 1])
    keep = (at_s >= int(start.timestamp())) & (at_s <= int(start.timestamp()) + days * 86400)
    ids = np.array([u[0] for u in units])
    callsigns = np.array([u[1] for u in units])
    lat, lon = lat[keep].round(5), lon[keep].round(5)
    patrols = pd.DataFrame(
        {
            "unit_id": ids[which[keep]],
            "callsign": callsigns[which[keep]],
            "at": pd.to_datetime(at_s[keep], unit="s", utc=True),
            "lat": lat,
            "lon": lon,
            "cell": latlng_to_cells(lat, lon, BASE_RES),
        }
    )
    return patrols.sort_values(["at", "unit_id"], kind="stable").reset_index(drop=True), gap_visits
