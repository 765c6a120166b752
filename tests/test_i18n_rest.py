"""The last English gaps of issue 19: the level rules' evidence in the pack and on the Briefing page, incident signal
labels, town names on the PDF maps, stored codes shown as words (audit log, Data preview), and what ``limes import``,
``limes share`` and ``limes region`` print in ``--lang``."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import h3
import matplotlib
import pandas as pd
import pytest
from matplotlib.figure import Figure
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from dashboard import state
from dashboard.cli import main
from dashboard.plain import plain
from dashboard.terms import term
from geo.briefing import Briefing, assign_to_sections, build_briefing, render_pdf, sections_by_length
from geo.briefing import pdf as pdf_module
from geo.briefing.levels import EVIDENCE_SENTENCES, Rule
from geo.briefing.maps import draw_basemap, set_extent
from geo.i18n import translator
from geo.incidents import event_signal, open_alerts
from geo.incidents import handover as handover_module
from geo.models import EVENT_TYPES, IMPACT_LEVELS
from geo.spatial import Basemap, border_lines, describe_place, load_basemap
from geo.store import open_store
from geo.timewindow import TimeWindow
from geo.trust import AuditEntry, record
from tests.conftest import ROOT, SCENARIO_END
from tests.sharing import GR_TERMS, agreements_toml
from tests.test_importer import IOM_SAMPLE

matplotlib.use("Agg")
EL = translator("el")
MK = translator("mk")


@pytest.fixture(scope="module")
def basemap() -> Basemap:
    return load_basemap()


def _section(index, basemap: Basemap, code: str) -> Briefing:
    sections = sections_by_length(border_lines(), target_length_km=25.0, towns=basemap.towns)
    assignment = assign_to_sections(index.events["lat"], index.events["lon"], sections, corridor_km=10.0)
    return build_briefing(index, assignment, sections, TimeWindow(SCENARIO_END - timedelta(days=7), SCENARIO_END),
                          generated_at=SCENARIO_END, source="bundled scenario", only=("GRC-MKD-07",),
                          tr=translator(code))


def test_an_evidence_sentence_in_greek_has_greek_numbers_and_words() -> None:
    rule = Rule("density", "events_per_10km_day", ">=", 30.0, "high")
    text = rule.explain({"events_per_10km_day": 31.34, "events": 1470}, EL)
    assert text == EL.gettext("{value} events a day per 10 km of border — {level} (from {threshold})").format(
        value="31,3", level=EL.gettext("high"), threshold="30")
    assert "γεγονότα" in text and "υψηλό" in text.lower() and "events" not in text
    rising = Rule("rising", "change_pct", ">=", 50.0, "high", min_events=50)
    assert "1.470" in rising.explain({"change_pct": 80.0, "events": 1470}, EL)  # the locale's thousands separator


def test_the_greek_pack_shows_the_evidence_and_greek_town_names(index, basemap: Basemap, monkeypatch) -> None:
    english, greek = _section(index, basemap, "en"), _section(index, basemap, "el")
    evidence_en, evidence_el = english.sections.iloc[0]["evidence"], greek.sections.iloc[0]["evidence"]
    assert evidence_en == ("90.6 events a day per 10 km of border — high (from 30)",
                           "31 % of the section's cells are hot spots — medium (from 15 %)")
    assert evidence_el == ("90,6 γεγονότα την ημέρα ανά 10 km συνόρων — υψηλό (από 30)",
                           "το 31 % των κελιών του τμήματος είναι θερμά σημεία — μεσαίο (από 15 %)")
    # Town labels are drawn with a halo (path effects): they reach the PDF as outlines, not text. Read them where
    # the pack draws them instead.
    labels: list[str] = []

    def recording(ax, *args, **kwargs) -> None:
        draw_basemap(ax, *args, **kwargs)
        labels.extend(text.get_text() for text in ax.texts)

    monkeypatch.setattr(pdf_module, "draw_basemap", recording)
    page = PdfReader(io.BytesIO(render_pdf(greek, basemap, tr=EL))).pages[1].extract_text().splitlines()
    assert all(f"· {line}" in page for line in evidence_el), page
    assert {"Ειδομένη", "Εύζωνοι", "Πολύκαστρο", "Gevgelija"} <= set(labels)
    assert not {"Idomeni", "Evzonoi", "Polykastro"} & set(labels)


def test_the_map_drawing_gets_each_reader_s_town_names(basemap: Basemap) -> None:
    def labels(language: str) -> set[str]:
        fig = Figure(figsize=(6, 6))
        ax = fig.add_axes((0, 0, 1, 1))
        set_extent(ax, (22.4, 41.05, 22.65, 41.25))
        draw_basemap(ax, basemap, town_rank=1, language=language)
        return {text.get_text() for text in ax.texts}

    assert {"Ειδομένη", "Εύζωνοι", "Gevgelija"} <= labels("el")  # Macedonian towns in Latin for a Greek reader
    assert {"Гевгелија", "Богданци", "Idomeni"} <= labels("mk")
    assert {"Gevgelija", "Idomeni"} <= labels("en")


def test_a_signal_label_in_macedonian(basemap: Basemap) -> None:
    row = pd.Series({"lat": 41.16, "lon": 22.47, "occurred_at": SCENARIO_END, "type": "irregular_crossing",
                     "persons": 3, "source": "test", "event_id": "e1"})
    place = describe_place(lat=41.16, lon=22.47, towns=basemap.towns, tr=MK)
    assert "Гевгелија" in place and place.endswith("од Гевгелија")
    signal = event_signal(row, kind="high_impact", towns=basemap.towns, tr=MK)
    assert signal.label == f"{MK.gettext('Irregular crossing')}, 3 лица, {place}"
    one = event_signal(pd.concat([row.drop("persons"), pd.Series({"persons": 1})]), kind="high_impact",
                       towns=basemap.towns, tr=MK)
    assert ", 1 лице, " in one.label
    english = event_signal(row, kind="high_impact", towns=basemap.towns)
    assert english.label.startswith("Irregular crossing, 3 persons, ") and "Gevgelija" in english.label


def test_the_greek_briefing_page_shows_the_evidence_in_greek() -> None:
    at = AppTest.from_file(str(ROOT / "dashboard" / "pages" / "briefing.py"), default_timeout=120)
    at.session_state[state.LANGUAGE] = "el"
    at.run()
    assert not at.exception, at.exception
    shown = [m.value for m in at.markdown] + [c.value for c in at.caption]
    heading = EL.gettext("**Evidence for the proposal ({level})**").split("(")[0]
    at_heading = next(i for i, text in enumerate(shown) if text.startswith(heading))
    deciding = shown[at_heading + 1]
    # The rule that decided (the markdown escapes its punctuation), one of the rules' sentences in Greek.
    patterns = [".+".join(re.escape(plain(part)) for part in re.split(r"\{\w+\}", EL.gettext(sentence)))
                for sentence in (*EVIDENCE_SENTENCES.values(), "no rule fired ({events} events) — {level}")]
    assert any(re.fullmatch(pattern, deciding) for pattern in patterns), deciding
    assert not any(english in text for text in shown for english in ("events rose", "events a day", "no rule fired",
                                                                       "sensors see", "cells are hot spots"))


def test_the_audit_log_shows_actions_and_outcomes_as_greek_words(isolated_store: str) -> None:
    store = open_store(isolated_store)
    try:
        record(store, AuditEntry("alice", "login", role="operator", client="10.0.0.5"),
               at=datetime.now(timezone.utc) - timedelta(minutes=5))
        record(store, AuditEntry("bob", "access_denied", target="Briefing", outcome="denied", role="operator"),
               at=datetime.now(timezone.utc) - timedelta(minutes=4))
    finally:
        store.close()
    at = AppTest.from_file(str(ROOT / "dashboard" / "pages" / "audit.py"), default_timeout=120)
    at.session_state[state.LANGUAGE] = "el"
    at.run()
    assert not at.exception, at.exception
    log = at.dataframe[0].value
    assert {"σύνδεση", "άρνηση πρόσβασης"} <= set(log["action"]) and not {"login", "access_denied"} & set(log["action"])
    assert {"εκτελέστηκε", "απορρίφθηκε"} <= set(log["outcome"]) and not {"ok", "denied"} & set(log["outcome"])
    actions = at.multiselect(key=state.AUDIT_ACTIONS)
    assert actions.format_func("level_set") == "ορισμός επιπέδου"


def test_the_data_preview_shows_types_and_impact_as_greek_words() -> None:
    at = AppTest.from_file(str(ROOT / "dashboard" / "pages" / "data.py"), default_timeout=120)
    at.session_state[state.LANGUAGE] = "el"
    at.run()
    at.file_uploader(key=state.UPLOAD).upload(IOM_SAMPLE.name, IOM_SAMPLE.read_bytes(), "text/csv").run()
    assert not at.exception, at.exception
    preview = next(df.value for df in at.dataframe if EL.gettext("Type") in df.value.columns)
    types, impacts = set(preview[EL.gettext("Type")]), set(preview[EL.gettext("Impact")])
    assert types and types <= {term(EL, t) for t in EVENT_TYPES} and not types & set(EVENT_TYPES)
    assert impacts <= {term(EL, i) for i in IMPACT_LEVELS} and not impacts & set(IMPACT_LEVELS)
    assert types == {"Άλλο", "Έρευνα και διάσωση"}  # the sample's "other" and "search_and_rescue"


def test_limes_import_prints_in_greek(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    assert main(["import", str(IOM_SAMPLE), "--db", url, "--lang", "el"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith(f"{IOM_SAMPLE.name}: διαβάστηκαν ") and "εγγραφές με αντιστοίχιση «iom»" in lines[0]
    assert lines[1].split() == ["εισήχθησαν", lines[1].split()[1]] and lines[2].split()[0] == "διπλότυπα"
    assert "διαβάστηκαν" in err and "εγγραφές" in err  # the progress line
    assert main(["import", str(IOM_SAMPLE), "--db", url]) == 0  # English without --lang
    assert "rows with mapping 'iom'" in capsys.readouterr().out


def test_limes_share_and_region_print_in_macedonian(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'share.sqlite'}"
    terms = tmp_path / "agreements.toml"
    terms.write_text(agreements_toml("Hellenic Police", GR_TERMS[1:]), encoding="utf-8")
    assert main(["share", "agree", str(terms), "--db", url, "--lang", "mk"]) == 0
    assert capsys.readouterr().out.splitlines() == ["BG: верзија 1"]
    assert main(["share", "agree", str(terms), "--db", url, "--lang", "mk"]) == 0
    assert capsys.readouterr().out.splitlines() == ["BG: непроменет"]
    assert main(["share", "revoke", "BG", "--db", url, "--lang", "mk"]) == 0
    assert capsys.readouterr().out.startswith("BG: договорот е отповикан (верзија 2)")
    out = tmp_path / "hu-rs.toml"
    assert main(["region", "init", "--name", "HU–RS", "--countries", "HUN", "SRB", "--out", str(out),
                 "--lang", "mk"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("HU–RS: 1 гранична линија, ") and "наша страна HUN" in printed, printed


def test_the_handover_s_open_alerts_name_their_place_in_macedonian(index, basemap: Basemap, monkeypatch) -> None:
    cell = h3.str_to_int(h3.latlng_to_cell(41.16, 22.47, 6))
    monkeypatch.setattr(handover_module, "unusual_cells", lambda *args, **kwargs: pd.DataFrame(
        {"observed": [6], "expected": [0.2], "p": [1e-6]}, index=[cell]))
    alerts = open_alerts(index, end=SCENARIO_END, towns=basemap.towns, tr=MK)
    lat, lon = h3.cell_to_latlng(h3.int_to_str(cell))
    assert alerts["where"].tolist() == [describe_place(lat=lat, lon=lon, towns=basemap.towns, tr=MK)]
    assert "Гевгелија" in alerts["where"].iloc[0]
