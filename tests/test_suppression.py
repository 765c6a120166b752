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
from pypdf import PdfReader

from geo.briefing import (
    SECTION_COUNT_COLUMNS,
    Briefing,
    BriefingParams,
    assign_to_sections,
    build_briefing,
    cells_csv,
    check_suppressed,
    count_text,
    load_rules,
    render_pdf,
    sections_by_length,
    sections_csv,
    sections_geojson,
    sections_geoparquet,
    suppress_cells,
    suppress_section_figures,
)
from geo.errors import BriefingError
from geo.grid import Filters
from geo.i18n import translator
from geo.models import EVENT_TYPES
from geo.spatial import border_lines, load_basemap, load_towns
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
    # smuggling (3) alone would be 40 - 30 - 7: the next smallest, apprehension (7), goes too...
    assert pd.isna(first["events_smuggling"]) and pd.isna(first["events_apprehension"])
    # ...and the persons summed from both go with them: a group size is published only beside its events.
    assert pd.isna(first["persons_smuggling"]) and pd.isna(first["persons_apprehension"])
    assert first["events_irregular_crossing"] == 30 and first["persons_irregular_crossing"] == 60
    assert first["persons"] == 90 and first["suppressed"] == 5
    assert pd.isna(second["events"]) and pd.isna(second["change_pct"]) and pd.isna(second["events_per_10km_day"])
    # Persons 0 beside 3 blanked events would still describe those 3 events: blanked with them.
    assert pd.isna(second["persons"]) and pd.isna(second["persons_irregular_crossing"])
    assert second["events_prev"] == 8 and pd.isna(second["persons_prev"]) and second["suppressed"] == 5
    for column in SECTION_COUNT_COLUMNS:
        if column in out:
            assert not _small(out[column], 5).any(), column


PERSONS_AND_THEIR_EVENTS = [("persons", "events"), ("persons_prev", "events_prev"),
                            *[(f"persons_{t}", f"events_{t}") for t in EVENT_TYPES]]
"""Written out here rather than read from the module: the test says which pairs the rule must cover."""


def _frame(rows: list[dict[str, int]]) -> pd.DataFrame:
    """Figures rows from by-type counts (``events_<type>``, ``persons_<type>``) and the previous period: the totals
    are their sums, as in :func:`geo.briefing.section_figures`."""
    frame = pd.DataFrame(rows).fillna(0).astype(int)
    for group in ("events", "persons"):
        frame[group] = frame[[c for c in frame.columns if c.startswith(f"{group}_") and not c.endswith("_prev")]
                             ].sum(axis=1)
    return frame


def test_persons_are_blanked_with_the_events_they_are_summed_from() -> None:
    """Hand-computed, k=5: a group size is published only beside an events figure of k or more."""
    figures = _frame([
        # events 3 (blanked), persons 12: "<5 events, 12 persons" would size the hidden group. Both blanked.
        {"events_smuggling": 3, "persons_smuggling": 12, "events_prev": 2, "persons_prev": 9},
        # events 7, persons 3: persons small, blanked; the events stay (persons never blank events).
        {"events_irregular_crossing": 7, "persons_irregular_crossing": 3, "events_prev": 9, "persons_prev": 0},
        # by type: smuggling 3 blanked, apprehension 9 by the complement (32 - 20 - 9 = 3); their persons 12 and 6
        # go with them, which leaves two persons blanks (58 - 40 = 18 gives only their sum).
        {"events_irregular_crossing": 20, "events_smuggling": 3, "events_apprehension": 9,
         "persons_irregular_crossing": 40, "persons_smuggling": 12, "persons_apprehension": 6,
         "events_prev": 30, "persons_prev": 70},
        # persons' own complement: smuggling's 3 persons blanked, then apprehension's 8 (the smallest other non-zero),
        # else 51 - 40 - 8 = 3; every events figure stays.
        {"events_irregular_crossing": 20, "events_smuggling": 10, "events_apprehension": 9,
         "persons_irregular_crossing": 40, "persons_smuggling": 3, "persons_apprehension": 8,
         "events_prev": 30, "persons_prev": 70},
    ])
    out = suppress_section_figures(figures, k=5)
    a, b, c, d = (out.iloc[i] for i in range(4))
    assert all(pd.isna(a[col]) for col in ("events", "persons", "events_smuggling", "persons_smuggling",
                                           "events_prev", "persons_prev"))
    assert a["suppressed"] == 6
    assert b["events"] == 7 and b["events_irregular_crossing"] == 7 and pd.isna(b["persons"])
    assert pd.isna(b["persons_irregular_crossing"]) and b["events_prev"] == 9 and b["persons_prev"] == 0
    assert b["suppressed"] == 2
    assert [c[col] for col in ("events", "events_irregular_crossing", "persons", "persons_irregular_crossing")
            ] == [32, 20, 58, 40]
    assert all(pd.isna(c[col]) for col in ("events_smuggling", "events_apprehension", "persons_smuggling",
                                           "persons_apprehension"))
    assert c["suppressed"] == 4
    assert [d[f"events_{t}"] for t in ("irregular_crossing", "smuggling", "apprehension")] == [20, 10, 9]
    assert pd.isna(d["persons_smuggling"]) and pd.isna(d["persons_apprehension"])
    assert d["persons"] == 51 and d["persons_irregular_crossing"] == 40 and d["suppressed"] == 2


def test_check_suppressed_refuses_persons_beside_blanked_or_small_events() -> None:
    columns = ("events", "persons")
    with pytest.raises(BriefingError, match="'persons' is published where 'events' is blanked"):
        check_suppressed(pd.DataFrame({"events": pd.array([None, 7], dtype="Int64"), "persons": [12, 20]}),
                         columns=columns, k=5)
    with pytest.raises(BriefingError, match="'persons_smuggling' is published where 'events_smuggling'"):
        check_suppressed(pd.DataFrame({"events_smuggling": [3], "persons_smuggling": [12]}),
                         columns=("persons_smuggling",), k=5)  # the events column itself not among those checked
    check_suppressed(pd.DataFrame({"events": pd.array([None, 7], dtype="Int64"),
                                   "persons": pd.array([None, 20], dtype="Int64")}), columns=columns, k=5)
    check_suppressed(pd.DataFrame({"events": [0, 7], "persons": [0, 0]}), columns=columns, k=5)


def test_check_suppressed_refuses_a_small_count() -> None:
    with pytest.raises(BriefingError, match="below k=5"):
        check_suppressed(pd.DataFrame({"events": [7, 2]}), columns=("events",), k=5)
    with pytest.raises(BriefingError, match="k must be"):
        suppress_cells(pd.DataFrame({"cell": [], "events": [], "persons": []}), k=0)


def _one_day_briefing(index, *, k: int) -> Briefing:
    """The scenario's last day in 25-km sections (one day: most sections have small counts, the case that matters)."""
    sections = sections_by_length(border_lines(), target_length_km=25.0, towns=load_towns())
    assignment = assign_to_sections(index.events["lat"], index.events["lon"], sections, corridor_km=10.0)
    window = TimeWindow(SCENARIO_END - timedelta(days=1), SCENARIO_END)
    return build_briefing(index, assignment, sections, window, generated_at=SCENARIO_END, params=BriefingParams(k=k))


@pytest.fixture(scope="module")
def briefing(index) -> Briefing:
    return _one_day_briefing(index, k=5)


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
    for table in (csv, geojson, parquet):
        for persons, events in PERSONS_AND_THEIR_EVENTS:
            assert table.loc[table[events].isna(), persons].isna().all(), persons


def test_evidence_is_withheld_where_it_would_quote_a_blanked_count(briefing: Briefing) -> None:
    rows = briefing.sections
    blanked = rows["events"].isna() | rows["events_prev"].isna()
    assert blanked.any()
    assert all(ev == ("figures below k=5 withheld",) for ev in rows.loc[blanked, "evidence"])
    trend = briefing.trend.to_numpy()
    assert not ((trend > 0) & (trend < 5)).any()


# One event type of one row: events (often none, often below k) and the persons in them (none without events).
_type_counts = st.one_of(st.just((0, 0)),
                         st.integers(1, 14).flatmap(lambda e: st.tuples(st.just(e), st.integers(0, 40))))


@st.composite
def figure_frames(draw: st.DrawFn) -> pd.DataFrame:
    """Figures frames as :func:`geo.briefing.section_figures` makes them: totals are the sums of the by-type counts."""
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        counts = draw(st.lists(_type_counts, min_size=len(EVENT_TYPES), max_size=len(EVENT_TYPES)))
        events_prev, persons_prev = draw(_type_counts)
        row = {"events_prev": events_prev, "persons_prev": persons_prev}
        for t, (e, p) in zip(EVENT_TYPES, counts):
            row |= {f"events_{t}": e, f"persons_{t}": p}
        rows.append(row)
    frame = _frame(rows)
    frame["high_impact"] = [draw(st.integers(0, e)) for e in frame["events"]]
    frame["change_pct"] = np.where(frame["events_prev"] > 0, 100.0 * (frame["events"] / frame["events_prev"] - 1),
                                   np.nan)
    frame["events_per_10km_day"] = frame["events"] / 2.5
    return frame


def _given_back(out: pd.DataFrame, total: str, group: list[str]) -> pd.Series:
    """Rows where ``total`` is published and exactly one of ``group`` is blanked: total - others gives it back."""
    return out[total].notna() & (out[group].isna().sum(axis=1) == 1)


@settings(max_examples=120, deadline=None)
@given(figures=figure_frames(), k=st.integers(2, 12))
def test_property_no_persons_beside_hidden_events_and_no_blank_given_back(figures: pd.DataFrame, k: int) -> None:
    out = suppress_section_figures(figures, k=k)
    for persons, events in PERSONS_AND_THEIR_EVENTS:
        hidden = out[events].isna() | _small(out[events], k)
        assert out.loc[hidden, persons].isna().all(), (persons, out.loc[hidden, [events, persons]])
    for total, prefix in (("events", "events_"), ("persons", "persons_")):
        group = [f"{prefix}{t}" for t in EVENT_TYPES]
        assert not _given_back(out, total, group).any(), out.loc[_given_back(out, total, group), [total, *group]]
    for column in SECTION_COUNT_COLUMNS:
        assert not _small(out[column], k).any(), column
        shown = out[column].notna()
        assert (out.loc[shown, column] == figures.loc[shown, column]).all(), column  # nothing invented
    assert (out["suppressed"] == out[list(SECTION_COUNT_COLUMNS)].isna().sum(axis=1)).all()
    assert out.loc[out["events"].isna() | out["events_prev"].isna(), "change_pct"].isna().all()
    # Persons never blank events: the events come out as they would with no persons in the frame at all.
    events_only = suppress_section_figures(figures.drop(columns=[p for p, _ in PERSONS_AND_THEIR_EVENTS]), k=k)
    for _, events in PERSONS_AND_THEIR_EVENTS:
        pd.testing.assert_series_equal(out[events], events_only[events])


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


@pytest.fixture(scope="module")
def briefing_k50(index) -> Briefing:
    return _one_day_briefing(index, k=50)


def test_persons_of_blanked_sections_read_below_k(briefing_k50: Briefing) -> None:
    """The observed leak: with k=50, sections showing "<50" events showed their persons (81, 145)."""
    tr = translator("en")
    rows = briefing_k50.sections
    blanked = rows["events"].isna()
    assert blanked.sum() >= 5 and (~blanked).sum() >= 3  # both kinds of section are in the day
    for persons, events in PERSONS_AND_THEIR_EVENTS:
        hidden = rows[events].isna()
        assert [count_text(v, 50, tr) for v in rows.loc[hidden, persons]] == ["<50"] * int(hidden.sum()), persons
    # Sections that show their events still show their persons: the rule withholds no more than it must.
    assert rows.loc[~blanked, "persons"].notna().all() and (rows.loc[~blanked, "persons"] > 50).all()
    csv = pd.read_csv(io.BytesIO(sections_csv(briefing_k50)))
    assert csv.loc[csv["events"].isna(), "persons"].isna().all() and csv["persons"].notna().sum() == (~blanked).sum()


def test_persons_headline_and_pdf_of_a_blanked_section_read_below_k(index, briefing_k50: Briefing) -> None:
    """A briefing of one quiet section: its headline persons are blanked with its events, in the PDF too."""
    quiet = briefing_k50.sections.loc[briefing_k50.sections["events"].isna(), "section_id"].iloc[0]
    sections = sections_by_length(border_lines(), target_length_km=25.0, towns=load_towns())
    assignment = assign_to_sections(index.events["lat"], index.events["lon"], sections, corridor_km=10.0)
    one = build_briefing(index, assignment, sections, briefing_k50.window, generated_at=SCENARIO_END,
                         params=BriefingParams(k=50), only=(quiet,))
    events, persons = one.kpis[:2]
    true_persons = int(index.persons[index.window_slice(one.window)][
        assignment[index.window_slice(one.window)] == list(sections["section_id"]).index(quiet)].sum())
    assert events.value is None and events.previous is None
    assert true_persons >= 50  # published before: a group size beside "<50" events
    assert persons.value is None and persons.previous is None
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(render_pdf(one, load_basemap()))).pages]
    assert "Events <50 – Persons <50 –" in pages[0]
    assert "Events <50 <50 Persons <50 <50" in pages[1]


def test_evidence_of_a_rule_on_persons_is_withheld_where_they_are_blanked(index) -> None:
    """A rules file may read any figure; its evidence quotes the value, so a blanked one must not be quoted."""
    rules = load_rules('[[rule]]\nname = "groups"\nfigure = "persons_smuggling"\nop = ">="\nthreshold = 1\n'
                       'level = "medium"\n')
    sections = sections_by_length(border_lines(), target_length_km=25.0, towns=load_towns())
    assignment = assign_to_sections(index.events["lat"], index.events["lon"], sections, corridor_km=10.0)
    window = TimeWindow(SCENARIO_END - timedelta(days=1), SCENARIO_END)
    rows = build_briefing(index, assignment, sections, window, generated_at=SCENARIO_END,
                          params=BriefingParams(k=5, rules=rules)).sections
    hidden = rows["persons_smuggling"].isna() & rows["events"].notna() & rows["events_prev"].notna()
    assert hidden.sum() >= 2  # sections whose own events are shown but whose smuggling persons are not
    assert all(ev == ("figures below k=5 withheld",) for ev in rows.loc[hidden, "evidence"])
    quoting = rows["persons_smuggling"].fillna(0) > 0
    assert quoting.any()
    for persons, ev in zip(rows.loc[quoting, "persons_smuggling"], rows.loc[quoting, "evidence"]):
        assert f"persons_smuggling is {persons}" in ev[0]
