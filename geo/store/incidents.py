"""The incidents repository: the queue, the signals fused into each incident, their steps and the CoT dispatches.

What an incident is, which steps are allowed and who may take them is :mod:`geo.incidents`'s; this module keeps
the rows. An incident changes only through :func:`update_incident`, which matches the version the caller read
(optimistic locking): a change made meanwhile by someone else makes it match nothing. A signal belongs to one
incident at most (``UNIQUE (signal_kind, signal_ref)``). Times are epoch milliseconds, UTC; positions degrees
EPSG:4326.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import pandas as pd

from geo.errors import InputError
from geo.store.core import Db

INCIDENT_COLUMNS: Final[tuple[str, ...]] = (
    "incident_id", "kind", "title", "lat", "lon", "cell", "anchor_at_ms", "opened_at_ms", "opened_by", "priority",
    "state", "outcome", "owner", "unit_callsign", "remarks", "changed_at_ms", "changed_by", "version",
)
"""Columns of an incident row as the readers return them."""
NEW_INCIDENT_COLUMNS: Final[tuple[str, ...]] = INCIDENT_COLUMNS[1:-1]
UPDATABLE: Final[frozenset[str]] = frozenset({
    "priority", "state", "outcome", "owner", "unit_callsign", "remarks", "changed_at_ms", "changed_by"})
SIGNAL_COLUMNS: Final[tuple[str, ...]] = (
    "incident_id", "signal_kind", "signal_ref", "label", "lat", "lon", "at_ms", "attached_at_ms", "attached_by", "rule")
STEP_COLUMNS: Final[tuple[str, ...]] = ("seq", "incident_id", "at_ms", "actor", "action", "from_state", "to_state",
                                        "detail")
DISPATCH_COLUMNS: Final[tuple[str, ...]] = (
    "dispatch_id", "incident_id", "callsign", "endpoint", "cot_uid", "created_at_ms", "sent_at_ms", "state",
    "attempts", "last_error")
ACTIVE_STATES: Final[tuple[str, ...]] = ("assigned", "on_scene")
"""States in which an incident holds its unit."""


def insert_incident(db: Db, row: Mapping[str, Any]) -> int:
    """Insert an incident (:data:`NEW_INCIDENT_COLUMNS` keys; version starts at 1) and return its id."""
    columns = ", ".join(NEW_INCIDENT_COLUMNS)
    marks = ", ".join("?" for _ in NEW_INCIDENT_COLUMNS)
    with db.transaction() as tx:
        found = tx.fetchone(f"INSERT INTO incidents ({columns}) VALUES ({marks}) RETURNING incident_id",
                            [row.get(c) for c in NEW_INCIDENT_COLUMNS])
    assert found is not None  # RETURNING always gives the new row
    return int(found[0])


def update_incident(db: Db, incident_id: int, *, expected_version: int, **fields: Any) -> bool:
    """Set ``fields`` (of :data:`UPDATABLE`) on incident ``incident_id`` if its version is still
    ``expected_version``, and count the version up; whether it matched."""
    unknown = sorted(set(fields) - UPDATABLE)
    if unknown:
        raise InputError(f"not updatable incident fields: {unknown}; updatable are {sorted(UPDATABLE)}")
    assignments = ", ".join(f"{name} = ?" for name in fields)
    with db.transaction() as tx:
        return bool(tx.execute(
            f"UPDATE incidents SET {assignments}, version = version + 1 WHERE incident_id = ? AND version = ?",
            [*fields.values(), int(incident_id), int(expected_version)]))


def incident_row(db: Db, incident_id: int) -> dict[str, Any] | None:
    """Incident ``incident_id`` as a dict of :data:`INCIDENT_COLUMNS`, or ``None``."""
    with db.transaction(write=False) as tx:
        row = tx.fetchone(f"SELECT {', '.join(INCIDENT_COLUMNS)} FROM incidents WHERE incident_id = ?",
                          (int(incident_id),))
    return None if row is None else dict(zip(INCIDENT_COLUMNS, row, strict=True))


def incident_rows(db: Db, *, states: Sequence[str] = (), touched_from_ms: int | None = None,
                  opened_before_ms: int | None = None) -> list[dict[str, Any]]:
    """Incidents of ``states`` (any when empty), opened before ``opened_before_ms`` and changed or opened from
    ``touched_from_ms`` on (or still not closed), oldest first."""
    where: list[str] = []
    params: list[Any] = []
    if states:
        where.append(f"state IN ({', '.join('?' for _ in states)})")
        params.extend(states)
    if touched_from_ms is not None:
        where.append("(changed_at_ms >= ? OR opened_at_ms >= ? OR state <> 'closed')")
        params.extend([touched_from_ms, touched_from_ms])
    if opened_before_ms is not None:
        where.append("opened_at_ms < ?")
        params.append(opened_before_ms)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    with db.transaction(write=False) as tx:
        rows = tx.fetch(f"SELECT {', '.join(INCIDENT_COLUMNS)} FROM incidents {clause} "
                        "ORDER BY opened_at_ms, incident_id", params)
    return [dict(zip(INCIDENT_COLUMNS, row, strict=True)) for row in rows]


def attach_signal(db: Db, row: Mapping[str, Any]) -> bool:
    """Attach a signal (:data:`SIGNAL_COLUMNS` keys) to its incident; ``False`` when that signal already belongs to
    an incident (this one or another): a signal is never in two."""
    with db.transaction() as tx:
        return bool(tx.execute(
            f"INSERT INTO incident_signals ({', '.join(SIGNAL_COLUMNS)}) VALUES "
            f"({', '.join('?' for _ in SIGNAL_COLUMNS)}) ON CONFLICT (signal_kind, signal_ref) DO NOTHING",
            [row.get(c) for c in SIGNAL_COLUMNS]))


def signal_incident(db: Db, *, signal_kind: str, signal_ref: str) -> int | None:
    """The incident holding signal ``signal_kind``/``signal_ref``, or ``None``."""
    with db.transaction(write=False) as tx:
        row = tx.fetchone("SELECT incident_id FROM incident_signals WHERE signal_kind = ? AND signal_ref = ?",
                          (signal_kind, signal_ref))
    return None if row is None else int(row[0])


def signal_rows(db: Db, *, incident_id: int | None = None) -> pd.DataFrame:
    """Attached signals (:data:`SIGNAL_COLUMNS`), of one incident or all, in attachment order."""
    clause, params = ("WHERE incident_id = ?", (int(incident_id),)) if incident_id is not None else ("", ())
    with db.transaction(write=False) as tx:
        rows = tx.fetch(f"SELECT {', '.join(SIGNAL_COLUMNS)} FROM incident_signals {clause} ORDER BY seq", params)
    return pd.DataFrame.from_records(rows, columns=list(SIGNAL_COLUMNS))


def add_step(db: Db, *, incident_id: int, at_ms: int, actor: str, action: str, from_state: str, to_state: str,
             detail: str) -> None:
    """Append one step to an incident's history."""
    with db.transaction() as tx:
        tx.execute("INSERT INTO incident_steps (incident_id, at_ms, actor, action, from_state, to_state, detail) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)", (int(incident_id), at_ms, actor, action, from_state, to_state,
                                                    detail))


def step_rows(db: Db, *, incident_id: int | None = None) -> pd.DataFrame:
    """Steps (:data:`STEP_COLUMNS`) of one incident or all, oldest first."""
    clause, params = ("WHERE incident_id = ?", (int(incident_id),)) if incident_id is not None else ("", ())
    with db.transaction(write=False) as tx:
        rows = tx.fetch(f"SELECT {', '.join(STEP_COLUMNS)} FROM incident_steps {clause} ORDER BY seq", params)
    return pd.DataFrame.from_records(rows, columns=list(STEP_COLUMNS))


def add_dispatch(db: Db, *, incident_id: int, callsign: str, endpoint: str, cot_uid: str, created_at_ms: int) -> int:
    """Record a tasking about to be sent (state ``pending``); returns its id."""
    with db.transaction() as tx:
        found = tx.fetchone("INSERT INTO dispatches (incident_id, callsign, endpoint, cot_uid, created_at_ms) "
                            "VALUES (?, ?, ?, ?, ?) RETURNING dispatch_id",
                            (int(incident_id), callsign, endpoint, cot_uid, created_at_ms))
    assert found is not None
    return int(found[0])


def update_dispatch(db: Db, dispatch_id: int, *, state: str, attempts: int, sent_at_ms: int | None,
                    last_error: str) -> None:
    """Record how sending tasking ``dispatch_id`` went."""
    with db.transaction() as tx:
        tx.execute("UPDATE dispatches SET state = ?, attempts = ?, sent_at_ms = ?, last_error = ? "
                   "WHERE dispatch_id = ?", (state, int(attempts), sent_at_ms, last_error[:500], int(dispatch_id)))


def dispatch_rows(db: Db, *, incident_id: int | None = None) -> pd.DataFrame:
    """Dispatches (:data:`DISPATCH_COLUMNS`) of one incident or all, oldest first."""
    clause, params = ("WHERE incident_id = ?", (int(incident_id),)) if incident_id is not None else ("", ())
    with db.transaction(write=False) as tx:
        rows = tx.fetch(f"SELECT {', '.join(DISPATCH_COLUMNS)} FROM dispatches {clause} ORDER BY dispatch_id",
                        params)
    return pd.DataFrame.from_records(rows, columns=list(DISPATCH_COLUMNS))


def busy_callsigns(db: Db) -> set[str]:
    """Callsigns of units held by an incident that is assigned or on scene."""
    with db.transaction(write=False) as tx:
        rows = tx.fetch(f"SELECT DISTINCT unit_callsign FROM incidents WHERE unit_callsign IS NOT NULL AND state IN "
                        f"({', '.join('?' for _ in ACTIVE_STATES)})", ACTIVE_STATES)
    return {str(r[0]) for r in rows}


def unit_fixes_since(db: Db, *, callsign: str, since_ms: int) -> list[tuple[int, float, float]]:
    """``(at_ms, lat, lon)`` of every fix of the unit ``callsign`` from ``since_ms`` on, oldest first."""
    with db.transaction(write=False) as tx:
        rows = tx.fetch("SELECT at_ms, lat, lon FROM units WHERE callsign = ? AND at_ms >= ? ORDER BY at_ms",
                        (callsign, since_ms))
    return [(int(a), float(la), float(lo)) for a, la, lo in rows]
