"""The desk in every language: the Briefing, Data, Moderation, Audit and Incidents pages through AppTest with no
English left in headers, captions, widget labels and table headers; a briefing pack page in Greek and one in
Macedonian read back with pypdf and rendered by pdftoppm; ``limes report --lang`` and ``LIMES_LANG``."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from dashboard import state
from dashboard.cli import main
from dashboard.plain import plain
from geo.briefing import (
    Briefing,
    assign_to_sections,
    build_briefing,
    change_text,
    count_text,
    level_name,
    period_text,
    render_pdf,
    scope_text,
    sections_by_length,
)
from geo.i18n import LANGUAGES, Translator, translator
from geo.i18n.extraction import read_catalog
from geo.settings import bundled_region
from geo.spatial import Basemap, border_lines, load_basemap, time_zone
from geo.store import insert_events, open_store
from geo.timewindow import TimeWindow
from tests.conftest import ROOT, SCENARIO_END
from tests.test_handover import shift  # noqa: F401 - fixture
from tests.test_importer import IOM_SAMPLE
from tests.test_incident_page import receiver  # noqa: F401 - fixture
from tests.test_moderation_page import _select, seeded  # noqa: F401 - fixture

OTHERS = [code for code in LANGUAGES if code != "en"]
PAGES = ROOT / "dashboard" / "pages"
ENGLISH = {m.id for m in read_catalog("en") if m.id and isinstance(m.id, str)}
"""Every single message of the code, in English."""


def _page(name: str, code: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / name), default_timeout=120)
    at.session_state[state.LANGUAGE] = code
    at.run()
    assert not at.exception, at.exception
    return at


def _headers(at: AppTest) -> list[str]:
    """Every table's column headers as shown: a column_config label where one is set, else the column's name."""
    shown = []
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns or "{}")
        shown += [str(config.get(str(c), {}).get("label") or c) for c in frame.value.columns]
    return shown


def _shown(at: AppTest) -> list[str]:
    """What a user reads: headings, captions, messages, widget labels, metric labels, expanders, tabs, buttons."""
    texts = [e.value for kind in ("markdown", "caption", "header", "subheader", "info", "success", "error", "warning")
             for e in getattr(at, kind)]
    texts += [e.label for kind in ("selectbox", "radio", "text_input", "text_area", "button", "checkbox", "toggle",
                                   "multiselect", "number_input", "slider", "select_slider", "date_input", "metric",
                                   "expander", "tabs") for e in getattr(at, kind)]
    texts += [e.proto.label for kind in ("download_button", "file_uploader") for e in at.get(kind)]
    return texts + _headers(at)


def _no_english(at: AppTest, tr: Translator, *, expected: tuple[str, ...]) -> list[str]:
    """The page shows each of ``expected`` in ``tr``'s language, and no message of the code in English (messages
    that read the same in both languages, such as "km", aside). Returns what was shown."""
    shown = _shown(at)
    for english in expected:
        assert tr.gettext(english) != english, english
        assert tr.gettext(english) in shown, (english, shown)
    left = sorted({text for text in shown if text in ENGLISH and tr.gettext(text) != text})
    assert left == [], left
    return shown


@pytest.mark.parametrize("code", OTHERS)
def test_briefing_page_speaks_each_language(code: str) -> None:
    tr = translator(code)
    at = _page("briefing.py", code)
    _no_english(at, tr, expected=("Briefing period", "Sections and suppression", "Section length (km)",
                                  "Suppress counts below k", "Covered share of each section", "Section", "Level",
                                  "Events", "Persons", "Sections at high or critical", "Change %", "**History**",
                                  "PDF briefing", "CSV hexagons"))
    table = at.dataframe[0].value
    # Coverage not computed: no empty "Covered %"; "Proposed" only once a level was set by hand (another test may)
    assert [c for c in table.columns if c != tr.gettext("Proposed")] == [
        tr.gettext(c) for c in ("Section", "Level", "Events", "Change %", "Persons", "Hot cells %")]
    assert set(table[tr.gettext("Level")]) <= {level_name(lv, tr) for lv in ("low", "medium", "high", "critical")}
    heading = next(m.value for m in at.markdown if m.value.startswith("### "))
    assert plain(bundled_region().title_for(code)) in heading and bundled_region().title not in heading
    local_time = tr.gettext("{utc} UTC ({local} local time)").split("{local}")[1].rstrip(")")
    assert heading.count(plain(local_time)) == 2  # the period's start and end, each in UTC with the border's time
    radio = at.radio(key=state.BRIEFING_WINDOW)
    assert [radio.format_func(o) for o in radio.options] == [tr.gettext(o) for o in radio.options]


@pytest.mark.parametrize("code", OTHERS)
def test_data_page_speaks_each_language(code: str) -> None:
    tr = translator(code)
    at = _page("data.py", code)
    _no_english(at, tr, expected=("Import a file", "Event file", "Quarantine"))
    at.file_uploader(key=state.UPLOAD).upload(IOM_SAMPLE.name, IOM_SAMPLE.read_bytes(), "text/csv").run()
    assert not at.exception, at.exception
    _no_english(at, tr, expected=("Mapping", "Mapping (TOML, editable)", "Import", "Happened (UTC)", "Latitude"))
    mapping = at.selectbox(key=state.MAPPING_CHOICE)
    assert mapping.format_func(mapping.options[0]) == tr.gettext("detect from the columns")


@pytest.mark.parametrize("code", OTHERS)
def test_audit_page_speaks_each_language(code: str) -> None:
    tr = translator(code)
    at = _page("audit.py", code)
    _no_english(at, tr, expected=("Actions", "User", "Since", "Export as CSV", "When (UTC)", "When (local time)",
                                  "Action", "Outcome"))
    since = at.selectbox(key=state.AUDIT_DAYS)
    assert since.format_func(7) == tr.ngettext("last {n} day", "last {n} days", 7).format(n=7)


@pytest.mark.parametrize("code", OTHERS)
def test_moderation_page_speaks_each_language(seeded: list[int], code: str) -> None:  # noqa: F811
    tr = translator(code)
    at = _page("moderation.py", code)
    _select(at, 1)
    assert not at.exception, at.exception
    shown = _no_english(at, tr, expected=("Accept", "Merge into an event", "Reject", "Confidence", "Report",
                                          "Received (UTC)", "Happened (local time)", "What", "Where", "Text"))
    assert tr.ngettext("**{n} new report** waiting, oldest first. Select one to moderate it.",
                       "**{n} new reports** waiting, oldest first. Select one to moderate it.", 4).format(n=4) in shown
    assert [at.radio[0].format_func(c) for c in at.radio[0].options] == [
        tr.gettext(c) for c in ("low", "medium", "high", "confirmed")]


@pytest.mark.parametrize("code", OTHERS)
def test_incidents_page_speaks_each_language(receiver, code: str) -> None:  # noqa: F811
    tr = translator(code)
    at = _page("incidents.py", code)
    make = [b for b in at.button if b.label == tr.gettext("Make incident")]
    assert make, [b.label for b in at.button]
    make[0].click().run()
    assert [s.value for s in at.success] == [plain(tr.gettext("Incident #{id} opened.").format(id=1))]
    _no_english(at, tr, expected=("Show incidents closed in the last 12 hours", "Shift handover",
                                  "Acknowledge", "Remarks for the unit", "Outcome", "Close incident",
                                  "state", "since change", "Priority"))
    queue = at.dataframe[0].value
    assert list(queue.columns)[:4] == [tr.gettext(c) for c in ("incident", "state", "priority", "since change")]
    assert queue[tr.gettext("state")].tolist() == [tr.gettext("new")]


# The briefing pack in Greek and in Macedonian (Cyrillic).

@pytest.fixture(scope="module")
def basemap() -> Basemap:
    return load_basemap()


@pytest.fixture(scope="module")
def one_section(index, basemap: Basemap) -> Briefing:
    sections = sections_by_length(border_lines(), target_length_km=25.0, towns=basemap.towns)
    assignment = assign_to_sections(index.events["lat"], index.events["lon"], sections, corridor_km=10.0)
    window = TimeWindow(SCENARIO_END - timedelta(days=7), SCENARIO_END)
    return build_briefing(index, assignment, sections, window, generated_at=SCENARIO_END, source="bundled scenario",
                          only=("GRC-MKD-07",))


@pytest.mark.parametrize("code", ["el", "mk"])
def test_pack_pages_in_greek_and_cyrillic(one_section: Briefing, basemap: Basemap, code: str, artifacts: Path,
                                          tmp_path: Path) -> None:
    tr = translator(code)
    pdf = render_pdf(one_section, basemap, tr=tr)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    overview = reader.pages[0].extract_text().splitlines()
    section = reader.pages[1].extract_text().splitlines()
    period = period_text(one_section.window, tr, "Europe/Athens")
    row = one_section.sections.iloc[0]
    footer = tr.gettext("Source: {source} · Basemap: Natural Earth (public domain) · counts below k={k} suppressed, "
                        "no individual events · generated {when} by Limes").format(
        source="bundled scenario", k=5, when=tr.utc_and_local(SCENARIO_END, "Europe/Athens"))
    assert tr.gettext("Border briefing · sections and impact levels") in overview
    assert scope_text(one_section, tr) in overview
    assert row["level"] == "high"  # GR–MK 7 · Idomeni, the busiest crossing of the scenario
    assert tr.gettext("Sections by level: {low} low, {medium} medium, {high} high, {critical} critical").format(
        low=0, medium=0, high=1, critical=0) in overview
    assert f"{footer} {tr.gettext('page {page} / {pages}').format(page=1, pages=2)}" in overview
    assert tr.gettext("Section {id} · {pair} · {km} km of border · {period}").format(
        id="GRC-MKD-07", pair="GRC-MKD", km=tr.number(row["length_km"], decimals=1), period=period) in section
    assert " ".join([tr.gettext("Events"), count_text(row["events"], 5, tr), count_text(row["events_prev"], 5, tr)]) \
        in section
    assert level_name(str(row["level"]), tr).upper() in section
    assert " ".join([tr.gettext("Change in events"), change_text(row["change_pct"], tr)]) in section
    assert tr.gettext("Events per day (UTC)") in section
    assert "☐ " + tr.gettext("All medium-level measures, plus reinforced border control measures (Art. 35(1)(c)).") \
        in section
    # The text is set in the embedded DejaVu Sans (matplotlib's, shipped offline), which has the Greek and Cyrillic
    # letters: a missing glyph would have lost the letters above.
    fonts = [font.get_object() for font in reader.pages[0]["/Resources"]["/Font"].values()]
    assert all("DejaVuSans" in str(font["/BaseFont"]) for font in fonts), fonts
    for font in fonts:  # embedded (a TrueType subset in the file), not looked up on the reader's machine
        assert "/FontFile2" in font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm not found: install Debian's poppler-utils")
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    for page in (1, 2):
        subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", "-f", str(page), "-l", str(page), str(path),
                        str(artifacts / f"i18n-pack-{code}-{page}")], check=True, timeout=60)
        image = np.asarray(Image.open(artifacts / f"i18n-pack-{code}-{page}.png").convert("L")).astype(int)
        assert image.shape[1] == pytest.approx(11.69 * 80, abs=2) and image.std() > 30


def test_limes_report_writes_a_greek_pack_and_limes_lang_sets_the_default(tmp_path: Path, scenario, capsys,
                                                                          monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    store = open_store(url)
    insert_events(store, scenario.events)
    store.close()
    args = ["report", "--from", "2026-11-21", "--to", "2026-11-27", "--db", url, "--sections", "GRC-MKD-07"]
    assert main([*args, "--out", str(tmp_path / "el.pdf"), "--lang", "el"]) == 0, capsys.readouterr().err
    el = translator("el")
    text = PdfReader(tmp_path / "el.pdf").pages[0].extract_text().splitlines()
    assert el.gettext("Border briefing · sections and impact levels") in text
    assert capsys.readouterr().out.startswith(_report_line(el))
    monkeypatch.setenv("LIMES_LANG", "bg")
    assert main([*args, "--out", str(tmp_path / "bg.pdf")]) == 0
    bg = translator("bg")
    assert bg.gettext("Border briefing · sections and impact levels") in \
        PdfReader(tmp_path / "bg.pdf").pages[0].extract_text().splitlines()
    assert capsys.readouterr().out.startswith(_report_line(bg))
    assert main([*args, "--out", str(tmp_path / "en.pdf"), "--lang", "en"]) == 0  # --lang wins over LIMES_LANG
    assert "Border briefing · sections and impact levels" in PdfReader(tmp_path / "en.pdf").pages[0].extract_text()


def test_unknown_language_is_refused(tmp_path: Path, capsys) -> None:
    code = main(["report", "--from", "2026-11-21", "--to", "2026-11-27", "--out", str(tmp_path / "x.pdf"),
                 "--lang", "xx"])
    assert code == 2 and "unknown language 'xx'" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def _report_line(tr: Translator) -> str:
    """The start of what ``limes report`` prints for one section on two pages, in ``tr``'s language."""
    template = tr.ngettext("{sections}, {n} page; wrote {files} in {seconds} s",
                           "{sections}, {n} pages; wrote {files} in {seconds} s", 2)
    return template.split("{files}")[0].format(sections=tr.ngettext("{n} section", "{n} sections", 1).format(n=1), n=2)


def test_limes_handover_writes_a_macedonian_handover(shift, tmp_path: Path, capsys) -> None:  # noqa: F811
    _, url, _ = shift
    out = tmp_path / "handover.pdf"
    assert main(["handover", "--from", "2026-11-28T06:00", "--to", "2026-11-28T14:00", "--out", str(out), "--db", url,
                 "--lang", "mk"]) == 0
    mk = translator("mk")
    pages = PdfReader(out).pages
    assert mk.gettext("Shift handover") in pages[0].extract_text().splitlines()
    assert mk.gettext("Still open at handover ({n})").format(n=3) in pages[1].extract_text().splitlines()
    shift_text = mk.gettext("{start} to {end}").format(
        start=mk.utc_and_local(datetime(2026, 11, 28, 6, tzinfo=timezone.utc), "Europe/Athens"),
        end=mk.utc_and_local(datetime(2026, 11, 28, 14, tzinfo=timezone.utc), "Europe/Athens"))
    assert capsys.readouterr().out.startswith(f"предавање {shift_text}: 3 отворени, 1 затворени, 3 сè уште отворени")


def test_the_border_s_time_zone_comes_from_its_country() -> None:
    assert time_zone(("GRC", "BGR")) == "Europe/Athens" and time_zone(("MKD",)) == "Europe/Skopje"
    assert time_zone(("USA", "BGR")) == "Europe/Sofia"  # the first country in a single zone
    assert time_zone(("USA",)) == "UTC" and time_zone(("XXX",)) == "UTC"
