"""Tables at a glance: times in the reader's language without English month names (known formats per locale), and
numeric columns with gaps that still sort as numbers with the gaps drawn as "—" and sorted last."""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.elements.lib.pandas_styler_utils import marshall_styler
from streamlit.proto.ArrowData_pb2 import ArrowData as ArrowProto
from streamlit.testing.v1 import AppTest

from dashboard import state
from dashboard.components.tables import EMPTY_CELL, moment_format, when_format, with_dashes
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


# --- Numbers with gaps ------------------------------------------------------------------------------------------------

def _shown(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The data Streamlit's table sorts and the Styler's display values it draws, marshalled as st.dataframe does."""
    styler = with_dashes(frame)
    proto = ArrowProto()
    marshall_styler(proto, styler, default_uuid="t")
    return styler.data, convert_arrow_bytes_to_pandas_df(proto.styler.display_values)


def _is_float_column(column: pd.Series) -> bool:
    return pd.api.types.is_float_dtype(column) and all(isinstance(v, float) for v in column)


def _sorted_as_numbers(values: list[float]) -> list[int]:
    """Row order after a click on a numeric column's header: ascending numbers (Streamlit's "smart" sort)."""
    return sorted(range(len(values)), key=lambda i: (values[i], i))


@given(st.lists(st.one_of(st.none(), st.integers(-10**6, 10**6)), min_size=1, max_size=40).filter(
    lambda xs: None in xs))
def test_a_column_with_gaps_sorts_as_numbers_with_dashes_last(values: list[int | None]) -> None:
    frame = pd.DataFrame({"name": [f"s{i}" for i in range(len(values))],
                          "events": pd.array(values, dtype="Int64")})
    data, display = _shown(frame)
    assert _is_float_column(data["events"]) and not data.isna().any().any()  # no "None" drawn, a number to sort by
    assert list(display["events"]) == [EMPTY_CELL if v is None else str(v) for v in values]
    order = _sorted_as_numbers(list(data["events"]))
    shown = [display["events"][i] for i in order]
    present = sorted(v for v in values if v is not None)
    assert shown == [str(v) for v in present] + [EMPTY_CELL] * values.count(None)


def test_text_sort_would_have_put_12_before_9() -> None:
    """The bug this replaces: a gap made the column text, and text sorts "12" before "9"."""
    _data, display = _shown(pd.DataFrame({"events": [9.0, None, 12.0]}))
    assert sorted(display["events"]) == ["12", "9", EMPTY_CELL]
    assert [display["events"][i] for i in _sorted_as_numbers(list(_data["events"]))] == ["9", "12", EMPTY_CELL]


def test_text_columns_keep_their_words_and_get_a_dash() -> None:
    data, display = _shown(pd.DataFrame({"level": ["high", None], "share": [50.4, math.nan]}))
    assert list(data["level"]) == ["high", EMPTY_CELL] and list(display["share"]) == ["50", EMPTY_CELL]
