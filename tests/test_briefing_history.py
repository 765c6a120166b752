"""A briefing on IOM-style history: its headline is its sections' corridors, not the whole world in the store."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import numpy as np
import pytest
from pypdf import PdfReader

from geo.briefing import (
    BriefingParams,
    assign_to_sections,
    build_briefing,
    render_pdf,
    sections_by_length,
)
from geo.grid import EventIndex
from geo.ingest import import_file
from geo.spatial import border_lines, load_basemap
from geo.store import open_store, read_events
from geo.timewindow import TimeWindow
from tests.conftest import ROOT

HISTORY = ROOT / "tests" / "data" / "iom_global_2014_2020.csv"
WINDOW = TimeWindow(datetime(2019, 6, 1, tzinfo=timezone.utc), datetime(2020, 1, 1, tzinfo=timezone.utc))


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory):
    url = f"sqlite:///{tmp_path_factory.mktemp('history') / 'h.sqlite'}"
    store = open_store(url)
    import_file(HISTORY, store, mapping="iom", now=datetime(2026, 5, 1, tzinfo=timezone.utc))
    index = EventIndex(read_events(store))
    store.close()
    basemap = load_basemap()
    sections = sections_by_length(border_lines(), target_length_km=25.0, towns=basemap.towns)
    assignment = assign_to_sections(index.events["lat"], index.events["lon"], sections, corridor_km=10.0)
    return index, sections, assignment, basemap


def test_headline_counts_the_corridors_and_says_so(history) -> None:
    index, sections, assignment, basemap = history
    in_window = ((index.events["occurred_at"] >= WINDOW.start) & (index.events["occurred_at"] < WINDOW.end)).to_numpy()
    corridor = in_window & (assignment >= 0)
    assert 5 <= corridor.sum() < in_window.sum()  # the store holds the world; some are on GR-MK / BG-MK
    briefing = build_briefing(index, assignment, sections, WINDOW, generated_at=datetime(2026, 5, 1, tzinfo=timezone.utc))
    events, persons, _ = briefing.kpis
    assert events.value == corridor.sum()
    assert persons.value == index.events["persons"].to_numpy()[corridor].sum()
    assert "corridors of the" in briefing.scope and "10 km" in briefing.scope
    assert briefing.outside is not None and briefing.outside.label == "Events outside these corridors"
    assert briefing.outside.value == in_window.sum() - corridor.sum()
    # The section table and the headline now agree.
    assert np.nansum(briefing.sections["events"].to_numpy(dtype=float)) <= events.value
    unsuppressed = build_briefing(index, assignment, sections, WINDOW, params=BriefingParams(k=1),
                                  generated_at=datetime(2026, 5, 1, tzinfo=timezone.utc))
    assert unsuppressed.total_trend.sum() == corridor.sum() == unsuppressed.sections["events"].sum()
    text = PdfReader(io.BytesIO(render_pdf(briefing, basemap))).pages[0].extract_text()
    assert "Figures in the corridors of the" in text and "events outside them:" in text


def test_only_some_sections_count_only_their_corridors(history) -> None:
    index, sections, assignment, _ = history
    first = str(sections["section_id"].iloc[0])
    briefing = build_briefing(index, assignment, sections, WINDOW, only=(first,), params=BriefingParams(k=1),
                              generated_at=datetime(2026, 5, 1, tzinfo=timezone.utc))
    in_window = ((index.events["occurred_at"] >= WINDOW.start) & (index.events["occurred_at"] < WINDOW.end)).to_numpy()
    assert briefing.kpis[0].value == (in_window & (assignment == 0)).sum()
    assert "its 1 section" in briefing.scope
