"""The scenario's patrol units: GPS fixes along beats parallel to the border, rarely in the gap.

Works in the bundled region's metric CRS (metres).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
import shapely.ops

from geo.grid import BASE_RES, latlng_to_cells
from geo.spatial import offset_into, points_along, xy_m_to_lonlat

BEAT_LENGTH_M: Final[float] = 32_000.0
PATROL_OFFSET_M: Final[float] = 1_200.0
"""Patrol routes run this far inside the unit's own country, parallel to the border."""
FIX_INTERVAL_S: Final[int] = 300
SHIFT_HOURS: Final[int] = 8
PATROL_SPEED_M_S: Final[float] = 3.5
GAP_VISIT_EVERY_DAYS: Final[int] = 23
GAP_DETOUR_FIXES: Final[int] = 12
"""A detour through the gap lasts this many fixes (one hour)."""
SECOND_BEATS: Final[tuple[tuple[float, float], ...]] = ((22.45, 22.76),)
"""Stretches (west lon, east lon) of the gap side's border also patrolled from the gap's side. The two busiest
crossings, Gevgelija-Idomeni and Lake Dojran's western shore, have a Greek beat besides the Macedonian one."""


def _beats(border_m: dict[str, shapely.LineString], gap_m: shapely.LineString) -> list[tuple[str, shapely.LineString]]:
    """Border stretches of about :data:`BEAT_LENGTH_M` with their country pair, the coverage gap cut out."""
    beats = []
    for pair, line in border_m.items():
        n = max(1, round(line.length / BEAT_LENGTH_M))
        edges = np.linspace(0.0, line.length, n + 1)
        for a, b in zip(edges[:-1], edges[1:]):
            piece = shapely.ops.substring(line, a, b).difference(gap_m.buffer(50.0))
            parts = list(getattr(piece, "geoms", [piece]))
            beats.extend((pair, p) for p in parts if p.length > 5_000.0)
    return beats


def _second_beats(border_m: dict[str, shapely.LineString], *, side: str,
                  crs: str) -> list[tuple[str, str, shapely.LineString]]:
    """The :data:`SECOND_BEATS` as (country pair, ``side``, border stretch in metres of ``crs``)."""
    out = []
    pair = next(p for p in border_m if side in p.split("-"))  # the gap side's border
    for west, east in SECOND_BEATS:
        line = border_m[pair]
        lon, _ = xy_m_to_lonlat(*shapely.get_coordinates(line).T, crs=crs)
        inside = np.flatnonzero((lon >= west) & (lon <= east))
        out.append((pair, side, shapely.LineString(shapely.get_coordinates(line)[inside[0]:inside[-1] + 1])))
    return out


def _shuttle(route: shapely.LineString, seconds: npt.NDArray[np.int64], phase_m: float) -> npt.NDArray[np.float64]:
    """Positions (x, y metres) of a unit driving back and forth along ``route``."""
    travelled = phase_m + PATROL_SPEED_M_S * seconds
    x, y = points_along(route, np.abs((travelled % (2 * route.length)) - route.length))
    return np.column_stack([x, y])


def patrol_tracks(rng: np.random.Generator, border_m: dict[str, shapely.LineString], gap_m: shapely.LineString,
                  countries_m: dict[str, shapely.Geometry], *, start: datetime, days: int,
                  gap_side: str, crs: str) -> tuple[pd.DataFrame, int]:
    """GPS fixes every 5 minutes of one 8-hour shift a day for each unit, one unit per beat.

    ``border_m`` maps a country pair (``"AAA-BBB"``) to its border line, ``countries_m`` an ISO3
    code to its polygon, all in metres of ``crs``; ``gap_side`` is the ISO3 code of the gap's patrolling side. Units
    alternate between the two sides; the :data:`SECOND_BEATS` get a unit of their own (of ``gap_side``). Returns the fixes
    (``unit_id``, ``callsign``, ``at``, ``lat``, ``lon``, ``cell``) in [start, start + days) and
    the number of patrol visits to the coverage gap.
    """
    gap_route = offset_into(gap_m, countries_m[gap_side], PATROL_OFFSET_M)
    units: list[tuple[str, str]] = []
    unit_index, fixes_s, fixes_xy = [], [], []
    gap_visits = 0
    t0 = int(start.timestamp())
    day0 = t0 // 86400 * 86400
    shift_s = np.arange(0, SHIFT_HOURS * 3600, FIX_INTERVAL_S)
    beats = [(pair, pair.split("-")[unit % 2], beat) for unit, (pair, beat) in enumerate(_beats(border_m, gap_m))]
    # Second beats come last, so every other unit draws the same random numbers as without them.
    for unit, (pair, side, beat) in enumerate([*beats, *_second_beats(border_m, side=gap_side, crs=crs)]):
        route = offset_into(beat, countries_m[side], PATROL_OFFSET_M)
        units.append((f"U{unit + 1:02d}", f"{side[:2]}-P{unit + 1:02d}"))
        # The unit of the gap's side nearest the gap detours through it every few weeks, for one hour.
        detours = beat.distance(gap_m) < 15_000 and side == gap_side
        for day in range(days + 1):
            shift_start = day0 + day * 86400 + ((unit * 5) % 24) * 3600 + int(rng.integers(0, 1800))
            xy = _shuttle(route, shift_s, float(rng.uniform(0, route.length)))
            if detours and day % GAP_VISIT_EVERY_DAYS == GAP_VISIT_EVERY_DAYS - 1:
                xy[:GAP_DETOUR_FIXES] = _shuttle(gap_route, shift_s[:GAP_DETOUR_FIXES] * 3, 0.0)
                gap_visits += 1
            fixes_xy.append(xy + rng.normal(0.0, 15.0, xy.shape))
            fixes_s.append(shift_start + shift_s)
            unit_index.append(np.full(shift_s.size, unit))
    xy = np.concatenate(fixes_xy)
    at_s = np.concatenate(fixes_s)
    which = np.concatenate(unit_index)
    keep = (at_s >= t0) & (at_s < t0 + days * 86400)
    lon, lat = xy_m_to_lonlat(xy[keep, 0], xy[keep, 1], crs=crs)
    lat, lon = lat.round(5), lon.round(5)
    ids = np.array([u[0] for u in units])
    callsigns = np.array([u[1] for u in units])
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
