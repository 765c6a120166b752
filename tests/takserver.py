"""A TAK-compatible receiver for tests: a real TCP server on loopback that reads CoT streams as a TAK server does,
checks each ``<event>`` against the CoT event schema (``tests/data/cot_event_subset.xsd``, with lxml) and parses it
back with Limes' own parser (:func:`geo.feeds.parse_cot`).
"""

from __future__ import annotations

import re
import socketserver
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from geo.feeds import parse_cot

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "data" / "cot_event_subset.xsd")))
END = re.compile(rb"</event\s*>")
DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>\s*")


@dataclass
class Received:
    """One message: its bytes, whether the schema accepted it (and why not), what our parser read, when."""

    raw: bytes
    valid: bool
    errors: list[str]
    parsed: object
    at: float


@dataclass
class TakReceiver:
    server: socketserver.ThreadingTCPServer
    messages: list[Received] = field(default_factory=list)
    connections: int = 0
    arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout_s
        with self.arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"the receiver got {len(self.messages)} messages, expected {count}")
                self.arrived.wait(left)
            return list(self.messages)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def validate(message: bytes) -> tuple[bool, list[str]]:
    """Whether one CoT message (declaration allowed) is a valid event under the schema, and the schema's errors."""
    try:
        document = etree.fromstring(DECLARATION.sub(b"", message))
    except etree.XMLSyntaxError as exc:
        return False, [str(exc)]
    ok = SCHEMA.validate(document)
    return ok, [str(e) for e in SCHEMA.error_log]


def start_receiver(*, port: int = 0) -> TakReceiver:
    """A receiver listening on 127.0.0.1:``port`` (0: a free one), serving in a daemon thread."""
    receiver: TakReceiver

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            with receiver.arrived:
                receiver.connections += 1
            pending = b""
            while chunk := self.request.recv(65536):
                pending += chunk
                while (end := END.search(pending)) is not None:
                    message, pending = pending[: end.end()], pending[end.end():]
                    self._land(message)
            if pending.strip():
                self._land(pending)

        def _land(self, message: bytes) -> None:
            valid, errors = validate(message)
            parsed = parse_cot(message)
            with receiver.arrived:
                receiver.messages.append(Received(message, valid, errors, parsed, time.monotonic()))
                receiver.arrived.notify_all()

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    receiver = TakReceiver(server)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return receiver
