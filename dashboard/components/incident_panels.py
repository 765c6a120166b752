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
from dashboard.i18n import _, border_zone, tr
from dashboard.plain import plain
from geo.i18n import N_
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

PRIORITY_ORDER: Final[dict[str, int]] = {p: i for i, p in enumerate(PRIORITIES)}
SIGNALS_PER_KIND: Final[int] = 6
CLOSED_SHOWN: Final[timedelta] = timedelta(hours=12)
DELIVERY_STATES: Final[tuple[str, ...]] = (N_("pending"), N_("delivered"), N_("failed"))
"""A tasking's delivery states, marked for the catalogs."""


def _ago(ms: int, now: datetime) -> str:
    """How long ago ``ms`` (epoch milliseconds) was, in words of the session's language."""
    return tr().ago(max(timedelta(0), now - datetime.fromtimestamp(ms / 1000, tz=timezone.utc)))


def _headers() -> dict[str, str]:
    """The queue's and the detail tables' column headers in the session's language."""
    return {"incident": _("incident"), "state": _("state"), "priority": _("priority"),
            "since change": _("since change"),
            "kind": _("kind"), "what": _("what"), "owner": _("owner"), "unit": _("unit"), "tasking": _("tasking"),
            "label": _("signal"), "how": _("how"), "attached_by": _("attached by"), "callsign": _("callsign"),
            "endpoint": _("endpoint"), "attempts": _("attempts"), "last_error": _("last error"),
            "at": _("at (UTC)"), "actor": _("actor"), "action": _("action"), "from_state": _("from"),
            "to_state": _("to"), "detail": _("detail"), "distance_km": _("distance (km)"), "eta_min": _("ETA (min)"),
            "fix_age_s": _("position age (s)")}


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
        "incident": int(r["incident_id"]), "state": _(STATE_LABELS[r["state"]]), "priority": _(r["priority"]),
        "since change": _ago(int(r["changed_at_ms"]), now), "kind": _(SIGNAL_KINDS.get(r["kind"], r["kind"])),
        "what": r["title"], "owner": r["owner"] or "", "unit": r["unit_callsign"] or "",
        "tasking": _(latest[r["incident_id"]]) if r["incident_id"] in latest else "", "version": int(r["version"]),
        "_open": r["state"] != "closed", "_rank": PRIORITY_ORDER[r["priority"]], "_opened": int(r["opened_at_ms"]),
    } for r in rows])
    if table.empty:
        return table
    return table.sort_values(["_open", "_rank", "_opened"], ascending=[False, True, True]).reset_index(drop=True)


def queue_table(table: pd.DataFrame) -> int | None:
    """The queue as a table and a picker; the chosen incident's id."""
    st.dataframe(table.drop(columns=["version", "_open", "_rank", "_opened"]).rename(columns=_headers()),
                 hide_index=True, width="stretch")
    ids = table["incident"].tolist()
    labels = {int(r.incident): f"#{r.incident} · {r.state} · {r.priority} · {r.what}" for r in table.itertuples()}
    return st.selectbox(_("Incident"), ids, format_func=lambda i: labels[int(i)], key=state.INCIDENT_PICK)


def incident_detail(incident_id: int, *, now: datetime) -> dict[str, Any]:
    """What is known of one incident: where, since when, its signals with the fusion rule, steps and taskings."""
    store = cache.current_store()
    row = next(r for r in incident_rows(store) if int(r["incident_id"]) == incident_id)
    t = tr()
    st.markdown(_("#### #{id} · {state} · priority {priority}").format(
        id=incident_id, state=plain(_(STATE_LABELS[row["state"]])), priority=plain(_(row["priority"]))))
    st.caption(plain(_("{title} · {lat} N {lon} E · opened by {opener}, {opened} · last change by {changer}, {changed} "
                       "· version {version}").format(
        title=row["title"], lat=t.number(row["lat"], decimals=5), lon=t.number(row["lon"], decimals=5),
        opener=row["opened_by"], opened=_ago(int(row["opened_at_ms"]), now), changer=row["changed_by"],
        changed=_ago(int(row["changed_at_ms"]), now), version=row["version"])))
    st.caption(_("Opened {when}").format(when=t.utc_and_local(
        datetime.fromtimestamp(int(row["opened_at_ms"]) / 1000, tz=timezone.utc), border_zone())))
    signals = signal_rows(store, incident_id=incident_id)
    signals["kind"] = [_(SIGNAL_KINDS.get(k, k)) for k in signals["signal_kind"]]
    signals["how"] = signals["rule"].where(signals["rule"] != "", _("opened it"))
    st.dataframe(signals[["kind", "label", "how", "attached_by"]].rename(columns=_headers()), hide_index=True,
                 width="stretch")
    dispatches = dispatch_rows(store, incident_id=incident_id)
    if len(dispatches):
        shown = dispatches[["callsign", "endpoint", "state", "attempts", "last_error"]]
        st.dataframe(shown.assign(state=[_(x) for x in shown["state"]]).rename(columns=_headers()), hide_index=True,
                     width="stretch")
    with st.expander(_("History")):
        steps = step_rows(store, incident_id=incident_id)
        steps["at"] = pd.to_datetime(steps["at_ms"], unit="ms", utc=True)
        st.dataframe(steps[["at", "actor", "action", "from_state", "to_state", "detail"]].rename(columns=_headers()),
                     hide_index=True, width="stretch")
    return row


def incident_actions(row: dict[str, Any], who: Actor, *, now: datetime) -> None:
    """The steps the incident's state allows, each bound to the version drawn here (optimistic locking)."""
    incident_id, version, status = int(row["incident_id"]), int(row["version"]), row["state"]
    if status == "closed":
        st.caption(plain(_("Closed: {outcome}.").format(outcome=_(OUTCOMES.get(row["outcome"] or "", "-")))))
        return
    cols = st.columns(3)
    if status == "new":
        cols[0].button(_("Acknowledge"), key=state.keyed(state.INCIDENT_ACK, incident_id), type="primary",
                       on_click=do_acknowledge, args=(incident_id, version, who))
    if status == "assigned":
        cols[1].button(_("On scene"), key=state.keyed(state.INCIDENT_ON_SCENE, incident_id), on_click=do_on_scene,
                       args=(incident_id, version, who))
        cols[2].button(_("Send the tasking again"), key=state.keyed(state.INCIDENT_RESEND, incident_id),
                       on_click=do_resend, args=(incident_id, who))
    if status == "on_scene":
        units = cache.latest_units().iloc[0:0]  # the unit is there: nothing to assign
    else:
        units = cache.latest_units()
    suggested = suggest_units(units, lat=float(row["lat"]), lon=float(row["lon"]), now=now,
                              busy=busy_callsigns(cache.current_store()),
                              params=TravelParams(dem_path=settings().region.hillshade_dem))
    st.markdown(_("**Nearest available units**"))
    st.dataframe(suggested.round({"distance_km": 1, "eta_min": 0, "fix_age_s": 0}).rename(columns=_headers()),
                 hide_index=True, width="stretch")
    st.text_input(_("Remarks for the unit"), key=state.keyed(state.INCIDENT_REMARKS, incident_id), max_chars=300)
    if len(suggested):
        st.selectbox(_("Unit"), suggested["callsign"].tolist(), key=state.keyed(state.INCIDENT_UNIT, incident_id))
        st.button(_("Assign and send tasking"), key=state.keyed(state.INCIDENT_ASSIGN, incident_id), type="primary",
                  on_click=do_assign, args=(incident_id, version, who))
    else:
        st.caption(_("No unit is free with a fresh position."))
    left, right = st.columns(2)
    left.selectbox(_("Outcome"), list(OUTCOMES), format_func=lambda o, gettext=tr().gettext: gettext(OUTCOMES[o]),
                   key=state.keyed(state.INCIDENT_OUTCOME, incident_id))
    left.button(_("Close incident"), key=state.keyed(state.INCIDENT_CLOSE, incident_id), on_click=do_close,
                args=(incident_id, version, who))
    right.selectbox(_("Priority"), list(PRIORITIES), index=PRIORITIES.index(row["priority"]), format_func=tr().gettext,
                    key=state.keyed(state.INCIDENT_PRIORITY, incident_id))
    right.button(_("Set priority"), key=state.keyed(state.INCIDENT_SET_PRIORITY, incident_id), on_click=do_priority,
                 args=(incident_id, version, who))


def signal_list(signals: list[Signal], who: Actor | None, *, rule_text: str) -> None:
    """The signals the views show now, by kind, each with its one-click "Make incident" (operators only)."""
    st.caption(plain(_("Related signals fuse: {rule} attaches to it instead of opening another.").format(
        rule=rule_text)))
    if not signals:
        st.caption(_("Nothing waiting: no high-impact event, sensor alarm, unusual cell, accepted report or emerging "
                     "area right now."))
    shown: dict[str, int] = {}
    for signal in signals:
        shown[signal.kind] = shown.get(signal.kind, 0) + 1
        if shown[signal.kind] > SIGNALS_PER_KIND:
            continue
        text, button = st.columns([4, 1])
        text.markdown(plain(_("{kind} · {signal} · {when}").format(
            kind=_(SIGNAL_KINDS[signal.kind]), signal=signal.label, when=tr().utc_and_local(signal.at, border_zone()))))
        holder = signal_incident(cache.current_store(), signal_kind=signal.kind, signal_ref=signal.ref)
        if holder is not None:
            button.caption(_("in incident #{id}").format(id=holder))
        elif who is not None:
            button.button(_("Make incident"), key=state.keyed(state.MAKE_INCIDENT, signal.kind, signal.ref),
                          on_click=make_incident, args=(signal, who))


def handover_download(who: Actor, *, now: datetime) -> None:
    """The shift handover of the last 8/12/24 hours as a PDF (internal, or the suppressed external copy); audited."""
    from geo.incidents import handover_from_store, render_handover_pdf
    from geo.trust import AuditEntry, record

    hours = st.selectbox(_("Shift length"), [8, 12, 24], key=state.HANDOVER_HOURS,
                         format_func=lambda h, t=tr(): t.gettext("last {n} hours").format(n=t.number(h)))
    external = st.checkbox(_("Copy for outside the control room (counts below 5 suppressed, no single incidents)"),
                           key=state.HANDOVER_EXTERNAL)
    if st.button(_("Prepare handover PDF"), key=state.HANDOVER_BUILD):
        end = now
        start = end - timedelta(hours=int(hours))
        store = cache.current_store()
        handover = handover_from_store(store, start=start, end=end, generated_at=now, towns=cache.basemap().towns,
                                       external=bool(external), tr=tr())
        kind = "external" if external else "internal"
        record(store, AuditEntry(who.user_id, "handover", target=f"handover-{end:%Y%m%d-%H%M}.pdf", role=who.role,
                                 client=who.client, detail=f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC, {kind}"))
        st.session_state[state.HANDOVER_PDF] = (f"handover-{end:%Y%m%d-%H%M}-{kind}.pdf", render_handover_pdf(
            handover, tr=tr(), zone=border_zone()))
    prepared = st.session_state.get(state.HANDOVER_PDF)
    if prepared:
        st.download_button(_("Download {file}").format(file=prepared[0]), data=prepared[1], file_name=prepared[0],
                           mime="application/pdf", key=state.keyed(state.HANDOVER_PDF, prepared[0]))
