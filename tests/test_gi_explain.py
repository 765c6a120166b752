"""Why a cell is hot: its own count and its neighbours', on a hand-built grid."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd

from geo.analysis import classify, gi_star, neighbourhood_counts, study_area

CENTRE = h3.str_to_int(h3.latlng_to_cell(41.12, 22.5, 7))


def _grid() -> pd.Series:
    """An empty cell ringed by six busy ones (4 events each), a quiet ring 2, and a far, lone 1-event cell."""
    ring1 = [h3.str_to_int(c) for c in h3.grid_ring(h3.int_to_str(CENTRE), 1)]
    ring2 = [h3.str_to_int(c) for c in h3.grid_ring(h3.int_to_str(CENTRE), 2)]
    far = h3.str_to_int(h3.latlng_to_cell(41.5, 23.2, 7))
    counts = pd.Series({**{c: 4.0 for c in ring1}, ring2[0]: 1.0, far: 1.0})
    area = study_area(np.array(list(counts.index), dtype=np.uint64), ring=2)
    return counts.reindex(area, fill_value=0.0)


def test_own_and_around_counts_by_hand() -> None:
    values = _grid()
    ring1 = [h3.str_to_int(c) for c in h3.grid_ring(h3.int_to_str(CENTRE), 1)]
    one = neighbourhood_counts(values, k=1)
    assert (one.loc[CENTRE, "own"], one.loc[CENTRE, "around"]) == (0, 24)
    two = neighbourhood_counts(values, k=2)
    assert (two.loc[CENTRE, "own"], two.loc[CENTRE, "around"]) == (0, 25)  # ring 2 adds its one event
    # A busy ring-1 cell: 4 of its own; around it the centre (0), two ring-1 cells (8) and three ring-2 cells.
    cell = ring1[0]
    ring2_near = {h3.str_to_int(c) for c in h3.grid_ring(h3.int_to_str(cell), 1)} - set(ring1) - {CENTRE}
    expected_around = 8 + sum(values.get(c, 0) for c in ring2_near)
    assert one.loc[cell, "own"] == 4 and one.loc[cell, "around"] == expected_around
    # Every event is counted once as "own"; the sum over "own + around" is what Gi* sums per cell.
    assert one["own"].sum() == values.sum()


def test_the_empty_centre_is_hot_because_of_its_neighbours() -> None:
    values = _grid()
    gi = gi_star(values, k=1)
    classes = classify(gi)
    counts = neighbourhood_counts(values, k=1)
    assert classes.loc[CENTRE] > 0 and counts.loc[CENTRE, "own"] == 0
    hot = classes[classes > 0].index
    assert (counts.loc[hot, "own"] == 0).sum() >= 1


def test_the_drill_down_sentence() -> None:
    from dashboard.components.analysis_view import neighbourhood_text

    assert neighbourhood_text(0, 23, k=2, hot=True).startswith(
        "Hot because its neighbours are busy: 0 here, 23 within 2 rings around it.")
    assert neighbourhood_text(5, 12, k=1, hot=True) == "5 here, 12 within 1 ring around it."
    assert neighbourhood_text(0, 3, k=1, hot=False) == "0 here, 3 within 1 ring around it."
