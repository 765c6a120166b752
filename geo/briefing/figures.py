"""Per-section figures for a period: events and persons by type, change, hot cells, coverage, trend.

The events are those of an :class:`geo.grid.index.EventIndex`, each assigned once to a section by
:func:`geo.briefing.sections.assign_to_sections` (an array aligned with ``index.events``); a period's
figures are then a binary search on the sorted times and a few ``np.bincount`` calls.

Coverage comes from the sensor-coverage work when it is present: pass either the covered share
per section, or the covered H3 cells (at :attr:`FigureParams.res`); without it the share is NaN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import h3
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from babel.dates import format_date

from geo.analysis import hot_spot_classes, study_area
from geo.briefing.sections import assign_to_sections
from geo.errors import SectionError, msg
from geo.grid import VIEW_RES_RANGE, EventIndex, Filters, cells_latlng
from geo.i18n import Translator, translator
from geo.models import EVENT_TYPES, HIGH_IMPACT
from geo.spatial import geometry_to_lonlat, geometry_to_m, utm_crs_of
from geo.timewindow import TimeWindow


@dataclass(frozen=True, slots=True)
class FigureParams:
    """How sections' figures are computed.

    Attributes
    ----------
    corridor_km : float
        Half-width of each section's corridor, km: events and cells farther from every section count for none.
    res : int
        H3 resolution of the cells for the hot-cell and coverage shares (7: ~5 km2 cells).
    hot_min_class : int
        Gi* class (FDR-controlled) from which a cell counts as hot: 1 = 90 %, 2 = 95 %, 3 = 99 %.
    notable_persons : int
        An event with at least this many persons is notable, as is any high or very high impact event.
    """

    corridor_km: float = 10.0
    res: int = 7
    hot_min_class: int = 2
    notable_persons: int = 10

    def __post_init__(self) -> None:
        if not self.corridor_km > 0:
            raise SectionError(msg("corridor_km must be > 0; got {corridor_km}", corridor_km=self.corridor_km))
        if not VIEW_RES_RANGE[0] <= self.res <= VIEW_RES_RANGE[1]:
            raise SectionError(msg("res must be in {low}..{high}; got {res}",
                                   low=VIEW_RES_RANGE[0], high=VIEW_RES_RANGE[1], res=self.res))
        if self.hot_min_class not in (1, 2, 3):
            raise SectionError(msg("hot_min_class must be 1, 2 or 3; got {hot_min_class}",
                                   hot_min_class=self.hot_min_class))


def _sums(index: EventIndex, assignment: npt.NDArray[np.int64], window: TimeWindow, n_sections: int
          ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Events and persons per (section, type) and high-impact events per section in ``window``."""
    part = index.window_slice(window)
    section = assignment[part]
    inside = section >= 0
    key = section[inside] * len(EVENT_TYPES) + index.type_code[part][inside]
    size = n_sections * len(EVENT_TYPES)
    events = np.bincount(key, minlength=size).reshape(n_sections, -1)
    persons = np.rint(np.bincount(key, weights=index.persons[part][inside], minlength=size)).astype(np.int64)
    high = np.bincount(section[inside], weights=index.high_impact[part][inside], minlength=n_sections)
    return events, persons.reshape(n_sections, -1), np.rint(high).astype(np.int64)


def cell_sections(cells: npt.NDArray[np.uint64], sections: gpd.GeoDataFrame, *, corridor_km: float
                  ) -> npt.NDArray[np.int64]:
    """The section (position in ``sections``) whose corridor holds each cell's centre, or -1."""
    centres = cells_latlng(cells)
    return assign_to_sections(centres[:, 0], centres[:, 1], sections, corridor_km=corridor_km)


def section_coverage(covered: pd.Series, sections: gpd.GeoDataFrame, *, corridor_km: float) -> dict[str, float]:
    """The share of each section's corridor that is covered, from per-cell coverage of any resolution.

    ``covered`` is a boolean Series indexed by H3 cell (the coverage planner's corridor cells);
    each cell counts for the section whose corridor holds its centre. Sections without corridor
    cells are left out (their share is unknown, not zero).
    """
    n_cells, n_covered = _cells_by_section(covered.index.to_numpy(dtype=np.uint64), covered.to_numpy(dtype=float),
                                           sections, corridor_km=corridor_km)
    return {str(sid): float(n_covered[i] / n_cells[i]) for i, sid in enumerate(sections["section_id"]) if n_cells[i]}


def _cells_by_section(cells: npt.NDArray[np.uint64], flags: npt.NDArray[np.float64], sections: gpd.GeoDataFrame, *,
                      corridor_km: float) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Per section: how many of ``cells`` lie in its corridor, and how many of those are flagged."""
    owner = cell_sections(cells, sections, corridor_km=corridor_km)
    inside = owner >= 0
    return (np.bincount(owner[inside], minlength=len(sections)),
            np.bincount(owner[inside], weights=flags[inside], minlength=len(sections)))


def _hot_share(index: EventIndex, window: TimeWindow, sections: gpd.GeoDataFrame, params: FigureParams
               ) -> npt.NDArray[np.float64]:
    """Share of each section's corridor cells that are Gi* hot spots in ``window``."""
    area = study_area(index.cells_at(params.res))
    counts = index.aggregate(Filters(window, EVENT_TYPES, params.res)).set_index("cell")["events"]
    share = np.zeros(len(sections))
    if area.size < 3 or counts.nunique() < 2:
        return share
    hot = (hot_spot_classes(counts, area) >= params.hot_min_class).to_numpy(dtype=float)
    n_cells, n_hot = _cells_by_section(area, hot, sections, corridor_km=params.corridor_km)
    return np.where(n_cells > 0, n_hot / np.maximum(n_cells, 1), 0.0)


def _coverage_share(sections: gpd.GeoDataFrame, params: FigureParams, *, coverage: Mapping[str, float] | None,
                    covered_cells: npt.NDArray[np.uint64] | None) -> npt.NDArray[np.float64]:
    if coverage is not None:
        return np.array([float(coverage.get(sid, np.nan)) for sid in sections["section_id"]])
    if covered_cells is None:
        return np.full(len(sections), np.nan)
    # The corridor's cells: those whose centre lies within it, at the figures' resolution.
    corridor = np.unique(np.concatenate([
        np.array([h3.str_to_int(c) for c in h3.geo_to_cells(area, params.res)], dtype=np.uint64)
        for area in (geometry_to_lonlat(shapely.buffer(geometry_to_m(line, crs=utm_crs_of(line)),
                                                        params.corridor_km * 1000.0), crs=utm_crs_of(line))
                     for line in sections.geometry)
    ]))
    covered = pd.Series(np.isin(corridor, np.asarray(covered_cells, dtype=np.uint64)), index=corridor)
    shares = section_coverage(covered, sections, corridor_km=params.corridor_km)
    return np.array([shares.get(str(sid), np.nan) for sid in sections["section_id"]])


def section_figures(index: EventIndex, assignment: npt.NDArray[np.int64], sections: gpd.GeoDataFrame,
                    window: TimeWindow, *, params: FigureParams = FigureParams(),
                    coverage: Mapping[str, float] | None = None,
                    covered_cells: npt.NDArray[np.uint64] | None = None) -> pd.DataFrame:
    """Each section's figures in ``window`` and the change against the window before.

    Parameters
    ----------
    index : EventIndex
        The events.
    assignment : numpy.ndarray of int64
        Section position per event of ``index.events`` (-1: outside every corridor), from
        :func:`geo.briefing.sections.assign_to_sections`.
    sections : geopandas.GeoDataFrame
        The sections (:data:`geo.briefing.sections.SECTION_COLUMNS`).
    window : TimeWindow
        The period; the previous period is the window of equal length before it.
    params : FigureParams
        Corridor, resolution and thresholds.
    coverage : mapping of str to float, optional
        Covered share (0-1) of each section's corridor, by ``section_id``.
    covered_cells : numpy.ndarray of uint64, optional
        H3 cells at ``params.res`` covered by sensors; used when ``coverage`` is not given.

    Returns
    -------
    pandas.DataFrame
        One row per section, in ``sections``' order: ``section_id``, ``name``, ``length_km``,
        ``events``, ``persons``, ``high_impact``, ``events_prev``, ``persons_prev``,
        ``change_pct`` (events against the previous period, NaN when it had none),
        ``events_per_10km_day``, ``hot_share`` and ``coverage_share`` (0-1), and
        ``events_<type>`` / ``persons_<type>`` for every event type.
    """
    if len(assignment) != len(index):
        raise SectionError(msg("the assignment has {n_assigned} entries for {n_events} events: assign again",
                               n_assigned=len(assignment), n_events=len(index)))
    n = len(sections)
    events, persons, high = _sums(index, assignment, window, n)
    events_prev, persons_prev, _ = _sums(index, assignment, window.previous(), n)
    total, total_prev = events.sum(axis=1), events_prev.sum(axis=1)
    days = window.duration.total_seconds() / 86_400.0
    with np.errstate(invalid="ignore", divide="ignore"):
        change = np.where(total_prev > 0, 100.0 * (total - total_prev) / np.maximum(total_prev, 1), np.nan)
    frame = pd.DataFrame({
        "section_id": sections["section_id"].to_numpy(), "name": sections["name"].to_numpy(),
        "length_km": sections["length_km"].to_numpy(dtype=float),
        "events": total, "persons": persons.sum(axis=1), "high_impact": high,
        "events_prev": total_prev, "persons_prev": persons_prev.sum(axis=1), "change_pct": change,
    })
    frame["events_per_10km_day"] = frame["events"] / (frame["length_km"] / 10.0) / days
    frame["hot_share"] = _hot_share(index, window, sections, params)
    frame["coverage_share"] = _coverage_share(sections, params, coverage=coverage, covered_cells=covered_cells)
    for code, name in enumerate(EVENT_TYPES):
        frame[f"events_{name}"] = events[:, code]
        frame[f"persons_{name}"] = persons[:, code]
    return frame


def section_series(index: EventIndex, assignment: npt.NDArray[np.int64], window: TimeWindow, *, n_sections: int,
                   freq: str = "D") -> pd.DataFrame:
    """Events per time bin (``freq``: ``"D"`` days, ``"h"`` hours, UTC) and section position, zeros included.

    Returns a frame indexed by bin start with one column per section position ``0..n_sections-1``.
    """
    part = index.window_slice(window)
    bins = pd.date_range(pd.Timestamp(window.start).floor(freq), pd.Timestamp(window.end), freq=freq, inclusive="left")
    edges_s = np.append(bins.as_unit("s").asi8, int(window.end.timestamp()))
    section = assignment[part]
    inside = section >= 0
    which = np.searchsorted(edges_s, index.t_s[part][inside], side="right") - 1
    counts = np.bincount(which * n_sections + section[inside], minlength=len(bins) * n_sections)
    return pd.DataFrame(counts.reshape(len(bins), n_sections), index=bins.rename("time"))


def notable_events(index: EventIndex, assignment: npt.NDArray[np.int64], window: TimeWindow, *, section: int,
                   params: FigureParams = FigureParams(), limit: int = 5) -> pd.DataFrame:
    """The latest notable events of one section (position) in ``window``, newest first.

    Notable: high or very high impact, or at least ``params.notable_persons`` persons. These are
    event rows for the control room only; no export carries them (see :mod:`geo.briefing.suppression`).
    """
    part = index.window_slice(window)
    rows = np.flatnonzero(assignment[part] == section) + part.start
    chosen = index.events.iloc[rows]
    notable = chosen["impact"].isin(HIGH_IMPACT) | (chosen["persons"] >= params.notable_persons)
    # An index without event ids (the store's mirror) gives each event's store ``seq`` to read the id by.
    key = "event_id" if "event_id" in chosen else "seq"
    return chosen.loc[notable, ["occurred_at", "type", "persons", "impact", key]].iloc[::-1].head(limit)


def day_labels(days: pd.DatetimeIndex, *, tr: Translator | None = None, sep: str = "\n") -> list[str]:
    """One label per daily bar, in ``tr``'s language (default English): "21 Nov" for up to nine bars; for more
    the day of the month, with the month after ``sep`` under the first bar and under each first of a month."""
    locale = (tr or translator()).locale
    if len(days) <= 9:
        return [format_date(d, "d MMM", locale=locale) for d in days]
    return [f"{d.day}{sep}{format_date(d, 'MMM', locale=locale)}" if i == 0 or d.day == 1 else str(d.day)
            for i, d in enumerate(days)]
