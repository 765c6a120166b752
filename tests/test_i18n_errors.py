"""Errors and quarantine reasons in the reader's language: ``describe(exc, tr)`` against the catalogs, field values
that are never read as templates, the Data page in Greek and Macedonian, ``limes import --lang mk`` (one real
error of every module of the core: ``tests/test_i18n_core_errors.py``)."""

from __future__ import annotations

import html
import pickle
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from hypothesis import given
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from dashboard import state
from geo.errors import (
    ImportFileError,
    MappingError,
    Message,
    SensorError,
    StoreError,
    describe,
    joined,
    msg,
)
from geo.i18n import LANGUAGES, translator
from geo.i18n.extraction import read_catalog
from geo.ingest import REASONS, preview_file
from tests.conftest import ROOT
from tests.test_importer import IOM_SAMPLE

EMPTY = "{name} is empty"
SENSOR_RANGE = "sensor {sensor_id}: lat/lon out of range: ({lat}, {lon})"
"""Every field inside the line in every language: describe() strips only a line's ends."""


@lru_cache(maxsize=None)
def _catalog(code: str) -> Catalog:
    return read_catalog(code)


def _msgstr(code: str, message: str) -> str:
    """The catalog's translation of ``message``, read from the ``.po`` file (not through the code under test)."""
    found = _catalog(code).get(message)
    assert found is not None and found.string and found.string != message, (code, message)
    return found.string


def test_describe_fills_the_fields_into_the_translated_template_and_str_stays_english() -> None:
    exc = ImportFileError(msg(EMPTY, name="events.csv"))
    exc.add_note(msg("{name} is not a readable CSV: {exc}", name="events.csv", exc="line 3"))
    exc.add_note("an English note stays English")
    assert str(exc) == "events.csv is empty"
    assert describe(exc) == ("events.csv is empty — events.csv is not a readable CSV: line 3 — "
                             "an English note stays English")
    for code in ("el", "mk", "sr-Latn"):
        expected = " — ".join([_msgstr(code, EMPTY).format(name="events.csv"),
                               _msgstr(code, "{name} is not a readable CSV: {exc}").format(name="events.csv",
                                                                                          exc="line 3"),
                               "an English note stays English"])
        assert describe(exc, translator(code)) == expected
    assert describe(exc, translator("en")) == describe(exc)


def test_format_specs_survive_translation_and_pickling() -> None:
    exc = StoreError(msg("the store at {url} has schema version {current}, newer than this release "
                         "({schema_version}); upgrade Limes", url="sqlite:///x", current=9, schema_version=8),
                     url="sqlite:///x", dialect="sqlite")
    again = pickle.loads(pickle.dumps(exc))
    assert isinstance(again.args[0], Message) and (again.url, again.dialect) == ("sqlite:///x", "sqlite")
    assert describe(again, translator("bg")) == describe(exc, translator("bg")) != str(exc)
    big = msg("{base} is {mb:.1f} MB; at most {max_mb:.0f} MB are accepted", base="a.csv", mb=412.345, max_mb=200)
    assert big == "a.csv is 412.3 MB; at most 200 MB are accepted"
    assert "412.3" in big.translated(translator("el")) and "200" in big.translated(translator("el"))


def test_a_translation_whose_fields_do_not_fit_falls_back_to_english() -> None:
    class Broken:
        def gettext(self, message: str) -> str:
            return "{unknown_field} {0}"

    assert describe(ImportFileError(msg(EMPTY, name="x.csv")), Broken()) == "x.csv is empty"


OUTSIDE_TEXT = st.text(st.characters(blacklist_categories=("Cs",),
                                     blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"), max_size=40)
"""Any text a file or a feed may carry on one line, braces, ``%``, Markdown and HTML included."""


@given(sensor_id=OUTSIDE_TEXT | st.sampled_from(["{0}", "{lat}", "{}", "%s %(x)d", "<b>*x*</b>", "}{", "{{"]),
       lat=OUTSIDE_TEXT, lon=OUTSIDE_TEXT, code=st.sampled_from(list(LANGUAGES)))
def test_field_values_are_never_read_as_templates(sensor_id: str, lat: str, lon: str, code: str) -> None:
    exc = SensorError(msg(SENSOR_RANGE, sensor_id=sensor_id, lat=lat, lon=lon))
    text = describe(exc, translator(code))
    assert all(value in text for value in (sensor_id, lat, lon))
    assert str(exc) == f"sensor {sensor_id}: lat/lon out of range: ({lat}, {lon})"
    if code != "en":
        assert text == _msgstr(code, SENSOR_RANGE).format(sensor_id=sensor_id, lat=lat, lon=lon)


def _data_page(language: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard" / "pages" / "data.py"), default_timeout=60)
    at.session_state[state.LANGUAGE] = language
    at.run()
    assert not at.exception, at.exception
    return at


def test_data_page_shows_a_refused_file_s_error_in_greek(tmp_path: Path) -> None:
    at = _data_page("el")
    at.file_uploader(key="upload").upload("odd.csv", b"when,where\n2026-01-01,Idomeni\n", "text/csv").run()
    assert not at.exception, at.exception
    odd = tmp_path / "odd.csv"
    odd.write_bytes(b"when,where\n2026-01-01,Idomeni\n")
    with pytest.raises(MappingError) as raised:
        preview_file(odd)
    greek = describe(raised.value, translator("el"))
    assert greek != describe(raised.value) and greek.startswith(_msgstr("el", "mapping {name!r} finds no column for "
                                                                              "{missing} (looked for {looked}); the "
                                                                              "file's columns are {columns}")[:15])
    assert [html.unescape(e.value) for e in at.error] == [greek]
    at.file_uploader(key="upload").upload("empty.csv", b"", "text/csv").run()
    el = translator("el")
    assert [html.unescape(e.value) for e in at.error] == [
        el.gettext("{reason}. Nothing was imported.").format(reason=_msgstr("el", "{base} is empty").format(
            base="empty.csv"))]


@pytest.mark.parametrize("code", ["el", "mk"])
def test_a_missing_position_is_named_in_the_reader_s_language(code: str, tmp_path: Path) -> None:
    """The mapping error's "lat/lon (or coordinates)" stayed English inside the translated sentence."""
    odd = tmp_path / "odd.csv"
    odd.write_bytes(b"when,where\n2026-01-01,Idomeni\n")
    with pytest.raises(MappingError) as raised:
        preview_file(odd)
    assert "no column for occurred_at, lat/lon (or coordinates) (looked for" in str(raised.value)  # English
    told = describe(raised.value, translator(code))
    sentence = _msgstr(code, "mapping {name!r} finds no column for {missing} (looked for {looked}); the file's "
                             "columns are {columns}")
    missing = f"occurred_at, {_msgstr(code, 'lat/lon (or coordinates)')} ("
    assert told.startswith(sentence.split("{missing}")[0].format(name="generic") + missing)
    assert "(or " not in told and " or " not in told


def test_a_joined_field_translates_its_messages_and_keeps_its_texts() -> None:
    field = joined(["occurred_at", msg("lat/lon (or coordinates)"), "{type}"])
    assert str(field) == "occurred_at, lat/lon (or coordinates), {type}"  # a text part is never read as a template
    assert field.translated(translator("bg")) == f"occurred_at, {_msgstr('bg', 'lat/lon (or coordinates)')}, {{type}}"
    with pytest.raises(ValueError, match="one part"):
        joined([])


def test_data_page_explains_quarantine_reasons_in_macedonian(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LIMES_DB", f"sqlite:///{tmp_path / 'mk.sqlite'}")  # its own store: the sample stays new elsewhere
    at = _data_page("mk")
    at.file_uploader(key="upload").upload(IOM_SAMPLE.name, IOM_SAMPLE.read_bytes(), "text/csv").run()
    at.button(key="do_import").click().run()
    assert not at.exception, at.exception
    mk = translator("mk")
    meaning = _msgstr("mk", REASONS["bad_persons"])
    report = next(frame.value for frame in at.dataframe if mk.gettext("Meaning") in frame.value.columns
                  and mk.gettext("Rows") in frame.value.columns)
    assert report[mk.gettext("Meaning")].tolist() == [meaning]
    at.selectbox(key="quarantine_reason").set_value("bad_persons").run()
    rows = at.dataframe[-1].value
    assert set(rows[mk.gettext("Meaning")]) == {meaning} and set(rows[mk.gettext("Reason")]) == {"bad_persons"}


def _limes(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_limes_import_lang_mk_prints_the_macedonian_error_with_the_same_exit_code(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    english = _limes("import", str(empty), "--db", db)
    macedonian = _limes("import", str(empty), "--db", db, "--lang", "mk")
    assert english.returncode == macedonian.returncode == 2
    assert english.stderr == "limes: empty.csv is empty\n"
    assert macedonian.stderr == f"limes: {_msgstr('mk', EMPTY).format(name='empty.csv')}\n"
    unknown = _limes("import", str(empty), "--db", db, "--lang", "xx")  # no language to tell it in: English
    assert (unknown.returncode, unknown.stderr) == (2, english.stderr)


def test_limes_poll_lang_mk_tells_a_wrong_feed_url_in_macedonian(tmp_path: Path) -> None:
    result = _limes("poll", "--url", "ftp://x", "--name", "x", "--db", f"sqlite:///{tmp_path / 'cli.sqlite'}",
                    "--lang", "mk")
    template = "feed {feed!r}: url must start with http:// or https://; got {url!r}"
    assert (result.returncode, result.stderr) == (2, f"limes: {_msgstr('mk', template).format(feed='x', url='ftp://x')}\n")


def test_limes_import_lang_mk_explains_the_quarantine_reasons_in_macedonian(tmp_path: Path) -> None:
    result = _limes("import", str(IOM_SAMPLE), "--mapping", "iom", "--db", f"sqlite:///{tmp_path / 'cli.sqlite'}",
                    "--lang", "mk")
    assert result.returncode == 0, result.stderr
    reason_line = next(line for line in result.stdout.splitlines() if "bad_persons" in line)
    assert reason_line.endswith(_msgstr("mk", REASONS["bad_persons"]))
    assert REASONS["bad_persons"] not in result.stdout
