"""The Data page through AppTest: upload, mapping, preview, import report and the quarantine browser."""

from __future__ import annotations

import html
import json

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cache
from tests.conftest import ROOT
from tests.test_importer import IOM_SAMPLE


@pytest.fixture()
def data_page(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> AppTest:
    # Its own store: the IOM sample's years-old, world-wide incidents would change every later page's data span.
    monkeypatch.setenv("LIMES_DB", f"sqlite:///{tmp_path_factory.mktemp('data-page') / 'data.sqlite'}")
    at = AppTest.from_file(str(ROOT / "dashboard" / "pages" / "data.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def test_upload_preview_import_and_quarantine(data_page: AppTest) -> None:
    store = cache.current_store()
    before = store.count("events")
    data_page.file_uploader(key="upload").upload(IOM_SAMPLE.name, IOM_SAMPLE.read_bytes(), "text/csv").run()
    assert not data_page.exception, data_page.exception
    mapping_text = data_page.text_area[0].value
    assert 'name = "iom"' in mapping_text and "Coordinates" in mapping_text
    preview = " ".join(m.value for m in data_page.markdown)
    assert "20 would be imported, 0 quarantined" in preview
    data_page.button(key="do_import").click().run()
    assert not data_page.exception, data_page.exception
    metrics = {m.label: m.value for m in data_page.metric}
    assert metrics == {"Read": "238", "Inserted": "236", "Duplicates": "0", "Quarantined": "2"}
    assert store.count("events") == before + 236
    data_page.selectbox(key="quarantine_reason").set_value("bad_persons").run()
    rows = data_page.dataframe[-1].value  # the quarantine browser is the last table on the page
    assert set(rows["Reason"]) == {"bad_persons"} and len(rows) == 2
    assert set(rows["Row"]) == {161, 196}
    # Times as people read them, long texts cut to a width: the table fits the page (it scrolled sideways).
    columns = json.loads(data_page.dataframe[-1].proto.columns)
    assert columns["Quarantined at (UTC)"]["type_config"]["format"] == "D MMM YYYY, HH:mm"
    assert {columns[c]["width"] for c in ("File", "Detail", "Raw row")} == {"medium"}


def test_a_bad_mapping_is_an_error_message_not_a_crash(data_page: AppTest) -> None:
    data_page.file_uploader(key="upload").upload("odd.csv", b"when,where\n2026-01-01,Idomeni\n", "text/csv").run()
    assert not data_page.exception
    errors = [html.unescape(e.value) for e in data_page.error]  # outside text reaches the page as entities
    assert errors and "no column for occurred_at" in errors[0] and "['when', 'where']" in errors[0]
