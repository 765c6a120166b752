"""What a click on a hexagon shows: counts by type, its events over time and the latest events (small charts
written as markup, :mod:`dashboard.components.mini_charts`, drawn at once after the click)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard.components.daily_bars import (
    MAX_LABELLED_NARROW,
    PART_COLOUR,
    WHOLE_COLOUR,
    daily_frame,
    moment_labels,
)
from dashboard.components.mini_charts import column_bars_svg, swatches_html, type_bars_html
from dashboard.plain import plain
from dashboard.terms import term
from geo.grid import DAILY_FROM, EventIndex, Filters, cell_latlng, event_series
from geo.i18n import Translator, clock, moment
from geo.spatial import describe_place

LATEST_ROWS = 10
"""How many of a hexagon's newest events the drill-down lists: their time, type, persons and impact, nothing more
(no free text; status and id are on the Data page). A static table, drawn at once: the interactive grid took the
browser ~0.6 s more to show after each click."""


def hex_detail(index: EventIndex, cell: int, filters: Filters, *, towns: pd.DataFrame, with_events: bool,
               tr: Translator) -> None:
    """The drill-down panel for one H3 ``cell`` at ``filters.res``; single events only ``with_events``; in ``tr``'s
    language."""
    events = index.cell_events(cell, filters)
    lat, lon = cell_latlng(cell)
    st.markdown(tr.gettext("**Hexagon** `{cell}` · res {res}  \n{place}").format(
        cell=f"{cell:x}", res=filters.res, place=plain(describe_place(lat=lat, lon=lon, towns=towns, tr=tr))))
    if events.empty:
        st.info(tr.gettext("No events in this hexagon for the current filters."))
        return
    persons = int(events["persons"].sum())
    st.markdown(tr.ngettext("**{n} event**, {persons}", "**{n} events**, {persons}", len(events)).format(
        n=tr.number(len(events)),
        persons=tr.ngettext("{n} person", "{n} persons", persons).format(n=tr.number(persons))))
    by_type = events["type"].map(lambda t: term(tr, t)).value_counts()
    st.markdown(type_bars_html(list(zip(by_type.index, map(int, by_type), strict=True)), number=tr.number,
                               title=tr.gettext("Events by type")), unsafe_allow_html=True)
    series = event_series(events["occurred_at"], filters.window)["events"]
    st.markdown(_over_time(series, filters, tr), unsafe_allow_html=True)
    if not with_events:
        st.caption(tr.gettext("Single events are shown to operators only."))
        return
    st.table(latest_rows(events, tr, now=filters.window.end), hide_index=True, border="horizontal")


def _over_time(series: pd.Series, filters: Filters, tr: Translator) -> str:
    """The hexagon's events over the window as small bars: per day with part-days pale (and a legend saying so)
    beyond two days, else per hour labelled every few hours."""
    events = tr.gettext("events")
    if filters.window.duration > DAILY_FROM:
        days = daily_frame(series, filters.window)
        pale = list(days["kind"] == tr.gettext("part-day"))
        tips = [tr.gettext("{day}: {events} {what}").format(day=day, events=tr.number(int(n)), what=events)
                for day, n in zip(days["day"], days["events"], strict=True)]
        chart = column_bars_svg(list(days["events"]), list(days["label"]), tips, pale=pale, number=tr.number,
                                label_every=-(-len(days) // MAX_LABELLED_NARROW), title=tr.gettext("Events per day"))
        legend = [(WHOLE_COLOUR, tr.gettext("whole day"))] + ([(PART_COLOUR, tr.gettext("part-day"))] if any(pale)
                                                               else [])
        return chart + swatches_html(legend)
    hours = pd.DatetimeIndex(series.index)
    tips = [tr.gettext("{day}: {events} {what}").format(day=moment, events=tr.number(int(n)), what=events)
            for moment, n in zip(moment_labels(hours), series, strict=True)]
    return column_bars_svg(list(series.astype(float)), [clock(tr, h.to_pydatetime()) for h in hours], tips,
                           pale=[False] * len(hours), number=tr.number, label_every=6 if len(hours) > 12 else 2,
                           title=tr.gettext("Events per hour"))


def latest_rows(events: pd.DataFrame, tr: Translator, *, now: datetime) -> pd.DataFrame:
    """The newest :data:`LATEST_ROWS` of ``events`` (newest first) as the drill-down's static table shows them: the
    time in UTC as ``tr``'s locale writes it (the year only when it is not ``now``'s), types, persons and impact in
    ``tr``'s words, headers translated; every cell escaped (a static table reads its cells as Markdown)."""
    latest = events.head(LATEST_ROWS)
    return pd.DataFrame({
        tr.gettext("When (UTC)"): [plain(moment(tr, when.to_pydatetime(), now=now)) for when in latest["occurred_at"]],
        tr.gettext("type"): [plain(term(tr, t)) for t in latest["type"]],
        tr.gettext("persons"): [plain(tr.number(int(n))) for n in latest["persons"]],
        tr.gettext("impact"): [plain(term(tr, t)) for t in latest["impact"]],
    })
