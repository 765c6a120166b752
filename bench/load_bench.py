"""Many screens on one server: N real Streamlit sessions over the websocket protocol, each on the live map at 1 Hz.

Each session speaks the frontend's own protocol (``BackMsg``/``ForwardMsg`` protobufs on
``/_stcore/stream``): it asks for the page once, then, as the browser does for an
``st.fragment(run_every=...)``, asks every second for an auto-rerun of the fragment the server
named in its ``auto_rerun`` message. One sample is the time from that request to the server's
``script_finished``. Meanwhile a writer thread stands in for the poller, inserting events into the
store at a steady rate. Server CPU and memory are read from ``/proc`` for the server's process.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.harness import Figure
from bench.mirror_bench import store_shaped
from bench.serving import start_streamlit
from geo.store import insert_events, open_store

TICK_S = 1.0
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _server_pid(port: int) -> int:
    """The process serving ``port`` (found by its command line)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in cmdline and str(port).encode() in cmdline:
                return int(entry.name)
    raise RuntimeError(f"no server process for port {port}")


def _cpu_s(pid: int) -> float:
    fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def _rss_mb(pid: int) -> float:
    for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _until_finished(ws: websockets.ClientConnection) -> tuple[str, str]:
    """Read forward messages until the run ends; the fragment to auto-rerun and the page's script hash."""
    fragment = page = ""
    while True:
        msg = ForwardMsg()
        msg.ParseFromString(await ws.recv())
        kind = msg.WhichOneof("type")
        if kind == "auto_rerun":
            fragment = msg.auto_rerun.fragment_id
        elif kind == "new_session":
            page = msg.new_session.page_script_hash
        elif kind == "script_finished":
            return fragment, page


async def _session(ws_url: str, until: float, samples: list[float], failures: list[str]) -> None:
    try:
        async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None) as ws:
            first = BackMsg()
            first.rerun_script.query_string = ""
            await ws.send(first.SerializeToString())
            fragment, page = await asyncio.wait_for(_until_finished(ws), 120)
            if not fragment:
                raise RuntimeError("the page named no fragment to rerun")
            while time.monotonic() < until:
                tick = time.monotonic()
                rerun = BackMsg()
                rerun.rerun_script.fragment_id = fragment
                rerun.rerun_script.is_auto_rerun = True
                rerun.rerun_script.page_script_hash = page
                await ws.send(rerun.SerializeToString())
                await asyncio.wait_for(_until_finished(ws), 30)
                samples.append(time.monotonic() - tick)
                await asyncio.sleep(max(0.0, TICK_S - (time.monotonic() - tick)))
    except Exception as exc:  # noqa: BLE001 - a failed session is a figure, not a crash of the run
        failures.append(f"{type(exc).__name__}: {exc}")


def _feed(url: str, per_s: int, stop: threading.Event, seq_from: int) -> None:
    """Insert ``per_s`` events a second in tenths, as a poller would, until ``stop``."""
    store = open_store(url)
    k = 0
    try:
        while not stop.wait(0.1):
            batch = store_shaped(max(per_s // 10, 1), seed=1000 + k, seq_from=seq_from + k * per_s,
                                 after_s=int(time.time()) - 60)
            batch["event_id"] = [f"load-{k}-{i}" for i in range(len(batch))]
            insert_events(store, batch.drop(columns=["seq"]).assign(attrs="{}"))
            k += 1
    finally:
        store.close()


def run(sessions: tuple[int, ...] = (1, 5, 10, 20), *, stored: int = 1_000_000, per_s: int = 100,
        duration_s: float = 20.0) -> list[Figure]:
    """Fragment round trips for each number of ``sessions``, on a store of ``stored`` events fed ``per_s``."""
    figures = []
    with tempfile.TemporaryDirectory(prefix="limes-load-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'load.sqlite'}"
        store = open_store(url)
        history = store_shaped(stored, seed=3, after_s=int(time.time()) - 86400)
        for start in range(0, stored, 200_000):
            insert_events(store, history.iloc[start:start + 200_000].drop(columns=["seq"]).assign(attrs="{}"))
        store.close()
        del history
        with start_streamlit(env={"LIMES_DB": url, "LIMES_SCENARIO": "off"}, log_dir=Path(tmp)) as app:
            pid = _server_pid(int(app.rsplit(":", 1)[1]))
            ws_url = app.replace("http://", "ws://") + "/_stcore/stream"
            warm: list[float] = []
            asyncio.run(_session(ws_url, time.monotonic() + 3, warm, []))  # the mirror loads the store once
            stop = threading.Event()
            feeder = threading.Thread(target=_feed, args=(url, per_s, stop, stored + 1), daemon=True)
            feeder.start()
            try:
                for n in sessions:
                    samples: list[float] = []
                    failures: list[str] = []
                    rss0, cpu0, t0 = _rss_mb(pid), _cpu_s(pid), time.monotonic()

                    async def many(n: int = n, samples: list[float] = samples, failures: list[str] = failures
                                   ) -> None:
                        until = time.monotonic() + duration_s
                        await asyncio.gather(*(_session(ws_url, until, samples, failures) for _ in range(n)))

                    asyncio.run(many())
                    cpu_per_session_s = (_cpu_s(pid) - cpu0) / (n * (time.monotonic() - t0))
                    rss_per_session = (_rss_mb(pid) - rss0) / n
                    p50, p95 = (np.quantile(samples, q) * 1e3 for q in (0.5, 0.95)) if samples else (0.0, 0.0)
                    figures.append(Figure(
                        f"loadtest_p95_ms, {n} session{'s' if n > 1 else ''} at 1 Hz, {stored:,} events + {per_s}/s",
                        "ms", float(p95), None, "≤ 1000 ms at 20 sessions", False,
                        f"p50 {p50:.0f} ms; {len(samples)} round trips; server CPU {cpu_per_session_s:.3f} s per "
                        f"session-second; memory {rss_per_session:+.0f} MB per session"
                        + (f"; {len(failures)} sessions failed: {failures[0]}" if failures else "")))
            finally:
                stop.set()
                feeder.join(timeout=30)
    return figures
