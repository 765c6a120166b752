"""The pages' charts over time: daily bars and lines, labelled in the reader's language.

A preset period ("last 7 days") starts and ends mid-day, so its first and last days count only the
hours inside it; drawn like the others they read as a sudden fall. Here they are drawn pale, named
"part-day" in the legend, and their tooltip says how many hours they hold (the PDF hatches them).

The charts' own library would name days and months in English (it formats dates in the browser): every
category label is written here by Babel in the session's language, every axis title is a message. A chart
with nothing above zero (every day suppressed, or no events) is a sentence instead: an empty frame with a
``0.000000`` axis explains nothing.
"""

from __future__ import annotations

import json
import math
from datetime import timezone
from typing import Final

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from babel.dates import format_skeleton, get_datetime_format

from dashboard.i18n import _, ngettext, tr
from geo.briefing import day_labels
from geo.timewindow import TimeWindow, day_shares

WHOLE_COLOUR: Final[str] = "#4a6fa5"
PART_COLOUR: Final[str] = "#b9c6dc"
LEGEND_COLUMNS: Final[int] = 2
LEGEND_SYMBOL_PX: Final[int] = 40
"""A legend entry's room besides its label (pixels): the symbol, its gap to the label, the gap to the next column."""
MIN_LEGEND_LABEL_PX: Final[int] = 40
LEGEND_ROW_PX: Final[int] = 30
"""A legend row's height in Streamlit's chart theme: a chart grows by it for each row past the first (its plot
keeps its height)."""
MAX_LABELLED: Final[int] = 31
MAX_LABELLED_NARROW: Final[int] = 14
"""Up to this many bars (points) every one carries its date, on a page (in a narrow column such as the
drill-down's); a longer period (months of history) labels as many as fit without overlapping, else the labels
run into one smear."""


def daily_frame(series: pd.Series, window: TimeWindow) -> pd.DataFrame:
    """Per day (``series`` indexed by UTC day start): its label, events (NaN: suppressed), hours inside ``window``
    and whether it is a part-day, in this session's language."""
    days = pd.DatetimeIndex(series.index)
    share = day_shares(days, window)
    whole, part = _("whole day"), _("part-day")
    return pd.DataFrame({
        "order": np.arange(len(days)),
        "label": day_labels(days, tr=tr(), sep=" "),
        "day": [tr().date(d.date()) for d in days],
        "events": series.to_numpy(dtype=float),
        "hours": np.round(share * 24.0, 1),
        "kind": np.where(share < 1.0, part, whole),
    })


COUNT_AXIS: Final[dict[str, object]] = {"format": "d", "tickMinStep": 1}
"""Counts are whole: no "0.5" tick, and no "0.000000" when every value is zero."""


def empty_text(values: pd.DataFrame | pd.Series, *, k: int | None = None) -> str | None:
    """The sentence a chart of daily counts ``values`` (NaN: suppressed at ``k``) shows instead of itself when
    no value is above zero; ``None`` when there is something to draw."""
    numbers = pd.DataFrame(values).to_numpy(dtype=float)
    if (numbers > 0).any():
        return None
    hidden = int(np.isnan(numbers).any(axis=1).sum()) if numbers.ndim == 2 else 0
    if hidden and k is not None:
        # A day blanked so that a total does not give a small one back may hold k or more: "withheld" covers both.
        return ngettext("Nothing to chart: {n} day withheld (1 to {last} events, or hidden with such a day, k={k}); "
                        "the others had none.",
                        "Nothing to chart: {n} days withheld (1 to {last} events, or hidden with such a day, k={k}); "
                        "the others had none.", hidden).format(n=tr().number(hidden), last=tr().number(k - 1), k=k)
    return _("Nothing to chart: no events on any day of the period.")


def moment_labels(moments: pd.DatetimeIndex) -> list[str]:
    """One label per point of a chart over time (UTC), in this session's language: days as the daily bars label
    them, hours with their day (``30 Νοε, 14:00``)."""
    if len(moments) and (moments == moments.normalize()).all():
        return day_labels(moments, tr=tr(), sep=" ")
    locale = tr().language.locale
    joined = get_datetime_format("short", locale=locale)
    return [joined.format(format_skeleton("Hm", moment, tzinfo=timezone.utc, locale=locale),
                          format_skeleton("MMMd", moment, tzinfo=timezone.utc, locale=locale)) for moment in moments]


def time_lines(frame: pd.DataFrame, *, y_title: str, height: int, counts: bool = True, k: int | None = None) -> None:
    """Lines over time: ``frame`` indexed by UTC moments, one column per line (named as the legend names it); the
    x labels in the session's language (:func:`moment_labels`), the y axis titled ``y_title``. Whole-number ticks
    for ``counts``, where a frame with nothing above zero is the sentence of :func:`empty_text` instead. ``height``
    (pixels) holds one row of the legend; the chart grows by each further row."""
    empty = empty_text(frame, k=k) if counts else None
    if empty:
        st.caption(empty)
        return
    labels = moment_labels(pd.DatetimeIndex(frame.index))
    long = frame.set_axis(np.arange(len(frame))).rename_axis("order").reset_index().melt(
        id_vars="order", var_name="line", value_name="value")
    long["moment"] = [labels[i] for i in long["order"]]
    chart = alt.Chart(long).mark_line(point=len(frame) <= MAX_LABELLED_NARROW).encode(
        x=alt.X("order:O", title=None, axis=alt.Axis(labelAngle=0, labelOverlap="greedy",
                                                      labelExpr=f"{json.dumps(labels)}[datum.value]")),
        y=alt.Y("value:Q", title=y_title, axis=alt.Axis(**COUNT_AXIS) if counts else alt.Axis()),
        color=alt.Color("line:N", legend=_line_legend() if frame.shape[1] > 1 else None),
        tooltip=[alt.Tooltip("moment:N", title=_("time (UTC)")), alt.Tooltip("line:N", title=None),
                 alt.Tooltip("value:Q", title=y_title)],
    )
    legend_rows = math.ceil(frame.shape[1] / LEGEND_COLUMNS) if frame.shape[1] > 1 else 1
    st.altair_chart(chart, height=height + (legend_rows - 1) * LEGEND_ROW_PX, width="stretch")


def _line_legend() -> alt.Legend:
    """The lines' names under the chart in :data:`LEGEND_COLUMNS` columns, each name cut (with "…", in full in
    the tooltip) to its column's share of the chart's width: in one row, five section names ran past the right
    edge of a half-page column, in any language."""
    return alt.Legend(title=None, orient="bottom", columns=LEGEND_COLUMNS, labelLimit=alt.ExprRef(
        expr=f"max({MIN_LEGEND_LABEL_PX}, width / {LEGEND_COLUMNS} - {LEGEND_SYMBOL_PX})"))


def daily_bars(series: pd.Series, window: TimeWindow, *, height: int, k: int | None = None) -> None:
    """Events per UTC day as bars, in order, one label each up to :data:`MAX_LABELLED` bars, as many as fit beyond; part-days pale, with a legend entry when
    present and their hours in the tooltip. Nothing above zero (counts below ``k`` are NaN): a sentence instead."""
    empty = empty_text(series, k=k)
    if empty:
        st.caption(empty)
        return
    frame = daily_frame(series, window)
    whole, part = _("whole day"), _("part-day")
    chart = alt.Chart(frame).mark_bar().encode(
        # Bars in order by position; each labelled with its own day (labels repeat past a month, positions do not).
        x=alt.X("order:O", title=None, axis=alt.Axis(labelAngle=0, labelOverlap=(
                    False if len(frame) <= MAX_LABELLED else "greedy"),
                                                      labelExpr=f"{json.dumps(list(frame['label']))}[datum.value]")),
        y=alt.Y("events:Q", title=_("events"), axis=alt.Axis(**COUNT_AXIS)),
        color=alt.Color("kind:N", scale=alt.Scale(domain=[whole, part], range=[WHOLE_COLOUR, PART_COLOUR]),
                        legend=alt.Legend(title=None, orient="bottom") if (frame["kind"] == part).any() else None),
        tooltip=[alt.Tooltip("day:N", title=_("day (UTC)")), alt.Tooltip("events:Q", title=_("events")),
                 alt.Tooltip("hours:Q", title=_("hours in the period"))],
    )
    st.altair_chart(chart, height=height, width="stretch")
