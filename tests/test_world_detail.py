"""The world under a region built from the shipped data (HU–RS): around the region the land is the world's 1:10m
countries, and the 1:50m world keeps out of the opening view, so no coarser border or coast runs beside the
detailed one (the sliver issue #17 showed near Szeged and along Serbia–Romania). Screenshot:
``artifacts/region-hun-srb-map.png`` (tests/test_region_browser.py)."""

from __future__ import annotations

import json

import pytest
import shapely
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dashboard.cli import main as limes
from geo.region import load_region, view_bbox
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
    return shapely.box(*view_bbox(region.view, width_px=MAP_ON_SCREEN_PX[0], height_px=MAP_ON_SCREEN_PX[1]))


def _geometries(layer) -> list:
    """A GeoJSON layer's geometries, or a line layer's segments (each a line)."""
    if layer.type == "LineLayer":
        return [shapely.linestrings([row["s"], row["t"]]) for row in layer.data]
    data = layer.data if isinstance(layer.data, dict) else json.loads(layer.data)
    return [shapely.from_geojson(json.dumps(f["geometry"])) for f in data["features"]]


def test_no_world_outline_in_the_opening_view(hun_srb) -> None:
    base = load_basemap(hun_srb)
    view = _view_box(hun_srb)
    assert view.contains(shapely.box(*hun_srb.aoi_lonlat))  # the view shows the whole region and more
    fills, strokes = world_layers(base, bbox=detail_bbox(hun_srb, margin_deg=15.0))
    assert fills.stroked is False  # the coasts and borders are the lines of the second layer
    outlines = shapely.union_all(_geometries(strokes))
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


def _river_ends(lines) -> list[tuple[float, float]]:
    return [xy for line in lines for part in shapely.get_parts(line) for xy in (part.coords[0], part.coords[-1])]


@pytest.mark.parametrize("which", ["hun-srb", "bundled"])
def test_rivers_run_on_past_the_region_and_fade_out(hun_srb, which: str) -> None:
    """One zoom level out of the opening view (on a wide screen's map) every river that ends ends where the river
    does (a source, a mouth, a confluence), never on a straight line where the detail was cut (HU–RS's rivers
    stopped at the edge of its area); beyond, they fade out ring by ring."""
    from dataclasses import replace

    from geo.settings import bundled_region
    from geo.spatial import VECTOR_DIR, read_vector
    from layers.basemap import water_layers

    region = hun_srb if which == "hun-srb" else bundled_region()
    rivers = water_layers(load_basemap(region))[0]
    assert rivers.type == "LineLayer"  # segments, each as opaque as its ring: merged back into lines ring by ring
    pieces = [(a, shapely.line_merge(shapely.multilinestrings([[row["s"], row["t"]] for row in rivers.data
                                                                if row["a"] == a])))
              for a in {row["a"] for row in rivers.data}]
    out_one = _view_box(replace(region, view=replace(region.view, zoom=region.view.zoom - 1)))
    natural = shapely.multipoints(_river_ends(read_vector(VECTOR_DIR / "ne10m_rivers_balkans.geojson").geometry))
    faded = shapely.multipoints(_river_ends([g for a, g in pieces if a < 255]))  # where the next ring goes on
    cut = [xy for xy in _river_ends([g for a, g in pieces if a == 255]) if out_one.contains(shapely.Point(xy))
           and min(shapely.distance(shapely.Point(xy), natural), shapely.distance(shapely.Point(xy), faded)) > 0.002]
    assert cut == []
    inside = shapely.union_all([g for _, g in pieces])
    assert shapely.length(shapely.intersection(inside, out_one)) > 2 * shapely.length(
        shapely.intersection(inside, shapely.box(*region.aoi_lonlat)))  # more river around the area than in it
    assert sorted({a for a, _ in pieces}, reverse=True) == [255, 191, 128, 64]
    assert all(a == 255 for a, g in pieces if shapely.intersects(g, shapely.box(*region.aoi_lonlat)))


def test_no_detail_water_where_the_detail_ends() -> None:
    """A region beyond the bundled detail (FI–RU) draws no rivers: the detail's own edge would be the straight cut."""
    from geo.region import Region, View

    region = Region(name="far", title="far", pairs=(), ours=(), watched=(), metric_crs="EPSG:32635",
                    aoi_lonlat=(27.4, 60.2, 32.0, 69.4), view=View(latitude=65.2, longitude=29.7, zoom=4.25),
                    form_view=View(latitude=65.2, longitude=29.7, zoom=4.25), borders=WORLD_COUNTRIES)
    from geo.spatial import VECTOR_DIR
    from geo.spatial.vectors import detail_water

    assert detail_water(VECTOR_DIR / "ne10m_rivers_balkans.geojson", region).empty


def test_the_two_sides_of_the_border_are_one_land_told_apart_in_the_legend(hun_srb) -> None:
    """Serbia (across the border) was filled (36, 48, 70) against Hungary's (28, 37, 54): on the plain, with no relief
    to break it up, it read as another kind of ground. It is a shade lighter now, and the legend says which it is."""
    from geo.i18n import translator
    from layers.colours import COUNTRY_FILL, COUNTRY_FILL_FOCUS
    from layers.world import watched_side_symbol

    fills = country_layers(load_basemap(hun_srb))[0]
    assert str(list(COUNTRY_FILL_FOCUS)) in fills.get_fill_color and str(list(COUNTRY_FILL)) in fills.get_fill_color
    assert {f["properties"]["adm0_a3"] for f in fills.data["features"] if f["properties"]["focus"]} == {"SRB"}
    lighter = [a - b for a, b in zip(COUNTRY_FILL_FOCUS[:3], COUNTRY_FILL[:3], strict=True)]
    assert all(0 < d <= 8 for d in lighter)
    base = load_basemap(hun_srb)
    symbol = watched_side_symbol(base, translator("en"))
    assert (symbol.shape, symbol.colour) == ("fill", COUNTRY_FILL_FOCUS)
    assert symbol.label == "land across the border (Serbia), a shade lighter"
    assert "Srbija" in watched_side_symbol(base, translator("sr-Latn")).label


def test_country_names_give_way_to_larger_countries_in_a_world_view() -> None:
    """Zoomed out to the world, country names piled up over Europe and West Africa. They are thinned once, on the
    server: no two kept names overlap at the world view's zoom; where two would, the region's countries' names win,
    then the larger country's."""
    import shapely

    from geo.settings import bundled_region
    from layers.basemap import overlaps, screen_px
    from layers.world import (
        COUNTRY_LABEL_EM,
        COUNTRY_LABEL_PX,
        OURS_PRIORITY,
        WORLD_LABEL_ZOOM,
        country_label_layer,
        label_priority,
    )

    layer = country_label_layer(load_basemap(bundled_region()))
    assert not getattr(layer, "extensions", None)  # no collision pass in every frame
    names = [row["text"] for row in layer.data]
    assert {"RUSSIA", "FRANCE", "BRAZIL"} <= set(names) and 40 < len(names) < 120
    assert {"GREECE", "BULGARIA"} & set(names)  # neighbours at the world's zoom: one of the region's names shows

    def box(row: dict) -> tuple[float, float, float, float]:
        x, y = screen_px(row["lon"], row["lat"], zoom=WORLD_LABEL_ZOOM)
        half = COUNTRY_LABEL_EM * COUNTRY_LABEL_PX * len(row["text"]) / 2
        return (x - half, y - COUNTRY_LABEL_PX / 2, x + half, y + COUNTRY_LABEL_PX / 2)

    boxes = [box(row) for row in layer.data]
    assert not any(overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    # Priorities: the region's countries first, then by area (100 × log10 km²).
    watched = ("GRC", "MKD", "BGR")
    assert label_priority("GRC", shapely.box(20, 35, 26, 41), watched=watched) == OURS_PRIORITY
    assert label_priority("RUS", shapely.box(30, 50, 130, 70), watched=watched) > label_priority(
        "BEL", shapely.box(3, 50, 6, 51.5), watched=watched)


def test_names_apart_keeps_the_higher_priority_of_two_overlapping() -> None:
    from layers.world import names_apart

    rows = [{"text": "SMALLLAND", "lon": 10.0, "lat": 50.0, "p": 400},
            {"text": "BIGLAND", "lon": 10.5, "lat": 50.2, "p": 600},
            {"text": "FARLAND", "lon": 100.0, "lat": -20.0, "p": 100},
            {"text": "TWIN", "lon": 100.2, "lat": -20.0, "p": 100}]
    kept = names_apart(rows, zoom=1.2)
    assert [r["text"] for r in kept] == ["BIGLAND", "FARLAND"]  # the larger wins; a tie keeps the first listed
    assert all("p" not in r for r in kept)
    assert [r["text"] for r in names_apart(rows, zoom=9)] == ["BIGLAND", "SMALLLAND", "FARLAND", "TWIN"]


def _square_world():
    """Two unit squares side by side (one shared edge) and a third far off: a hand-checkable world."""
    import geopandas as gpd

    return gpd.GeoDataFrame({"adm0_a3": ["AAA", "BBB", "CCC"]},
                            geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(30, 30, 31, 31)],
                            crs="EPSG:4326")


def test_the_world_draws_each_border_once() -> None:
    """A country's outline drew every border twice (once per side): as lines, the two squares' outline is 7 units
    long (the coast 6, the shared border 1), not 8, and nothing overlaps."""
    from geo.spatial import world_around

    fills, lines = world_around(_square_world(), bbox=None, land=None)
    assert len(fills) == 3 and set(fills["alpha"]) == set(lines["alpha"]) == {255}
    near = shapely.intersection(shapely.union_all(lines.geometry.values), shapely.box(-1, -1, 3, 2))
    assert shapely.length(near) == pytest.approx(7.0)
    assert shapely.length(lines.geometry.values).sum() == pytest.approx(7.0 + 4.0)  # no piece drawn twice


def test_the_world_is_cut_to_its_box_with_a_hole_for_the_detail_and_fades_out() -> None:
    """Clipped to ``bbox``: the far square is gone; the land box is left to the detail (the fill stops
    LAND_OVERLAP_DEG inside it, the lines at its edge); over the last WORLD_FADE_DEG the world fades ring by ring."""
    from geo.spatial import world_around
    from geo.spatial.fading import LAND_OVERLAP_DEG

    bbox, land = (-10.0, -10.0, 10.0, 10.0), (0.5, -1.0, 1.5, 2.0)
    fills, lines = world_around(_square_world(), bbox=bbox, land=land)
    assert set(fills["adm0_a3"]) == {"AAA", "BBB"}
    assert shapely.box(*bbox).contains(shapely.union_all(fills.geometry.values))
    hole = shapely.box(land[0] + LAND_OVERLAP_DEG, land[1], land[2] - LAND_OVERLAP_DEG, land[3])
    assert shapely.area(shapely.intersection(shapely.union_all(fills.geometry.values), hole)) == pytest.approx(0.0)
    assert shapely.area(shapely.union_all(fills.geometry.values)) == pytest.approx(2.0 - 1.0 + 2 * LAND_OVERLAP_DEG)
    assert shapely.length(shapely.intersection(shapely.union_all(lines.geometry.values),
                                               shapely.box(*land).buffer(-1e-9))) == pytest.approx(0.0)
    assert set(fills["alpha"]) == set(lines["alpha"]) == {255}  # all of it well inside the fade

    edge = world_around(_square_world(), bbox=(0.0, 0.0, 30.5, 30.5), land=None)[0]
    far = edge.loc[edge["adm0_a3"] == "CCC"]
    # The far square (30-30.5 once cut) lies in the outermost of 7 boxes' rings (from 30.5 - WORLD_FADE_DEG / 6):
    # 1/7 opaque.
    assert list(far["alpha"]) == [round(255 / 7)]


def test_the_world_around_the_bundled_region_is_light_for_software_webgl() -> None:
    """Software WebGL pays for every vertex, every frame, on screen or not (bench/frame_bench.py): the world's
    layers around the bundled region carried 15,630 vertices (whole countries meeting the box, every border twice);
    cut to the box they carry under 4,500 of polygon and 3,500 line segments (each border once, as a LineLayer's
    4 vertices a segment, not a path's 12)."""
    from dashboard.cache import WORLD_NEAR_DEG
    from geo.settings import bundled_region

    region = bundled_region()
    layers = world_layers(load_basemap(region), bbox=detail_bbox(region, margin_deg=WORLD_NEAR_DEG))
    fills, lines = layers
    vertices = sum(int(shapely.get_num_coordinates(g)) for g in _geometries(fills))
    assert 3_000 < vertices < 4_500 and 2_000 < len(lines.data) < 3_500  # polygon vertices; line segments


def test_a_region_opening_on_half_a_continent_sees_no_fade() -> None:
    """FI–RU opens at zoom 4.25: 15° around its area ended inside its opening view, and the world's fade showed
    there as bands. The world now reaches past what a wide map shows two zoom levels out; the fade lies beyond."""
    from dataclasses import replace

    from geo.region import Region, View
    from geo.spatial import world_around, world_box
    from geo.spatial.fading import WIDE_MAP_PX, WORLD_ZOOM_OUT

    view = View(latitude=65.2, longitude=29.7, zoom=4.25)
    region = Region(name="far", title="far", pairs=(), ours=(), watched=(), metric_crs="EPSG:32635",
                    aoi_lonlat=(27.4, 60.2, 32.0, 69.4), view=view, form_view=view, borders=WORLD_COUNTRIES)
    out = shapely.box(*view_bbox(replace(view, zoom=view.zoom - WORLD_ZOOM_OUT), width_px=WIDE_MAP_PX[0],
                                 height_px=WIDE_MAP_PX[1]))
    box = world_box(region, margin_deg=15.0)
    assert shapely.box(*box).contains(out) and box[2] - box[0] > 15.0 * 2 + 4.6
    fills, lines = world_around(world_overview(), bbox=box, land=None)
    faded = shapely.union_all(fills.geometry[fills["alpha"] < 255].values)
    assert shapely.area(shapely.intersection(faded, out)) == 0.0
    assert shapely.area(shapely.intersection(shapely.union_all(fills.geometry.values), out)) > 100  # land is there


def test_the_regions_own_small_country_is_named_by_its_name() -> None:
    """North Macedonia is under the size below which the world layer names no country, and Natural Earth's 1:50m
    calls it "Macedonia": zoomed out, the bundled region's own country had no name beside GREECE and BULGARIA. The
    region's countries are named however small, by the locale's (CLDR) names in English too."""
    from geo.settings import bundled_region
    from geo.spatial import world_box
    from layers.world import COUNTRY_LABEL_MIN_DEG2, country_label_layer, country_name

    region = bundled_region()
    base = load_basemap(region)
    names = [row["text"] for row in country_label_layer(base, bbox=world_box(region, margin_deg=15.0)).data]
    assert {"NORTH MACEDONIA", "GREECE", "BULGARIA"} <= set(names) and "MACEDONIA" not in names
    assert "KOSOVO" not in names  # small and not the region's: still unnamed
    mkd = base.world.loc[base.world["adm0_a3"] == "MKD", "geometry"].iloc[0]
    assert shapely.area(mkd) < COUNTRY_LABEL_MIN_DEG2
    assert country_name("MKD", "Macedonia", "en") == "North Macedonia"
    assert country_name("MKD", "Macedonia", "el") == "Βόρεια Μακεδονία"


@settings(max_examples=10, deadline=None)
@example(west=13.125, south=0.0, width=10.0, height=10.0, land_at=0.3, land_size=0.0546875)  # found by CI: the fade's
# simplification moved the hole's edge 0.008° into the hole; the hole is now cut after it
@given(west=st.floats(-170, 150), south=st.floats(-70, 50), width=st.floats(10, 60), height=st.floats(10, 30),
       land_at=st.floats(0.3, 0.6), land_size=st.floats(0.05, 0.3))
def test_the_world_around_any_box_stays_in_it_and_out_of_the_detail(west, south, width, height, land_at,
                                                                      land_size) -> None:
    """Generated boxes anywhere on the world's real countries, with a detail box inside: the land never leaves the
    box nor enters the detail's hole, no coast or border runs inside the detail box, and the fade only falls: a
    piece's alpha is 255 inside the fade's inner edge."""
    from geo.spatial import world_around
    from geo.spatial.fading import LAND_OVERLAP_DEG, WORLD_FADE_DEG

    bbox = (west, south, min(west + width, 180.0), min(south + height, 85.0))
    w, h = bbox[2] - bbox[0], bbox[3] - bbox[1]
    land = (bbox[0] + land_at * w, bbox[1] + land_at * h, bbox[0] + (land_at + land_size) * w,
            bbox[1] + (land_at + land_size) * h)
    fills, lines = world_around(world_overview(), bbox=bbox, land=land)
    every_fill = shapely.union_all(fills.geometry.values)
    assert every_fill.is_empty or shapely.box(*bbox).buffer(1e-3).contains(every_fill)  # on a 0.001° grid
    hole = shapely.box(land[0] + LAND_OVERLAP_DEG, land[1] + LAND_OVERLAP_DEG, land[2] - LAND_OVERLAP_DEG,
                       land[3] - LAND_OVERLAP_DEG).buffer(-2e-3)
    assert shapely.area(shapely.intersection(every_fill, hole)) < 1e-9
    assert shapely.length(shapely.intersection(shapely.union_all(lines.geometry.values),
                                               shapely.box(*land).buffer(-2e-3))) < 1e-9
    inner = shapely.box(bbox[0] + WORLD_FADE_DEG, bbox[1] + WORLD_FADE_DEG, bbox[2] - WORLD_FADE_DEG,
                        bbox[3] - WORLD_FADE_DEG).buffer(-2e-3)
    for frame in (fills, lines):
        assert set(frame["alpha"]) <= set(range(256))
        faint = shapely.union_all(frame.geometry[frame["alpha"] < 255].values)
        assert shapely.area(shapely.intersection(faint, inner)) < 1e-9 and shapely.length(
            shapely.intersection(faint, inner)) < 1e-9
