"""The world under a region built from the shipped data (HU–RS): around the region the land is the world's 1:10m
countries, and the 1:50m world keeps out of the opening view, so no coarser border or coast runs beside the
detailed one (the sliver issue #17 showed near Szeged and along Serbia–Romania). Screenshot:
``artifacts/region-hun-srb-map.png`` (tests/test_region_browser.py)."""

from __future__ import annotations

import json
import math

import pytest
import shapely

from dashboard.cli import main as limes
from geo.region import load_region
from geo.spatial import WORLD_DETAIL_MARGIN_DEG, detail_bbox, load_basemap, world_overview
from geo.spatial.world import WORLD_COUNTRIES, read_world
from layers.basemap import country_layers
from layers.world import world_layers


@pytest.fixture(scope="module")
def hun_srb(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("region") / "hu.toml"
    assert limes(["region", "init", "--name", "HU-RS", "--countries", "HUN", "SRB", "--ours", "HUN",
                  "--out", str(out)]) == 0
    return load_region(out)


MAP_ON_SCREEN_PX = (1200, 700)
"""The map page's map on a 1600-px wide screen (~1140 × 640 px), rounded up."""


def _view_box(region) -> shapely.Polygon:
    """What the opening view shows (degrees): deck.gl's Web Mercator, a 512-px world at zoom 0."""
    view, (width, height) = region.view, MAP_ON_SCREEN_PX
    degrees_per_px = 360 / (512 * 2 ** view.zoom)
    y = math.log(math.tan(math.pi / 4 + math.radians(view.latitude) / 2))
    lat = [math.degrees(2 * math.atan(math.exp(y + s * math.radians(degrees_per_px * height / 2))) - math.pi / 2)
           for s in (-1, 1)]
    half = degrees_per_px * width / 2
    return shapely.box(view.longitude - half, lat[0], view.longitude + half, lat[1])


def _geometries(layer) -> list:
    data = layer.data if isinstance(layer.data, dict) else json.loads(layer.data)
    return [shapely.from_geojson(json.dumps(f["geometry"])) for f in data["features"]]


def test_no_world_outline_in_the_opening_view(hun_srb) -> None:
    base = load_basemap(hun_srb)
    view = _view_box(hun_srb)
    assert view.contains(shapely.box(*hun_srb.aoi_lonlat))  # the view shows the whole region and more
    (world,) = world_layers(base, bbox=detail_bbox(hun_srb, margin_deg=15.0))
    outlines = shapely.union_all([g.boundary for g in _geometries(world)])
    # The 1:50m coast and borders (the world layer's strokes) stop short of the view: nothing to run beside the
    # region's 1:10m borders, however close or far.
    assert shapely.length(shapely.intersection(outlines, view)) == 0.0
    assert shapely.length(outlines) > 100  # the world is still there around it (degrees of outline)


def test_the_view_is_land_from_the_1_10m_countries(hun_srb) -> None:
    base = load_basemap(hun_srb)
    view = _view_box(hun_srb)
    fills = shapely.union_all(_geometries(country_layers(base)[0]))
    land = shapely.union_all(read_world(WORLD_COUNTRIES, bbox=view.bounds, clip=True).geometry.values)
    assert shapely.area(shapely.intersection(fills, view)) == pytest.approx(shapely.area(land), rel=0.01)
    assert set(base.countries["adm0_a3"]) >= {"HUN", "SRB", "ROU", "HRV"}
    assert base.land_lonlat == detail_bbox(hun_srb, margin_deg=WORLD_DETAIL_MARGIN_DEG)


def test_world_countries_share_their_edges() -> None:
    """Simplified together: no sea showing through slivers between neighbours (one by one, it did)."""
    assert shapely.coverage_is_valid(world_overview().geometry.values)


def test_pair_labels_shrink_away_over_a_continent() -> None:
    """Zoomed out to the world ("Zoom to data" on the IOM sample), the bundled region's ten pair labels piled up
    into an amber smear at a fixed 11 px; sized on the ground they are 11 px at the opening zoom, < 1 px at zoom 3."""
    from geo.settings import bundled_region
    from layers.basemap import metres_per_px
    from layers.world import PAIR_LABEL_PX, world_label_layers

    region = bundled_region()
    layers = {layer.id: layer for layer in world_label_layers(load_basemap(region))}
    pairs = layers["border-pair-labels"]
    assert pairs.size_units == "meters" and pairs.size_max_pixels == PAIR_LABEL_PX and len(pairs.data) == 10
    for row in pairs.data:
        assert row["size_m"] / metres_per_px(row["lat"], region.view.zoom) == pytest.approx(PAIR_LABEL_PX, abs=0.01)
        assert row["size_m"] / metres_per_px(row["lat"], 3.0) < 1.0
