"""Assign a unit and send it the tasking; follow its positions until it is on scene.

:func:`assign_and_dispatch` assigns (optimistic locking, audited), records a ``pending`` dispatch, sends the
CoT tasking outside any transaction (no store lock is held while the network is slow) and records the
delivery state (``delivered`` after n attempts, or ``failed`` with the error) in the incident's dispatches,
its history and the audit log. :func:`retry_dispatch` sends a failed tasking again. :func:`check_on_scene`
closes the loop: an assigned incident whose unit reported a position within ``radius_m`` (200 m) of it since
the assignment becomes ``on_scene``, by ``system``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Final

from geo.errors import IncidentConflict, IncidentError, msg
from geo.incidents.cot import Delivery, Tasking, send_cot, tasking_xml
from geo.incidents.fusion import distance_m
from geo.incidents.model import SIGNAL_KINDS, SYSTEM, Actor
from geo.incidents.workflow import STEP_ACTIONS, assign, current, mark_on_scene
from geo.store import (
    Store,
    add_dispatch,
    add_step,
    dispatch_rows,
    epoch_ms,
    incident_rows,
    step_rows,
    unit_fixes_since,
    update_dispatch,
)
from geo.trust import AuditEntry, record

ON_SCENE_RADIUS_M: Final[float] = 200.0


@dataclass(frozen=True, slots=True)
class DispatchTargets:
    """Where taskings go: a unit's own endpoint when it has one (``unit_endpoints``: callsign, ``host:port``),
    else the TAK server (``tak_endpoint``, ``host:port``; empty: none configured)."""

    tak_endpoint: str = ""
    unit_endpoints: tuple[tuple[str, str], ...] = field(default=())

    def endpoint_for(self, callsign: str) -> str:
        """The endpoint for ``callsign``; empty when neither the unit nor a TAK server has one."""
        return dict(self.unit_endpoints).get(callsign, self.tak_endpoint)


@dataclass(frozen=True, slots=True)
class Dispatched:
    """The incident after the assignment, and the dispatch (``None`` without an endpoint) and how it went."""

    incident: dict[str, Any]
    dispatch_id: int | None
    delivery: Delivery | None


def _send(store: Store, incident: dict[str, Any], dispatch_id: int, *, callsign: str, endpoint: str, uid: str,
          remarks: str, actor: Actor, clock: Callable[[], datetime]) -> Delivery:
    task = Tasking(incident_id=int(incident["incident_id"]), lat=float(incident["lat"]), lon=float(incident["lon"]),
                   kind_label=SIGNAL_KINDS.get(incident["kind"], incident["kind"]), priority=str(incident["priority"]),
                   callsign=callsign, remarks=remarks, uid=uid, at=clock())
    delivery = send_cot(tasking_xml(task), endpoint, clock=clock)
    now = clock()
    text = (f"tasking to {callsign} via {endpoint}: {delivery.state} after {delivery.attempts} attempt(s)"
            + (f" ({delivery.error})" if delivery.error else ""))
    with store.transaction() as tx:
        update_dispatch(tx, dispatch_id, state=delivery.state, attempts=delivery.attempts,
                        sent_at_ms=None if delivery.sent_at is None else epoch_ms(delivery.sent_at),
                        last_error=delivery.error)
        add_step(tx, incident_id=task.incident_id, at_ms=epoch_ms(now), actor=actor.user_id, action="dispatch",
                 from_state=str(incident["state"]), to_state=str(incident["state"]), detail=text)
        record(tx, AuditEntry(actor.user_id, STEP_ACTIONS["dispatch"], target=f"incident {task.incident_id}",
                              role=actor.role, detail=text, client=actor.client), at=now)
    return delivery


def assign_and_dispatch(store: Store, incident_id: int, *, callsign: str, expected_version: int, actor: Actor,
                        targets: DispatchTargets, remarks: str = "",
                        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> Dispatched:
    """Assign ``callsign`` to the incident and send it the CoT tasking (see the module docstring)."""
    incident = assign(store, incident_id, callsign=callsign, expected_version=expected_version, actor=actor,
                      now=clock())
    endpoint = targets.endpoint_for(callsign)
    if not endpoint:
        return Dispatched(incident, None, None)
    uid = f"limes-incident-{incident_id}-v{incident['version']}"
    dispatch_id = add_dispatch(store, incident_id=incident_id, callsign=callsign, endpoint=endpoint, cot_uid=uid,
                               created_at_ms=epoch_ms(clock()))
    delivery = _send(store, incident, dispatch_id, callsign=callsign, endpoint=endpoint, uid=uid, remarks=remarks,
                     actor=actor, clock=clock)
    return Dispatched(incident, dispatch_id, delivery)


def retry_dispatch(store: Store, incident_id: int, *, actor: Actor, targets: DispatchTargets, remarks: str = "",
                   clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> Dispatched:
    """Send the assigned unit its tasking again (after a failed delivery), as a new dispatch."""
    incident = current(store, incident_id)
    callsign = incident["unit_callsign"]
    if incident["state"] != "assigned" or not callsign:
        raise IncidentError(msg("incident {incident_id} has no assigned unit to send a tasking to (it is {state})",
                                incident_id=incident_id, state=incident["state"]))
    endpoint = targets.endpoint_for(str(callsign))
    if not endpoint:
        raise IncidentError(msg("no CoT endpoint is configured for this unit nor a TAK server (LIMES_TAK)"))
    previous = len(dispatch_rows(store, incident_id=incident_id))
    uid = f"limes-incident-{incident_id}-v{incident['version']}-r{previous}"
    dispatch_id = add_dispatch(store, incident_id=incident_id, callsign=str(callsign), endpoint=endpoint, cot_uid=uid,
                               created_at_ms=epoch_ms(clock()))
    delivery = _send(store, incident, dispatch_id, callsign=str(callsign), endpoint=endpoint, uid=uid,
                     remarks=remarks, actor=actor, clock=clock)
    return Dispatched(incident, dispatch_id, delivery)


def check_on_scene(store: Store, *, now: datetime, radius_m: float = ON_SCENE_RADIUS_M) -> list[int]:
    """Mark ``on_scene`` every assigned incident whose unit reported a fix within ``radius_m`` metres of it since
    it was assigned; returns their ids. An incident someone changed meanwhile is left to them."""
    arrived: list[int] = []
    for row in incident_rows(store, states=("assigned",)):
        if not row["unit_callsign"]:
            continue
        steps = step_rows(store, incident_id=int(row["incident_id"]))
        assigned = steps.loc[steps["action"] == "assign", "at_ms"]
        since = int(assigned.iloc[-1]) if len(assigned) else int(row["changed_at_ms"])
        for _at_ms, lat, lon in unit_fixes_since(store, callsign=str(row["unit_callsign"]), since_ms=since):
            d = distance_m(lat, lon, float(row["lat"]), float(row["lon"]))
            if d <= radius_m:
                try:
                    mark_on_scene(store, int(row["incident_id"]), expected_version=int(row["version"]), actor=SYSTEM,
                                  now=now, detail=f"{row['unit_callsign']} reported a fix {d:.0f} m away "
                                                  f"(within {radius_m:g} m)")
                    arrived.append(int(row["incident_id"]))
                except IncidentConflict:
                    pass  # an operator acted on it meanwhile: their decision stands
                break
    return arrived
