"""The commanders' briefing: one period's sector picture, section by section, safe to take out of the room.

:func:`build_briefing` gathers what the Briefing page, the PDF (:mod:`geo.briefing.pdf`) and the
exports (:mod:`geo.briefing.pack`) show: KPIs against the previous period, each section's
figures, proposed and set level with the evidence, daily trends, and the hexagons of the map.
Every count in a :class:`Briefing` has passed small-count suppression (:mod:`geo.briefing.suppression`);
raw events are not in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.briefing.figures import FigureParams, section_figures, section_series
from geo.briefing.levels import DEFAULT_RULES, LevelRules, effective_levels, level_rank, propose_levels
from geo.briefing.suppression import (
    DEFAULT_K,
    SECTION_COUNT_COLUMNS,
    suppress_cells,
    suppress_section_figures,
    suppress_trends,
)
from geo.errors import BriefingError, msg
from geo.grid import EventIndex, Filters
from geo.i18n import Translator, translator
from geo.timewindow import TimeWindow

DEFAULT_SOURCE: Final[str] = "Limes event store"


@dataclass(frozen=True, slots=True)
class BriefingParams:
    """Options of a briefing.

    Attributes
    ----------
    k : int
        Small-count threshold: no published count is between 1 and k-1.
    figures : FigureParams
        Corridor width, resolution and hot-cell class of the section figures.
    rules : LevelRules
        Rules that propose the levels.
    map_res : int
        H3 resolution of the hexagons on the maps (merged to coarser cells where below k).
    """

    k: int = DEFAULT_K
    figures: FigureParams = FigureParams()
    rules: LevelRules = DEFAULT_RULES
    map_res: int = 7


@dataclass(frozen=True, slots=True)
class Kpi:
    """One headline figure and its value in the previous period (``None``: suppressed)."""

    label: str
    value: int | None
    previous: int | None

    @property
    def change_pct(self) -> float | None:
        """Change against the previous period, percent; ``None`` when either is suppressed or the previous is 0."""
        if self.value is None or not self.previous:
            return None
        return 100.0 * (self.value - self.previous) / self.previous


@dataclass(frozen=True)
class Briefing:
    """Everything a briefing shows, suppressed.

    Attributes
    ----------
    window : TimeWindow
        The period.
    generated_at : datetime
        When the briefing was made (UTC).
    source : str
        Where the events come from, for the footer.
    k : int
        The suppression threshold applied.
    kpis : tuple of Kpi
        Events, persons, high-impact events in the corridors of the briefing's sections (not the
        whole store: a store may hold the world, the briefing is about these sections); persons are
        blanked wherever the events are.
    sections : geopandas.GeoDataFrame
        One row per section, sorted by level (highest first) then change: the suppressed
        figures of :func:`geo.briefing.figures.section_figures`, ``pair``, ``geometry``,
        ``proposed_level``, ``level`` (set by a person, else proposed), ``level_set`` (bool),
        ``evidence`` (tuple of lines).
    trend : pandas.DataFrame
        Events per UTC day (rows) and ``section_id`` (columns), bins below k blanked (NaN), and further bins
        wherever a section's events, a day's total or the headline would give a blanked one back
        (:func:`geo.briefing.suppression.suppress_trends`).
    total_trend : pandas.Series
        Events per UTC day in the corridors of the briefing's sections (the row sums of ``trend`` before
        suppression), blanked likewise.
    cells : pandas.DataFrame
        Hexagons of the map: ``cell``, ``res``, ``events``, ``persons``, each with at least k events.
    suppression : dict of str to int
        What suppression did: blanked section values, coarsened cells, dropped events.
    scope : str
        What the headline figures cover, to print beside them ("in the corridors of 15 sections, 10 km").
    outside : Kpi or None
        Events of the period outside those corridors (the rest of the store), labelled as such.
    corridor_km : float
        How far either side of the line the sections' corridors reach, km.
    """

    window: TimeWindow
    generated_at: datetime
    source: str
    k: int
    kpis: tuple[Kpi, ...]
    sections: gpd.GeoDataFrame
    trend: pd.DataFrame
    total_trend: pd.Series
    cells: pd.DataFrame
    suppression: dict[str, int] = field(default_factory=dict)
    scope: str = ""
    outside: Kpi | None = None
    corridor_km: float = 10.0


def _corridor_totals(index: EventIndex, in_area: npt.NDArray[np.bool_], window: TimeWindow) -> tuple[int, int, int]:
    """Events, persons and high-impact events of ``window`` among the events flagged ``in_area``."""
    part = index.window_slice(window)
    mask = in_area[part]
    return (int(mask.sum()), int(index.persons[part][mask].sum()), int(index.high_impact[part][mask].sum()))


def _kpi(label: str, value: int, previous: int, k: int, *, summed_from: Kpi | None = None) -> Kpi:
    """A headline figure with values between 1 and ``k``-1 blanked (``None``); a magnitude (persons) also wherever
    the events it is ``summed_from`` are blanked, as its contributors are then too few to publish it."""
    def safe(n: int, *, contributors_shown: bool) -> int | None:
        return n if contributors_shown and not 0 < n < k else None
    return Kpi(label, safe(value, contributors_shown=summed_from is None or summed_from.value is not None),
               safe(previous, contributors_shown=summed_from is None or summed_from.previous is not None))


def select_sections(sections: gpd.GeoDataFrame, wanted: tuple[str, ...]) -> npt.NDArray[np.bool_]:
    """Which sections ``wanted`` names, by ``section_id`` or ``name`` (all when ``wanted`` is empty)."""
    if not wanted:
        return np.ones(len(sections), dtype=bool)
    chosen = sections["section_id"].isin(wanted) | sections["name"].isin(wanted)
    unknown = sorted(set(wanted) - set(sections["section_id"]) - set(sections["name"]))
    if unknown:
        raise BriefingError(msg("unknown section(s) {unknown}; known ids: {sections}",
                                unknown=unknown, sections=list(sections['section_id'])))
    return chosen.to_numpy()


def build_briefing(index: EventIndex, assignment: npt.NDArray[np.int64], sections: gpd.GeoDataFrame,
                   window: TimeWindow, *, generated_at: datetime, set_levels: Mapping[str, str] | None = None,
                   params: BriefingParams = BriefingParams(), source: str = DEFAULT_SOURCE,
                   only: tuple[str, ...] = (), coverage: Mapping[str, float] | None = None,
                   tr: Translator | None = None) -> Briefing:
    """The briefing of ``window``.

    Parameters
    ----------
    index : EventIndex
        The events.
    assignment : numpy.ndarray of int64
        Section position per event of ``index.events`` (:func:`geo.briefing.sections.assign_to_sections`).
    sections : geopandas.GeoDataFrame
        All sections (:data:`geo.briefing.sections.SECTION_COLUMNS`).
    window : TimeWindow
        The period; changes are against the period of equal length before it.
    generated_at : datetime
        The time to print in the footer (UTC); a window reaching past it is cut there.
    set_levels : mapping of str to str, optional
        Levels people have set, by ``section_id`` (:func:`geo.briefing.levels.current_levels`).
    params : BriefingParams
        k, figure options, level rules, map resolution.
    source : str
        Data source named in the footer.
    only : tuple of str
        Section ids or names to include; empty: all.
    coverage
        Each section's covered share (the coverage planner's), passed to :func:`geo.briefing.figures.section_figures`.
    tr : Translator, optional
        The language of the levels' evidence sentences (default English).
    """
    tr = tr or translator()
    if window.end > generated_at:
        window = TimeWindow(window.start, max(generated_at, window.start + timedelta(seconds=1)))
    if index.totals(window).events == 0:
        raise BriefingError(msg("no events between {start:%Y-%m-%d} and {end:%Y-%m-%d}: choose another period",
                                start=window.start, end=window.end))
    chosen = select_sections(sections, only)
    figures = section_figures(index, assignment, sections, window, params=params.figures, coverage=coverage)
    proposals = propose_levels(figures, params.rules, tr=tr)
    levels = effective_levels(proposals["proposed_level"], set_levels or {}, figures["section_id"])
    safe = suppress_section_figures(figures, k=params.k)
    # Evidence quotes the events and the figures its rules read (a rules file may read persons or a type's count);
    # where one is blanked it would give it back. Ratios are blanked only with the events they are built on.
    quoted = list(dict.fromkeys(["events", "events_prev",
                                 *(r.figure for r in params.rules.rules if r.figure in SECTION_COUNT_COLUMNS)]))
    withheld = safe[quoted].isna().any(axis=1).to_numpy()
    withheld_text = tr.gettext("figures below k={k} withheld").format(k=params.k)
    evidence = [(withheld_text,) if hide else ev
                for ev, hide in zip(proposals["evidence"], withheld)]
    table = gpd.GeoDataFrame(
        safe.assign(pair=sections["pair"].to_numpy(), proposed_level=proposals["proposed_level"].to_numpy(),
                    level=levels.to_numpy(), level_set=figures["section_id"].isin(list(set_levels or {})).to_numpy(),
                    evidence=evidence),
        geometry=sections.geometry.to_numpy(), crs=sections.crs,
    )[chosen]
    table = table.assign(_rank=level_rank(table["level"]), _change=table["change_pct"].fillna(-np.inf))
    table = table.sort_values(["_rank", "_change"], ascending=False).drop(columns=["_rank", "_change"])
    series = section_series(index, assignment, window, n_sections=len(sections))
    series.columns = sections["section_id"].to_numpy()
    # The section detail and the PDF print each section's days beside its events, the page the days' totals
    # beside the headline: bins are blanked so that none of these totals gives a blanked one back.
    trend, total_trend = suppress_trends(series[table["section_id"].to_numpy()], k=params.k,
                                         totals_shown=table.set_index("section_id")["events"].notna())
    # The headline is the briefing's own area: the corridors of its sections, not everything stored.
    in_area = np.isin(assignment, np.flatnonzero(chosen))
    total = _corridor_totals(index, in_area, window)
    before = _corridor_totals(index, in_area, window.previous())
    cells = suppress_cells(index.aggregate(Filters(window, res=params.map_res)), k=params.k)
    n = int(chosen.sum())
    scope = (f"in the corridors of {'the' if n > 1 else 'its'} {n} section{'s' if n > 1 else ''} "
             f"({params.figures.corridor_km:g} km either side of the line)")
    events = _kpi("Events", total[0], before[0], params.k)
    return Briefing(
        window=window, generated_at=generated_at, source=source, k=params.k,
        kpis=(events, _kpi("Persons", total[1], before[1], params.k, summed_from=events),
              _kpi("High / very high impact", total[2], before[2], params.k)),
        sections=table.reset_index(drop=True), trend=trend,
        total_trend=total_trend,
        cells=cells.cells,
        suppression={"section_values": int(table["suppressed"].sum()), "cells_coarsened": cells.coarsened_cells,
                     "events_dropped_from_map": cells.dropped_events},
        scope=scope,
        outside=_kpi("Events outside these corridors", index.totals(window).events - total[0],
                     index.totals(window.previous()).events - before[0], params.k),
        corridor_km=params.figures.corridor_km,
    )
