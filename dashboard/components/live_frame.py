"""What the live map shows at one second, computed once per server for every session with the same view.

:func:`live_frame` gathers every figure, text and layer of the live view that does not depend on
the session (a clicked hexagon does): the heading, the high-impact banner, the KPI tiles, the
deck's JSON (basemap texts made once, data layers once), the legend, the unusual cells and the
ticker, all in one language. :func:`shared_frame` keys it by the index version, the view, the viewer's
rights, the language and the clock second, so N sessions at 1 Hz cost one computation a second per
language shown, not N.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import pandas as pd

from dashboard import cache, live_cache
from dashboard.components.analysis_view import DataLayer, data_layer, layer_res
from dashboard.components.filters import ViewChoice
from dashboard.components.kpis import Kpi, kpi_figures
from dashboard.components.live_panels import PanelText, banner_text, ticker_text, unusual_text
from dashboard.components.partner_view import partner_map_layers
from dashboard.components.report_layers import community_caption, community_layers
from dashboard.components.zoom import fitted_view
from dashboard.config import settings
from dashboard.plain import plain
from geo.grid import EventIndex, Filters
from geo.i18n import Translator, moment_with_local, window_text
from geo.timewindow import TimeWindow
from layers.frozen import FrozenDeck, frozen_deck, layer_json
from layers.live import recent_hexagon_layer, unit_layers

RECENT: Final[timedelta] = timedelta(minutes=15)
"""Hexagons with events this fresh get a bright outline."""
UNITS_SHOWN_FOR: Final[timedelta] = timedelta(hours=24)


@dataclass(frozen=True)
class LiveFrame:
    """The live view at one second for one view and one set of rights (read-only: sessions share it)."""

    filters: Filters
    heading: str
    banner: str | None
    kpis: tuple[Kpi, ...]
    deck: FrozenDeck
    first_deck: FrozenDeck
    """The deck of a map that has just mounted: the same without the world's layers around the region, which the
    next second's deck adds (the region's hexagons and basemap draw sooner; in a whole-world view, ``deck``)."""
    data: DataLayer
    caption: str
    view_note: str | None
    """Why the map shows the region although "Zoom to data" is on (nothing selected), else ``None``."""
    alerts: PanelText
    ticker: PanelText | None
    """The latest events; ``None`` for a viewer who may not see single events."""


def _layer_texts(index: EventIndex, choice: ViewChoice, filters: Filters, data: DataLayer, now: datetime, *,
                 with_units: bool, whole_world: bool, language: str) -> tuple[list[str], list[str]]:
    """The JSON texts of the map's layers, bottom to top: all of them, and those of a map's first frame (without
    the world's layers around the region; all of them in a whole-world view)."""
    outlines = []
    if choice.recent_outlines:
        # At the resolution drawn (an emerging analysis has its own), so that an outline frames a result cell.
        recent_window = TimeWindow(min(now - RECENT, filters.window.end - timedelta(seconds=1)), filters.window.end)
        recent = index.aggregate(Filters(recent_window, filters.types, layer_res(filters, choice.analysis)))
        outlines = [recent_hexagon_layer(recent["cell"], recent["events"])]
    under, over = live_cache.basemap_layer_json(whole_world, language)
    pending, accepted = community_layers(index, filters, choice.reports)
    layers = [*partner_map_layers(), *pending, data.layer, *outlines, *accepted]
    on_top = []
    if with_units:
        units = cache.latest_units()
        # One dot per callsign: the newest fix, whichever feed (or the scenario) reported it.
        units = units[units["at"] >= now - UNITS_SHOWN_FOR].sort_values("at").groupby("callsign").tail(1)
        on_top = unit_layers(units, now=now, avoid=cache.town_label_boxes(settings().region, language))
    middle, top = list(map(layer_json, layers)), list(map(layer_json, on_top))
    every = [*under, *middle, *over, *top]
    if whole_world:
        return every, every
    first_under, first_over = live_cache.basemap_layer_json(whole_world, language, with_world=False)
    return every, [*first_under, *middle, *first_over, *top]


def _caption(index: EventIndex, choice: ViewChoice, tr: Translator, now: datetime) -> str:
    """What the map shows and where its data comes from."""
    span = index.time_range()
    zone = settings().region.time_zone
    stored = tr.ngettext("{n} event stored", "{n} events stored", len(index)).format(n=tr.number(len(index)))
    newest = (tr.gettext("{stored}, up to {moment}").format(stored=stored,
                                                           moment=moment_with_local(tr, span[1], now=now, zone=zone))
              if span else tr.gettext("{stored}, none in memory").format(stored=stored))
    return tr.gettext("{events} · {reports} · Borders, water, towns: Natural Earth · Towns: GeoNames · Relief: SRTM, "
                      "pvlib 5′").format(events=newest, reports=community_caption(choice.reports, tr))


def live_frame(index: EventIndex, choice: ViewChoice, data_start: datetime, *, now: datetime, sees_events: bool,
               with_units: bool, tr: Translator, fit_to_data: bool = False,
               replayed: Filters | None = None) -> LiveFrame:
    """Everything of the live view at ``now`` that is the same for every session with this view, these rights and
    this language (``tr``); ``fit_to_data`` fits the map to the selection's hexagons instead of the region;
    ``replayed`` is a playback frame's filters (its events only)."""
    region = settings().region
    towns: pd.DataFrame = cache.gazetteer()
    view, filters, view_note = fitted_view(index, replayed or choice.filters(now), region=region,
                                           fit_to_data=fit_to_data, tr=tr)
    cells = cache.cells(index, filters)
    data = data_layer(index, filters, cells, choice.analysis, now=now, tr=tr)
    every, first = _layer_texts(index, choice, filters, data, now, with_units=with_units,
                                whole_world=view != region.view.as_dict(), language=tr.code)
    window = window_text(tr, filters.window.start, filters.window.end, now=now, zone=region.time_zone)
    window = re.sub(r"^(\d+)\. ", r"\1\\. ", window)  # "23. nov" (Serbian) would start a Markdown list: escape it
    return LiveFrame(
        filters=filters,
        heading=f"### {plain(region.title_for(tr.code))}  \n{window}",
        banner=banner_text(index, now=now, towns=towns, tr=tr) if sees_events else None,
        kpis=kpi_figures(index, filters, hot_cells=len(cells), data_start=data_start, tr=tr,
                         replayed=replayed is not None),
        deck=frozen_deck(every, tooltip=data.tooltip, view=view),
        first_deck=frozen_deck(first, tooltip=data.tooltip, view=view),
        data=data, caption=_caption(index, choice, tr, now), view_note=view_note,
        alerts=unusual_text(index, filters, choice.alert_rule, window=choice.alert_window, now=now, towns=towns,
                            tr=tr),
        ticker=ticker_text(index, now=now, towns=towns, tr=tr) if sees_events else None,
    )


def shared_frame(index: EventIndex, choice: ViewChoice, data_start: datetime, *, now: datetime, sees_events: bool,
                 with_units: bool, fit_to_data: bool, replayed: Filters | None, tr: Translator) -> LiveFrame:
    """:func:`live_frame`, computed once per server for the index version, view, rights, language and second of
    ``now`` (sessions reading the same language share it)."""
    second = now.replace(microsecond=0)
    if not settings().live_sharing:
        return live_frame(index, choice, data_start, now=now, sees_events=sees_events, with_units=with_units,
                          fit_to_data=fit_to_data, replayed=replayed, tr=tr)
    key = repr(("live", live_cache.index_version(index), choice, data_start, second, sees_events, with_units,
                fit_to_data, replayed, tr.code))
    return live_cache.shared(key, lambda: live_frame(index, choice, data_start, now=second, sees_events=sees_events,
                                                     with_units=with_units, fit_to_data=fit_to_data,
                                                     replayed=replayed, tr=tr))
