"""H3 indexing and hierarchy against h3-py itself."""

from __future__ import annotations

import h3
import h3.api.basic_int as h3i
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import CoordinateError, ResolutionError
from geo.grid import (
    BASE_RES,
    VIEW_RES_RANGE,
    cell_at_resolution,
    cell_latlng,
    cell_resolutions,
    cells_to_hex,
    hex_to_cell,
    latlng_to_cells,
    parent_cells,
    resolution_for_zoom,
)

RNG = np.random.default_rng(42)
WORLD_LAT = RNG.uniform(-89.9, 89.9, 2000)
WORLD_LON = RNG.uniform(-179.9, 179.9, 2000)
BORDER_LAT = RNG.uniform(40.6, 42.4, 2000)
BORDER_LON = RNG.uniform(20.9, 23.1, 2000)


@pytest.mark.parametrize("res", range(0, 16))
def test_cells_equal_h3_at_every_resolution(res: int) -> None:
    for lat, lon in ((WORLD_LAT, WORLD_LON), (BORDER_LAT, BORDER_LON)):
        ours = latlng_to_cells(lat, lon, res)
        expected = np.array([h3i.latlng_to_cell(a, b, res) for a, b in zip(lat, lon)], dtype=np.uint64)
        np.testing.assert_array_equal(ours, expected)


@pytest.mark.parametrize("res", range(0, BASE_RES + 1))
def test_parents_equal_h3(res: int) -> None:
    cells = latlng_to_cells(BORDER_LAT, BORDER_LON, BASE_RES)
    ours = parent_cells(cells, res)
    expected = np.array([h3i.cell_to_parent(int(c), res) for c in cells], dtype=np.uint64)
    np.testing.assert_array_equal(ours, expected)
    assert set(cell_resolutions(ours)) == {res}


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(-89.99, 89.99, allow_nan=False),
    lon=st.floats(-179.99, 179.99, allow_nan=False),
    fine=st.integers(0, 15),
    data=st.data(),
)
def test_parent_property(lat: float, lon: float, fine: int, data: st.DataObject) -> None:
    coarse = data.draw(st.integers(0, fine))
    cell = latlng_to_cells([lat], [lon], fine)
    assert int(cell[0]) == h3i.latlng_to_cell(lat, lon, fine)
    assert int(parent_cells(cell, coarse)[0]) == h3i.cell_to_parent(int(cell[0]), coarse)


def test_hex_strings_round_trip_and_match_h3_strings() -> None:
    cells = latlng_to_cells(BORDER_LAT[:50], BORDER_LON[:50], 7)
    hexes = cells_to_hex(cells)
    assert hexes == [h3.latlng_to_cell(a, b, 7) for a, b in zip(BORDER_LAT[:50], BORDER_LON[:50])]
    assert [hex_to_cell(h) for h in hexes] == [int(c) for c in cells]


@pytest.mark.parametrize("bad", ["", "zz", "-1", None])
def test_hex_to_cell_rejects_garbage(bad: object) -> None:
    with pytest.raises(CoordinateError, match="not an H3 cell id"):
        hex_to_cell(bad)  # type: ignore[arg-type]


def test_bad_coordinates_name_the_first_offender() -> None:
    with pytest.raises(CoordinateError, match=r"index 1: lat=95\.0"):
        latlng_to_cells([41.0, 95.0], [22.0, 22.0], 7)
    with pytest.raises(CoordinateError, match="equal length"):
        latlng_to_cells([41.0], [22.0, 23.0], 7)
    with pytest.raises(CoordinateError):
        latlng_to_cells([np.nan], [22.0], 7)


def test_resolution_limits() -> None:
    with pytest.raises(ResolutionError, match="0..15"):
        latlng_to_cells([41.0], [22.0], 16)
    cells = latlng_to_cells([41.0], [22.0], 5)
    with pytest.raises(ResolutionError, match="cannot take parents at res 7"):
        parent_cells(cells, 7)


def test_resolution_for_zoom_is_monotone_and_clamped() -> None:
    values = [resolution_for_zoom(z) for z in np.arange(3, 16, 0.5)]
    assert values == sorted(values)
    assert (min(values), max(values)) == VIEW_RES_RANGE == (3, 9)  # continents at 3, a village at 9
    assert resolution_for_zoom(8) == 6  # whole border in view: ~3 km hexagons


def test_rejects_well_formed_but_invalid_ids_and_rescales_selections() -> None:
    with pytest.raises(CoordinateError):
        hex_to_cell("ffffffffffffffff")
    cell7 = h3i.latlng_to_cell(41.14, 22.50, 7)
    assert cell_at_resolution(cell7, 5) == h3i.cell_to_parent(cell7, 5)
    finer = cell_at_resolution(cell7, 9)
    assert h3i.cell_to_parent(finer, 7) == cell7 and finer == h3i.cell_to_center_child(cell7, 9)
    lat, lon = cell_latlng(cell7)
    assert h3i.latlng_to_cell(lat, lon, 7) == cell7


def test_cells_latlng_equals_h3_cell_centres() -> None:
    import h3
    import numpy as np

    from geo.grid import cells_latlng

    rng = np.random.default_rng(8)
    cells = [int(h3.latlng_to_cell(40 + 2 * rng.random(), 20 + 3 * rng.random(), res), 16)
             for res in (5, 7, 10) for _ in range(50)]
    expected = np.array([h3.cell_to_latlng(format(c, "x")) for c in cells])
    np.testing.assert_allclose(cells_latlng(np.array(cells, dtype=np.uint64)), expected, atol=1e-12)
    assert cells_latlng(np.array([], dtype=np.uint64)).shape == (0, 2)
