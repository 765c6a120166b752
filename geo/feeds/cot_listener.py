"""A Cursor-on-Target TCP listener: TAK clients push a stream of ``<event>`` documents; each lands in the store.

Events are cut from the stream at each ``</event>``, so one may arrive split over many packets
and many in one packet. A connection that sends more than :data:`MAX_PENDING_BYTES` without
closing an event is cut off, its bytes quarantined. Friendly ground units become unit positions,
other types events (see :mod:`geo.feeds.formats`); every message updates the listener's health.
"""

from __future__ import annotations

import socketserver
import threading
from datetime import datetime, timezone
from typing import Final

from geo.errors import FeedError
from geo.feeds.formats import parse_cot
from geo.feeds.poller import COT_MAPPING, PollResult, problems_frame, write_page
from geo.store import Store, add_quarantine, record_poll

MAX_PENDING_BYTES: Final[int] = 1_000_000
END: Final[bytes] = b"</event>"


def make_cot_listener(store: Store, *, name: str = "cot-tcp", port: int = 0) -> socketserver.ThreadingTCPServer:
    """A TCP server on 127.0.0.1 (``port`` 0: a free one) writing CoT events of the feed ``name``.

    Writes are serialised (one store connection); call ``serve_forever`` to run it.
    """
    lock = threading.Lock()

    def land(message: bytes, peer: str) -> None:
        result = PollResult(feed=name)
        with lock:
            try:
                page = parse_cot(message)
            except FeedError as exc:
                with store.transaction() as tx:
                    add_quarantine(tx, problems_frame(name, peer, [
                        ("malformed_payload", str(exc), message[:20_000].decode("utf-8", "replace"))]))
                    record_poll(tx, name, kind="cot-tcp", error=str(exc), quarantined=1)
                return
            # The message's rows and the health record that counts them land together.
            with store.transaction() as tx:
                write_page(page, tx, source=name, origin=peer, mapping=COT_MAPPING, now=datetime.now(timezone.utc),
                           result=result)
                record_poll(tx, name, kind="cot-tcp", error=None, events=result.inserted, units=result.units,
                            quarantined=result.quarantined)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            peer = f"tcp://{self.client_address[0]}:{self.client_address[1]}"
            pending = b""
            while chunk := self.request.recv(65536):
                pending += chunk
                while (end := pending.find(END)) >= 0:
                    message, pending = pending[: end + len(END)], pending[end + len(END):]
                    land(message, peer)
                if len(pending) > MAX_PENDING_BYTES:
                    land(pending[:MAX_PENDING_BYTES], peer)  # quarantined as unparseable
                    return
            if pending.strip():
                land(pending, peer)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server
