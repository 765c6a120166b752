"""The planners' routes page of the briefing pack: events near each crossing against known answers, the
small-count rule (hypothesis), the PDF page, the toggle on the Briefing page (AppTest), `limes report --routes`."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from pyproj import Geod
from streamlit.testing.v1 import AppTest

from dashboard.cli import main
from geo.briefing import (
    NEAR_KM,
    assign_to_sections,
    build_briefing,
    planner_routes,
    render_pdf,
    route_rows,
    sections_by_length,
)
from geo.coverage import Routes, save_sensors, sensors_from_frame
from geo.errors import BriefingError
from geo.grid import BASE_RES, EventIndex, latlng_to_cells
from geo.i18n import translator
from geo.models import SCENARIO_SOURCE
from geo.scenario import Scenario
from geo.spatial import border_lines, describe_place, load_basemap
from geo.store import insert_events, open_store
from geo.timewindow import TimeWindow
from tests.conftest import ROOT, SCENARIO_END

GEOD = Geod(ellps="WGS84")
T0 = datetime(2026, 11, 20, tzinfo=timezone.utc)
WINDOW = TimeWindow(T0, T0 + timedelta(days=7))
CROSSINGS = ((41.12, 22.52), (41.18, 22.73), (40.91, 21.45))
TOWNS = pd.DataFrame({"name": ["Gevgelija", "Evzonoi"], "name_local": ["Гевгелија", "Εύζωνοι"],
                      "adm0_a3": ["MKD", "GRC"], "lat": [41.14, 41.10], "lon": [22.50, 22.55]})
"""Two towns by the first crossing: its route starts 4 km from Gevgelija and ends 3 km from Evzonoi."""
ROUTE_COLUMNS = ["rank", "from_place", "to_place", "pair", "length_km", "walk_h", "unseen_share", "cost_h",
                 "crossing_lat", "crossing_lon"]


def _routes() -> Routes:
    rows = [(i + 1, f"Far{i}", f"Ours{i}", "GRC-MKD", 10.0 + i, 2.0 + i, 0.5, 3.0 + i, lat, lon)
            for i, (lat, lon) in enumerate(CROSSINGS)]
    paths = tuple(np.array([[lon - 0.05, lat + 0.05], [lon, lat], [lon + 0.05, lat - 0.05]]) for lat, lon in CROSSINGS)
    return Routes(table=pd.DataFrame(rows, columns=ROUTE_COLUMNS), paths=paths,
                  band=pd.Series([0.0], index=pd.Index([np.uint64(0x882d8e1b6bfffff)])), optimum_h=3.0)


def _events(offsets: list[tuple[int, float, float]], *, at: datetime = T0 + timedelta(days=1)) -> EventIndex:
    """Events at (crossing index, distance km, azimuth deg) from the crossings, measured on the WGS84 ellipsoid."""
    lats, lons = [], []
    for which, km, azimuth in offsets:
        lat, lon = CROSSINGS[which]
        x, y, _ = GEOD.fwd(lon, lat, azimuth, km * 1000.0)
        lons.append(x)
        lats.append(y)
    n = len(offsets)
    return EventIndex(pd.DataFrame({
        "event_id": [f"E{i}" for i in range(n)], "source": SCENARIO_SOURCE, "type": "irregular_crossing",
        "occurred_at": pd.Timestamp(at) + pd.to_timedelta(np.arange(n), unit="s"), "lat": lats, "lon": lons,
        "persons": 1, "cell": latlng_to_cells(np.asarray(lats, dtype=float), np.asarray(lons, dtype=float), BASE_RES)}))


def test_events_near_each_crossing_are_counted_and_small_counts_blanked() -> None:
    # 7 near the first crossing (one at 1.9 km), 3 near the second, none near the third; 4 just beyond 2 km.
    near = [(0, km, az) for km, az in zip([0.1, 0.5, 1.0, 1.5, 1.9, 0.3, 0.8], range(0, 360, 50), strict=False)]
    near += [(1, 0.2, 10.0), (1, 1.2, 200.0), (1, 1.8, 300.0)]
    beyond = [(0, 2.1, 90.0), (1, 2.3, 0.0), (2, 2.05, 180.0), (2, 3.0, 45.0)]
    planner = planner_routes(_routes(), _events(near + beyond), WINDOW, k=5, band_share=0.1)
    counts = planner.table["events_near"]
    assert counts.iloc[0] == 7 and pd.isna(counts.iloc[1]) and counts.iloc[2] == 0
    rows = route_rows(planner, towns=TOWNS)
    assert [r[-1] for r in rows] == ["7", "<5", "0"]
    assert rows[0][:3] == ["R1", "Gevgelija → Evzonoi", "41.120 N 22.520 E"]
    # With k=3 the second crossing's 3 events are published.
    assert planner_routes(_routes(), _events(near), WINDOW, k=3, band_share=0.1).table["events_near"].iloc[1] == 3
    # Events outside the briefing's period do not count.
    late = _events(near, at=WINDOW.end + timedelta(hours=1))
    assert (planner_routes(_routes(), late, WINDOW, k=2, band_share=0.1).table["events_near"] == 0).all()


@pytest.mark.parametrize(("code", "expected"), [("en", "Gevgelija → Evzonoi"), ("mk", "Гевгелија → Evzonoi"),
                                              ("el", "Gevgelija → Εύζωνοι"), ("sr", "Гевгелија → Evzonoi")])
def test_route_ends_are_the_reader_s_town_names(code: str, expected: str) -> None:
    planner = planner_routes(_routes(), _events([]), WINDOW, k=5, band_share=0.1)
    tr = translator(code)
    assert route_rows(planner, towns=TOWNS, tr=tr)[0][1] == tr.gettext("{start} → {end}").format(
        start=expected.split(" → ")[0], end=expected.split(" → ")[1])
    # No town within 100 km: the ends are positions in words.
    far = TOWNS.assign(lat=[45.0, 45.1], lon=[30.0, 30.1])
    start, end = (describe_place(lat=lat, lon=lon, towns=far, tr=tr) for lat, lon in ((41.17, 22.47), (41.07, 22.57)))
    assert route_rows(planner, towns=far, tr=tr)[0][1] == tr.gettext("{start} → {end}").format(start=start, end=end)
    assert code != "en" or start == "41.17° N 22.47° E, no town within 100 km"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 2), st.one_of(st.floats(0.0, 1.95), st.floats(2.05, 6.0)),
                          st.floats(0.0, 359.9)), max_size=40),
       st.integers(2, 12))
def test_no_count_below_k_reaches_the_page(offsets: list[tuple[int, float, float]], k: int) -> None:
    """Whatever the events, a published count is 0 or at least k, and equals the ellipsoidal count."""
    planner = planner_routes(_routes(), _events(offsets), WINDOW, k=k, band_share=0.1)
    for i, value in enumerate(planner.table["events_near"]):
        truth = sum(1 for which, km, _ in offsets if which == i and km <= NEAR_KM)
        if 0 < truth < k:
            assert pd.isna(value)
        else:
            assert value == truth


def test_events_without_positions_are_refused() -> None:
    index = _events([(0, 0.5, 0.0)])
    frame = index.events.drop(columns=["lat", "lon"])
    with pytest.raises(BriefingError, match="lat/lon"):
        planner_routes(_routes(), EventIndex(frame), WINDOW, k=5, band_share=0.1)


def test_pdf_ends_with_the_planners_page(index) -> None:
    basemap = load_basemap()
    sections = sections_by_length(border_lines(), target_length_km=250.0, towns=basemap.towns)
    assignment = assign_to_sections(index.events["lat"], index.events["lon"], sections, corridor_km=10.0)
    end = index.time_range()[1]
    window = TimeWindow(end - timedelta(days=7), end)
    briefing = build_briefing(index, assignment, sections, window, generated_at=end)
    planner = planner_routes(_routes(), index, window, k=briefing.k, band_share=0.1)
    plain_pdf = PdfReader(io.BytesIO(render_pdf(briefing, basemap)))
    reader = PdfReader(io.BytesIO(render_pdf(briefing, basemap, routes=planner)))
    assert len(reader.pages) == len(plain_pdf.pages) + 1
    last = " ".join(reader.pages[-1].extract_text().split())
    assert "Planners · where a group would cross unseen" in last
    for row in route_rows(planner, towns=basemap.towns):
        assert row[1] in last and row[2] in last and row[-1] in last
    assert f"page {len(reader.pages)} / {len(reader.pages)}" in last


def test_briefing_page_shows_the_routes_and_offers_them_in_the_pack() -> None:
    at = AppTest.from_file(str(ROOT / "dashboard/pages/briefing.py"), default_timeout=240).run()
    assert not at.exception, at.exception
    tables_before = len(at.dataframe)
    at.toggle(key="briefing_routes").set_value(True).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert len(at.dataframe) == tables_before + 1
    table = at.dataframe[-1].value
    assert list(table.columns) == ["Route", "From → to", "Crosses at", "km", "h walk", "unseen", "events"]
    assert list(table["Route"]) == [f"R{i}" for i in range(1, 6)]
    published = [v for v in table["events"] if not v.startswith("<")]
    assert all(int(v.replace(",", "")) == 0 or int(v.replace(",", "")) >= 5 for v in published)
    assert any("Planners" in m.value for m in at.markdown)
    assert len(at.image) >= 1 and at.image[-1].value  # the map the PDF page draws


def test_report_command_appends_the_planners_page(tmp_path: Path, scenario: Scenario,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'pack.sqlite'}"
    store = open_store(db)
    try:
        with store.transaction() as tx:
            insert_events(tx, scenario.events)
        save_sensors(store, sensors_from_frame(scenario.sensors), source="scenario")
    finally:
        store.close()
    out = tmp_path / "pack.pdf"
    day = SCENARIO_END.date()
    assert main(["report", "--from", str(day - timedelta(days=6)), "--to", str(day), "--db", db, "--out", str(out),
                 "--target-km", "250", "--routes"]) == 0
    reader = PdfReader(out)
    assert f"{len(reader.pages)} pages" in capsys.readouterr().out
    last = " ".join(reader.pages[-1].extract_text().split())
    assert "Planners · where a group would cross unseen" in last and "R5" in last
