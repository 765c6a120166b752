"""The Briefing page through Streamlit's AppTest: KPIs, the section table, the map spec, setting a level."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from dashboard import cache
from geo.briefing import SectionSource, build_briefing, level_history
from geo.timewindow import preset_window
from layers.deck import OFFLINE_STYLE_URL
from layers.sections import level_rgba
from tests.conftest import ROOT

PAGE = "dashboard/pages/briefing.py"


@pytest.fixture(scope="module")
def app() -> AppTest:
    # The page on its own: the app frame's navigation (and, with issue 8, its sign-in) is tested elsewhere.
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=90).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def _spec(at: AppTest) -> dict:
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.json)


def _expected():
    index = cache.event_index()
    sections = cache.border_sections(SectionSource())
    assignment = cache.section_assignment(index, source=SectionSource(), corridor_km=10.0)
    window = preset_window("Last 7 days", now=datetime.now(timezone.utc))
    return build_briefing(index, assignment, sections, window, generated_at=window.end)


def test_kpis_and_section_table_match_the_briefing(app: AppTest) -> None:
    expected = _expected()
    metrics = {m.label: m for m in app.metric}
    assert set(metrics) == {"Events", "Persons", "High / very high impact", "Sections at high or critical"}
    # The app's clock ran a moment before ours: allow the events of that moment.
    assert abs(int(metrics["Events"].value.replace(",", "")) - expected.kpis[0].value) <= 5
    assert metrics["Events"].delta.endswith("%")
    table = app.dataframe[0].value
    assert len(table) == 15
    assert set(table["Section"]) == set(expected.sections["name"])
    ranks = table["Level"].map({"low": 0, "medium": 1, "high": 2, "critical": 3})
    assert ranks.is_monotonic_decreasing  # highest level first
    assert int(metrics["Sections at high or critical"].value.split()[0]) == int((ranks >= 2).sum())


def test_map_shows_sections_coloured_by_level_offline(app: AppTest) -> None:
    spec = _spec(app)
    assert spec["mapStyle"] == OFFLINE_STYLE_URL
    ids = [layer["id"] for layer in spec["layers"]]
    assert ids.index("briefing-hexagons") < ids.index("borders-eu-external") < ids.index("sections")
    sections = next(layer for layer in spec["layers"] if layer["id"] == "sections")
    assert sections["@@type"] == "PathLayer"
    assert {key for row in sections["data"] for key in row} == {"path", "name", "level", "colour", "width"}
    for row in sections["data"]:
        assert row["colour"] == level_rgba(row["level"])
    table = app.dataframe[0].value
    shown = {row["name"]: row["level"] for row in sections["data"]}
    assert dict(zip(table["Section"], table["Level"])) == shown
    hexes = next(layer for layer in spec["layers"] if layer["id"] == "briefing-hexagons")
    assert all(row["value"] >= 5 for row in hexes["data"])  # suppressed like the exports
    import h3

    for layer in (layer for layer in spec["layers"] if layer["id"].startswith("briefing-hexagons")):
        assert all(row["value"] >= 5 for row in layer["data"])  # merged parents too
        assert len({h3.get_resolution(row["hex"]) for row in layer["data"]}) <= 1  # one resolution a layer


def test_setting_a_level_needs_a_comment_and_lands_in_the_history(app: AppTest) -> None:
    app.selectbox(key="briefing_section").set_value(app.selectbox(key="briefing_section").options[-1]).run()
    name = app.selectbox(key="briefing_section").value
    section_id = dict(zip(_expected().sections["name"], _expected().sections["section_id"]))[name]
    app.selectbox(key="level_choice").set_value("critical")
    submit = next(b for b in app.button if b.label == "Record level")
    submit.click().run()
    assert any("comment" in e.value for e in app.error)
    assert level_history(cache.current_store(), section_id=section_id).empty
    app.selectbox(key="level_choice").set_value("critical")
    app.text_area(key="level_comment").input("mass arrival reported by the partner agency")
    next(b for b in app.button if b.label == "Record level").click().run()
    assert not app.exception
    history = level_history(cache.current_store(), section_id=section_id)
    # Recorded under the signed-in identity (the local user here), never a typed-in name; and audited.
    assert list(history["level"]) == ["critical"] and history["set_by"].iloc[0] == "local"
    from geo.trust import read_log

    audited = read_log(cache.current_store(), actions=("level_set",), actor="local")
    assert audited["target"].iloc[0] == section_id and "-> critical" in audited["detail"].iloc[0]
    table = app.dataframe[0].value
    assert table.iloc[0]["Section"] == name and table.iloc[0]["Level"] == "critical"
    assert any("- [ ] The Agency notifies the Commission" in m.value for m in app.markdown)  # the critical checklist
    assert "critical" in set(app.dataframe[-1].value["Level"])


def test_downloads_are_offered(app: AppTest) -> None:
    labels = {b.label for b in app.get("download_button")}
    assert labels == {"PDF briefing", "PNG map", "CSV sections", "GeoJSON sections", "GeoParquet sections",
                      "CSV hexagons"}


def test_covered_share_from_the_coverage_planner(app: AppTest) -> None:
    """With the toggle on, each section's "Covered %" is the share of its corridor cells the planner counts covered."""
    from geo.briefing import section_coverage
    from geo.coverage import CoverageParams

    app.toggle(key="briefing_coverage").set_value(True).run()
    assert not app.exception, app.exception
    table = app.dataframe[0].value
    # A section without corridor cells reads "—": the column is text then (a missing value would read "None").
    known = {name: float(v) for name, v in zip(table["Section"], table["Covered %"]) if v != "—"}
    assert len(known) >= 10
    minute = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    covered = cache.coverage_assessment(CoverageParams(), cache.stored_sensors(), minute).coverage["covered"]
    sections = cache.border_sections(SectionSource())
    shares = section_coverage(covered, sections, corridor_km=10.0)
    expected = {name: round(100 * shares[sid]) for sid, name in zip(sections["section_id"], sections["name"])
                if sid in shares}
    agree = sum(abs(known[name] - value) <= 1 for name, value in expected.items() if name in known)
    assert agree >= len(expected) - 1  # the minute may turn between the page's run and ours
    app.toggle(key="briefing_coverage").set_value(False).run()


def test_persons_are_dashed_where_the_events_are(app: AppTest) -> None:
    """With a large k most sections' events read "—" on the page; their persons must too (they did: 81, 145)."""
    app.number_input(key="briefing_k").set_value(50).run()
    assert not app.exception, app.exception
    table = app.dataframe[0].value
    dashed = table["Events"] == "—"
    assert dashed.sum() >= 3 and (~dashed).sum() >= 3
    assert (table.loc[dashed, "Persons"] == "—").all(), table.loc[dashed, ["Section", "Events", "Persons"]]
    assert (table.loc[~dashed, "Persons"] != "—").all()
    app.number_input(key="briefing_k").set_value(5).run()


def _bars_under(at: AppTest, heading: str) -> tuple[pd.Series, bool]:
    """The events of the daily bars in the column headed ``heading`` as the browser receives them (NaN: withheld;
    empty where the column says "Nothing to chart" instead), and whether any day is withheld."""
    column = next(c for c in at.columns if any(m.value == heading for m in c.markdown))
    charts = column.get("arrow_vega_lite_chart") or column.get("vega_lite_chart")
    if not charts:
        sentence = next(c.value for c in column.caption if c.value.startswith("Nothing to chart"))
        return pd.Series(dtype=float), "withheld" in sentence
    events = convert_arrow_bytes_to_pandas_df(charts[0].proto.datasets[0].data.data)["events"].astype(float)
    return events, bool(events.isna().any())


@pytest.mark.parametrize(("period", "k"), [("Last 7 days", 5), ("Last 24 h", 50), ("Last 30 days", 20)])
def test_no_section_s_bars_give_back_a_withheld_day(app: AppTest, period: str, k: int) -> None:
    """Each section's daily bars beside its events in the table, and the corridors' bars beside the headline:
    the total minus the bars drawn is 0 or at least k, so no withheld day comes back (a lone 1 did, 59 - 58)."""
    app.radio(key="briefing_window").set_value(period)
    app.number_input(key="briefing_k").set_value(k).run()
    assert not app.exception, app.exception
    table = app.dataframe[0].value.set_index("Section")
    headline = next(m for m in app.metric if m.label == "Events").value
    corridor, _ = _bars_under(app, "**Events per day in the sections' corridors**")
    if not headline.startswith("<"):  # "<k": the headline itself withheld
        gap = int(headline.replace(",", "")) - corridor.sum()
        assert gap == 0 or gap >= k, (int(headline.replace(",", "")), corridor.tolist())
    withheld = 0
    for name in app.selectbox(key="briefing_section").options:
        app.selectbox(key="briefing_section").set_value(name).run()
        assert not app.exception, app.exception
        events = table.loc[name, "Events"]
        bars, hidden = _bars_under(app, f"**Events per day · {name}**")
        withheld += hidden
        if events != "—":
            gap = int(events) - bars.sum()
            assert gap == 0 or gap >= k, (name, int(events), bars.tolist())
    assert withheld > 0  # sections with something to withhold
    app.radio(key="briefing_window").set_value("Last 7 days")
    app.number_input(key="briefing_k").set_value(5).run()
