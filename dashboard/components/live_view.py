"""The live view of the map page: KPIs, the map and the side panels, redrawn by one fragment every second.

Each run reads only the rows that reached the store since the last (the mirror's watermark),
outlines hexagons with events of the last minutes, and shows patrol units, greyed once their
fix is stale. What every session with the same view shows is computed once per server and second
(:mod:`dashboard.components.live_frame`); only a clicked hexagon's detail is the session's own.
"""


from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Final

import streamlit as st

from dashboard import cache, live_cache, state
from dashboard.auth import viewer
from dashboard.components.analysis_view import analysis_detail, emerging_summary, emerging_table, layer_res
from dashboard.components.filters import COUNT, EMERGING, ViewChoice, zoom_hint
from dashboard.components.hex_detail import hex_detail
from dashboard.components.kpis import kpi_tiles
from dashboard.components.legend import map_legend
from dashboard.components.live_frame import RECENT, shared_frame
from dashboard.components.live_panels import alert_banner, feed_text, show_panel
from dashboard.components.partner_view import partner_legends
from dashboard.components.playback import playback_filters
from dashboard.components.zoom import zoom_toggle
from dashboard.config import settings
from dashboard.i18n import _, tr
from dashboard.plain import plain
from geo.errors import LimesError, describe
from geo.grid import cell_at_resolution, hex_to_cell
from geo.trust import may
from layers.hexagons import HEX_LAYER_ID
from layers.live import live_symbols

REFRESH_S: Final[float] = 1.0
CLICK_REDRAWS_WITHIN: Final[timedelta] = timedelta(seconds=2)
"""A click within this long of the last run redraws that run's second (see :func:`_clock`)."""


def shown_moment(now: datetime, selected: str, last: tuple[str, datetime | None]) -> datetime:
    """The moment a run of the live view shows, at ``now`` with the map's selection ``selected`` (its repr), after a
    ``last`` run that had (selection, moment). A run whose selection changed (a click on a hexagon) shows the last
    run's moment again when that was under :data:`CLICK_REDRAWS_WITHIN` ago: its shared frame is computed already
    and its deck is the one on screen, so the click costs the drill-down alone. Other runs show ``now``."""
    last_selected, last_moment = last
    if last_moment is not None and selected != last_selected and now - last_moment < CLICK_REDRAWS_WITHIN:
        return last_moment
    return now


def _clock() -> datetime:
    """:func:`shown_moment` for this run of this session, remembered for the next."""
    selected = repr(st.session_state.get(state.MAP))
    now = shown_moment(datetime.now(timezone.utc), selected, st.session_state.get(state.LIVE_CLOCK, ("", None)))
    st.session_state[state.LIVE_CLOCK] = (selected, now)
    return now


def _selected_cell(res: int) -> int | None:
    """The clicked hexagon as a cell at ``res`` (a selection survives a change of resolution)."""
    selection = st.session_state.get(state.MAP)
    objects = (selection or {}).get("selection", {}).get("objects", {}).get(HEX_LAYER_ID, [])
    if not objects:
        return None
    return cell_at_resolution(hex_to_cell(objects[0].get("hex")), res)


@st.fragment(run_every=REFRESH_S)
def live_view(choice: ViewChoice, data_start: datetime) -> None:
    """Everything that refreshes by itself."""
    now = _clock()
    roles = viewer().roles  # once a run: with login configured, resolving the viewer reads secrets and claims
    sees_events = may(roles, "event_details")
    index = cache.event_index()
    top = st.container()  # the banner and the heading go above the playback controls
    replayed = playback_filters(choice.filters(now))
    if replayed is not None:  # a replayed frame: its events only; "last 15 min" outlines belong to the present
        choice = replace(choice, recent_outlines=False)
    words = tr()
    frame = shared_frame(index, choice, data_start, now=now, sees_events=sees_events,
                         with_units=may(roles, "unit_positions"), fit_to_data=zoom_toggle(), replayed=replayed,
                         tr=words)
    if frame.view_note:
        st.caption(frame.view_note)
    filters, data = frame.filters, frame.data
    with top:
        alert_banner(frame.banner)
        st.markdown(frame.heading)
    kpi_tiles(frame.kpis)
    if not filters.types:
        st.warning(_("No event types selected: choose at least one in the sidebar."))
    show_panel(feed_text(live_cache.feeds_health(settings().store_url), now=now, tr=words))
    map_col, side_col = st.columns([3, 1.15])
    with map_col:
        # A map that has just mounted gets the region without the world around it: its first frame draws sooner
        # (software WebGL spent ~1.7 s more on it), and the next second's deck adds the world.
        deck = frame.first_deck if st.session_state.pop(state.MAP_FIRST_FRAME, False) else frame.deck
        st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object",  # type: ignore[arg-type]
                        key=state.MAP, height=640)
        hint = zoom_hint(layer_res(filters, choice.analysis))
        st.caption(_("{caption} · {hint}").format(caption=frame.caption, hint=hint) if hint else frame.caption)
        if choice.analysis.mode == EMERGING:
            emerging_table(index, filters, choice.analysis, now=now, towns=cache.gazetteer())
    with side_col:
        # A clicked hexagon's detail comes first, where the eye is, above the fold; the legend follows it.
        cell: int | None = None
        try:
            cell = _selected_cell(layer_res(filters, choice.analysis))
            if cell is not None:
                if choice.analysis.mode != COUNT:
                    analysis_detail(index, cell, filters, data, choice.analysis, now=now)
                hex_detail(index, cell, replace(filters, res=layer_res(filters, choice.analysis)),
                           towns=cache.gazetteer(), with_events=sees_events, tr=words)
                st.divider()
        except LimesError as exc:
            st.error(plain(describe(exc, tr())))
        map_legend(data.legend, title=data.title,
                   symbols=live_symbols(outlines=choice.recent_outlines, recent_min=int(RECENT.total_seconds() // 60),
                                        units=may(roles, "unit_positions"), reports=choice.reports.pending, tr=words))
        partner_legends()
        if cell is None:
            st.divider()
            show_panel(frame.alerts)
            try:
                if choice.analysis.mode == EMERGING:
                    emerging_summary(index, filters, choice.analysis, now=now, towns=cache.gazetteer())
            except LimesError as exc:
                st.error(plain(describe(exc, tr())))
            if frame.ticker is not None:
                show_panel(frame.ticker)
            st.caption(_("Click a hexagon to see its events."))
