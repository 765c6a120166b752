"""Issue 22: two Limes installations on loopback share their pictures under different agreements.

Real parts only: two SQLite stores, two certificate authorities, two `limes share serve` processes
(uvicorn, mutual TLS), and the poller's `limes-share` feed on the other side.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import h3
import httpx
import numpy as np
import pandas as pd
import pytest
import shapely

from dashboard.cli import main
from geo.feeds import poll_once
from geo.sharing import issue
from geo.store import (
    feed_health,
    partner_cells,
    partner_levels,
    partner_pictures,
    read_events,
    sent_log,
)
from geo.trust import read_log
from tests.sharing import (
    GR_TERMS,
    MK_TERMS,
    PLANTED,
    Agency,
    client_for,
    crawl,
    halves,
    plant_private_fields,
    setup_agency,
    share_feed,
    start_endpoint,
    stop_endpoint,
)

NOW = datetime.now(timezone.utc)


@pytest.fixture(scope="module")
def agencies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Agency]]:
    tmp = tmp_path_factory.mktemp("sharing")
    gr_events, mk_events = halves(NOW)
    bundles = {p: tmp / f"{p}-keys" for p in ("GR", "MK", "BG")}
    gr = setup_agency("GR", tmp, gr_events, GR_TERMS, ["MK", "BG"], bundles)
    mk = setup_agency("MK", tmp, mk_events, MK_TERMS, ["GR"], bundles)
    planted = plant_private_fields(gr.store, gr_events, NOW)
    gr.keys, mk.keys = bundles["GR"], bundles["MK"]
    both = {"GR": gr, "MK": mk, "BG_keys": bundles["BG"],
            "events": {"GR": pd.concat([gr_events, planted]), "MK": mk_events}}
    for agency in (gr, mk):
        start_endpoint(agency)
    try:
        yield both  # type: ignore[misc]
    finally:
        for agency in (gr, mk):
            stop_endpoint(agency)
            agency.store.close()


def naive_picture(events: pd.DataFrame, *, res: int, k: int, area: list[list[float]], start: datetime,
                  end: datetime, types: tuple[str, ...] | None = None) -> dict[int, int]:
    """What an agreement allows, the slow obvious way: h3-py per event, a dict per resolution, loops."""
    polygon = shapely.Polygon(area)
    counts: dict[int, int] = {}
    for row in events.itertuples():
        if not start <= row.occurred_at < end or (types is not None and row.type not in types):
            continue
        cell = h3.str_to_int(h3.cell_to_parent(h3.int_to_str(int(row.cell)), res))
        lat, lon = h3.cell_to_latlng(h3.int_to_str(cell))
        if polygon.contains(shapely.Point(lon, lat)):
            counts[cell] = counts.get(cell, 0) + 1
    kept: dict[int, int] = {}
    current, r = counts, res
    while True:
        kept.update({c: n for c, n in current.items() if n >= k})
        small = {c: n for c, n in current.items() if n < k}
        if not small or r <= max(res - 1, 4):
            break
        r -= 1
        merged: dict[int, int] = {}
        for c, n in small.items():
            parent = h3.str_to_int(h3.cell_to_parent(h3.int_to_str(c), r))
            merged[parent] = merged.get(parent, 0) + n
        current = merged
    return {c: n for c, n in kept.items()
            if polygon.contains(shapely.Point(*reversed(h3.cell_to_latlng(h3.int_to_str(c)))))}


def _check_picture(subscriber: Agency, feed: str, publisher_events: pd.DataFrame, terms: dict[str, object],
                   polled_at: datetime) -> pd.DataFrame:
    (picture,) = [p for p in partner_pictures(subscriber.store) if p.feed == feed]
    start = datetime.fromtimestamp(picture.window_start_ms / 1000, timezone.utc)
    end = datetime.fromtimestamp(picture.window_end_ms / 1000, timezone.utc)
    delay = timedelta(hours=float(terms["delay_h"]))  # type: ignore[arg-type]
    # Delay: the window ends at a whole hour, at least the delay before the poll and less than an hour earlier.
    assert end.minute == end.second == 0
    assert polled_at - delay - timedelta(hours=1) < end <= polled_at - delay
    assert end - start == timedelta(hours=float(terms["window_h"]))  # type: ignore[arg-type]
    assert (picture.res, picture.k, picture.delay_s) == (terms["res"], terms["k"], delay.total_seconds())
    cells = partner_cells(subscriber.store, feed)
    assert len(cells) >= 3  # how many cells pass k depends on the hour the window ends at
    # Resolution, suppression and area, cell by cell.
    resolutions = np.array([h3.get_resolution(h3.int_to_str(int(c))) for c in cells["cell"]])
    coarsest = max(int(terms["res"]) - 1, 4)  # type: ignore[call-overload]
    assert resolutions.max() == terms["res"] and resolutions.min() >= coarsest
    assert (cells["events"] >= terms["k"]).all()
    area = shapely.Polygon(terms["area"])  # type: ignore[arg-type]
    for cell in cells["cell"]:
        lat, lon = h3.cell_to_latlng(h3.int_to_str(int(cell)))
        assert area.contains(shapely.Point(lon, lat))
    # The known answer, computed from the publisher's own events the slow way.
    types = tuple(terms["types"]) if "types" in terms else None  # type: ignore[arg-type]
    expected = naive_picture(publisher_events, res=int(terms["res"]), k=int(terms["k"]),  # type: ignore[arg-type]
                             area=terms["area"], start=start, end=end, types=types)  # type: ignore[arg-type]
    assert dict(zip(cells["cell"].astype(int), cells["events"].astype(int), strict=True)) == expected
    return cells


def test_each_side_receives_exactly_what_its_agreement_allows(agencies: dict[str, Agency]) -> None:
    gr, mk = agencies["GR"], agencies["MK"]
    gr_events = agencies["events"]["GR"]  # type: ignore[index]
    from_gr = share_feed("gr-share", gr.endpoint("MK"), mk.keys / "from-GR", "MK")
    from_mk = share_feed("mk-share", mk.endpoint("GR"), gr.keys / "from-MK", "GR")
    polled_at = datetime.now(timezone.utc)
    with client_for(from_gr) as client:
        result = poll_once(from_gr, mk.store, client=client)
    assert result.error is None and result.inserted > 0 and result.pages >= 3  # paged: page_size 40
    with client_for(from_mk) as client:
        assert poll_once(from_mk, gr.store, client=client).error is None
    gr_cells = _check_picture(mk, "gr-share", gr_events, GR_TERMS[0], polled_at)
    mk_cells = _check_picture(gr, "mk-share", agencies["events"]["MK"], MK_TERMS[0], polled_at)
    assert set(h3.get_resolution(h3.int_to_str(int(c))) for c in mk_cells["cell"]) <= {4, 5}
    # Levels: GR shares its GR-MK sections' levels with their evidence; MK shares none.
    levels = partner_levels(mk.store, "gr-share")
    assert levels["section_id"].tolist() == ["GRC-MKD-07"] and levels["level"].tolist() == ["high"]
    assert levels["evidence"].iloc[0].startswith("rising: change_pct = 72.8")
    assert partner_levels(gr.store, "mk-share").empty
    # The partner's picture never enters the events: the subscriber's own events are unchanged.
    assert not read_events(mk.store)["source"].isin(["gr-share"]).any()
    assert len(gr_cells) and feed_health(mk.store).set_index("feed").loc["gr-share", "lag_s"] >= 3600
    # What was sent is in the publisher's send log, by partner and agreement version.
    log = sent_log(gr.store)
    sent = log[(log["partner"] == "MK") & (log["status"] == 200)]
    assert sent["items"].sum() >= len(gr_cells) + 1 and set(sent["version"]) == {1}


def test_an_unchanged_picture_is_not_sent_again(agencies: dict[str, Agency]) -> None:
    gr, mk = agencies["GR"], agencies["MK"]
    feed = share_feed("gr-share", gr.endpoint("MK"), mk.keys / "from-GR", "MK")
    with client_for(feed) as client:
        result = poll_once(feed, mk.store, client=client)
    assert result.error is None and result.not_modified and result.pages == 1
    assert sent_log(gr.store)["status"].iloc[0] == 304


def test_paging_errors_and_collections_an_agreement_lacks(agencies: dict[str, Agency]) -> None:
    gr, mk = agencies["GR"], agencies["MK"]
    ca = mk.keys / "from-GR" / "ca.pem"
    bg = agencies["BG_keys"] / "from-GR"  # type: ignore[operator]
    with httpx.Client(verify=_context(mk.keys / "from-GR", "MK", ca)) as client:
        assert client.get(gr.endpoint("MK") + "/collections/levels").json()["id"] == "levels"
        assert client.get(gr.endpoint("MK") + "/collections/events/items").status_code == 404
        for bad in ("limit=0", "limit=5001", "offset=-1", "limit=ten"):
            answer = client.get(gr.endpoint("MK") + f"/collections/hexagons/items?{bad}")
            assert answer.status_code == 400 and "limit" in answer.json()["error"]
        assert client.post(gr.endpoint("MK")).status_code == 405  # read-only
    with httpx.Client(verify=_context(bg, "BG", ca)) as client:  # BG's agreement shares no levels
        assert client.get(gr.endpoint("BG") + "/collections/levels/items").status_code == 404
        assert [c["id"] for c in client.get(gr.endpoint("BG") + "/collections").json()["collections"]] == ["hexagons"]


def _context(bundle: Path | None, partner: str | None, ca: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca))
    if bundle is not None and partner is not None:
        context.load_cert_chain(str(bundle / f"{partner}.pem"), str(bundle / f"{partner}.key"))
    return context


def test_refused_without_a_certificate_with_another_partners_or_an_expired_one(agencies: dict[str, Agency],
                                                                                 tmp_path: Path) -> None:
    gr, mk = agencies["GR"], agencies["MK"]
    ca = mk.keys / "from-GR" / "ca.pem"
    url = gr.endpoint("MK") + "/collections/hexagons/items"
    # No client certificate: the TLS handshake fails, no request is answered.
    with pytest.raises(httpx.TransportError):
        httpx.get(url, verify=_context(None, None, ca))
    # A certificate of another authority (MK's own, issued to GR): refused by TLS as well.
    with pytest.raises(httpx.TransportError):
        httpx.get(url, verify=_context(gr.keys / "from-MK", "GR", ca))
    # Another partner's certificate (BG's, from GR's own authority) on MK's endpoint: 403, and the other way round.
    bg = agencies["BG_keys"] / "from-GR"  # type: ignore[operator]
    assert httpx.get(url, verify=_context(bg, "BG", ca)).status_code == 403
    assert httpx.get(gr.endpoint("BG"), verify=_context(mk.keys / "from-GR", "MK", ca)).status_code == 403
    assert httpx.get(gr.endpoint("BG"), verify=_context(bg, "BG", ca)).status_code == 200
    # An expired certificate, issued by GR's authority to MK: TLS refuses it.
    expired = issue(gr.store, gr.ca_dir, tmp_path / "expired", partner="MK", days=1, actor="test",
                    not_before=datetime.now(timezone.utc) - timedelta(days=3))
    with pytest.raises(httpx.TransportError):
        httpx.get(url, verify=_context(expired.cert_path.parent, "MK", ca))
    log = sent_log(gr.store)
    refused = log[log["status"] == 403]
    assert "certificate of 'BG', not of 'MK'" in refused["detail"].tolist()
    assert "certificate of 'MK', not of 'BG'" in refused["detail"].tolist()


def test_no_private_field_reaches_any_response_of_any_agreement(agencies: dict[str, Agency]) -> None:
    gr, mk = agencies["GR"], agencies["MK"]
    ca = mk.keys / "from-GR" / "ca.pem"
    bg = agencies["BG_keys"] / "from-GR"  # type: ignore[operator]
    crawls = [(gr.endpoint("MK"), _context(mk.keys / "from-GR", "MK", ca)),
              (gr.endpoint("BG"), _context(bg, "BG", ca)),
              (mk.endpoint("GR"), _context(gr.keys / "from-MK", "GR", gr.keys / "from-MK" / "ca.pem"))]
    bodies: list[bytes] = []
    for url, context in crawls:
        with httpx.Client(verify=context) as client:
            for limit in (1, 7, 5000):
                responses = list(crawl(client, url, limit=limit))
                assert all(r.status_code == 200 and r.headers["etag"] for r in responses)
                bodies += [r.content for r in responses]
                hexagon_pages = [r.json() for r in responses if "/hexagons/items" in r.url.path]
                # Every page was read: at limit 1 one page per cell, and every cell once.
                assert sum(p["numberReturned"] for p in hexagon_pages) == hexagon_pages[0]["numberMatched"] > 0
                assert len(hexagon_pages) == -(-hexagon_pages[0]["numberMatched"] // limit)
    # The planted events counted: they are in GR's picture as numbers, and nowhere as text.
    for body in bodies:
        for name, planted in PLANTED.items():
            assert planted.encode() not in body, (name, body[:200])
    assert all(b"PLANTED" not in body for body in bodies)


def test_revoking_an_agreement_stops_the_flow_within_one_poll(agencies: dict[str, Agency]) -> None:
    gr, mk = agencies["GR"], agencies["MK"]
    feed = share_feed("gr-share", gr.endpoint("MK"), mk.keys / "from-GR", "MK")
    before = partner_cells(mk.store, "gr-share")
    assert main(["share", "revoke", "MK", "--db", gr.url]) == 0
    with client_for(feed) as client:
        result = poll_once(feed, mk.store, client=client)
    assert result.error is not None and "HTTP 403" in result.error
    assert feed_health(mk.store).set_index("feed").loc["gr-share", "failures"] == 1
    pd.testing.assert_frame_equal(partner_cells(mk.store, "gr-share"), before)  # nothing new arrived
    entries = read_log(gr.store, actions=("share_revoked", "share_agreed", "share_cert_issued"))
    assert {"share_revoked", "share_agreed", "share_cert_issued"} <= set(entries["action"])
    # The other agreements go on.
    bg = share_feed("gr-bg", gr.endpoint("BG"), agencies["BG_keys"] / "from-GR", "BG")  # type: ignore[operator]
    with client_for(bg) as client:
        assert poll_once(bg, mk.store, client=client).error is None
