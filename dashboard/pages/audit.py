"""The audit log for administrators: who logged in, was refused, imported, exported, set a level or edited a sensor;
and what was shared with which partner."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import streamlit as st

from dashboard import cache, state
from dashboard.auth import audit, require_page
from dashboard.components.share_panels import sharing_audit
from dashboard.i18n import _, border_zone, ngettext, tr
from dashboard.terms import term
from geo.exports import csv_bytes
from geo.trust import ACTIONS, read_log

SHOWN_COLUMNS = ["at", "actor", "role", "action", "target", "outcome", "detail", "client"]


def render() -> None:
    """Filters, the newest entries first, and a CSV export (itself audited)."""
    who = require_page("audit")
    st.markdown(_("### Audit log"))
    st.caption(_("Append-only: logins, refused access, imports, exports, level changes, sensor edits, moderation."))
    left, middle, right = st.columns([2, 1, 1])
    actions = left.multiselect(_("Actions"), ACTIONS, key=state.AUDIT_ACTIONS, format_func=lambda a, t=tr(): term(t, a))
    actor = middle.text_input(_("User"), key=state.AUDIT_ACTOR).strip()
    days = right.selectbox(_("Since"), [1, 7, 30, 365], index=1, key=state.AUDIT_DAYS,
                           format_func=lambda d, t=tr(): t.ngettext("last {n} day", "last {n} days", d).format(
                               n=t.number(d)))
    log = read_log(cache.current_store(), actions=tuple(actions), actor=actor,
                   since=datetime.now(timezone.utc) - timedelta(days=days))
    denied = int((log["outcome"] == "denied").sum())
    n = tr().number(len(log))
    if denied:
        st.markdown(ngettext("**{n} entry**, {denied} refused", "**{n} entries**, {denied} refused", len(log)).format(
            n=n, denied=tr().number(denied)))
    else:
        st.markdown(ngettext("**{n} entry**", "**{n} entries**", len(log)).format(n=n))
    shown = log[SHOWN_COLUMNS].copy()  # the stored codes as words (the CSV export keeps the codes)
    shown["action"] = [term(tr(), a) for a in shown["action"]]
    shown["outcome"] = [term(tr(), o) for o in shown["outcome"]]
    shown.insert(1, "at_local", shown["at"])
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        "at": st.column_config.DatetimeColumn(_("When (UTC)"), format="YYYY-MM-DD HH:mm:ss"),
        "at_local": st.column_config.DatetimeColumn(_("When (local time)"), format="YYYY-MM-DD HH:mm:ss",
                                                    timezone=border_zone()), "actor": _("User"),
        "role": _("Role"), "action": _("Action"), "target": _("Target"), "outcome": _("Outcome"),
        "detail": _("Detail"), "client": _("Client")})
    if st.download_button(_("Export as CSV"), csv_bytes(log[SHOWN_COLUMNS]), file_name="limes-audit.csv",
                          mime="text/csv", key=state.AUDIT_EXPORT, on_click="rerun"):
        audit(who, "export", target="limes-audit.csv", detail=f"{len(log)} audit entries")
    sharing_audit(cache.current_store(), who, since=datetime.now(timezone.utc) - timedelta(days=days))


render()
