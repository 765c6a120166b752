"""Run the poller: every feed on its own schedule, so that one feed's failure is that feed's problem.

Each feed polls in a thread of its own (one per configured feed, no more) with its own HTTP
client: a feed that drips its answer, redirects in a loop or sends garbage holds up only itself,
and the others keep their interval. A feed that fails backs off (its interval doubled per failure
in a row, up to ``max_backoff_s``) and is retried; every poll, failed or not, is in ``feed_health``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from collections.abc import Mapping as Lookup
from typing import Final

import httpx

from geo.errors import FeedError, LimesError
from geo.feeds.poller import NO_TOKENS, Feed, PollResult, poll_once
from geo.feeds.share import feed_transport
from geo.store import Store, record_poll

NAP_S: Final[float] = 0.05
"""How often a waiting feed thread looks at ``should_stop``: a stop takes effect within this."""
MAX_REDIRECTS: Final[int] = 5

log = logging.getLogger(__name__)


def next_wait_s(feed: Feed, failures_in_a_row: int) -> float:
    """Seconds until a feed's next poll: its interval, doubled for each failure in a row, at most
    ``max_backoff_s`` (and never less than the interval)."""
    if failures_in_a_row <= 0:
        return feed.interval_s
    return max(feed.interval_s, min(feed.interval_s * 2 ** failures_in_a_row, feed.max_backoff_s))


def _nap(seconds: float, should_stop: Callable[[], bool]) -> None:
    """Sleep ``seconds`` in short naps, waking early when the poller stops."""
    end = time.monotonic() + seconds
    while not should_stop() and (left := end - time.monotonic()) > 0:
        time.sleep(min(NAP_S, left))


def _poll_safely(feed: Feed, store: Store, *, client: httpx.Client, transport: httpx.HTTPTransport,
                 should_stop: Callable[[], bool], tokens: Lookup[str, str]) -> PollResult:
    """One poll of ``feed``; whatever escapes :func:`poll_once` becomes this feed's recorded failure."""
    try:
        # Closing the feed's own transport at a deadline cuts off only this feed's connection (the pool reopens).
        return poll_once(feed, store, client=client, tokens=tokens, sleep=lambda s: _nap(s, should_stop),
                         abort=transport.close)
    except Exception as exc:  # the isolation boundary: no feed may stop the others' threads
        error = f"{feed.name}: poll failed unexpectedly ({type(exc).__name__}: {exc})"
        log.exception("%s; the feed backs off, the other feeds go on", error)
        try:
            record_poll(store, feed.name, kind=feed.kind, error=error)
        except LimesError:
            log.error("%s; and its health record could not be written", error)
        return PollResult(feed=feed.name, error=error)


def _run_feed(feed: Feed, store: Store, *, should_stop: Callable[[], bool],
              on_result: Callable[[PollResult], None] | None, tokens: Lookup[str, str]) -> None:
    failures = 0
    try:
        transport = feed_transport(feed)
    except FeedError as exc:  # a certificate that cannot be loaded: this feed's failure, recorded, not polled
        record_poll(store, feed.name, kind=feed.kind, error=str(exc))
        if on_result is not None:
            on_result(PollResult(feed=feed.name, error=str(exc)))
        return
    with httpx.Client(transport=transport, follow_redirects=True, max_redirects=MAX_REDIRECTS) as client:
        while not should_stop():
            result = _poll_safely(feed, store, client=client, transport=transport, should_stop=should_stop,
                                  tokens=tokens)
            failures = failures + 1 if result.error else 0
            if result.error:
                log.warning("feed %s failed (%d in a row): %s", feed.name, failures, result.error)
            if on_result is not None:
                on_result(result)
            _nap(next_wait_s(feed, failures), should_stop)


def run_poller(feeds: list[Feed], store: Store, *, should_stop: Callable[[], bool],
               on_result: Callable[[PollResult], None] | None = None, tokens: Lookup[str, str] = NO_TOKENS) -> None:
    """Poll each feed at its interval until ``should_stop()`` is true, each feed in its own thread.

    ``tokens`` as for :func:`geo.feeds.poller.poll_once`; ``on_result`` is called from the feed's
    thread after every poll. Returns when every feed thread has finished its current poll.
    """
    threads = [threading.Thread(target=_run_feed, args=(feed, store), name=f"limes-feed-{feed.name}", daemon=True,
                                kwargs={"should_stop": should_stop, "on_result": on_result, "tokens": tokens})
               for feed in feeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
