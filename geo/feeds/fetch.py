"""One page of a feed over HTTP: retries, deadlines, origins and query strings.

- Every request has connect and read timeouts and a wall-clock deadline (``deadline_s``): a
  server that drips a byte just before each read timeout is cut off all the same.
- 429, 5xx, timeouts, transport and decoding failures (a bad gzip stream) and unparseable
  payloads are retried with exponential backoff that honours ``Retry-After``; other 4xx fail at once.
- Credentials stay with their origin: a next link to another scheme, host or port is refused
  (:func:`same_origin`), and httpx drops ``Authorization`` on a redirect away from the origin.
- The feed URL's own query string (an API key, a filter) is kept: :func:`merge_query` adds the
  poller's parameters to it, joining two OData ``$filter`` expressions with ``and``.

Any failure comes out as :class:`geo.errors.FeedError` with the feed, the URL, the last status
and the last body received (for the quarantine).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from geo.errors import FeedError, msg

if TYPE_CHECKING:
    from geo.feeds.formats import ParsedPage
    from geo.feeds.poller import Feed

Sleep = Callable[[float], None]
Parser = Callable[[bytes], "ParsedPage"]
DEFAULT_PORTS: Final[dict[str, int]] = {"http": 80, "https": 443}
FAILURES: Final[tuple[type[BaseException], ...]] = (
    httpx.HTTPError, httpx.InvalidURL, RecursionError, UnicodeError, OverflowError, ValueError,
)
"""What a request or a parser can raise besides :class:`FeedError`: transport, decoding (gzip), too deep a
document, a date or number out of range. Each is turned into a :class:`FeedError` of the feed."""


def retry_after_s(response: httpx.Response, *, now: datetime | None = None) -> float | None:
    """Seconds the server asks us to wait (``Retry-After`` as seconds or an HTTP date), if it says."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    # RFC 5322 allows "-0000" (no zone known): such a date comes back naive and is read as UTC.
    when = when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of ``url``, the port made explicit for http and https."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: an origin of its own, never ours
        port = -1
    return scheme, (parts.hostname or "").lower(), port if port is not None else DEFAULT_PORTS.get(scheme)


def same_origin(url: str, other: str) -> bool:
    """Whether ``url`` and ``other`` share scheme, host and port (the origin credentials belong to)."""
    return origin(url) == origin(other)


def merge_query(url: str, params: Mapping[str, str] | None) -> str:
    """``url`` with ``params`` added to its own query string, which is kept.

    On a shared key the poller's value wins (it carries the cursor and the page size), except
    ``$filter``: the feed's own filter and the poller's are joined with ``and``.
    """
    if not params:
        return url
    parts = urlsplit(url)
    own = parse_qsl(parts.query, keep_blank_values=True)
    merged = [(k, v) for k, v in own if k not in params]
    for key, value in params.items():
        theirs = [v for k, v in own if k == key]
        if key == "$filter" and theirs:
            value = " and ".join(f"({v})" for v in (*theirs, value))
        merged.append((key, value))
    return urlunsplit(parts._replace(query=urlencode(merged)))


def keep_own_query(next_url: str, feed_url: str) -> str:
    """A next link with the feed URL's own parameters it lacks (an API key in the query) added back.

    OData system options (``$filter``, ``$skip``, …) are left as the server wrote them: in a
    SensorThings next link they are the server's paging state, and its filter already holds ours.
    """
    have = {k for k, _ in parse_qsl(urlsplit(next_url).query, keep_blank_values=True)}
    missing = {k: v for k, v in parse_qsl(urlsplit(feed_url).query, keep_blank_values=True)
               if k not in have and not k.startswith("$")}
    return merge_query(next_url, missing) if missing else next_url


def _body(response: httpx.Response, feed: Feed, url: str, deadline: float) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > feed.max_bytes:
            raise FeedError(msg("{name}: response larger than {max_bytes:,} bytes; refused",
                                name=feed.name, max_bytes=feed.max_bytes),
                            feed=feed.name, url=url, status=response.status_code)
        if time.monotonic() > deadline:
            raise FeedError(msg("{name}: response not complete within the {deadline_s:g} s deadline ({size:,} bytes "
                                "received)", name=feed.name, deadline_s=feed.deadline_s, size=size),
                            feed=feed.name, url=url, status=response.status_code)
        chunks.append(chunk)
    return b"".join(chunks)


def get_page(client: httpx.Client, feed: Feed, url: str, params: dict[str, str] | None, headers: dict[str, str],
             sleep: Sleep, parse: Parser, *, abort: Callable[[], None] | None = None
             ) -> tuple[str | None, ParsedPage | None]:
    """GET and parse one page with retries. Returns (etag, page or None on 304).

    ``abort`` closes the connections of ``client`` (its transport's ``close``): called from a timer
    at the deadline, it also cuts off a server that drips its status line and headers, which no
    per-read timeout can (without it the deadline is checked between body chunks only).

    Raises
    ------
    FeedError
        After the last try, with the last status and body received (the body for the quarantine)
        and a note saying how many tries were made.
    """
    # httpx replaces a URL's query string with ``params``: merged here so that the feed's own survives.
    url = merge_query(url, params)
    failure = FeedError(f"{feed.name}: no attempt", feed=feed.name, url=url)
    for attempt in range(feed.retries + 1):
        wait = min(feed.backoff_s * 2 ** attempt, feed.max_backoff_s)
        deadline = time.monotonic() + feed.deadline_s
        watchdog = threading.Timer(feed.deadline_s, abort) if abort is not None else None
        if watchdog is not None:
            watchdog.daemon = True
            watchdog.start()
        try:
            # The read timeout never outlasts the deadline: a slow server is cut off at the deadline.
            timeout = httpx.Timeout(min(feed.read_timeout_s, feed.deadline_s),
                                    connect=min(feed.connect_timeout_s, feed.deadline_s))
            with client.stream("GET", url, headers=headers, timeout=timeout) as response:
                if response.status_code == 304:
                    return response.headers.get("ETag"), None
                if response.status_code == 429 or response.status_code >= 500:
                    failure = FeedError(msg("{name}: HTTP {status_code} from {url}", name=feed.name,
                                            status_code=response.status_code, url=url),
                                        feed=feed.name, url=url, status=response.status_code)
                    asked = retry_after_s(response)
                    wait = min(asked, feed.max_backoff_s) if asked is not None else wait
                elif response.status_code >= 400:
                    raise FeedError(msg("{name}: HTTP {status_code} from {url}",
                                        name=feed.name, status_code=response.status_code, url=url),
                                    feed=feed.name, url=url, status=response.status_code)
                elif response.status_code >= 300:  # a redirect httpx did not follow (no Location)
                    raise FeedError(msg("{name}: HTTP {status_code} without a usable Location from {url}",
                                        name=feed.name, status_code=response.status_code, url=url),
                                    feed=feed.name, url=url, status=response.status_code)
                else:
                    body = _body(response, feed, url, deadline)
                    try:
                        return response.headers.get("ETag"), parse(body)
                    except FeedError as exc:  # the parser knows only bytes: the feed's context is added here
                        exc.feed, exc.url, exc.status, exc.body = feed.name, url, response.status_code, body
                        failure = exc
                    except FAILURES as exc:  # a payload no parser check foresaw (too deep, a number out of range)
                        failure = FeedError(msg("{name}: unreadable payload ({kind}: {exc})",
                                                name=feed.name, kind=type(exc).__name__, exc=exc),
                                            feed=feed.name, url=url, status=response.status_code, body=body)
        except httpx.TooManyRedirects as exc:
            raise FeedError(msg("{name}: redirect loop from {url} ({exc})", name=feed.name, url=url, exc=exc),
                            feed=feed.name, url=url) from None
        except FAILURES as exc:
            if watchdog is not None and watchdog.finished.is_set() and time.monotonic() >= deadline:
                raise FeedError(msg("{name}: no complete answer within the {deadline_s:g} s deadline from {url}",
                                    name=feed.name, deadline_s=feed.deadline_s, url=url),
                                feed=feed.name, url=url) from None
            failure = FeedError(msg("{name}: {error}: {exc}", name=feed.name, error=type(exc).__name__, exc=exc),
                                feed=feed.name, url=url)
        finally:
            if watchdog is not None:
                watchdog.cancel()
        if attempt < feed.retries:
            sleep(wait)
    failure.add_note(msg("after {tries} tries", tries=feed.retries + 1))
    raise failure
