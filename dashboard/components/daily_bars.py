"""Daily bars on the pages: one date label under each bar, the part-days at a period's ends marked as such.

A preset period ("last 7 days") starts and ends mid-day, so its first and last days count only the
hours inside it; drawn like the others they read as a sudden fall. Here they are drawn pale, named
"part-day" in the legend, and their tooltip says how many hours they hold (the PDF hatches them).
"""

from __future__ import annotations

import json
from typing import Final

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from dashboard.i18n import _, tr
from geo.briefing import day_labels
from geo.timewindow import TimeWindow, day_shares

WHOLE_COLOUR: Final[str] = "#4a6fa5"
PART_COLOUR: Final[str] = "#b9c6dc"
MAX_LABELLED: Final[int] = 31
MAX_LABELLED_NARROW: Final[int] = 14
"""Up to this many bars every one carries its date; a longer period (months of history) labels as many as fit
without overlapping, else the labels run into one smear."""


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


def daily_bars(series: pd.Series, window: TimeWindow, *, height: int, narrow: bool = False) -> None:
    """Events per UTC day as bars, in order, one label each up to :data:`MAX_LABELLED` bars (slanted in a ``narrow``
    column, where they would run into each other), as many as fit beyond; part-days pale, with a legend entry when
    present and their hours in the tooltip."""
    frame = daily_frame(series, window)
    whole, part = _("whole day"), _("part-day")
    chart = alt.Chart(frame).mark_bar().encode(
        # Bars in order by position; each labelled with its own day (labels repeat past a month, positions do not).
        x=alt.X("order:O", title=None, axis=alt.Axis(labelAngle=-45 if narrow else 0, labelOverlap=(
                    False if len(frame) <= (MAX_LABELLED_NARROW if narrow else MAX_LABELLED) else "greedy"),
                                                      labelExpr=f"{json.dumps(list(frame['label']))}[datum.value]")),
        y=alt.Y("events:Q", title=_("events")),
        color=alt.Color("kind:N", scale=alt.Scale(domain=[whole, part], range=[WHOLE_COLOUR, PART_COLOUR]),
                        legend=alt.Legend(title=None, orient="bottom") if (frame["kind"] == part).any() else None),
        tooltip=[alt.Tooltip("day:N", title=_("day (UTC)")), alt.Tooltip("events:Q", title=_("events")),
                 alt.Tooltip("hours:Q", title=_("hours in the period"))],
    )
    st.altair_chart(chart, height=height, width="stretch")
