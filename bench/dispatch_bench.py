"""Incident creation to CoT on the wire: from an operator's click making an incident to the last byte of the unit's
tasking arriving at a TAK server (a TCP receiver on loopback), through the SQLite store.

Each sample opens an incident from a new signal, assigns the nearest unit and sends the tasking
(:func:`geo.incidents.assign_and_dispatch`); the receiver timestamps each complete ``</event>``. The naive
comparison, same run, is the outbox pattern many dispatch systems use: the click writes a ``pending`` dispatch
and a dispatcher polls the table every second and sends what it finds. Both are measured quiet and again with
two busy processes spinning on this 2-core machine.
"""

from __future__ import annotations

import re
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from bench.harness import Figure
from geo.incidents import (
    Actor,
    DispatchTargets,
    FusionRule,
    Signal,
    Tasking,
    assign,
    assign_and_dispatch,
    open_incident,
    send_cot,
    tasking_xml,
)
from geo.store import Store, add_dispatch, dispatch_rows, epoch_ms, incident_row, open_store, update_dispatch

END = re.compile(rb"</event\s*>")
OPERATOR = Actor("bench", role="operator", client="bench")
POLL_S = 1.0


class _Receiver:
    """A TCP server on loopback noting when each complete CoT event arrived (``time.perf_counter``)."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.got = threading.Condition()
        receiver = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                pending = b""
                while chunk := self.request.recv(65536):
                    pending += chunk
                    while (end := END.search(pending)) is not None:
                        pending = pending[end.end():]
                        with receiver.got:
                            receiver.arrivals.append(time.perf_counter())
                            receiver.got.notify_all()

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def wait(self, count: int, timeout_s: float = 30.0) -> float:
        with self.got:
            if not self.got.wait_for(lambda: len(self.arrivals) >= count, timeout=timeout_s):
                raise TimeoutError(f"tasking {count} never arrived")
            return self.arrivals[count - 1]


def _signal(i: int) -> Signal:
    return Signal(kind="sensor_alarm", ref=f"bench:{i}", lat=41.0 + 0.001 * i, lon=22.0, at=datetime.now(timezone.utc),
                  label="bench alarm")


def _ours(store: Store, receiver: _Receiver, i: int) -> float:
    started = time.perf_counter()
    opened = open_incident(store, _signal(i), actor=OPERATOR, rule=FusionRule(distance_m=0),
                           now=datetime.now(timezone.utc))
    assign_and_dispatch(store, opened.incident_id, callsign="ALPHA-1", expected_version=1, actor=OPERATOR,
                        targets=DispatchTargets(tak_endpoint=receiver.endpoint))
    return receiver.wait(i + 1) - started


@contextmanager
def _outbox_dispatcher(store: Store, endpoint: str) -> Iterator[None]:
    """The naive dispatcher: every second, send every pending tasking and mark it."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(POLL_S):
            pending = dispatch_rows(store)
            for row in pending[pending["state"] == "pending"].itertuples():
                incident = incident_row(store, int(row.incident_id))
                assert incident is not None
                task = Tasking(incident_id=int(row.incident_id), lat=incident["lat"], lon=incident["lon"],
                               kind_label="sensor alarm", priority=incident["priority"], callsign=row.callsign,
                               remarks="", uid=row.cot_uid, at=datetime.now(timezone.utc))
                done = send_cot(tasking_xml(task), endpoint, clock=lambda: datetime.now(timezone.utc))
                update_dispatch(store, int(row.dispatch_id), state=done.state, attempts=done.attempts,
                                sent_at_ms=epoch_ms(), last_error=done.error)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _naive(store: Store, receiver: _Receiver, i: int) -> float:
    started = time.perf_counter()
    opened = open_incident(store, _signal(i), actor=OPERATOR, rule=FusionRule(distance_m=0),
                           now=datetime.now(timezone.utc))
    assign(store, opened.incident_id, callsign="ALPHA-1", expected_version=1, actor=OPERATOR,
           now=datetime.now(timezone.utc))
    add_dispatch(store, incident_id=opened.incident_id, callsign="ALPHA-1", endpoint=receiver.endpoint,
                 cot_uid=f"outbox-{i}", created_at_ms=epoch_ms())
    return receiver.wait(i + 1) - started


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 2 else samples[0]


def _measure(n: int, sample: Callable[[Store, _Receiver, int], float], *, outbox: bool) -> list[float]:
    with tempfile.TemporaryDirectory(prefix="limes-dispatch-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'dispatch.sqlite'}")
        receiver = _Receiver()
        try:
            if outbox:
                with _outbox_dispatcher(store, receiver.endpoint):
                    return [sample(store, receiver, i) for i in range(n)]
            return [sample(store, receiver, i) for i in range(n)]
        finally:
            receiver.server.shutdown()
            receiver.server.server_close()
            store.close()


@contextmanager
def busy_processes(count: int) -> Iterator[None]:
    """``count`` processes spinning a core each, for figures measured under load."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(count)]
    try:
        time.sleep(0.5)
        yield
    finally:
        for proc in spinners:
            proc.terminate()
            proc.wait(timeout=10)


def run(n: int = 40, *, naive_n: int = 10) -> list[Figure]:
    """p95 of incident creation to CoT on the wire, ours and the polling outbox, quiet and with two busy processes."""
    figures = []
    for label, busy in (("quiet", 0), ("two busy processes", 2)):
        with busy_processes(busy):
            ours = _measure(n, _ours, outbox=False)
            naive = _measure(naive_n, _naive, outbox=True)
        figures.append(Figure(
            f"dispatch_p95_ms, incident creation to CoT on the wire ({label}; median {statistics.median(ours) * 1000:.0f}"
            f" ms, n={n}; naive: a dispatcher polling every {POLL_S:g} s, n={naive_n})",
            "ms", _p95(ours) * 1000, _p95(naive) * 1000, "p95 ≤ 1,000 ms", higher_is_better=False))
    return figures
