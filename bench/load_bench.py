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
import subprocess
import sys
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
            # Ids unique per feeder: a second server measured on the same store gets new events too, not duplicates.
            batch["event_id"] = [f"load-{seq_from}-{k}-{i}" for i in range(len(batch))]
            insert_events(store, batch.drop(columns=["seq"]).assign(attrs="{}"))
            k += 1
    finally:
        store.close()


def _measure(url: str, *, sharing: bool, sessions: tuple[int, ...], stored: int, per_s: int, duration_s: float,
             log_dir: Path, root: Path | None = None) -> dict[int, tuple[float, float, float, float, int, list[str]]]:
    """Per number of sessions: p50 and p95 (ms), server CPU per session-second, MB per session, samples, failures;
    ``root`` serves another checkout's app (a baseline) instead of this one."""
    env = {"LIMES_DB": url, "LIMES_SCENARIO": "off", "LIMES_LIVE_SHARING": "on" if sharing else "off"}
    out = {}
    with start_streamlit(env=env, log_dir=log_dir, root=root) as app:
        pid = _server_pid(int(app.rsplit(":", 1)[1]))
        ws_url = app.replace("http://", "ws://") + "/_stcore/stream"
        asyncio.run(_session(ws_url, time.monotonic() + 3, [], []))  # the mirror loads the store once
        stop = threading.Event()
        feeder = threading.Thread(target=_feed, args=(url, per_s, stop, stored + 1 + (0 if sharing else 10**8)),
                                  daemon=True)
        feeder.start()
        try:
            for n in sessions:
                samples: list[float] = []
                failures: list[str] = []
                rss0, cpu0, t0 = _rss_mb(pid), _cpu_s(pid), time.monotonic()

                async def many(n: int = n, samples: list[float] = samples, failures: list[str] = failures) -> None:
                    until = time.monotonic() + duration_s
                    await asyncio.gather(*(_session(ws_url, until, samples, failures) for _ in range(n)))

                asyncio.run(many())
                cpu = (_cpu_s(pid) - cpu0) / (n * (time.monotonic() - t0))
                p50, p95 = (float(np.quantile(samples, q)) * 1e3 for q in (0.5, 0.95)) if samples else (0.0, 0.0)
                out[n] = (p50, p95, cpu, (_rss_mb(pid) - rss0) / n, len(samples), failures)
        finally:
            stop.set()
            feeder.join(timeout=30)
    return out


def fill_store(folder: Path, stored: int) -> str:
    """A SQLite store in ``folder`` holding ``stored`` events of the last day; its URL."""
    url = f"sqlite:///{folder / 'load.sqlite'}"
    store = open_store(url)
    history = store_shaped(stored, seed=3, after_s=int(time.time()) - 86400)
    for start in range(0, stored, 200_000):
        insert_events(store, history.iloc[start:start + 200_000].drop(columns=["seq"]).assign(attrs="{}"))
    store.close()
    return url


def run(sessions: tuple[int, ...] = (1, 5, 10, 20), *, stored: int = 1_000_000, per_s: int = 100,
        duration_s: float = 20.0, busy: int = 0) -> list[Figure]:
    """Fragment round trips for each number of ``sessions``, on a store of ``stored`` events fed ``per_s``: ours
    (sessions with the same view share one computation a second) beside each session computing its own
    (``LIMES_LIVE_SHARING=off``, the behaviour before), in one run; ``busy`` spinning processes load the machine."""
    figures = []
    spinners = [subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(busy)]
    try:
        with tempfile.TemporaryDirectory(prefix="limes-load-") as tmp:
            url = fill_store(Path(tmp), stored)
            kw = {"sessions": sessions, "stored": stored, "per_s": per_s, "duration_s": duration_s, "log_dir": Path(tmp)}
            ours, naive = _measure(url, sharing=True, **kw), _measure(url, sharing=False, **kw)
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    loaded = f", {busy} busy processes beside" if busy else ""
    for n in sessions:
        p50, p95, cpu, rss, count, failures = ours[n]
        n_p50, n_p95, n_cpu, _, _, n_failures = naive[n]
        figures.append(Figure(
            f"loadtest_p95_ms, {n} session{'s' if n > 1 else ''} at 1 Hz, {stored:,} events + {per_s}/s{loaded}",
            "ms", p95, n_p95, "≤ 1000 ms at 20 sessions", False,
            f"p50 {p50:.0f} ms (each session its own: {n_p50:.0f} ms); {count} round trips; server CPU {cpu:.3f} s "
            f"per session-second (each its own: {n_cpu:.3f}); memory {rss:+.0f} MB per session"
            + (f"; {len(failures)} sessions failed: {failures[0]}" if failures else "")
            + (f"; each its own: {len(n_failures)} sessions failed" if n_failures else "")))
    return figures
