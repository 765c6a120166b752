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

from geo.i18n import N_, Translator, translator
from geo.incidents.handover import Handover
from geo.incidents.model import OUTCOMES

PAGE_IN: Final[tuple[float, float]] = (11.69, 8.27)
"""A4 landscape, inches (as the briefing pack)."""
INK: Final[str] = "#1d2330"
MUTED: Final[str] = "#5b6475"
RC: Final[dict[str, object]] = {"pdf.fonttype": 42, "font.family": "DejaVu Sans", "font.size": 8}
ROWS_PER_PAGE: Final[int] = 22
TITLE_CHARS: Final[int] = 48
FIGURE_LABELS: Final[dict[str, str]] = {
    "incidents opened": N_("incidents opened"), "incidents closed": N_("incidents closed"),
    "still open at handover": N_("still open at handover"),
    "still open, high priority": N_("still open, high priority"),
    "still open, not acknowledged": N_("still open, not acknowledged"), "taskings sent": N_("taskings sent"),
    "unusual cells at handover": N_("unusual cells at handover"),
    "median minutes to acknowledge": N_("median minutes to acknowledge"),
    "median minutes to on scene": N_("median minutes to on scene")}
"""The handover's figures (:attr:`Handover.figures`' English labels) as the reader's language prints them; the
"closed: <outcome>" rows are printed with their outcome translated."""
LIST_HEADERS: Final[tuple[str, ...]] = (N_("incident"), N_("opened"), N_("kind"), N_("title"), N_("priority"),
                                        N_("state"), N_("owner"), N_("unit"), N_("outcome"))
"""The headers of the incident lists, in :data:`geo.incidents.handover.LIST_COLUMNS` order."""
TRANSLATED_CELLS: Final[frozenset[str]] = frozenset({"kind", "priority", "state", "outcome"})
"""List columns whose cells are labels of the catalogs (states, kinds, outcomes), not names or free text."""


def _figure_label(label: str, tr: Translator) -> str:
    outcomes = {f"closed: {name}": name for name in OUTCOMES.values()}
    if label in outcomes:
        return tr.gettext("closed: {outcome}").format(outcome=tr.gettext(outcomes[label]))
    return tr.gettext(FIGURE_LABELS.get(label, label))


def _figure_text(value: float, k: int, label: str, tr: Translator) -> str:
    if label.startswith("median"):
        return "–" if pd.isna(value) else tr.number(round(value))
    return f"<{k}" if pd.isna(value) else tr.number(int(value))


def _frame(handover: Handover, tr: Translator, zone: str) -> Figure:
    fig = Figure(figsize=PAGE_IN)
    when = tr.utc_and_local(handover.generated_at, zone)
    text = (tr.gettext("Limes shift handover · external copy: counts below k={k} suppressed, no individual incidents "
                       "· generated {when}").format(k=handover.k, when=when) if handover.external
            else tr.gettext("Limes shift handover · internal: for the next shift of this control room only · "
                            "generated {when}").format(when=when))
    fig.text(0.03, 0.02, text, fontsize=6.5, color=MUTED)
    return fig


def _header(fig: Figure, handover: Handover, title: str, tr: Translator, zone: str) -> None:
    fig.text(0.03, 0.95, title, fontsize=16, weight="bold", color=INK)
    fig.text(0.03, 0.915, tr.gettext("Shift {start} to {end}").format(start=tr.utc_and_local(handover.start, zone),
                                                                        end=tr.utc_and_local(handover.end, zone)),
             fontsize=9, color=MUTED)


def _table(fig: Figure, rect: tuple[float, float, float, float], rows: list[list[str]], header: list[str],
           tr: Translator, widths: list[float] | None = None) -> None:
    ax = fig.add_axes(rect)
    ax.axis("off")
    if not rows:
        ax.text(0, 0.95, tr.gettext("none"), fontsize=8, color=MUTED, va="top")
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


def _overview(handover: Handover, tr: Translator, zone: str) -> Figure:
    fig = _frame(handover, tr, zone)
    _header(fig, handover, tr.gettext("Shift handover"), tr, zone)
    fig.text(0.03, 0.87, tr.gettext("Key figures"), fontsize=11, weight="bold", color=INK)
    rows = [[_figure_label(label, tr), _figure_text(value, handover.k, label, tr)]
            for label, value in handover.figures.items()]
    _table(fig, (0.03, 0.12, 0.4, 0.73), rows, [tr.gettext("figure"), tr.gettext("value")], tr, widths=[0.75, 0.25])
    fig.text(0.5, 0.87, tr.gettext("Open alerts at handover (unusual now)"), fontsize=11, weight="bold", color=INK)
    if handover.external:
        fig.text(0.5, 0.84, tr.gettext("Places are not listed in the external copy."), fontsize=8, color=MUTED)
        fig.text(0.5, 0.2, tr.gettext("External copy: counts from 1 to {last} are shown as <{k}; no individual "
                                      "incident or place is listed.").format(last=handover.k - 1, k=handover.k),
                 fontsize=8, color=MUTED, wrap=True)
    else:
        alerts = [[str(r.where)[:40], tr.number(int(r.observed)), tr.number(float(r.expected), decimals=1),
                   f"{float(r.p):.0e}"] for r in handover.alerts.head(12).itertuples()]
        _table(fig, (0.5, 0.45, 0.47, 0.4), alerts, [tr.gettext("where"), tr.gettext("events"), tr.gettext("usual"),
                                                      "p"], tr, widths=[0.55, 0.15, 0.15, 0.15])
    return fig


def _list_pages(handover: Handover, title: str, frame: pd.DataFrame, tr: Translator, zone: str) -> list[Figure]:
    """``title`` is a message with ``{n}`` (the incidents listed); later pages add their number."""
    pages: list[Figure] = []
    for page in range(max(1, math.ceil(len(frame) / ROWS_PER_PAGE))):
        part = frame.iloc[page * ROWS_PER_PAGE:(page + 1) * ROWS_PER_PAGE]
        fig = _frame(handover, tr, zone)
        heading = tr.gettext(title).format(n=tr.number(len(frame)))
        _header(fig, handover, tr.gettext("{title} · page {page}").format(title=heading, page=page + 1) if page
                else heading, tr, zone)
        rows = [[str(v)[:TITLE_CHARS] if c == "title" else tr.gettext(str(v)) if c in TRANSLATED_CELLS else str(v)
                 for c, v in row.items()] for _, row in part.iterrows()]
        _table(fig, (0.03, 0.08, 0.94, 0.8), rows, [tr.gettext(h) for h in LIST_HEADERS], tr,
               widths=[0.05, 0.1, 0.11, 0.23, 0.06, 0.08, 0.17, 0.08, 0.12])
        pages.append(fig)
    return pages


def render_handover_pdf(handover: Handover, *, tr: Translator = translator("en"), zone: str = "UTC") -> bytes:
    """The handover as PDF bytes in ``tr``'s language, times in UTC with those of time zone ``zone`` (the border's,
    an IANA name) beside them (see the module docstring for the pages)."""
    figures = [_overview(handover, tr, zone)]
    if not handover.external:
        figures += _list_pages(handover, N_("Still open at handover ({n})"), handover.still_open, tr, zone)
        figures += _list_pages(handover, N_("Opened during the shift ({n})"), handover.opened, tr, zone)
        figures += _list_pages(handover, N_("Closed during the shift ({n})"), handover.closed, tr, zone)
    out = io.BytesIO()
    with matplotlib.rc_context(RC), PdfPages(out, metadata={"Title": tr.gettext("Limes shift handover"),
                                                              "Creator": "Limes"}) as pdf:
        for fig in figures:
            pdf.savefig(fig)
    return out.getvalue()
