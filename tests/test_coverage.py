"""Corridor, patrol coverage, gaps and placement: on hand-built cases and on the bundled scenario's planted gap."""

from __future__ import annotations

import itertools
import math
from datetime import timedelta

import h3
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely

from geo.coverage import (
    CoverageParams,
    SiteModel,
    Terrain,
    assess,
    coverage_sets,
    coverage_value,
    covered_share,
    greedy_placement,
    grid_azimuth_deg,
    load_terrain,
    optimal_placement,
    our_side,
    patrol_areas,
    patrol_cells,
    user_sites,
    within_reach,
)
from geo.errors import CoverageError
from geo.grid import cell_latlng, parent_cells
from geo.models import Sensor
from geo.scenario import GAP_LON_RANGE, Scenario, generate
from geo.spatial import border_lines, geometry_to_m, lonlat_to_xy_m
from tests.conftest import SCENARIO_END

BOUND = 1.0 - 1.0 / math.e
RES = 8


@pytest.fixture(scope="module")
def terrain() -> Terrain:
    return load_terrain(params=CoverageParams())


@pytest.fixture(scope="module")
def picture(terrain: Terrain, scenario: Scenario):
    sensors = [Sensor(**row) for row in scenario.sensors.to_dict("records")]
    recent = scenario.events[scenario.events["occurred_at"] >= scenario.end - timedelta(days=30)]
    counts = pd.Series(parent_cells(recent["cell"].to_numpy(dtype=np.uint64), RES)).value_counts()
    patrols = patrol_cells(scenario.patrols, res=RES)
    return sensors, counts, patrols, assess(terrain, sensors, patrols, counts, now=scenario.end, event_days=30.0)


def test_corridor_is_a_band_on_our_side_of_the_line(terrain: Terrain) -> None:
    corridor = terrain.corridor
    assert 800 < len(corridor) < 1500  # ~350 km of border x 2 km at ~0.74 km² a cell
    centres = np.array([cell_latlng(int(c)) for c in corridor.cells])
    x, y = lonlat_to_xy_m(centres[:, 1], centres[:, 0])
    line = geometry_to_m(border_lines().union_all())
    points = shapely.points(x, y)
    assert shapely.distance(line, points).max() < 2_000 + 1_000  # band width plus a cell
    # Our side: cell centres lie in Greece or Bulgaria; those of cells straddling the line at most half a
    # cell (~500 m) into North Macedonia.
    eu = geometry_to_m(our_side())
    assert shapely.contains(eu, points).mean() > 0.75
    assert shapely.distance(eu, points).max() < 600
    assert (centres[:, 0] < 42.01).all()  # the 3'' DEM (and so the corridor) ends at 42 N
    share = corridor.cell_share(np.ones(terrain.dem.shape, dtype=bool))
    assert np.allclose(share, 1.0)
    stats = terrain.stats
    assert stats["elevation_max_m"].max() > 2000  # Kajmakcalan/Voras
    assert 0 < stats["slope_mean_deg"].median() < 30


def test_patrol_track_fills_the_cells_between_fixes() -> None:
    """A unit driving 30 km east at 3.5 m/s with fixes every 5 minutes passes every cell on its way."""
    t0 = pd.Timestamp("2026-11-01 00:00", tz="UTC")
    seconds = np.arange(0, 30_000 / 3.5, 300)
    lon = 22.0 + seconds * 3.5 / (111_195.0 * math.cos(math.radians(41.0)))
    units = pd.DataFrame({"unit_id": "U1", "at": t0 + pd.to_timedelta(seconds, unit="s"), "lat": 41.0, "lon": lon})
    cells = patrol_cells(units, res=RES)
    line_cells = {int(h, 16) for h in h3.h3shape_to_cells(h3.LatLngPoly([(41.0, 22.0), (41.0001, 22.0),
                                                                           (41.0001, float(lon[-1])),
                                                                           (41.0, float(lon[-1]))]), RES)}
    assert line_cells <= set(cells["cell"].tolist())
    assert cells["effort_h"].sum() == pytest.approx(seconds[-1] / 3600.0)
    last = cells.set_index("cell")["last_at"]
    assert last.max() <= units["at"].max() and last.min() >= t0
    # A silence longer than 15 minutes is not bridged: two fixes an hour apart mark only their own cells.
    sparse = units.iloc[[0, 12]]
    assert len(patrol_cells(sparse, res=RES)) == 2
    spread = within_reach(patrol_cells(sparse, res=RES), rings=1)
    assert len(spread) == 14
    with pytest.raises(CoverageError, match="lack"):
        patrol_cells(units.drop(columns="lat"), res=RES)


def test_planted_gap_is_found_and_is_the_longest_gap(picture) -> None:
    """The scenario's planted gap (GR-MK, 21.70-21.95 E) comes out as one uncovered stretch, seen by no sensor.

    It is the longest gap and the riskiest: the busy crossings are covered (Gevgelija-Idomeni and Lake
    Dojran's western shore by a Greek patrol beat besides the Macedonian one, Prespa by a camera facing
    it), so no stretch left open with 7-15 events a day outranks ~34 km of line nobody watches, even on
    Kajmakcalan's 17 deg slopes with background traffic only.
    """
    _, _, _, result = picture
    coverage, gaps = result.coverage, result.gaps
    centres = np.array([cell_latlng(int(c)) for c in coverage.index])
    west, east = GAP_LON_RANGE
    planted = (centres[:, 1] > west + 0.02) & (centres[:, 1] < east - 0.02) & (centres[:, 0] < 41.2)
    assert planted.sum() > 60
    assert not coverage.loc[planted, "seen"].any()  # no sensor sees any of it
    ranks = result.gap_rank.reindex(coverage.index[planted])
    assert ranks.notna().mean() > 0.8  # nearly all of it uncovered ...
    main = int(ranks.mode().iloc[0])
    row = gaps.loc[gaps["rank"] == main].iloc[0]
    assert ranks.eq(main).mean() > 0.8  # ... in one gap
    assert row["lon_min"] <= west + 0.03 and row["lon_max"] >= east - 0.03
    assert row["cells"] == gaps["cells"].max()  # the longest blind stretch
    assert main == 1
    # The busiest open stretch now has fewer events a day than the corridors it used to outrank.
    assert gaps.loc[gaps["rank"] > 1, "events_per_day"].max() < 1.0
    dojran_west = (centres[:, 1] > 22.60) & (centres[:, 1] < 22.72) & (centres[:, 0] < 41.2)
    assert coverage.loc[dojran_west, "covered"].mean() > 0.9


@pytest.mark.parametrize("shift_h", [133.5, -400.0])
def test_planted_gap_ranks_first_whatever_the_scenario_ends(terrain: Terrain, shift_h: float) -> None:
    """The app generates the scenario to end now: the gap must come first at other end times too (before the
    Greek Gevgelija beat, a 1-3 cell stretch by Idomeni came first at both of these)."""
    other = generate(end=SCENARIO_END + timedelta(hours=shift_h))
    sensors = [Sensor(**row) for row in other.sensors.to_dict("records")]
    recent = other.events[other.events["occurred_at"] >= other.end - timedelta(days=30)]
    counts = pd.Series(parent_cells(recent["cell"].to_numpy(dtype=np.uint64), RES)).value_counts()
    gaps = assess(terrain, sensors, patrol_cells(other.patrols, res=RES), counts, now=other.end, event_days=30.0).gaps
    first = gaps.iloc[0]
    assert first["lon_min"] <= GAP_LON_RANGE[0] + 0.03 and first["lon_max"] >= GAP_LON_RANGE[1] - 0.03
    assert first["cells"] == gaps["cells"].max()


def test_covered_share_and_what_if(picture, terrain: Terrain, scenario: Scenario) -> None:
    sensors, counts, patrols, result = picture
    share = result.covered_share
    assert 0.4 < share < 0.9
    assert result.coverage["seen"].mean() < share  # patrols add to what sensors see
    assert set(result.skipped) and all(s.lat > 41.7 for s in sensors if s.sensor_id in result.skipped)
    # What if: a tower on the candidate site that sees most of the planted gap raises the share.
    west, east = GAP_LON_RANGE
    near_gap = terrain.candidates[terrain.candidates["lon"].between(west, east)].reset_index(drop=True)
    sets = coverage_sets(terrain.corridor, near_gap, model=SiteModel(), params=terrain.params)
    site = near_gap.iloc[int(np.argmax(np.asarray(sets.sum(axis=1)).ravel()))]
    gap_tower = Sensor("NEW", "tower", float(site["lat"]), float(site["lon"]), 24.0, 12_000.0, 0.0, 360.0)
    after = assess(terrain, [*sensors, gap_tower], patrols, counts, now=scenario.end, event_days=30.0)
    assert after.covered_share > share + 0.02
    assert after.coverage["seen"].sum() > result.coverage["seen"].sum() + 20
    off = [Sensor(**{**row, "status": "off"}) for row in scenario.sensors.to_dict("records")]
    dark = assess(terrain, off, patrols, counts, now=scenario.end, event_days=30.0)
    assert dark.coverage["seen"].sum() == 0 and dark.covered_share < share


def test_patrol_areas_take_the_riskiest_open_cells(picture) -> None:
    _, _, _, result = picture
    areas = patrol_areas(result.coverage, result.risk, n_cells=30, n_areas=3)
    assert 1 <= len(areas) <= 3
    assert areas["risk"].is_monotonic_decreasing
    chosen = [c for cells in areas["cells"] for c in cells]
    assert not result.coverage.loc[np.array(chosen, dtype=np.uint64), "covered"].any()
    open_risk = result.risk.loc[~result.coverage["covered"], "risk"]
    # The single riskiest open cell is sent a patrol, though areas rank by summed risk, not by their best cell.
    assert open_risk.idxmax() in chosen
    assert set(chosen) <= set(open_risk.nlargest(30).index)


def test_greedy_is_within_the_bound_of_the_exact_optimum_on_small_instances() -> None:
    rng = np.random.default_rng(7)
    for trial in range(12):
        n_sites, n_cells, k = int(rng.integers(8, 13)), int(rng.integers(20, 50)), int(rng.integers(2, 5))
        sets = sp.csr_matrix(rng.random((n_sites, n_cells)) < rng.uniform(0.08, 0.3))
        weights = rng.exponential(1.0, n_cells)
        greedy, gains = greedy_placement(sets, weights, k)
        best, optimum = optimal_placement(sets, weights, k)
        brute = max(coverage_value(sets, weights, list(c)) for c in itertools.combinations(range(n_sites), k))
        assert optimum == pytest.approx(brute), trial  # the MILP is exact
        assert sum(gains) == pytest.approx(coverage_value(sets, weights, greedy))
        assert sum(gains) >= BOUND * optimum - 1e-9, trial
        assert coverage_value(sets, weights, best) == pytest.approx(optimum)


def test_greedy_can_miss_the_optimum_and_milp_finds_it() -> None:
    """Site 0 sees cells {0..3}; sites 1 and 2 see {0, 1, 4} and {2, 3, 5}: greedy takes 0 first (4 > 3)."""
    sets = sp.csr_matrix(np.array([[1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 1, 0], [0, 0, 1, 1, 0, 1]], dtype=bool))
    weights = np.ones(6)
    greedy, gains = greedy_placement(sets, weights, 2)
    best, optimum = optimal_placement(sets, weights, 2)
    assert greedy[0] == 0 and sum(gains) == 5.0
    assert sorted(best) == [1, 2] and optimum == 6.0
    assert sum(gains) >= BOUND * optimum
    with pytest.raises(CoverageError, match="k"):
        greedy_placement(sets, weights, 0)
    # Nothing left to cover: no site is worth taking.
    assert greedy_placement(sets, np.zeros(6), 2) == ([], [])
    assert optimal_placement(sets, np.zeros(6), 2) == ([], 0.0)


def test_placement_on_the_real_corridor_closes_the_riskiest_gaps(picture, terrain: Terrain) -> None:
    """Candidates near the border, greedy beside the exact optimum, on the real viewsheds."""
    _, _, _, result = picture
    weights = np.where(result.coverage["covered"], 0.0, result.risk["risk"])
    candidates = terrain.candidates
    assert len(candidates) > 100 and candidates["elevation_m"].is_monotonic_decreasing
    sets = coverage_sets(terrain.corridor, candidates, model=SiteModel(), params=terrain.params)
    greedy, gains = greedy_placement(sets, weights, 4)
    _, optimum = optimal_placement(sets, weights, 4)
    assert sum(gains) >= BOUND * optimum and sum(gains) <= optimum + 1e-9
    assert sum(gains) > 0.5 * weights.sum() / 4  # a few towers close a good part of the open risk
    picked = candidates.iloc[greedy]
    # The riskiest gap is the planted one: towers go to it (3 of 4 today; before the scenario covered its busy
    # crossings, one went to the Dojran gap).
    west, east = GAP_LON_RANGE
    assert picked["lon"].between(west - 0.05, east + 0.05).sum() >= 2
    users = user_sites(terrain.dem, [41.02, 41.05], [21.82, 21.88])
    assert len(users) == 2
    with pytest.raises(CoverageError, match="on the elevation grid"):
        user_sites(terrain.dem, [45.0], [21.8])


def test_parameters_are_checked() -> None:
    with pytest.raises(CoverageError, match="corridor_width_m"):
        CoverageParams(corridor_width_m=10.0)
    with pytest.raises(CoverageError, match="seen_share"):
        CoverageParams(seen_share=0.0)
    with pytest.raises(CoverageError, match="res"):
        CoverageParams(res=12)
    with pytest.raises(CoverageError, match="site model"):
        SiteModel(range_m=0.0)
    assert covered_share(pd.DataFrame({"covered": []})) == 0.0


def test_sensor_azimuth_turns_from_true_to_grid_north() -> None:
    """East of UTM 34's central meridian (21 E) true north leans west of grid north: a camera facing true
    north at 23 E faces ~358.7 deg on the grid, the bearing of a point due north of it in EPSG:32634."""
    camera = Sensor("A", "camera", 41.0, 23.0, 10.0, 5000.0, 0.0, 90.0)
    x0, y0 = lonlat_to_xy_m(23.0, 41.0)
    x1, y1 = lonlat_to_xy_m(23.0, 41.1)
    bearing = math.degrees(math.atan2(float(x1 - x0), float(y1 - y0))) % 360
    assert grid_azimuth_deg(camera, "EPSG:32634") == pytest.approx(bearing, abs=0.01)
    assert 358.0 < bearing < 359.0
