"""The bundled scenario: a seeded, deterministic 90-day history on the GR-MK and BG-MK borders.

``generate(seed=..., end=...)`` returns events, sensors and patrol tracks that end at ``end``
(the present moment by default), with planted truth for later analytics:

- **Emerging corridor** (:data:`EMERGING_CORRIDOR`): the Huma-Notia crossing under Kozuf
  mountain has no events at all until 14 days before ``end``, then a rising stream.
- **Coverage gap** (:data:`GAP_LON_RANGE`): the GR-MK border under Kajmakcalan/Voras between
  21.70 E and 21.95 E: no sensor reaches within 1 km of it, and patrols pass a handful of times
  in 90 days.

Events concentrate in real crossing corridors (Gevgelija-Idomeni, Dojran, Bitola-Florina,
Strumica-Petrich, Prespa), are drawn towards valleys and gentle slopes (each position is the
terrain-weighted choice among several candidates), follow a night-heavy daily rhythm (peak
around 02:00 local time), a weekly rhythm (busier at weekends). The established corridors are steady (no trend): the
emerging corridor is the one change in the history, so emerging hot spot analysis has one right answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.errors import InputError, msg
from geo.grid import BASE_RES, latlng_to_cells
from geo.models import EVENT_TYPES, SCENARIO_SOURCE, impact_for
from geo.scenario.patrols import patrol_tracks
from geo.scenario.sensors import crossing_cameras, place_sensors
from geo.spatial import (
    Dem,
    border_lines,
    bundled_region,
    geometry_to_m,
    lonlat_to_xy_m,
    points_along,
    read_dem,
    read_vector,
    slope_deg,
    xy_m_to_lonlat,
)

DEFAULT_SEED: Final[int] = 20261128
HISTORY_DAYS: Final[int] = 90
EVENTS_PER_DAY: Final[float] = 680.0
"""Mean events a day over the whole history, all corridors and background together."""
LOCAL_UTC_OFFSET_H: Final[int] = 2
"""Local time of the rhythm (EET); the one-hour DST shift does not matter for a synthetic rhythm."""
WEEKLY_FACTOR: Final[tuple[float, ...]] = (0.92, 0.9, 0.93, 0.98, 1.08, 1.15, 1.12)
"""Relative activity Monday..Sunday."""
EMERGING_DAYS: Final[int] = 14
SCENARIO_LONLAT: Final[tuple[float, float, float, float]] = (20.9, 40.6, 23.5, 42.0)
"""The terrain window (west, south, east, north degrees) the scenario's events are placed on."""
GAP_LON_RANGE: Final[tuple[float, float]] = (21.70, 21.95)
"""Longitude span of the planted coverage gap on the GR-MK border, degrees."""
TERRAIN_CANDIDATES: Final[int] = 6
"""Candidate positions drawn per event; the terrain picks one (more = stronger terrain shaping)."""


@dataclass(frozen=True, slots=True)
class Corridor:
    """A crossing corridor: a polyline from one side through the border to the other.

    ``waypoints`` are (lon, lat) degrees; the middle one lies on the border. A corridor with
    ``active_last_days`` is silent before then and rises from 0.4x to 1.6x its mean rate after.
    """

    name: str
    waypoints: tuple[tuple[float, float], ...]
    share: float
    spread_m: float = 1500.0
    crossing_point: tuple[float, float] | None = None
    active_last_days: int | None = None


CORRIDORS: Final[tuple[Corridor, ...]] = (
    Corridor("Gevgelija-Idomeni", ((22.56, 41.05), (22.515, 41.118), (22.49, 41.19)), 0.31,
             spread_m=1800.0, crossing_point=(22.5205, 41.1185)),
    Corridor("Dojran", ((22.69, 41.12), (22.665, 41.165), (22.64, 41.21)), 0.12, spread_m=1400.0),
    Corridor("Bitola-Florina", ((21.43, 40.80), (21.445, 40.873), (21.40, 40.96)), 0.2,
             spread_m=2000.0, crossing_point=(21.434, 40.905)),
    Corridor("Strumica-Petrich", ((23.07, 41.40), (22.953, 41.438), (22.80, 41.45)), 0.15,
             spread_m=1600.0, crossing_point=(22.945, 41.418)),
    Corridor("Prespa", ((21.07, 40.80), (21.02, 40.85), (21.04, 40.93)), 0.05, spread_m=1500.0),
)
EMERGING_CORRIDOR: Final[Corridor] = Corridor(
    "Huma-Notia", ((22.31, 41.06), (22.30, 41.137), (22.33, 41.21)), 0.07, spread_m=1200.0, active_last_days=EMERGING_DAYS
)
BACKGROUND_SHARE: Final[float] = 0.10
"""Share of events scattered along the whole border outside the corridors."""

_TYPE_MIX_CORRIDOR: Final[dict[str, float]] = {
    "irregular_crossing": 0.36, "apprehension": 0.26, "smuggling": 0.10, "sensor_alarm": 0.13,
    "citizen_report": 0.07, "refusal_of_entry": 0.03, "document_fraud": 0.02, "search_and_rescue": 0.01,
    "other": 0.02,
}
_TYPE_MIX_BACKGROUND: Final[dict[str, float]] = {
    "irregular_crossing": 0.22, "apprehension": 0.15, "smuggling": 0.12, "sensor_alarm": 0.25,
    "citizen_report": 0.14, "refusal_of_entry": 0.0, "document_fraud": 0.0, "search_and_rescue": 0.02,
    "other": 0.10,
}


@dataclass(frozen=True)
class Scenario:
    """Everything the bundled scenario provides.

    ``events`` has the columns of the event model (DESIGN.md section 2); ``attrs`` names the
    corridor each event was drawn from (``background`` for the scattered ones);
    ``sensors`` one row per :class:`geo.models.Sensor`; ``patrols`` unit positions
    (``unit_id``, ``callsign``, ``at``, ``lat``, ``lon``, ``cell``); ``truth`` the planted facts.
    """

    events: pd.DataFrame
    sensors: pd.DataFrame
    patrols: pd.DataFrame
    start: datetime
    end: datetime
    truth: dict[str, object] = field(default_factory=dict)


def generate(*, seed: int = DEFAULT_SEED, end: datetime | None = None, days: int = HISTORY_DAYS) -> Scenario:
    """Generate the scenario deterministically from ``seed``, ending at ``end`` (UTC; default now).

    The same seed and end give identical frames.
    """
    end = (end or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(second=0, microsecond=0)
    if days < EMERGING_DAYS + 7:
        raise InputError(msg("the scenario needs at least {min_days} days of history; got days={days}",
                             min_days=EMERGING_DAYS + 7, days=days))
    start = end - timedelta(days=days)
    rng = np.random.default_rng(seed)
    region = bundled_region()
    crs = region.metric_crs
    dem = read_dem(region.hillshade_dem, bounds_lonlat=SCENARIO_LONLAT)
    slope = slope_deg(dem.elevation_m, *dem.cell_size_m())
    borders = border_lines(region)
    border_xy = {pair: geometry_to_m(geom, crs=crs) for pair, geom in zip(borders["pair"], borders.geometry)}
    gap_line = _gap_line(borders, region.pairs[0])
    gap_m = geometry_to_m(gap_line, crs=crs)
    countries = read_vector(region.countries, bbox=region.aoi_lonlat)
    countries_m = {code: geometry_to_m(geom, crs=crs) for code, geom in zip(countries["adm0_a3"], countries.geometry)}

    frames = []
    for corridor in (*CORRIDORS, EMERGING_CORRIDOR):
        times = _event_times(rng, corridor, start=start, end=end)
        lon, lat = _corridor_positions(rng, corridor, times.size, dem, slope, crs=crs)
        frames.append(_events_frame(rng, times, lon, lat, corridor.name, _TYPE_MIX_CORRIDOR, corridor.crossing_point))
    n_background = int(EVENTS_PER_DAY * days * BACKGROUND_SHARE)
    times = np.sort(rng.integers(int(start.timestamp()), int(end.timestamp()), n_background))  # [start, end)
    lon, lat = _border_positions(rng, list(border_xy.values()), n_background, dem, slope, lateral_m=3500.0,
                                  crs=crs)
    frames.append(_events_frame(rng, times, lon, lat, "background", _TYPE_MIX_BACKGROUND, None))

    events = pd.concat(frames, ignore_index=True).sort_values("t_s", kind="stable").reset_index(drop=True)
    events = _finish_events(rng, events, end=end)
    eu_m = shapely.union_all([countries_m[code] for code in region.ours])
    sensors = place_sensors(rng, border_xy, gap_m, eu_m, dem, crs=crs)
    sensors = pd.concat([sensors, crossing_cameras(first_number=len(sensors) + 1)], ignore_index=True)
    patrols, gap_visits = patrol_tracks(rng, border_xy, gap_m, countries_m, start=start, days=days,
                                        gap_side=region.ours[0], crs=crs)
    truth = {
        "emerging_corridor": EMERGING_CORRIDOR.name,
        "emerging_border_point": {"lon": EMERGING_CORRIDOR.waypoints[1][0], "lat": EMERGING_CORRIDOR.waypoints[1][1]},
        "emerging_since": end - timedelta(days=EMERGING_DAYS),
        "gap_lon_range": GAP_LON_RANGE,
        "gap_line_lonlat": [tuple(p) for p in shapely.get_coordinates(gap_line)],
        "gap_patrol_visits": gap_visits,
    }
    return Scenario(events=events, sensors=sensors, patrols=patrols, start=start, end=end, truth=truth)


def _gap_line(borders: pd.DataFrame, pair: str) -> shapely.LineString:
    """The border of ``pair`` (the region's first) between the gap's longitudes, in EPSG:4326."""
    grc_mkd = borders.loc[borders["pair"] == pair].geometry.iloc[0]
    west, east = GAP_LON_RANGE
    piece = shapely.clip_by_rect(grc_mkd, west, -90.0, east, 90.0)
    return shapely.line_merge(piece) if piece.geom_type == "MultiLineString" else piece


def _event_times(rng: np.random.Generator, corridor: Corridor, *, start: datetime, end: datetime) -> npt.NDArray[np.int64]:
    """Event instants (epoch seconds) in [start, end) from an hourly Poisson process with daily and weekly rhythms."""
    t0, t1 = int(start.timestamp()), int(end.timestamp())
    t_hour = np.arange(t0 // 3600 * 3600, t1, 3600)
    local = pd.to_datetime(t_hour + LOCAL_UTC_OFFSET_H * 3600, unit="s")
    hour_of_day = local.hour.to_numpy()
    day_of_week = local.day_of_week.to_numpy()
    diurnal = 1.0 + 0.8 * np.cos(2 * np.pi * (hour_of_day - 2) / 24)
    weekly = np.asarray(WEEKLY_FACTOR)[day_of_week]
    trend = np.ones(t_hour.size)
    first_s = t0
    if corridor.active_last_days is not None:
        first_s = t1 - corridor.active_last_days * 86400
        since_onset = np.clip((t_hour - first_s) / (t1 - first_s), 0.0, 1.0)
        trend = np.where(t_hour + 3600 > first_s, 0.4 + 1.2 * since_onset, 0.0)
    rate = EVENTS_PER_DAY / 24.0 * corridor.share * diurnal * weekly * trend
    counts = rng.poisson(np.maximum(rate, 0.0))
    times = np.repeat(t_hour, counts) + rng.integers(0, 3600, counts.sum())
    return times[(times >= first_s) & (times < t1)]


def _terrain_choice(rng: np.random.Generator, x_m: npt.NDArray[np.float64], y_m: npt.NDArray[np.float64],
                    dem: Dem, slope: npt.NDArray[np.float64], *, crs: str
                    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Pick one of each row's candidate positions (n x k, metres) with weight favouring low, gentle ground."""
    lon, lat = xy_m_to_lonlat(x_m.ravel(), y_m.ravel(), crs=crs)
    row, col, inside = dem.rowcol(lat, lon)
    elevation = np.nan_to_num(dem.elevation_m.filled(np.nan)[row, col], nan=0.0)
    weight = np.exp(-slope[row, col] / 7.0) * np.exp(-np.maximum(elevation - 600.0, 0.0) / 500.0)
    weight = np.where(inside, weight, 0.3)  # beyond the DEM window the terrain has no say
    gumbel = -np.log(-np.log(rng.uniform(1e-12, 1.0, weight.size)))
    choice = np.argmax((np.log(weight + 1e-9) + gumbel).reshape(x_m.shape), axis=1)
    pick = np.arange(x_m.shape[0]) * x_m.shape[1] + choice
    return lon[pick], lat[pick]


def _corridor_positions(rng: np.random.Generator, corridor: Corridor, n: int, dem: Dem,
                        slope: npt.NDArray[np.float64], *, crs: str) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    wx, wy = lonlat_to_xy_m(*np.asarray(corridor.waypoints).T, crs=crs)
    line = shapely.LineString(np.column_stack([wx, wy]))
    at_border = shapely.line_locate_point(line, shapely.Point(wx[1], wy[1]))
    shape = (n, TERRAIN_CANDIDATES)
    along = at_border + rng.normal(0.0, 0.3 * line.length, shape)
    # Truncate the spread to the corridor by redrawing, so that no events pile up at its ends.
    outside = (along < 0.0) | (along > line.length)
    while outside.any():
        along[outside] = at_border + rng.normal(0.0, 0.3 * line.length, int(outside.sum()))
        outside = (along < 0.0) | (along > line.length)
    lateral = rng.normal(0.0, corridor.spread_m, shape)
    x, y = points_along(line, along.ravel(), lateral.ravel())
    return _terrain_choice(rng, x.reshape(shape), y.reshape(shape), dem, slope, crs=crs)


def _border_positions(rng: np.random.Generator, lines_m: list[shapely.LineString], n: int, dem: Dem,
                      slope: npt.NDArray[np.float64], *, lateral_m: float, crs: str) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Positions spread along the border lines in proportion to their length."""
    lengths = np.array([line.length for line in lines_m])
    which = rng.choice(len(lines_m), size=n, p=lengths / lengths.sum())
    shape = (n, TERRAIN_CANDIDATES)
    x = np.empty(shape)
    y = np.empty(shape)
    for i, line in enumerate(lines_m):
        rows = which == i
        k = int(rows.sum())
        along = np.repeat(rng.uniform(0.0, line.length, k), TERRAIN_CANDIDATES) + rng.normal(0, 1500.0, k * TERRAIN_CANDIDATES)
        xi, yi = points_along(line, along, rng.normal(0.0, lateral_m, k * TERRAIN_CANDIDATES))
        x[rows], y[rows] = xi.reshape(k, -1), yi.reshape(k, -1)
    return _terrain_choice(rng, x, y, dem, slope, crs=crs)


def _events_frame(rng: np.random.Generator, times: npt.NDArray[np.int64], lon: npt.NDArray[np.float64],
                  lat: npt.NDArray[np.float64], corridor: str, mix: dict[str, float],
                  crossing_point: tuple[float, float] | None) -> pd.DataFrame:
    """Type and position of each event; refusals and document fraud happen at the crossing point."""
    types = rng.choice(np.array(EVENT_TYPES), size=times.size, p=np.array([mix[t] for t in EVENT_TYPES]))
    at_bcp = np.isin(types, ["refusal_of_entry", "document_fraud"])
    lon, lat = lon.copy(), lat.copy()
    if crossing_point is None:
        types[at_bcp] = "apprehension"
    else:
        lon[at_bcp] = crossing_point[0] + rng.normal(0.0, 0.002, int(at_bcp.sum()))
        lat[at_bcp] = crossing_point[1] + rng.normal(0.0, 0.0015, int(at_bcp.sum()))
    return pd.DataFrame({"t_s": times, "lat": lat, "lon": lon, "type": types, "corridor": corridor})


def _persons(rng: np.random.Generator, types: npt.NDArray[np.str_]) -> npt.NDArray[np.int64]:
    n = types.size
    persons = np.zeros(n, dtype=np.int64)
    groups = 1 + rng.negative_binomial(2, 0.35, n)
    persons = np.where(types == "irregular_crossing", groups, persons)
    persons = np.where(types == "apprehension", 1 + rng.negative_binomial(2, 0.45, n), persons)
    persons = np.where(types == "smuggling", rng.binomial(1, 0.6, n) * (1 + rng.negative_binomial(3, 0.3, n)), persons)
    persons = np.where(types == "citizen_report", rng.poisson(2.0, n), persons)
    persons = np.where(types == "refusal_of_entry", 1 + rng.poisson(0.5, n), persons)
    persons = np.where(types == "document_fraud", 1, persons)
    return np.where(types == "search_and_rescue", 1 + rng.poisson(2.0, n), persons)


def _finish_events(rng: np.random.Generator, raw: pd.DataFrame, *, end: datetime) -> pd.DataFrame:
    """Add the remaining event-model columns: ids, persons, impact, confidence, status, cells."""
    n = len(raw)
    types = raw["type"].to_numpy()
    persons = _persons(rng, types)
    occurred = pd.to_datetime(raw["t_s"].to_numpy(), unit="s", utc=True)
    delay_s = np.ceil(rng.exponential(180.0, n)).astype("timedelta64[s]")
    confidence = np.where(
        types == "sensor_alarm", rng.uniform(0.4, 0.8, n),
        np.where(types == "citizen_report", rng.uniform(0.3, 0.7, n), rng.uniform(0.8, 1.0, n)),
    ).round(2)
    recent = raw["t_s"].to_numpy() >= int(end.timestamp()) - 48 * 3600
    open_ = np.where(recent, rng.uniform(size=n) < 0.6, rng.uniform(size=n) < 0.03)
    return pd.DataFrame(
        {
            "event_id": [f"SCN-{i:06d}" for i in range(n)],
            "source": SCENARIO_SOURCE,
            "type": types,
            "occurred_at": occurred,
            "received_at": occurred + pd.to_timedelta(delay_s),
            "lat": raw["lat"].to_numpy().round(5),
            "lon": raw["lon"].to_numpy().round(5),
            "persons": persons,
            "impact": impact_for(types, persons),
            "confidence": confidence,
            "status": np.where(open_, "open", "closed"),
            "cell": latlng_to_cells(raw["lat"].to_numpy().round(5), raw["lon"].to_numpy().round(5), BASE_RES),
            "attrs": [f'{{"corridor": "{c}"}}' for c in raw["corridor"]],
        }
    )
