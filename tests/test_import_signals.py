"""Killing ``limes import`` with any signal leaves no process behind; a catchable one leaves the import ``failed``.

A file over :data:`geo.ingest.importer.PROCESS_PIPELINE_BYTES` is read by a spawned worker (and
multiprocessing starts a resource tracker). The test waits for the worker, signals the importer,
and checks that every child it had is gone within seconds, ``kill -9`` included.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from geo.ingest.importer import PROCESS_PIPELINE_BYTES
from geo.store import import_record, open_store
from tests.conftest import ROOT
from tests.hostile import HEADER, good_line


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("signals") / "big.csv"
    line_bytes = len(good_line(123456)) + 1
    rows = PROCESS_PIPELINE_BYTES // line_bytes + 20_000
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER + "\n")
        out.writelines(good_line(k) + "\n" for k in range(1, rows + 1))
    return path


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signalled_import_leaves_no_process_and_a_failed_record(signum: int, big_csv: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    errors = tmp_path / "stderr.txt"
    # stderr to a file, not a pipe: a worker left behind would hold a pipe open and hang the test instead of failing it
    importer = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "import", str(big_csv), "--db", db],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors.open("wb"))
    deadline = time.monotonic() + 60
    children: set[int] = set()
    while time.monotonic() < deadline and importer.poll() is None:
        children = _children(importer.pid)
        if any("spawn_main" in Path(f"/proc/{c}/cmdline").read_text(errors="replace") for c in children
               if Path(f"/proc/{c}/cmdline").exists()):
            break
        time.sleep(0.05)
    assert importer.poll() is None and children, "the import ended before its worker started"
    time.sleep(0.5)  # into the import proper: chunks flowing
    children |= _children(importer.pid)
    os.kill(importer.pid, signum)
    importer.wait(timeout=30)
    stderr = errors.read_text(errors="replace")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(c) for c in children):
        time.sleep(0.1)
    assert [c for c in children if _alive(c)] == [], f"left behind after signal {signum}"
    if signum != signal.SIGKILL:
        assert "Traceback" not in stderr
        store = open_store(db)
        record = import_record(store, 1)
        store.close()
        assert record["status"] == "failed" and record["read_rows"] == record["inserted"]
