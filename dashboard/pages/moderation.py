"""Moderation of community reports: the queue of new reports, and accept, merge or reject for each.

The only place reporters' contact details are shown (operators holding ``moderate_reports``).
Opening the page also runs the contact retention job, so contacts go on time even where no
scheduled ``limes purge-contacts`` runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Final

import streamlit as st

from dashboard import cache, state
from dashboard.auth import allowed, require_page
from dashboard.components.moderation_panels import (
    decided_headers,
    moderation_actions,
    queue_table,
    report_detail,
)
from dashboard.config import settings
from dashboard.i18n import _, ngettext, tr
from dashboard.plain import plain
from geo.errors import LimesError, describe
from geo.reports import Moderator, purge_contacts, read_queue

DONE_ROWS: Final[int] = 20


def _retention() -> timedelta:
    """The contact retention period of the settings (``LIMES_CONTACT_RETENTION_DAYS``, default 30 days)."""
    return timedelta(days=settings().contact_retention_days)


def render() -> None:
    """The retention job, the queue, the selected report with its actions, and the latest decisions."""
    who = require_page("moderation")
    store = cache.current_store()
    st.markdown(_("### Community reports"))
    try:
        purged = purge_contacts(store, retention=_retention(), now=datetime.now(timezone.utc))
        if purged:
            st.caption(ngettext("Contact details of {n} older report deleted (retention {days} days).",
                                "Contact details of {n} older reports deleted (retention {days} days).",
                                purged).format(n=tr().number(purged), days=tr().number(_retention().days)))
        may_moderate = allowed("moderate_reports")
        queue = read_queue(store, with_contact=may_moderate)
        done = st.session_state.pop(state.MODERATION_DONE, None)
        if done:
            st.success(done)
        st.markdown(ngettext("**{n} new report** waiting, oldest first. Select one to moderate it.",
                             "**{n} new reports** waiting, oldest first. Select one to moderate it.",
                             len(queue)).format(n=tr().number(len(queue))))
        report_id = queue_table(queue)
        if report_id is not None and may_moderate:
            report = queue.set_index("report_id", drop=False).loc[report_id]
            report_detail(report, retention=_retention())
            moderation_actions(report_id, Moderator(actor=who.user_id, role=who.role_text(), client=who.client))
        elif report_id is not None:
            st.info(_("Your roles may see the queue but not moderate it."))
        decided = read_queue(store, statuses=("accepted", "merged", "rejected"), newest_first=True, limit=200)
        decided = decided.sort_values("moderated_at", ascending=False).head(DONE_ROWS)
        with st.expander(_("Latest decisions ({n})").format(n=tr().number(len(decided)))):
            shown = decided[["report_id", "status", "confidence", "event_id", "reason", "moderated_by", "moderated_at"]]
            shown = shown.assign(status=[_(s) for s in shown["status"]],
                                 confidence=[_(c) if isinstance(c, str) else c for c in shown["confidence"]])
            st.dataframe(shown.rename(columns=decided_headers()), hide_index=True, width="stretch")
    except LimesError as exc:
        st.error(plain(describe(exc, tr())))


render()
