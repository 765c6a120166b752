"""What colours the hexagons (event counts, Gi* hot spots or emerging hot spots), its legend, and its drill-down."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st

from dashboard import cache
from dashboard.components.daily_bars import time_lines
from dashboard.components.filters import COUNT, EMERGING, STEPS, Analysis
from dashboard.config import settings
from dashboard.i18n import _, ngettext, tr
from dashboard.terms import term
from geo.analysis import (
    CATEGORIES,
    NO_PATTERN,
    UNUSUAL_WORDS,
    EmergingParams,
    categories_text,
    cell_z_series,
    classify,
    emerging_areas,
    gi_star,
    neighbourhood_counts,
    study_area,
    unusual_word,
)
from geo.errors import LimesError, describe
from geo.grid import EventIndex, Filters, cell_latlng
from geo.i18n import N_, Translator, moment_with_local
from geo.spatial import describe_place
from geo.timewindow import TimeWindow
from layers.colours import (
    EMERGING_COLOURS,
    LegendEntry,
    code_colour_expression,
    count_breaks,
    emerging_legend,
    hotspot_colour_expression,
    hotspot_legend,
    legend,
)
from layers.deck import TOOLTIP_STYLE
from layers.hexagons import hexagon_layer

EMERGING_ROWS: Final[int] = 8
GI_VERDICTS: Final[dict[int, str]] = {
    0: N_("no unusual cluster here"),
    1: N_("hot spot, {word} ({confidence} % confidence)"),
    -1: N_("cold spot, {word} ({confidence} % confidence)"),
}
"""A cell's Gi* class in words (by the sign of its class); z and p go in the help."""


@dataclass(frozen=True)
class DataLayer:
    """The hexagon layer of an analysis with its legend, title and tooltip."""

    layer: pdk.Layer
    legend: list[LegendEntry]
    title: str
    tooltip: dict[str, object]
    gi: pd.DataFrame | None = None
    """Gi* statistics of the study area (hot spot mode), kept for the drill-down."""
    counts: pd.DataFrame | None = None
    """Each study-area cell's own count and the count in the k rings around it (hot spot mode)."""


def _tooltip(mode: str, tr: Translator) -> dict[str, object]:
    """The hexagons' tooltip (``{value}`` and ``{label}`` are deck.gl's placeholders, filled in the browser)."""
    if mode == COUNT:
        text = tr.gettext("Events: <b>{value}</b>")
    elif mode == EMERGING:
        text = "{label}"
    else:
        text = tr.gettext("Gi* class <b>{value}</b> (±3: 99 %, ±2: 95 %, ±1: 90 %)")
    return {"html": text, "style": TOOLTIP_STYLE}


def _steps(tr: Translator, analysis: Analysis, n: int) -> str:
    """``n`` weeks or days (the analysis's time step), in words."""
    if analysis.step == "Week":
        return tr.ngettext("{n} week", "{n} weeks", n).format(n=n)
    return tr.ngettext("{n} day", "{n} days", n).format(n=n)


def _end(tr: Translator, window: TimeWindow, now: datetime) -> str:
    return moment_with_local(tr, window.end, now=now, zone=settings().region.time_zone)


def cube_window(index: EventIndex, filters: Filters, analysis: Analysis, now: datetime) -> TimeWindow:
    """The space-time cube's horizon: ending with the map's window, or with the data when it ended earlier."""
    span = index.time_range()
    return analysis.cube_window(now, window_end=filters.window.end, data_end=None if span is None else span[1])


def _cube_filters(index: EventIndex, filters: Filters, analysis: Analysis, now: datetime) -> Filters:
    return Filters(cube_window(index, filters, analysis, now), filters.types, analysis.res)


def layer_res(filters: Filters, analysis: Analysis) -> int:
    """The H3 resolution of the hexagons drawn: the analysis's own for emerging hot spots, else the map's."""
    return analysis.res if analysis.mode == EMERGING else filters.res


def emerging_result(index: EventIndex, filters: Filters, analysis: Analysis, now: datetime
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The space-time cube and the emerging hot spot result for the map's filters (cached)."""
    return cache.emerging(index, cache.index_key(index), _cube_filters(index, filters, analysis, now),
                          int(STEPS[analysis.step].total_seconds()), EmergingParams(k=analysis.k))


def _emerging_or_reason(index: EventIndex, filters: Filters, analysis: Analysis, now: datetime
                        ) -> tuple[pd.DataFrame, pd.DataFrame] | str:
    """:func:`emerging_result`, or why there is none (too few cells or steps): a message for the panel, not a crash."""
    try:
        return emerging_result(index, filters, analysis, now)
    except LimesError as exc:
        window = cube_window(index, filters, analysis, now)
        words = tr()
        return words.gettext("No emerging hot spot analysis for the {steps} to {end}: {reason}. Gi* compares each cell "
                             "with its neighbours, so the period needs events in at least a few places: choose a "
                             "window that holds data.").format(steps=_steps(words, analysis, analysis.n_steps),
                                                               end=_end(words, window, now),
                                                               reason=describe(exc, words))


def data_layer(index: EventIndex, filters: Filters, cells: pd.DataFrame, analysis: Analysis, *, now: datetime,
               tr: Translator) -> DataLayer:
    """The hexagon layer for ``analysis``: counts, Gi* hot and cold spots, or emerging hot spot categories; its
    legend, title and tooltip in ``tr``'s language."""
    if analysis.mode == COUNT:
        hours = filters.window.duration.total_seconds() / 3600.0
        breaks = count_breaks(cells["events"], window_h=hours, res=filters.res)  # alike for windows of one length
        length = (tr.gettext("{n} h").format(n=round(hours)) if hours < 48 else
                  tr.ngettext("{n} day", "{n} days", round(hours / 24)).format(n=round(hours / 24)))
        return DataLayer(hexagon_layer(cells["cell"], cells["events"], breaks=breaks),
                         legend(breaks, unit="events", tr=tr),
                         tr.gettext("Events per hexagon (res {res}, {length})").format(res=filters.res, length=length),
                         _tooltip(COUNT, tr))
    if analysis.mode == EMERGING:
        window = cube_window(index, filters, analysis, now)
        outcome = _emerging_or_reason(index, filters, analysis, now)
        if isinstance(outcome, str):
            return DataLayer(hexagon_layer(pd.Series([], dtype=np.uint64), pd.Series([], dtype=int),
                                           fill_expression=code_colour_expression(EMERGING_COLOURS),
                                           labels=pd.Series([], dtype=object)),
                             [], tr.gettext("Emerging hot spots: none for {steps} to {end}").format(
                                 steps=_steps(tr, analysis, analysis.n_steps), end=_end(tr, window, now)),
                             _tooltip(EMERGING, tr))
        cube, result = outcome
        shown = result[result["category"] != NO_PATTERN]
        codes = shown["category"].map(CATEGORIES.index)
        layer = hexagon_layer(pd.Series(shown.index.to_numpy(dtype=np.uint64)), codes,
                              fill_expression=code_colour_expression(EMERGING_COLOURS),
                              labels=shown["category"].map(lambda c: term(tr, c)))
        return DataLayer(layer, emerging_legend(codes.tolist(), tr),
                         tr.gettext("Emerging hot spots: {steps} to {end} (res {res}, k {k})").format(
                             steps=_steps(tr, analysis, cube.shape[1]), end=_end(tr, window, now), res=analysis.res,
                             k=analysis.k),
                         _tooltip(EMERGING, tr))
    area = study_area(index.cells_at(filters.res))
    gi = counts = None
    classes = pd.Series(dtype=int)
    if len(area) >= 3:
        values = cells.set_index("cell")["events"].reindex(area, fill_value=0).astype(float)
        try:
            gi = gi_star(values, k=analysis.k)
            classes = classify(gi)
            counts = neighbourhood_counts(values, k=analysis.k)
        except LimesError:  # e.g. a window without events: every cell 0, Gi* undefined; no hot spot to draw
            gi = None
    significant = classes[classes != 0]
    layer = hexagon_layer(pd.Series(significant.index.to_numpy(dtype=np.uint64)), significant,
                          fill_expression=hotspot_colour_expression())
    hot = classes[classes > 0].index
    if counts is None or hot.empty:
        title = tr.ngettext("Gi* hot/cold spots, FDR (res {res}, k {k}, {n} cell)",
                            "Gi* hot/cold spots, FDR (res {res}, k {k}, {n} cells)", len(area))
    else:
        title = tr.ngettext("Gi* hot/cold spots, FDR (res {res}, k {k}, {n} cells; {empty} of {hot} hot cell has no "
                            "events of its own)",
                            "Gi* hot/cold spots, FDR (res {res}, k {k}, {n} cells; {empty} of {hot} hot cells have no "
                            "events of their own)", len(hot))
    title = title.format(res=filters.res, k=analysis.k, n=tr.number(len(area)), hot=tr.number(len(hot)),
                         empty=tr.number(0 if counts is None else int((counts.loc[hot, "own"] == 0).sum())))
    return DataLayer(layer, hotspot_legend(tr), title, _tooltip(analysis.mode, tr), gi=gi, counts=counts)


def neighbourhood_text(own: int, around: int, *, k: int, hot: bool) -> str:
    """Why a cell has its Gi* value, in counts: "0 here, 23 within 1 ring around it"."""
    words = tr()
    if hot and own == 0:
        text = ngettext("Hot because its neighbours are busy: {own} here, {around} within {k} ring around it. Gi* "
                        "weighs each cell together with its neighbours; this cell itself had no events.",
                        "Hot because its neighbours are busy: {own} here, {around} within {k} rings around it. Gi* "
                        "weighs each cell together with its neighbours; this cell itself had no events.", k)
    else:
        text = ngettext("{own} here, {around} within {k} ring around it.",
                        "{own} here, {around} within {k} rings around it.", k)
    return text.format(own=words.number(own), around=words.number(around), k=k)


def emerging_summary(index: EventIndex, filters: Filters, analysis: Analysis, *, now: datetime,
                     towns: pd.DataFrame) -> None:
    """The emerging areas (touching new, consecutive or intensifying cells) with their nearest town, then counts per category."""
    outcome = _emerging_or_reason(index, filters, analysis, now)
    if isinstance(outcome, str):
        st.info(outcome)
        return
    words = tr()
    result = outcome[1]
    counts = result["category"].value_counts()
    shown = [c for c in CATEGORIES if c != NO_PATTERN and c in counts.index]
    rows = "".join(f"<div>{html.escape(term(words, c))}: <b>{words.number(int(counts[c]))}</b></div>" for c in shown)
    areas = emerging_areas(result)
    # A lone cell at the edge of a steady corridor crosses the threshold by chance in about one run in
    # three (measured on the scenario); areas of touching cells are what a corridor looks like.
    grouped, isolated = areas[areas["cells"] >= 2], areas[areas["cells"] == 1]
    lines = []
    for area in grouped.head(EMERGING_ROWS).to_dict("records"):
        where = html.escape(describe_place(lat=area["lat"], lon=area["lon"], towns=towns, tr=words))
        categories = categories_text(area["categories"], words)
        lines.append(f"<div style='margin:2px 0'><span style='color:#eb28ff'>◆</span> <b>{where}</b>: "
                     f"{html.escape(categories)}</div>")
    if len(isolated):
        more = ngettext("and {n} isolated cell (see the table)", "and {n} isolated cells (see the table)",
                        len(isolated)).format(n=len(isolated))
        lines.append(f"<div style='opacity:.75'>{html.escape(more)}</div>")
    none, heading = _("No new, consecutive or intensifying hot spot."), _("Emerging")
    verdict = "".join(lines) or f"<div>{html.escape(none)}</div>"
    st.markdown(f"<div data-testid='limes-emerging' style='font-size:0.85rem'><b>{html.escape(heading)}</b>"
                f"{verdict}"
                f"<div style='margin-top:6px;opacity:.85'>{rows}</div></div>", unsafe_allow_html=True)


def emerging_table(index: EventIndex, filters: Filters, analysis: Analysis, *, now: datetime,
                   towns: pd.DataFrame) -> None:
    """Every cell with a pattern: where, category, hot and cold steps, trend and last z-score; emerging first."""
    outcome = _emerging_or_reason(index, filters, analysis, now)
    if isinstance(outcome, str):
        return  # the side panel says why
    result = outcome[1]
    shown = result[result["category"] != NO_PATTERN].copy()
    shown["order"] = shown["category"].map(CATEGORIES.index)
    shown = shown.sort_values(["order", "z_final"], ascending=[True, False])
    centres = [cell_latlng(int(c)) for c in shown.index]
    words = tr()
    table = pd.DataFrame({
        _("Category"): [term(words, c) for c in shown["category"]],
        _("Where"): [describe_place(lat=lat, lon=lon, towns=towns, tr=words) for lat, lon in centres],
        _("Hot steps"): shown["hot_steps"].to_numpy(), _("Cold steps"): shown["cold_steps"].to_numpy(),
        _("Trend τ"): shown["trend_tau"].round(2).to_numpy(), _("Trend p"): shown["trend_p"].to_numpy(),
        _("Last z"): shown["z_final"].round(2).to_numpy(), _("Cell"): [format(int(c), "x") for c in shown.index],
    })
    title = ngettext("Emerging hot spot table: {n} cell with a pattern", "Emerging hot spot table: {n} cells with a "
                     "pattern", len(table)).format(n=words.number(len(table)))
    with st.expander(title):
        st.dataframe(table, hide_index=True, width="stretch",
                     column_config={_("Trend p"): st.column_config.NumberColumn(format="%.2g")})


def analysis_detail(index: EventIndex, cell: int, filters: Filters, data: DataLayer, analysis: Analysis, *,
                    now: datetime) -> None:
    """For a clicked cell: its Gi* z-score and class, or its emerging category with the z-score series and trend."""
    if analysis.mode == EMERGING:
        outcome = _emerging_or_reason(index, filters, analysis, now)
        if isinstance(outcome, str):
            st.info(outcome)
            return
        cube, result = outcome
        if cell not in result.index:
            st.caption(_("Outside the emerging hot spot study area (no events in or next to it)."))
            return
        words = tr()
        row = result.loc[cell]
        st.markdown(_("**{category}** · hot in {hot} of {steps} · trend: {word}").format(
            category=term(words, str(row["category"])), hot=int(row["hot_steps"]),
            steps=_steps(words, analysis, cube.shape[1]), word=unusual_word(float(row["trend_p"]), tr())),
                    help=_("Mann-Kendall trend τ {tau}, p {p}; last Gi* z {z}").format(
                        tau=f"{row['trend_tau']:+.2f}", p=f"{row['trend_p']:.2g}", z=f"{row['z_final']:+.2f}"))
        if row["category"] != NO_PATTERN:
            around = neighbourhood_counts(cube.sum(axis=1), k=analysis.k).loc[cell]
            st.caption(_("Over the {steps}: {why}").format(steps=_steps(words, analysis, cube.shape[1]),
                                                            why=neighbourhood_text(
                int(around["own"]), int(around["around"]), k=analysis.k, hot="hot" in str(row["category"]).lower())))
        series = cell_z_series(cube, cell, params=EmergingParams(k=analysis.k))
        time_lines(series[["z"]].rename(columns={"z": _("Gi* z-score")}), y_title=_("Gi* z-score"), height=150,
                   counts=False)
        return
    if data.gi is None or cell not in data.gi.index:
        return
    result, level = data.gi.loc[cell], int(classify(data.gi.loc[[cell]]).iloc[0])
    # The class's confidence (90, 95, 99 %) read as "somewhat unusual", "unusual", "very unusual".
    word = _(UNUSUAL_WORDS[3 - abs(level)][1]) if level else ""
    verdict = _(GI_VERDICTS[int(np.sign(level))]).format(word=word,
                                                         confidence=(90, 95, 99)[abs(level) - 1] if level else 0)
    st.markdown(_("**Gi*** · {verdict}").format(verdict=verdict),
                help=_("z {z}, p {p}, p after the false discovery rate correction {p_fdr}").format(
                    z=f"{result['z']:+.2f}", p=f"{result['p']:.2g}", p_fdr=f"{result['p_fdr']:.2g}"))
    if data.counts is not None and cell in data.counts.index:
        own, around = data.counts.loc[cell, ["own", "around"]]
        text = neighbourhood_text(int(own), int(around), k=analysis.k, hot=level > 0)
        st.markdown(f"<div data-testid='limes-gi-why'>{html.escape(text)}</div>", unsafe_allow_html=True)
