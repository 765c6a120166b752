"""Live panels: the high-impact banner, unusual cells, the ticker of latest events, and the feeds' status strip.

Each panel is text built by a pure ``*_text`` function (computed once per server and second for
every session showing the same view, see :mod:`dashboard.components.live_frame`) and drawn by
:func:`show_panel`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import pandas as pd
import streamlit as st

from dashboard.i18n import tr
from dashboard.plain import plain
from geo.analysis import AlertRule, unusual_cells, unusual_word
from geo.grid import EventIndex, Filters, cell_latlng
from geo.models import EVENT_TYPE_LABELS, HIGH_IMPACT
from geo.spatial import describe_place
from geo.timewindow import TimeWindow, describe_age

BANNER_WINDOW: Final[timedelta] = timedelta(minutes=30)
TICKER_ROWS: Final[int] = 8
FEED_FRESH_S: Final[float] = 60.0
FEED_COUNTS: Final[tuple[tuple[str, str], ...]] = (("events", "events"), ("units", "unit fixes"),
                                                   ("reports", "reports queued"))
"""What a feed's chip counts, where non-zero: an event feed its events, a report feed its queued reports."""
ALERT_ROWS: Final[int] = 6


def _ago(now: datetime, then: pd.Timestamp) -> str:
    return f"{describe_age((pd.Timestamp(now) - then).total_seconds())} ago"


def _where(row: pd.Series, towns: pd.DataFrame) -> str:
    return describe_place(lat=float(row["lat"]), lon=float(row["lon"]), towns=towns)


@dataclass(frozen=True, slots=True)
class PanelText:
    """A panel as text: Markdown with our own HTML (outside text already passed through :func:`plain`), or a
    caption."""

    markdown: str = ""
    caption: str = ""


def show_panel(panel: PanelText) -> None:
    """Draw a panel built by one of the ``*_text`` functions."""
    if panel.markdown:
        st.markdown(panel.markdown, unsafe_allow_html=True)
    if panel.caption:
        st.caption(panel.caption)


def banner_text(index: EventIndex, *, now: datetime, towns: pd.DataFrame) -> str | None:
    """The red banner's Markdown while high-impact events of the last half hour exist, else ``None``."""
    recent = index.recent(now - BANNER_WINDOW, now)
    high = recent[recent["impact"].isin(HIGH_IMPACT)]
    if high.empty:
        return None
    latest = high.iloc[-1]
    return (f"**{len(high)} high-impact event{'s' if len(high) > 1 else ''} in the last "
            f"{BANNER_WINDOW.total_seconds() / 60:.0f} min** · latest: "
            f"{EVENT_TYPE_LABELS[latest['type']]}, {int(latest['persons'])} persons, {_where(latest, towns)}, "
            f"{_ago(now, latest['occurred_at'])}")


def alert_banner(text: str | None) -> None:
    """Draw the banner of :func:`banner_text`, if any."""
    if text:
        st.error(text, icon=":material/warning:")


def ticker_text(index: EventIndex, *, now: datetime, towns: pd.DataFrame) -> PanelText:
    """The newest events, newest first: when, what, where (nearest town), persons."""
    latest = index.latest(TICKER_ROWS).iloc[::-1]
    lines = []
    for _, row in latest.iterrows():
        flag = "<span style='color:#e5484d'>●</span> " if row["impact"] in HIGH_IMPACT else ""
        lines.append(f"<div style='margin:2px 0'>{flag}<b>{html.escape(EVENT_TYPE_LABELS[row['type']])}</b> · "
                     f"{plain(_where(row, towns))} · {int(row['persons'])} pers. · "
                     f"<span style='opacity:.7'>{_ago(now, row['occurred_at'])}</span></div>")
    return PanelText(f"<div data-testid='limes-ticker' style='font-size:0.85rem'><b>Latest events</b>"
                     f"{''.join(lines)}</div>")


def feed_text(health: pd.DataFrame, *, now: datetime) -> PanelText:
    """One chip per feed: green when it answered within a minute, amber when late, red after an error."""
    if health.empty:
        return PanelText()
    chips = []
    for _, feed in health.iterrows():
        ok = pd.notna(feed["last_success"])
        failing = pd.notna(feed["last_error_at"]) and (not ok or feed["last_error_at"] > feed["last_success"])
        fresh = ok and (pd.Timestamp(now) - feed["last_success"]).total_seconds() <= FEED_FRESH_S
        colour = "#e5484d" if failing else ("#30a46c" if fresh else "#f5a524")
        detail = (f"error: {feed['last_error']}" if failing else
                  f"{_ago(now, feed['last_success'])}" + (f", lag {feed['lag_s']:.0f} s" if pd.notna(feed["lag_s"]) else ""))
        counts = ", ".join(f"{int(feed[column]):,} {label}" for column, label in FEED_COUNTS if feed[column]) or "nothing yet"
        chips.append(f"<span style='margin-right:14px'><span style='color:{colour}'>●</span> "
                     f"<b>{plain(feed['feed'])}</b> {plain(detail)} · {counts}</span>")
    return PanelText(f"<div data-testid='limes-feeds' style='font-size:0.8rem'>{''.join(chips)}</div>")


def _p_help(p: float) -> str:
    """The p-value behind an "unusual" word, for its tooltip."""
    return tr().gettext("p = {p} (chance of this many events or more if the cell were as busy as in past weeks)").format(
        p=f"{p:.1e}")


def unusual_text(index: EventIndex, filters: Filters, rule: AlertRule, *, window: timedelta, now: datetime,
                 towns: pd.DataFrame) -> PanelText:
    """The cells where the latest ``window`` is improbable against the same hours of past weeks, most surprising first."""
    latest = Filters(TimeWindow(now - window, now), filters.types, filters.res)
    alerts = unusual_cells(index, latest, rule)
    span = f"{window.total_seconds() / 3600:g} h"
    if alerts.empty:
        return PanelText(caption=f"Nothing unusual in the last {span} against the same hours of the past "
                                 f"{rule.weeks} weeks (p ≤ {rule.max_p:g}, ≥ {rule.min_events} events).")
    lines = []
    for cell, row in alerts.head(ALERT_ROWS).iterrows():
        lat, lon = cell_latlng(int(cell))
        place = describe_place(lat=lat, lon=lon, towns=towns)
        lines.append(f"<div style='margin:2px 0'><span style='color:#f5a524'>▲</span> <b>{int(row['observed'])} events</b> "
                     f"vs {row['expected']:.1f} usual · {html.escape(place)} "
                     f"<span style='opacity:.7' title='{html.escape(_p_help(row['p']))}'>"
                     f"{html.escape(unusual_word(row['p'], tr()))}</span></div>")
    more = f"<div style='opacity:.7'>and {len(alerts) - ALERT_ROWS} more</div>" if len(alerts) > ALERT_ROWS else ""
    return PanelText(f"<div data-testid='limes-alerts' style='font-size:0.85rem'><b>Unusual in the last {span}</b> "
                     f"({len(alerts)} cells){''.join(lines)}{more}</div>")
