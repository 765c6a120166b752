"""Border sections: lengths add up, events go to the nearest section within the corridor, user files are honoured."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.briefing import (
    FigureParams,
    assign_to_sections,
    read_sections,
    section_figures,
    section_series,
    sections_by_length,
    sections_from_areas,
)
from geo.errors import SectionError
from geo.grid import latlng_to_cells
from geo.spatial import (
    border_lines,
    geodesic_length_km,
    geometry_to_m,
    load_towns,
    xy_m_to_lonlat,
)
from geo.timewindow import TimeWindow
from tests.conftest import SCENARIO_END


@pytest.fixture(scope="module")
def borders() -> gpd.GeoDataFrame:
    return border_lines()


@pytest.fixture(scope="module")
def towns() -> pd.DataFrame:
    return load_towns()


@pytest.fixture(scope="module")
def sections(borders: gpd.GeoDataFrame, towns: pd.DataFrame) -> gpd.GeoDataFrame:
    return sections_by_length(borders, target_length_km=25.0, towns=towns)


@pytest.mark.parametrize("target_km", [10.0, 25.0, 60.0, math.inf])
def test_lengths_add_up_to_the_border(borders, towns, target_km: float) -> None:
    sections = sections_by_length(borders, target_length_km=target_km, towns=towns)
    for pair, line in zip(borders["pair"], borders.geometry):
        pieces = sections[sections["pair"] == pair]
        border_km = geodesic_length_km(line)  # lengths are geodesic (WGS 84), wherever the border is
        assert pieces["length_km"].sum() == pytest.approx(border_km, rel=1e-6)
        # The stored geometry measures what its length says (cut in metres of its UTM zone, stored in lon/lat).
        measured = [geodesic_length_km(g) for g in pieces.geometry]
        assert np.allclose(measured, pieces["length_km"], atol=1e-6)
        assert np.allclose([geometry_to_m(g).length / 1000.0 for g in pieces.geometry], measured, rtol=1e-3)
        expected_n = 1 if math.isinf(target_km) else max(1, round(border_km / target_km))
        assert len(pieces) == expected_n
        assert np.allclose(pieces["length_km"], border_km / expected_n, rtol=1e-3)
    # Against the border file's own figures (Natural Earth, 141.6 and 214.2 km).
    assert sections["length_km"].sum() == pytest.approx(borders["length_km"].sum(), rel=0.01)


def test_names_say_pair_number_and_town(sections) -> None:
    assert sections["section_id"].is_unique
    assert len(sections) == 15
    names = list(sections["name"])
    assert names[0].startswith("BG–MK 1 · ")
    assert any(n.startswith("GR–MK ") and n.endswith(("Idomeni", "Gevgelija")) for n in names)
    assert sections.crs.to_epsg() == 4326


def _offset_point(section: shapely.Geometry, km: float) -> tuple[float, float]:
    """A point ``km`` to the left of the middle of ``section`` (lon/lat line), as (lat, lon)."""
    line_m = geometry_to_m(section)
    left = line_m.offset_curve(km * 1000.0)
    point = left.interpolate(0.5, normalized=True)
    lon, lat = xy_m_to_lonlat([point.x], [point.y])
    return float(lat[0]), float(lon[0])


def test_events_go_to_the_nearest_section_within_the_corridor(sections) -> None:
    near = [_offset_point(g, 2.0) for g in sections.geometry]
    lat, lon = np.array(near).T
    assert list(assign_to_sections(lat, lon, sections, corridor_km=10.0)) == list(range(len(sections)))
    far_lat, far_lon = _offset_point(sections.geometry.iloc[7], 12.0)
    assert assign_to_sections([far_lat], [far_lon], sections, corridor_km=10.0)[0] == -1
    assert assign_to_sections([far_lat], [far_lon], sections, corridor_km=15.0)[0] == 7


def test_assignment_equals_brute_force_nearest(sections, scenario) -> None:
    sample = scenario.events.sample(2000, random_state=1)
    got = assign_to_sections(sample["lat"], sample["lon"], sections, corridor_km=8.0)
    lines_m = [geometry_to_m(g) for g in sections.geometry]
    points = [geometry_to_m(shapely.Point(x, y)) for x, y in zip(sample["lon"], sample["lat"])]
    distances = np.array([[p.distance(line) for line in lines_m] for p in points])
    expected = np.where(distances.min(axis=1) <= 8000.0, distances.argmin(axis=1), -1)
    assert (got == expected).all()
    assert 0 < (got == -1).sum() < len(got)


def test_a_user_file_of_lines_is_honoured(tmp_path: Path, sections, borders, towns) -> None:
    chosen = sections.iloc[[11, 12]]
    user = gpd.GeoDataFrame({"section_id": ["S-WEST", "S-EAST"], "name": ["Kožuf foothills", "Vardar valley"]},
                            geometry=chosen.geometry.to_numpy(), crs="EPSG:4326").to_crs("EPSG:3857")
    path = tmp_path / "sections.geojson"
    user.to_file(path, driver="GeoJSON")
    read = read_sections(path, borders=borders, towns=towns)
    assert list(read["section_id"]) == ["S-WEST", "S-EAST"]
    assert list(read["name"]) == ["Kožuf foothills", "Vardar valley"]
    assert list(read["pair"]) == ["GRC-MKD", "GRC-MKD"]
    assert np.allclose(read["length_km"], chosen["length_km"], rtol=1e-6)  # reprojected back from Web Mercator
    lat, lon = _offset_point(chosen.geometry.iloc[1], 1.0)
    assert assign_to_sections([lat], [lon], read, corridor_km=5.0)[0] == 1


def test_police_station_areas_cut_the_border(tmp_path: Path, borders, towns) -> None:
    gr_mk = borders[borders["pair"] == "GRC-MKD"]
    areas = gpd.GeoDataFrame({"station": ["Florina", "Kilkis"]},
                             geometry=[shapely.box(20.5, 40.5, 22.0, 41.6), shapely.box(22.0, 40.5, 23.5, 41.6)],
                             crs="EPSG:4326")
    path = tmp_path / "stations.gpkg"
    areas.to_file(path, driver="GPKG")
    read = read_sections(path, borders=gr_mk, towns=towns, name_column="station")
    assert list(read["name"]) == ["GR–MK · Florina", "GR–MK · Kilkis"]
    assert read["length_km"].sum() == pytest.approx(geodesic_length_km(gr_mk.geometry.iloc[0]), rel=1e-4)
    direct = sections_from_areas(gr_mk, areas, name_column="station")
    assert list(direct["section_id"]) == list(read["section_id"])


def test_bad_section_input_is_refused_clearly(tmp_path: Path, borders, towns) -> None:
    with pytest.raises(SectionError, match="target_length_km"):
        sections_by_length(borders, target_length_km=0, towns=towns)
    with pytest.raises(SectionError, match="corridor_km"):
        assign_to_sections([41.0], [22.0], borders, corridor_km=0)
    with pytest.warns(UserWarning, match="crs"):
        gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1, 1)])]).to_file(tmp_path / "nocrs.shp")
    with pytest.raises(SectionError, match="no CRS"):
        read_sections(tmp_path / "nocrs.shp", borders=borders, towns=towns)
    garbage = tmp_path / "garbage.geojson"
    garbage.write_text("{ not json")
    with pytest.raises(SectionError, match="cannot read"):
        read_sections(garbage, borders=borders, towns=towns)
    mixed = gpd.GeoDataFrame(geometry=[shapely.LineString([(22, 41), (22.1, 41.1)]), shapely.Point(22, 41)],
                             crs="EPSG:4326")
    mixed.to_file(tmp_path / "mixed.gpkg", driver="GPKG")
    with pytest.raises(SectionError, match="all lines or all polygons"):
        read_sections(tmp_path / "mixed.gpkg", borders=borders, towns=towns)
    with pytest.raises(SectionError, match="no sections file"):
        read_sections(tmp_path / "missing.geojson", borders=borders, towns=towns)


def test_section_figures_add_up_and_compare_with_the_previous_period(sections, index) -> None:
    assignment = assign_to_sections(index.events["lat"], index.events["lon"], sections, corridor_km=10.0)
    window = TimeWindow(SCENARIO_END - pd.Timedelta(days=7), SCENARIO_END)
    figures = section_figures(index, assignment, sections, window, params=FigureParams(corridor_km=10.0),
                              coverage={"GRC-MKD-07": 0.8})
    part = index.events["occurred_at"].between(window.start, window.end, inclusive="left").to_numpy()
    assert figures["events"].sum() == int((part & (assignment >= 0)).sum())
    busiest = int(np.bincount(assignment[part & (assignment >= 0)]).argmax())
    assert figures["events"].idxmax() == busiest
    type_columns = [c for c in figures.columns if c.startswith("events_") and c not in ("events_prev", "events_per_10km_day")]
    assert (figures[type_columns].sum(axis=1) == figures["events"]).all()
    prev = index.events["occurred_at"].between(window.previous().start, window.start, inclusive="left").to_numpy()
    assert figures["events_prev"].sum() == int((prev & (assignment >= 0)).sum())
    row = figures.iloc[busiest]
    assert row["change_pct"] == pytest.approx(100 * (row["events"] - row["events_prev"]) / row["events_prev"])
    assert figures["hot_share"].between(0, 1).all() and figures["hot_share"].iloc[busiest] > 0.1
    assert figures.set_index("section_id").loc["GRC-MKD-07", "coverage_share"] == 0.8
    assert figures.set_index("section_id").drop("GRC-MKD-07")["coverage_share"].isna().all()
    series = section_series(index, assignment, window, n_sections=len(sections))
    assert (series.sum().to_numpy() == figures["events"].to_numpy()).all()
    assert len(series) == 8  # 7 days starting mid-day: 8 UTC day bins


def test_coverage_from_covered_cells(sections, index) -> None:
    assignment = assign_to_sections(index.events["lat"], index.events["lon"], sections, corridor_km=10.0)
    window = TimeWindow(SCENARIO_END - pd.Timedelta(days=7), SCENARIO_END)
    covered = latlng_to_cells(index.events["lat"].to_numpy(), index.events["lon"].to_numpy(), 7)
    figures = section_figures(index, assignment, sections, window, covered_cells=np.unique(covered))
    # Cells holding events cover part of every busy corridor, never all of a quiet one.
    assert figures["coverage_share"].between(0, 1).all()
    assert figures["coverage_share"].iloc[int(figures["events"].idxmax())] > figures["coverage_share"].min()
    nothing = section_figures(index, assignment, sections, window, covered_cells=np.array([], dtype=np.uint64))
    assert (nothing["coverage_share"] == 0).all()


def test_section_coverage_counts_each_corridor_cell_for_its_section() -> None:
    import h3
    import pandas as pd

    from geo.briefing import section_coverage, sections_by_length
    from geo.spatial import border_lines, load_towns

    sections = sections_by_length(border_lines(), target_length_km=25.0, towns=load_towns())
    first, second = sections.iloc[2], sections.iloc[8]
    cells, flags = [], []
    for section, covered_of_seven in ((first, 3), (second, 7)):
        mid = section.geometry.interpolate(0.5, normalized=True)
        disk = [int(c, 16) for c in h3.grid_disk(h3.latlng_to_cell(mid.y, mid.x, 8), 1)]
        cells += disk
        flags += [True] * covered_of_seven + [False] * (7 - covered_of_seven)
    shares = section_coverage(pd.Series(flags, index=pd.Index(cells, dtype="uint64")), sections, corridor_km=5.0)
    assert shares == {first["section_id"]: pytest.approx(3 / 7), second["section_id"]: 1.0}
