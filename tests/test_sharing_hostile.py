"""A partner that sends what the format does not promise, and agreements written wrong.

The `limes-share` feed polls a scripted endpoint over real mutual TLS on loopback: every record is
stored or quarantined with its reason, nothing vanishes; a broken page fails the poll and is
quarantined whole. Agreements: any malformed terms raise `AgreementError`, never anything else.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import h3
import httpx
import pytest
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from geo.feeds import Feed, feed_transport, poll_once
from geo.sharing import AgreementError, agreement_from_terms, create_ca, issue_cert, load_agreements
from geo.store import feed_health, open_store, partner_cells, quarantine_frame
from tests.sharing import free_port

HEAD = {"publisher": "GR", "partner": "MK", "agreement_version": 1, "res": 6, "k": 5, "delay_s": 3600,
        "window_start_ms": 0, "window_end_ms": 3_600_000}
GOOD = h3.latlng_to_cell(41.1, 22.5, 6)
PAGES: dict[str, bytes] = {}


def page(features: list[object], *, head: dict[str, object] | None = None, next_url: str | None = None) -> bytes:
    links = [{"rel": "next", "href": next_url}] if next_url else []
    return json.dumps({"type": "FeatureCollection", "features": features, "links": links,
                       "limes:picture": head or HEAD}).encode()


def hexagon(hex_id: object, events: object) -> dict[str, object]:
    return {"type": "Feature", "id": str(hex_id), "geometry": None, "properties": {"h3": hex_id, "events": events}}


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("hostile")
    create_ca(tmp / "ca", name="GR")
    issue_cert(tmp / "ca", tmp / "keys", partner="MK")

    async def scripted(request: Request) -> Response:
        key = request.url.path + (f"?{request.url.query}" if "offset" in request.url.query else "")
        body = PAGES.get(key)
        return Response(body, media_type="application/json") if body is not None else Response(status_code=404)

    app = Starlette(routes=[Route("/{path:path}", scripted)])
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                            ssl_certfile=str(tmp / "ca" / "server.pem"), ssl_keyfile=str(tmp / "ca" / "server.key"),
                            ssl_ca_certs=str(tmp / "ca" / "ca.pem"), ssl_cert_reqs=ssl.CERT_REQUIRED)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"https://127.0.0.1:{port}/MK", tmp / "keys"
    server.should_exit = True
    thread.join(timeout=10)


def _poll(url: str, keys: Path, store_url: str):  # noqa: ANN202 - a PollResult
    feed = Feed(name="gr-share", url=url, kind="limes-share", tls_cert=str(keys / "MK.pem"),
                tls_key=str(keys / "MK.key"), tls_ca=str(keys / "ca.pem"), retries=0)
    store = open_store(store_url)
    try:
        with httpx.Client(transport=feed_transport(feed)) as client:
            return poll_once(feed, store, client=client), partner_cells(store, "gr-share"), quarantine_frame(store)
    finally:
        store.close()


def _script(hexagons: bytes, *, collections: tuple[str, ...] = ("hexagons",)) -> None:
    PAGES.clear()
    PAGES["/MK/collections/hexagons/items"] = hexagons
    PAGES["/MK/collections"] = json.dumps({"collections": [{"id": c} for c in collections]}).encode()


def test_bad_records_are_quarantined_with_their_reason(endpoint: tuple[str, Path], tmp_path: Path) -> None:
    url, keys = endpoint
    finer = h3.latlng_to_cell(41.1, 22.5, 8)
    _script(page([hexagon(GOOD, 9), hexagon("not-a-cell", 9), hexagon(finer, 9), hexagon(GOOD, 2),
                  hexagon(GOOD, True), {"type": "Feature"}]))
    result, cells, quarantine = _poll(url, keys, f"sqlite:///{tmp_path / 's.sqlite'}")
    assert result.error is None and result.read == 6 and result.inserted == 1 and result.quarantined == 5
    assert cells["events"].tolist() == [9]
    details = " | ".join(quarantine["detail"])
    for reason in ("not an H3 cell", "finer than the agreed resolution", "is not an integer >= k", "without properties"):
        assert reason in details
    assert set(quarantine["reason"]) == {"bad_shared_record"}


@pytest.mark.parametrize(("body", "message"), [
    (b"<html>not json</html>", "not JSON"),
    (json.dumps({"type": "FeatureCollection", "features": []}).encode(), "not a shared picture"),
    (page([], head={**HEAD, "res": "6"}), "not a shared picture"),
    (json.dumps([1, 2]).encode(), "not a JSON object"),
    (page([hexagon(GOOD, 9)], next_url="https://elsewhere.invalid/MK/x"), "refused next link"),
])
def test_a_broken_page_fails_the_poll_and_is_quarantined(endpoint: tuple[str, Path], tmp_path: Path, body: bytes,
                                                         message: str) -> None:
    url, keys = endpoint
    _script(body)
    store_url = f"sqlite:///{tmp_path / 's.sqlite'}"
    result, cells, quarantine = _poll(url, keys, store_url)
    assert result.error is not None and message in result.error
    assert cells.empty
    store = open_store(store_url)
    try:
        assert feed_health(store).set_index("feed").loc["gr-share", "failures"] == 1
    finally:
        store.close()
    if "next link" not in message:
        assert quarantine["reason"].tolist() == ["malformed_payload"]


def test_a_picture_that_changes_while_paging_is_read_again_next_time(endpoint: tuple[str, Path],
                                                                     tmp_path: Path) -> None:
    url, keys = endpoint
    _script(page([hexagon(GOOD, 9)], next_url=f"{url}/collections/hexagons/items?limit=1&offset=1"))
    PAGES["/MK/collections/hexagons/items?limit=1&offset=1"] = page([hexagon(GOOD, 7)],
                                                                     head={**HEAD, "agreement_version": 2})
    result, cells, _ = _poll(url, keys, f"sqlite:///{tmp_path / 's.sqlite'}")
    assert result.error is not None and "changed while paging" in result.error and cells.empty


record = st.fixed_dictionaries({
    "h3": st.one_of(st.just(GOOD), st.text(max_size=20), st.integers(), st.none(),
                    st.sampled_from([h3.latlng_to_cell(41.0, 22.0, r) for r in (3, 5, 6, 7, 9)])),
    "events": st.one_of(st.integers(-5, 50), st.floats(allow_nan=True), st.text(max_size=5), st.none(),
                        st.booleans()),
})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(record, max_size=12))
def test_every_record_is_stored_or_quarantined(endpoint: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory,
                                               records: list[dict[str, object]]) -> None:
    url, keys = endpoint
    features = [hexagon(r["h3"], r["events"]) for r in records]
    _script(page(features))
    store_url = f"sqlite:///{tmp_path_factory.mktemp('h') / 's.sqlite'}"
    result, cells, quarantine = _poll(url, keys, store_url)
    valid = [r for r in records if isinstance(r["h3"], str) and h3.is_valid_cell(r["h3"])
             and h3.get_resolution(r["h3"]) <= 6 and type(r["events"]) is int and r["events"] >= 5]
    valid = list({str(r["h3"]): r for r in reversed(valid)}.values())  # a cell sent twice: the first counts
    assert result.error is None
    assert result.read == len(records) == len(cells) + len(quarantine)
    assert sorted(cells["events"].tolist()) == sorted(int(r["events"]) for r in valid)  # type: ignore[call-overload]


terms = st.fixed_dictionaries({"partner": st.one_of(st.just("MK"), st.text(max_size=50), st.integers()),
                               "name": st.just("x"), "area": st.one_of(
                                   st.just([[21, 40], [23, 40], [23, 42]]), st.lists(st.lists(st.floats(), max_size=3),
                                                                                    max_size=4), st.text(max_size=3))},
                              optional={"res": st.one_of(st.integers(-2, 20), st.floats(), st.text(max_size=2)),
                                        "k": st.one_of(st.integers(-3, 8), st.booleans(), st.none()),
                                        "delay_h": st.one_of(st.floats(), st.integers(-5, 5), st.text(max_size=2)),
                                        "window_h": st.one_of(st.floats(), st.integers(-5, 500)),
                                        "types": st.one_of(st.lists(st.text(max_size=12), max_size=3),
                                                           st.just("irregular_crossing")),
                                        "levels": st.one_of(st.booleans(), st.integers(0, 1)),
                                        "units": st.booleans(), "surprise": st.integers()})


@settings(max_examples=300, deadline=None)
@given(table=terms)
def test_malformed_agreements_raise_agreement_error_only(table: dict[str, object]) -> None:
    try:
        agreement = agreement_from_terms(table, publisher="GR")
    except AgreementError:
        return
    # What was accepted is sound.
    assert 5 <= agreement.res <= 9 and agreement.k >= 1 and agreement.delay_h >= 0 and len(agreement.area) >= 3
    assert "units" not in table and "surprise" not in table


def test_agreements_file_checks() -> None:
    table = {"partner": "MK", "name": "MK", "area": [[21, 40], [23, 40], [23, 42]]}
    with pytest.raises(AgreementError, match="publisher"):
        load_agreements({"agreement": [table]})
    with pytest.raises(AgreementError, match="one agreement per partner"):
        load_agreements({"publisher": "GR", "agreement": [table, table]})
    with pytest.raises(AgreementError, match="unit positions are never shared"):
        load_agreements({"publisher": "GR", "agreement": [{**table, "units": True}]})
    (agreement,) = load_agreements({"publisher": "GR", "agreement": [table]})
    assert agreement.publisher == "GR" and agreement.res == 6 and not agreement.levels
