"""A KoboToolbox report feed against a loopback server serving the platform's submission pages: paging, cursor,
token, faults, malformed submissions; everything lands in the reports queue, nothing in the events."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pandas as pd
import pytest

from geo.errors import FeedError
from geo.feeds import Feed, load_feeds, poll_once
from geo.reports import read_queue
from geo.store import feed_health, feed_state, open_store, quarantine_reasons
from tests.feedserver import Reply, Script, serve

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
ASSET = "/api/v2/assets/aFmXs7Lq2Wd9/data/"


def _submission(record_id: int, *, minutes_ago: int = 30, **fields: object) -> dict:
    """A submission as KoboToolbox's data API returns it: metadata fields with underscores, form fields by name."""
    when = (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S")
    record = {
        "_id": record_id, "formhub/uuid": "5c3b4f8e", "start": when, "end": when, "__version__": "vX9",
        "meta/instanceID": f"uuid:0d6c-{record_id}", "_xform_id_string": "aFmXs7Lq2Wd9", "_uuid": f"0d6c-{record_id}",
        "_attachments": [], "_status": "submitted_via_web", "_geolocation": [41.13, 22.51], "_submission_time": when,
        "_tags": [], "_notes": [], "_validation_status": {}, "_submitted_by": None,
        "report/category": "people_crossing", "report/description": f"Group seen near the rail line ({record_id})",
        "report/location": "41.13 22.51 60 5", "report/contact": "+389 70 000 000",
    }
    record.update(fields)
    return record


def _page(results: list, *, next_url: str | None = None, count: int | None = None) -> bytes:
    return json.dumps({"count": count if count is not None else len(results), "next": next_url, "previous": None,
                       "results": results}).encode()


@pytest.fixture()
def store(tmp_path: Path):
    s = open_store(f"sqlite:///{tmp_path / 'reports.sqlite'}")
    yield s
    s.close()


def _poll(feed: Feed, store, sleeps: list[float] | None = None):
    with httpx.Client() as client:
        # The environment as the token lookup, as `limes poll` hands it the variables its feeds name.
        return poll_once(feed, store, client=client, now=NOW, sleep=sleeps.append if sleeps is not None else lambda s: None,
                         tokens=os.environ)


def test_kobo_pages_cursor_token_and_malformed_submissions(store, monkeypatch) -> None:
    monkeypatch.setenv("LIMES_KOBO_TOKEN", "s3cret")
    script = Script()
    with serve(script) as base:
        first = [_submission(i) for i in (101, 102, 103)] + [
            "not a submission",
            {key: value for key, value in _submission(0).items() if key != "_id"},  # no _id
            _submission(104, **{"report/location": "north of the bridge", "_geolocation": [None, None]}),
            _submission(105, **{"report/location": "95.0 22.5 0 0"}),
        ]
        second = [
            _submission(106, **{"report/location": "", "_geolocation": [None, None], "report/place": "Gevgelija"}),
            _submission(107, minutes_ago=-120),  # in the future
            _submission(108, _validation_status={"uid": "validation_status_not_approved"}),
            _submission(109, **{"report/category": "Goods being smuggled", "report/contact": ""}),
            _submission(110, **{"report/location": "", "_geolocation": [None, None]}),  # nowhere at all
        ]
        # Kobo's next link is the same path with ?start=; the script answers it from its own path.
        script.replies[ASSET] = [
            Reply(503, b"maintenance", {"Retry-After": "1"}),
            Reply(200, _page(first, next_url=f"{base}/page2?format=json&limit=7&start=7", count=12)),
            Reply(200, _page([_submission(111, minutes_ago=1)])),
        ]
        script.replies["/page2"] = [Reply(200, _page(second, count=12))]
        feed = load_feeds({"feed": [{"name": "ngo-kobo", "url": f"{base}{ASSET}", "kind": "kobo", "page_size": 7,
                                     "token_env": "LIMES_KOBO_TOKEN", "backoff_s": 0.0,
                                     "fields": {"text": "description"}}]})[0]
        sleeps: list[float] = []
        result = _poll(feed, store, sleeps)
        assert (result.error, result.pages, result.read, result.reports, result.skipped) == (None, 2, 12, 5, 1)
        assert result.quarantined == 6 and sleeps == [1.0]
        again = _poll(feed, store)
    assert again.reports == 1  # only the submission past the cursor
    query = parse_qs(urlparse(script.requests[-1][0]).query)
    assert json.loads(query["query"][0]) == {"_id": {"$gt": 110}} and json.loads(query["sort"][0]) == {"_id": 1}
    assert query["limit"] == ["7"] and query["format"] == ["json"]
    assert {headers.get("Authorization") for _, headers in script.requests} == {"Token s3cret"}
    assert feed_state(store, "ngo-kobo") == (None, "111")

    queue = read_queue(store, with_contact=True).set_index("external_id")
    assert sorted(queue.index) == ["101", "102", "103", "106", "109", "111"]
    assert queue.loc["106", "place"] == "Gevgelija" and queue.loc["106", "lat"] == pytest.approx(41.141)
    assert queue.loc["109", "category"] == "smuggling" and pd.isna(queue.loc["109", "contact"])
    assert queue.loc["101", "text"] == "Group seen near the rail line (101)"
    assert queue.loc["101", "contact"] == "+389 70 000 000" and set(queue["source"]) == {"ngo-kobo"}
    assert quarantine_reasons(store) == {"bad_coordinates": 1, "coordinates_out_of_range": 1, "future_date": 1,
                                          "malformed_record": 1, "missing_coordinates": 1, "missing_id": 1}
    assert store.count("events") == 0  # reports wait for moderation
    health = feed_health(store).set_index("feed").loc["ngo-kobo"]
    assert (health["reports"], health["events"], health["polls"]) == (6, 0, 2)  # what the feed chip counts


def test_kobo_feed_failures_are_recorded_not_raised(store, monkeypatch) -> None:
    script = Script()
    with serve(script) as base:
        script.replies[ASSET] = [Reply(200, b'{"count": 3, "next": null, "results": [{"_id": 1')]
        broken = _poll(Feed(name="kobo-broken", url=f"{base}{ASSET}", kind="kobo", retries=1, backoff_s=0.0), store)
        script.replies["/denied"] = [Reply(401, b'{"detail": "Invalid token."}')]
        monkeypatch.setenv("LIMES_KOBO_TOKEN", "wrong")
        denied = _poll(Feed(name="kobo-denied", url=f"{base}/denied", kind="kobo", token_env="LIMES_KOBO_TOKEN"), store)
        monkeypatch.delenv("LIMES_KOBO_TOKEN")
        unset = _poll(Feed(name="kobo-unset", url=f"{base}/denied", kind="kobo", token_env="LIMES_KOBO_TOKEN"), store)
    assert "not valid JSON" in broken.error and "after 2 tries" in broken.error
    assert "HTTP 401" in denied.error
    assert "LIMES_KOBO_TOKEN holds no API token" in unset.error
    assert quarantine_reasons(store) == {"malformed_payload": 1}
    health = feed_health(store).set_index("feed")
    assert health.loc[["kobo-broken", "kobo-denied", "kobo-unset"], "failures"].tolist() == [1, 1, 1]
    assert health.loc[["kobo-broken", "kobo-denied", "kobo-unset"], "reports"].tolist() == [0, 0, 0]
    assert read_queue(store).empty


def test_report_feed_config_is_checked() -> None:
    with pytest.raises(FeedError, match="unknown report field\\(s\\) \\['colour'\\]"):
        Feed(name="x", url="http://127.0.0.1/x", kind="kobo", fields={"colour": "c"})
    with pytest.raises(FeedError, match="token_env and fields belong to report feeds \\(\\['kobo'\\]\\); kind is 'geojson'"):
        Feed(name="x", url="http://127.0.0.1/x", kind="geojson", token_env="TOKEN")
    with pytest.raises(FeedError, match="kind must be one of .*'kobo'"):
        Feed(name="x", url="http://127.0.0.1/x", kind="ushahidi-v2")


def test_a_typed_place_is_found_in_the_installations_region(store, tmp_path: Path) -> None:
    """A submission naming a town and no position lands at that town of the region the feed was loaded for
    (here HUN–SRB from the shipped world data); for the bundled region the same town is unknown, and says so."""
    from geo.region import load_region
    from geo.spatial import build_region, load_towns, write_region

    out = tmp_path / "hun-srb.toml"
    write_region(*build_region(name="HU–RS", countries=[("HUN", "SRB")], out=out), out=out)
    region = load_region(out)
    towns = load_towns(region).set_index("name")
    assert "Szeged" in towns.index
    typed = _submission(201, **{"report/location": "", "_geolocation": [None, None], "report/place": "Szeged"})
    script = Script()
    with serve(script) as base:
        script.replies[ASSET] = [Reply(200, _page([typed]))]
        script.replies["/bundled"] = [Reply(200, _page([{**typed, "_id": 202}]))]
        doc = {"feed": [{"name": "hu-kobo", "url": f"{base}{ASSET}", "kind": "kobo"},
                        {"name": "gr-kobo", "url": f"{base}/bundled", "kind": "kobo"}]}
        hungarian, bundled = load_feeds(doc, region=region)[0], load_feeds(doc)[1]
        assert (_poll(hungarian, store).reports, _poll(bundled, store).reports) == (1, 0)
    queue = read_queue(store).set_index("external_id")
    assert list(queue.index) == ["201"]
    assert (queue.loc["201", "lat"], queue.loc["201", "lon"]) == pytest.approx(
        (towns.loc["Szeged", "lat"], towns.loc["Szeged", "lon"]), abs=1e-6)
    assert quarantine_reasons(store) == {"unknown_place": 1}
    with pytest.raises(FeedError, match="unknown key"):
        load_feeds({"feed": [{"name": "x", "url": f"{base}{ASSET}", "kind": "kobo", "region": "HU"}]})
