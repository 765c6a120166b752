"""The exception tree: three branches, payloads as attributes, context as notes, exit codes."""

from __future__ import annotations

import inspect
import pickle
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest

import geo.errors
from geo.errors import (
    AnalysisError,
    FeedError,
    InputError,
    LimesError,
    ServiceError,
    StoreError,
    describe,
)
from geo.feeds import Feed, poll_once
from geo.feeds.fetch import get_page  # the one function that lets a FeedError out: poll_once records it
from geo.feeds.formats import PARSERS
from geo.grid import latlng_to_cells
from geo.ingest import import_file
from geo.store import open_store, quarantine_reasons
from tests.conftest import ROOT
from tests.feedserver import Reply, Script, serve

BRANCHES = (InputError, ServiceError, AnalysisError)
REFUSED_PG = "postgresql://postgres:secret@127.0.0.1:1/test"
"""Port 1 on loopback: nothing listens there, so the connection is refused at once."""
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def _leaves() -> list[type[LimesError]]:
    return [cls for _, cls in inspect.getmembers(geo.errors, inspect.isclass)
            if issubclass(cls, LimesError) and cls not in (LimesError, *BRANCHES)]


def test_every_error_descends_from_exactly_one_branch() -> None:
    leaves = _leaves()
    assert len(leaves) >= 23  # 22 domain errors and LayerError
    for cls in leaves:
        assert [b.__name__ for b in BRANCHES if issubclass(cls, b)] in (["InputError"], ["ServiceError"],
                                                                         ["AnalysisError"]), cls
    assert not issubclass(LimesError, ValueError) and not issubclass(AnalysisError, (ValueError, RuntimeError))
    assert issubclass(InputError, ValueError) and not issubclass(InputError, RuntimeError)
    assert issubclass(ServiceError, RuntimeError) and not issubclass(ServiceError, ValueError)
    assert {cls.__name__ for cls in leaves if issubclass(cls, ServiceError)} == {"StoreError", "FeedError"}


def test_errors_with_attributes_survive_pickling() -> None:
    """The importer's reader process sends its errors through a queue."""
    store = pickle.loads(pickle.dumps(StoreError("down", url="postgresql://u:pw@h/db", dialect="postgresql")))
    assert (str(store), store.url, store.dialect) == ("down", "postgresql://u:***@h/db", "postgresql")
    original = FeedError("gone", feed="f", url="http://x", status=410, body=b"x")
    original.add_note("after 1 tries")
    feed = pickle.loads(pickle.dumps(original))
    assert (feed.feed, feed.url, feed.status, feed.body, feed.__notes__) == ("f", "http://x", 410, b"x", ["after 1 tries"])


def test_a_refused_postgresql_connection_is_a_service_error_not_a_value_error() -> None:
    with pytest.raises(StoreError, match="cannot connect to the PostgreSQL store") as caught:
        open_store(REFUSED_PG)
    exc = caught.value
    assert isinstance(exc, ServiceError) and isinstance(exc, RuntimeError) and not isinstance(exc, ValueError)
    assert exc.dialect == "postgresql"
    assert exc.url == "postgresql://postgres:***@127.0.0.1:1/test" and "secret" not in exc.url
    assert "\n" not in describe(exc)  # psycopg's two-line diagnosis, shown on one line


def test_an_unsupported_store_url_keeps_the_url_and_has_no_dialect() -> None:
    with pytest.raises(StoreError, match="unsupported store URL") as caught:
        open_store("mysql://localhost/x")
    assert (caught.value.url, caught.value.dialect) == ("mysql://localhost/x", None)


def test_a_404_from_a_real_server_carries_status_feed_and_url() -> None:
    script = Script()  # no replies: every path answers 404
    with serve(script) as base, httpx.Client() as client:
        feed = Feed(name="border-cams", url=f"{base}/missing", kind="geojson", retries=3, backoff_s=0.0)
        with pytest.raises(FeedError) as caught:
            get_page(client, feed, feed.url, None, {}, lambda s: None, PARSERS[feed.kind])
    exc = caught.value
    assert (exc.status, exc.feed, exc.url, exc.body) == (404, "border-cams", f"{base}/missing", b"")
    assert isinstance(exc, RuntimeError) and not isinstance(exc, ValueError)
    assert len(script.requests) == 1  # a client error is not retried


def test_a_payload_that_stays_unparseable_keeps_the_parsers_error_with_a_note(tmp_path: Path) -> None:
    script = Script(replies={"/events": [Reply(200, b'{"type": "FeatureCollection", "features": [')]})
    with serve(script) as base, httpx.Client() as client:
        feed = Feed(name="broken", url=f"{base}/events", kind="geojson", retries=1, backoff_s=0.0)
        with pytest.raises(FeedError, match="not valid JSON") as caught:
            get_page(client, feed, feed.url, None, {}, lambda s: None, PARSERS[feed.kind])
        store = open_store(f"sqlite:///{tmp_path / 'store.sqlite'}")
        try:
            result = poll_once(feed, store, client=client, sleep=lambda s: None)
            quarantined = quarantine_reasons(store)
        finally:
            store.close()
    exc = caught.value
    assert exc.__notes__ == ["after 2 tries"]
    assert (exc.status, exc.feed, exc.body) == (200, "broken", b'{"type": "FeatureCollection", "features": [')
    assert describe(exc).endswith("— after 2 tries")
    assert result.error == f"broken: {describe(exc)}" and quarantined == {"malformed_payload": 1}  # the feed named


def test_an_import_that_fails_part_way_keeps_its_class_and_gains_a_note(tmp_path: Path) -> None:
    """The store failing after the first chunks landed (a bad byte no longer stops an import: it is one
    ``bad_encoding`` row): the error keeps its class and attributes and gains a note."""
    header = "event_id,source,type,occurred_at,lat,lon,persons,impact,confidence,status\n"
    row = "E{:06d},deep,apprehension,2026-11-20T10:00:00Z,41.1,22.5,3,low,0.8,open\n"
    path = tmp_path / "deep.csv"
    path.write_bytes((header + "".join(row.format(i) for i in range(5_000))).encode())
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite'}")

    def disk_full(rows: int) -> None:
        if rows >= 3_000:
            raise StoreError("the disk is full", url="sqlite:///x", dialect="sqlite")

    try:
        with pytest.raises(StoreError, match="the disk is full") as caught:
            import_file(path, store, mapping="native", now=NOW, chunk_rows=1_000, progress=disk_full)
        landed = store.count("events")
    finally:
        store.close()
    exc = caught.value
    assert landed == 3_000 and exc.dialect == "sqlite"
    assert len(exc.__notes__) == 1 and f"{landed:,} events of them were imported" in exc.__notes__[0]
    assert "stopped after" not in str(exc) and "stopped after" in describe(exc)


def test_gi_star_on_too_few_cells_is_an_analysis_error() -> None:
    from geo.analysis import gi_star

    cells = latlng_to_cells(np.array([41.10, 41.12]), np.array([22.50, 22.52]), 8)
    with pytest.raises(AnalysisError, match="at least 3 cells") as caught:
        gi_star(pd.Series([1.0, 4.0], index=cells))
    assert not isinstance(caught.value, (ValueError, RuntimeError))


def _limes(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_cli_exit_codes_tell_a_failing_service_from_bad_input(tmp_path: Path) -> None:
    down = _limes("purge-contacts", "--db", REFUSED_PG)
    assert down.returncode == 3, down.stderr
    assert down.stderr.startswith("limes: cannot connect to the PostgreSQL store") and down.stderr.count("\n") == 1
    bad_feed = _limes("poll", "--url", "ftp://127.0.0.1/x", "--db", f"sqlite:///{tmp_path / 's.sqlite'}")
    assert bad_feed.returncode == 2 and "url must start with http://" in bad_feed.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    bad_file = _limes("import", str(empty), "--db", f"sqlite:///{tmp_path / 's.sqlite'}")
    assert bad_file.returncode == 2 and bad_file.stderr == "limes: empty.csv is empty\n"
    assert "Traceback" not in down.stderr + bad_feed.stderr + bad_file.stderr
