"""Gi* against PySAL's esda on the same weights, and against a hand-computed case."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest

from geo.analysis import classify, gi_star, neighbour_matrix
from geo.errors import LimesError
from geo.grid import latlng_to_cells


def _area(res: int = 7, k_disk: int = 12) -> np.ndarray:
    centre = h3.latlng_to_cell(41.12, 22.5, res)
    return np.array(sorted(int(c, 16) for c in h3.grid_disk(centre, k_disk)), dtype=np.uint64)


def test_equal_to_esda_g_local_star() -> None:
    esda = pytest.importorskip("esda")
    from libpysal.weights import W

    cells = _area()
    rng = np.random.default_rng(3)
    values = pd.Series(rng.poisson(2.0, cells.size).astype(float), index=cells)
    values.iloc[:40] += 15  # a cluster
    ours = gi_star(values, k=1)
    matrix = neighbour_matrix(cells, 1).tolil()
    neighbours = {i: [j for j in matrix.rows[i] if j != i] for i in range(cells.size)}
    w = W(neighbours, silence_warnings=True)
    theirs = esda.G_Local(values.to_numpy(), w, star=True, transform="B", permutations=0)
    np.testing.assert_allclose(ours["z"].to_numpy(), theirs.Zs, atol=1e-9)
    np.testing.assert_allclose(ours["p"].to_numpy(), 2 * theirs.p_norm, atol=1e-12)


def test_hand_computed_star_of_seven() -> None:
    """One hot cell with six neighbours among 49 cells: z of the centre by the textbook formula."""
    centre = h3.latlng_to_cell(41.12, 22.5, 8)
    cells = np.array(sorted(int(c, 16) for c in h3.grid_disk(centre, 3)), dtype=np.uint64)
    x = pd.Series(0.0, index=cells)
    x.loc[int(centre, 16)] = 10.0
    result = gi_star(x, k=1).loc[int(centre, 16)]
    n, w, mean = len(cells), 7, 10.0 / len(cells)
    s = np.sqrt((100.0 / n) - mean**2)
    expected = (10.0 - mean * w) / (s * np.sqrt((n * w - w**2) / (n - 1)))
    assert result["z"] == pytest.approx(expected, rel=1e-12)
    assert result["n_neighbours"] == 7


def test_fdr_classes_and_hex_index() -> None:
    cells = _area()
    values = pd.Series(0.0, index=[format(int(c), "x") for c in cells])
    values.iloc[:30] = 20.0
    result = gi_star(values, k=1)
    assert (result["p_fdr"] >= result["p"] - 1e-15).all()  # adjustment never lowers a p-value
    classes = classify(result)
    assert classes.max() == 3 and set(classes.unique()) <= {-3, -2, -1, 0, 1, 2, 3}
    assert (classes[values > 0] >= 0).all()
    with pytest.raises(LimesError, match="same value"):
        gi_star(pd.Series(1.0, index=cells))


def test_scenario_hot_spots_sit_on_the_corridors(scenario) -> None:
    from geo.grid import parent_cells

    res = 7
    events = scenario.events
    counts = pd.Series(parent_cells(events["cell"].to_numpy(), res)).value_counts()
    study = np.unique(np.concatenate([counts.index.to_numpy().astype(np.uint64), _area(res, 30)]))
    values = counts.reindex(study, fill_value=0).astype(float)
    hot = classify(gi_star(values, k=1)) == 3
    gevgelija = latlng_to_cells([41.118], [22.515], res)[0]
    assert hot.loc[gevgelija]
    assert hot.sum() < 0.2 * len(values)  # significant clustering, not everything


def _benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """The textbook step-up procedure: p_(i) * n / i, made monotone from the largest down, capped at 1."""
    n = p.size
    order = np.argsort(p)
    adjusted = np.empty(n)
    running = 1.0
    for rank in range(n, 0, -1):
        i = order[rank - 1]
        running = min(running, p[i] * n / rank)
        adjusted[i] = running
    return adjusted


def test_fdr_equals_reference_benjamini_hochberg_and_esda_threshold() -> None:
    esda = pytest.importorskip("esda")
    cells = _area()
    rng = np.random.default_rng(11)
    values = pd.Series(rng.poisson(1.0, cells.size).astype(float), index=cells)
    values.iloc[100:140] += rng.poisson(4.0, 40)
    result = gi_star(values, k=1)
    np.testing.assert_allclose(result["p_fdr"], _benjamini_hochberg(result["p"].to_numpy()), rtol=1e-12)
    for alpha in (0.01, 0.05, 0.1):
        threshold = esda.fdr(result["p"].to_numpy(), alpha)  # the largest p that passes at this FDR
        assert ((result["p"] <= threshold) == (result["p_fdr"] <= alpha)).all()
        assert (result["p_fdr"] <= alpha).sum() > 0
