"""Incident steps on the store: open (or fuse into an open incident), acknowledge, assign, on scene, close, priority.

Each step is one unit of work: the incident's row (only if its version is still the one the actor read:
optimistic locking), a step in its history with the previous and the new state, and an audit entry commit
together or not at all. When two operators act on the same incident at once, the first to commit wins; the
other gets :class:`geo.errors.IncidentConflict` naming who changed it and to what, and the lost attempt is
audited as ``denied``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Final

import numpy as np

from geo.errors import IncidentConflict, IncidentError, msg
from geo.grid import BASE_RES, latlng_to_cells
from geo.incidents.fusion import Anchor, FusionRule, match
from geo.incidents.model import (
    DEFAULT_PRIORITY,
    OPEN_STATES,
    OUTCOMES,
    PRIORITIES,
    SIGNAL_KINDS,
    STATE_LABELS,
    Actor,
    Signal,
    next_state,
)
from geo.store import (
    Db,
    Store,
    add_step,
    attach_signal,
    epoch_ms,
    incident_row,
    incident_rows,
    insert_incident,
    signal_incident,
    update_incident,
)
from geo.trust import AuditEntry, record

STEP_ACTIONS: Final[dict[str, str]] = {
    "open": "incident_opened", "attach": "incident_fused", "acknowledge": "incident_acknowledged",
    "assign": "incident_assigned", "on_scene": "incident_on_scene", "close": "incident_closed",
    "priority": "incident_priority", "dispatch": "incident_dispatched",
}
"""The audit action of each step (see :data:`geo.trust.ACTIONS`)."""


@dataclass(frozen=True, slots=True)
class Opened:
    """What making an incident from a signal did: the incident, whether it is new, and the rule when it was fused."""

    incident_id: int
    created: bool
    rule: str = ""
    already: bool = False
    """The signal already belonged to this incident: nothing changed."""


def _audit(db: Db, actor: Actor, step: str, incident_id: int, detail: str, *, at: datetime,
           outcome: str = "ok") -> None:
    record(db, AuditEntry(actor.user_id, STEP_ACTIONS[step], target=f"incident {incident_id}", outcome=outcome,
                          role=actor.role, detail=detail, client=actor.client), at=at)


def _anchors(db: Db) -> list[Anchor]:
    return [Anchor(int(r["incident_id"]), float(r["lat"]), float(r["lon"]),
                   datetime.fromtimestamp(r["anchor_at_ms"] / 1000, tz=timezone.utc))
            for r in incident_rows(db, states=OPEN_STATES)]


def _attach(tx: Db, incident_id: int, signal: Signal, actor: Actor, rule_text: str, now_ms: int) -> bool:
    return attach_signal(tx, {"incident_id": incident_id, "signal_kind": signal.kind, "signal_ref": signal.ref,
                              "label": signal.label[:200], "lat": signal.lat, "lon": signal.lon,
                              "at_ms": epoch_ms(signal.at), "attached_at_ms": now_ms, "attached_by": actor.user_id,
                              "rule": rule_text})


def open_incident(store: Store, signal: Signal, *, actor: Actor, rule: FusionRule, now: datetime,
                  priority: str | None = None, title: str = "") -> Opened:
    """Make an incident of ``signal``, or attach it to the open incident the fusion rule finds.

    A signal already in an incident stays there (a second click changes nothing). Audited either way.
    """
    priority = priority or DEFAULT_PRIORITY[signal.kind]
    if priority not in PRIORITIES:
        raise IncidentError(msg("priority must be one of {priorities}; got {priority!r}",
                                priorities=list(PRIORITIES), priority=priority))
    now_ms = epoch_ms(now)
    with store.transaction() as tx:
        holder = signal_incident(tx, signal_kind=signal.kind, signal_ref=signal.ref)
        if holder is not None:
            return Opened(holder, created=False, already=True)
        target = match(signal, _anchors(tx), rule)
        if target is not None:
            text = rule.describe()
            _attach(tx, target, signal, actor, text, now_ms)
            add_step(tx, incident_id=target, at_ms=now_ms, actor=actor.user_id, action="attach", from_state="",
                     to_state="", detail=f"{SIGNAL_KINDS[signal.kind]} fused ({text})")
            _audit(tx, actor, "attach", target, f"{signal.kind} {signal.ref} fused: {text}", at=now)
            return Opened(target, created=False, rule=text)
        cell = int(latlng_to_cells(np.array([signal.lat]), np.array([signal.lon]), BASE_RES)[0])
        incident_id = insert_incident(tx, {
            "kind": signal.kind, "title": (title or signal.label or SIGNAL_KINDS[signal.kind])[:200],
            "lat": signal.lat, "lon": signal.lon, "cell": cell if cell < 2**63 else cell - 2**64,
            "anchor_at_ms": epoch_ms(signal.at), "opened_at_ms": now_ms, "opened_by": actor.user_id,
            "priority": priority, "state": "new", "outcome": None, "owner": None, "unit_callsign": None,
            "remarks": "", "changed_at_ms": now_ms, "changed_by": actor.user_id})
        _attach(tx, incident_id, signal, actor, "", now_ms)
        add_step(tx, incident_id=incident_id, at_ms=now_ms, actor=actor.user_id, action="open", from_state="",
                 to_state="new", detail=f"from {SIGNAL_KINDS[signal.kind]}, priority {priority}")
        _audit(tx, actor, "open", incident_id, f"from {signal.kind} {signal.ref}; priority {priority}; state new",
               at=now)
    return Opened(incident_id, created=True)


def fuse_signals(store: Store, signals: list[Signal], *, rule: FusionRule, now: datetime,
                 actor: Actor) -> dict[tuple[str, str], int]:
    """Attach each of ``signals`` that the rule matches to its open incident (new alarms and events arriving);
    signals matching none are left for an operator. Returns what was attached now."""
    attached: dict[tuple[str, str], int] = {}
    with store.transaction() as tx:
        anchors = _anchors(tx)
        if not anchors:
            return attached
        text, now_ms = rule.describe(), epoch_ms(now)
        for signal in signals:
            target = match(signal, anchors, rule)
            if target is not None and _attach(tx, target, signal, actor, text, now_ms):
                add_step(tx, incident_id=target, at_ms=now_ms, actor=actor.user_id, action="attach", from_state="",
                         to_state="", detail=f"{SIGNAL_KINDS[signal.kind]} fused ({text})")
                _audit(tx, actor, "attach", target, f"{signal.kind} {signal.ref} fused: {text}", at=now)
                attached[(signal.kind, signal.ref)] = target
    return attached


def current(store: Db, incident_id: int) -> dict[str, Any]:
    """Incident ``incident_id`` as a dict (see :data:`geo.store.incidents.INCIDENT_COLUMNS`).

    Raises
    ------
    IncidentError
        There is no such incident.
    """
    row = incident_row(store, incident_id)
    if row is None:
        raise IncidentError(msg("no incident {incident_id}", incident_id=incident_id))
    return row


def _apply(store: Store, incident_id: int, *, step: str, expected_version: int, actor: Actor, now: datetime,
           detail: str, audit_step: str | None = None, **fields: Any) -> dict[str, Any]:
    """Update the incident if nobody changed it since ``expected_version``; record the step; return the new row."""
    now_ms = epoch_ms(now)
    with store.transaction() as tx:
        row = current(tx, incident_id)
        target = fields.get("state", row["state"])
        done = int(row["version"]) == int(expected_version) and update_incident(
            tx, incident_id, expected_version=expected_version, changed_at_ms=now_ms, changed_by=actor.user_id,
            **fields)
        if done:
            add_step(tx, incident_id=incident_id, at_ms=now_ms, actor=actor.user_id, action=step,
                     from_state=row["state"], to_state=target, detail=detail)
            _audit(tx, actor, audit_step or step, incident_id,
                   f"{STATE_LABELS[row['state']]} -> {STATE_LABELS[target]}; {detail}".rstrip("; "), at=now)
            return current(tx, incident_id)
    # Lost the race: say who won, and keep the attempt in the audit log (outside the rolled-back unit of work).
    # Read again: on PostgreSQL (read committed) the row read above may predate the change that won.
    row = current(store, incident_id)
    _audit(store, actor, audit_step or step, incident_id,
           f"conflict: changed by {row['changed_by']} (now {row['state']}, version {row['version']}); "
           f"attempted {step} on version {expected_version}", at=now, outcome="denied")
    raise IncidentConflict(
        msg("incident {incident_id} was changed by {who} (now {state}) since you loaded it; nothing was "
            "changed: look again and decide",
            incident_id=incident_id, who=row["changed_by"], state=STATE_LABELS[row["state"]]),
        incident_id=incident_id, changed_by=str(row["changed_by"]), state=str(row["state"]))


def _check_state(store: Store, incident_id: int, step: str, expected_version: int) -> tuple[dict[str, Any], str]:
    row = current(store, incident_id)
    if int(row["version"]) != int(expected_version):
        return row, row["state"]  # _apply reports the conflict with who won
    return row, next_state(step, row["state"])


def acknowledge(store: Store, incident_id: int, *, expected_version: int, actor: Actor,
                now: datetime) -> dict[str, Any]:
    """``new → acknowledged``; the actor becomes the owner."""
    _, target = _check_state(store, incident_id, "acknowledge", expected_version)
    return _apply(store, incident_id, step="acknowledge", expected_version=expected_version, actor=actor, now=now,
                  detail="", state=target, owner=actor.user_id)


def assign(store: Store, incident_id: int, *, callsign: str, expected_version: int, actor: Actor,
           now: datetime) -> dict[str, Any]:
    """Assign the unit ``callsign`` (from new, acknowledged, or re-assign); the actor becomes the owner."""
    if not callsign.strip():
        raise IncidentError(msg("assign needs a unit's callsign"))
    row, target = _check_state(store, incident_id, "assign", expected_version)
    previous = f" (was {row['unit_callsign']})" if row["unit_callsign"] else ""
    return _apply(store, incident_id, step="assign", expected_version=expected_version, actor=actor, now=now,
                  detail=f"unit {callsign}{previous}", state=target, owner=actor.user_id,
                  unit_callsign=callsign.strip())


def mark_on_scene(store: Store, incident_id: int, *, expected_version: int, actor: Actor, now: datetime,
                  detail: str = "") -> dict[str, Any]:
    """``assigned → on_scene`` (by an operator, or the automatic check as ``system``)."""
    _, target = _check_state(store, incident_id, "on_scene", expected_version)
    return _apply(store, incident_id, step="on_scene", expected_version=expected_version, actor=actor, now=now,
                  detail=detail, state=target)


def close(store: Store, incident_id: int, *, outcome: str, expected_version: int, actor: Actor, now: datetime,
          remarks: str = "") -> dict[str, Any]:
    """Close with an ``outcome`` (a key of :data:`geo.incidents.model.OUTCOMES`); the unit is free again."""
    if outcome not in OUTCOMES:
        raise IncidentError(msg("outcome must be one of {outcomes}; got {outcome!r}",
                                outcomes=list(OUTCOMES), outcome=outcome))
    _, target = _check_state(store, incident_id, "close", expected_version)
    fields: dict[str, Any] = {"state": target, "outcome": outcome}
    if remarks:
        fields["remarks"] = remarks[:2000]
    return _apply(store, incident_id, step="close", expected_version=expected_version, actor=actor, now=now,
                  detail=f"outcome {OUTCOMES[outcome]}", **fields)


def set_priority(store: Store, incident_id: int, *, priority: str, expected_version: int, actor: Actor,
                 now: datetime) -> dict[str, Any]:
    """Change the priority of an open incident."""
    if priority not in PRIORITIES:
        raise IncidentError(msg("priority must be one of {priorities}; got {priority!r}",
                                priorities=list(PRIORITIES), priority=priority))
    row = current(store, incident_id)
    if row["state"] == "closed":
        raise IncidentError(msg("incident {incident_id} is closed: its priority no longer changes",
                                incident_id=incident_id))
    return _apply(store, incident_id, step="priority", expected_version=expected_version, actor=actor, now=now,
                  detail=f"priority {row['priority']} -> {priority}", priority=priority)
