"""Start the dashboard for measurements and browser tests: `streamlit run` on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from geo.settings import bundle_dir, checkout_root

ARTIFACTS = (checkout_root() or Path.cwd()) / "artifacts"
"""Logs and screenshots: ``artifacts/`` of the checkout (or of the working directory)."""
CHROMIUM = os.environ.get("LIMES_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-default-apps"]
"""Debian's Chromium as root, headless, with its own background traffic off (no request leaves loopback)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen, *, log: Path, timeout_s: float = 60.0) -> None:
    """Until the Streamlit server at ``url`` answers its health check; fails with its log when it dies or
    stays silent for ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server at {url} exited with {proc.returncode}; see {log}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                return
        except httpx.TransportError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer on {url}; see {log}")


@contextmanager
def start_streamlit(*, env: dict[str, str] | None = None, log_dir: Path = ARTIFACTS, port: int | None = None,
                    args: tuple[str, ...] = (), plain: bool = False, root: Path | None = None) -> Iterator[str]:
    """`limes serve` (`streamlit run streamlit_app.py`) with extra environment ``env`` and `streamlit run` ``args``
    (e.g. ``("--secrets.files", path)``) on ``port`` (default: a free one); yields its URL once healthy.

    ``plain`` starts bare `streamlit run` instead, without preloading (the start-up benchmark's baseline).
    ``root`` runs another checkout's app (a benchmark's baseline) instead of this one.
    """
    port = port or free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"streamlit-{port}.log"
    with log.open("w") as out:
        launcher = ["streamlit", "run", "streamlit_app.py", "--server.address", "127.0.0.1", "--server.port", str(port)] \
            if plain else ["dashboard.cli", "serve", "--port", str(port), "--address", "127.0.0.1", "--"]
        proc = subprocess.Popen(
            [sys.executable, "-m", *launcher, "--server.headless", "true", *args],
            cwd=root or bundle_dir(), stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc, log=log)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:  # a loaded machine: do not leave the server behind
                proc.kill()
                proc.wait(timeout=20)
