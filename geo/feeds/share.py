"""The ``limes-share`` feed: a partner's shared picture, polled over mutual TLS into tables of its own.

The feed's URL is the partner's endpoint for us (``https://`` the partner's host and port, then
``/<our name>``); ``tls_cert`` and ``tls_key`` are the client certificate the partner issued us,
``tls_ca`` the partner's authority. A
poll asks for the first page of hexagons with the last ETag (304: nothing changed, nothing more is
asked), then follows ``next`` links, reads the collections and, where the agreement shares them, the
levels, and replaces the partner's picture whole in one transaction. It never writes events: what a
partner sends does not count in our figures. Records that are not what the format promises go to the
quarantine with their reason.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import h3
import httpx
import pandas as pd

from geo.errors import FeedError, msg
from geo.feeds.fetch import Sleep, get_page, keep_own_query, same_origin
from geo.models import SHARE_HEXAGONS, SHARE_LEVELS, SHARE_PICTURE_KEY
from geo.store import Store, StoredPicture, add_quarantine, epoch_ms, feed_state, replace_picture

if TYPE_CHECKING:
    from geo.feeds.poller import Feed, PollResult

SHARE_KINDS: Final[tuple[str, ...]] = ("limes-share",)
_HEAD_FIELDS: Final[dict[str, type]] = {"publisher": str, "partner": str, "agreement_version": int, "res": int,
                                        "k": int, "delay_s": int, "window_start_ms": int, "window_end_ms": int}


@dataclass
class SharePage:
    """One page of a shared collection: the picture's head, its features, the next link."""

    head: dict[str, Any]
    features: list[Any] = field(default_factory=list)
    collections: list[str] = field(default_factory=list)
    next_url: str | None = None


def feed_transport(feed: Feed) -> httpx.HTTPTransport:
    """The HTTP transport of ``feed``: for a ``limes-share`` feed, TLS checked against the partner's authority and
    our client certificate presented; a plain transport otherwise."""
    if feed.kind not in SHARE_KINDS:
        return httpx.HTTPTransport()
    try:
        context = ssl.create_default_context(cafile=feed.tls_ca)
        context.load_cert_chain(str(feed.tls_cert), str(feed.tls_key))
    except (OSError, ssl.SSLError) as exc:
        raise FeedError(msg("{feed}: cannot load the partner's authority or our certificate ({exc})",
                            feed=feed.name, exc=exc),
                        feed=feed.name, url=feed.url) from None
    return httpx.HTTPTransport(verify=context)


def _head(doc: dict[str, Any]) -> dict[str, Any]:
    head = doc.get(SHARE_PICTURE_KEY)
    if not isinstance(head, dict) or any(not isinstance(head.get(k), t) or isinstance(head.get(k), bool) and t is int
                                         for k, t in _HEAD_FIELDS.items()):
        raise FeedError(msg("not a shared picture: {key!r} must hold {fields}",
                            key=SHARE_PICTURE_KEY, fields=sorted(_HEAD_FIELDS)))
    return {k: head[k] for k in _HEAD_FIELDS}


def parse_share_page(body: bytes) -> SharePage:
    """A FeatureCollection page or the collections document of a partner's endpoint."""
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(msg("shared picture is not JSON ({exc})", exc=exc)) from None
    if not isinstance(doc, dict):
        raise FeedError(msg("shared picture is not a JSON object"))
    if "collections" in doc:
        ids = [c.get("id") for c in doc["collections"] if isinstance(c, dict)] if isinstance(doc["collections"],
                                                                                          list) else []
        return SharePage(head={}, collections=[str(i) for i in ids])
    features = doc.get("features")
    if doc.get("type") != "FeatureCollection" or not isinstance(features, list):
        raise FeedError(msg("shared picture page is not a GeoJSON FeatureCollection"))
    links = doc.get("links") if isinstance(doc.get("links"), list) else []
    nexts = [link.get("href") for link in links if isinstance(link, dict) and link.get("rel") == "next"]
    return SharePage(head=_head(doc), features=features, next_url=nexts[0] if nexts and isinstance(nexts[0], str)
                     else None)


def _cell(feature: Any, head: dict[str, Any]) -> tuple[int, int] | str:
    """``(cell, events)`` of a hexagon feature, or why it is unusable."""
    props = feature.get("properties") if isinstance(feature, dict) else None
    if not isinstance(props, dict):
        return "feature without properties"
    hex_id, events = props.get("h3"), props.get("events")
    if not isinstance(hex_id, str) or not h3.is_valid_cell(hex_id):
        return f"not an H3 cell: {hex_id!r}"
    if h3.get_resolution(hex_id) > head["res"]:
        return f"cell {hex_id} finer than the agreed resolution {head['res']}"
    if not isinstance(events, int) or isinstance(events, bool) or events < head["k"]:
        return f"count {events!r} is not an integer >= k = {head['k']}"
    return h3.str_to_int(hex_id), events


def _level(feature: Any) -> tuple[str, str, str, int] | str:
    props = feature.get("properties") if isinstance(feature, dict) else None
    if not isinstance(props, dict):
        return "feature without properties"
    values = (props.get("section_id"), props.get("level"), props.get("evidence"), props.get("set_at_ms"))
    if not all(isinstance(v, str) for v in values[:3]) or not isinstance(values[3], int):
        return "level without section_id, level, evidence (text) and set_at_ms (integer)"
    return values  # type: ignore[return-value]


def _collection(feed: Feed, client: httpx.Client, url: str, headers: dict[str, str], sleep: Sleep,
                result: PollResult, abort: Callable[[], None] | None) -> tuple[str | None, list[SharePage]]:
    """Every page of one collection (or the first answer's 304: ``(etag, [])``)."""
    pages: list[SharePage] = []
    seen: set[str] = set()
    first_etag = None
    params: dict[str, str] | None = {"limit": str(feed.page_size)}
    next_url: str | None = url
    while next_url is not None:
        if len(seen) >= feed.max_pages:
            raise FeedError(msg("{feed}: more than max_pages = {max_pages} pages in {url}",
                                feed=feed.name, max_pages=feed.max_pages, url=url), feed=feed.name,
                            url=url)
        seen.add(next_url)
        etag, page = get_page(client, feed, next_url, params, headers, sleep, parse_share_page, abort=abort)
        result.pages += 1
        if page is None:
            return etag, []
        first_etag = etag if not pages else first_etag
        if pages and page.head != pages[0].head:
            raise FeedError(msg("{feed}: the picture changed while paging; the next poll reads it again",
                                feed=feed.name),
                            feed=feed.name, url=next_url)
        pages.append(page)
        candidate = page.next_url
        if candidate is not None and (not same_origin(candidate, feed.url) or candidate in seen):
            raise FeedError(msg("{feed}: refused next link {candidate} (another origin, or a loop)",
                                feed=feed.name, candidate=candidate), feed=feed.name,
                            url=candidate)
        next_url = None if candidate is None else keep_own_query(candidate, feed.url)
        params, headers = None, {}
    return first_etag, pages


def fetch_share(feed: Feed, store: Store, *, client: httpx.Client, now: datetime, sleep: Sleep, result: PollResult,
                abort: Callable[[], None] | None) -> tuple[str | None, str | None, pd.Timestamp | None]:
    """One poll of a ``limes-share`` feed into the partner tables; returns the new ETag, no cursor, and the
    picture's window end (the poller's lag is then the partner's delay plus ours)."""
    etag, _ = feed_state(store, feed.name)
    base = feed.url.rstrip("/")
    new_etag, pages = _collection(feed, client, f"{base}/collections/{SHARE_HEXAGONS}/items",
                                  {"If-None-Match": etag} if etag else {}, sleep, result, abort)
    if not pages:
        result.not_modified = True
        return etag, None, None
    head = pages[0].head
    _, listing = _collection(feed, client, f"{base}/collections", {}, sleep, result, abort)
    level_pages: list[SharePage] = []
    if listing and SHARE_LEVELS in listing[0].collections:
        level_pages = _collection(feed, client, f"{base}/collections/{SHARE_LEVELS}/items", {}, sleep, result,
                                  abort)[1]
        if any(p.head != head for p in level_pages):
            raise FeedError(msg("{feed}: the picture changed while paging; the next poll reads it again",
                                feed=feed.name),
                            feed=feed.name, url=feed.url)
    cells, levels, problems = [], [], []
    for parse, store_in, page_list in ((_cell, cells, pages), (_level, levels, level_pages)):
        seen: set[object] = set()
        for feature in (f for p in page_list for f in p.features):
            parsed = parse(feature, head) if parse is _cell else parse(feature)
            if not isinstance(parsed, str) and parsed[0] in seen:  # the same cell or section twice: the first counts
                parsed = f"{parsed[0]} sent twice in one picture"
            if isinstance(parsed, str):
                problems.append(("bad_shared_record", parsed, json.dumps(feature, default=str)[:20_000]))
            else:
                seen.add(parsed[0])
                store_in.append(parsed)
    picture = StoredPicture(feed=feed.name, publisher=head["publisher"], version=head["agreement_version"],
                            res=head["res"], delay_s=head["delay_s"], k=head["k"],
                            window_start_ms=head["window_start_ms"], window_end_ms=head["window_end_ms"],
                            received_at_ms=epoch_ms(now))
    with store.transaction() as tx:
        replace_picture(tx, picture, cells=cells, levels=levels)
        if problems:
            result.quarantined += add_quarantine(tx, pd.DataFrame({
                "source": feed.name, "file_name": feed.url, "row_number": 0, "reason": [p[0] for p in problems],
                "detail": [p[1] for p in problems], "raw": [p[2] for p in problems]}))
    result.read += len(cells) + len(levels) + len(problems)
    result.inserted += len(cells) + len(levels)
    return new_etag, None, pd.Timestamp(head["window_end_ms"], unit="ms", tz="UTC")
