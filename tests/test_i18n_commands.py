"""The rest of issue 19: what `limes demo`, `serve`, `public-form`, `poll`, `listen-cot`, `simulate-feed` and
`purge-events` print in `--lang`, emerging-area signal labels, the charts over time and per-language region titles.
Every expectation is the catalog's msgstr (or CLDR's words through Babel), never the code's own output."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from babel.dates import format_date
from streamlit.testing.v1 import AppTest

from dashboard import cli, live_cli
from dashboard.cli import main
from geo.analysis import categories_text
from geo.errors import InputError
from geo.i18n import serbian_latin, translator
from geo.incidents import candidate_signals
from geo.region import load_region, region_toml
from geo.settings import bundled_region
from geo.spatial import describe_place, load_towns
from geo.store import insert_events, open_store, read_events
from tests.conftest import ROOT, SCENARIO_END
from tests.feedserver import Reply, Script, serve
from tests.test_event_retention import _events

EL, MK, SQ, BG, SR = (translator(code) for code in ("el", "mk", "sq", "bg", "sr"))


class _Child:
    """Stands in for the dashboard or form process a command starts: it "runs" until Ctrl-C."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.args = args

    def wait(self, timeout: float | None = None) -> int:
        if timeout is None:
            raise KeyboardInterrupt
        return 0

    def terminate(self) -> None:
        pass


@pytest.fixture
def no_children(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subprocess, "Popen", _Child)
    monkeypatch.setattr(cli, "stop_on_signals", lambda: None)
    monkeypatch.setattr(live_cli, "stop_on_signals", lambda: None)


def test_purge_events_speaks_greek_with_babel_s_month_names(tmp_path: Path, scenario, capsys) -> None:
    db = f"sqlite:///{tmp_path / 'purge.sqlite'}"
    store = open_store(db)
    old = datetime(2019, 5, 17, tzinfo=timezone.utc)
    insert_events(store, _events(scenario, [("old", old.isoformat()), ("new", datetime.now(timezone.utc).isoformat())]))
    store.close()
    assert main(["purge-events", "--keep-days", "90", "--db", db, "--lang", "el"]) == 0
    assert capsys.readouterr().out.strip() == EL.ngettext(
        "{n} event removed with the months before the one {days} days ago: {months}",
        "{n} events removed with the months before the one {days} days ago: {months}", 1).format(
        n="1", days="90", months="Μάιος 2019")
    assert main(["purge-events", "--keep-days", "90", "--db", db, "--lang", "mk"]) == 0
    assert capsys.readouterr().out.strip() == MK.gettext(
        "No month ended before the one {days} days ago: no event removed").format(days="90")
    store = open_store(db)
    assert list(read_events(store)["event_id"]) == ["new"]
    store.close()


def test_poll_prints_its_lines_and_failures_in_the_reader_s_language(tmp_path: Path, capsys) -> None:
    script = Script()
    db = f"sqlite:///{tmp_path / 'poll.sqlite'}"
    with serve(script) as base:
        script.replies["/ok"] = [Reply(200, b'{"type": "FeatureCollection", "features": []}')]
        script.replies["/gone"] = [Reply(404, b"no")]
        assert main(["poll", "--url", f"{base}/ok", "--kind", "geojson", "--once", "--db", db, "--lang", "sq"]) == 0
        ok = capsys.readouterr().out.strip()
        assert main(["poll", "--url", f"{base}/gone", "--name", "border-feed", "--once", "--db", db,
                     "--lang", "bg"]) == 3
        failed = capsys.readouterr()
    figures = dict.fromkeys(("pages", "read", "inserted", "duplicates", "units", "quarantined", "skipped"), "0")
    assert ok == SQ.gettext("{feed}: {state}; pages {pages}, read {read}, inserted {inserted}, duplicates {duplicates}, "
                            "units {units}, quarantined {quarantined}, skipped {skipped}").format(
        feed="geojson", state=SQ.gettext("ok"), **{**figures, "pages": "1"})
    error = BG.gettext("error: {reason}").split("{reason}")[0]
    assert failed.out.startswith(f"border-feed: {error}") and "страници" in failed.out, failed.out
    assert failed.err.strip() == BG.gettext("limes: the poll failed for {feeds} (see above and feed_health)").format(
        feeds="border-feed")
    assert main(["poll", "--lang", "sr"]) == 2
    assert capsys.readouterr().err.strip() == SR.gettext("limes: give --url URL --kind KIND, or --config FILE")


def _first_line(args: list[str]) -> str:
    """The first line a long-running command prints, then Ctrl-C."""
    child = subprocess.Popen([sys.executable, "-m", "dashboard.cli", *args], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline().strip()  # type: ignore[union-attr]
    finally:
        child.terminate()
        child.wait(timeout=30)
    assert line, child.stderr.read()  # type: ignore[union-attr]
    return line


def test_simulator_and_cot_listener_start_lines_in_the_reader_s_language(tmp_path: Path) -> None:
    line = _first_line(["simulate-feed", "--port", "0", "--speed", "1.5", "--lang", "el"])
    port = re.search(r"127\.0\.0\.1:(\d+)", line).group(1)  # type: ignore[union-attr]
    assert line == EL.gettext("Feed simulator on {url} (×{speed}); Ctrl-C stops it.").format(
        url=f"http://127.0.0.1:{port}", speed="1,5")  # the Greek decimal comma
    line = _first_line(["listen-cot", "--port", "0", "--db", f"sqlite:///{tmp_path / 'cot.sqlite'}",
                        "--lang", "sr-Latn"])
    port = re.search(r"127\.0\.0\.1:(\d+)", line).group(1)  # type: ignore[union-attr]
    assert line == serbian_latin(SR.gettext("Listening for Cursor-on-Target on {url}; Ctrl-C stops it.")).format(
        url=f"tcp://127.0.0.1:{port}")


def test_demo_serve_and_public_form_start_lines(no_children, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("LIMES_SCENARIO", raising=False)
    db = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    assert main(["demo", "--port", "8599", "--feed-port", "0", "--speed", "2", "--db", db, "--lang", "mk"]) == 0
    out = capsys.readouterr().out.strip()
    port = re.findall(r"127\.0\.0\.1:(\d+)", out)[1]  # the simulator's, chosen by the system
    assert out == MK.gettext("Limes demo: dashboard {dashboard}, feeds {feeds} (×{speed}). Ctrl-C stops "
                                       "everything.").format(dashboard="http://127.0.0.1:8599",
                                                             feeds=f"http://127.0.0.1:{port}", speed="2")
    assert main(["public-form", "--port", "8598", "--per-hour", "1", "--db", db, "--lang", "bg"]) == 0
    assert capsys.readouterr().out.strip() == BG.ngettext(
        "Public report form on {url} (at most {n} report an hour per client). Ctrl-C stops it.",
        "Public report form on {url} (at most {n} reports an hour per client). Ctrl-C stops it.", 1).format(
        url="http://127.0.0.1:8598", n="1")
    import dashboard.serve

    monkeypatch.setattr(dashboard.serve, "serve", lambda *args, **kwargs: 0)
    assert main(["serve", "--port", "8597", "--db", db, "--lang", "sq"]) == 0
    assert capsys.readouterr().out.strip() == SQ.gettext(
        "Limes dashboard on {url}, its libraries loading before the first visitor. Ctrl-C stops it.").format(
        url="http://127.0.0.1:8597")
    # Another region has no scenario to replay: the refusal is in the reader's language too.
    other = tmp_path / "other.toml"
    other.write_text(region_toml(bundled_region(), folder=tmp_path).replace('name = "GR–MK"', 'name = "MY"'),
                     encoding="utf-8")
    assert main(["demo", "--region", str(other), "--db", db, "--lang", "el"]) == 2
    assert capsys.readouterr().err.strip() == EL.gettext(
        "limes: the demo replays the bundled scenario of the {bundled} border, and region {region} has it off; serve "
        "your own data with `limes serve --region FILE` (import it with `limes import`, poll live feeds with `limes "
        "poll`)").format(bundled="GR–MK", region="MY")


def test_emerging_area_signals_name_their_categories_in_the_reader_s_language(index) -> None:
    towns = load_towns()
    areas = pd.DataFrame([{"cells": 6, "categories": (("New hot spot", 4), ("Consecutive hot spot", 2)), "lat": 41.15,
                           "lon": 22.5, "z_max": 4.0}])
    for tr, joined in ((EL, "{a} ×4 και {b} ×2"), (MK, "{a} ×4 и {b} ×2"), (SQ, "{a} ×4 dhe {b} ×2"),
                       (translator("en"), "{a} ×4 and {b} ×2")):
        signals = candidate_signals(index, now=SCENARIO_END, towns=towns, unusual=pd.DataFrame(), areas=areas, tr=tr,
                                    recent=timedelta(seconds=1))
        label = next(s.label for s in signals if s.kind == "emerging_area")
        categories = joined.format(a=tr.gettext("New hot spot"), b=tr.gettext("Consecutive hot spot"))
        assert label == tr.gettext("{place}: {categories}").format(
            place=describe_place(lat=41.15, lon=22.5, towns=towns, tr=tr), categories=categories)
        assert tr.code == "en" or "hot spot" not in label
    assert categories_text((), EL) == ""


def test_region_titles_per_language_with_fallback(tmp_path: Path) -> None:
    region = bundled_region()
    assert region.title_for("el") == "Σύνορα Ελλάδας–Βόρειας Μακεδονίας · Βουλγαρίας–Βόρειας Μακεδονίας"
    assert region.title_for("sr-Latn") == serbian_latin(region.title_for("sr"))
    assert region.title_for("en") == region.title == "Greece–North Macedonia · Bulgaria–North Macedonia border"
    assert region.title_for("de") == region.title
    copy = tmp_path / "copy.toml"
    copy.write_text(region_toml(region, folder=tmp_path), encoding="utf-8")
    assert load_region(copy).titles == region.titles
    bad = tmp_path / "bad.toml"
    bad.write_text(copy.read_text(encoding="utf-8").replace('"el" = ', '"el" = 3\n"xx" = '), encoding="utf-8")
    with pytest.raises(InputError, match=r"\[titles\]"):
        load_region(bad)


def _chart_page(series_json: str, code: str, kind: str, k: int | None) -> AppTest:
    def page() -> None:
        import io

        import pandas as pd
        import streamlit as st

        from dashboard import state
        from dashboard.components.daily_bars import daily_bars, time_lines
        from geo.timewindow import TimeWindow

        raw = st.session_state["series"]
        frame = pd.read_json(io.StringIO(raw), orient="split")
        frame.index = pd.DatetimeIndex(frame.index, tz="UTC")
        st.session_state[state.LANGUAGE] = st.session_state["code"]
        if st.session_state["kind"] == "bars":
            window = TimeWindow(frame.index[0].to_pydatetime(), (frame.index[-1] + pd.Timedelta(days=1)).to_pydatetime())
            daily_bars(frame.iloc[:, 0], window, height=200, k=st.session_state["k"])
        else:
            time_lines(frame, y_title="events", height=200, k=st.session_state["k"])

    at = AppTest.from_function(page, default_timeout=60)
    at.session_state["series"], at.session_state["code"] = series_json, code
    at.session_state["kind"], at.session_state["k"] = kind, k
    return at.run()


def _frame(values: list[float], *, freq: str = "D", columns: tuple[str, ...] = ("A",)) -> str:
    index = pd.date_range("2019-05-30", periods=len(values), freq=freq)
    return pd.DataFrame({c: values for c in columns}, index=index).to_json(orient="split", date_format="iso")


@pytest.mark.parametrize("kind", ["bars", "lines"])
def test_a_chart_with_nothing_above_zero_is_a_translated_sentence(kind: str) -> None:
    at = _chart_page(_frame([np.nan, 0.0, np.nan, 0.0]), "el", kind, 5)
    assert not at.exception, at.exception
    assert not at.get("arrow_vega_lite_chart") and not at.get("vega_lite_chart")
    assert [c.value for c in at.caption] == [EL.ngettext(
        "Nothing to chart: {n} day withheld (1 to {last} events, or hidden with such a day, k={k}); the others had "
        "none.",
        "Nothing to chart: {n} days withheld (1 to {last} events, or hidden with such a day, k={k}); the others had "
        "none.", 2).format(
        n="2", last="4", k=5)]
    at = _chart_page(_frame([0.0, 0.0, 0.0]), "mk", kind, None)
    assert [c.value for c in at.caption] == [MK.gettext("Nothing to chart: no events on any day of the period.")]


def _spec(at: AppTest) -> dict:
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def _x_labels(spec: dict) -> list[str]:
    return json.loads(spec["encoding"]["x"]["axis"]["labelExpr"].removesuffix("[datum.value]"))


def test_charts_over_time_label_days_and_hours_in_the_reader_s_language() -> None:
    at = _chart_page(_frame([3.0, 0.0, 7.0], columns=("S1", "S2")), "el", "lines", 5)
    assert not at.exception, at.exception
    spec = _spec(at)
    # Babel's Greek day labels ("30 Μαΐ", ..., "1 Ιουν"), not the browser's English dates
    assert _x_labels(spec) == [format_date(day, "d MMM", locale="el")
                               for day in (date(2019, 5, 30), date(2019, 5, 31), date(2019, 6, 1))]
    assert spec["encoding"]["y"]["axis"] == {"format": "d", "tickMinStep": 1}  # never "0.000000" or "0.5"
    assert spec["encoding"]["tooltip"][0]["title"] == EL.gettext("time (UTC)")
    hours = _spec(_chart_page(_frame([1.0, 2.0], freq="h"), "mk", "lines", None))
    assert _x_labels(hours) == ["30 мај, 00:00", "30 мај, 01:00"]
    bars = _spec(_chart_page(_frame([3.0, 9.0]), "bg", "bars", 5))
    assert bars["encoding"]["y"]["title"] == BG.gettext("events") != "events"
    assert bars["encoding"]["y"]["axis"] == {"format": "d", "tickMinStep": 1}
    assert _x_labels(bars) == [format_date(date(2019, 5, d), "d MMM", locale="bg") for d in (30, 31)]
