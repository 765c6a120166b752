"""The languages in the app: the public form in every language with no English left, the control room's
language choice remembered per user in the store (SQLite and PostgreSQL), ``LIMES_LANG``."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cache, state
from dashboard.components.language_choice import LANGUAGE_PREFERENCE
from dashboard.config import settings_from_env
from geo.errors import InputError
from geo.i18n import LANGUAGES, translator
from geo.store import open_store, preference, set_preference
from tests.conftest import ROOT
from tests.stores import store_url  # noqa: F401 - fixture

FORM_TEXTS = ("Report what you saw at the border", "Where did it happen?", "What did you see?", "When?",
              "What happened? (optional)", "Phone or e-mail, if we may contact you (optional)", "Send report")


def _form(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, language: str) -> AppTest:
    monkeypatch.setenv("LIMES_DB", f"sqlite:///{tmp_path / 'form.sqlite'}")
    at = AppTest.from_file(str(ROOT / "report_form.py"), default_timeout=60)
    at.session_state[state.LANGUAGE] = language
    at.run()
    assert not at.exception, at.exception
    return at


def _visible(at: AppTest) -> list[str]:
    return ([t.value for t in at.title] + [r.label for r in at.radio] + [s.label for s in at.selectbox]
            + [t.label for t in at.text_area] + [t.label for t in at.text_input] + [b.label for b in at.button]
            + [c.value for c in at.caption])


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != "en"])
def test_public_form_speaks_each_language_with_no_english_left(monkeypatch, tmp_path, code: str) -> None:
    at = _form(monkeypatch, tmp_path, code)
    shown = _visible(at)
    tr = translator(code)
    for english in FORM_TEXTS:
        assert tr.gettext(english) in shown
        assert english not in shown
    assert not [text for text in shown if text in {"Where did it happen?", "Language", "When?", "Send report"}]
    when = at.selectbox(key=f"{state.WHEN}-0")
    assert when.format_func(when.options[0]) != "Just now" and when.format_func(when.options[0]) == tr.gettext("Just now")


def test_public_form_in_english_by_default(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("LIMES_DB", f"sqlite:///{tmp_path / 'form.sqlite'}")
    at = AppTest.from_file(str(ROOT / "report_form.py"), default_timeout=60).run()
    assert at.title[0].value == "Report what you saw at the border"
    assert at.session_state[state.LANGUAGE] == "en"


def test_a_report_sent_in_greek_lands_with_its_category_code(monkeypatch, tmp_path) -> None:
    at = _form(monkeypatch, tmp_path, "el")
    at.radio(key=state.WHERE).set_value(translator("el").gettext("Type a town or village")).run()
    at.selectbox(key=state.TOWN).set_value("Gevgelija")
    at.selectbox(key=f"{state.CATEGORY}-0").set_value("smuggling")
    at.button[0].click().run()
    assert not at.error
    assert at.success[0].value.startswith("Ευχαριστούμε. Η αναφορά σας (αριθμός ")
    row = cache.current_store().transaction(write=False)
    with row as tx:
        assert tx.fetch("SELECT category, place FROM reports") == [("smuggling", "Gevgelija")]


def test_control_room_language_is_remembered_for_the_user(monkeypatch, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'room.sqlite'}"
    monkeypatch.setenv("LIMES_DB", url)
    monkeypatch.setenv("LIMES_SCENARIO", "off")
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=90).run()
    assert not at.exception, at.exception
    choice = at.selectbox(key=state.LANGUAGE)
    assert choice.value == "en" and choice.options == [language.native_name for language in LANGUAGES.values()]
    choice.set_value("mk").run()
    assert at.sidebar.caption[0].value == "Ситуациона свесност на границата · без интернет"
    store = open_store(url)
    try:
        assert preference(store, user="local", name=LANGUAGE_PREFERENCE) == "mk"
    finally:
        store.close()
    again = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=90).run()  # a new session
    assert again.session_state[state.LANGUAGE] == "mk"
    assert again.sidebar.caption[0].value == translator("mk").gettext("Border situational awareness · offline")


def test_preferences_per_user_and_replaced(store_url: str) -> None:
    store = open_store(store_url)
    try:
        assert preference(store, user="ana", name="language") is None
        set_preference(store, user="ana", name="language", value="el")
        set_preference(store, user="boris", name="language", value="bg")
        set_preference(store, user="ana", name="language", value="sr-Latn")
        assert preference(store, user="ana", name="language") == "sr-Latn"
        assert preference(store, user="boris", name="language") == "bg"
    finally:
        store.close()


def test_limes_lang_sets_the_default_and_refuses_unknown_languages() -> None:
    assert settings_from_env({"LIMES_LANG": "sr_latn"}).language == "sr-Latn"
    assert settings_from_env({}).language == "en"
    with pytest.raises(InputError, match="unknown language 'xx'"):
        settings_from_env({"LIMES_LANG": "xx"})
