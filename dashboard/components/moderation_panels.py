"""Panels of the Moderation page: the queue, one report in full, and the decisions on it."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

import pandas as pd
import streamlit as st

from dashboard import cache, state
from dashboard.i18n import _
from dashboard.plain import plain
from dashboard.state import keyed
from geo.models import EVENT_TYPE_LABELS
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


def queue_table(queue: pd.DataFrame) -> int | None:
    """The new reports, oldest first; returns the selected report's id.

    The table's key changes after every decision, so that the selection cannot slide onto the next
    report in the queue and invite a decision nobody meant.
    """
    shown = queue[QUEUE_COLUMNS].assign(category=queue["category"].map(CATEGORY_LABELS))
    picked = st.dataframe(
        shown, hide_index=True, width="stretch", key=keyed(state.MODERATION_QUEUE, st.session_state.get(state.MODERATION_DECISIONS, 0)),
        on_select="rerun", selection_mode="single-row",
        column_config={"report_id": st.column_config.NumberColumn("Report", format="%d"),
                       "received_at": st.column_config.DatetimeColumn("Received (UTC)", format="DD MMM HH:mm"),
                       "occurred_at": st.column_config.DatetimeColumn("Happened (UTC)", format="DD MMM HH:mm"),
                       "category": "What", "place": "Where", "source": "Source", "text": "Text"})
    rows = picked.selection.rows
    return int(queue["report_id"].iloc[rows[0]]) if rows else None


def report_detail(report: pd.Series, *, retention: timedelta) -> None:
    """The report in full, with the contact (moderators only) and when it will be deleted."""
    st.markdown(f"#### Report {int(report['report_id'])} · {CATEGORY_LABELS[report['category']]}")
    st.markdown(f"**Where:** {plain(report['place']) or 'picked on the map'} ({report['lat']:.4f} N, {report['lon']:.4f} E)  \n"
                f"**When:** {report['occurred_at']:%d %b %Y %H:%M} UTC · received {report['received_at']:%d %b %H:%M} "
                f"UTC · **source:** {plain(report['source'])}")
    st.text(report["text"] or "(no text)")
    if report["source"] == PUBLIC_SOURCE:
        st.caption(_("The reporter's reference: {reference}").format(
            reference=report_reference(cache.current_store(), int(report["report_id"]))))
    contact = report.get("contact")
    st.caption(f"Contact (moderators only, deleted {retention.days} days after receipt): "
               + (plain(contact) if isinstance(contact, str) and contact else "none given"))


def _decided(message: str) -> None:
    """Show ``message`` after the rerun, with a fresh queue table (no selection)."""
    st.session_state[state.MODERATION_DONE] = message
    st.session_state[state.MODERATION_DECISIONS] = st.session_state.get(state.MODERATION_DECISIONS, 0) + 1


def moderation_actions(report_id: int, moderator: Moderator) -> None:
    """Accept, merge into a nearby event, or reject, each in its tab; a decision reruns with a fresh queue."""
    store = cache.current_store()
    accept, merge, reject = st.tabs(["Accept", "Merge into an event", "Reject"])
    with accept:
        confidence = st.radio("Confidence", CONFIDENCE_LEVELS, index=1, horizontal=True, key=keyed(state.CONFIDENCE, report_id))
        if st.button("Accept as a citizen report event", type="primary", key=keyed(state.ACCEPT, report_id)):
            event_id = accept_report(store, report_id, confidence=confidence, moderator=moderator)
            _decided(f"Report {report_id} accepted as event {event_id}.")
            st.rerun()
    with merge:
        candidates = merge_candidates(store, report_id, radius_km=MERGE_RADIUS_KM, window=MERGE_WINDOW)
        if candidates.empty:
            st.caption(f"No event within {MERGE_RADIUS_KM:g} km and {MERGE_WINDOW.total_seconds() / 3600:g} hours "
                       "of this report.")
        else:
            labels = {i: (f"{row.distance_km:.1f} km · {row.occurred_at:%d %b %H:%M} · "
                          f"{EVENT_TYPE_LABELS[row.type]} · {row.source}/{row.event_id}")
                      for i, row in candidates.iterrows()}
            choice = st.selectbox("Event nearby in space and time", list(labels), format_func=labels.get,
                                  key=keyed(state.MERGE_PICK, report_id))
            if st.button("Merge into this event", key=keyed(state.MERGE, report_id)):
                target = candidates.loc[choice]
                merge_report(store, report_id, event_source=target["source"], event_id=target["event_id"],
                             moderator=moderator)
                _decided(f"Report {report_id} merged into {target['event_id']}.")
                st.rerun()
    with reject:
        reason = st.text_input("Reason", key=keyed(state.REASON, report_id), max_chars=500,
                               placeholder="e.g. a fisherman at his usual place; duplicate of report 12")
        if st.button("Reject", key=keyed(state.REJECT, report_id)):
            reject_report(store, report_id, reason=reason, moderator=moderator)
            _decided(f"Report {report_id} rejected.")
            st.rerun()
