"""The catalogs against the code (complete, no obsolete message, placeholders and plural forms intact, glossary
terms used), and the locale formats, scripts and language choices against hand-checked answers."""

from __future__ import annotations

import csv
import string
import unicodedata
from datetime import date, datetime, timedelta, timezone

import pytest
from babel.messages.catalog import Catalog
from hypothesis import given
from hypothesis import strategies as st

from geo.errors import InputError
from geo.i18n import LANGUAGES, name_for_reader, negotiate, parse_language, serbian_latin, translator
from geo.i18n.extraction import DRAFT_NOTE, code_messages, read_catalog
from tests.conftest import ROOT

CODE = code_messages(ROOT)
OTHERS = [code for code in LANGUAGES if code != "en"]


def _ids(catalog: Catalog) -> set[str]:
    return {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_code_has_messages_to_translate() -> None:
    assert {"Map", "Report what you saw at the border", "People crossing the border"} <= _ids(CODE)


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_catalog_holds_exactly_the_code_s_messages(code: str) -> None:
    catalog = _ids(read_catalog(code))
    assert sorted(_ids(CODE) - catalog) == [], "missing: run `make catalogs` and translate"
    assert sorted(catalog - _ids(CODE)) == [], "obsolete: run `make catalogs`"


@pytest.mark.parametrize("code", OTHERS)
def test_every_message_is_translated_with_the_same_placeholders_and_plural_forms(code: str) -> None:
    catalog = read_catalog(code)
    assert catalog.header_comment.splitlines()[1] == f"# {DRAFT_NOTE}"
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        if isinstance(message.id, tuple):
            assert len(message.string) == catalog.num_plurals, message.id
            forms = list(message.string)
            assert all(_fields(form) == _fields(message.id[1]) for form in forms), message.id
        else:
            forms = [message.string]
            assert _fields(message.string) == _fields(message.id), message.id
        assert all(form.strip() for form in forms), f"{code}: untranslated {message.id!r}"


def test_serbian_latin_catalog_is_the_cyrillic_one_transliterated() -> None:
    cyrillic = {m.id: m.string for m in read_catalog("sr") if m.id}
    for message in read_catalog("sr-Latn"):
        if message.id:
            expected = cyrillic[message.id]
            expected = tuple(map(serbian_latin, expected)) if isinstance(expected, tuple) else serbian_latin(expected)
            assert message.string == expected


def _plain(text: str) -> str:
    """Lower case without accents: Greek words lose their tonos when inflected (σύνορα, συνοριακής)."""
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))


def _stems(term: str) -> list[str]:
    return [word[:max(4, len(word) - 2)] for word in _plain(term).split() if len(word) > 2]


GLOSSARY = list(csv.DictReader((ROOT / "docs" / "glossary.csv").open(encoding="utf-8")))


def test_glossary_covers_every_language_and_the_domain_s_terms() -> None:
    assert set(GLOSSARY[0]) >= set(LANGUAGES)
    terms = {row["en"] for row in GLOSSARY}
    assert {"irregular crossing", "apprehension", "impact level", "border section", "hot spot", "control room"} <= terms
    assert all(row[code].strip() for row in GLOSSARY for code in LANGUAGES if code != "en")


@pytest.mark.parametrize("code", OTHERS)
def test_glossary_terms_are_used_wherever_the_english_uses_them(code: str) -> None:
    checked = [row for row in GLOSSARY if row["checked"] == "yes"]
    uses = 0
    for message in read_catalog(code):
        if not message.id:
            continue
        english = _plain(" ".join(message.id) if isinstance(message.id, tuple) else message.id)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        for row in checked:
            if f" {_plain(row['en'])} " in f" {english.replace('.', ' ').replace(',', ' ')} ":
                uses += 1
                for form in forms:
                    assert all(stem in _plain(form) for stem in _stems(row[code])), (row["en"], form)
    assert uses >= 8  # border, control room, coverage, briefing, moderator, audit log, smuggled, border police


@pytest.mark.parametrize(("code", "n", "form"), [("mk", 1, "ден."), ("mk", 2, "дена."), ("mk", 11, "дена."),
                                                  ("mk", 21, "ден."), ("el", 1, "ημέρα."), ("el", 5, "ημέρες."),
                                                  ("sq", 1, "dite."), ("sq", 30, "ditësh."), ("bg", 30, "дни.")])
def test_plural_forms_follow_each_language_s_rule(code: str, n: int, form: str) -> None:
    """Macedonian takes the singular for 21 and the plural for 11 (hand-checked against its grammar)."""
    text = translator(code).ngettext("Seen only by the moderators in the control room, deleted after {n} day.",
                                     "Seen only by the moderators in the control room, deleted after {n} days.", n)
    assert text.format(n=n).endswith(f" {n} {form}")


def test_numbers_dates_and_durations_per_locale() -> None:
    assert translator("el").number(1234.5) == "1.234,5"
    assert translator("bg").number(1234.5) == "1\xa0234,5"
    assert translator("en").number(1234.5) == "1,234.5"
    assert translator("mk").percent(0.8) == "80\xa0%"
    assert translator("el").percent(0.8056, decimals=1) == "80,6%"
    assert translator("el").date(date(2026, 11, 30)) == "30 Νοε 2026"
    assert translator("mk").date(date(2026, 11, 30)) == "30 ное. 2026\u202fг."
    assert translator("sr").ago(timedelta(hours=3)) == "пре 3 сата"
    assert translator("sr-Latn").ago(timedelta(hours=3)) == "pre 3 sata"
    assert translator("el").ago(timedelta(minutes=5)) == "πριν από 5 λεπτά"
    assert translator("bg").duration(timedelta(days=7)) == "1 седмица"


def test_times_in_utc_with_the_border_s_local_time_beside_them() -> None:
    winter = datetime(2026, 11, 30, 14, 5, tzinfo=timezone.utc)
    summer = datetime(2026, 7, 1, 14, 5, tzinfo=timezone.utc)
    assert translator("en").utc_and_local(winter, "Europe/Athens") == "Nov 30, 2026, 14:05 UTC (16:05 local time)"
    assert translator("mk").utc_and_local(winter, "Europe/Skopje") == "30 ное. 2026\u202fг., 14:05 UTC (15:05 локално време)"
    assert translator("mk").utc_and_local(summer, "Europe/Skopje").endswith("(16:05 локално време)")


def test_serbian_transliteration_known_words() -> None:
    assert serbian_latin("Љубљана") == "Ljubljana"
    assert serbian_latin("ЊЕГОШ") == "NJEGOŠ"
    assert serbian_latin("Џеп и ђак, Ћуприја") == "Džep i đak, Ćuprija"
    assert serbian_latin("Гевгелија 12 km") == "Gevgelija 12 km"


@given(st.text())
def test_transliteration_leaves_no_serbian_cyrillic_letter(text: str) -> None:
    assert not set(serbian_latin(text)) & set("АБВГДЂЕЖЗИЈКЛЉМНЊОПРСТЋУФХЦЧЏШабвгдђежзијклљмнњопрстћуфхцчџш")


def test_place_names_in_the_reader_s_script_then_local_then_latin() -> None:
    names = {"el": "Γευγελή", "mk": "Гевгелија", "sr": "Ђевђелија"}
    assert name_for_reader(names, "el", local="Гевгелија", latin="Gevgelija") == "Γευγελή"
    assert name_for_reader(names, "sr-Latn", local="Гевгелија", latin="Gevgelija") == "Đevđelija"
    assert name_for_reader(names, "sq", local="Гевгелија", latin="Gevgelija") == "Гевгелија"
    assert name_for_reader({}, "bg", local=None, latin="Gevgelija") == "Gevgelija"


@pytest.mark.parametrize(("tags", "expected"), [(["el-GR"], "el"), (["sr-Latn-RS"], "sr-Latn"), (["sr-RS"], "sr"),
                                                (["de-DE", "mk"], "mk"), (["sq_AL"], "sq"), (["de"], "en"),
                                                ([None, ""], "en")])
def test_browser_languages_are_negotiated(tags: list[str | None], expected: str) -> None:
    assert negotiate(tags) == expected


@given(st.lists(st.one_of(st.none(), st.text(max_size=40)), max_size=5), st.sampled_from(list(LANGUAGES)))
def test_negotiation_of_any_header_gives_a_language_we_speak(tags: list[str | None], fallback: str) -> None:
    assert negotiate(tags, fallback=fallback) in LANGUAGES


@given(st.text(max_size=30).filter(lambda t: t.strip().replace("_", "-").lower()
                                   not in {c.lower() for c in LANGUAGES}))
def test_unknown_languages_are_refused_by_name(text: str) -> None:
    with pytest.raises(InputError, match="unknown language"):
        parse_language(text)


def test_language_codes_in_any_spelling() -> None:
    assert [parse_language(t) for t in ("EL", "sr_latn", " sr-Latn ", "mk")] == ["el", "sr-Latn", "sr-Latn", "mk"]
