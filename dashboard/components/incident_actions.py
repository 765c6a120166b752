"""What an operator does to an incident, as button callbacks: each step passes the version the operator saw when the
page was drawn (optimistic locking), and its outcome, or why it was refused, is shown once after the rerun.

Also the settings incidents need (fusion rule, where taskings go) and the background work every incident view does
on refresh: new alarms fused into open incidents, and units within 200 m marked on scene.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import streamlit as st

from dashboard import cache, state
from dashboard.auth import Viewer
from dashboard.config import settings
from dashboard.i18n import _, tr
from dashboard.plain import plain
from geo.errors import LimesError, describe
from geo.grid import EventIndex
from geo.incidents import (
    SYSTEM,
    Actor,
    DispatchTargets,
    FusionRule,
    Signal,
    acknowledge,
    assign_and_dispatch,
    check_on_scene,
    close,
    event_signal,
    fuse_signals,
    mark_on_scene,
    open_incident,
    retry_dispatch,
    set_priority,
)
from geo.models import HIGH_IMPACT


def actor(who: Viewer) -> Actor:
    """The viewer as the actor of incident steps (user, roles, where from)."""
    return Actor(who.user_id, role=who.role_text(), client=who.client)


def fusion_rule() -> FusionRule:
    """The configured fusion rule (``LIMES_FUSION_M``, ``LIMES_FUSION_MIN``; default 2 km, 30 min)."""
    config = settings()
    return FusionRule(distance_m=config.fusion_m, window=timedelta(minutes=config.fusion_min))


def targets() -> DispatchTargets:
    """Where taskings go (``LIMES_TAK``, ``LIMES_UNIT_ENDPOINTS``)."""
    config = settings()
    return DispatchTargets(tak_endpoint=config.tak_endpoint, unit_endpoints=config.unit_endpoints)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _report(message: str, ok: bool = True) -> None:
    st.session_state[state.INCIDENT_DONE] = ("success" if ok else "error", message)


def _run(step: Callable[[], Any], message: Callable[[Any], str]) -> None:
    try:
        _report(message(step()))
    except LimesError as exc:
        _report(describe(exc, tr()), ok=False)


def show_outcome() -> None:
    """The last step's message (green) or refusal (red), once."""
    done = st.session_state.pop(state.INCIDENT_DONE, None)
    if done:
        kind, text = done
        (st.success if kind == "success" else st.error)(plain(text))


def make_incident(signal: Signal, who: Actor) -> None:
    """Callback of a "Make incident" button: open one, or fuse into the open incident the rule finds."""
    def said(opened: Any) -> str:
        if opened.already:
            return _("Already part of incident #{id}.").format(id=opened.incident_id)
        if opened.created:
            return _("Incident #{id} opened.").format(id=opened.incident_id)
        return _("Attached to incident #{id} ({rule}).").format(id=opened.incident_id, rule=opened.rule)
    _run(lambda: open_incident(cache.current_store(), signal, actor=who, rule=fusion_rule(), now=_now()), said)


def do_acknowledge(incident_id: int, version: int, who: Actor) -> None:
    _run(lambda: acknowledge(cache.current_store(), incident_id, expected_version=version, actor=who, now=_now()),
         lambda done: _("Incident #{id} acknowledged.").format(id=incident_id))


def do_assign(incident_id: int, version: int, who: Actor) -> None:
    """Assign the unit chosen in the incident's unit box and send it the tasking with the remarks typed."""
    callsign = str(st.session_state.get(state.keyed(state.INCIDENT_UNIT, incident_id)) or "")
    remarks = str(st.session_state.get(state.keyed(state.INCIDENT_REMARKS, incident_id)) or "")

    def said(done: Any) -> str:
        if done.delivery is None:
            return _("{unit} assigned to #{id}; no CoT endpoint configured: tell the unit by radio.").format(
                unit=callsign, id=incident_id)
        if done.delivery.state == "delivered":
            return _("{unit} assigned to #{id}; tasking delivered (attempts: {attempts}).").format(
                unit=callsign, id=incident_id, attempts=done.delivery.attempts)
        return _("{unit} assigned to #{id}, but the tasking FAILED: {error}. Send it again.").format(
            unit=callsign, id=incident_id, error=done.delivery.error)
    _run(lambda: assign_and_dispatch(cache.current_store(), incident_id, callsign=callsign, expected_version=version,
                                     actor=who, targets=targets(), remarks=remarks), said)


def do_resend(incident_id: int, who: Actor) -> None:
    remarks = str(st.session_state.get(state.keyed(state.INCIDENT_REMARKS, incident_id)) or "")
    _run(lambda: retry_dispatch(cache.current_store(), incident_id, actor=who, targets=targets(), remarks=remarks),
         lambda done: _("Tasking sent again: {state}.").format(state=_(done.delivery.state)))


def do_on_scene(incident_id: int, version: int, who: Actor) -> None:
    _run(lambda: mark_on_scene(cache.current_store(), incident_id, expected_version=version, actor=who, now=_now(),
                               detail="reported by radio"),
         lambda done: _("Incident #{id}: unit on scene.").format(id=incident_id))


def do_close(incident_id: int, version: int, who: Actor) -> None:
    outcome = str(st.session_state.get(state.keyed(state.INCIDENT_OUTCOME, incident_id)) or "")
    remarks = str(st.session_state.get(state.keyed(state.INCIDENT_REMARKS, incident_id)) or "")
    _run(lambda: close(cache.current_store(), incident_id, outcome=outcome, expected_version=version, actor=who,
                       now=_now(), remarks=remarks), lambda done: _("Incident #{id} closed.").format(id=incident_id))


def do_priority(incident_id: int, version: int, who: Actor) -> None:
    priority = str(st.session_state.get(state.keyed(state.INCIDENT_PRIORITY, incident_id)) or "")
    _run(lambda: set_priority(cache.current_store(), incident_id, priority=priority, expected_version=version,
                              actor=who, now=_now()), lambda done: _("Incident #{id}: priority {priority}.").format(
                              id=incident_id, priority=_(priority)))


def keep_up(index: EventIndex) -> None:
    """Fuse the last half hour's alarms and high-impact events into open incidents, and mark units that arrived on
    scene (both as ``system``); a failure is shown, never raised."""
    now = _now()
    rule = fusion_rule()
    try:
        recent = index.recent(now - rule.window, now)
        alarms = recent[(recent["type"] == "sensor_alarm") | recent["impact"].isin(HIGH_IMPACT)]
        towns = cache.basemap().towns
        signals = [event_signal(row, kind="high_impact" if row["impact"] in HIGH_IMPACT else "sensor_alarm",
                                towns=towns, tr=tr()) for _, row in alarms.iterrows()]
        store = cache.current_store()
        if signals:
            fuse_signals(store, signals, rule=rule, now=now, actor=SYSTEM)
        check_on_scene(store, now=now)
    except LimesError as exc:
        st.error(plain(_("Incident upkeep failed: {reason}").format(reason=describe(exc, tr()))))
