"""Tables at a glance: times in the reader's language without English month names (known formats per locale)."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import state
from dashboard.components.tables import moment_format, when_format
from geo.i18n import LANGUAGES

MONTHS_EN = re.compile(r"Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec", re.IGNORECASE)


# --- Times ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("locale", "short", "expected"), [
    ("en", False, "D MMM YYYY, HH:mm"), ("en", True, "D MMM HH:mm"),
    ("mk", True, "D.M, HH:mm"), ("el", True, "D/M, HH:mm"), ("sr", True, "D. M. HH:mm"),
    ("mk", False, "D.M.YYYY\u202f[г]., HH:mm"), ("bg", False, "D.MM.YYYY\u202f[г]., HH:mm [ч]."),
])
def test_table_times_per_locale(locale: str, short: bool, expected: str) -> None:
    assert when_format(locale, short=short) == expected


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != "en"])
def test_no_month_names_outside_english(code: str) -> None:
    """moment.js in the browser names months in English only: other languages get the month as a number, and no
    letter outside a bracketed literal is anything but a numeric moment.js token."""
    for short in (False, True):
        fmt = when_format(LANGUAGES[code].locale, short=short)
        assert "MMM" not in fmt
        assert set(re.sub(r"\[[^\]]*\]", "", fmt)) & set("abcefghijklnopqrstuvwxzABCEFGIJKLNOPQRSTUVWXZ") == set()


def test_cldr_patterns_become_moment_formats() -> None:
    assert moment_format("d.M.y 'г'.") == "D.M.YYYY [г]."
    assert moment_format("dd/MM HH:mm 'o''clock'") == "DD/MM HH:mm [o'clock]"
    with pytest.raises(ValueError, match="MMM"):
        moment_format("d MMM")  # moment.js would name the month in English


def _times_app() -> None:
    import pandas as pd
    import streamlit as st

    from dashboard.components.tables import when_column

    st.dataframe(pd.DataFrame({"When (UTC)": pd.to_datetime(["2026-11-30 03:00"], utc=True)}),
                 column_config={"When (UTC)": when_column("When (UTC)", short=True)})


@pytest.mark.parametrize(("code", "expected"), [("mk", "D.M, HH:mm"), ("el", "D/M, HH:mm"),
                                                ("en", "D MMM HH:mm")])
def test_a_time_column_follows_the_session_language(code: str, expected: str) -> None:
    at = AppTest.from_function(_times_app, default_timeout=60)
    at.session_state[state.LANGUAGE] = code
    at.run()
    assert not at.exception, at.exception
    column = json.loads(at.dataframe[0].proto.columns)["When (UTC)"]
    assert column["type_config"]["format"] == expected and column["type_config"].get("timezone") is None
