"""The map page's incident strip: the oldest unacknowledged high-priority incident, always in sight, refreshing by
itself, pointing to the Incidents page. Drawn for roles that read incidents only; for operators each refresh also
fuses new alarms into open incidents and marks units that arrived as on scene."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Final

import streamlit as st

from dashboard import cache
from dashboard.auth import allowed
from dashboard.components.incident_actions import keep_up
from dashboard.plain import plain
from geo.errors import LimesError, describe
from geo.incidents import SIGNAL_KINDS
from geo.store import incident_rows
from geo.timewindow import describe_age

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
        st.error(plain(describe(exc)))
        return
    if not waiting:
        st.caption("No high-priority incident waiting for acknowledgement.")
    else:
        oldest = waiting[0]  # the repository lists them oldest first
        age = describe_age((datetime.now(timezone.utc).timestamp() * 1000 - oldest["opened_at_ms"]) / 1000)
        more = f" · {len(waiting) - 1} more waiting" if len(waiting) > 1 else ""
        st.error(plain(f"Not acknowledged for {age}: incident #{oldest['incident_id']}, "
                       f"{SIGNAL_KINDS.get(oldest['kind'], oldest['kind'])}: {oldest['title']}{more} "
                       "(Incidents page)"), icon=":material/notification_important:")
