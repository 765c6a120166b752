"""A Cursor-on-Target TCP listener: TAK clients push a stream of ``<event>`` documents; each lands in the store.

Events are cut from the stream at each ``</event>`` (with or without a namespace prefix), so one
may arrive split over many packets and many in one packet. Every message ends as stored rows, a
counted duplicate or a quarantine record with its reason: one that is not XML, or that holds no
``<event>``, is quarantined whole. A connection that sends more than :data:`MAX_PENDING_BYTES`
without closing an event, or stays silent longer than ``idle_timeout_s``, is cut off, its open
bytes quarantined. At most ``max_connections`` clients are served at once (one thread each); one
more is closed at once and the refusal recorded in the listener's health. Friendly ground units
become unit positions, other types events (see :mod:`geo.feeds.formats`); every message updates
the listener's health (``polls`` counts messages).
"""

from __future__ import annotations

import logging
import re
import socketserver
import threading
from datetime import datetime, timezone
from typing import Any, Final

from geo.errors import FeedError, LimesError, msg
from geo.feeds.formats import parse_cot
from geo.feeds.poller import COT_MAPPING, PollResult, problems_frame, write_page
from geo.store import Store, add_quarantine, record_poll

MAX_PENDING_BYTES: Final[int] = 1_000_000
END: Final = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?event\s*>")
MAX_CONNECTIONS: Final[int] = 64
IDLE_TIMEOUT_S: Final[float] = 120.0
RAW_CHARS: Final[int] = 20_000

log = logging.getLogger(__name__)


class CotServer(socketserver.ThreadingTCPServer):
    """A threading TCP server that serves at most ``max_connections`` clients at once."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[socketserver.BaseRequestHandler], *,
                 max_connections: int, idle_timeout_s: float, on_refused: Any) -> None:
        super().__init__(address, handler)
        self.slots = threading.BoundedSemaphore(max_connections)
        self.max_connections = max_connections
        self.idle_timeout_s = idle_timeout_s
        self._on_refused = on_refused

    def process_request(self, request: Any, client_address: Any) -> None:
        # The cap is taken before a thread starts: a flood of connections never becomes a flood of threads.
        if not self.slots.acquire(blocking=False):
            self._on_refused(client_address)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except (OSError, RuntimeError):  # no thread could be started: the slot goes back
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


def make_cot_listener(store: Store, *, name: str = "cot-tcp", port: int = 0, max_connections: int = MAX_CONNECTIONS,
                      idle_timeout_s: float = IDLE_TIMEOUT_S) -> CotServer:
    """A TCP server on 127.0.0.1 (``port`` 0: a free one) writing CoT events of the feed ``name``.

    Writes are serialised (one store connection); call ``serve_forever`` to run it.
    """
    if max_connections < 1 or idle_timeout_s <= 0:
        raise FeedError(msg("{name}: max_connections >= 1 and idle_timeout_s > 0; got {max_connections}, "
                            "{idle_timeout_s}",
                            name=name, max_connections=max_connections, idle_timeout_s=idle_timeout_s), feed=name)
    lock = threading.Lock()

    def quarantine(message: bytes, peer: str, reason: str, detail: str) -> None:
        with lock, store.transaction() as tx:
            add_quarantine(tx, problems_frame(name, peer, [
                (reason, detail, message[:RAW_CHARS].decode("utf-8", "replace"))]))
            record_poll(tx, name, kind="cot-tcp", error=detail, quarantined=1)

    def land(message: bytes, peer: str) -> None:
        try:
            page = parse_cot(message)
        except FeedError as exc:
            quarantine(message, peer, "malformed_payload", str(exc))
            return
        if not (page.rows or page.units or page.problems):
            quarantine(message, peer, "no_cot_event", "a CoT message without any <event> element")
            return
        result = PollResult(feed=name)
        # The message's rows and the health record that counts them land together.
        with lock, store.transaction() as tx:
            write_page(page, tx, source=name, origin=peer, mapping=COT_MAPPING, now=datetime.now(timezone.utc),
                       result=result)
            record_poll(tx, name, kind="cot-tcp", error=None, events=result.inserted, units=result.units,
                        quarantined=result.quarantined)

    def land_safely(message: bytes, peer: str) -> None:
        try:
            land(message, peer)
        except (ValueError, OverflowError, RecursionError) as exc:  # a record no check foresaw: kept, not lost
            quarantine(message, peer, "malformed_payload", f"{type(exc).__name__}: {exc}")

    def refused(client_address: Any) -> None:
        detail = (f"refused a connection from {client_address[0]}: {max_connections} connections already open "
                  "(max_connections)")
        log.warning("%s: %s", name, detail)
        try:
            with lock:
                record_poll(store, name, kind="cot-tcp", error=detail)
        except LimesError:
            log.exception("%s: the refusal could not be recorded", name)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            peer = f"tcp://{self.client_address[0]}:{self.client_address[1]}"
            self.request.settimeout(idle_timeout_s)
            pending = b""
            try:
                while chunk := self.request.recv(65536):
                    pending += chunk
                    while (end := END.search(pending)) is not None:
                        message, pending = pending[: end.end()], pending[end.end():]
                        land_safely(message, peer)
                    if len(pending) > MAX_PENDING_BYTES:
                        quarantine(pending, peer, "oversized_message",
                                   f"more than {MAX_PENDING_BYTES:,} bytes without </event>; connection closed")
                        return
            except TimeoutError:
                if pending.strip():
                    quarantine(pending, peer, "incomplete_message",
                               f"no data for {idle_timeout_s:g} s in the middle of a message; connection closed")
                return
            except OSError as exc:  # the client reset the connection: what it sent so far is kept
                log.info("%s: connection from %s ended: %s", name, peer, exc)
            if pending.strip():
                land_safely(pending, peer)

    return CotServer(("127.0.0.1", port), Handler, max_connections=max_connections, idle_timeout_s=idle_timeout_s,
                     on_refused=refused)

