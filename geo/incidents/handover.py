"""The shift handover: the shift's incidents (opened, closed, still open with state and owner), key figures and the
open alerts, for the next shift (internal) or for outside the control room (external, suppressed).

A shift is the half-open interval ``[start, end)`` in UTC. Internal handovers list every incident. An external
one follows the briefing pack's small-count rules: no individual incident (they are single events), and every
count between 1 and k-1 is blanked ("<k"); :func:`geo.briefing.check_suppressed` guards what is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Final

import pandas as pd

from geo.analysis import AlertRule, unusual_cells
from geo.briefing import DEFAULT_K, check_suppressed, suppress_series
from geo.errors import IncidentError, msg
from geo.grid import EventIndex, Filters, cell_latlng
from geo.i18n import Translator
from geo.incidents.model import OPEN_STATES, OUTCOMES, SIGNAL_KINDS, STATE_LABELS
from geo.models import EVENT_TYPES
from geo.spatial import describe_place
from geo.store import Db, epoch_ms, incident_rows, read_events, step_rows
from geo.timewindow import TimeWindow

LIST_COLUMNS: Final[tuple[str, ...]] = ("incident", "opened", "kind", "title", "priority", "state", "owner", "unit",
                                        "outcome")
ALERT_COLUMNS: Final[tuple[str, ...]] = ("where", "observed", "expected", "p")
ALERT_WINDOW: Final[timedelta] = timedelta(hours=1)
ALERT_RES: Final[int] = 6


@dataclass(frozen=True, slots=True)
class Handover:
    """One shift's handover: ``start``/``end`` (UTC), ``figures`` (label → count, NaN where suppressed),
    ``opened``/``closed``/``still_open`` (:data:`LIST_COLUMNS`; empty when external), ``alerts`` (unusual cells at the
    end of the shift, :data:`ALERT_COLUMNS`; only their count when external), ``external``, ``k``."""

    start: datetime
    end: datetime
    generated_at: datetime
    figures: pd.Series
    opened: pd.DataFrame
    closed: pd.DataFrame
    still_open: pd.DataFrame
    alerts: pd.DataFrame
    external: bool = False
    k: int = DEFAULT_K
    notes: tuple[str, ...] = field(default=())


def _when(ms: int) -> str:
    return f"{datetime.fromtimestamp(ms / 1000, tz=timezone.utc):%d %b %H:%M} UTC"


def _listing(rows: list[dict[str, Any]], states_at_end: dict[int, str]) -> pd.DataFrame:
    return pd.DataFrame([{
        "incident": f"#{r['incident_id']}", "opened": _when(int(r["opened_at_ms"])),
        "kind": SIGNAL_KINDS.get(r["kind"], r["kind"]), "title": str(r["title"]), "priority": r["priority"],
        "state": STATE_LABELS[states_at_end[int(r["incident_id"])]], "owner": r["owner"] or "–",
        "unit": r["unit_callsign"] or "–",
        "outcome": OUTCOMES.get(r["outcome"] or "", "–") if states_at_end[int(r["incident_id"])] == "closed" else "–",
    } for r in rows], columns=list(LIST_COLUMNS))


def _state_at(steps: pd.DataFrame, end_ms: int) -> dict[int, str]:
    """Each incident's state at ``end_ms``: the last state-changing step before it."""
    moved = steps[(steps["at_ms"] < end_ms) & (steps["to_state"] != "")]
    return {int(i): str(s) for i, s in moved.groupby("incident_id")["to_state"].last().items()}


def _median_minutes(steps: pd.DataFrame, opened: dict[int, int], action: str) -> float:
    first = steps[steps["action"] == action].groupby("incident_id")["at_ms"].min()
    waits = [(at - opened[int(i)]) / 60_000 for i, at in first.items() if int(i) in opened]
    return float(pd.Series(waits).median()) if waits else float("nan")


def build_handover(db: Db, *, start: datetime, end: datetime, generated_at: datetime, alerts: pd.DataFrame,
                   external: bool = False, k: int = DEFAULT_K) -> Handover:
    """The handover of the shift ``[start, end)`` from the incidents in ``db``; ``alerts`` as
    :data:`ALERT_COLUMNS` (the caller computes them at ``end`` with :func:`geo.analysis.unusual_cells`)."""
    if start.tzinfo is None or end.tzinfo is None or not start < end:
        raise IncidentError(msg("a shift runs from an earlier to a later UTC time; got {start!r} to {end!r}",
                                start=start, end=end))
    start_ms, end_ms = epoch_ms(start), epoch_ms(end)
    rows = incident_rows(db, opened_before_ms=end_ms)
    steps = step_rows(db)
    states = _state_at(steps, end_ms)
    closed_at = steps[steps["action"] == "close"].groupby("incident_id")["at_ms"].max()
    rows = [r for r in rows if int(r["incident_id"]) in states]
    opened = [r for r in rows if start_ms <= int(r["opened_at_ms"]) < end_ms]
    closed = [r for r in rows if states[int(r["incident_id"])] == "closed"
              and start_ms <= int(closed_at.get(r["incident_id"], 0)) < end_ms]
    still_open = [r for r in rows if states[int(r["incident_id"])] in OPEN_STATES]
    shift_steps = steps[(steps["at_ms"] >= start_ms) & (steps["at_ms"] < end_ms)]
    opened_ms = {int(r["incident_id"]): int(r["opened_at_ms"]) for r in opened}
    figures = pd.Series({
        "incidents opened": len(opened),
        "incidents closed": len(closed),
        **{f"closed: {label}": sum(r["outcome"] == key for r in closed) for key, label in OUTCOMES.items()},
        "still open at handover": len(still_open),
        "still open, high priority": sum(r["priority"] == "high" for r in still_open),
        "still open, not acknowledged": sum(states[int(r["incident_id"])] == "new" for r in still_open),
        "taskings sent": int((shift_steps["action"] == "dispatch").sum()),
        "unusual cells at handover": len(alerts),
    }, dtype=float)
    timings = pd.Series({
        "median minutes to acknowledge": _median_minutes(steps, opened_ms, "acknowledge"),
        "median minutes to on scene": _median_minutes(steps, opened_ms, "on_scene"),
    })
    lists = [_listing(opened, states), _listing(closed, states), _listing(still_open, states)]
    shown_alerts = alerts.reindex(columns=list(ALERT_COLUMNS))
    notes: tuple[str, ...] = ()
    if external:
        figures = suppress_series(figures, k=k)
        check_suppressed(figures.to_frame("value").fillna(0), columns=("value",), k=k)
        # Timings of fewer than k incidents would describe those few: only published over k or more.
        if len(opened_ms) < k:
            timings = timings * float("nan")
        lists = [frame.iloc[0:0] for frame in lists]
        shown_alerts = shown_alerts.iloc[0:0]
        notes = (f"External copy: counts from 1 to {k - 1} are shown as <{k}; no individual incident or place is "
                 "listed.",)
    return Handover(start=start, end=end, generated_at=generated_at, figures=pd.concat([figures, timings]),
                    opened=lists[0], closed=lists[1], still_open=lists[2], alerts=shown_alerts, external=external,
                    k=k, notes=notes)


def open_alerts(index: EventIndex, *, end: datetime, towns: pd.DataFrame, rule: AlertRule = AlertRule(),
                window: timedelta = ALERT_WINDOW, res: int = ALERT_RES, tr: Translator | None = None) -> pd.DataFrame:
    """The "unusual now" cells of the last ``window`` before ``end`` (res ``res``, every event type), as
    :data:`ALERT_COLUMNS` with the nearest town (in ``tr``'s language, default English), most surprising first."""
    alerts = unusual_cells(index, Filters(TimeWindow(end - window, end), EVENT_TYPES, res), rule)
    rows = []
    for cell, row in alerts.iterrows():
        lat, lon = cell_latlng(int(cell))
        rows.append({"where": describe_place(lat=lat, lon=lon, towns=towns, tr=tr), "observed": int(row["observed"]),
                     "expected": float(row["expected"]), "p": float(row["p"])})
    return pd.DataFrame(rows, columns=list(ALERT_COLUMNS))


def handover_from_store(db: Db, *, start: datetime, end: datetime, generated_at: datetime, towns: pd.DataFrame,
                        external: bool = False, k: int = DEFAULT_K, rule: AlertRule = AlertRule(),
                        tr: Translator | None = None) -> Handover:
    """:func:`build_handover` with the open alerts computed from the store's events of the weeks the rule compares,
    their places in ``tr``'s language (default English)."""
    since = end - ALERT_WINDOW - timedelta(weeks=rule.weeks) - timedelta(hours=1)
    events = read_events(db, since_ms=epoch_ms(since))
    events = events[events["occurred_at"] < pd.Timestamp(end)]
    alerts = open_alerts(EventIndex(events), end=end, towns=towns, rule=rule, tr=tr) if len(events) else \
        pd.DataFrame(columns=list(ALERT_COLUMNS))
    return build_handover(db, start=start, end=end, generated_at=generated_at, alerts=alerts, external=external, k=k)
