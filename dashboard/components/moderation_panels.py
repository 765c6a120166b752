"""Panels of the Moderation page: the queue, one report in full, and the decisions on it."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

import pandas as pd
import streamlit as st

from dashboard import cache, state
from dashboard.i18n import _, border_zone, tr
from dashboard.plain import plain
from dashboard.state import keyed
from geo.briefing import event_type_name
from geo.i18n import N_
from geo.reports import (
    CATEGORY_LABELS,
    CONFIDENCE_LEVELS,
    PUBLIC_SOURCE,
    Moderator,
    accept_report,
    merge_candidates,
    merge_report,
    reject_report,
    report_reference,
)

QUEUE_COLUMNS: Final[list[str]] = ["report_id", "received_at", "occurred_at", "category", "place", "source", "text"]
MERGE_RADIUS_KM: Final[float] = 5.0
MERGE_WINDOW: Final[timedelta] = timedelta(hours=12)
"""Events this near a report in space and time (either side) are offered to merge it into."""
CONFIDENCE_LABELS: Final[dict[str, str]] = {"low": N_("low"), "medium": N_("medium"), "high": N_("high"),
                                            "confirmed": N_("confirmed")}
"""The confidence levels an accepted report may get (:data:`geo.reports.CONFIDENCE_LEVELS`), as shown."""

STATUS_MESSAGES: Final[tuple[str, ...]] = (N_("accepted"), N_("merged"), N_("rejected"))
"""The decisions' statuses as the latest decisions' table shows them, marked for the catalogs."""


def decided_headers() -> dict[str, str]:
    """The headers of the latest decisions' table, in the session's language."""
    return {"report_id": _("Report"), "status": _("Status"), "confidence": _("Confidence"), "event_id": _("Event"),
            "reason": _("Reason"), "moderated_by": _("Moderated by"), "moderated_at": _("Moderated at (UTC)")}


def queue_table(queue: pd.DataFrame) -> int | None:
    """The new reports, oldest first; returns the selected report's id.

    The table's key changes after every decision, so that the selection cannot slide onto the next
    report in the queue and invite a decision nobody meant.
    """
    shown = queue[QUEUE_COLUMNS].assign(category=[_(CATEGORY_LABELS[c]) for c in queue["category"]])
    shown.insert(shown.columns.get_loc("occurred_at") + 1, "occurred_local", shown["occurred_at"])
    picked = st.dataframe(
        shown, hide_index=True, width="stretch", key=keyed(state.MODERATION_QUEUE, st.session_state.get(state.MODERATION_DECISIONS, 0)),
        on_select="rerun", selection_mode="single-row",
        column_config={"report_id": st.column_config.NumberColumn(_("Report"), format="%d"),
                       "received_at": st.column_config.DatetimeColumn(_("Received (UTC)"), format="YYYY-MM-DD HH:mm"),
                       "occurred_at": st.column_config.DatetimeColumn(_("Happened (UTC)"), format="YYYY-MM-DD HH:mm"),
                       "occurred_local": st.column_config.DatetimeColumn(_("Happened (local time)"),
                                                                         format="YYYY-MM-DD HH:mm",
                                                                         timezone=border_zone()),
                       "category": _("What"), "place": _("Where"), "source": _("Source"), "text": _("Text")})
    rows = picked.selection.rows
    return int(queue["report_id"].iloc[rows[0]]) if rows else None


def report_detail(report: pd.Series, *, retention: timedelta) -> None:
    """The report in full, with the contact (moderators only) and when it will be deleted."""
    t, zone = tr(), border_zone()
    st.markdown(_("#### Report {id} · {category}").format(id=int(report["report_id"]),
                                                          category=_(CATEGORY_LABELS[report["category"]])))
    st.markdown(_("**Where:** {place} ({lat} N, {lon} E)  \n**When:** {when} · received {received} · **source:** "
                  "{source}").format(place=plain(report["place"]) or _("picked on the map"),
                                     lat=t.number(report["lat"], decimals=4), lon=t.number(report["lon"], decimals=4),
                                     when=t.utc_and_local(report["occurred_at"].to_pydatetime(), zone),
                                     received=t.utc_and_local(report["received_at"].to_pydatetime(), zone),
                                     source=plain(report["source"])))
    st.text(report["text"] or _("(no text)"))
    if report["source"] == PUBLIC_SOURCE:
        st.caption(_("The reporter's reference: {reference}").format(
            reference=report_reference(cache.current_store(), int(report["report_id"]))))
    contact = report.get("contact")
    given = plain(contact) if isinstance(contact, str) and contact else _("none given")
    st.caption(t.ngettext("Contact (moderators only, deleted {n} day after receipt): {contact}",
                          "Contact (moderators only, deleted {n} days after receipt): {contact}",
                          retention.days).format(n=t.number(retention.days), contact=given))


def _decided(message: str) -> None:
    """Show ``message`` after the rerun, with a fresh queue table (no selection)."""
    st.session_state[state.MODERATION_DONE] = message
    st.session_state[state.MODERATION_DECISIONS] = st.session_state.get(state.MODERATION_DECISIONS, 0) + 1


def moderation_actions(report_id: int, moderator: Moderator) -> None:
    """Accept, merge into a nearby event, or reject, each in its tab; a decision reruns with a fresh queue."""
    store = cache.current_store()
    accept, merge, reject = st.tabs([_("Accept"), _("Merge into an event"), _("Reject")])
    with accept:
        confidence = st.radio(_("Confidence"), CONFIDENCE_LEVELS, index=1, horizontal=True,
                              format_func=lambda c, gettext=tr().gettext: gettext(CONFIDENCE_LABELS.get(c, c)),
                              key=keyed(state.CONFIDENCE, report_id))
        if st.button(_("Accept as a citizen report event"), type="primary", key=keyed(state.ACCEPT, report_id)):
            event_id = accept_report(store, report_id, confidence=confidence, moderator=moderator)
            _decided(_("Report {id} accepted as event {event}.").format(id=report_id, event=event_id))
            st.rerun()
    with merge:
        candidates = merge_candidates(store, report_id, radius_km=MERGE_RADIUS_KM, window=MERGE_WINDOW)
        if candidates.empty:
            st.caption(_("No event within {km} km and {hours} hours of this report.").format(
                km=tr().number(MERGE_RADIUS_KM), hours=tr().number(MERGE_WINDOW.total_seconds() / 3600)))
        else:
            t = tr()
            labels = {i: _("{km} km · {when} · {type} · {source}/{event}").format(
                km=t.number(row.distance_km, decimals=1), when=t.utc_and_local(row.occurred_at.to_pydatetime(),
                                                                                border_zone()),
                type=event_type_name(row.type, t), source=row.source, event=row.event_id)
                for i, row in candidates.iterrows()}
            choice = st.selectbox(_("Event nearby in space and time"), list(labels), format_func=labels.get,
                                  key=keyed(state.MERGE_PICK, report_id))
            if st.button(_("Merge into this event"), key=keyed(state.MERGE, report_id)):
                target = candidates.loc[choice]
                merge_report(store, report_id, event_source=target["source"], event_id=target["event_id"],
                             moderator=moderator)
                _decided(_("Report {id} merged into {event}.").format(id=report_id, event=target["event_id"]))
                st.rerun()
    with reject:
        reason = st.text_input(_("Reason"), key=keyed(state.REASON, report_id), max_chars=500,
                               placeholder=_("e.g. a fisherman at his usual place; duplicate of report 12"))
        if st.button(_("Reject"), key=keyed(state.REJECT, report_id)):
            reject_report(store, report_id, reason=reason, moderator=moderator)
            _decided(_("Report {id} rejected.").format(id=report_id))
            st.rerun()
