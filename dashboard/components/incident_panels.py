"""The incident views: the queue with its timers, one incident with its signals, steps, taskings and the operator's
actions, the signals waiting for a decision (one click makes an incident), and the handover download.

Commanders see the same queue and details read-only: the action widgets are drawn for ``act_on_incidents`` only.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Final

import pandas as pd
import streamlit as st

from dashboard import cache, state
from dashboard.components.incident_actions import (
    do_acknowledge,
    do_assign,
    do_close,
    do_on_scene,
    do_priority,
    do_resend,
    make_incident,
)
from dashboard.config import settings
from dashboard.plain import plain
from geo.incidents import (
    OPEN_STATES,
    OUTCOMES,
    PRIORITIES,
    SIGNAL_KINDS,
    STATE_LABELS,
    Actor,
    Signal,
    TravelParams,
    suggest_units,
)
from geo.store import busy_callsigns, dispatch_rows, incident_rows, signal_incident, signal_rows, step_rows
from geo.timewindow import describe_age

PRIORITY_ORDER: Final[dict[str, int]] = {p: i for i, p in enumerate(PRIORITIES)}
SIGNALS_PER_KIND: Final[int] = 6
CLOSED_SHOWN: Final[timedelta] = timedelta(hours=12)


def _ago(ms: int, now: datetime) -> str:
    return describe_age((now - datetime.fromtimestamp(ms / 1000, tz=timezone.utc)).total_seconds())


def queue(now: datetime, *, with_closed: bool) -> pd.DataFrame:
    """Open incidents, high priority and oldest first (then those closed in the last 12 h), with the time since
    their last change and their latest tasking's delivery state."""
    rows = incident_rows(cache.current_store(), states=OPEN_STATES)
    if with_closed:
        since = int((now - CLOSED_SHOWN).timestamp() * 1000)
        rows += [r for r in incident_rows(cache.current_store(), states=("closed",)) if r["changed_at_ms"] >= since]
    dispatches = dispatch_rows(cache.current_store())
    latest = dispatches.groupby("incident_id")["state"].last() if len(dispatches) else pd.Series(dtype=str)
    table = pd.DataFrame([{
        "incident": int(r["incident_id"]), "state": STATE_LABELS[r["state"]], "priority": r["priority"],
        "since change": _ago(int(r["changed_at_ms"]), now), "kind": SIGNAL_KINDS.get(r["kind"], r["kind"]),
        "what": r["title"], "owner": r["owner"] or "", "unit": r["unit_callsign"] or "",
        "tasking": latest.get(r["incident_id"], ""), "version": int(r["version"]),
        "_open": r["state"] != "closed", "_rank": PRIORITY_ORDER[r["priority"]], "_opened": int(r["opened_at_ms"]),
    } for r in rows])
    if table.empty:
        return table
    return table.sort_values(["_open", "_rank", "_opened"], ascending=[False, True, True]).reset_index(drop=True)


def queue_table(table: pd.DataFrame) -> int | None:
    """The queue as a table and a picker; the chosen incident's id."""
    st.dataframe(table.drop(columns=["version", "_open", "_rank", "_opened"]), hide_index=True, width="stretch")
    ids = table["incident"].tolist()
    labels = {int(r.incident): f"#{r.incident} · {r.state} · {r.priority} · {r.what}" for r in table.itertuples()}
    return st.selectbox("Incident", ids, format_func=lambda i: labels[int(i)], key=state.INCIDENT_PICK)


def incident_detail(incident_id: int, *, now: datetime) -> dict[str, Any]:
    """What is known of one incident: where, since when, its signals with the fusion rule, steps and taskings."""
    store = cache.current_store()
    row = next(r for r in incident_rows(store) if int(r["incident_id"]) == incident_id)
    st.markdown(f"#### #{incident_id} · {plain(STATE_LABELS[row['state']])} · priority {plain(row['priority'])}")
    st.caption(plain(f"{row['title']} · {row['lat']:.5f} N {row['lon']:.5f} E · opened by {row['opened_by']}, "
                     f"{_ago(int(row['opened_at_ms']), now)} ago · last change by {row['changed_by']}, "
                     f"{_ago(int(row['changed_at_ms']), now)} ago · version {row['version']}"))
    signals = signal_rows(store, incident_id=incident_id)
    signals["kind"] = signals["signal_kind"].map(SIGNAL_KINDS)
    signals["how"] = signals["rule"].where(signals["rule"] != "", "opened it")
    st.dataframe(signals[["kind", "label", "how", "attached_by"]], hide_index=True, width="stretch")
    dispatches = dispatch_rows(store, incident_id=incident_id)
    if len(dispatches):
        st.dataframe(dispatches[["callsign", "endpoint", "state", "attempts", "last_error"]], hide_index=True,
                     width="stretch")
    with st.expander("History"):
        steps = step_rows(store, incident_id=incident_id)
        steps["at"] = pd.to_datetime(steps["at_ms"], unit="ms", utc=True)
        st.dataframe(steps[["at", "actor", "action", "from_state", "to_state", "detail"]], hide_index=True,
                     width="stretch")
    return row


def incident_actions(row: dict[str, Any], who: Actor, *, now: datetime) -> None:
    """The steps the incident's state allows, each bound to the version drawn here (optimistic locking)."""
    incident_id, version, status = int(row["incident_id"]), int(row["version"]), row["state"]
    if status == "closed":
        st.caption(plain(f"Closed: {OUTCOMES.get(row['outcome'] or '', '')}."))
        return
    cols = st.columns(3)
    if status == "new":
        cols[0].button("Acknowledge", key=state.keyed(state.INCIDENT_ACK, incident_id), type="primary",
                       on_click=do_acknowledge, args=(incident_id, version, who))
    if status == "assigned":
        cols[1].button("On scene", key=state.keyed(state.INCIDENT_ON_SCENE, incident_id), on_click=do_on_scene,
                       args=(incident_id, version, who))
        cols[2].button("Send the tasking again", key=state.keyed(state.INCIDENT_RESEND, incident_id),
                       on_click=do_resend, args=(incident_id, who))
    if status == "on_scene":
        units = cache.latest_units().iloc[0:0]  # the unit is there: nothing to assign
    else:
        units = cache.latest_units()
    suggested = suggest_units(units, lat=float(row["lat"]), lon=float(row["lon"]), now=now,
                              busy=busy_callsigns(cache.current_store()),
                              params=TravelParams(dem_path=settings().region.hillshade_dem))
    st.markdown("**Nearest available units**")
    st.dataframe(suggested.round({"distance_km": 1, "eta_min": 0, "fix_age_s": 0}), hide_index=True, width="stretch")
    st.text_input("Remarks for the unit", key=state.keyed(state.INCIDENT_REMARKS, incident_id), max_chars=300)
    if len(suggested):
        st.selectbox("Unit", suggested["callsign"].tolist(), key=state.keyed(state.INCIDENT_UNIT, incident_id))
        st.button("Assign and send tasking", key=state.keyed(state.INCIDENT_ASSIGN, incident_id), type="primary",
                  on_click=do_assign, args=(incident_id, version, who))
    else:
        st.caption("No unit is free with a fresh position.")
    left, right = st.columns(2)
    left.selectbox("Outcome", list(OUTCOMES), format_func=OUTCOMES.__getitem__,
                   key=state.keyed(state.INCIDENT_OUTCOME, incident_id))
    left.button("Close incident", key=state.keyed(state.INCIDENT_CLOSE, incident_id), on_click=do_close,
                args=(incident_id, version, who))
    right.selectbox("Priority", list(PRIORITIES), index=PRIORITIES.index(row["priority"]),
                    key=state.keyed(state.INCIDENT_PRIORITY, incident_id))
    right.button("Set priority", key=state.keyed(state.INCIDENT_SET_PRIORITY, incident_id), on_click=do_priority,
                 args=(incident_id, version, who))


def signal_list(signals: list[Signal], who: Actor | None, *, rule_text: str) -> None:
    """The signals the views show now, by kind, each with its one-click "Make incident" (operators only)."""
    st.caption(plain(f"Related signals fuse: {rule_text} attaches to it instead of opening another."))
    if not signals:
        st.caption("Nothing waiting: no high-impact event, sensor alarm, unusual cell, accepted report or emerging "
                   "area right now.")
    shown: dict[str, int] = {}
    for signal in signals:
        shown[signal.kind] = shown.get(signal.kind, 0) + 1
        if shown[signal.kind] > SIGNALS_PER_KIND:
            continue
        text, button = st.columns([4, 1])
        text.markdown(plain(f"{SIGNAL_KINDS[signal.kind]} · {signal.label} · {signal.at:%H:%M} UTC"))
        holder = signal_incident(cache.current_store(), signal_kind=signal.kind, signal_ref=signal.ref)
        if holder is not None:
            button.caption(f"in incident #{holder}")
        elif who is not None:
            button.button("Make incident", key=state.keyed(state.MAKE_INCIDENT, signal.kind, signal.ref),
                          on_click=make_incident, args=(signal, who))


def handover_download(who: Actor, *, now: datetime) -> None:
    """The shift handover of the last 8/12/24 hours as a PDF (internal, or the suppressed external copy); audited."""
    from geo.incidents import handover_from_store, render_handover_pdf
    from geo.trust import AuditEntry, record

    hours = st.selectbox("Shift length", [8, 12, 24], format_func=lambda h: f"last {h} hours",
                         key=state.HANDOVER_HOURS)
    external = st.checkbox("Copy for outside the control room (counts below 5 suppressed, no single incidents)",
                           key=state.HANDOVER_EXTERNAL)
    if st.button("Prepare handover PDF", key=state.HANDOVER_BUILD):
        end = now
        start = end - timedelta(hours=int(hours))
        store = cache.current_store()
        handover = handover_from_store(store, start=start, end=end, generated_at=now, towns=cache.basemap().towns,
                                       external=bool(external))
        kind = "external" if external else "internal"
        record(store, AuditEntry(who.user_id, "handover", target=f"handover-{end:%Y%m%d-%H%M}.pdf", role=who.role,
                                 client=who.client, detail=f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC, {kind}"))
        st.session_state[state.HANDOVER_PDF] = (f"handover-{end:%Y%m%d-%H%M}-{kind}.pdf", render_handover_pdf(handover))
    prepared = st.session_state.get(state.HANDOVER_PDF)
    if prepared:
        st.download_button(f"Download {prepared[0]}", data=prepared[1], file_name=prepared[0],
                           mime="application/pdf", key=state.keyed(state.HANDOVER_PDF, prepared[0]))
