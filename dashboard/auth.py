"""The gate in front of every page: OIDC login through ``st.login``, roles, session age, local mode, audit.

With an ``[auth]`` section in the secrets (Streamlit's native OIDC) every visitor logs in with the
organisation's identity provider; roles come from ``[limes_auth]`` (see :mod:`geo.trust.access`). Without
one, Limes runs in local mode for a single user with every role, and only for a browser connection
that is itself from this machine (:func:`geo.trust.local_refusal`: loopback server, loopback peer,
no proxy header, a loopback ``Host``); any other connection is refused with the reason.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboard import cache, state
from dashboard.i18n import _, tr
from dashboard.plain import plain
from geo.errors import AccessError, describe
from geo.store import Db
from geo.trust import (
    LOCAL_USER,
    PAGE_ROLES,
    ROLES,
    AccessPolicy,
    AuditEntry,
    is_loopback,
    local_refusal,
    may,
    may_see,
    record,
    roles_for,
    session_expired,
)


@dataclass(frozen=True, slots=True)
class Viewer:
    """The person using this session: ``user_id``, display ``name``, ``roles``, whether in ``local`` mode, ``client``."""

    user_id: str
    name: str
    roles: frozenset[str]
    local: bool
    client: str

    def role_text(self) -> str:
        return ", ".join(r for r in ROLES if r in self.roles) or "none"


def _secrets_section(name: str) -> dict[str, Any] | None:
    try:
        section = st.secrets.get(name)
    except FileNotFoundError:  # no secrets file at all: local mode
        return None
    return None if section is None else dict(section)


def _client() -> str:
    """Where the session comes from: Streamlit reports loopback connections as no address at all."""
    address = st.context.ip_address
    if address is None:
        return "loopback"
    return address if isinstance(address, str) else "unknown"  # AppTest has no real request


def _local_refusal() -> str | None:
    """Why this browser connection may not have local mode (``None``: it may)."""
    headers = dict(st.context.headers)
    if not headers:
        # No HTTP request behind this run (AppTest, bare mode): a browser's websocket always sends Host.
        return None if is_loopback(st.get_option("server.address")) else "the server does not listen on loopback"
    address = st.context.ip_address
    # Streamlit reports a loopback peer as no address at all.
    peer = "127.0.0.1" if address is None else address if isinstance(address, str) else None
    return local_refusal(server_address=st.get_option("server.address"), peer=peer, headers=headers)


def audit(viewer: Viewer, action: str, *, target: str = "", outcome: str = "ok", detail: str = "",
          db: Db | None = None) -> None:
    """Append an entry for ``viewer`` to the store's audit log; with ``db`` (an open transaction), as part of the
    action it records."""
    record(db or cache.current_store(), AuditEntry(viewer.user_id, action, target=target, outcome=outcome,
                                              role=viewer.role_text(), detail=detail, client=viewer.client))


def _login_screen(message: str) -> None:
    st.markdown("## " + plain(_("Limes · border situational awareness")))
    st.info(message)
    if st.button(_("Log in with the organisation's account"), type="primary", key=state.LOGIN):
        st.login()
    st.stop()


def _oidc_viewer(policy: AccessPolicy) -> Viewer:
    if not st.user.is_logged_in:
        _login_screen("Sign in to see border data. Access is granted by your organisation's groups.")
    claims = st.user.to_dict()
    user_id = str(claims.get("email") or claims.get("sub") or "unknown")
    viewer = Viewer(user_id=user_id, name=str(claims.get("name") or user_id), roles=roles_for(claims, policy),
                    local=False, client=_client())
    if session_expired(claims, now_s=time.time(), max_session_h=policy.max_session_h):
        audit(viewer, "session_expired", detail=f"older than {policy.max_session_h:g} h")
        st.session_state.pop(state.LOGIN_RECORDED, None)
        st.logout()
        st.stop()
    if not st.session_state.get(state.LOGIN_RECORDED):
        st.session_state[state.LOGIN_RECORDED] = True
        audit(viewer, "login", detail="roles: " + viewer.role_text())
    return viewer


def viewer() -> Viewer:
    """The gate: who is using this session, or the page stops here (login screen, refusal, no role)."""
    cached = st.session_state.get(state.VIEWER)
    if cached is not None and cached.local:
        return cached
    auth_section = _secrets_section("auth")
    if auth_section is None:
        refusal = _local_refusal()
        if refusal is not None:
            st.error(f"Limes refuses to serve: no identity provider is configured ([auth] in the secrets), and "
                     f"local mode is for a browser on this machine only, but {refusal}. Either open it on this "
                     f"machine at http://127.0.0.1 (server bound to loopback, no proxy in between), or configure "
                     f"OIDC login (README).")
            st.stop()
        local = Viewer(user_id=LOCAL_USER, name="Local user", roles=frozenset(ROLES), local=True, client="local")
        st.session_state[state.VIEWER] = local
        return local
    try:
        policy = AccessPolicy.from_config(_secrets_section("limes_auth") or {})
    except AccessError as exc:
        st.error(plain(_("Limes cannot grant access: {reason}").format(reason=describe(exc, tr()))))
        st.stop()
    return _oidc_viewer(policy)


def require_page(page: str) -> Viewer:
    """Stop the page here unless the viewer may see ``page``; a refusal is audited."""
    who = viewer()
    if not may_see(who.roles, page):
        audit(who, "access_denied", target=page, outcome="denied")
        st.error(f"Your roles ({who.role_text()}) do not include this page. Ask an administrator if you need it.")
        st.stop()
    return who


def allowed(capability: str) -> bool:
    """Whether this session's viewer holds ``capability`` (see :data:`geo.trust.access.CAPABILITY_ROLES`)."""
    return may(viewer().roles, capability)


def visible_pages(who: Viewer) -> list[str]:
    """The pages of :data:`geo.trust.access.PAGE_ROLES` this viewer may open, in navigation order."""
    return [page for page in PAGE_ROLES if may_see(who.roles, page)]


def sidebar_identity(who: Viewer) -> None:
    """Who is logged in, with which roles, and the way out; in local mode a banner that says so."""
    if who.local:
        st.warning(_("Local mode: one user, every role, no login. Served on loopback only."), icon="⚠️")
        return
    st.caption(f"{who.name} · {who.role_text()}")
    if st.button(_("Log out"), key=state.LOGOUT):
        audit(who, "logout")
        st.session_state.pop(state.LOGIN_RECORDED, None)
        st.logout()
