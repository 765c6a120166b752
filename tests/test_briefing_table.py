"""The Briefing page's section table through AppTest: empty cells read "—" in every language (never "None"), and
only the columns that say something are shown, each narrow enough that the table fits its half of the page."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from dashboard import state
from geo.i18n import LANGUAGES, translator


def _table_app() -> None:
    from types import SimpleNamespace

    import numpy as np
    import pandas as pd

    from dashboard.components.briefing_panels import section_table

    sections = pd.DataFrame({
        "name": ["A · first", "B · second", "C · third"], "level": ["high", "medium", "low"],
        "proposed_level": ["high", "medium", "low"], "events": [60.0, np.nan, 7.0],  # B: blanked, below k
        "change_pct": [50.0, np.nan, np.nan],  # B: blanked with its count, C: nothing before it to compare with
        "persons": [120.0, np.nan, 9.0], "hot_share": [0.5, 0.0, 0.0], "coverage_share": [np.nan] * 3,
    })
    section_table(SimpleNamespace(sections=sections, k=5))


def _run(language: str) -> AppTest:
    at = AppTest.from_function(_table_app, default_timeout=60)
    at.session_state[state.LANGUAGE] = language
    at.run()
    assert not at.exception, at.exception
    return at


def _shown(at: AppTest) -> pd.DataFrame:
    """The table as the browser draws it: the data itself where a value is missing (Streamlit's table then draws
    "None", whatever the Styler's display value says), else the Styler's display values."""
    data = at.dataframe[0].value
    assert not data.isna().any().any(), data  # a missing value would read "None" in the browser
    return convert_arrow_bytes_to_pandas_df(at.dataframe[0].proto.arrow_data.styler.display_values)


@pytest.mark.parametrize("language", LANGUAGES)
def test_empty_cells_read_a_dash_in_every_language(language: str) -> None:
    at = _run(language)
    tr = translator(language)
    shown = _shown(at)
    change, events = shown[tr.gettext("Change %")], shown[tr.gettext("Events")]
    assert list(change) == ["50", "—", "—"] and list(events) == ["60", "—", "7"]
    assert not shown.isin(["", "None", "nan", "<NA>", "NaN"]).any().any()
    captions = [c.value for c in at.caption]
    assert tr.gettext("{dash}: fewer than {k} (suppressed), or no events in the period before to compare with."
                      ).format(dash="—", k=5) in captions


def test_only_columns_that_say_something_each_fitting_half_the_page() -> None:
    at = _run("mk")
    tr = translator("mk")
    shown = _shown(at)
    # No level set by hand: no "Proposed" column; coverage not computed: no empty "Covered %" column.
    assert list(shown.columns) == [tr.gettext(c) for c in ("Section", "Level", "Events", "Change %", "Persons",
                                                           "Hot cells %")]
    config = {name: c for name, c in _column_config(at).items() if not c.get("hidden")}
    widths = [c["width"] for c in config.values()]
    # Figures right-aligned, text or not (a column with an empty cell is text); the level's words are not.
    assert [name for name, c in config.items() if c.get("alignment") == "right"] == list(shown.columns)[2:]
    assert len(widths) == 6 and sum(widths) <= 450  # the Chromium test measures it: tests/test_briefing_browser.py


def _column_config(at: AppTest) -> dict:
    import json

    return json.loads(at.dataframe[0].proto.columns)
