"""The bundled vector data: clipping to the area of interest, CRS checks, and the town gazetteer."""

from __future__ import annotations

import json

import pytest
import shapely

from geo.errors import GeodataError
from geo.spatial import border_lines, bundled_region, load_basemap, load_towns, nearest_town, read_vector


def test_basemap_is_clipped_to_the_area_of_interest() -> None:
    """Land and borders to the area; water as far as its last fading ring (tests/test_world_detail.py)."""
    from geo.spatial.fading import water_boxes

    base = load_basemap()
    west, south, east, north = bundled_region().aoi_lonlat
    for frame in (base.countries, base.borders):
        minx, miny, maxx, maxy = frame.total_bounds
        assert minx >= west - 1e-9 and miny >= south - 1e-9 and maxx <= east + 1e-9 and maxy <= north + 1e-9
    west, south, east, north = water_boxes(bundled_region())[-1]
    for frame in (base.lakes, base.rivers):
        minx, miny, maxx, maxy = frame.total_bounds  # coordinates rounded to 1e-3
        assert minx >= west - 1e-3 and miny >= south - 1e-3 and maxx <= east + 1e-3 and maxy <= north + 1e-3
    assert {"GRC", "MKD", "BGR", "ALB"} <= set(base.countries["adm0_a3"])
    assert "Dojran" in " ".join(base.lakes["name"].dropna()) or len(base.lakes) > 5


def test_focus_borders_have_their_published_lengths() -> None:
    borders = border_lines().set_index("pair")
    # The data README gives 214.2 km (GR-MK) and 141.6 km (BG-MK); measured geodesically here.
    geod = shapely.get_coordinates(borders.loc["GRC-MKD", "geometry"])
    from pyproj import Geod

    length_km = Geod(ellps="WGS84").line_length(geod[:, 0], geod[:, 1]) / 1000
    assert length_km == pytest.approx(214.2, rel=0.01)
    assert borders.loc["BGR-MKD", "length_km"] == pytest.approx(141.6)
    assert borders["eu_external"].all()


def test_nearest_town_by_great_circle() -> None:
    towns = load_towns()
    assert nearest_town(41.13, 22.51, towns).name in {"Idomeni", "Gevgelija"}
    bitola = towns[towns["name"] == "Bitola"].iloc[0]
    florina = nearest_town(bitola["lat"], bitola["lon"], towns[towns["name"] == "Florina"])
    assert florina.distance_km == pytest.approx(29.0, abs=1.5)  # Bitola-Florina as the crow flies
    with pytest.raises(GeodataError, match="empty"):
        nearest_town(41.0, 22.0, towns.iloc[0:0])


def test_nearest_town_is_the_haversine_minimum_over_the_world() -> None:
    """The unit-vector search picks the town a brute-force haversine minimum picks, at random points on the globe
    and near the world's towns; a different frame (fewer towns) is measured as itself."""
    import numpy as np

    from geo.spatial import great_circle_km, world_towns

    towns = world_towns()[["name", "lat", "lon"]].reset_index(drop=True)
    rng = np.random.default_rng(16)
    near = towns.sample(100, random_state=1)
    points = [*zip(np.degrees(np.arcsin(rng.uniform(-1, 1, 100))), rng.uniform(-180, 180, 100), strict=True),
              *zip(near["lat"] + rng.normal(0, 0.05, 100), near["lon"] + rng.normal(0, 0.05, 100), strict=True)]
    for lat, lon in points:
        distances = great_circle_km(lat, lon, towns["lat"], towns["lon"])
        found = nearest_town(lat, lon, towns)
        assert found.distance_km == pytest.approx(distances.min(), abs=1e-6)
        assert found.name == towns["name"].iloc[int(np.argmin(distances))]
    lat, lon = float(near["lat"].iloc[0]), float(near["lon"].iloc[0])
    assert nearest_town(lat, lon, towns).distance_km == pytest.approx(0, abs=1e-6)
    others = towns.drop(index=near.index[0])
    assert nearest_town(lat, lon, others).distance_km == pytest.approx(
        great_circle_km(lat, lon, others["lat"], others["lon"]).min(), abs=1e-6)


def test_bad_vector_files_give_clear_errors(tmp_path) -> None:
    with pytest.raises(GeodataError, match="missing data file"):
        read_vector(tmp_path / "nope.geojson")
    truncated = tmp_path / "truncated.geojson"
    truncated.write_text('{"type": "FeatureCollection", "features": [{"type": "Feat')
    with pytest.raises(GeodataError, match="cannot read"):
        read_vector(truncated)
    projected = tmp_path / "utm.geojson"
    projected.write_text(json.dumps({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32634"}},
        "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [500000, 4550000]}}],
    }))
    with pytest.raises(GeodataError, match="must be in EPSG:4326"):
        read_vector(projected, bbox=(0, 0, 1e7, 1e7))


def test_compass_points_of_hand_picked_directions() -> None:
    from geo.spatial import compass_point

    assert compass_point(22.0, 41.0, 22.0, 41.5) == "N"
    assert compass_point(22.0, 41.0, 22.5, 41.0) == "E"
    assert compass_point(22.0, 41.0, 21.6, 40.7) == "SW"
    assert compass_point(22.0, 41.0, 21.6, 41.3) == "NW"


def test_describe_place_by_hand() -> None:
    """Distances worked by hand on a sphere of 6371 km: 1° of latitude is 111.19 km, 1° of longitude at 41° N 83.9 km."""
    import pandas as pd

    from geo.spatial import describe_place

    towns = pd.DataFrame({"name": ["Alpha", "Beta"], "lat": [41.0, 41.0], "lon": [22.0, 23.0]})
    assert describe_place(lat=41.09, lon=22.0, towns=towns) == "10 km N of Alpha"  # 0.09° x 111.19 km = 10.0 km
    assert describe_place(lat=41.0, lon=22.1192, towns=towns) == "10 km E of Alpha"  # 0.1192° x 83.92 km = 10.0 km
    # 0.05° south (5.56 km) and 0.05° west (4.20 km) of Beta: sqrt(5.56² + 4.20²) = 6.97 km, south-west.
    assert describe_place(lat=40.95, lon=22.95, towns=towns) == "7 km SW of Beta"
    # 0.6° from Alpha, 0.4° from Beta: Beta is nearer, 0.4° x 83.92 km = 33.6 km west of it.
    assert describe_place(lat=41.0, lon=22.6, towns=towns) == "34 km W of Beta"
    assert describe_place(lat=41.005, lon=22.0, towns=towns) == "at Alpha"  # 0.56 km: no direction that close
    # Off Libya, 9° south of Alpha (1000 km): the position, not a town a thousand km away.
    assert describe_place(lat=32.0, lon=22.0, towns=towns) == "32.00° N 22.00° E, no town within 100 km"
    assert describe_place(lat=-33.9, lon=-18.4, towns=towns) == "33.90° S 18.40° W, no town within 100 km"
    assert describe_place(lat=41.89, lon=22.0, towns=towns) == "99 km N of Alpha"  # 0.89° x 111.19 = 99.0 km
    assert describe_place(lat=41.0, lon=22.6, towns=towns, max_km=30) == "41.00° N 22.60° E, no town within 30 km"
