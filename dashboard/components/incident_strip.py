"""The map page's incident strip: the oldest unacknowledged high-priority incident, always in sight, refreshing by
itself, pointing to the Incidents page. Drawn for roles that read incidents only; for operators each refresh also
fuses new alarms into open incidents and marks units that arrived as on scene."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Final

import streamlit as st

from dashboard import cache
from dashboard.auth import allowed
from dashboard.components.incident_actions import keep_up
from dashboard.i18n import _, tr
from dashboard.plain import plain
from geo.errors import LimesError, describe
from geo.incidents import SIGNAL_KINDS
from geo.store import incident_rows

REFRESH_S: Final[float] = 2.0


@st.fragment(run_every=REFRESH_S)
def incident_strip() -> None:
    """A red strip naming the oldest new high-priority incident and how long it has waited; a quiet line when none."""
    if not allowed("read_incidents"):
        return
    if allowed("act_on_incidents"):
        keep_up(cache.event_index())  # the loop closes while operators watch the map, not only the Incidents page
    try:
        waiting = [r for r in incident_rows(cache.current_store(), states=("new",)) if r["priority"] == "high"]
    except LimesError as exc:
        st.error(plain(describe(exc, tr())))
        return
    if not waiting:
        st.caption(_("No high-priority incident waiting for acknowledgement."))
    else:
        oldest = waiting[0]  # the repository lists them oldest first
        words = tr()
        age = words.duration(timedelta(milliseconds=max(0.0, datetime.now(timezone.utc).timestamp() * 1000
                                                              - oldest["opened_at_ms"])))
        kind = words.gettext(SIGNAL_KINDS[oldest["kind"]]) if oldest["kind"] in SIGNAL_KINDS else oldest["kind"]
        text = (words.ngettext("Not acknowledged for {age}: incident #{id}, {kind}: {title} · {n} more waiting "
                               "(Incidents page)",
                               "Not acknowledged for {age}: incident #{id}, {kind}: {title} · {n} more waiting "
                               "(Incidents page)", len(waiting) - 1)
                if len(waiting) > 1 else
                words.gettext("Not acknowledged for {age}: incident #{id}, {kind}: {title} (Incidents page)"))
        st.error(plain(text.format(age=age, id=oldest["incident_id"], kind=kind, title=oldest["title"],
                                   n=len(waiting) - 1)), icon=":material/notification_important:")
