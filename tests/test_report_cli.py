"""`limes public-form` and `limes purge-contacts` as a user runs them: real subprocesses, exit codes, messages."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from bench.serving import free_port
from geo.reports import PUBLIC_SOURCE, check_report, read_queue, submit_report
from geo.store import open_store
from geo.trust import read_log
from tests.conftest import ROOT


def _limes(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_purge_contacts_command(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'purge.sqlite'}"
    store = open_store(db)
    now = datetime.now(timezone.utc)
    for age_days in (45, 10):
        draft = check_report(source=PUBLIC_SOURCE, external_id="", category="other", text="seen", lat=41.1, lon=22.5,
                             contact="+30 1", now=now - timedelta(days=age_days))
        submit_report(store, draft, client="x", now=now - timedelta(days=age_days))
    done = _limes("purge-contacts", "--db", db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "contact details deleted from 1 report received more than 30 days ago"
    assert read_queue(store, with_contact=True)["contact"].notna().sum() == 1
    assert _limes("purge-contacts", "--db", db, "--days", "5").stdout.startswith("contact details deleted from 1 ")
    log = read_log(store, actions=("contacts_purged",))
    assert list(log["target"]) == ["1 reports", "1 reports"] and all(a.startswith("cli:") for a in log["actor"])
    store.close()


def test_public_form_command_serves_the_form_and_refuses_bad_options(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'form.sqlite'}"
    refused = _limes("public-form", "--per-hour", "0", "--db", db)
    assert refused.returncode == 2 and refused.stderr.startswith("limes: max_reports must be in 1..1000; got 0")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "public-form", "--port", str(port), "--db", db,
                             "--per-hour", "3"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        deadline, healthy = time.monotonic() + 60, False
        while time.monotonic() < deadline and not healthy:
            try:
                healthy = httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).text == "ok"
            except httpx.TransportError:
                time.sleep(0.3)
        assert healthy
        # Started from another directory, the form still gets the repository's settings (static serving).
        style = httpx.get(f"http://127.0.0.1:{port}/app/static/limes-dark-style.json", timeout=5)
        assert style.status_code == 200 and style.json()["version"] == 8
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert f"Public report form on http://127.0.0.1:{port} (at most 3 reports an hour per client)" in out
