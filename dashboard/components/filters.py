"""The map's controls: time window, event types, H3 resolution, what colours the hexagons, community reports, and the
alert thresholds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import streamlit as st

from dashboard import state
from dashboard.config import settings
from dashboard.i18n import _, tr
from dashboard.terms import term
from geo.analysis import AlertRule
from geo.grid import VIEW_RES_RANGE, Filters, edge_length_km, resolution_for_zoom
from geo.models import EVENT_TYPES
from geo.reports import CONFIDENCE_LEVELS, PENDING_RES
from geo.timewindow import PRESETS, TimeWindow, day_range_window, preset_window

CUSTOM = "Custom"
ALL_DATA = "All data"
"""The data's own range, first to last event: history that ended years ago opens whole."""
STALE_AFTER = timedelta(days=30)
"""Data whose last event is older than this opens on "All data" (a sliding window would show nothing)."""
COUNT = "Event count"
HOT_SPOTS = "Hot spots (Gi*)"
EMERGING = "Emerging hot spots"
STEPS = {"Week": timedelta(weeks=1), "Day": timedelta(days=1)}
DEFAULT_STEPS = {"Week": 12, "Day": 28}


@dataclass(frozen=True, slots=True)
class Analysis:
    """What colours the hexagons: ``mode`` (:data:`COUNT`, :data:`HOT_SPOTS` or :data:`EMERGING`), the
    neighbourhood ring size ``k``, and for emerging hot spots the time ``step``, ``n_steps`` and the
    analysis resolution ``res`` (its own: a corridor a few km wide drowns in res-6 cells)."""

    mode: str = COUNT
    k: int = 1
    step: str = "Week"
    n_steps: int = 12
    res: int = 7

    def cube_window(self, now: datetime, *, window_end: datetime | None = None, data_end: datetime | None = None
                    ) -> TimeWindow:
        """The emerging hot spot horizon: ``n_steps`` steps up to the last full hour (stable for an hour), or
        earlier: up to where the chosen window ends (``window_end``), or to the hour after the data's last
        event (``data_end``) when the data ended before that, so that history is analysed where it is."""
        end = _hour(now)
        if window_end is not None:
            end = min(end, _hour(window_end, up=True))
        if data_end is not None:
            end = min(end, _hour(data_end + timedelta(microseconds=1), up=True))
        return TimeWindow(end - self.n_steps * STEPS[self.step], end)


def _hour(when: datetime, *, up: bool = False) -> datetime:
    """``when`` rounded down (or up) to a full hour."""
    floor = when.replace(minute=0, second=0, microsecond=0)
    return floor + timedelta(hours=1) if up and floor < when else floor


@dataclass(frozen=True, slots=True)
class ReportView:
    """Community reports on the map: accepted ones of at least ``min_confidence``, and whether the
    unmoderated ones show as coarse counts."""

    min_confidence: str = "low"
    pending: bool = True


@dataclass(frozen=True, slots=True)
class ViewChoice:
    """What the sidebar selects; the window is resolved against the clock at each (live) refresh."""

    window_name: str
    custom: TimeWindow | None
    types: tuple[str, ...]
    res: int
    analysis: Analysis = Analysis()
    alert_rule: AlertRule = AlertRule()
    alert_window: timedelta = timedelta(hours=1)
    reports: ReportView = ReportView()
    recent_outlines: bool = True

    def filters(self, now: datetime) -> Filters:
        """The filters at ``now``: a preset window slides with the clock, a custom one ends at now at most."""
        if self.custom is not None:
            window = TimeWindow(self.custom.start, min(self.custom.end, now)) if self.custom.start < now else self.custom
        else:
            window = preset_window(self.window_name, now=now)
        return Filters(window=window, types=self.types, res=self.res)


def filter_controls(*, now: datetime, data_start: datetime, data_end: datetime | None = None) -> ViewChoice:
    """Draw the controls in the sidebar and return what they select (a custom window defaults to the data's
    last 14 days, so history that ended years ago opens on its own last weeks)."""
    with st.sidebar:
        st.subheader(_("Filters"))
        last_event = data_end or now
        stale = last_event < now - STALE_AFTER
        words = tr()
        choice = st.radio(_("Time window"), [*PRESETS, ALL_DATA, CUSTOM], index=len(PRESETS) if stale else 1,
                          key=state.WINDOW, horizontal=False, format_func=lambda name: term(words, name),
                          help=_("All data: {first} to {last} (first to last event)").format(
                              first=words.date(data_start.date()), last=words.date(last_event.date())))
        custom = TimeWindow(data_start, max(last_event, data_start) + timedelta(seconds=1)) \
            if choice == ALL_DATA else None
        if choice == CUSTOM:
            last = min(now, data_end or now)
            default = (max(data_start, last - timedelta(days=14)).date(), last.date())
            picked = st.date_input(_("Days (UTC)"), value=default, min_value=data_start.date(),
                                   max_value=max(now, last_event).date(),
                                   key=state.CUSTOM_DAYS)
            first, last = (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else (default[0], default[1])
            custom = day_range_window(datetime.combine(first, datetime.min.time()),
                                      datetime.combine(last, datetime.min.time()))
        types = st.multiselect(
            _("Event types"), EVENT_TYPES, default=list(EVENT_TYPES), format_func=lambda t: term(words, t),
            key=state.TYPES,
        )
        default_res = resolution_for_zoom(settings().region.view.zoom)
        res = st.slider(
            _("H3 resolution"), *VIEW_RES_RANGE, value=default_res, key=state.RES,
            help=_("Default {res} suits the opening zoom of the map. Higher is finer.").format(res=default_res),
        )
        across = words.number(float(f"{2 * edge_length_km(res):.2g}"))
        st.caption(zoom_hint(res, across_km=across) or _("Hexagons ≈ {km} km across").format(km=across))
        analysis = _analysis_controls()
        outlines = st.toggle(_("Outline hexagons with events in the last 15 min"), value=True,
                             key=state.RECENT_OUTLINES,
                             help=_("Thin white outlines at the resolution the map draws; switch off to see only the "
                                    "chosen colouring."))
        reports = _report_controls()
        alert_rule, alert_window = _alert_controls()
    return ViewChoice(window_name=choice, custom=custom, types=tuple(types), res=res, analysis=analysis,
                      alert_rule=alert_rule, alert_window=alert_window, reports=reports, recent_outlines=outlines)


def zoom_hint(res: int, *, across_km: str | None = None) -> str:
    """What to do when hexagons of ``res`` are too small to see at the map's opening zoom (empty when they are not);
    with ``across_km`` (their width, formatted) a sentence that says it first."""
    if res <= resolution_for_zoom(settings().region.view.zoom) + 1:
        return ""
    if across_km is not None:
        return _("Hexagons ≈ {km} km across: too small for the whole-border view, zoom in (+ or scroll) to see "
                 "res-{res} cells").format(km=across_km, res=res)
    return _("Too small for the whole-border view: zoom in (+ or scroll) to see res-{res} cells.").format(res=res)


def _analysis_controls() -> Analysis:
    words = tr()
    mode = st.radio(_("Colour hexagons by"), [COUNT, HOT_SPOTS, EMERGING], key=state.COLOUR_BY,
                    format_func=lambda name: term(words, name),
                    help=_("Hot spots: Getis-Ord Gi* over each cell and its k rings of neighbours, cells without "
                           "events included, Benjamini-Hochberg false discovery rate; 90/95/99 % confidence. Emerging "
                           "hot spots: Gi* in every time step and a Mann-Kendall trend, in ArcGIS's categories."))
    if mode == COUNT:
        return Analysis()
    k = st.slider(_("Neighbourhood (rings)"), 1, 3, 1, key=state.RINGS,
                  help=_("1: each cell and its 6 neighbours; 2: and the next 12; 3: and the next 18."))
    if mode == HOT_SPOTS:
        return Analysis(mode=mode, k=k)
    step = st.radio(_("Time step"), list(STEPS), horizontal=True, key=state.EHSA_STEP,
                    format_func=lambda name: term(words, name))
    n_steps = st.slider(_("Weeks analysed") if step == "Week" else _("Days analysed"), 6, 52 if step == "Week" else 90,
                        DEFAULT_STEPS[step], key=state.ehsa_steps(step),
                        help=_("Ending where the time window ends (at the last full hour), or at the data's last event "
                               "when the data ended before."))
    res = st.slider(_("Analysis resolution"), 6, 8, 7, key=state.EHSA_RES,
                    help=_("Emerging hot spots are analysed at their own H3 resolution: 7 (hexagons ≈ {km} km across) "
                           "finds corridors a few km wide that res-6 cells would merge with their "
                           "surroundings.").format(km=words.number(2 * edge_length_km(7), decimals=1)))
    return Analysis(mode=mode, k=k, step=step, n_steps=n_steps, res=res)


def _report_controls() -> ReportView:
    words = tr()
    with st.expander(_("Community reports")):
        level = st.select_slider(_("Accepted reports with confidence at least"), CONFIDENCE_LEVELS, value="low",
                                 key=state.REPORT_CONFIDENCE, format_func=lambda c: term(words, c),
                                 help=_("Green outlines: cells with accepted reports in the window. They count as "
                                        "citizen reports in every figure, whatever this filter."))
        pending = st.checkbox(_("Unmoderated reports as counts"), value=True, key=state.REPORT_PENDING,
                              help=_("Violet: reports waiting for moderation, counted per hexagon about {km} km "
                                     "across.").format(km=words.number(2 * edge_length_km(PENDING_RES), decimals=0)))
    return ReportView(min_confidence=level, pending=pending)


def _alert_controls() -> tuple[AlertRule, timedelta]:
    words = tr()
    with st.expander(_("Alert thresholds")):
        hours = st.select_slider(_("Latest window"), [1, 2, 4, 8, 12], value=1, key=state.ALERT_HOURS,
                                 format_func=lambda h: words.gettext("{n} h").format(n=h), help=_("8 h: one shift."))
        weeks = st.slider(_("Compared with the same hours of past weeks"), 2, 12, AlertRule().weeks,
                          key=state.ALERT_WEEKS)
        max_p = st.select_slider(_("Alert when the chance of so many is at most"), [0.0001, 0.001, 0.01, 0.05],
                                 value=AlertRule().max_p, key=state.ALERT_P, format_func=lambda p: words.number(p))
        min_events = st.number_input(_("and at least this many events"), 1, 50, AlertRule().min_events,
                                     key=state.ALERT_MIN)
    return AlertRule(weeks=weeks, max_p=max_p, min_events=int(min_events)), timedelta(hours=hours)
