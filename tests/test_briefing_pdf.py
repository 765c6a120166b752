"""The briefing pack: the PDF's pages, names and figures as text, pages rendered by pdftoppm, the PNG map, `limes report`."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from dashboard.cli import main
from geo.briefing import (
    LEVEL_COLOURS,
    Briefing,
    assign_to_sections,
    build_briefing,
    render_map_png,
    render_pdf,
    sections_by_length,
)
from geo.spatial import Basemap, border_lines, load_basemap
from geo.store import insert_events, open_store
from geo.timewindow import TimeWindow
from geo.trust import read_log
from tests.conftest import SCENARIO_END


@pytest.fixture(scope="module")
def basemap() -> Basemap:
    return load_basemap()


@pytest.fixture(scope="module")
def briefing(index, basemap: Basemap) -> Briefing:
    sections = sections_by_length(border_lines(), target_length_km=25.0, towns=basemap.towns)
    assignment = assign_to_sections(index.events["lat"], index.events["lon"], sections, corridor_km=10.0)
    window = TimeWindow(SCENARIO_END - timedelta(days=7), SCENARIO_END)
    return build_briefing(index, assignment, sections, window, generated_at=SCENARIO_END,
                          set_levels={"BGR-MKD-04": "critical"}, source="bundled scenario")


@pytest.fixture(scope="module")
def pdf(briefing: Briefing, basemap: Basemap) -> bytes:
    return render_pdf(briefing, basemap)


def _text(page) -> str:
    return " ".join(page.extract_text().split())


def test_pdf_has_an_overview_and_one_page_per_section(pdf: bytes, briefing: Briefing) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1 + len(briefing.sections) == 16
    overview = _text(reader.pages[0])
    events = briefing.kpis[0]
    assert f"{events.value:,}" in overview and "Border briefing" in overview
    for name in briefing.sections["name"]:
        assert name in overview
    assert "generated Nov 28, 2026, 12:37 UTC (14:37 local time)" in overview and "Source: bundled scenario" in overview
    assert "counts below k=5 suppressed" in overview


def test_each_section_page_shows_its_figures_level_and_evidence(pdf: bytes, briefing: Briefing) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    for number, row in enumerate(briefing.sections.itertuples(), start=2):
        text = _text(reader.pages[number - 1])
        assert text.startswith(row.name) or row.name in text
        assert f"{row.length_km:.1f} km" in text
        assert (f"{int(row.events):,}" if row.events is not None and row.events == row.events else "<5") in text
        assert row.level.upper() in text
        assert ("set by an operator" if row.level_set else "proposed by the rules") in text
        assert f"page {number} / 16" in text
        assert " ".join(row.evidence[0].split()) in text
    critical = _text(reader.pages[1 + list(briefing.sections["section_id"]).index("BGR-MKD-04")])
    assert "CRITICAL set by an operator" in critical and "Commission" in critical


def test_rendered_pages_look_right(pdf: bytes, briefing: Briefing, artifacts: Path, tmp_path: Path) -> None:
    """pdftoppm (poppler) rasterises pages 1, 2 and the last; the PNGs stay in artifacts/ to look at."""
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm not found: install Debian's poppler-utils")
    path = tmp_path / "briefing.pdf"
    path.write_bytes(pdf)
    for page in (1, 2, 16):
        subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", "-f", str(page), "-l", str(page), str(path),
                        str(artifacts / f"briefing-page-{page}")], check=True, timeout=60)
    overview = np.asarray(Image.open(artifacts / "briefing-page-1.png").convert("RGB")).astype(int)
    assert overview.shape[1] == pytest.approx(11.69 * 80, abs=2)  # A4 landscape
    for level in ("low", "high"):
        rgb = np.array([int(LEVEL_COLOURS[level][i:i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(overview - rgb).sum(axis=2) < 30).sum() > 200, level  # sections and table chips in colour
    section = np.asarray(Image.open(artifacts / "briefing-page-2.png").convert("RGB")).astype(int)
    assert section.std() > 30  # a map, a chart and tables, not an empty page


def test_png_map(briefing: Briefing, basemap: Basemap, artifacts: Path) -> None:
    png = render_map_png(briefing, basemap)
    (artifacts / "briefing-map.png").write_bytes(png)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1500, 1125)


def test_limes_report_writes_the_pack(tmp_path: Path, scenario, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    store = open_store(url)
    insert_events(store, scenario.events)
    store.close()
    out = tmp_path / "pack.pdf"
    code = main(["report", "--from", "2026-11-21", "--to", "2026-11-27", "--db", url, "--out", str(out),
                 "--sections", "GRC-MKD-07", "BG–MK 1 · Novo Selo", "--csv", str(tmp_path / "s.csv")])
    assert code == 0, capsys.readouterr().err
    reader = PdfReader(out)
    assert len(reader.pages) == 3
    assert ("Nov 21, 2026, 00:00 UTC (02:00 local time) to Nov 28, 2026, 00:00 UTC (02:00 local time)"
            in _text(reader.pages[0]))
    assert "GR–MK 7 · Idomeni" in _text(reader.pages[0])
    assert "2 sections, 3 pages" in capsys.readouterr().out
    assert (tmp_path / "s.csv").read_text().count("\n") == 3
    # What leaves the room is audited as the pages' downloads are: who (the shell user), what, which files.
    store = open_store(url)
    log = read_log(store, actions=("export",))
    store.close()
    assert len(log) == 1 and log["actor"].iloc[0].startswith("cli:") and log["client"].iloc[0] == "cli"
    assert log["target"].iloc[0] == "pack.pdf"
    assert log["detail"].iloc[0] == "briefing pack 2026-11-21 to 2026-11-27, k=5: pack.pdf, s.csv"


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "2026-11-27", "--to", "2026-11-21"], "before it starts"),
    (["--from", "2026-13-01", "--to", "2026-11-21"], "YYYY-MM-DD"),
    (["--from", "2026-11-21", "--to", "2026-11-27", "--sections", "NOPE"], "unknown section"),
    (["--from", "2020-01-01", "--to", "2020-01-07"], "no events between"),
])
def test_limes_report_refuses_bad_input_without_a_traceback(tmp_path: Path, scenario, capsys, args, message) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    store = open_store(url)
    insert_events(store, scenario.events.head(2000) if "2020-01-01" in args else scenario.events.tail(3000))
    store.close()
    assert main(["report", *args, "--db", url, "--out", str(tmp_path / "x.pdf")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "x.pdf").exists()
