"""The bundled scenario: size, vocabulary, determinism, rhythms, terrain, and the planted truth."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import shapely
import shapely.ops

from geo.models import EVENT_STATUSES, EVENT_TYPES, IMPACT_LEVELS, SENSOR_KINDS
from geo.scenario import EMERGING_DAYS, LOCAL_UTC_OFFSET_H, generate
from geo.spatial import border_lines, bundled_region, geometry_to_m, lonlat_to_xy_m, read_dem, slope_deg
from tests.conftest import SCENARIO_END


def _metric_line(coords_lonlat) -> shapely.LineString:
    return geometry_to_m(shapely.LineString(coords_lonlat))


def _distance_m(line_m: shapely.LineString, lon, lat) -> np.ndarray:
    x, y = lonlat_to_xy_m(lon, lat)
    return shapely.distance(line_m, shapely.points(np.column_stack([x, y])))


def test_size_and_vocabulary(scenario) -> None:
    events = scenario.events
    assert len(events) >= 50_000
    assert set(events["type"]) == set(EVENT_TYPES)
    assert set(events["impact"]) <= set(IMPACT_LEVELS)
    assert set(events["status"]) == set(EVENT_STATUSES)
    assert (events["persons"] >= 0).all()
    assert events["event_id"].is_unique
    assert events["occurred_at"].max() < pd.Timestamp(SCENARIO_END)
    assert events["occurred_at"].min() >= pd.Timestamp(SCENARIO_END - timedelta(days=90))
    assert events["occurred_at"].max() > pd.Timestamp(SCENARIO_END - timedelta(minutes=30))  # up to the end
    patrol_times = scenario.patrols["at"]
    assert patrol_times.min() >= pd.Timestamp(scenario.start) and patrol_times.max() < pd.Timestamp(SCENARIO_END)
    assert (events["received_at"] >= events["occurred_at"]).all()
    assert len(scenario.sensors) >= 20 and set(scenario.sensors["kind"]) <= set(SENSOR_KINDS)
    assert scenario.patrols["unit_id"].nunique() >= 10


def test_deterministic_for_a_seed(scenario) -> None:
    again = generate(end=SCENARIO_END)
    pd.testing.assert_frame_equal(again.events, scenario.events)
    pd.testing.assert_frame_equal(again.sensors, scenario.sensors)
    pd.testing.assert_frame_equal(again.patrols, scenario.patrols)
    other = generate(seed=1, end=SCENARIO_END)
    assert not other.events[["lat", "lon"]].head(100).equals(scenario.events[["lat", "lon"]].head(100))


def test_events_hug_the_border(scenario) -> None:
    borders = border_lines()
    lines = shapely.union_all([_metric_line(shapely.get_coordinates(g)) for g in borders.geometry])
    d = _distance_m(lines, scenario.events["lon"], scenario.events["lat"])
    assert np.median(d) < 4_000
    assert (d < 15_000).mean() > 0.95


def test_night_heavy_and_weekly_rhythm(scenario) -> None:
    local = scenario.events["occurred_at"] + pd.Timedelta(hours=LOCAL_UTC_OFFSET_H)
    hour = local.dt.hour
    night = hour.isin([22, 23, 0, 1, 2, 3, 4]).mean() / 7
    midday = hour.isin([10, 11, 12, 13, 14, 15, 16]).mean() / 7
    assert night > 2.5 * midday
    per_day = local.dt.day_of_week.value_counts()
    assert per_day[[5, 6]].mean() > per_day[[0, 1, 2]].mean() * 1.1


def test_terrain_draws_events_to_gentle_low_ground(scenario) -> None:
    dem = read_dem(bundled_region().hillshade_dem, bounds_lonlat=(20.9, 40.6, 23.5, 42.0))
    slope = slope_deg(dem.elevation_m, *dem.cell_size_m())
    events = scenario.events[~scenario.events["attrs"].str.contains('"background"')]
    row, col, inside = dem.rowcol(events["lat"], events["lon"])
    at_events = slope[row[inside], col[inside]]
    # The same corridors without the terrain choice: every event moved by a random 1.5 km offset.
    rng = np.random.default_rng(0)
    row2, col2, inside2 = dem.rowcol(events["lat"] + rng.normal(0, 0.0135, len(events)),
                                     events["lon"] + rng.normal(0, 0.018, len(events)))
    around = slope[row2[inside2], col2[inside2]]
    assert at_events.mean() < 0.85 * around.mean()


def test_planted_emerging_corridor(scenario) -> None:
    truth = scenario.truth
    since = pd.Timestamp(truth["emerging_since"])
    assert since == pd.Timestamp(SCENARIO_END - timedelta(days=EMERGING_DAYS))
    point = truth["emerging_border_point"]
    x0, y0 = lonlat_to_xy_m(point["lon"], point["lat"])
    x, y = lonlat_to_xy_m(scenario.events["lon"], scenario.events["lat"])
    near = np.hypot(x - x0, y - y0) < 2_500
    times = scenario.events.loc[near, "occurred_at"]
    rate_before = (times < since).sum() / (90 - EMERGING_DAYS)
    rate_after = (times >= since).sum() / EMERGING_DAYS
    assert rate_after > 10 * max(rate_before, 0.1)
    last_week = (times >= pd.Timestamp(SCENARIO_END - timedelta(days=7))).sum()
    assert last_week > (times >= since).sum() - last_week  # intensifying: the second week busier


def test_planted_coverage_gap(scenario) -> None:
    gap = _metric_line(scenario.truth["gap_line_lonlat"])
    assert gap.length > 20_000
    sensors = scenario.sensors
    d = _distance_m(gap, sensors["lon"], sensors["lat"])
    assert (d > sensors["range_m"] + 1_000).all()
    middle = shapely.ops.substring(gap, 0.2 * gap.length, 0.8 * gap.length)
    patrols = scenario.patrols
    near_gap = _distance_m(middle, patrols["lon"], patrols["lat"]) < 2_000
    gap_days = patrols.loc[near_gap, "at"].dt.floor("D").nunique()
    assert 1 <= gap_days <= 5
    # A watched stretch for comparison: the Gevgelija crossing sees patrols nearly every day.
    gev = _metric_line([(22.45, 41.13), (22.56, 41.12)])
    gev_days = patrols.loc[_distance_m(gev, patrols["lon"], patrols["lat"]) < 2_000, "at"].dt.floor("D").nunique()
    assert gev_days >= 60


def test_corridor_ends_do_not_collect_events(scenario) -> None:
    """No pile-up at the corridor's end waypoints: the along-corridor spread is truncated, not clipped."""
    from geo.scenario import CORRIDORS

    x, y = lonlat_to_xy_m(scenario.events["lon"], scenario.events["lat"])
    for corridor in CORRIDORS:
        (ax, ay), (bx, by) = (lonlat_to_xy_m(*corridor.waypoints[i]) for i in (0, 1))
        at_end = (np.hypot(x - ax, y - ay) < 500).sum()
        at_border = (np.hypot(x - bx, y - by) < 500).sum()
        assert at_end < 0.5 * at_border, corridor.name
