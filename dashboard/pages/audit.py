"""The audit log for administrators: who logged in, was refused, imported, exported, set a level or edited a sensor;
and what was shared with which partner."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import streamlit as st

from dashboard import cache, state
from dashboard.auth import audit, require_page
from dashboard.components.share_panels import sharing_audit
from geo.exports import csv_bytes
from geo.trust import ACTIONS, read_log

SHOWN_COLUMNS = ["at", "actor", "role", "action", "target", "outcome", "detail", "client"]


def render() -> None:
    """Filters, the newest entries first, and a CSV export (itself audited)."""
    who = require_page("audit")
    st.markdown("### Audit log")
    st.caption("Append-only: logins, refused access, imports, exports, level changes, sensor edits, moderation.")
    left, middle, right = st.columns([2, 1, 1])
    actions = left.multiselect("Actions", ACTIONS, key=state.AUDIT_ACTIONS)
    actor = middle.text_input("User", key=state.AUDIT_ACTOR).strip()
    days = right.selectbox("Since", [1, 7, 30, 365], index=1, format_func=lambda d: f"last {d} days",
                           key=state.AUDIT_DAYS)
    log = read_log(cache.current_store(), actions=tuple(actions), actor=actor,
                   since=datetime.now(timezone.utc) - timedelta(days=days))
    denied = int((log["outcome"] == "denied").sum())
    st.markdown(f"**{len(log):,} {'entry' if len(log) == 1 else 'entries'}**" + (f", {denied:,} refused" if denied else ""))
    st.dataframe(log[SHOWN_COLUMNS], hide_index=True, width="stretch",
                 column_config={"at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm:ss")})
    if st.download_button("Export as CSV", csv_bytes(log[SHOWN_COLUMNS]), file_name="limes-audit.csv",
                          mime="text/csv", key=state.AUDIT_EXPORT, on_click="rerun"):
        audit(who, "export", target="limes-audit.csv", detail=f"{len(log)} audit entries")
    sharing_audit(cache.current_store(), who, since=datetime.now(timezone.utc) - timedelta(days=days))


render()
