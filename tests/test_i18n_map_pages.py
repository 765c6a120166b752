"""The map and the Coverage planner in every language (AppTest): no English left in headers, legends, captions, widget
labels and options but proper names; town labels, "N km from town" and country names in the reader's script; the
shared live frame and the basemap's label files kept apart per language."""

from __future__ import annotations

import json
import re
from functools import cache

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import state
from geo.i18n import LANGUAGES, script_of, town_name, translator
from geo.settings import bundled_region
from geo.spatial import describe_place, load_towns
from layers.basemap import town_layer
from layers.world import country_name
from tests.conftest import ROOT

OTHERS = [code for code in LANGUAGES if code != "en"]
PAGES = {"map": ROOT / "streamlit_app.py", "coverage": ROOT / "dashboard" / "pages" / "coverage.py"}
PROPER = re.compile(r"^(Limes|S\d+|\d+ km|[^A-Za-z]*)$")
"""Texts that are the same in every language: the product's name, sensor ids, kilometres (``km`` in Greek and Albanian too) and texts without a Latin letter (numbers, symbols, Greek
and Cyrillic: no English in them)."""
AUTONYMS = {language.native_name for language in LANGUAGES.values()}
"""The language menu names each language in its own."""


def _run(page: str, code: str) -> AppTest:
    at = AppTest.from_file(str(PAGES[page]), default_timeout=180)
    at.session_state[state.LANGUAGE] = code
    at.run()
    assert not at.exception, at.exception
    return at


def _words(markdown: str) -> list[str]:
    """The text pieces of a Markdown/HTML block: tags and Markdown marks removed, split at tags and line breaks."""
    text = re.sub(r"<[^>]+>", "\n", markdown)
    return [piece.strip(" #*·") for piece in text.splitlines() if piece.strip(" #*·")]


def _shown(at: AppTest) -> set[str]:
    """Headers, legends, captions, metric labels and every widget's label and options."""
    texts: list[str] = []
    for block in at.markdown:
        if "limes-feeds" in block.value:  # a feed's name is its operator's (outside text), not ours to translate
            texts += _words(re.sub(r"<b>[^<]*</b>", "", block.value))
        elif "modulepreload" not in block.value:
            texts += _words(block.value)
    texts += [c.value for c in at.caption] + [m.label for m in at.metric] + [e.label for e in at.expander]
    texts += [h.value for h in (*at.title, *at.header, *at.subheader)]
    for widget in (*at.radio, *at.selectbox, *at.multiselect, *at.select_slider):
        texts.append(widget.label)
        texts += [str(o) for o in widget.options]  # as shown (AppTest keeps the formatted options)
    for widget in (*at.slider, *at.toggle, *at.checkbox, *at.number_input, *at.text_area, *at.button):
        texts.append(widget.label)
    return {t for t in texts if t}


def _english_like(texts: set[str]) -> set[str]:
    """``texts`` but proper names and texts without English in them."""
    return {t for t in texts if not PROPER.match(t) and t not in AUTONYMS}


@cache
def _english(page: str) -> frozenset[str]:
    return frozenset(_english_like(_shown(_run(page, "en"))))


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("code", OTHERS)
def test_pages_speak_each_language_with_no_english_left(page: str, code: str) -> None:
    at = _run(page, code)
    shown = _shown(at)
    left = sorted(_english_like(shown) & _english(page))
    assert left == [], f"{code}: English left on the {page} page: {left}"
    tr = translator(code)
    must = (["Time window", "Event types", "Filters", "Events", "High / very high impact", "Playback"] if page == "map"
            else ["Colour the corridor by", "Corridor covered", "Seen by sensors", "Gaps by risk", "Viewshed shown"])
    for english in must:
        assert tr.gettext(english) in shown and tr.gettext(english) != english, english
    legend = next(block.value for block in at.markdown if "limes-legend" in block.value)
    assert tr.gettext("EU external border") in legend and "EU external border" not in legend


def test_map_page_in_english_by_default() -> None:
    at = AppTest.from_file(str(PAGES["map"]), default_timeout=180).run()
    assert [m.label for m in at.metric] == ["Events", "Persons", "High / very high impact", "Hexagons with events"]
    assert at.radio(key=state.WINDOW).label == "Time window"


def test_numbers_and_times_follow_the_locale_with_the_border_s_local_time() -> None:
    at = _run("map", "el")
    events = next(m for m in at.metric if m.label == "Περιστατικά")
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*", events.value), events.value  # Greek groups thousands with a dot
    heading = next(b.value for b in at.markdown if b.value.startswith("### "))
    assert heading.startswith(f"### {bundled_region().title_for('el')}  \n")  # the region's Greek title
    # "23 Νοε, 10:16 – 30 Νοε, 10:16 UTC (12:16 – 12:16 τοπική ώρα)": UTC, then Athens time, two hours on in winter
    match = re.search(r"(\d\d):(\d\d) UTC \((\d\d):(\d\d) – \d\d:\d\d τοπική ώρα\)", heading)
    assert match, heading
    assert (int(match[3]) - int(match[1])) % 24 in (2, 3) and match[2] == match[4]


def test_town_labels_and_places_in_the_reader_s_script() -> None:
    towns = load_towns()
    assert town_name(latin="Gevgelija", local="Гевгелија", spoken=("mk",), language="mk") == "Гевгелија"
    assert town_name(latin="Gevgelija", local="Гевгелија", spoken=("mk",), language="sr") == "Гевгелија"  # Cyrillic
    assert town_name(latin="Gevgelija", local="Гевгелија", spoken=("mk",), language="el") == "Gevgelija"  # not Greek
    assert town_name(latin="Idomeni", local="Ειδομένη", spoken=("el",), language="el") == "Ειδομένη"
    assert town_name(latin="Idomeni", local="Ειδομένη", spoken=("el",), language="en") == "Idomeni"
    assert town_name(latin="Nis", local="Ниш", spoken=("sr",), language="sr-Latn") == "Niš"
    greek = {row["name"] for row in town_layer_data("el")}
    macedonian = {row["name"] for row in town_layer_data("mk")}
    assert {"Θεσσαλονίκη", "Πολύκαστρο", "Gevgelija"} <= greek and "Thessaloniki" not in greek
    assert {"Гевгелија", "Струмица", "Thessaloniki"} <= macedonian and "Gevgelija" not in macedonian
    assert {row["name"] for row in town_layer_data("en")} >= {"Gevgelija", "Thessaloniki", "Strumica"}
    assert all(script_of(name) in ("Grek", "Latn") for name in greek)
    # 3 km east of Evzonoi, said in Greek with the Greek name; in Macedonian the Greek town is named in Latin
    assert describe_place(lat=41.100, lon=22.589, towns=towns, tr=translator("el")) == "3 km Α από Εύζωνοι"
    assert describe_place(lat=41.100, lon=22.589, towns=towns, tr=translator("mk")) == "3 км И од Evzonoi"
    assert describe_place(lat=41.100, lon=22.589, towns=towns) == "3 km E of Evzonoi"


@cache
def _base():  # noqa: ANN202 - the basemap, read once
    from geo.spatial import load_basemap

    return load_basemap()


def town_layer_data(code: str) -> list[dict]:
    return town_layer(_base(), code).data


def test_country_names_in_the_reader_s_language() -> None:
    assert country_name("MKD", "North Macedonia", "en") == "North Macedonia"
    assert country_name("GRC", "Greece", "el") == "Ελλάδα"
    assert country_name("BGR", "Bulgaria", "sr") == "Бугарска"
    assert country_name("KOS", "Kosovo", "bg") == "Косово"


def test_label_files_and_live_frames_are_per_language() -> None:
    """Each language's label layers are their own files with their own ?v= digest; the shared frame of one language
    is not served to another (the live map's heading in each language)."""
    urls: dict[str, dict[str, str]] = {}
    for code in ("en", "el", "mk"):
        spec = json.loads(_run("map", code).get("deck_gl_json_chart")[0].proto.json)
        urls[code] = {layer["id"]: layer["data"] for layer in spec["layers"] if isinstance(layer.get("data"), str)}
    for code in ("el", "mk"):
        assert urls[code]["towns"] != urls["en"]["towns"]
        assert f"basemap-{code}-towns.json?v=" in urls[code]["towns"]
        assert urls[code]["borders-eu-external"] == urls["en"]["borders-eu-external"]  # no text: one file for all
    names = {code: (ROOT / "static" / urls[code]["towns"].split("/app/static/")[1].split("?")[0]).read_text("utf-8")
             for code in urls}
    assert "Θεσσαλονίκη" in names["el"] and "Θεσσαλονίκη" not in names["en"] and "Гевгелија" in names["mk"]


def test_coverage_routes_view_in_greek() -> None:
    """The routes view switched on: its table's headers, legend, caption and downloads in Greek, none in English."""
    at = _run("coverage", "el")
    at.toggle(key=state.COV_ROUTES).set_value(True).run()
    assert not at.exception, at.exception
    tr = translator("el")
    (table,) = [frame for frame in at.dataframe if tr.gettext("crosses") in frame.value.columns]
    assert list(table.value.columns)[:3] == [tr.gettext("route"), tr.gettext("what-if"), tr.gettext("crosses")]
    legend = next(block.value for block in at.markdown if "limes-legend" in block.value)
    assert tr.gettext("likely route") in legend and "likely route" not in legend
    assert any(c.value.startswith("Πεζές διαδρομές ελάχιστου κόστους") for c in at.caption)
    labels = {button.proto.label for button in at.get("download_button")}
    assert labels == {"Διαδρομές · GeoJSON", "Διαδρομές · GeoParquet", "Ζώνη · GeoJSON"}
    assert not _english_like(_shown(at)) & _english("coverage")


def test_one_shared_live_frame_per_language_and_second() -> None:
    """Sessions reading the same language share one frame a second; another language gets its own."""
    from datetime import datetime, timezone

    from dashboard import cache
    from dashboard.components.filters import ViewChoice
    from dashboard.components.live_frame import shared_frame
    from geo.models import EVENT_TYPES

    index = cache.event_index()
    start = cache.data_span(index)[0]
    choice = ViewChoice(window_name="Last 7 days", custom=None, types=tuple(EVENT_TYPES), res=6)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    frames = {code: shared_frame(index, choice, start, now=now, sees_events=True, with_units=False, fit_to_data=False,
                                 replayed=None, tr=translator(code)) for code in ("en", "el", "sr")}
    assert [frames[code].kpis[0].label for code in frames] == ["Events", "Περιστατικά", "Догађаји"]
    assert "τοπική ώρα" in frames["el"].heading and "local time" in frames["en"].heading
    # Serbian dates start with the day ("23. нов"): escaped, or Markdown would draw list item 23
    assert re.search(r"\n\d+\\\. \w", frames["sr"].heading) and not re.search(r"\n\d+\. ", frames["sr"].heading)
    assert shared_frame(index, choice, start, now=now, sees_events=True, with_units=False, fit_to_data=False,
                        replayed=None, tr=translator("el")) is frames["el"]


@pytest.mark.parametrize("code", ["el", "sr"])
def test_analysis_modes_and_drill_down_in_the_reader_s_language(code: str) -> None:
    """Hot spots, emerging hot spots and a clicked hexagon: legends, panels, tables' headers in ``code``, no English
    of the same views left."""
    tr = translator(code)

    def views(language: str) -> tuple[set[str], AppTest]:
        at = _run("map", language)
        spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
        busiest = max(next(layer for layer in spec["layers"] if layer["id"] == "hexagons")["data"],
                      key=lambda row: row["value"])
        at.session_state[state.MAP] = {"selection": {"objects": {"hexagons": [busiest]}}}
        shown = _shown(at.run())
        headers = set()  # as shown: a column's label where the page gives one, else its name
        for frame in at.dataframe:
            labels = json.loads(frame.proto.columns or "{}")
            headers |= {labels.get(str(c), {}).get("label") or str(c) for c in frame.value.columns}
        for table in at.table:
            headers |= {str(c) for c in table.value.columns}
        for mode in ("Hot spots (Gi*)", "Emerging hot spots"):
            at.radio(key=state.COLOUR_BY).set_value(mode).run()
            assert not at.exception, at.exception
            shown |= _shown(at)
        return shown | headers, at

    english, _ = views("en")
    shown, at = views(code)
    assert sorted(_english_like(shown) & _english_like(english)) == []
    legend = next(block.value for block in at.markdown if "limes-legend" in block.value)
    assert tr.gettext("Emerging hot spots: {steps} to {end} (res {res}, k {k})").split(":")[0] in legend
    assert {tr.gettext("type"), tr.gettext("When (UTC)")} <= shown
