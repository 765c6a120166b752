"""Layer builders: what the browser receives, colour classes, and no address outside the app."""

from __future__ import annotations

import json
import re

import h3
import numpy as np
import pandas as pd
import pydeck as pdk
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.grid import latlng_to_cells
from geo.spatial import load_basemap
from layers.basemap import border_layers, country_layers, relief_layer, town_layer, water_layers
from layers.colours import class_breaks, class_colour_expression, class_colours, legend, ramp_for
from layers.deck import OFFLINE_STYLE_URL, CompactDeck, build_deck
from layers.hexagons import hexagon_layer, hexagon_records

_BRANCH = re.compile(r"^value (>=|==) (-?\d+) \? \[([\d, ]+)\] : (.*)$")


def _evaluate(expression: str, value: int) -> list[int]:
    """Evaluate our chains of ``value >= N ? [rgba] : ...`` (or ``==``) the way deck.gl's parser does."""
    while (match := _BRANCH.match(expression)) is not None:
        op, bound = match.group(1), int(match.group(2))
        if (value >= bound) if op == ">=" else (value == bound):
            return [int(c) for c in match.group(3).split(",")]
        expression = match.group(4)
    return [int(c) for c in expression.strip("[]").split(",")]


def test_hot_spot_expression_and_legend() -> None:
    from layers.colours import HOTSPOT_COLOURS, hotspot_colour_expression, hotspot_legend

    expression = hotspot_colour_expression()
    for cls, colour in HOTSPOT_COLOURS.items():
        assert _evaluate(expression, cls) == list(colour)
    assert _evaluate(expression, 0)[3] == 0  # not significant: transparent
    assert [e.label for e in hotspot_legend()][0] == "Hot spot, 99 %"


def test_expression_agrees_with_python_classes_and_legend() -> None:
    values = np.array([1, 2, 3, 4, 6, 9, 15, 40, 120, 900])
    breaks = class_breaks(values)
    assert breaks[0] == 1 and breaks == sorted(set(breaks))
    expression = class_colour_expression(breaks)
    expected = class_colours(values, breaks)
    for value, colour in zip(values, expected):
        assert _evaluate(expression, int(value)) == colour.tolist()
    entries = legend(breaks, unit="events")
    assert [list(e.colour) for e in entries] == [list(c) for c in ramp_for(breaks)]
    assert entries[0].label.startswith("1") and entries[-1].label.endswith("+ events")


def test_breaks_are_readable_numbers() -> None:
    rng = np.random.default_rng(1)
    breaks = class_breaks(rng.lognormal(1.5, 1.3, 500).round() + 1)
    for b in breaks:
        assert str(b).lstrip("1235").strip("0") == ""  # 1, 2, 3, 5 followed by zeros
    assert class_breaks([]) == [1]


def test_hexagon_layer_carries_only_hex_id_and_value() -> None:
    cells = pd.Series(latlng_to_cells([41.14, 41.04], [22.50, 21.34], 7))
    records = hexagon_records(cells, pd.Series([5, 12]))
    assert records == [{"hex": h3.latlng_to_cell(41.14, 22.50, 7), "value": 5},
                       {"hex": h3.latlng_to_cell(41.04, 21.34, 7), "value": 12}]
    spec = json.loads(CompactDeck(layers=[hexagon_layer(cells, pd.Series([5, 12]), breaks=[1, 10])]).to_json())
    layer = spec["layers"][0]
    assert layer["@@type"] == "H3HexagonLayer" and layer["pickable"] is True
    assert {k for row in layer["data"] for k in row} == {"hex", "value"}
    assert layer["getHexagon"] == "@@=hex"


def test_compact_json_equals_pydeck_json_without_the_whitespace() -> None:
    cells = pd.Series(latlng_to_cells(np.linspace(41, 41.3, 200), np.linspace(22, 22.6, 200), 8))
    layers = [hexagon_layer(cells, pd.Series(np.arange(200)), breaks=[1, 50])]
    compact = CompactDeck(layers=layers, map_style=OFFLINE_STYLE_URL).to_json()
    verbose = pdk.Deck(layers=layers, map_style=OFFLINE_STYLE_URL).to_json()
    assert json.loads(compact) == json.loads(verbose)
    assert len(compact) < 0.6 * len(verbose)
    assert "\n" not in compact


@pytest.fixture(scope="module")
def basemap_spec() -> dict:
    base = load_basemap()
    layers = [*country_layers(base), relief_layer("/app/static/generated/x.png", (21, 40, 23, 42), layer_id="relief"),
              *water_layers(base), *border_layers(base), town_layer(base)]
    return json.loads(build_deck(layers).to_json())


def test_basemap_is_self_contained(basemap_spec: dict) -> None:
    text = json.dumps(basemap_spec)
    assert not re.search(r"https?://", text)
    assert basemap_spec["mapStyle"] == OFFLINE_STYLE_URL
    relief = next(layer for layer in basemap_spec["layers"] if layer["id"] == "relief")
    assert relief["image"] == "/app/static/generated/x.png"  # a URL, not an inlined local file


def test_eu_external_borders_are_emphasised(basemap_spec: dict) -> None:
    by_id = {layer["id"]: layer for layer in basemap_spec["layers"]}
    external = {f["properties"]["pair"] for f in by_id["borders-eu-external"]["data"]["features"]}
    internal = {f["properties"]["pair"] for f in by_id["borders-internal"]["data"]["features"]}
    assert {"GRC-MKD", "BGR-MKD"} <= external
    assert "ALB-MKD" in internal and not external & internal
    assert by_id["borders-eu-external"]["lineWidthMinPixels"] > by_id["borders-internal"]["lineWidthMinPixels"]


def test_town_labels_include_the_border_towns(basemap_spec: dict) -> None:
    towns = next(layer for layer in basemap_spec["layers"] if layer["id"] == "towns")
    names = {row["name"] for row in towns["data"]}
    assert {"Gevgelija", "Bitola", "Florina", "Strumica", "Petrich", "Skopje", "Thessaloniki"} <= names
    assert all(name.isascii() for name in names)  # deck.gl's default glyph atlas is ASCII



def test_thin_lines_are_their_segments_each_as_opaque_as_its_ring() -> None:
    """Rivers, country outlines and the world's coasts go to deck.gl's LineLayer as segments (4 vertices each, not a
    path's 12: software WebGL draws them ~3x faster). Hand-built: a 3-point line and a 2-point one, rounded to 1
    decimal, where rounding shrinks one segment to a point."""
    import geopandas as gpd
    import shapely

    from layers.basemap import line_segments, thin_line_layer

    frame = gpd.GeoDataFrame({"alpha": [255, 64]}, geometry=[
        shapely.LineString([(0, 0), (1, 0), (1, 1)]),
        shapely.MultiLineString([[(5, 5), (5.01, 5.02)], [(7, 7), (8, 8)]])], crs="EPSG:4326")
    assert line_segments(frame, decimals=1) == [
        {"s": [0.0, 0.0], "t": [1.0, 0.0], "a": 255}, {"s": [1.0, 0.0], "t": [1.0, 1.0], "a": 255},
        {"s": [7.0, 7.0], "t": [8.0, 8.0], "a": 64}]
    layer = thin_line_layer("x", frame.drop(columns="alpha"), colour=(1, 2, 3, 255), width_px=0.5, decimals=1)
    assert layer.type == "LineLayer" and {row["a"] for row in layer.data} == {255}
    assert layer.get_color == "@@=[1, 2, 3, a]" and layer.get_width == 0.5  # an expression on each segment


def test_no_relief_ends_in_a_rectangle() -> None:
    """Zoomed out two levels, the coarse relief (~9 km a pixel) ended in a hard rectangle around the region. Both the
    coarse and the fine relief fade to nothing at their edges: the outermost pixels are transparent, the alpha grows
    inwards, and the middle keeps its shading."""
    from PIL import Image

    from dashboard.relief_cache import REGIONAL_FEATHER_PX, generated_dir, relief_layers

    layers = {layer.id.split("-")[0] + "-" + layer.id.split("-")[1]: layer for layer in relief_layers()}
    assert {"relief-regional", "relief-srtm"} <= set(layers)
    for name in ("relief-regional", "relief-srtm"):
        file = layers[name].image.strip("'").split("?")[0].rsplit("/", 1)[-1]
        alpha = np.asarray(Image.open(generated_dir() / file).convert("RGBA"))[..., 3].astype(int)
        edges = np.concatenate([alpha[0], alpha[-1], alpha[:, 0], alpha[:, -1]])
        assert edges.max() == 0, name
        h, w = alpha.shape
        assert alpha[h // 4: -h // 4, w // 4: -w // 4].mean() > 10, name
        if name == "relief-regional":
            row = alpha[h // 2]
            assert row[0] == 0 and row[REGIONAL_FEATHER_PX] >= row[1]  # growing over the feather


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(st.lists(st.tuples(st.floats(-179, 179), st.floats(-80, 80)), min_size=2, max_size=8),
                      min_size=1, max_size=5),
       alphas=st.lists(st.integers(0, 255), min_size=5, max_size=5), decimals=st.integers(0, 4))
def test_line_segments_are_the_lines_rounded_and_nothing_else(lines, alphas, decimals) -> None:
    """Generated lines (repeated points, zero-length pieces, any rounding): every segment joins two consecutive
    rounded points of one line, none is a point, each carries its line's alpha, and their count is the number of
    consecutive distinct rounded pairs."""
    import geopandas as gpd
    import shapely

    from layers.basemap import line_segments

    frame = gpd.GeoDataFrame({"alpha": alphas[:len(lines)]}, geometry=[shapely.LineString(c) if len(set(c)) > 1
                                                                      else shapely.LineString([c[0], (c[0][0] + 1,
                                                                                                      c[0][1])])
                                                                      for c in lines], crs="EPSG:4326")
    expected = []
    for geometry, alpha in zip(frame.geometry, frame["alpha"], strict=True):
        points = np.round(np.asarray(geometry.coords), decimals).tolist()
        expected += [{"s": a, "t": b, "a": int(alpha)} for a, b in zip(points, points[1:]) if a != b]
    assert line_segments(frame, decimals=decimals) == expected
