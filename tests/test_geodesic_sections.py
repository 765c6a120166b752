"""Sections far from the Balkans: geodesic lengths and corridor distances in each section's own UTM zone.

A user's section along the US-Mexico border measured 1,117 km in UTM zone 34N; on the ground it is
about 860 km. The line below follows the real border from Yuma to El Paso (vertices to ~0.01°): 884 km
on the ground, 1,147 km in zone 34N.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from geo.briefing.sections import assign_to_sections, sections_by_length
from geo.region import utm_crs
from geo.spatial import geodesic_length_km, geometry_to_m, utm_crs_of

GEOD = Geod(ellps="WGS84")
US_MEXICO = shapely.LineString([
    (-114.72, 32.72), (-114.81, 32.49), (-111.07, 31.33), (-108.21, 31.33), (-108.21, 31.78), (-106.53, 31.78),
])
TOWNS = pd.DataFrame({"name": ["Yuma", "Nogales", "El Paso"], "lat": [32.69, 31.33, 31.76],
                      "lon": [-114.62, -110.94, -106.49]})


def _borders() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"pair": ["USA-MEX"]}, geometry=[US_MEXICO], crs="EPSG:4326")


def test_utm_zones() -> None:
    assert utm_crs(22.5, 41.1) == "EPSG:32634"   # Gevgelija
    assert utm_crs(-111.0, 31.3) == "EPSG:32612"  # Nogales
    assert utm_crs(151.2, -33.9) == "EPSG:32756"  # Sydney, southern hemisphere
    assert utm_crs(180.0, 0.0) == "EPSG:32660" and utm_crs(-180.0, 0.0) == "EPSG:32601"
    assert utm_crs_of(US_MEXICO) == "EPSG:32612"


def test_lengths_are_geodesic_anywhere() -> None:
    reference_km = GEOD.geometry_length(US_MEXICO) / 1000.0
    assert 880 < reference_km < 890
    assert geodesic_length_km(US_MEXICO) == pytest.approx(reference_km, rel=1e-9)
    # What a fixed zone 34N said: tens of percent too long.
    assert geometry_to_m(US_MEXICO).length / 1000.0 > 1.2 * reference_km
    sections = sections_by_length(_borders(), target_length_km=100.0, towns=TOWNS)
    assert len(sections) == round(reference_km / 100.0)
    for geometry, length_km in zip(sections.geometry, sections["length_km"]):
        assert length_km == pytest.approx(GEOD.geometry_length(geometry) / 1000.0, rel=1e-9)
    # Cut in the line's own zone: equal pieces on the ground (within 0.2 %) that add up to the line.
    assert sections["length_km"].sum() == pytest.approx(reference_km, rel=1e-6)
    assert np.ptp(sections["length_km"]) / sections["length_km"].mean() < 0.002
    assert sections["name"].iloc[0].endswith("Yuma") and sections["name"].iloc[-1].endswith("El Paso")


def _geodesic_km(lon: float, lat: float, line: shapely.LineString) -> float:
    """Distance from a point to a line on the ellipsoid, to ~10 m: the nearest of its vertices 200 m apart."""
    dense = shapely.segmentize(line, 0.002)  # degrees: ~200 m
    xy = shapely.get_coordinates(dense)
    _, _, distance_m = GEOD.inv(np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1])
    return float(distance_m.min()) / 1000.0


def test_corridor_membership_measured_on_the_ground() -> None:
    sections = sections_by_length(_borders(), target_length_km=100.0, towns=TOWNS)
    lon, lat = [], []
    for line in sections.geometry:
        for at in (0.3, 0.5, 0.7):
            mid = shapely.line_interpolate_point(line, at, normalized=True)
            start = shapely.line_interpolate_point(line, at - 0.05, normalized=True)
            forward, _, _ = GEOD.inv(start.x, start.y, mid.x, mid.y)
            for distance_km in (7.0, 9.5, 10.5, 14.0):
                for side in (-90.0, 90.0):  # both sides of the border
                    x, y, _ = GEOD.fwd(mid.x, mid.y, forward + side, distance_km * 1000.0)
                    lon.append(x)
                    lat.append(y)
    expected = []
    for x, y in zip(lon, lat):
        distances = [_geodesic_km(x, y, line) for line in sections.geometry]
        assert not 9.8 < min(distances) < 10.2  # no point on the fence: the answer is clear on the ground
        expected.append(int(np.argmin(distances)) if min(distances) < 10.0 else -1)
    assert 0 < expected.count(-1) < len(expected)
    got = assign_to_sections(np.array(lat), np.array(lon), sections, corridor_km=10.0)
    assert got.tolist() == expected
    # A fixed zone 34N would have stretched lengths by 24-30 % here and dropped the 9.5 km points.
    stretched = geometry_to_m(sections.geometry.iloc[0]).length / 1000.0 / sections["length_km"].iloc[0]
    assert stretched > 1.2


def test_sections_in_two_zones_each_measured_in_their_own() -> None:
    # One section in the Balkans (zone 34), one in Arizona (zone 12): each point goes to its own.
    balkan = shapely.LineString([(22.0, 41.1), (22.6, 41.15)])
    frame = gpd.GeoDataFrame({"section_id": ["B", "U"], "name": ["b", "u"], "pair": ["GRC-MKD", "USA-MEX"],
                              "length_km": [0.0, 0.0]}, geometry=[balkan, US_MEXICO], crs="EPSG:4326")
    got = assign_to_sections(np.array([41.12, 31.36, 0.0]), np.array([22.3, -110.0, 0.0]), frame, corridor_km=10.0)
    assert got.tolist() == [0, 1, -1]
