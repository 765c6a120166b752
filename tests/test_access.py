"""Access control: the allow-list, the role × page matrix through AppTest, session age, local mode, data minimisation."""

from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cache
from geo.errors import AccessError
from geo.trust import PAGE_ROLES, ROLES, AccessPolicy, is_loopback, may, read_log, roles_for, session_expired
from tests.conftest import ROOT

POLICY_CONFIG = {
    "roles_claim": "groups",
    "max_session_h": 8,
    "group_roles": {"bp-ops": "operator", "bp-plan": "planner", "bp-cmd": "commander", "bp-it": ["admin"]},
}
SECRETS = {
    "auth": {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32,
             "client_id": "limes", "client_secret": "s", "server_metadata_url": "http://127.0.0.1:9/.well-known"},
    "limes_auth": POLICY_CONFIG,
}
GROUP_OF = {"operator": "bp-ops", "planner": "bp-plan", "commander": "bp-cmd", "admin": "bp-it"}
PAGE_FILES = {"map": "dashboard/pages/live_map.py", "briefing": "dashboard/pages/briefing.py",
              "coverage": "dashboard/pages/coverage.py", "data": "dashboard/pages/data.py",
              "audit": "dashboard/pages/audit.py", "incidents": "dashboard/pages/incidents.py"}


def test_allow_list_maps_groups_to_roles_and_nothing_else() -> None:
    policy = AccessPolicy.from_config(POLICY_CONFIG)
    assert roles_for({"groups": ["bp-ops", "bp-cmd", "guests"]}, policy) == {"operator", "commander"}
    assert roles_for({"groups": "bp-it"}, policy) == {"admin"}
    assert roles_for({"groups": ["everyone", "BP-OPS"]}, policy) == frozenset()  # exact names only
    assert roles_for({"email": "x@y"}, policy) == frozenset()
    with pytest.raises(AccessError, match="unknown role"):
        AccessPolicy.from_config({"group_roles": {"bp-ops": "superuser"}})
    with pytest.raises(AccessError, match="allow-list"):
        AccessPolicy.from_config({})
    with pytest.raises(AccessError, match="unknown capability"):
        may(frozenset(ROLES), "launch_missiles")


def test_session_age_and_loopback() -> None:
    now = 1_800_000_000.0
    assert not session_expired({"auth_time": now - 7.9 * 3600}, now_s=now, max_session_h=8)
    assert session_expired({"auth_time": now - 8.1 * 3600}, now_s=now, max_session_h=8)
    assert session_expired({"iat": now - 9 * 3600}, now_s=now, max_session_h=8)
    assert session_expired({}, now_s=now, max_session_h=8)  # unknown age: fail closed
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("") and not is_loopback(None)
    assert not is_loopback("10.1.2.3")


def _app(role: str | None, *, auth_time: float | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.secrets = SECRETS
    groups = [GROUP_OF[role]] if role else ["visitors"]
    at.user = {"is_logged_in": True, "email": f"{role or 'nobody'}@police.example", "name": role or "Nobody",
               "groups": groups, "auth_time": auth_time if auth_time is not None else time.time() - 60}
    return at


@pytest.mark.parametrize("role", ROLES)
def test_role_page_matrix(role: str) -> None:
    """Each role's navigation holds exactly its pages: allowed ones run, the others cannot be reached."""
    at = _app(role).run()
    assert not at.exception, at.exception
    for page, roles in PAGE_ROLES.items():
        if page not in PAGE_FILES:
            continue
        if role in roles:
            at.switch_page(PAGE_FILES[page]).run()
            assert not at.exception, (role, page, at.exception)
            assert not any("do not include this page" in e.value for e in at.error), (role, page)
        else:
            with pytest.raises(ValueError):  # not registered in this role's navigation
                at.switch_page(PAGE_FILES[page])
    caption = " ".join(c.value for c in at.sidebar.caption)
    assert role in caption


def test_unknown_groups_get_nothing_and_it_is_audited() -> None:
    at = _app(None).run()
    assert any("no Limes role" in e.value for e in at.error)
    assert not at.get("deck_gl_json_chart") and not at.metric
    log = read_log(cache.current_store(), actions=("access_denied",), actor="nobody@police.example")
    assert len(log) >= 1 and log["outcome"].iloc[0] == "denied"


def test_expired_session_is_sent_back_to_login() -> None:
    at = _app("operator", auth_time=time.time() - 9 * 3600).run()
    assert not at.get("deck_gl_json_chart")
    at.run()  # after st.logout the user is logged out: the login screen
    assert any("Log in" in b.label for b in at.button)
    log = read_log(cache.current_store(), actions=("session_expired",), actor="operator@police.example")
    assert len(log) >= 1


def test_login_is_audited_once_per_session() -> None:
    from datetime import datetime, timezone

    started = datetime.now(timezone.utc)
    at = _app("commander").run()
    at.run()
    log = read_log(cache.current_store(), actions=("login",), actor="commander@police.example", since=started)
    assert len(log) == 1 and "commander" in log["detail"].iloc[0]


def _map_spec(at: AppTest) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


@pytest.mark.parametrize("role", ["operator", "planner", "commander"])
def test_map_sends_each_role_only_what_it_may_see(role: str) -> None:
    at = _app(role).run()
    assert not at.exception, at.exception
    spec = _map_spec(at)
    ids = {layer["id"] for layer in spec["layers"]}
    hexes = next(layer for layer in spec["layers"] if layer["id"] == "hexagons")
    assert {key for row in hexes["data"] for key in row} <= {"hex", "value", "label"}  # aggregates only
    assert ("units" in ids) == may(frozenset({role}), "unit_positions")
    text = " ".join(m.value for m in at.markdown)
    assert ("limes-ticker" in text) == (role == "operator")  # single events: operators only


def test_local_mode_needs_loopback() -> None:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    assert any("Local mode" in w.value for w in at.sidebar.warning)
    from streamlit import config

    config.set_option("server.address", "0.0.0.0")
    try:
        refused = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
        assert any("refuses to serve" in e.value for e in refused.error)
        assert not refused.get("deck_gl_json_chart")
    finally:
        config.set_option("server.address", "127.0.0.1")
