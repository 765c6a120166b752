"""What a click on a hexagon shows: counts by type, a small time series and the latest events."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.components.daily_bars import daily_bars, time_lines
from dashboard.components.tables import small, when_column
from dashboard.plain import plain
from dashboard.terms import term
from geo.grid import DAILY_FROM, EventIndex, Filters, cell_latlng, event_series
from geo.i18n import Translator
from geo.spatial import describe_place

LATEST_ROWS = 10
DETAIL_COLUMNS = ["occurred_at", "type", "persons", "impact"]
"""What the drill-down shows of an event, in the map's narrow side column without scrolling: no free text, no
attributes beyond these (status and id are on the Data page)."""


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
    latest = events.head(LATEST_ROWS)[DETAIL_COLUMNS].assign(
        type=lambda f: f["type"].map(lambda t: term(tr, t)), impact=lambda f: f["impact"].map(lambda t: term(tr, t)))
    st.dataframe(
        latest, hide_index=True, width="stretch",
        # Sized to the map's side column (~300 px): no column runs off to the right.
        column_config={"occurred_at": when_column(tr.gettext("When (UTC)"), short=True, width_px=88),
                       "type": small(tr.gettext("type"), width_px=100),
                       "persons": small(tr.gettext("persons"), width_px=56),
                       "impact": small(tr.gettext("impact"), width_px=56)},
    )
