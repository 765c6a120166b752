"""Incidents: from alert to patrol. Signals waiting for a decision (one click makes an incident), the queue with
its states and timers, one incident's details and actions (acknowledge, assign and send the CoT tasking, on scene,
close), and the shift handover. Operators act; commanders read.

The queue refreshes by itself every two seconds: each refresh fuses new alarms into open incidents and marks
units that reported a position within 200 m of theirs as on scene.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Final

import pandas as pd
import streamlit as st

from dashboard import cache, state
from dashboard.auth import allowed, require_page
from dashboard.components.analysis_view import emerging_result
from dashboard.components.filters import EMERGING, Analysis
from dashboard.components.incident_actions import actor, fusion_rule, keep_up, show_outcome
from dashboard.components.incident_panels import (
    handover_download,
    incident_actions,
    incident_detail,
    queue,
    queue_table,
    signal_list,
)
from dashboard.i18n import _, ngettext, tr
from dashboard.plain import plain
from geo.analysis import AlertRule, emerging_areas, unusual_cells
from geo.errors import LimesError, describe
from geo.grid import EventIndex, Filters
from geo.incidents import Actor, Signal, candidate_signals
from geo.models import EVENT_TYPES
from geo.timewindow import TimeWindow

REFRESH_S: Final[float] = 2.0
UNUSUAL_WINDOW: Final[timedelta] = timedelta(hours=1)
UNUSUAL_RES: Final[int] = 6
EMERGING_SIGNAL_AGE: Final[timedelta] = timedelta(days=1)
"""Emerging areas are offered as signals only while the newest stored event is at most this old."""


def _signals(index: EventIndex, now: datetime) -> list[Signal]:
    """What the map's views show now: banner events, alarms, unusual cells, accepted reports, emerging areas."""
    window = Filters(TimeWindow(now - UNUSUAL_WINDOW, now), EVENT_TYPES, UNUSUAL_RES)
    unusual = unusual_cells(index, window, AlertRule())
    areas = pd.DataFrame(columns=["cells", "categories", "lat", "lon", "z_max"])
    span = index.time_range()
    # The cube ends with the data: on history that ended months ago its areas are not "now", and no signal.
    if span is not None and span[1] >= now - EMERGING_SIGNAL_AGE:
        try:
            day = Filters(TimeWindow(now - timedelta(days=1), now), EVENT_TYPES, UNUSUAL_RES)
            areas = emerging_areas(emerging_result(index, day, Analysis(mode=EMERGING), now)[1])
        except LimesError:  # too little data for the space-time cube: no emerging areas to offer
            pass
    return candidate_signals(index, now=now, towns=cache.basemap().towns, unusual=unusual, areas=areas, tr=tr())


@st.fragment(run_every=REFRESH_S)
def _live_queue(who: Actor | None) -> None:
    """The queue and the chosen incident, redrawn every two seconds (after the upkeep, for operators)."""
    now = datetime.now(timezone.utc)
    if who is not None:
        keep_up(cache.event_index())
    show_outcome()
    try:
        table = queue(now, with_closed=bool(st.session_state.get(state.INCIDENT_SHOW_CLOSED)))
        if table.empty:
            st.info(_("No incidents. Make one from a signal above."))
            return
        open_count = int(table["_open"].sum())
        st.markdown(ngettext("**{n} open incident**, high priority and oldest first; '{timer}' is the timer since the "
                             "last step.", "**{n} open incidents**, high priority and oldest first; '{timer}' is the "
                             "timer since the last step.", open_count).format(n=tr().number(open_count),
                                                                              timer=_("since change")))
        chosen = queue_table(table)
        if chosen is None:
            return
        row = incident_detail(int(chosen), now=now)
        if who is not None:
            incident_actions(row, who, now=now)
        else:
            st.caption(_("Read-only: commanders follow the queue; operators act on it."))
    except LimesError as exc:
        st.error(plain(describe(exc, tr())))


def render() -> None:
    """Signals, the live queue, and the handover."""
    viewer = require_page("incidents")
    who = actor(viewer) if allowed("act_on_incidents") else None
    now = datetime.now(timezone.utc)
    st.markdown(_("### Incidents"))
    index = cache.event_index()
    if who is not None:
        with st.expander(_("Signals waiting for a decision: make an incident with one click"), expanded=True):
            try:
                signal_list(_signals(index, now), who, rule_text=fusion_rule().describe())
            except LimesError as exc:
                st.error(plain(describe(exc, tr())))
    st.checkbox(_("Show incidents closed in the last 12 hours"), key=state.INCIDENT_SHOW_CLOSED)
    _live_queue(who)
    with st.expander(_("Shift handover")):
        try:
            handover_download(who or actor(viewer), now=now)
        except LimesError as exc:
            st.error(plain(describe(exc, tr())))


render()
