"""The Incidents page and the map's incident strip through AppTest: one click makes an incident of a high-impact
event, an operator acknowledges, assigns and dispatches (a real TAK receiver on loopback gets the CoT), two
operators' sessions race and the loser is told who won, commanders read only, and the settings that drive it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cache
from dashboard.config import settings_env, settings_from_env
from dashboard.plain import plain
from geo.errors import LimesError
from geo.grid import BASE_RES, latlng_to_cells
from geo.store import dispatch_rows, incident_rows, insert_events, insert_units
from geo.trust import read_log
from tests.conftest import ROOT
from tests.takserver import start_receiver
from tests.test_access import GROUP_OF, SECRETS

PAGE = ROOT / "dashboard" / "pages" / "incidents.py"
MAP_PAGE = ROOT / "dashboard" / "pages" / "live_map.py"
SITE = (41.1236, 22.5176)


def _seed(now: datetime) -> None:
    store = cache.current_store()
    cell = latlng_to_cells(np.array([SITE[0]]), np.array([SITE[1]]), BASE_RES)
    insert_events(store, pd.DataFrame({
        "source": "test", "event_id": ["hi-1"], "type": "irregular_crossing",
        "occurred_at": [pd.Timestamp(now) - pd.Timedelta(minutes=5)],
        "received_at": pd.Timestamp(now), "lat": SITE[0], "lon": SITE[1], "persons": 14, "impact": "very_high",
        "confidence": np.nan, "status": "open", "cell": cell, "attrs": "{}"}))
    units = pd.DataFrame({"source": "test", "unit_id": ["u1", "u2"], "callsign": ["ALPHA-1", "BRAVO-2"],
                          "at": pd.Timestamp(now) - pd.Timedelta(minutes=1),
                          "stale_at": pd.Timestamp(now) + pd.Timedelta(minutes=30),
                          "lat": [SITE[0] + 0.01, SITE[0] + 0.05], "lon": SITE[1]})
    units["cell"] = latlng_to_cells(units["lat"].to_numpy(), units["lon"].to_numpy(), BASE_RES)
    insert_units(store, units)


@pytest.fixture()
def receiver(monkeypatch, tmp_path) -> Iterator:
    tak = start_receiver()
    monkeypatch.setenv("LIMES_DB", f"sqlite:///{tmp_path / 'incidents-page.sqlite'}")
    monkeypatch.setenv("LIMES_SCENARIO", "off")
    monkeypatch.setenv("LIMES_TAK", tak.endpoint)
    _seed(datetime.now(timezone.utc))
    yield tak
    tak.close()


def _as(user: str | None, role: str = "operator", page=PAGE) -> AppTest:
    at = AppTest.from_file(str(page), default_timeout=90)
    if user is not None:
        at.secrets = SECRETS
        at.user = {"is_logged_in": True, "email": user, "name": user, "groups": [GROUP_OF[role]],
                   "auth_time": datetime.now(timezone.utc).timestamp() - 60}
    at.run()
    assert not at.exception, at.exception
    return at


def _button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, [b.label for b in at.button]
    return found[0]


def test_one_click_makes_an_incident_then_acknowledge_assign_and_dispatch(receiver) -> None:
    at = _as(None)  # local mode: every role
    assert any(m.value.startswith(plain("high-impact event · Irregular crossing, 14 persons, at Idomeni"))
               for m in at.markdown)
    _button(at, "Make incident").click().run()
    assert [s.value for s in at.success] == [plain("Incident #1 opened.")]
    assert "Not acknowledged" not in " ".join(e.value for e in at.error)
    _button(at, "Acknowledge").click().run()
    assert [s.value for s in at.success] == [plain("Incident #1 acknowledged.")]
    unit = next(s for s in at.selectbox if s.label == "Unit")
    assert (unit.value, list(unit.options)) == ("ALPHA-1", ["ALPHA-1", "BRAVO-2"])  # nearest free unit first
    _button(at, "Assign and send tasking").click().run()
    assert at.success[0].value.startswith(plain("ALPHA-1 assigned to #1; tasking delivered"))
    [message] = receiver.wait_for(1)
    assert message.valid and message.parsed.rows[0]["callsign"] == "INC-1"
    store = cache.current_store()
    assert incident_rows(store)[0]["state"] == "assigned"
    assert list(dispatch_rows(store)["state"]) == ["delivered"]
    # The signal now says where it went instead of offering a second incident.
    assert "Make incident" not in {b.label for b in at.button}
    assert any(c.value == "in incident #1" for c in at.caption)
    log = read_log(store, actions=("incident_opened", "incident_acknowledged", "incident_assigned",
                                   "incident_dispatched"))
    assert set(log["actor"]) == {"local"} and len(log) == 4


def test_two_operators_one_wins_the_other_is_told_who(receiver) -> None:
    alice = _as("alice@police.example")
    _button(alice, "Make incident").click().run()
    bob = _as("bob@police.example")  # bob's page now shows incident #1 at version 1
    _button(alice, "Acknowledge").click().run()
    _button(bob, "Acknowledge").click().run()
    assert [e.value for e in bob.error if "changed by" in e.value] == [plain(
        "incident 1 was changed by alice@police.example (now acknowledged) since you loaded it; nothing was "
        "changed: look again and decide")]
    assert incident_rows(cache.current_store())[0]["owner"] == "alice@police.example"
    denied = read_log(cache.current_store(), actions=("incident_acknowledged",))
    assert sorted(zip(denied["actor"], denied["outcome"])) == [("alice@police.example", "ok"),
                                                              ("bob@police.example", "denied")]


def test_commanders_read_the_queue_but_cannot_act(receiver) -> None:
    _button(_as(None), "Make incident").click().run()
    at = _as("chief@police.example", role="commander")
    labels = {b.label for b in at.button}
    assert "Make incident" not in labels and "Acknowledge" not in labels and "Close incident" not in labels
    assert any("Read-only" in c.value for c in at.caption)
    assert "Prepare handover PDF" in labels
    planner = AppTest.from_file(str(PAGE), default_timeout=60)
    planner.secrets, planner.user = SECRETS, {"is_logged_in": True, "email": "p@x", "groups": [GROUP_OF["planner"]],
                                              "auth_time": datetime.now(timezone.utc).timestamp() - 60}
    planner.run()
    assert any("do not include this page" in e.value for e in planner.error)


def test_the_map_keeps_the_oldest_unacknowledged_high_priority_incident_in_sight(receiver) -> None:
    quiet = _as(None, page=MAP_PAGE)
    assert any("No high-priority incident waiting" in c.value for c in quiet.caption)
    _button(_as(None), "Make incident").click().run()
    busy = _as(None, page=MAP_PAGE)
    strip = [e.value for e in busy.error if "Not acknowledged for" in e.value]
    assert len(strip) == 1 and plain("incident #1, high-impact event") in strip[0]


def test_incident_settings_come_from_the_environment() -> None:
    config = settings_from_env({"LIMES_TAK": "10.1.2.3:8087", "LIMES_UNIT_ENDPOINTS": "ALPHA-1=10.0.0.7:4242, B=h:1",
                                "LIMES_FUSION_M": "1500", "LIMES_FUSION_MIN": "45"})
    assert (config.tak_endpoint, config.unit_endpoints) == ("10.1.2.3:8087", (("ALPHA-1", "10.0.0.7:4242"),
                                                                              ("B", "h:1")))
    assert (config.fusion_m, config.fusion_min) == (1500.0, 45.0)
    assert settings_from_env(settings_env(config)) == config
    defaults = settings_from_env({})
    assert (defaults.tak_endpoint, defaults.unit_endpoints, defaults.fusion_m, defaults.fusion_min) == ("", (), 2000, 30)
    with pytest.raises(LimesError, match="LIMES_UNIT_ENDPOINTS is CALLSIGN=host:port"):
        settings_from_env({"LIMES_UNIT_ENDPOINTS": "ALPHA-1"})
    with pytest.raises(LimesError, match="LIMES_FUSION_M must be a number"):
        settings_from_env({"LIMES_FUSION_M": "two km"})



def test_an_operator_watching_the_map_sees_the_unit_arrive(receiver) -> None:
    at = _as(None)
    _button(at, "Make incident").click().run()
    _button(at, "Assign and send tasking").click().run()
    assert incident_rows(cache.current_store())[0]["state"] == "assigned"
    now = pd.Timestamp(datetime.now(timezone.utc))
    fix = pd.DataFrame({"source": "test", "unit_id": ["u1"], "callsign": ["ALPHA-1"], "at": [now],
                        "stale_at": [now + pd.Timedelta(minutes=5)], "lat": [SITE[0] + 0.0009], "lon": [SITE[1]]})
    fix["cell"] = latlng_to_cells(fix["lat"].to_numpy(), fix["lon"].to_numpy(), BASE_RES)
    insert_units(cache.current_store(), fix)  # 100 m from the incident
    _as(None, page=MAP_PAGE)
    assert incident_rows(cache.current_store())[0]["state"] == "on_scene"
