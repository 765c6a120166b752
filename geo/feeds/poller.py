"""Poll live feeds with httpx into the store: conditional requests, cursors, paging, retries, health.

Robustness rules (DESIGN.md section 4):

- connect and read timeouts and a wall-clock deadline on every request; a response larger than
  ``max_bytes`` is refused; retries with backoff honouring ``Retry-After`` (:mod:`geo.feeds.fetch`);
- at most ``max_pages`` pages per poll (``next`` links, ``@iot.nextLink``); a next link to another
  origin, or back to a page already fetched (a loop), fails the poll;
- any failure of a poll (network, payload, a record no check foresaw) is the feed's, recorded in
  ``feed_health``, never raised; :mod:`geo.feeds.scheduler` backs the feed off;
- bad records go to the quarantine with their reason, a payload that stays unparseable too;
- the ETag and the cursor are stored only after a poll succeeded, and events are unique by
  ``(source, event_id)``: a restarted poller neither loses nor repeats events.

Report feeds (:data:`geo.feeds.kobo.REPORT_KINDS`) go through the same machinery but land in
the community reports queue (unique by ``(source, external_id)``), never directly as events.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from collections.abc import Mapping as Lookup
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Final

import httpx
import pandas as pd

from geo.errors import FeedError, describe, msg
from geo.feeds.fetch import FAILURES, Sleep, get_page, keep_own_query, same_origin
from geo.feeds.formats import FEED_KINDS, PARSERS, SENSORTHINGS_TYPES, ParsedPage
from geo.feeds.kobo import DEFAULT_FIELDS, REPORT_KINDS, kobo_drafts, kobo_params, parse_kobo
from geo.feeds.share import SHARE_KINDS, fetch_share
from geo.grid import BASE_RES, latlng_to_cells
from geo.ingest import NATIVE, Mapping, choose_mapping, parse_times, resolve, validate_chunk
from geo.models import check_source_name
from geo.region import Region
from geo.reports import insert_reports
from geo.store import Db, Store, add_quarantine, feed_state, insert_events, insert_units, record_poll, set_feed_state

SENSORTHINGS_EXPAND: Final[str] = "FeatureOfInterest,Datastream($expand=ObservedProperty,Thing($expand=Locations))"
SENSORTHINGS_MAPPING: Final[Mapping] = Mapping(
    name="sensorthings",
    columns={"event_id": ("event_id",), "occurred_at": ("occurred_at",), "type": ("type",),
             "attrs": ("sensor", "datastream", "observed_property")},
    type_values=dict(SENSORTHINGS_TYPES),
)
COT_MAPPING: Final[Mapping] = Mapping(
    name="cot",
    columns={"event_id": ("event_id",), "occurred_at": ("occurred_at",), "type": ("type",),
             "attrs": ("cot_type", "callsign")},
)
ALL_PARSERS: Final = {**PARSERS, "kobo": parse_kobo}
AUTH_SCHEMES: Final[dict[str, str]] = {"kobo": "Token"}
NO_TOKENS: Final[Lookup[str, str]] = MappingProxyType({})
"""No API tokens: what a poller holds unless the edge (``limes poll``) hands it the variables its feeds name."""
"""How each report platform expects its API token in the ``Authorization`` header."""


@dataclass(frozen=True)
class Feed:
    """One feed to poll. Times in seconds, sizes in bytes."""

    name: str
    url: str
    kind: str
    mapping: str | None = None
    interval_s: float = 5.0
    connect_timeout_s: float = 3.0
    read_timeout_s: float = 10.0
    deadline_s: float = 30.0
    """Wall-clock limit of one request, however the server drips its answer."""
    retries: int = 4
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    max_pages: int = 20
    max_bytes: int = 20_000_000
    page_size: int = 500
    fields: tuple[tuple[str, str], ...] = ()
    """Report feeds: our report field -> the form's field name, where the form differs from the defaults."""
    token_env: str | None = None
    """Report feeds: the environment variable holding the platform's API token (never the token itself)."""
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_ca: str | None = None
    """``limes-share`` feeds: the client certificate and key the partner issued us, and the partner's authority."""
    region: Region | None = field(default=None, compare=False)
    """The region whose towns place a report's typed place name (the installation's; not a TOML key)."""

    def __post_init__(self) -> None:
        check_source_name(self.name, what=msg("feed {feed!r}", feed=self.name))  # the feed's name is its events' source
        if self.kind not in (*FEED_KINDS, *REPORT_KINDS, *SHARE_KINDS):
            raise FeedError(msg("feed {feed!r}: kind must be one of {kinds}; got {kind!r}",
                                feed=self.name, kinds=[*FEED_KINDS, *REPORT_KINDS, *SHARE_KINDS], kind=self.kind),
                            feed=self.name, url=self.url)
        tls = (self.tls_cert, self.tls_key, self.tls_ca)
        if (self.kind in SHARE_KINDS) != all(tls) or (self.kind not in SHARE_KINDS and any(tls)):
            raise FeedError(msg("feed {feed!r}: a {share_kind} feed needs tls_cert, tls_key and tls_ca (and only "
                                "it takes them)",
                                feed=self.name, share_kind=SHARE_KINDS[0]), feed=self.name, url=self.url)
        if self.kind in SHARE_KINDS and not self.url.startswith("https://"):
            raise FeedError(msg("feed {feed!r}: a {share_kind} feed's url must start with https://; got {url!r}",
                                feed=self.name, share_kind=SHARE_KINDS[0], url=self.url), feed=self.name, url=self.url)
        # A TOML table arrives as a dict; kept as pairs so that the feed stays hashable.
        object.__setattr__(self, "fields", tuple(sorted(dict(self.fields).items())))
        unknown = sorted(set(dict(self.fields)) - set(DEFAULT_FIELDS))
        if unknown:
            raise FeedError(msg("feed {feed!r}: unknown report field(s) {unknown}; fields are {fields}",
                                feed=self.name, unknown=unknown, fields=list(DEFAULT_FIELDS)),
                            feed=self.name, url=self.url)
        if (self.token_env is not None or self.fields) and self.kind not in REPORT_KINDS:
            raise FeedError(msg("feed {feed!r}: token_env and fields belong to report feeds ({report_kinds}); "
                                "kind is {kind!r}",
                                feed=self.name, report_kinds=list(REPORT_KINDS), kind=self.kind),
                            feed=self.name, url=self.url)
        if not self.url.startswith(("http://", "https://")):
            raise FeedError(msg("feed {feed!r}: url must start with http:// or https://; got {url!r}",
                                feed=self.name, url=self.url),
                            feed=self.name, url=self.url)
        if (self.retries < 0 or self.max_pages < 1 or self.max_bytes < 1 or self.interval_s <= 0
                or self.deadline_s <= 0):
            raise FeedError(msg("feed {feed!r}: retries >= 0, max_pages >= 1, max_bytes >= 1, interval_s > 0, "
                                "deadline_s > 0",
                                feed=self.name), feed=self.name, url=self.url)

    def event_mapping(self) -> Mapping:
        if self.mapping is not None:
            return choose_mapping(self.mapping, [])
        return {"geojson": NATIVE, "sensorthings": SENSORTHINGS_MAPPING, "cot": COT_MAPPING}[self.kind]


@dataclass
class PollResult:
    """What one poll of one feed did."""

    feed: str
    pages: int = 0
    read: int = 0
    inserted: int = 0
    duplicates: int = 0
    quarantined: int = 0
    units: int = 0
    skipped: int = 0
    not_modified: bool = False
    reports: int = 0
    error: str | None = None
    lag_s: float | None = None


def problems_frame(source: str, origin: str, problems: list[tuple[str, str, str]]) -> pd.DataFrame:
    """Quarantine records for ``(reason, detail, raw)`` problems of ``source`` that came from ``origin``."""
    return pd.DataFrame({"source": source, "file_name": origin, "row_number": 0,
                         "reason": [p[0] for p in problems], "detail": [p[1] for p in problems],
                         "raw": [p[2] for p in problems]})


def _write_units(page: ParsedPage, db: Db, source: str) -> tuple[int, int, list[tuple[str, str, str]]]:
    """Store the page's unit fixes: (inserted, usable fixes, problems for the quarantine)."""
    if not page.units:
        return 0, 0, []
    units = pd.DataFrame(page.units)
    at = parse_times(units["at"].astype(str), ())
    stale_at = parse_times(units["stale_at"].astype(str), ()).fillna(at)
    ok = at.notna() & units["lat"].between(-90, 90) & units["lon"].between(-180, 180)
    problems = [("bad_unit_position", "unit fix with an unreadable time or a position out of range",
                 json.dumps(r, default=str)) for r in units[~ok].to_dict(orient="records")]
    good = units[ok].assign(source=source, at=at[ok], stale_at=stale_at[ok])
    good["cell"] = latlng_to_cells(good["lat"].to_numpy(), good["lon"].to_numpy(), BASE_RES)
    return insert_units(db, good), len(good), problems


def write_page(page: ParsedPage, db: Db, *, source: str, origin: str, mapping: Mapping, now: datetime,
               result: PollResult) -> pd.Timestamp | None:
    """Validate and store one parsed page (events, units, problems) of ``source``; counts go to ``result``.

    ``origin`` names where the page came from (a URL, a TCP peer) in quarantine records. The page's
    events, units and quarantined rows are one transaction (joined with ``db``'s when it is one).
    Returns the newest event time among the rows it stored.
    """
    newest = None
    quarantine = [problems_frame(source, origin, page.problems)]
    frame = page.frame()
    events = None
    if not frame.empty:
        resolved = resolve(mapping, list(frame.columns), spatial=True)
        checked = validate_chunk(frame, resolved, source=source, file_name=origin, first_row=1, now=now,
                                 geometry_lonlat=page.geometry())
        events = checked.events
        quarantine.append(checked.quarantine)
        if not events.empty:
            newest = events["occurred_at"].max()
    with db.transaction() as tx:
        inserted = 0 if events is None else insert_events(tx, events)
        units, usable_units, unit_problems = _write_units(page, tx, source)
        quarantine.append(problems_frame(source, origin, unit_problems))
        rejected = [q for q in quarantine if not q.empty]
        quarantined = add_quarantine(tx, pd.concat(rejected, ignore_index=True)) if rejected else 0
    # Every record of the page is counted once as read, and ends once as inserted (an event or a unit fix),
    # duplicate, quarantined or skipped (not an event): read == inserted + units + duplicates + quarantined + skipped.
    result.read += len(page.rows) + len(page.units) + len(page.problems) + page.skipped
    if events is not None:
        result.inserted += inserted
        result.duplicates += len(events) - inserted
    result.duplicates += usable_units - units
    result.units += units
    result.quarantined += quarantined
    result.skipped += page.skipped
    return newest


def _first_request(feed: Feed, cursor: str | None) -> dict[str, str] | None:
    if feed.kind == "geojson":
        return {"since": cursor, "limit": str(feed.page_size)} if cursor else {"limit": str(feed.page_size)}
    if feed.kind == "sensorthings":
        params = {"$orderby": "phenomenonTime asc", "$top": str(feed.page_size), "$expand": SENSORTHINGS_EXPAND}
        if cursor:
            params["$filter"] = f"phenomenonTime gt {cursor}"
        return params
    if feed.kind == "kobo":
        return kobo_params(cursor=cursor, page_size=feed.page_size)
    return None


def _auth_headers(feed: Feed, tokens: Lookup[str, str]) -> dict[str, str]:
    """The ``Authorization`` header of a report platform: ``tokens[feed.token_env]`` (the edge reads the variable)."""
    if feed.token_env is None:
        return {}
    token = tokens.get(feed.token_env)
    if not token:
        raise FeedError(msg("{feed}: the environment variable {token_env} holds no API token",
                            feed=feed.name, token_env=feed.token_env), feed=feed.name,
                        url=feed.url)
    return {"Authorization": f"{AUTH_SCHEMES[feed.kind]} {token}"}


def write_reports(page: ParsedPage, db: Db, *, feed: Feed, now: datetime, result: PollResult) -> None:
    """Queue one page of a report feed; refused records go to the quarantine (one transaction). Counts go to
    ``result``."""
    drafts, problems, skipped = kobo_drafts(page.reports, source=feed.name, fields=dict(feed.fields), now=now,
                                               region=feed.region)
    result.read += len(page.reports)
    with db.transaction() as tx:
        added = insert_reports(tx, drafts, actor=f"feed:{feed.name}", now=now)
        quarantined = add_quarantine(tx, problems_frame(feed.name, feed.url, problems)) if problems else 0
    result.reports += added
    result.duplicates += len(drafts) - added
    result.skipped += skipped
    result.quarantined += quarantined


def _next_url(feed: Feed, page: ParsedPage, seen: set[str]) -> str | None:
    """The page's next link, checked: same origin as the feed (credentials stay there), not seen before."""
    if page.next_url is None:
        return None
    if not same_origin(page.next_url, feed.url):
        raise FeedError(msg("{feed}: refused a next link to another origin ({next_url}); the feed's credentials "
                            "and queries go to {url} only",
                            feed=feed.name, next_url=page.next_url, url=feed.url), feed=feed.name, url=page.next_url)
    url = keep_own_query(page.next_url, feed.url)
    if url in seen:
        raise FeedError(msg("{feed}: next-link loop: {url} was already fetched in this poll",
                            feed=feed.name, url=url), feed=feed.name,
                        url=url)
    return url


def _fetch_and_write(feed: Feed, store: Store, *, client: httpx.Client, now: datetime, sleep: Sleep,
                     tokens: Lookup[str, str], result: PollResult, abort: Callable[[], None] | None) -> tuple[str | None, str | None, pd.Timestamp | None]:
    """Every page of one poll into the store; returns the new ETag, cursor and newest event time."""
    if feed.kind in SHARE_KINDS:  # a partner's picture: its own tables, never events
        return fetch_share(feed, store, client=client, now=now, sleep=sleep, result=result, abort=abort)
    etag, cursor = feed_state(store, feed.name)
    mapping = None if feed.kind in REPORT_KINDS else feed.event_mapping()
    headers = {"If-None-Match": etag} if etag and feed.kind == "geojson" else {}
    auth = _auth_headers(feed, tokens)
    headers.update(auth)
    url: str | None = feed.url
    params = _first_request(feed, cursor)
    new_etag, new_cursor, newest = etag, cursor, None
    seen: set[str] = set()
    while url is not None and result.pages < feed.max_pages:
        seen.add(url)
        page_etag, page = get_page(client, feed, url, params, headers, sleep, ALL_PARSERS[feed.kind], abort=abort)
        result.pages += 1
        if page is None:  # 304: nothing new since our ETag
            result.not_modified = True
            break
        if result.pages == 1:
            new_etag = page_etag
        try:
            if mapping is None:
                write_reports(page, store, feed=feed, now=now, result=result)
            else:
                page_newest = write_page(page, store, source=feed.name, origin=feed.url, mapping=mapping, now=now,
                                         result=result)
                newest = max((t for t in (newest, page_newest) if t is not None), default=None)
        except FAILURES as exc:
            # A record no check foresaw (a date pandas cannot hold, say): nothing of the page was written
            # (one transaction), so the page's records go to the quarantine with the reason, not lost.
            records = [*({**row, "lon": x, "lat": y} for row, x, y in zip(page.rows, page.lon, page.lat, strict=True)),
                       *page.units, *page.reports, *(p[2] for p in page.problems)]
            raise FeedError(msg("{feed}: a page could not be stored ({error}: {exc})",
                                feed=feed.name, error=type(exc).__name__, exc=exc), feed=feed.name,
                            url=url, body=json.dumps(records, ensure_ascii=False, default=str).encode()) from None
        new_cursor = page.cursor or new_cursor
        # Next links carry the query; the token goes to every page of the platform (same origin only).
        url, params, headers = _next_url(feed, page, seen), None, dict(auth)
    return new_etag, new_cursor, newest


def poll_once(feed: Feed, store: Store, *, client: httpx.Client, now: datetime | None = None,
              sleep: Sleep = time.sleep, tokens: Lookup[str, str] = NO_TOKENS,
              abort: Callable[[], None] | None = None) -> PollResult:
    """Fetch everything new from ``feed`` into ``store``; failures are recorded, not raised.

    ``tokens`` maps the environment variable a report feed names (``token_env``) to its API token;
    ``abort`` closes ``client``'s connections at a request's deadline (see :func:`geo.feeds.fetch.get_page`).
    Whatever fails (the network, the payload, a date out of range in a record) is this feed's
    failure: it lands in ``feed_health``, the last payload in the quarantine, and the cursor stays.
    """
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    result = PollResult(feed=feed.name)
    new_etag = new_cursor = newest = None
    body = b""
    try:
        new_etag, new_cursor, newest = _fetch_and_write(feed, store, client=client, now=now, sleep=sleep,
                                                        tokens=tokens, result=result, abort=abort)
    except FeedError as exc:
        # A parser knows only bytes: the feed's name goes in front of its message.
        text = describe(exc)
        result.error, body = text if text.startswith(f"{feed.name}:") else f"{feed.name}: {text}", exc.body
    except FAILURES as exc:  # a cursor or ETag no check foresaw: the feed's failure, never the poller's
        result.error = f"{feed.name}: {type(exc).__name__}: {describe(exc)}"
    if body:
        add_quarantine(store, problems_frame(feed.name, feed.url, [
            ("malformed_payload", str(result.error), body[:20_000].decode("utf-8", errors="replace"))]))
        result.quarantined += 1
    if result.error is None and newest is not None:
        result.lag_s = max(0.0, (pd.Timestamp(now) - newest).total_seconds())
    # The cursor moves only with the health record that counts the poll.
    with store.transaction() as tx:
        if result.error is None:
            set_feed_state(tx, feed.name, etag=new_etag, cursor=new_cursor)
        record_poll(tx, feed.name, kind=feed.kind, error=result.error, lag_s=result.lag_s, events=result.inserted,
                    units=result.units, reports=result.reports, quarantined=result.quarantined)
    return result


def load_feeds(doc: dict[str, object], *, region: Region | None = None) -> list[Feed]:
    """Feeds from a TOML config document: ``[[feed]]`` tables with the fields of :class:`Feed`; report feeds
    place typed place names in ``region`` (the bundled region when ``None``)."""
    tables = doc.get("feed")
    if not isinstance(tables, list) or not tables:
        raise FeedError(msg("the config lists no feeds: add [[feed]] tables with name, url and kind"))
    known = set(Feed.__dataclass_fields__) - {"region"}
    feeds = []
    for table in tables:
        unknown = sorted(set(table) - known)
        if unknown:
            raise FeedError(msg("feed {feed!r}: unknown key(s) {unknown}; keys are {keys}",
                                feed=table.get("name", "?"), unknown=unknown, keys=sorted(known)),
                            feed=table.get("name"), url=table.get("url"))
        feeds.append(replace(Feed(**table), region=region))
    return feeds


