"""The shift handover as a PDF, rendered with matplotlib like the briefing pack (A4 landscape, searchable text).

Page 1: the shift, the key figures and the open alerts; then the incidents still open (state, owner, unit), those
opened and those closed during the shift, 22 rows a page. An external copy has page 1 only, its counts
suppressed. Every page has a footer saying which copy it is, the threshold and the generation time.
"""

from __future__ import annotations

import io
import math
from typing import Final

import matplotlib
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from geo.incidents.handover import Handover

PAGE_IN: Final[tuple[float, float]] = (11.69, 8.27)
"""A4 landscape, inches (as the briefing pack)."""
INK: Final[str] = "#1d2330"
MUTED: Final[str] = "#5b6475"
RC: Final[dict[str, object]] = {"pdf.fonttype": 42, "font.family": "DejaVu Sans", "font.size": 8}
ROWS_PER_PAGE: Final[int] = 22
TITLE_CHARS: Final[int] = 48


def _figure_text(value: float, k: int, label: str) -> str:
    if label.startswith("median"):
        return "–" if pd.isna(value) else f"{value:.0f}"
    return f"<{k}" if pd.isna(value) else f"{int(value):,}"


def _frame(handover: Handover) -> Figure:
    fig = Figure(figsize=PAGE_IN)
    copy = (f"external copy: counts below k={handover.k} suppressed, no individual incidents" if handover.external
            else "internal: for the next shift of this control room only")
    fig.text(0.03, 0.02, f"Limes shift handover · {copy} · generated {handover.generated_at:%d %b %Y %H:%M} UTC",
             fontsize=6.5, color=MUTED)
    return fig


def _header(fig: Figure, handover: Handover, title: str) -> None:
    fig.text(0.03, 0.95, title, fontsize=16, weight="bold", color=INK)
    fig.text(0.03, 0.915, f"Shift {handover.start:%d %b %Y %H:%M} – {handover.end:%d %b %Y %H:%M} UTC",
             fontsize=9, color=MUTED)


def _table(fig: Figure, rect: tuple[float, float, float, float], rows: list[list[str]], header: list[str],
           widths: list[float] | None = None) -> None:
    ax = fig.add_axes(rect)
    ax.axis("off")
    if not rows:
        ax.text(0, 0.95, "none", fontsize=8, color=MUTED, va="top")
        return
    table = ax.table(cellText=rows, colLabels=header, loc="upper left", cellLoc="left", colLoc="left",
                     colWidths=widths)
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    table.scale(1, 1.25)
    for (r, _), cell in table.get_celld().items():
        cell.set_edgecolor("#d0d4dc")
        if r == 0:
            cell.set_text_props(weight="bold", color=INK)
            cell.set_facecolor("#eef0f4")


def _overview(handover: Handover) -> Figure:
    fig = _frame(handover)
    _header(fig, handover, "Shift handover")
    fig.text(0.03, 0.87, "Key figures", fontsize=11, weight="bold", color=INK)
    rows = [[label, _figure_text(value, handover.k, label)] for label, value in handover.figures.items()]
    _table(fig, (0.03, 0.12, 0.4, 0.73), rows, ["figure", "value"], widths=[0.75, 0.25])
    fig.text(0.5, 0.87, "Open alerts at handover (unusual now)", fontsize=11, weight="bold", color=INK)
    if handover.external:
        fig.text(0.5, 0.84, "Places are not listed in the external copy.", fontsize=8, color=MUTED)
    else:
        alerts = [[str(r.where)[:40], f"{int(r.observed)}", f"{float(r.expected):.1f}", f"{float(r.p):.0e}"]
                  for r in handover.alerts.head(12).itertuples()]
        _table(fig, (0.5, 0.45, 0.47, 0.4), alerts, ["where", "events", "usual", "p"],
               widths=[0.55, 0.15, 0.15, 0.15])
    for i, note in enumerate(handover.notes):
        fig.text(0.5, 0.2 - 0.03 * i, note, fontsize=8, color=MUTED, wrap=True)
    return fig


def _list_pages(handover: Handover, title: str, frame: pd.DataFrame) -> list[Figure]:
    pages: list[Figure] = []
    for page in range(max(1, math.ceil(len(frame) / ROWS_PER_PAGE))):
        part = frame.iloc[page * ROWS_PER_PAGE:(page + 1) * ROWS_PER_PAGE]
        fig = _frame(handover)
        _header(fig, handover, f"{title} ({len(frame)})" + (f" · page {page + 1}" if page else ""))
        rows = [[str(v) if c != "title" else str(v)[:TITLE_CHARS] for c, v in row.items()]
                for _, row in part.iterrows()]
        _table(fig, (0.03, 0.08, 0.94, 0.8), rows, list(frame.columns),
               widths=[0.05, 0.1, 0.11, 0.23, 0.06, 0.08, 0.17, 0.08, 0.12])
        pages.append(fig)
    return pages


def render_handover_pdf(handover: Handover) -> bytes:
    """The handover as PDF bytes (see the module docstring for the pages)."""
    figures = [_overview(handover)]
    if not handover.external:
        figures += _list_pages(handover, "Still open at handover", handover.still_open)
        figures += _list_pages(handover, "Opened during the shift", handover.opened)
        figures += _list_pages(handover, "Closed during the shift", handover.closed)
    out = io.BytesIO()
    with matplotlib.rc_context(RC), PdfPages(out, metadata={"Title": "Limes shift handover",
                                                              "Creator": "Limes"}) as pdf:
        for fig in figures:
            pdf.savefig(fig)
    return out.getvalue()
