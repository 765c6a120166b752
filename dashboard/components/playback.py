"""Playback: replay the chosen window hour by hour or day by day, the way kepler.gl users replay a night.

A time slider over the window's frames with play/pause. The live fragment reruns every second;
while playing, each run moves one frame on (wrapping at the end), and the hexagons and KPI tiles
show that frame's events only, so the night unrolls frame by frame.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Final

import streamlit as st

from dashboard import state
from dashboard.config import settings
from dashboard.i18n import _, tr
from dashboard.terms import term
from geo.grid import Filters
from geo.i18n import clock, day, moment
from geo.timewindow import TimeWindow

STEPS: Final[dict[str, timedelta]] = {"Hour": timedelta(hours=1), "Day": timedelta(days=1)}
MAX_FRAMES: Final[int] = 24 * 90
"""A 90-day window replayed by the hour."""


def frames(window: TimeWindow, step: timedelta) -> list[datetime]:
    """Starts of the frames covering ``window``: whole UTC hours or days (``step``), so that they stay put while a
    preset window slides with the clock; the first and last frames may be cut by the window (the last
    :data:`MAX_FRAMES` are kept)."""
    step_s = int(step.total_seconds())
    first = window.start - timedelta(seconds=int(window.start.timestamp()) % step_s,
                                     microseconds=window.start.microsecond)
    n = max(1, math.ceil((window.end - first) / step))
    return [first + i * step for i in range(max(0, n - MAX_FRAMES), n)]


def frame_window(window: TimeWindow, start: datetime, step: timedelta) -> TimeWindow:
    """The frame starting at ``start``, cut to the window."""
    return TimeWindow(max(start, window.start), min(start + step, window.end))


def _toggle_play() -> None:
    st.session_state[state.PLAYING] = not st.session_state.get(state.PLAYING, False)


def playback_filters(filters: Filters) -> Filters | None:
    """Draw the playback bar above the map; the filters of the frame shown, or None when playback is off."""
    on, step_col, play_col, slider_col = st.columns([1.6, 1.1, 0.8, 4.5], vertical_alignment="center")
    if not on.toggle(_("Playback"), key=state.PLAYBACK, help=_("Replay the chosen window frame by frame; the hexagons "
                                                               "and the tiles show one frame's events.")):
        st.session_state[state.PLAYING] = False
        return None
    words = tr()
    step_name = step_col.radio(_("Step"), list(STEPS), horizontal=True, key=state.PLAY_STEP,
                               label_visibility="collapsed", format_func=lambda name: term(words, name))
    step = STEPS[step_name]
    starts = frames(filters.window, step)
    playing = bool(st.session_state.get(state.PLAYING, False))
    current = st.session_state.get(state.PLAY_FRAME)
    if current not in starts:
        current = starts[0]
    if playing:  # one frame a second: the fragment's own rhythm
        current = starts[(starts.index(current) + 1) % len(starts)]
    st.session_state[state.PLAY_FRAME] = current
    play_col.button(_("Pause") if playing else _("Play"), key=state.PLAY_BUTTON, on_click=_toggle_play,
                    icon=":material/pause:" if playing else ":material/play_arrow:")
    zone = settings().region.time_zone
    hourly = step < timedelta(days=1)
    shown = slider_col.select_slider(
        _("Frame"), options=starts, key=state.PLAY_FRAME, label_visibility="collapsed",
        format_func=lambda when: words.gettext("{utc} UTC ({local} local time)").format(
            utc=moment(words, when, now=when) if hourly else day(words, when, skeleton="MMMEd"),
            local=clock(words, when, zone=zone) if hourly else day(words, when, skeleton="MMMEd", zone=zone)))
    return replace(filters, window=frame_window(filters.window, shown, step))
