"""Live feeds into the store: payload formats, the poller, KoboToolbox reports, partners' shared pictures and
the CoT listener.

Timeouts, retries with backoff, a health record per feed; bad records are quarantined, never dropped.
"""

from geo.feeds.cot_listener import make_cot_listener
from geo.feeds.fetch import merge_query, retry_after_s, same_origin
from geo.feeds.formats import parse_cot, parse_sensorthings
from geo.feeds.poller import Feed, PollResult, load_feeds, poll_once
from geo.feeds.scheduler import next_wait_s, run_poller
from geo.feeds.share import SHARE_KINDS, feed_transport, parse_share_page

__all__ = [
    "SHARE_KINDS",
    "feed_transport",
    "parse_share_page",
    "Feed",
    "PollResult",
    "load_feeds",
    "make_cot_listener",
    "merge_query",
    "next_wait_s",
    "parse_cot",
    "parse_sensorthings",
    "poll_once",
    "retry_after_s",
    "run_poller",
    "same_origin",
]
