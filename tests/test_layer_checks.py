"""Layers refuse what deck.gl would draw wrongly without a word: generated variants of each kind of bad input."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import LayerError, LimesError
from geo.grid import latlng_to_cells
from layers.checks import ascending, one_resolution, rgba, same_length
from layers.colours import LegendEntry, class_colour_expression, code_colour_expression, legend
from layers.coverage import patrol_area_layer, site_layers
from layers.hexagons import hexagon_layer, hexagon_records
from layers.reports import pick_layers

FAST = settings(max_examples=40, deadline=None)
lats = st.floats(40.5, 42.0)
lons = st.floats(21.0, 23.5)


def _cells(n: int, res: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return latlng_to_cells(rng.uniform(40.5, 42.0, n), rng.uniform(21.0, 23.5, n), res)


def test_layer_error_is_a_limes_error() -> None:
    assert issubclass(LayerError, LimesError)


@FAST
@given(n=st.integers(1, 30), extra=st.integers(1, 5), res=st.integers(5, 9))
def test_mismatched_lengths_are_refused(n: int, extra: int, res: int) -> None:
    cells = pd.Series(_cells(n, res))
    with pytest.raises(LayerError, match="unequal length.*cells"):
        hexagon_records(cells, pd.Series(np.ones(n + extra, dtype=int)))
    with pytest.raises(LayerError, match="unequal length.*labels"):
        hexagon_records(cells, pd.Series(np.ones(n, dtype=int)), labels=pd.Series(["x"] * (n + extra)))
    with pytest.raises(LayerError, match="unequal length"):
        same_length(a=range(n), b=range(n + extra))
    sites = pd.DataFrame({"rank": range(1, n + 1), "lat": [41.0] * n, "lon": [22.0] * n})
    with pytest.raises(ValueError):  # zip(strict=True): a short column is not silently cut
        site_layers({"rank": sites["rank"], "lat": sites["lat"], "lon": list(sites["lon"]) + [22.0] * extra})


@FAST
@given(n=st.integers(1, 30), res=st.integers(5, 9))
def test_equal_lengths_pass(n: int, res: int) -> None:
    cells = _cells(n, res)
    records = hexagon_records(pd.Series(cells), pd.Series(np.arange(n)), labels=pd.Series([f"c{i}" for i in range(n)]))
    assert len(records) == n and {r["hex"] for r in records} == {format(int(c), "x") for c in cells}
    assert same_length(a=range(n), b=list(range(n))) == n


@FAST
@given(n=st.integers(1, 20), res=st.integers(5, 8), step=st.integers(1, 2))
def test_mixed_resolutions_are_refused(n: int, res: int, step: int) -> None:
    mixed = np.concatenate([_cells(n, res), _cells(1, res + step, seed=1)])
    with pytest.raises(LayerError, match=f"mixes H3 resolutions {res}, {res + step}"):
        hexagon_layer(pd.Series(mixed), pd.Series(np.ones(len(mixed), dtype=int)))
    with pytest.raises(LayerError, match="mixes H3 resolutions"):
        pick_layers(mixed, None)
    areas = pd.DataFrame({"area": [1, 2], "cells": [list(_cells(n, res)), list(_cells(1, res + step, seed=2))]})
    with pytest.raises(LayerError, match="'patrol-areas' mixes"):
        patrol_area_layer(areas)


@FAST
@given(n=st.integers(0, 20), res=st.integers(5, 9))
def test_one_resolution_passes(n: int, res: int) -> None:
    cells = _cells(n, res)
    assert one_resolution(cells, layer="x") == (res if n else None)
    layer = hexagon_layer(pd.Series(cells), pd.Series(np.ones(n, dtype=int)))
    assert all(h3.get_resolution(row["hex"]) == res for row in layer.data)


channel = st.integers(0, 255)
bad_channel = st.one_of(st.integers(256, 10_000), st.integers(-10_000, -1), st.floats(0.1, 0.9).map(lambda f: 100 + f))


@FAST
@given(colour=st.lists(channel, min_size=3, max_size=4), at=st.integers(0, 3), bad=bad_channel)
def test_out_of_range_colours_are_refused(colour: list[int], at: int, bad: float) -> None:
    broken = list(colour)
    broken[at % len(broken)] = bad
    with pytest.raises(LayerError, match="0..255"):
        rgba(broken)
    with pytest.raises(LayerError, match="0..255"):
        LegendEntry(tuple(broken), "bad")
    with pytest.raises(LayerError, match="0..255"):
        code_colour_expression({1: tuple(broken)})


@FAST
@given(colour=st.lists(channel, min_size=0, max_size=8).filter(lambda c: len(c) not in (3, 4)))
def test_wrong_channel_counts_are_refused(colour: list[int]) -> None:
    with pytest.raises(LayerError, match="3 or 4 channels"):
        rgba(colour)


@FAST
@given(colour=st.lists(channel, min_size=3, max_size=4))
def test_valid_colours_pass(colour: list[int]) -> None:
    assert rgba(tuple(colour)) == colour
    assert LegendEntry(tuple(colour), "ok").label == "ok"
    assert str(colour) in code_colour_expression({1: tuple(colour)})


@FAST
@given(breaks=st.lists(st.integers(1, 1000), min_size=2, max_size=7, unique=True).map(sorted),
       swap=st.integers(0, 5))
def test_non_ascending_breaks_are_refused(breaks: list[int], swap: int) -> None:
    i = swap % (len(breaks) - 1)
    broken = list(breaks)
    broken[i], broken[i + 1] = broken[i + 1], broken[i]
    for bad in (broken, [*breaks, breaks[-1]]):  # out of order, or a repeated bound
        with pytest.raises(LayerError, match="strictly ascending"):
            class_colour_expression(bad)
        with pytest.raises(LayerError, match="strictly ascending"):
            legend(bad, unit="events")
        with pytest.raises(LayerError, match="strictly ascending"):
            hexagon_layer(pd.Series(_cells(1, 7)), pd.Series([1]), breaks=bad)
    with pytest.raises(LayerError, match="empty"):
        ascending([])


@FAST
@given(breaks=st.lists(st.integers(1, 1000), min_size=1, max_size=7, unique=True).map(sorted))
def test_ascending_breaks_pass(breaks: list[int]) -> None:
    assert ascending(breaks) == breaks
    assert len(legend(breaks, unit="events")) == len(breaks)
    assert class_colour_expression(breaks).count("?") == len(breaks) - 1
