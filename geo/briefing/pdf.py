"""The briefing pack as a PDF, and the sector map as a PNG: rendered on the server with matplotlib, offline.

Page 1 is the overview (period, KPIs with change, the sector map, the section table); then one
page per section (its map, daily trend, figures, level with evidence and the Art. 35 reactions);
with routes, a planners' page last (:mod:`geo.briefing.routepage`). Every page carries a footer
with the data source, the suppression threshold and the generation time. Text is embedded as
TrueType (``pdf.fonttype`` 42) so that it can be searched and copied.
"""

from __future__ import annotations

import io
import textwrap
from typing import Final

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from geo.briefing.build import Briefing, Kpi
from geo.briefing.figures import day_labels
from geo.briefing.levels import LEVEL_COLOURS, REACTIONS
from geo.briefing.maps import draw_basemap, draw_hexagons, draw_level_legend, draw_sections, hex_breaks, set_extent
from geo.briefing.routepage import NEAR_KM, TABLE_WIDTHS, PlannerRoutes, draw_routes_map, route_rows, table_columns
from geo.briefing.wording import (
    change_text,
    count_text,
    event_type_name,
    level_name,
    period_text,
    scope_text,
    set_or_proposed,
    share_text,
)
from geo.i18n import Translator, translator
from geo.models import EVENT_TYPES
from geo.spatial import Basemap, bundled_region
from geo.timewindow import TimeWindow, day_shares

PAGE_IN: Final[tuple[float, float]] = (11.69, 8.27)
"""A4 landscape, inches."""
INK: Final[str] = "#1d2330"
MUTED: Final[str] = "#5b6475"
RC: Final[dict[str, object]] = {"pdf.fonttype": 42, "font.family": "DejaVu Sans", "font.size": 8}
EM_PER_CHAR: Final[float] = 0.6
"""DejaVu Sans's average advance per character, in em (a little over, so that a fitted label never overlaps)."""
PDF_LABELLED_DAYS: Final[int] = 31
"""Up to this many daily bars each carries its day; beyond, only the first day and each first of a month."""


def _fitted(text: str, width_pt: float, size_pt: float) -> float:
    """A font size at most ``size_pt`` at which ``text`` fits ``width_pt`` (translations run longer than English)."""
    return min(size_pt, width_pt / (EM_PER_CHAR * max(1, len(text))))


def _width_pt(ax: Axes, fraction: float = 1.0) -> float:
    """``fraction`` of ``ax``'s width, in points."""
    return fraction * ax.get_position().width * ax.figure.get_figwidth() * 72


def _zone(basemap: Basemap) -> str:
    """The time zone of the border's side of ``basemap``'s region, for local times beside UTC."""
    return (basemap.region or bundled_region()).time_zone


def _footer(fig: Figure, briefing: Briefing, page: int, pages: int, tr: Translator, zone: str) -> None:
    fig.text(0.03, 0.02, tr.gettext("Source: {source} · Basemap: Natural Earth (public domain) · counts below k={k} "
                                    "suppressed, no individual events · generated {when} by Limes").format(
                 source=briefing.source, k=briefing.k, when=tr.utc_and_local(briefing.generated_at, zone)),
             fontsize=6.5, color=MUTED)
    fig.text(0.97, 0.02, tr.gettext("page {page} / {pages}").format(page=page, pages=pages), fontsize=6.5,
             color=MUTED, ha="right")


def _header(fig: Figure, title: str, subtitle: str, *, width: float = 0.94) -> None:
    """Title and subtitle at the top left; the subtitle shrinks to fit ``width`` (a share of the page's width)."""
    fig.text(0.03, 0.945, title, fontsize=16, fontweight="bold", color=INK)
    fig.text(0.03, 0.915, subtitle, fontsize=_fitted(subtitle, width * fig.get_figwidth() * 72, 9), color=MUTED)


def _kpi_box(fig: Figure, x: float, kpi: Kpi, k: int, tr: Translator) -> None:
    ax = fig.add_axes((x, 0.80, 0.145, 0.09))
    ax.set_axis_off()
    ax.add_patch(FancyBboxPatch((0.02, 0.04), 0.96, 0.92, boxstyle="round,pad=0,rounding_size=0.06",
                                facecolor="#f3f5f8", edgecolor="#c9ced8", transform=ax.transAxes))
    label = tr.gettext(kpi.label)
    ax.text(0.08, 0.72, label, fontsize=_fitted(label, _width_pt(ax, 0.86), 8), color=MUTED, transform=ax.transAxes)
    ax.text(0.08, 0.30, count_text(kpi.value, k, tr), fontsize=17, fontweight="bold", color=INK, transform=ax.transAxes)
    change = kpi.change_pct
    ax.text(0.92, 0.32, change_text(change, tr), fontsize=10, ha="right",
            color=MUTED if change is None else ("#b3261e" if change > 0 else "#2e7d32"), transform=ax.transAxes)


def _map(ax: Axes, briefing: Briefing, basemap: Basemap, *, bounds: tuple[float, float, float, float],
         tr: Translator, highlight: str | None = None, town_rank: int = 0) -> None:
    set_extent(ax, bounds, margin_deg=0.06 if highlight else 0.12)
    draw_basemap(ax, basemap, town_rank=town_rank, language=tr.code)
    draw_hexagons(ax, briefing.cells, hex_breaks(briefing.cells["events"]))
    draw_sections(ax, briefing.sections, highlight=highlight, labels=highlight is None)
    draw_level_legend(ax, loc="lower left" if highlight else "upper left",
                      labels={level: level_name(level, tr) for level in LEVEL_COLOURS},
                      title=tr.gettext("Section level"))


def _table(ax: Axes, rows: list[list[str]], header: list[str], *, colours: list[str] | None = None,
           widths: list[float]) -> None:
    """A plain table drawn as text; ``colours`` fill a chip before each row's first cell."""
    ax.set_axis_off()
    line = 1.0 / (len(rows) + 1.5)
    xs = np.concatenate([[0.0], np.cumsum(widths)[:-1]])
    for x, text, w in zip(xs, header, widths):
        ax.text(x + (w if x else 0.03) - (0.01 if x else 0), 1 - line, text,
                fontsize=_fitted(text, _width_pt(ax, w - 0.015), 7.5), fontweight="bold",
                color=MUTED, ha="right" if x else "left", transform=ax.transAxes)
    ax.plot([0, 1], [1 - 1.35 * line] * 2, color="#c9ced8", linewidth=0.8, transform=ax.transAxes)
    for i, row in enumerate(rows):
        y = 1 - (i + 2.1) * line
        if colours is not None:
            ax.add_patch(FancyBboxPatch((0.0, y - 0.25 * line), 0.018, 0.7 * line, boxstyle="square,pad=0",
                                        facecolor=colours[i], edgecolor="none", transform=ax.transAxes))
        for x, text, w in zip(xs, row, widths):
            ax.text(x + (w if x else 0.03) - (0.01 if x else 0), y, text, fontsize=7.5, color=INK,
                    ha="right" if x else "left", transform=ax.transAxes)


def _overview(fig: Figure, briefing: Briefing, basemap: Basemap, tr: Translator, zone: str) -> None:
    _header(fig, tr.gettext("Border briefing · sections and impact levels"),
            tr.gettext("{period} · changes against the {length} before").format(
                period=period_text(briefing.window, tr, zone), length=tr.duration(briefing.window.duration)))
    fig.text(0.03, 0.897, scope_text(briefing, tr), fontsize=8, color=MUTED)
    for i, kpi in enumerate(briefing.kpis):
        _kpi_box(fig, 0.03 + i * 0.155, kpi, briefing.k, tr)
    levels = briefing.sections["level"].value_counts()
    fig.text(0.50, 0.855, tr.gettext("Sections by level: {low} low, {medium} medium, {high} high, {critical} critical")
             .format(**{lv: tr.number(int(levels.get(lv, 0))) for lv in LEVEL_COLOURS}), fontsize=9, color=INK)
    ax = fig.add_axes((0.03, 0.07, 0.50, 0.70))
    _map(ax, briefing, basemap, bounds=tuple(briefing.sections.total_bounds), tr=tr)
    ax.set_title(tr.gettext("Sector map: sections by level; events per hexagon, darker = more"), fontsize=9,
                 loc="left", color=INK)
    s = briefing.sections
    rows = [[str(r.name), level_name(r.level, tr), count_text(r.events, briefing.k, tr), change_text(r.change_pct, tr),
             count_text(r.persons, briefing.k, tr), share_text(r.hot_share, tr)] for r in s.itertuples()]
    table = fig.add_axes((0.555, 0.07, 0.42, 0.70))
    _table(table, rows, [tr.gettext("Section"), tr.gettext("Level"), tr.gettext("Events"), tr.gettext("Change"),
                         tr.gettext("Persons"), tr.gettext("Hot cells")],
           colours=[LEVEL_COLOURS[lv] for lv in s["level"]], widths=[0.40, 0.12, 0.12, 0.12, 0.12, 0.12])
    table.set_title(tr.gettext("Sections, highest level and largest rise first"), fontsize=9, loc="left", color=INK)


def _trend(ax: Axes, series: pd.Series, k: int, window: TimeWindow, tr: Translator) -> None:
    """Events per UTC day, one date label under each bar in ``tr``'s language; the part-days where the period starts
    or ends hatched (they count only the hours inside it, so their lower bars are no fall)."""
    values = np.nan_to_num(series.to_numpy(dtype=float))
    x = series.index
    part = day_shares(x, window) < 1.0
    ax.bar(x[~part], values[~part], width=0.8, color="#4a6fa5")
    if part.any():
        ax.bar(x[part], values[part], width=0.8, facecolor="white", edgecolor="#4a6fa5", hatch="////", linewidth=0.6,
               label=tr.gettext("part-day (the period starts or ends in it)"))
    hidden = np.isnan(series.to_numpy(dtype=float))
    if hidden.any():
        ax.plot(x[hidden], np.zeros(hidden.sum()), "x", color=MUTED, markersize=4,
                label=tr.gettext("withheld: 1–{last} events, or hidden with such a day").format(last=k - 1))
    ax.set_title(tr.gettext("Events per day (UTC)"), fontsize=9, loc="left", color=INK)
    ax.spines[["top", "right"]].set_visible(False)
    labels = day_labels(x, tr=tr)
    if len(x) > PDF_LABELLED_DAYS:  # months of history: the month's first days only, else one smear of digits
        labels = [label if "\n" in label else "" for label in labels]
    ax.set_xticks(x, labels, rotation=0, fontsize=7 if len(x) <= 16 else 5.5)
    ax.tick_params(axis="y", labelsize=7)
    if part.any() or hidden.any():
        ax.legend(fontsize=6.5, frameon=False, loc="upper left")


def _section_page(fig: Figure, briefing: Briefing, basemap: Basemap, row: pd.Series, tr: Translator,
                  zone: str) -> None:
    k = briefing.k
    _header(fig, str(row["name"]), tr.gettext("Section {id} · {pair} · {km} km of border · {period}").format(
        id=row["section_id"], pair=row["pair"], km=tr.number(row["length_km"], decimals=1),
        period=period_text(briefing.window, tr, zone)), width=0.75)
    level = str(row["level"])
    badge = fig.add_axes((0.80, 0.895, 0.17, 0.075))
    badge.set_axis_off()
    badge.add_patch(FancyBboxPatch((0, 0), 1, 1, boxstyle="round,pad=0,rounding_size=0.15", facecolor=LEVEL_COLOURS[level],
                                   edgecolor="none", transform=badge.transAxes))
    badge.text(0.5, 0.64, level_name(level, tr).upper(), ha="center", va="center", fontsize=13, fontweight="bold", color="white",
               transform=badge.transAxes)
    badge.text(0.5, 0.24, set_or_proposed(bool(row["level_set"]), tr), ha="center",
               va="center", fontsize=7.5, color="white", transform=badge.transAxes)
    ax = fig.add_axes((0.03, 0.30, 0.46, 0.57))
    west, south, east, north = row.geometry.bounds
    pad = max(east - west, north - south) * 0.25 + 0.05
    _map(ax, briefing, basemap, bounds=(west - pad, south - pad, east + pad, north + pad),
         highlight=str(row["section_id"]), town_rank=1, tr=tr)
    _trend(fig.add_axes((0.55, 0.68, 0.42, 0.19)), briefing.trend[row["section_id"]], k,
           briefing.window, tr)
    per_day = row["events_per_10km_day"]
    figures = [[tr.gettext("Events"), count_text(row["events"], k, tr), count_text(row["events_prev"], k, tr)],
               [tr.gettext("Persons"), count_text(row["persons"], k, tr), count_text(row["persons_prev"], k, tr)],
               [tr.gettext("High / very high impact"), count_text(row["high_impact"], k, tr), ""],
               [tr.gettext("Change in events"), change_text(row["change_pct"], tr), ""],
               [tr.gettext("Events per 10 km and day"),
                "–" if pd.isna(per_day) else tr.number(per_day, decimals=1), ""],
               [tr.gettext("Hot cells (Gi*)"), share_text(row["hot_share"], tr), ""],
               [tr.gettext("Corridor covered by sensors"), share_text(row["coverage_share"], tr), ""]]
    _table(fig.add_axes((0.55, 0.455, 0.42, 0.17)), figures,
           [tr.gettext("Figure"), tr.gettext("This period"), tr.gettext("Previous")], widths=[0.56, 0.22, 0.22])
    by_type = [[event_type_name(t, tr), count_text(row[f"events_{t}"], k, tr), count_text(row[f"persons_{t}"], k, tr)]
               for t in EVENT_TYPES if pd.isna(row[f"events_{t}"]) or row[f"events_{t}"] > 0]
    _table(fig.add_axes((0.55, 0.265, 0.42, 0.17)), by_type,
           [tr.gettext("By type, this period"), tr.gettext("Events"), tr.gettext("Persons")], widths=[0.56, 0.22, 0.22])
    _text_block(fig.add_axes((0.55, 0.05, 0.42, 0.19)),
                [(tr.gettext("Evidence for the proposal ({level})").format(level=level_name(row["proposed_level"], tr)),
                  True), *[("· " + e, False) for e in row["evidence"]]])
    _text_block(fig.add_axes((0.03, 0.05, 0.46, 0.21)),
                [(tr.gettext("Reactions at level {level} (Regulation (EU) 2019/1896 Art. 35)").format(
                    level=level_name(level, tr)), True), *[("☐ " + tr.gettext(r), False) for r in REACTIONS[level]]])


def _routes_page(fig: Figure, briefing: Briefing, basemap: Basemap, planner: PlannerRoutes, tr: Translator,
                 zone: str) -> None:
    _header(fig, tr.gettext("Planners · where a group would cross unseen"),
            tr.gettext("{period} · least-cost routes on foot over the terrain, past the stored sensors and "
                       "patrols").format(period=period_text(briefing.window, tr, zone)))
    draw_routes_map(fig, (0.03, 0.07, 0.50, 0.80), planner, basemap, tr=tr)
    rows = route_rows(planner, towns=basemap.towns, tr=tr)
    height = min(0.47, 0.045 * (len(rows) + 1.5))
    table = fig.add_axes((0.555, 0.87 - height, 0.42, height))
    _table(table, rows, table_columns(tr), widths=list(TABLE_WIDTHS))
    table.set_title(tr.gettext("Likely routes, cheapest first"), fontsize=9, loc="left", color=INK)
    _text_block(fig.add_axes((0.555, 0.07, 0.42, 0.76 - height)), [
        (tr.gettext("How to read it"), True),
        (tr.gettext("· A route is the cheapest way on foot from a town on the far side to one on ours: walking pace "
                    "on the slope (Tobler's hiking function), lakes impassable, rivers costly, dearer where a stored "
                    "sensor sees or a patrol passed. Distinct routes cross at least 8 km apart."), False),
        (tr.gettext("· km and h walk: length and walking time; unseen: the share of its length no stored sensor "
                    "sees."), False),
        (tr.gettext("· events: events of the period within {km} km of the crossing point; counts from 1 to {last} "
                    "are printed <{k}.").format(km=tr.number(NEAR_KM), last=briefing.k - 1, k=briefing.k), False),
        (tr.gettext("· Routes come from terrain, sensors and patrols, not from events: a quiet crossing on a cheap "
                    "route is where to look next. No people, units or single events are on this page."), False)])


def _text_block(ax: Axes, lines: list[tuple[str, bool]], *, line_pt: float = 9.0, font_pt: float = 7.0) -> None:
    """Lines of text from the top of ``ax``, wrapped to its width, bold where flagged; what does not fit is cut."""
    ax.set_axis_off()
    box = ax.get_position()
    width_in, height_in = box.width * ax.figure.get_figwidth(), box.height * ax.figure.get_figheight()
    # DejaVu Sans averages about 0.55 em per character.
    chars = int(width_in * 72 / (font_pt * 0.55))
    wrapped = [(part if i == 0 else "   " + part, bold) for line, bold in lines
               for i, part in enumerate(textwrap.wrap(line, width=chars))]
    step = line_pt / (height_in * 72)
    for i, (line, bold) in enumerate(wrapped[:int(1 / step)]):
        ax.text(0.0, 1 - (i + 1) * step, line, fontsize=font_pt, fontweight="bold" if bold else "normal", color=INK,
                transform=ax.transAxes)


def render_pdf(briefing: Briefing, basemap: Basemap, *, routes: PlannerRoutes | None = None,
               tr: Translator = translator("en")) -> bytes:
    """The briefing pack in ``tr``'s language: an overview page, one page per section of ``briefing.sections``, then
    the planners' routes page if ``routes`` are given."""
    buffer = io.BytesIO()
    pages = 1 + len(briefing.sections) + (routes is not None)
    zone = _zone(basemap)
    metadata = {"Title": tr.gettext("Limes border briefing"), "Creator": "Limes", "Subject": tr.code}
    with matplotlib.rc_context(RC), PdfPages(buffer, metadata=metadata) as pdf:
        fig = Figure(figsize=PAGE_IN)
        _overview(fig, briefing, basemap, tr, zone)
        _footer(fig, briefing, 1, pages, tr, zone)
        pdf.savefig(fig)
        for number, (_, row) in enumerate(briefing.sections.iterrows(), start=2):
            fig = Figure(figsize=PAGE_IN)
            _section_page(fig, briefing, basemap, row, tr, zone)
            _footer(fig, briefing, number, pages, tr, zone)
            pdf.savefig(fig)
        if routes is not None:
            fig = Figure(figsize=PAGE_IN)
            _routes_page(fig, briefing, basemap, routes, tr, zone)
            _footer(fig, briefing, pages, pages, tr, zone)
            pdf.savefig(fig)
    return buffer.getvalue()


def render_map_png(briefing: Briefing, basemap: Basemap, *, dpi: int = 150, tr: Translator = translator("en")) -> bytes:
    """The sector map (sections by level over the suppressed hexagons) as a PNG, with its footer, in ``tr``'s
    language."""
    zone = _zone(basemap)
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(10, 7.5))
        ax = fig.add_axes((0.02, 0.06, 0.96, 0.88))
        _map(ax, briefing, basemap, bounds=tuple(briefing.sections.total_bounds), tr=tr)
        ax.set_title(tr.gettext("Border sections by level · {period}").format(
            period=period_text(briefing.window, tr, zone)), fontsize=10, loc="left", color=INK)
        fig.text(0.02, 0.02, tr.gettext("Source: {source} · Natural Earth · counts below k={k} suppressed · "
                                        "generated {when}").format(source=briefing.source, k=briefing.k,
                                                                   when=tr.utc_and_local(briefing.generated_at, zone)),
                 fontsize=7, color=MUTED)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def render_routes_png(planner: PlannerRoutes, basemap: Basemap, *, dpi: int = 130,
                      tr: Translator = translator("en")) -> bytes:
    """The planners' routes map as a PNG (what the pack's routes page draws), for the Briefing page."""
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(8, 6))
        draw_routes_map(fig, (0.01, 0.01, 0.98, 0.98), planner, basemap, tr=tr)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
