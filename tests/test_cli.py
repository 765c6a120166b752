"""The `limes` command line as a user runs it: a real subprocess, exit codes, JSON and messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.test_importer import IOM_SAMPLE


def _limes(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_import_json_report_and_idempotency(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    first = _limes("import", str(IOM_SAMPLE), "--mapping", "iom", "--db", db, "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == {"read": 238, "inserted": 236, "duplicates": 0, "quarantined": 2,
                                        "reasons": {"bad_persons": 2}}
    second = _limes("import", str(IOM_SAMPLE), "--db", db)
    assert second.returncode == 0
    assert "duplicates         236" in second.stdout and "238 rows read" in second.stderr
    from geo.store import open_store
    from geo.trust import read_log

    store = open_store(db)
    log = read_log(store, actions=("import",))
    store.close()
    assert len(log) == 2 and log["actor"].str.startswith("cli:").all() and log["client"].eq("cli").all()
    assert log["detail"].tolist() == ["0 inserted, 236 duplicates, 2 quarantined", "236 inserted, 0 duplicates, 2 quarantined"]


def test_unreadable_file_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = _limes("import", str(empty), "--db", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    assert result.returncode == 2
    assert result.stderr.strip() == "limes: empty.csv is empty"
    bad_mapping = _limes("import", str(IOM_SAMPLE), "--mapping", "nonsense", "--db", f"sqlite:///{tmp_path / 'x.sqlite'}")
    assert bad_mapping.returncode == 2 and "no mapping preset or file 'nonsense'" in bad_mapping.stderr
    assert "Traceback" not in result.stderr + bad_mapping.stderr


def test_demo_starts_everything_and_ctrl_c_stops_it_all(tmp_path: Path) -> None:
    import signal
    import time

    import httpx

    from bench.serving import free_port

    app_port, feed_port = free_port(), free_port()
    demo = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "demo", "--port", str(app_port), "--feed-port",
                             str(feed_port), "--db", f"sqlite:///{tmp_path / 'demo.sqlite'}"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        up = False
        while time.monotonic() < deadline and not up:
            try:
                up = httpx.get(f"http://127.0.0.1:{app_port}/_stcore/health", timeout=1).text == "ok"
            except httpx.TransportError:
                time.sleep(0.3)
        assert up, "the dashboard did not come up"
        feed = httpx.get(f"http://127.0.0.1:{feed_port}/events.geojson", timeout=5).json()
        assert feed["type"] == "FeatureCollection"
        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=30) == 0
    finally:
        if demo.poll() is None:
            demo.kill()
    for port in (app_port, feed_port):
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            raise AssertionError(f"something still answers on port {port}")
        except httpx.TransportError:
            pass
