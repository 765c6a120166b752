"""KPI tiles: events and persons in the window, with the change against the previous window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from dashboard import cache
from geo.grid import EventIndex, Filters
from geo.i18n import Translator
from geo.timewindow import same_hours_day_before


@dataclass(frozen=True, slots=True)
class Kpi:
    """One tile: its label, value, change against the previous window (``None``: none shown) and help."""

    label: str
    value: str
    delta: str | None = None
    help: str | None = None


def _signed(value: float, text: str) -> str:
    """``text`` (a formatted magnitude) with the sign of ``value`` (Streamlit colours a delta by its sign)."""
    return f"{'+' if value > 0 else '-' if value < 0 else '±'}{text}"


def _delta(current: int, previous: int | None, tr: Translator) -> str | None:
    """'+12 (+5%)' against the previous window; ``None`` (no delta shown) when there is none to compare."""
    if previous is None:
        return None
    change = current - previous
    amount = _signed(change, tr.number(abs(change)))
    if previous == 0:
        return tr.gettext("{change} (new)").format(change=amount) if change else "±0"
    return f"{amount} ({_signed(change, tr.percent(abs(change) / previous))})"


def kpi_figures(index: EventIndex, filters: Filters, *, hot_cells: int, data_start: datetime,
                tr: Translator, replayed: bool = False) -> tuple[Kpi, ...]:
    """Events, persons, high-impact events and active hexagons in ``tr``'s language, with deltas against the previous
    window, or for a ``replayed`` frame against the same hours of the day before (a part-day frame meets the same
    part of a day, never a whole one).

    When the span compared with reaches back before ``data_start`` there is nothing fair to compare
    with, and no delta is shown.
    """
    now = cache.totals(index, filters.window, filters.types)
    earlier = same_hours_day_before(filters.window) if replayed else filters.window.previous()
    before = cache.totals(index, earlier, filters.types) if earlier.start >= data_start else None
    compared = (tr.gettext("Change against the same hours of the day before (none when they precede the data).")
                if replayed else
                tr.gettext("Change against the previous window of the same length (none when it precedes the data)."))
    return (
        Kpi(tr.gettext("Events"), tr.number(now.events),
            _delta(now.events, None if before is None else before.events, tr),
            compared),
        Kpi(tr.gettext("Persons"), tr.number(now.persons),
            _delta(now.persons, None if before is None else before.persons, tr),
            tr.gettext("Persons involved (apprehended, detected, refused, rescued).")),
        Kpi(tr.gettext("High / very high impact"), tr.number(now.high_impact),
            _delta(now.high_impact, None if before is None else before.high_impact, tr)),
        Kpi(tr.gettext("Hexagons with events"), tr.number(hot_cells),
            help=tr.gettext("H3 cells at resolution {res} with at least one event in the window.").format(
                res=filters.res)),
    )


def kpi_tiles(kpis: tuple[Kpi, ...]) -> None:
    """Draw the tiles of :func:`kpi_figures` in one row."""
    for col, kpi in zip(st.columns(len(kpis)), kpis):
        col.metric(kpi.label, kpi.value, kpi.delta, delta_color="inverse",
                   border=True, help=kpi.help)
