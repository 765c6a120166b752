"""The shift handover against a hand-built shift: figures, lists, open alerts; the PDF read back with pypdf; the
external copy suppressed like the briefing pack; `limes handover` as a user runs it."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from geo.errors import IncidentError
from geo.grid import BASE_RES, latlng_to_cells
from geo.incidents import (
    Actor,
    FusionRule,
    Signal,
    acknowledge,
    assign,
    build_handover,
    close,
    handover_from_store,
    mark_on_scene,
    open_incident,
    render_handover_pdf,
)
from geo.spatial import load_towns
from geo.store import insert_events, open_store
from geo.trust import read_log
from tests.conftest import ROOT

START = datetime(2026, 11, 28, 6, 0, tzinfo=timezone.utc)
END = START + timedelta(hours=8)
ANA = Actor("ana@police.example", role="operator")
NO_ALERTS = pd.DataFrame(columns=["where", "observed", "expected", "p"])


def _signal(ref: str, at: datetime, lat: float, lon: float = 22.5, kind: str = "sensor_alarm") -> Signal:
    return Signal(kind=kind, ref=ref, lat=lat, lon=lon, at=at, label=f"{kind} {ref}")


@pytest.fixture()
def shift(tmp_path: Path):
    """Five incidents: one from the shift before (still open), one closed before the shift, three opened in it
    (one closed as an apprehension, one on scene, one new and high priority)."""
    url = f"sqlite:///{tmp_path / 'handover.sqlite'}"
    store = open_store(url)
    rule = FusionRule(distance_m=0)
    t = START - timedelta(hours=3)
    before = open_incident(store, _signal("a", t, 41.0), actor=ANA, rule=rule, now=t).incident_id
    acknowledge(store, before, expected_version=1, actor=ANA, now=t + timedelta(minutes=5))
    done_before = open_incident(store, _signal("b", t, 41.05), actor=ANA, rule=rule, now=t).incident_id
    close(store, done_before, outcome="false_alarm", expected_version=1, actor=ANA, now=t + timedelta(hours=1))
    t = START + timedelta(hours=1)
    caught = open_incident(store, _signal("c", t, 41.1), actor=ANA, rule=rule, now=t).incident_id
    acknowledge(store, caught, expected_version=1, actor=ANA, now=t + timedelta(minutes=2))
    assign(store, caught, callsign="ALPHA-1", expected_version=2, actor=ANA, now=t + timedelta(minutes=4))
    mark_on_scene(store, caught, expected_version=3, actor=ANA, now=t + timedelta(minutes=20))
    close(store, caught, outcome="apprehension", expected_version=4, actor=ANA, now=t + timedelta(minutes=50))
    t = START + timedelta(hours=3)
    going = open_incident(store, _signal("d", t, 41.15), actor=ANA, rule=rule, now=t).incident_id
    acknowledge(store, going, expected_version=1, actor=ANA, now=t + timedelta(minutes=6))
    assign(store, going, callsign="BRAVO-2", expected_version=2, actor=ANA, now=t + timedelta(minutes=7))
    mark_on_scene(store, going, expected_version=3, actor=ANA, now=t + timedelta(minutes=30))
    t = END - timedelta(minutes=20)
    fresh = open_incident(store, _signal("e", t, 41.2, kind="high_impact"), actor=ANA, rule=rule, now=t).incident_id
    # After the shift: closes the fresh one, which must still count as open in this shift's handover.
    close(store, fresh, outcome="nothing_found", expected_version=1, actor=ANA, now=END + timedelta(minutes=5))
    yield store, url, {"before": before, "done_before": done_before, "caught": caught, "going": going,
                       "fresh": fresh}
    store.close()


def test_the_handover_counts_the_shift_as_it_was_at_its_end(shift) -> None:
    store, _, ids = shift
    handover = build_handover(store, start=START, end=END, generated_at=END, alerts=NO_ALERTS)
    f = handover.figures
    assert (f["incidents opened"], f["incidents closed"], f["closed: apprehension"], f["closed: false alarm"]) == \
        (3, 1, 1, 0)
    assert (f["still open at handover"], f["still open, high priority"], f["still open, not acknowledged"]) == (3, 1, 1)
    assert f["median minutes to acknowledge"] == 4.0  # 2 and 6 minutes
    assert f["median minutes to on scene"] == 25.0  # 20 and 30 minutes
    assert list(handover.opened["incident"]) == [f"#{ids[k]}" for k in ("caught", "going", "fresh")]
    assert list(handover.closed["incident"]) == [f"#{ids['caught']}"]
    still = handover.still_open.set_index("incident")
    assert list(still.index) == [f"#{ids[k]}" for k in ("before", "going", "fresh")]
    assert (still.loc[f"#{ids['going']}", "state"], still.loc[f"#{ids['going']}", "unit"],
            still.loc[f"#{ids['going']}", "owner"]) == ("on scene", "BRAVO-2", ANA.user_id)
    assert (still.loc[f"#{ids['fresh']}", "state"], still.loc[f"#{ids['fresh']}", "outcome"]) == ("new", "–")  # closed after the shift


def test_the_pdf_lists_what_the_next_shift_needs(shift, artifacts: Path) -> None:
    store, _, ids = shift
    alerts = pd.DataFrame([{"where": "3 km NW of Gevgelija", "observed": 6, "expected": 0.2, "p": 1e-6}])
    pdf = render_handover_pdf(build_handover(store, start=START, end=END, generated_at=END, alerts=alerts))
    (artifacts / "handover-internal.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == 4  # overview, still open, opened, closed
    assert "Shift handover" in text and ("Nov 28, 2026, 06:00 UTC (06:00 local time) to Nov 28, 2026, 14:00 UTC (14:00 local time)"
                                          in text)
    assert "3 km NW of Gevgelija" in text and "Still open at handover (3)" in text
    assert "BRAVO-2" in text and "apprehension" in text and f"#{ids['fresh']}" in text
    assert "internal: for the next shift" in text


def test_the_external_copy_suppresses_small_counts_and_lists_no_incident(shift, artifacts: Path) -> None:
    store, _, ids = shift
    alerts = pd.DataFrame([{"where": "3 km NW of Gevgelija", "observed": 6, "expected": 0.2, "p": 1e-6}])
    handover = build_handover(store, start=START, end=END, generated_at=END, alerts=alerts, external=True, k=5)
    counts = handover.figures.drop(["median minutes to acknowledge", "median minutes to on scene"])
    assert not ((counts > 0) & (counts < 5)).any()
    assert counts["incidents opened"] != counts["incidents opened"]  # 3 < k: blanked (NaN)
    assert counts["closed: false alarm"] == 0  # zero singles out no one
    assert handover.figures[["median minutes to acknowledge", "median minutes to on scene"]].isna().all()
    assert handover.opened.empty and handover.closed.empty and handover.still_open.empty and handover.alerts.empty
    pdf = render_handover_pdf(handover)
    (artifacts / "handover-external.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == 1 and "<5" in text and "external copy" in text
    assert "Gevgelija" not in text and "BRAVO-2" not in text and f"#{ids['caught']}" not in text


def test_a_shift_must_run_forwards(shift) -> None:
    store, _, _ = shift
    with pytest.raises(IncidentError, match="earlier to a later"):
        build_handover(store, start=END, end=START, generated_at=END, alerts=NO_ALERTS)


def _events(at: datetime, lat: float, lon: float, n: int, prefix: str) -> pd.DataFrame:
    cells = latlng_to_cells(np.full(n, lat), np.full(n, lon), BASE_RES)
    return pd.DataFrame({
        "source": "test", "event_id": [f"{prefix}{i}" for i in range(n)], "type": "irregular_crossing",
        "occurred_at": [pd.Timestamp(at) + pd.Timedelta(minutes=i) for i in range(n)],
        "received_at": pd.Timestamp(at), "lat": lat, "lon": lon, "persons": 2, "impact": "medium",
        "confidence": np.nan, "status": "open", "cell": cells, "attrs": "{}"})


def test_open_alerts_come_from_the_store_at_the_end_of_the_shift(shift) -> None:
    """Five crossings in the shift's last hour near Gevgelija, none in the eight weeks before: one unusual cell."""
    store, _, _ = shift
    insert_events(store, _events(END - timedelta(minutes=40), 41.16, 22.48, 5, "now-"))
    insert_events(store, _events(END - timedelta(hours=5), 41.0, 21.5, 5, "earlier-"))  # not in the last hour
    handover = handover_from_store(store, start=START, end=END, generated_at=END, towns=load_towns())
    assert len(handover.alerts) == 1
    alert = handover.alerts.iloc[0]
    assert alert["observed"] == 5 and alert["expected"] == pytest.approx(0.5 / 9)
    assert "Gevgelija" in alert["where"]
    assert handover.figures["unusual cells at handover"] == 1


def _limes(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=180)


def test_limes_handover_writes_the_pdf_and_audits_it(shift, tmp_path: Path) -> None:
    store, url, _ = shift
    out = tmp_path / "handover.pdf"
    done = _limes("handover", "--from", "2026-11-28T06:00", "--to", "2026-11-28T14:00", "--out", str(out),
                  "--db", url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ("handover Nov 28, 2026, 06:00 UTC (08:00 local time) to Nov 28, 2026, 14:00 UTC "
                                   "(16:00 local time): 3 opened, 1 closed, 3 still open, "
                                   f"0 open alerts; wrote {out}")
    assert "Shift handover" in PdfReader(out).pages[0].extract_text()
    external = _limes("handover", "--from", "2026-11-28T06:00", "--to", "2026-11-28T14:00", "--out",
                      str(tmp_path / "ext.pdf"), "--external", "--db", url)
    assert external.returncode == 0 and "counts below k=5 suppressed" in external.stdout
    log = read_log(store, actions=("handover",))
    assert list(log["detail"]) == ["2026-11-28 06:00 to 2026-11-28 14:00 UTC, external",
                                   "2026-11-28 06:00 to 2026-11-28 14:00 UTC, internal"]
    bad = _limes("handover", "--from", "yesterday", "--to", "2026-11-28", "--out", str(out), "--db", url)
    assert bad.returncode == 2 and bad.stderr.strip() == (
        "limes: --from is a UTC time as YYYY-MM-DD or YYYY-MM-DDTHH:MM; got 'yesterday'")
    backwards = _limes("handover", "--from", "2026-11-28T14:00", "--to", "2026-11-28T06:00", "--out", str(out),
                       "--db", url)
    assert backwards.returncode == 2 and "earlier to a later" in backwards.stderr and "Traceback" not in backwards.stderr
