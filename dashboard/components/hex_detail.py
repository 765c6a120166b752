"""What a click on a hexagon shows: counts by type, a small time series and the latest events."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard.components.daily_bars import daily_bars, time_lines
from dashboard.plain import plain
from dashboard.terms import term
from geo.grid import DAILY_FROM, EventIndex, Filters, cell_latlng, event_series
from geo.i18n import Translator, moment
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
    kind, count = tr.gettext("type"), tr.gettext("events")
    by_type = events["type"].map(lambda t: term(tr, t)).value_counts().rename_axis(kind).rename(count).reset_index()
    st.bar_chart(by_type, x=kind, y=count, horizontal=True, sort=f"-{count}", height=40 + 24 * len(by_type),
                 x_label="", y_label="", color="#ffc400")
    series = event_series(events["occurred_at"], filters.window)["events"]
    if filters.window.duration > DAILY_FROM:  # per day: part-days at the ends marked, one label a bar
        daily_bars(series, filters.window, height=170, narrow=True)
    else:
        time_lines(series.rename(count).to_frame(), y_title=count, height=150)
    if not with_events:
        st.caption(tr.gettext("Single events are shown to operators only."))
        return
    st.table(latest_rows(events, tr, now=filters.window.end), hide_index=True, border="horizontal")


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
