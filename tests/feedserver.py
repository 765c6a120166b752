"""A real HTTP server on loopback that serves scripted responses, faults and hostile answers included.

Besides status, body, headers and a delay, a :class:`Reply` can drip its body byte by byte
(``drip_s``), declare a longer body than it sends and hang up (``truncate``), or send raw bytes
that are not HTTP at all (``raw``). :func:`hostile_replies` builds the hostile answers the poller
must survive; the tests generate their variants with hypothesis.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """One scripted answer: status, body, headers, an optional delay before answering (seconds), a drip
    (seconds between single body bytes), a truncated body (the declared length is longer), raw bytes."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    drip_s: float = 0.0
    truncate: bool = False
    raw: bytes | None = None


@dataclass
class Script:
    """Replies per path, consumed in order (the last one repeats), and the requests seen."""

    replies: dict[str, list[Reply]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def next_reply(self, path: str) -> Reply:
        queue = self.replies.get(path) or [Reply(404, b"no such path")]
        return queue.pop(0) if len(queue) > 1 else queue[0]


@contextmanager
def serve(script: Script) -> Iterator[str]:
    """Serve ``script`` on a free loopback port; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            script.requests.append((self.path, dict(self.headers)))
            reply = script.next_reply(path)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            try:
                if reply.raw is not None:
                    for i in range(len(reply.raw)) if reply.drip_s else ():
                        self.wfile.write(reply.raw[i:i + 1])
                        self.wfile.flush()
                        time.sleep(reply.drip_s)
                    self.wfile.write(b"" if reply.drip_s else reply.raw)
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply.body) + (100 if reply.truncate else 0)))
                if reply.truncate or reply.drip_s:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                if reply.drip_s:
                    for i in range(len(reply.body)):
                        self.wfile.write(reply.body[i:i + 1])
                        self.wfile.flush()
                        time.sleep(reply.drip_s)
                else:
                    self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (a timeout or a deadline)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


HOSTILE_KINDS: tuple[str, ...] = (
    "garbage", "deep_nesting", "bad_gzip", "redirect_loop", "next_loop", "foreign_next", "bad_dates", "server_error",
    "client_error", "slow_drip", "header_drip", "truncated", "not_http", "oversized", "wrong_shape", "non_utf8",
)


BAD_DATES: tuple[str, ...] = ("0000-01-01", "-0500-01-01T00:00:00Z", "1500-06-01", "2300-01-01",
                              "99999-01-01T00:00:00Z", "2026-13-45")


def hostile_reply(kind: str, *, base: str, path: str, seed: int = 0) -> Reply:
    """A hostile answer of ``kind`` (see :data:`HOSTILE_KINDS`) for a GeoJSON feed at ``base + path``;
    ``seed`` varies its content (length of garbage, depth, dates)."""
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [22.5, 41.1]},
                 "properties": {"event_id": f"h{seed}-{i}", "type": "apprehension",
                                "occurred_at": BAD_DATES[(seed + i) % len(BAD_DATES)] if kind == "bad_dates"
                                else "2026-11-28T11:00:00Z"}}
                for i in range(1 + seed % 4)]
    collection = {"type": "FeatureCollection", "features": features}
    if kind == "garbage":
        return Reply(200, bytes((seed * 7 + i * 13) % 256 for i in range(1 + seed % 500)))
    if kind == "deep_nesting":
        depth = 5_000 + 1_000 * (seed % 50)
        return Reply(200, b"[" * depth + b"]" * depth)
    if kind == "bad_gzip":
        good = gzip.compress(json.dumps(collection).encode())
        return Reply(200, good[: 10 + seed % 20] + b"\x00garbage", {"Content-Encoding": "gzip"})
    if kind == "redirect_loop":
        return Reply(302 + (seed % 2) * 5, b"", {"Location": f"{base}{path}"})
    if kind == "next_loop":
        return Reply(200, json.dumps({**collection, "links": [{"rel": "next", "href": f"{base}{path}"}]}).encode())
    if kind == "foreign_next":
        href = f"http://127.0.0.2:{1024 + seed % 60000}/steal?page=2"
        return Reply(200, json.dumps({**collection, "links": [{"rel": "next", "href": href}]}).encode())
    if kind == "bad_dates":
        return Reply(200, json.dumps(collection).encode())
    if kind == "server_error":
        return Reply(500 + seed % 4, b"down", {"Retry-After": ("1", "Wed, 21 Oct 2015 07:28:00 -0000", "soon")[seed % 3]})
    if kind == "client_error":
        return Reply(400 + seed % 30, b"no")
    if kind == "slow_drip":
        return Reply(200, json.dumps(collection).encode(), drip_s=0.05)
    if kind == "header_drip":  # the status line and headers a byte at a time: no read ever times out
        return Reply(raw=b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * (200 + seed % 100), drip_s=0.05)
    if kind == "truncated":
        return Reply(200, json.dumps(collection).encode(), truncate=True)
    if kind == "not_http":
        return Reply(raw=bytes((seed + i) % 256 for i in range(64)) + b"\r\n\r\n")
    if kind == "oversized":
        return Reply(200, b" " * (300_000 + seed) + json.dumps(collection).encode())
    if kind == "wrong_shape":
        return Reply(200, json.dumps([{"type": "FeatureCollection"}, seed, None][seed % 3]).encode())
    if kind == "non_utf8":
        features[0]["properties"]["place"] = "Kilkís"
        return Reply(200, json.dumps(collection, ensure_ascii=False).encode("latin-1"))
    raise ValueError(f"unknown hostile kind {kind!r}; kinds are {HOSTILE_KINDS}")
