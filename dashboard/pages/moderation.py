"""Moderation of community reports: the queue of new reports, and accept, merge or reject for each.

The only place reporters' contact details are shown (operators holding ``moderate_reports``).
Opening the page also runs the contact retention job, so contacts go on time even where no
scheduled ``limes purge-contacts`` runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Final

import pandas as pd
import streamlit as st

from dashboard import cache
from dashboard.auth import allowed, require_page
from dashboard.config import settings
from geo.errors import LimesError
from geo.models import EVENT_TYPE_LABELS
from geo.reports import (
    CATEGORY_LABELS,
    CONFIDENCE_LEVELS,
    Moderator,
    accept_report,
    merge_candidates,
    merge_report,
    purge_contacts,
    read_queue,
    reject_report,
)

QUEUE_KEY: Final[str] = "moderation_queue"
DECISIONS_KEY: Final[str] = "moderation_decisions"
DONE_ROWS: Final[int] = 20
QUEUE_COLUMNS: Final[list[str]] = ["report_id", "received_at", "occurred_at", "category", "place", "source", "text"]


def _retention() -> timedelta:
    """The contact retention period of the settings (``LIMES_CONTACT_RETENTION_DAYS``, default 30 days)."""
    return timedelta(days=settings().contact_retention_days)


def _queue_table(queue: pd.DataFrame) -> int | None:
    """The new reports, oldest first; returns the selected report's id.

    The table's key changes after every decision, so that the selection cannot slide onto the next
    report in the queue and invite a decision nobody meant.
    """
    shown = queue[QUEUE_COLUMNS].assign(category=queue["category"].map(CATEGORY_LABELS))
    picked = st.dataframe(
        shown, hide_index=True, width="stretch", key=f"{QUEUE_KEY}-{st.session_state.get(DECISIONS_KEY, 0)}",
        on_select="rerun", selection_mode="single-row",
        column_config={"report_id": st.column_config.NumberColumn("Report", format="%d"),
                       "received_at": st.column_config.DatetimeColumn("Received (UTC)", format="DD MMM HH:mm"),
                       "occurred_at": st.column_config.DatetimeColumn("Happened (UTC)", format="DD MMM HH:mm"),
                       "category": "What", "place": "Where", "source": "Source", "text": "Text"})
    rows = picked.selection.rows
    return int(queue["report_id"].iloc[rows[0]]) if rows else None


def _report_detail(report: pd.Series) -> None:
    st.markdown(f"#### Report {int(report['report_id'])} · {CATEGORY_LABELS[report['category']]}")
    st.markdown(f"**Where:** {report['place'] or 'picked on the map'} ({report['lat']:.4f} N, {report['lon']:.4f} E)  \n"
                f"**When:** {report['occurred_at']:%d %b %Y %H:%M} UTC · received {report['received_at']:%d %b %H:%M} "
                f"UTC · **source:** {report['source']}")
    st.text(report["text"] or "(no text)")
    contact = report.get("contact")
    st.caption(f"Contact (moderators only, deleted {_retention().days} days after receipt): "
               + (str(contact) if isinstance(contact, str) and contact else "none given"))


def _decided(message: str) -> None:
    """Show ``message`` after the rerun, with a fresh queue table (no selection)."""
    st.session_state["moderation_done"] = message
    st.session_state[DECISIONS_KEY] = st.session_state.get(DECISIONS_KEY, 0) + 1


def _actions(report_id: int, moderator: Moderator) -> None:
    store = cache.current_store()
    accept, merge, reject = st.tabs(["Accept", "Merge into an event", "Reject"])
    with accept:
        confidence = st.radio("Confidence", CONFIDENCE_LEVELS, index=1, horizontal=True, key=f"confidence-{report_id}")
        if st.button("Accept as a citizen report event", type="primary", key=f"accept-{report_id}"):
            event_id = accept_report(store, report_id, confidence=confidence, moderator=moderator)
            _decided(f"Report {report_id} accepted as event {event_id}.")
            st.rerun()
    with merge:
        candidates = merge_candidates(store, report_id)
        if candidates.empty:
            st.caption("No event within 5 km and 12 hours of this report.")
        else:
            labels = {i: (f"{row.distance_km:.1f} km · {row.occurred_at:%d %b %H:%M} · "
                          f"{EVENT_TYPE_LABELS[row.type]} · {row.source}/{row.event_id}")
                      for i, row in candidates.iterrows()}
            choice = st.selectbox("Event nearby in space and time", list(labels), format_func=labels.get,
                                  key=f"merge-pick-{report_id}")
            if st.button("Merge into this event", key=f"merge-{report_id}"):
                target = candidates.loc[choice]
                merge_report(store, report_id, event_source=target["source"], event_id=target["event_id"],
                             moderator=moderator)
                _decided(f"Report {report_id} merged into {target['event_id']}.")
                st.rerun()
    with reject:
        reason = st.text_input("Reason", key=f"reason-{report_id}", max_chars=500,
                               placeholder="e.g. a fisherman at his usual place; duplicate of report 12")
        if st.button("Reject", key=f"reject-{report_id}"):
            reject_report(store, report_id, reason=reason, moderator=moderator)
            _decided(f"Report {report_id} rejected.")
            st.rerun()


def render() -> None:
    """The retention job, the queue, the selected report with its actions, and the latest decisions."""
    who = require_page("moderation")
    store = cache.current_store()
    st.markdown("### Community reports")
    try:
        purged = purge_contacts(store, retention=_retention(), now=datetime.now(timezone.utc))
        if purged:
            st.caption(f"Contact details of {purged} older reports deleted (retention {_retention().days} days).")
        may_moderate = allowed("moderate_reports")
        queue = read_queue(store, with_contact=may_moderate)
        done = st.session_state.pop("moderation_done", None)
        if done:
            st.success(done)
        st.markdown(f"**{len(queue):,} new reports** waiting, oldest first. Select one to moderate it.")
        report_id = _queue_table(queue)
        if report_id is not None and may_moderate:
            report = queue.set_index("report_id", drop=False).loc[report_id]
            _report_detail(report)
            _actions(report_id, Moderator(actor=who.user_id, role=who.role_text(), client=who.client))
        elif report_id is not None:
            st.info("Your roles may see the queue but not moderate it.")
        decided = read_queue(store, statuses=("accepted", "merged", "rejected"), newest_first=True, limit=200)
        decided = decided.sort_values("moderated_at", ascending=False).head(DONE_ROWS)
        with st.expander(f"Latest decisions ({len(decided)})"):
            st.dataframe(decided[["report_id", "status", "confidence", "event_id", "reason", "moderated_by",
                                  "moderated_at"]], hide_index=True, width="stretch")
    except LimesError as exc:
        st.error(str(exc))


render()
