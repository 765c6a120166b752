"""Who may do what: roles from identity claims through an allow-list, pages and capabilities per role.

Roles (issue 8): ``operator`` (live map, event details, moderation of community reports),
``planner`` (coverage planner, sensors), ``commander`` (briefing, impact levels, exports of
aggregates), ``admin`` (data import, the audit log). A user's roles come from one claim of the
identity token (``groups`` by default) mapped through :class:`AccessPolicy`'s allow-list:
a group that is not listed grants nothing, so an unknown user sees nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from geo.errors import AccessError, msg

ROLES: Final[tuple[str, ...]] = ("operator", "planner", "commander", "admin")

PAGE_ROLES: Final[dict[str, frozenset[str]]] = {
    "map": frozenset({"operator", "planner", "commander"}),
    "moderation": frozenset({"operator"}),
    "incidents": frozenset({"operator", "commander"}),
    "coverage": frozenset({"planner"}),
    "briefing": frozenset({"commander"}),
    "data": frozenset({"admin"}),
    "audit": frozenset({"admin"}),
}
"""Which roles see each page; a page no role of the user may see is left out of the navigation."""

CAPABILITY_ROLES: Final[dict[str, frozenset[str]]] = {
    "event_details": frozenset({"operator"}),  # single events: the drill-down table, the ticker, the banner
    "unit_positions": frozenset({"operator", "planner"}),  # where patrols are now
    "moderate_reports": frozenset({"operator"}),  # and see reporters' contact details
    "edit_sensors": frozenset({"planner"}),
    "set_level": frozenset({"commander"}),
    "export_aggregates": frozenset({"commander"}),
    "import_data": frozenset({"admin"}),
    "read_audit": frozenset({"admin"}),
    "act_on_incidents": frozenset({"operator"}),  # open, acknowledge, assign and dispatch, close
    "read_incidents": frozenset({"operator", "commander"}),  # the queue (read-only for commanders), the handover
}
"""Sensitive actions and views inside pages, each checked where it happens."""

LOCAL_USER: Final[str] = "local"
DEFAULT_MAX_SESSION_H: Final[float] = 12.0
"""One shift and a half: the identity cookie lives ~30 days, far longer than a control-room session should."""


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """The allow-list from identity-provider groups to Limes roles, and the maximum session age.

    ``group_roles`` pairs ``(group, role)``; a group may grant several roles by appearing twice.
    """

    group_roles: tuple[tuple[str, str], ...]
    roles_claim: str = "groups"
    max_session_h: float = DEFAULT_MAX_SESSION_H

    def __post_init__(self) -> None:
        unknown = sorted({role for _, role in self.group_roles} - set(ROLES))
        if unknown:
            raise AccessError(msg("the allow-list names unknown role(s) {unknown}; roles are {roles}",
                                  unknown=unknown, roles=list(ROLES)))
        if not self.max_session_h > 0:
            raise AccessError(msg("max_session_h must be > 0 hours; got {max_session_h!r}",
                                  max_session_h=self.max_session_h))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AccessPolicy:
        """From the ``[limes_auth]`` secrets section: ``roles_claim``, ``max_session_h`` and a
        ``[limes_auth.group_roles]`` table of ``"group" = "role"`` or ``"group" = ["role", ...]``."""
        table = config.get("group_roles", {})
        if not isinstance(table, Mapping) or not table:
            raise AccessError(msg("[limes_auth.group_roles] is missing or empty: without an allow-list nobody gets a "
                                  "role"))
        pairs = []
        for group, roles in table.items():
            for role in [roles] if isinstance(roles, str) else list(roles):
                pairs.append((str(group), str(role)))
        return cls(group_roles=tuple(sorted(pairs)), roles_claim=str(config.get("roles_claim", "groups")),
                   max_session_h=float(config.get("max_session_h", DEFAULT_MAX_SESSION_H)))


def roles_for(claims: Mapping[str, Any], policy: AccessPolicy) -> frozenset[str]:
    """The roles the user's ``claims`` grant under ``policy`` (a string claim counts as one group)."""
    value = claims.get(policy.roles_claim, [])
    groups = {value} if isinstance(value, str) else {str(g) for g in value} if isinstance(value, list | tuple) else set()
    return frozenset(role for group, role in policy.group_roles if group in groups)


def may_see(roles: frozenset[str], page: str) -> bool:
    """Whether any of ``roles`` may open ``page`` (a key of :data:`PAGE_ROLES`)."""
    if page not in PAGE_ROLES:
        raise AccessError(msg("unknown page {page!r}; pages are {page_roles}",
                              page=page, page_roles=sorted(PAGE_ROLES)))
    return bool(roles & PAGE_ROLES[page])


def may(roles: frozenset[str], capability: str) -> bool:
    """Whether any of ``roles`` holds ``capability`` (a key of :data:`CAPABILITY_ROLES`)."""
    if capability not in CAPABILITY_ROLES:
        raise AccessError(msg("unknown capability {capability!r}; capabilities are {capability_roles}",
                              capability=capability, capability_roles=sorted(CAPABILITY_ROLES)))
    return bool(roles & CAPABILITY_ROLES[capability])


def session_expired(claims: Mapping[str, Any], *, now_s: float, max_session_h: float) -> bool:
    """Whether the login behind ``claims`` (``auth_time``, else ``iat``, epoch seconds) is older than the maximum.

    Without either claim the age cannot be known, and the session counts as expired (fail closed).
    """
    started = claims.get("auth_time", claims.get("iat"))
    if started is None:
        return True
    return now_s - float(started) > max_session_h * 3600.0


def is_loopback(address: str | None) -> bool:
    """Whether a server bound to ``address`` is reachable from this machine only (``None``/empty: all interfaces)."""
    if not address:
        return False
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
