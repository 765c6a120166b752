"""Regions' views and labels on the map: a fitted view shows all of its box in deck.gl's Web Mercator, the bundled
map opens on its whole border, and town labels never crowd when zooming out."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.region import view_of
from geo.settings import bundled_region
from geo.spatial import border_lines, load_basemap


def deck_px(view, lon: float, lat: float) -> tuple[float, float]:
    """Where deck.gl's Web Mercator (a 512-px world at zoom 0) draws a point, in CSS pixels from the map's centre."""
    scale = 512 * 2 ** view.zoom

    def xy(lo: float, la: float) -> tuple[float, float]:
        return (lo + 180) / 360 * scale, (math.pi - math.log(math.tan(math.pi / 4 + math.radians(la) / 2))) / (
            2 * math.pi) * scale

    (x, y), (cx, cy) = xy(lon, lat), xy(view.longitude, view.latitude)
    return x - cx, y - cy


@settings(max_examples=200, deadline=None)
@given(west=st.floats(-179, 170), south=st.floats(-80, 75), width=st.floats(0.01, 9), height=st.floats(0.01, 9))
def test_a_view_of_a_box_shows_all_of_it(west: float, south: float, width: float, height: float) -> None:
    box = (west, south, west + width, south + height)
    view = view_of(box, width_px=800, height_px=600)
    corners = [deck_px(view, lon, lat) for lon in (box[0], box[2]) for lat in (box[1], box[3])]
    assert all(abs(x) <= 400.5 and abs(y) <= 300.5 for x, y in corners)
    # and it is the closest such view: one step (0.1) further in, a corner falls off the map
    if view.zoom < 12.9:
        closer = replace(view, zoom=view.zoom + 0.1)
        assert any(abs(x) > 400 or abs(y) > 300 for x, y in (deck_px(closer, lo, la) for lo in (box[0], box[2])
                                                          for la in (box[1], box[3])))


def test_the_bundled_region_opens_on_its_whole_border() -> None:
    """Both ends of the watched border (Prespa in the west, the BG–MK line's north end) are on the opening map."""
    region = bundled_region()
    west, south, east, north = shapely.union_all(border_lines(region).geometry.values).bounds
    for lon, lat in ((west, south), (west, north), (east, south), (east, north)):
        x, y = deck_px(region.view, lon, lat)
        assert abs(x) <= 400 and abs(y) <= 300, (lon, lat, x, y)


def test_region_town_labels_never_crowd_when_zooming_out() -> None:
    """Town labels are sized on the ground as their pixel size at the opening zoom: at any zoom out to a world view
    their drawn boxes (size capped at the layer's maximum) still do not overlap, so the Balkans never become a blob."""
    from layers.basemap import label_box, metres_per_px, overlaps, town_layer

    region = bundled_region()
    layer = town_layer(load_basemap(region))
    rows = layer.data
    assert len(rows) > 20 and layer.size_units.strip("'") == "meters" and layer.size_max_pixels == 14
    for zoom in (region.view.zoom, 7.0, 6.0, 5.0, 3.5, 2.0):
        boxes = [label_box(r["lon"], r["lat"], r["name"], min(r["size_m"] / metres_per_px(r["lat"], zoom), 14),
                           zoom=zoom) for r in rows]
        # the pixel offset and padding are fixed pixels: compare the text boxes themselves
        texts = [(b[0] + 9, b[1] + 3, b[2] - 3, b[3] - 3) for b in boxes]
        assert not [(i, j) for i in range(len(texts)) for j in range(i) if overlaps(texts[i], texts[j])], zoom
    at_open = [r["size_m"] / metres_per_px(r["lat"], region.view.zoom) for r in rows]
    assert at_open == pytest.approx([r["size"] for r in rows], rel=1e-3)


@settings(max_examples=200, deadline=None)
@given(lon=st.floats(-140, 140), lat=st.floats(-70, 70), zoom=st.floats(3, 12))
def test_a_view_s_box_is_what_it_shows(lon: float, lat: float, zoom: float) -> None:
    """view_bbox is the inverse of view_of: the box's corners are the map's corners, and fitting the box gives the
    view back (to the 0.01 zoom view_of rounds down to); views that reach past ±180° or ±85° are clamped, not here."""
    from geo.region import View, view_bbox

    view = View(latitude=lat, longitude=lon, zoom=zoom)
    box = view_bbox(view, width_px=800, height_px=600)
    for lo, la, sx, sy in ((box[0], box[1], -1, 1), (box[2], box[3], 1, -1)):
        x, y = deck_px(view, lo, la)
        assert x == pytest.approx(400 * sx, abs=0.01) and y == pytest.approx(300 * sy, abs=0.01)
    fitted = view_of(box, width_px=800, height_px=600)
    assert fitted.zoom == pytest.approx(zoom, abs=0.011)
    assert (fitted.longitude, fitted.latitude) == pytest.approx((lon, lat), abs=1e-3)
