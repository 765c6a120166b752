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

from dashboard.i18n import tr as session_tr
from dashboard.plain import plain
from dashboard.terms import term
from geo.analysis import AlertRule, unusual_cells, unusual_word
from geo.grid import EventIndex, Filters, cell_latlng
from geo.i18n import Translator
from geo.models import HIGH_IMPACT
from geo.spatial import describe_place
from geo.timewindow import TimeWindow

BANNER_WINDOW: Final[timedelta] = timedelta(minutes=30)
TICKER_ROWS: Final[int] = 8
FEED_FRESH_S: Final[float] = 60.0
FEED_COUNTS: Final[tuple[str, ...]] = ("events", "units", "reports")
"""What a feed's chip counts, where non-zero: an event feed its events, a report feed its queued reports."""
ALERT_ROWS: Final[int] = 6


def _count(tr: Translator, column: str, n: int) -> str:
    """A feed's count of ``column`` (one of :data:`FEED_COUNTS`) in words."""
    if column == "events":
        text = tr.ngettext("{n} event", "{n} events", n)
    elif column == "units":
        text = tr.ngettext("{n} unit fix", "{n} unit fixes", n)
    else:
        text = tr.ngettext("{n} report queued", "{n} reports queued", n)
    return text.format(n=tr.number(n))


def _ago(tr: Translator, now: datetime, then: pd.Timestamp) -> str:
    return tr.ago(max(pd.Timestamp(now) - then, pd.Timedelta(0)).to_pytimedelta())


def _where(row: pd.Series, towns: pd.DataFrame, tr: Translator) -> str:
    return describe_place(lat=float(row["lat"]), lon=float(row["lon"]), towns=towns, tr=tr)


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


def banner_text(index: EventIndex, *, now: datetime, towns: pd.DataFrame, tr: Translator) -> str | None:
    """The red banner's Markdown while high-impact events of the last half hour exist, else ``None``."""
    recent = index.recent(now - BANNER_WINDOW, now)
    high = recent[recent["impact"].isin(HIGH_IMPACT)]
    if high.empty:
        return None
    latest = high.iloc[-1]
    persons = int(latest["persons"])
    text = tr.ngettext("**{n} high-impact event in the last {minutes} min** · latest: {type}, {persons}, {where}, {ago}",
                       "**{n} high-impact events in the last {minutes} min** · latest: {type}, {persons}, {where}, "
                       "{ago}", len(high))
    return text.format(n=len(high), minutes=round(BANNER_WINDOW.total_seconds() / 60), type=term(tr, latest["type"]),
                       persons=tr.ngettext("{n} person", "{n} persons", persons).format(n=persons),
                       where=plain(_where(latest, towns, tr)), ago=_ago(tr, now, latest["occurred_at"]))


def alert_banner(text: str | None) -> None:
    """Draw the banner of :func:`banner_text`, if any."""
    if text:
        st.error(text, icon=":material/warning:")


def ticker_text(index: EventIndex, *, now: datetime, towns: pd.DataFrame, tr: Translator) -> PanelText:
    """The newest events, newest first: when, what, where (nearest town), persons."""
    latest = index.latest(TICKER_ROWS).iloc[::-1]
    lines = []
    for _, row in latest.iterrows():
        flag = "<span style='color:#e5484d'>●</span> " if row["impact"] in HIGH_IMPACT else ""
        persons = tr.ngettext("{n} pers.", "{n} pers.", int(row["persons"])).format(n=int(row["persons"]))
        lines.append(f"<div style='margin:2px 0'>{flag}<b>{html.escape(term(tr, row['type']))}</b> · "
                     f"{plain(_where(row, towns, tr))} · {html.escape(persons)} · "
                     f"<span style='opacity:.7'>{html.escape(_ago(tr, now, row['occurred_at']))}</span></div>")
    heading = tr.gettext("Latest events")
    return PanelText(f"<div data-testid='limes-ticker' style='font-size:0.85rem'>"
                     f"<b>{html.escape(heading)}</b>{''.join(lines)}</div>")


def feed_text(health: pd.DataFrame, *, now: datetime, tr: Translator | None = None) -> PanelText:
    """One chip per feed: green when it answered within a minute, amber when late, red after an error (in ``tr``'s
    language, else the session's)."""
    if health.empty:
        return PanelText()
    tr = tr or session_tr()
    chips = []
    for _, feed in health.iterrows():
        ok = pd.notna(feed["last_success"])
        failing = pd.notna(feed["last_error_at"]) and (not ok or feed["last_error_at"] > feed["last_success"])
        fresh = ok and (pd.Timestamp(now) - feed["last_success"]).total_seconds() <= FEED_FRESH_S
        colour = "#e5484d" if failing else ("#30a46c" if fresh else "#f5a524")
        if failing:
            detail = tr.gettext("error: {message}").format(message=feed["last_error"])
        elif pd.notna(feed["lag_s"]):
            detail = tr.gettext("{ago}, lag {seconds} s").format(ago=_ago(tr, now, feed["last_success"]),
                                                                 seconds=tr.number(feed["lag_s"], decimals=0))
        else:
            detail = _ago(tr, now, feed["last_success"])
        counts = ", ".join(_count(tr, column, int(feed[column])) for column in FEED_COUNTS if feed[column]) \
            or tr.gettext("nothing yet")
        chips.append(f"<span style='margin-right:14px'><span style='color:{colour}'>●</span> "
                     f"<b>{plain(feed['feed'])}</b> {plain(detail)} · {html.escape(counts)}</span>")
    return PanelText(f"<div data-testid='limes-feeds' style='font-size:0.8rem'>{''.join(chips)}</div>")


def _p_help(p: float, tr: Translator) -> str:
    """The p-value behind an "unusual" word, for its tooltip."""
    return tr.gettext("p = {p} (chance of this many events or more if the cell were as busy as in past weeks)").format(
        p=f"{p:.1e}")


def unusual_text(index: EventIndex, filters: Filters, rule: AlertRule, *, window: timedelta, now: datetime,
                 towns: pd.DataFrame, tr: Translator) -> PanelText:
    """The cells where the latest ``window`` is improbable against the same hours of past weeks, most surprising first."""
    latest = Filters(TimeWindow(now - window, now), filters.types, filters.res)
    alerts = unusual_cells(index, latest, rule)
    hours = tr.number(window.total_seconds() / 3600)
    span = index.time_range()
    if alerts.empty and span is not None and span[1] < now - timedelta(weeks=rule.weeks):  # years-old history
        return PanelText(caption=tr.gettext(
            "No alerts: they compare the last {hours} h with the same hours of the past {weeks} weeks, and the stored "
            "events end on {day}.").format(hours=hours, weeks=rule.weeks, day=tr.date(span[1].date())))
    if alerts.empty:
        return PanelText(caption=tr.ngettext(
            "Nothing unusual in the last {hours} h against the same hours of the past {weeks} weeks (p ≤ {p}, ≥ {n} "
            "event).",
            "Nothing unusual in the last {hours} h against the same hours of the past {weeks} weeks (p ≤ {p}, ≥ {n} "
            "events).", rule.min_events).format(hours=hours, weeks=rule.weeks, p=tr.number(rule.max_p),
                                               n=rule.min_events))
    lines = []
    for cell, row in alerts.head(ALERT_ROWS).iterrows():
        lat, lon = cell_latlng(int(cell))
        place = describe_place(lat=lat, lon=lon, towns=towns, tr=tr)
        observed = tr.ngettext("{n} event", "{n} events", int(row["observed"])).format(n=int(row["observed"]))
        usual = tr.gettext("vs {expected} usual").format(expected=tr.number(row["expected"], decimals=1))
        lines.append(f"<div style='margin:2px 0'><span style='color:#f5a524'>▲</span> <b>{html.escape(observed)}</b> "
                     f"{html.escape(usual)} · {html.escape(place)} "
                     f"<span style='opacity:.7' title='{html.escape(_p_help(row['p'], tr))}'>"
                     f"{html.escape(unusual_word(row['p'], tr))}</span></div>")
    more_text = tr.gettext("and {n} more").format(n=len(alerts) - ALERT_ROWS)
    more = f"<div style='opacity:.7'>{html.escape(more_text)}</div>" if len(alerts) > ALERT_ROWS else ""
    heading = tr.ngettext("Unusual in the last {hours} h ({n} cell)", "Unusual in the last {hours} h ({n} cells)",
                          len(alerts)).format(hours=hours, n=len(alerts))
    return PanelText(f"<div data-testid='limes-alerts' style='font-size:0.85rem'><b>{html.escape(heading)}</b>"
                     f"{''.join(lines)}{more}</div>")
