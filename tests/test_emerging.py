"""Emerging hot spots: Mann-Kendall against pymannkendall, each category from its definition, the planted corridor."""

from __future__ import annotations

from datetime import timedelta

import h3
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.analysis import (
    CATEGORIES,
    EMERGING_PATTERNS,
    NO_PATTERN,
    EmergingParams,
    category_matches,
    cell_z_series,
    classify_emerging,
    emerging_hot_spots,
    gi_star,
    gi_star_steps,
    mann_kendall,
    neighbour_matrix,
    space_time_cube,
)
from geo.errors import LimesError
from geo.grid import EventIndex, Filters, cell_latlng, latlng_to_cells
from geo.scenario import EMERGING_CORRIDOR
from geo.timewindow import TimeWindow

FIXED_SERIES = [
    [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    [5.0, 3.0, 3.0, 2.0, 2.0, 2.0, 1.0, 0.0],  # falling, with ties
    [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],  # nearly all tied
    [2.0, 2.0, 2.0, 2.0],  # all tied: no trend, variance 0
    [0.3, -1.2, 2.5, 0.7, 0.7, 1.9, -0.4, 3.3, 2.8, 2.8, 4.1, 3.0],
]


@pytest.mark.parametrize("series", FIXED_SERIES)
def test_mann_kendall_equals_pymannkendall(series: list[float]) -> None:
    pmk = pytest.importorskip("pymannkendall")
    theirs = pmk.original_test(series)
    ours = mann_kendall(np.array([series]))
    assert ours.s[0] == theirs.s
    assert ours.var_s[0] == pytest.approx(theirs.var_s, rel=1e-12)
    assert ours.z[0] == pytest.approx(theirs.z, abs=1e-12)
    assert ours.p[0] == pytest.approx(theirs.p, abs=1e-12)
    assert ours.tau[0] == pytest.approx(theirs.Tau, abs=1e-12)


def test_mann_kendall_vectorised_over_rows_and_needs_three_steps() -> None:
    rng = np.random.default_rng(4)
    rows = rng.integers(0, 4, size=(50, 9)).astype(float)  # many ties
    together = mann_kendall(rows)
    for i in range(0, 50, 7):
        alone = mann_kendall(rows[i:i + 1])
        assert together.s[i] == alone.s[0] and together.p[i] == pytest.approx(alone.p[0], abs=1e-15)
    with pytest.raises(LimesError, match="at least 3"):
        mann_kendall([[1.0, 2.0]])


def test_gi_star_per_step_equals_gi_star_of_each_column() -> None:
    centre = h3.latlng_to_cell(41.12, 22.5, 7)
    cells = np.array(sorted(int(c, 16) for c in h3.grid_disk(centre, 8)), dtype=np.uint64)
    counts = np.random.default_rng(5).poisson(1.0, size=(cells.size, 6)).astype(float)
    counts[:20, 3:] += 9.0
    z, p = gi_star_steps(counts, neighbour_matrix(cells, 1), fdr=True)
    for step in range(6):
        alone = gi_star(pd.Series(counts[:, step], index=cells), k=1)
        np.testing.assert_allclose(z[:, step], alone["z"], atol=1e-12)
        np.testing.assert_allclose(p[:, step], alone["p_fdr"], atol=1e-12)


# Crafted rows of 10 steps: "H" hot (z 3, p .001), "C" cold (z -3, p .001), "." not significant.
# Where the trend matters, the z-scores of the significant steps rise or fall steadily.
CRAFTED: dict[str, str] = {
    "New hot spot": ".........H",
    "Consecutive hot spot": "........HH",
    "Intensifying hot spot": "HHHHHHHHHH+",
    "Persistent hot spot": "HHHHHHHHHH",
    "Diminishing hot spot": "HHHHHHHHHH-",
    "Sporadic hot spot": "..H..H...H",
    "Oscillating hot spot": ".C...H...H",
    "Historical hot spot": "HHHHHHHHH.",
    "New cold spot": ".........C",
    "Consecutive cold spot": ".......CCC",
    "Intensifying cold spot": "CCCCCCCCCC-",
    "Persistent cold spot": "CCCCCCCCCC",
    "Diminishing cold spot": "CCCCCCCCCC+",
    "Sporadic cold spot": "C..C.CC..C",
    "Oscillating cold spot": "HHHHHHHHHC",
    "Historical cold spot": "CCCCCCCCC.",
    NO_PATTERN: "..H..C....",
}


def _row(pattern: str) -> tuple[np.ndarray, np.ndarray]:
    trend = pattern[10:]
    z = np.array([{"H": 3.0, "C": -3.0, ".": 0.2}[c] for c in pattern[:10]])
    if trend:  # a steady rise or fall of 2 over the ten steps, the signs unchanged
        z = z + np.linspace(0.0, 2.0 if trend == "+" else -2.0, 10)
    elif pattern in ("HHHHHHHHHH", "CCCCCCCCCC"):  # up and down: no trend
        z = z + np.tile([0.5, -0.5], 5)
    p = np.array([0.001 if c in "HC" else 0.5 for c in pattern[:10]])
    return z, p


def test_each_category_from_its_definition_and_no_other() -> None:
    names = list(CRAFTED)
    rows = [_row(CRAFTED[name]) for name in names]
    z, p = np.vstack([r[0] for r in rows]), np.vstack([r[1] for r in rows])
    matches, trend = category_matches(z, p)
    labelled = [c for c in CATEGORIES if c != NO_PATTERN]
    for i, name in enumerate(names):
        met = [labelled[j] for j in np.flatnonzero(matches[i])]
        assert met == ([] if name == NO_PATTERN else [name]), (name, met, trend.p[i])
    categories, _ = classify_emerging(z, p)
    assert categories.tolist() == names
    assert set(CATEGORIES) == set(names)  # every category is exercised


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from("HC."), min_size=10, max_size=10), min_size=1, max_size=30),
       st.floats(0.51, 1.0))
def test_definitions_never_overlap(patterns: list[list[str]], share: float) -> None:
    z = np.array([[{"H": 3.0, "C": -3.0, ".": 0.0}[c] + 0.01 * j for j, c in enumerate(row)] for row in patterns])
    p = np.where(np.abs(z) > 1, 0.001, 0.9)
    matches, _ = category_matches(z, p, params=EmergingParams(share=share))
    assert (matches.sum(axis=1) <= 1).all()


def test_settings_are_checked() -> None:
    with pytest.raises(LimesError, match="share"):
        EmergingParams(share=0.4)
    with pytest.raises(LimesError, match="alpha"):
        EmergingParams(alpha=1.5)


def test_cube_counts_equal_the_aggregates_of_each_step(scenario) -> None:
    index = EventIndex(scenario.events)
    end = scenario.end
    filters = Filters(TimeWindow(end - timedelta(days=23, hours=5), end), res=7)
    cells, counts = index.cube(filters, step=timedelta(weeks=1))
    assert counts.shape == (cells.size, 3)  # 3 whole weeks; the 2 days 5 h before them are left out
    for step in range(3):
        start = end - timedelta(weeks=3 - step)
        expected = index.aggregate(Filters(TimeWindow(start, start + timedelta(weeks=1)), res=7)).set_index("cell")
        got = pd.Series(counts[:, step], index=cells)
        got = got[got > 0]
        assert got.to_dict() == expected["events"].to_dict()


def test_planted_corridor_is_the_one_emerging_hot_spot(scenario) -> None:
    """Twelve weekly steps at res 7: the Huma-Notia corridor comes out new or consecutive, nothing else emerges."""
    index = EventIndex(scenario.events)
    filters = Filters(TimeWindow(scenario.end - timedelta(weeks=12), scenario.end), res=7)
    cube = space_time_cube(index, filters, step=timedelta(weeks=1))
    assert cube.shape[1] == 12 and (cube.to_numpy() == 0).any()  # zeros of the study area are in
    result = emerging_hot_spots(cube)
    lon, lat = EMERGING_CORRIDOR.waypoints[1]
    planted = latlng_to_cells([lat], [lon], 7)[0]
    assert result.loc[planted, "category"] in EMERGING_PATTERNS
    emerging = result[result["category"].isin(EMERGING_PATTERNS)]
    distances_km = [h3.great_circle_distance(cell_latlng(int(c)), (lat, lon), unit="km") for c in emerging.index]
    assert len(emerging) >= 3 and max(distances_km) < 12.0
    # The established corridors are steady: persistent hot spots, not emerging ones.
    assert (result["category"] == "Persistent hot spot").sum() >= 20
    series = cell_z_series(cube, planted)
    assert series["significant"].iloc[-1] and not series["significant"].iloc[:-2].any()


def test_emerging_areas_group_touching_cells() -> None:
    from geo.analysis import emerging_areas

    a = h3.latlng_to_cell(41.1, 22.3, 7)
    b = h3.latlng_to_cell(41.4, 22.9, 7)
    cells = [int(c, 16) for c in h3.grid_disk(a, 1)] + [int(b, 16)]
    result = pd.DataFrame({"category": ["New hot spot"] * 5 + ["Consecutive hot spot"] * 2 + ["Intensifying hot spot"],
                           "z_final": [3.0] * 7 + [9.0]}, index=pd.Index(cells, dtype=np.uint64))
    result.loc[np.uint64(int(h3.grid_disk(a, 1)[1], 16)), "category"] = "Persistent hot spot"  # not emerging
    areas = emerging_areas(result)
    assert areas["cells"].tolist() == [1, 6]  # strongest first; the persistent cell left out
    assert areas["categories"].iloc[1] == (("New hot spot", 4), ("Consecutive hot spot", 2))
    assert areas["lat"].iloc[0] == pytest.approx(41.4, abs=0.02)
