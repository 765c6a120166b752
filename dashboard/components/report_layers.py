"""Community reports on the live map: accepted ones as their own layer, unmoderated ones as coarse counts."""

from __future__ import annotations

import pydeck as pdk

from dashboard import cache
from dashboard.components.filters import ReportView
from dashboard.terms import term
from geo.grid import EventIndex, Filters, edge_length_km
from geo.i18n import Translator
from geo.reports import ACCEPTED_COUNT_COLUMNS, PENDING_RES, accepted_counts
from layers.reports import accepted_report_layer, pending_report_layer


def community_layers(index: EventIndex, filters: Filters, view: ReportView) -> tuple[list[pdk.Layer], list[pdk.Layer]]:
    """The layers to draw under the data (unmoderated counts) and over it (accepted reports in the window)."""
    under = []
    if view.pending:
        pending = cache.pending_reports(PENDING_RES)
        under.append(pending_report_layer(pending["cell"], pending["reports"]))
    over = []
    if "citizen_report" in filters.types:
        # Only the columns the count reads: decoding every text column of the window's reports cost ~30 ms a frame.
        reports = index.recent(filters.window.start, filters.window.end, types=("citizen_report",),
                               columns=ACCEPTED_COUNT_COLUMNS)
        accepted = accepted_counts(reports, res=filters.res, min_confidence=view.min_confidence)
        over.append(accepted_report_layer(accepted["cell"], accepted["reports"]))
    return under, over


def community_caption(view: ReportView, tr: Translator) -> str:
    """The map caption's part on community reports, in ``tr``'s language."""
    confidence = term(tr, view.min_confidence)
    if not view.pending:
        return tr.gettext("green outline: accepted community reports (confidence ≥ {confidence})").format(
            confidence=confidence)
    return tr.gettext("green outline: accepted community reports (confidence ≥ {confidence}) · violet: unmoderated "
                      "reports per ~{km} km hexagon").format(
        confidence=confidence, km=tr.number(2 * edge_length_km(PENDING_RES), decimals=0))
