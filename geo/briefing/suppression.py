"""Small-count suppression for everything that leaves the control room (briefing PDF, PNG, CSV, GeoJSON, GeoParquet).

A published count between 1 and k-1 (events or persons) can single out a person or a family, so:

- **cells** below k (events or persons) are merged into their parent cell, level by level up to a coarsest
  resolution; what is still below k there is dropped (:func:`suppress_cells`). A parent then
  carries only the remainder of its children not shown finer, so no subtraction reveals them;
- **section figures** below k are blanked; a persons figure is blanked with the events figure it is
  summed from (``persons`` with ``events``, ``persons_prev`` with ``events_prev``, ``persons_<type>``
  with ``events_<type>``), since a magnitude is published only over k or more contributors: "events <5,
  persons 12" would give the size of a group the blank hides. When a row is left with a single blanked
  by-type figure (events or persons), the next smallest is blanked too, so that the total minus the
  others does not give it back; ratios built on a blanked count are blanked with it
  (:func:`suppress_section_figures`);
- **trend bins** below k are blanked (:func:`suppress_series`); where they are published beside totals of the
  same events (a section's days beside its events of the period, a day's sections beside the day's total, the
  days beside the headline), further bins are blanked, smallest first, until no total minus the published bins
  gives back a sum between 1 and k-1 and no blanked bin is pinned by the totals together (:func:`suppress_trends`,
  the rules in :mod:`geo.briefing._complement`). Bins and day totals are blanked, never a section's events or
  the headline: those are figures of their own (blanking one would carry over to its persons, types, ratios
  and evidence), and enough bins can always be found (all the bins of a line sum to its total, 0 or >= k).

Zero is published: it singles out no one; only a persons zero beside blanked events is blanked, as it
describes those few events. Raw events never reach an export; exporters call
:func:`check_suppressed` on what they write as a last guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from geo.briefing._complement import protect_table
from geo.errors import BriefingError, msg
from geo.grid import cell_resolutions, parent_cells
from geo.models import EVENT_TYPES

DEFAULT_K: Final[int] = 5

TYPE_EVENT_COLUMNS: Final[tuple[str, ...]] = tuple(f"events_{t}" for t in EVENT_TYPES)
TYPE_PERSON_COLUMNS: Final[tuple[str, ...]] = tuple(f"persons_{t}" for t in EVENT_TYPES)
SECTION_COUNT_COLUMNS: Final[tuple[str, ...]] = (
    "events", "persons", "high_impact", "events_prev", "persons_prev", *TYPE_EVENT_COLUMNS, *TYPE_PERSON_COLUMNS,
)
"""The count columns of a figures frame that suppression looks at."""
SUMMED_FROM: Final[dict[str, str]] = {
    "persons": "events", "persons_prev": "events_prev", **dict(zip(TYPE_PERSON_COLUMNS, TYPE_EVENT_COLUMNS)),
}
"""Each persons figure and the events figure whose events it is summed over (its contributors)."""

_DERIVED_FROM: Final[dict[str, tuple[str, ...]]] = {
    "change_pct": ("events", "events_prev"),
    "events_per_10km_day": ("events",),
}
"""Ratios that would give a blanked count back, and the counts they are built on."""


def _check_k(k: int) -> None:
    if not isinstance(k, int) or k < 1:
        raise BriefingError(msg("the suppression threshold k must be an integer >= 1; got {k!r}", k=k))


def _small(values: pd.Series | np.ndarray, k: int) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return (array > 0) & (array < k)


@dataclass(frozen=True, slots=True)
class SuppressedCells:
    """Cells safe to publish, and what suppression did to get there.

    Attributes
    ----------
    cells : pandas.DataFrame
        ``cell`` (uint64), ``res``, ``events``, ``persons``: every row has at least k events and
        no persons count between 1 and k-1. Resolutions may be mixed (merged parents).
    coarsened_cells : int
        Input cells not published at their own resolution (merged into a parent, or dropped).
    dropped_events : int
        Events in cells still below k at the coarsest resolution, published nowhere.
    """

    cells: pd.DataFrame
    coarsened_cells: int
    dropped_events: int


def suppress_cells(cells: pd.DataFrame, *, k: int = DEFAULT_K, coarsest_res: int = 5) -> SuppressedCells:
    """Merge cells below ``k`` into parents up to ``coarsest_res``; drop what stays below ``k``.

    Parameters
    ----------
    cells : pandas.DataFrame
        ``cell`` (uint64 H3 ids, all of one resolution), ``events`` and ``persons``.
    k : int
        Smallest count that may be published.
    coarsest_res : int
        The coarsest resolution cells are merged up to (5: ~250 km2).
    """
    _check_k(k)
    missing = {"cell", "events", "persons"} - set(cells.columns)
    if missing:
        raise BriefingError(msg("cells to suppress lack column(s) {missing}", missing=sorted(missing)))
    current = cells[["cell", "events", "persons"]].copy()
    current["cell"] = current["cell"].to_numpy(dtype=np.uint64)
    res = int(cell_resolutions(current["cell"].to_numpy())[0]) if len(current) else coarsest_res
    if len(current) and (cell_resolutions(current["cell"].to_numpy()) != res).any():
        raise BriefingError(msg("cells to suppress must all be of one resolution"))
    kept: list[pd.DataFrame] = []
    while True:
        small = _small(current["events"], k) | _small(current["persons"], k)
        kept.append(current[~small].assign(res=res))
        rest = current[small]
        if rest.empty or res <= coarsest_res:
            break
        res -= 1
        current = (rest.assign(cell=parent_cells(rest["cell"].to_numpy(dtype=np.uint64), res))
                   .groupby("cell", as_index=False)[["events", "persons"]].sum())
    out = pd.concat(kept, ignore_index=True)[["cell", "res", "events", "persons"]]
    out = out[out["events"] > 0].sort_values(["res", "cell"]).reset_index(drop=True)
    return SuppressedCells(cells=out, coarsened_cells=len(cells) - len(kept[0]), dropped_events=int(rest["events"].sum()))


def _blank_one_more(blank: pd.DataFrame, values: pd.DataFrame, columns: list[str]) -> None:
    """In rows of ``columns`` with exactly one blank, also blank the smallest other non-zero value (in place).

    One blank in a row is given back by the total minus the others; two are not, one by one.
    """
    flags = blank[columns].to_numpy()
    numbers = values[columns].to_numpy(dtype=float)
    for row in np.flatnonzero(flags.sum(axis=1) == 1):
        candidates = np.where(~flags[row] & (numbers[row] > 0), numbers[row], np.inf)
        # No other non-zero value: the total equals the blanked one, and is blanked too (below k, or with its events).
        if np.isfinite(candidates.min()):
            blank.iloc[row, blank.columns.get_loc(columns[int(np.argmin(candidates))])] = True


def suppress_section_figures(figures: pd.DataFrame, *, k: int = DEFAULT_K) -> pd.DataFrame:
    """Figures with every count between 1 and ``k``-1 blanked (``pd.NA``), persons wherever their events are
    blanked, one more by-type figure where a single one would be given back, and ratios built on them.

    Parameters
    ----------
    figures : pandas.DataFrame
        A figures frame (:func:`geo.briefing.figures.section_figures`): counts of
        :data:`SECTION_COUNT_COLUMNS` and ratios; columns it lacks are left out of the rules.
    k : int
        Smallest count that may be published.

    Returns
    -------
    pandas.DataFrame
        ``figures`` with count columns as nullable integers (``Int64``), blanked values ``pd.NA``,
        and ``suppressed``: how many values of the row were blanked.
    """
    _check_k(k)
    out = figures.copy()
    blank = pd.DataFrame(False, index=out.index, columns=[c for c in SECTION_COUNT_COLUMNS if c in out.columns])
    for column in blank.columns:
        blank[column] = _small(out[column], k)
    # Events first: the blanks their own complement adds must carry over to the persons summed from them.
    _blank_one_more(blank, out, [c for c in TYPE_EVENT_COLUMNS if c in blank.columns])
    for persons, events in SUMMED_FROM.items():
        if persons in blank.columns and events in blank.columns:
            blank[persons] |= blank[events]
    # Persons blanks never carry back to events, so the events' complement still holds after this.
    _blank_one_more(blank, out, [c for c in TYPE_PERSON_COLUMNS if c in blank.columns])
    for column in blank.columns:
        out[column] = out[column].astype("Int64").mask(blank[column].to_numpy())
    for ratio, sources in _DERIVED_FROM.items():
        if ratio in out.columns:
            out[ratio] = out[ratio].astype(float).mask(blank[[s for s in sources if s in blank]].any(axis=1))
    out["suppressed"] = blank.sum(axis=1).astype(int)
    return out


def suppress_series(series: pd.DataFrame | pd.Series, *, k: int = DEFAULT_K) -> pd.DataFrame | pd.Series:
    """Counts with values between 1 and ``k``-1 blanked (NaN, float), for counts published without a total of the
    same events beside them (a series with its totals: :func:`suppress_trends`)."""
    _check_k(k)
    values = series.astype(float)
    return values.mask((values > 0) & (values < k))


def suppress_trends(counts: pd.DataFrame, *, k: int = DEFAULT_K,
                    totals_shown: pd.Series | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """Trend counts and their per-bin totals with bins between 1 and ``k``-1 blanked, and further bins wherever
    the totals published beside them would give a blanked one back.

    Parameters
    ----------
    counts : pandas.DataFrame
        Events (>= 0) per time bin (index) and column (a section): all the events of each column, so that a
        column's sum is the total published beside it, and the sum of all is the headline.
    k : int
        Smallest count that may be published.
    totals_shown : pandas.Series of bool, optional
        Indexed by the columns of ``counts``: which column totals are published (default: those not between 1
        and ``k``-1). The grand total counts as published unless it is between 1 and ``k``-1 (the headline's rule).

    Returns
    -------
    tuple of pandas.DataFrame and pandas.Series
        The counts and the per-bin totals (events of the bin in all columns, named ``events``) as floats,
        blanked values NaN. After it, no published total minus its published terms is between 1 and ``k``-1,
        and no blanked bin is pinned by the totals taken together (unless only blanking a column total or the
        grand total could free it: those are decided by their own rules).
    """
    _check_k(k)
    values = counts.to_numpy(dtype=np.int64)
    column_totals = values.sum(axis=0)
    shown = ((column_totals == 0) | (column_totals >= k) if totals_shown is None
             else totals_shown.reindex(counts.columns, fill_value=True).to_numpy(dtype=bool))
    grand = int(values.sum())
    cells, totals = protect_table(values, k=k, column_totals_shown=shown, total_shown=not 0 < grand < k)
    trend = counts.astype(float).mask(cells)
    return trend, pd.Series(values.sum(axis=1), index=counts.index, name="events").astype(float).mask(totals)


def check_suppressed(frame: pd.DataFrame, *, columns: tuple[str, ...], k: int = DEFAULT_K) -> None:
    """Raise :class:`BriefingError` if any of ``columns`` holds a count between 1 and ``k``-1, or a persons
    figure of ``columns`` is published (not null) where the events it is summed from (:data:`SUMMED_FROM`,
    when ``frame`` has them) are blanked (null) or between 1 and ``k``-1."""
    for column in columns:
        if column in frame.columns and _small(frame[column].astype(float).fillna(0), k).any():
            raise BriefingError(msg("refusing to export: column {column!r} holds counts below k={k}",
                                    column=column, k=k))
    for persons, events in SUMMED_FROM.items():
        if persons in columns and persons in frame.columns and events in frame.columns:
            contributors = frame[events].astype(float)
            hidden = contributors.isna().to_numpy() | _small(contributors.fillna(0), k)
            if (frame[persons].notna().to_numpy() & hidden).any():
                raise BriefingError(msg("refusing to export: column {column!r} is published where {events!r} "
                                        "is blanked or below k={k}", column=persons, events=events, k=k))
