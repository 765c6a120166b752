"""Which units to send: the nearest available ones by their latest CoT position.

Available: the newest fix is not stale yet (CoT ``stale``), and the unit holds no incident that is assigned or
on scene. Ranked by travel time: straight-line distance (great circle) at ``speed_kmh``, and where a DEM covers
the way, slope-penalised: the straight line sampled every ~90 m on the DEM, each step's speed scaled by
Tobler's hiking function relative to flat ground (a 20 % climb takes ~1.7× as long, a gentle descent a bit
less). Without a DEM, or where it has no data, the straight line alone, and the table says which.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import rasterio
from pyproj import Transformer

from geo.coverage import tobler_speed_kmh
from geo.errors import IncidentError, msg
from geo.incidents.fusion import EARTH_RADIUS_M

DEFAULT_SPEED_KMH: Final[float] = 30.0
"""A patrol vehicle off the main roads: straight-line ETAs are estimates, not routes."""
STEP_M: Final[float] = 90.0
STRAIGHT: Final[str] = "straight line"
SLOPE: Final[str] = "slope-penalised"


@dataclass(frozen=True, slots=True)
class TravelParams:
    """``speed_kmh`` on flat ground; ``dem_path`` a DEM (any CRS GDAL reads) or ``None``; ``limit`` units listed."""

    speed_kmh: float = DEFAULT_SPEED_KMH
    dem_path: Path | None = None
    limit: int = 5

    def __post_init__(self) -> None:
        if not self.speed_kmh > 0:
            raise IncidentError(msg("speed_kmh must be > 0; got {speed_kmh!r}", speed_kmh=self.speed_kmh))


def _distances_m(lat: float, lon: float, lats: npt.NDArray[np.float64],
                 lons: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    p1, p2 = np.radians(lat), np.radians(lats)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lons - lon) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def slope_factor(heights_m: npt.NDArray[np.float64], step_m: float) -> float | None:
    """Time on this profile over time on flat ground (Tobler), or ``None`` when a height is missing."""
    if heights_m.size < 2 or not np.all(np.isfinite(heights_m)):
        return None
    gradients = np.diff(heights_m) / step_m
    return float(np.mean(tobler_speed_kmh(0.0) / tobler_speed_kmh(gradients)))


def _profiles(dem_path: Path, lat: float, lon: float, units: pd.DataFrame,
              distances: npt.NDArray[np.float64]) -> list[float | None]:
    """Slope factor of each unit's straight way to (lat, lon), or ``None`` where the DEM has no answer."""
    factors: list[float | None] = []
    with rasterio.open(dem_path) as dem:
        to_dem = Transformer.from_crs("EPSG:4326", dem.crs, always_xy=True)
        nodata = dem.nodata
        for (ulat, ulon), dist in zip(units[["lat", "lon"]].to_numpy(float), distances, strict=True):
            n = max(2, math.ceil(dist / STEP_M) + 1)
            lats, lons = np.linspace(ulat, lat, n), np.linspace(ulon, lon, n)
            xs, ys = to_dem.transform(lons, lats)
            inside = [dem.bounds.left <= x <= dem.bounds.right and dem.bounds.bottom <= y <= dem.bounds.top
                      for x, y in zip(xs, ys, strict=True)]
            if not all(inside):
                factors.append(None)
                continue
            samples = dem.sample(zip(xs, ys, strict=True), masked=True)
            heights = np.array([np.nan if np.ma.is_masked(v[0]) or (nodata is not None and v[0] == nodata)
                                else float(v[0]) for v in samples])
            factors.append(slope_factor(heights, dist / (n - 1) if n > 1 else STEP_M))
    return factors


def suggest_units(units: pd.DataFrame, *, lat: float, lon: float, now: datetime, busy: set[str],
                  params: TravelParams = TravelParams()) -> pd.DataFrame:
    """The nearest available units to (``lat``, ``lon``), quickest first.

    ``units`` are latest positions (``callsign``, ``lat``, ``lon``, ``at``, ``stale_at``, UTC). Returns
    ``callsign``, ``distance_km``, ``eta_min``, ``basis`` (straight line or slope-penalised) and ``fix_age_s``.
    """
    columns = ["callsign", "distance_km", "eta_min", "basis", "fix_age_s"]
    if units.empty:
        return pd.DataFrame(columns=columns)
    stamp = pd.Timestamp(now)
    newest = units.sort_values("at").groupby("callsign").tail(1)
    free = newest[(newest["stale_at"] > stamp) & ~newest["callsign"].isin(busy)].reset_index(drop=True)
    if free.empty:
        return pd.DataFrame(columns=columns)
    dist = _distances_m(lat, lon, free["lat"].to_numpy(float), free["lon"].to_numpy(float))
    flat_min = dist / 1000 / params.speed_kmh * 60
    factors = _profiles(params.dem_path, lat, lon, free, dist) if params.dem_path is not None \
        and params.dem_path.is_file() else [None] * len(free)
    out = pd.DataFrame({
        "callsign": free["callsign"].astype(str),
        "distance_km": dist / 1000,
        "eta_min": [m * f if f is not None else m for m, f in zip(flat_min, factors, strict=True)],
        "basis": [SLOPE if f is not None else STRAIGHT for f in factors],
        "fix_age_s": (stamp - free["at"]).dt.total_seconds().to_numpy(),
    })
    return out.sort_values(["eta_min", "distance_km", "callsign"]).head(params.limit).reset_index(drop=True)
