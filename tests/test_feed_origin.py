"""Credentials stay with their origin; a feed URL's own query string is kept (issue 14, class 5).

Two real loopback servers on different ports are two origins: the token goes to the configured
one only, a next link to the other is refused and reported, and a redirect there arrives without
the token. Query strings and origins are generated with hypothesis.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.feeds import Feed, merge_query, poll_once, same_origin
from geo.store import feed_health, open_store, set_feed_state
from tests.feedserver import Reply, Script, serve

TOKEN = "s3cret-kobo-token"
EXAMPLES = settings(max_examples=100, deadline=None)


@pytest.fixture()
def store(tmp_path: Path):
    s = open_store(f"sqlite:///{tmp_path / 'origin.sqlite'}")
    yield s
    s.close()


def _kobo_page(next_url: str | None) -> bytes:
    return json.dumps({"count": 0, "next": next_url, "previous": None, "results": []}).encode()


def _poll(feed: Feed, store, **kwargs):
    with httpx.Client(follow_redirects=True, max_redirects=5) as client:
        return poll_once(feed, store, client=client, sleep=lambda s: None, tokens={"KOBO_TOKEN": TOKEN}, **kwargs)


def test_a_next_link_to_another_origin_is_refused_and_gets_no_token(store) -> None:
    home, elsewhere = Script(), Script()
    with serve(home) as base, serve(elsewhere) as other:
        home.replies["/api/v2/assets/a1/data/"] = [Reply(200, _kobo_page(f"{other}/api/v2/assets/a1/data/?page=2"))]
        elsewhere.replies["/api/v2/assets/a1/data/"] = [Reply(200, _kobo_page(None))]
        feed = Feed(name="kobo", url=f"{base}/api/v2/assets/a1/data/", kind="kobo", token_env="KOBO_TOKEN")
        result = _poll(feed, store)
    assert home.requests[0][1]["Authorization"] == f"Token {TOKEN}"
    assert elsewhere.requests == []  # never asked, so never given the token
    assert "refused a next link to another origin" in result.error
    assert feed_health(store).set_index("feed").loc["kobo", "last_error"] == result.error


def test_a_redirect_to_another_origin_arrives_without_the_token(store) -> None:
    home, elsewhere = Script(), Script()
    with serve(home) as base, serve(elsewhere) as other:
        home.replies["/data/"] = [Reply(302, headers={"Location": f"{other}/data/"})]
        elsewhere.replies["/data/"] = [Reply(200, _kobo_page(None))]
        feed = Feed(name="kobo", url=f"{base}/data/", kind="kobo", token_env="KOBO_TOKEN")
        _poll(feed, store)
    assert home.requests[0][1]["Authorization"] == f"Token {TOKEN}"
    assert elsewhere.requests and all("Authorization" not in h and "authorization" not in h
                                      for _, h in elsewhere.requests)


def test_the_feed_urls_own_query_is_kept_and_merged(store) -> None:
    script = Script()
    with serve(script) as base:
        script.replies["/v1.1/Observations"] = [
            Reply(200, json.dumps({"value": [], "@iot.nextLink": f"{base}/v1.1/Observations?$skip=1"}).encode()),
            Reply(200, json.dumps({"value": []}).encode())]
        feed = Feed(name="sta", url=f"{base}/v1.1/Observations?apikey=K1&$filter=Datastream/id eq 5", kind="sensorthings")
        set_feed_state(store, "sta", etag=None, cursor="2026-11-28T10:00:00Z")
        result = _poll(feed, store)
    assert result.error is None, result.error
    first, second = (dict(parse_qsl(urlsplit(path).query)) for path, _ in script.requests)
    assert first["apikey"] == "K1" and first["$top"] == "500"
    assert first["$filter"] == "(Datastream/id eq 5) and (phenomenonTime gt 2026-11-28T10:00:00Z)"
    assert second == {"$skip": "1", "apikey": "K1"}  # the next link gets the feed's key back


KEYS = st.from_regex(r"[a-z$][a-z_]{0,8}", fullmatch=True)
VALUES = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@EXAMPLES
@given(own=st.lists(st.tuples(KEYS, VALUES), max_size=6), ours=st.dictionaries(KEYS, VALUES, max_size=5))
def test_merge_query_keeps_every_own_parameter(own: list[tuple[str, str]], ours: dict[str, str]) -> None:
    from urllib.parse import urlencode

    url = f"https://feeds.example/x?{urlencode(own)}" if own else "https://feeds.example/x"
    merged = parse_qsl(urlsplit(merge_query(url, ours)).query, keep_blank_values=True)
    for key, value in own:
        if key not in ours:
            assert (key, value) in merged  # the feed's own parameter, untouched
    for key, value in ours.items():
        values = [v for k, v in merged if k == key]
        if key == "$filter" and any(k == key for k, _ in own):
            assert values == [" and ".join(f"({v})" for v in [*(v for k, v in own if k == key), value])]
        else:
            assert values == [value]


HOSTS = st.sampled_from(["feeds.example", "FEEDS.example", "evil.example", "127.0.0.1", "127.0.0.2", "feeds.example.evil"])


@EXAMPLES
@given(scheme=st.sampled_from(["http", "https", "HTTP"]), host=HOSTS,
       port=st.one_of(st.none(), st.sampled_from([80, 443, 8080])), path=st.from_regex(r"/[a-z/]{0,10}", fullmatch=True))
def test_only_the_same_scheme_host_and_port_is_the_same_origin(scheme: str, host: str, port: int | None,
                                                               path: str) -> None:
    url = f"{scheme}://{host}{'' if port is None else f':{port}'}{path}?page=2"
    effective = port if port is not None else {"http": 80, "https": 443}[scheme.lower()]
    expected = scheme.lower() == "https" and host.lower() == "feeds.example" and effective == 443
    assert same_origin(url, "https://feeds.example/v1/data?key=1") == expected
