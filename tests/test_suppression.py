"""Small-count suppression: no exported cell or section figure between 1 and k-1, and no event rows in exports."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.briefing import (
    SECTION_COUNT_COLUMNS,
    Briefing,
    BriefingParams,
    assign_to_sections,
    build_briefing,
    cells_csv,
    check_suppressed,
    sections_by_length,
    sections_csv,
    sections_geojson,
    sections_geoparquet,
    suppress_cells,
    suppress_section_figures,
)
from geo.errors import BriefingError
from geo.grid import Filters
from geo.spatial import border_lines, load_towns
from geo.timewindow import TimeWindow
from tests.conftest import SCENARIO_END


def _small(values: pd.Series, k: int) -> pd.Series:
    v = pd.to_numeric(values, errors="coerce").fillna(0)
    return (v > 0) & (v < k)


def test_seven_small_children_become_one_parent() -> None:
    parent = h3.latlng_to_cell(41.12, 22.5, 7)
    children = [h3.str_to_int(c) for c in h3.cell_to_children(parent, 8)]
    cells = pd.DataFrame({"cell": np.array(children, dtype=np.uint64), "events": 1, "persons": [0, 2, 0, 1, 0, 3, 0]})
    result = suppress_cells(cells, k=5)
    assert result.cells.to_dict("records") == [{"cell": h3.str_to_int(parent), "res": 7, "events": 7, "persons": 6}]
    assert result.coarsened_cells == 7 and result.dropped_events == 0


def test_a_lone_small_cell_is_dropped_at_the_coarsest_resolution() -> None:
    big = h3.str_to_int(h3.latlng_to_cell(41.0, 22.0, 8))
    lone = h3.str_to_int(h3.latlng_to_cell(41.9, 23.3, 8))
    cells = pd.DataFrame({"cell": np.array([big, lone], dtype=np.uint64), "events": [40, 2], "persons": [80, 3]})
    result = suppress_cells(cells, k=5, coarsest_res=6)
    assert list(result.cells["cell"]) == [big] and result.dropped_events == 2


@pytest.mark.parametrize("k", [2, 5, 11])
def test_no_published_cell_is_below_k_and_events_are_conserved(index, k: int) -> None:
    window = TimeWindow(SCENARIO_END - timedelta(days=3), SCENARIO_END)
    cells = index.aggregate(Filters(window, res=9))
    result = suppress_cells(cells, k=k)
    assert (result.cells["events"] >= k).all()
    assert not _small(result.cells["persons"], k).any()
    assert result.cells["events"].sum() + result.dropped_events == cells["events"].sum()
    assert result.coarsened_cells > 0 and set(result.cells["res"]) <= {5, 6, 7, 8, 9}


def test_section_figures_blank_small_counts_and_what_would_give_them_back() -> None:
    figures = pd.DataFrame({
        "events": [40, 3], "persons": [90, 0], "high_impact": [2, 0], "events_prev": [30, 8], "persons_prev": [70, 4],
        "change_pct": [33.3, -62.5], "events_per_10km_day": [2.0, 0.1],
        "events_irregular_crossing": [30, 3], "events_apprehension": [7, 0], "events_smuggling": [3, 0],
        "persons_irregular_crossing": [60, 0], "persons_apprehension": [30, 0], "persons_smuggling": [0, 0],
    })
    out = suppress_section_figures(figures, k=5)
    first, second = out.iloc[0], out.iloc[1]
    assert pd.isna(first["high_impact"]) and first["events"] == 40
    # smuggling (3) alone would be 40 - 30 - 7: the next smallest, apprehension (7), goes too.
    assert pd.isna(first["events_smuggling"]) and pd.isna(first["events_apprehension"])
    assert first["events_irregular_crossing"] == 30 and first["suppressed"] == 3
    assert pd.isna(second["events"]) and pd.isna(second["change_pct"]) and pd.isna(second["events_per_10km_day"])
    assert second["persons"] == 0 and pd.isna(second["persons_prev"])
    for column in SECTION_COUNT_COLUMNS:
        if column in out:
            assert not _small(out[column], 5).any(), column


def test_check_suppressed_refuses_a_small_count() -> None:
    with pytest.raises(BriefingError, match="below k=5"):
        check_suppressed(pd.DataFrame({"events": [7, 2]}), columns=("events",), k=5)
    with pytest.raises(BriefingError, match="k must be"):
        suppress_cells(pd.DataFrame({"cell": [], "events": [], "persons": []}), k=0)


@pytest.fixture(scope="module")
def briefing(index) -> Briefing:
    sections = sections_by_length(border_lines(), target_length_km=25.0, towns=load_towns())
    assignment = assign_to_sections(index.events["lat"], index.events["lon"], sections, corridor_km=10.0)
    # One day: most sections have small counts, the case that matters.
    window = TimeWindow(SCENARIO_END - timedelta(days=1), SCENARIO_END)
    return build_briefing(index, assignment, sections, window, generated_at=SCENARIO_END, params=BriefingParams(k=5))


def test_exports_carry_no_small_count_and_no_event_rows(briefing: Briefing) -> None:
    csv = pd.read_csv(io.BytesIO(sections_csv(briefing)))
    geojson = gpd.read_file(io.BytesIO(sections_geojson(briefing)))
    parquet = gpd.read_parquet(io.BytesIO(sections_geoparquet(briefing)))
    cells = pd.read_csv(io.BytesIO(cells_csv(briefing)))
    assert briefing.suppression["section_values"] > 0  # there was something to suppress
    for table in (csv, geojson, parquet):
        assert len(table) == 15
        for column in SECTION_COUNT_COLUMNS:
            assert not _small(table[column], 5).any(), column
        assert not {"event_id", "occurred_at", "lat", "lon", "source"} & set(table.columns)
    assert parquet.crs.to_epsg() == 4326 and (parquet.geom_type == "LineString").all()
    assert (cells["events"] >= 5).all() and not _small(cells["persons"], 5).any()
    properties = json.loads(sections_geojson(briefing))["features"][0]["properties"]
    assert "evidence" in properties and "level" in properties
    # Blanked counts are empty in the CSV, null in GeoJSON: a reader sees "unknown", never a guess.
    assert csv["events_search_and_rescue"].isna().any()


def test_evidence_is_withheld_where_it_would_quote_a_blanked_count(briefing: Briefing) -> None:
    rows = briefing.sections
    blanked = rows["events"].isna() | rows["events_prev"].isna()
    assert blanked.any()
    assert all(ev == ("figures below k=5 withheld",) for ev in rows.loc[blanked, "evidence"])
    trend = briefing.trend.to_numpy()
    assert not ((trend > 0) & (trend < 5)).any()


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 30)), min_size=1, max_size=40),
       seed=st.integers(0, 2**16), k=st.integers(2, 10))
def test_property_no_small_cell_survives_and_nothing_is_invented(counts, seed: int, k: int) -> None:
    """Random cells around one spot: every published cell is >= k, and published + dropped = input events."""
    rng = np.random.default_rng(seed)
    lat, lon = 41.1 + rng.normal(0, 0.05, len(counts)), 22.4 + rng.normal(0, 0.05, len(counts))
    cells = pd.DataFrame({"cell": [h3.str_to_int(h3.latlng_to_cell(a, b, 9)) for a, b in zip(lat, lon)],
                          "events": [max(e, 1) for e, _ in counts], "persons": [p for _, p in counts]})
    cells = cells.groupby("cell", as_index=False).sum()
    cells["cell"] = cells["cell"].astype(np.uint64)
    result = suppress_cells(cells, k=k)
    assert (result.cells["events"] >= k).all()
    assert not _small(result.cells["persons"], k).any()
    assert result.cells["events"].sum() + result.dropped_events == cells["events"].sum()
    assert result.cells["persons"].sum() <= cells["persons"].sum()
