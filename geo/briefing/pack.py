"""The briefing pack: everything about a briefing that leaves the control room, and ``limes report``.

- Exports of the aggregated figures: sections as CSV, GeoJSON and GeoParquet, the map's hexagons as
  CSV. They come from a :class:`geo.briefing.build.Briefing`, so they have passed small-count
  suppression; :func:`geo.briefing.suppression.check_suppressed` runs again on every table before it is
  written, so that a future change upstream cannot leak a small count. No event rows, event ids,
  times or positions of single events are in any export: sections carry their line geometry and
  figures, hexagons their H3 id and counts.
- :func:`briefing_from_store` and :func:`write_report`: from a store and a period to the PDF (and,
  on request, the PNG map and the figures) on disk, the same steps as the Briefing page's.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd

from geo.briefing.build import DEFAULT_SOURCE, Briefing, BriefingParams, build_briefing
from geo.briefing.levels import LevelRules, current_levels, load_rules
from geo.briefing.pdf import render_map_png, render_pdf
from geo.briefing.routepage import PlannerRoutes
from geo.briefing.sections import SectionSource, assign_to_sections, make_sections
from geo.briefing.suppression import SECTION_COUNT_COLUMNS, check_suppressed
from geo.errors import BriefingError, msg
from geo.exports import csv_bytes
from geo.grid import EventIndex, cells_to_hex
from geo.i18n import Translator, translator
from geo.spatial import Basemap
from geo.store import Store, read_events
from geo.timewindow import TimeWindow

EXPORT_COLUMNS: Final[tuple[str, ...]] = (
    "section_id", "name", "pair", "length_km", "level", "proposed_level", "level_set", "evidence",
    "events", "persons", "high_impact", "events_prev", "persons_prev", "change_pct", "events_per_10km_day",
    "hot_share", "coverage_share",
)
"""Leading columns of the section exports; the by-type counts follow."""


def sections_table(briefing: Briefing) -> gpd.GeoDataFrame:
    """The sections' suppressed figures as one flat table with period, threshold and geometry (EPSG:4326)."""
    s = briefing.sections
    by_type = [c for c in s.columns if c.startswith(("events_", "persons_")) and c not in EXPORT_COLUMNS]
    table = s[[*EXPORT_COLUMNS, *by_type]].copy()
    table["evidence"] = ["; ".join(lines) for lines in table["evidence"]]
    table.insert(0, "period_start", briefing.window.start.isoformat())
    table.insert(1, "period_end", briefing.window.end.isoformat())
    table["k"] = briefing.k
    check_suppressed(table, columns=SECTION_COUNT_COLUMNS, k=briefing.k)
    return gpd.GeoDataFrame(table, geometry=s.geometry.to_numpy(), crs="EPSG:4326")


def cells_table(briefing: Briefing) -> pd.DataFrame:
    """The map's hexagons: ``h3`` (hex id), ``res``, ``events``, ``persons``, all at or above k."""
    cells = briefing.cells
    table = pd.DataFrame({"h3": cells_to_hex(cells["cell"].to_numpy()), "res": cells["res"].to_numpy(),
                          "events": cells["events"].to_numpy(), "persons": cells["persons"].to_numpy()})
    check_suppressed(table, columns=("events", "persons"), k=briefing.k)
    return table


def sections_csv(briefing: Briefing) -> bytes:
    """Sections as CSV (UTF-8, no geometry; blanked counts are empty fields; text cells never formulas)."""
    return csv_bytes(pd.DataFrame(sections_table(briefing).drop(columns="geometry")))


def sections_geojson(briefing: Briefing) -> bytes:
    """Sections as a GeoJSON FeatureCollection (EPSG:4326 lines; blanked counts are null)."""
    return sections_table(briefing).to_json(na="null", drop_id=True).encode("utf-8")


def sections_geoparquet(briefing: Briefing) -> bytes:
    """Sections as GeoParquet (EPSG:4326; blanked counts are null)."""
    buffer = io.BytesIO()
    sections_table(briefing).to_parquet(buffer, index=False)
    return buffer.getvalue()


def cells_csv(briefing: Briefing) -> bytes:
    """The map's hexagons as CSV."""
    return csv_bytes(cells_table(briefing))


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """Everything ``limes report`` can be told besides the period and the output file."""

    sections: SectionSource = SectionSource()
    only: tuple[str, ...] = ()
    params: BriefingParams = BriefingParams()
    source: str = DEFAULT_SOURCE


def briefing_from_store(store: Store, window: TimeWindow, *, options: ReportOptions, basemap: Basemap,
                        generated_at: datetime, tr: Translator | None = None) -> Briefing:
    """The suppressed briefing of ``window`` for the events and level decisions in ``store``, its evidence in
    ``tr``'s language (default English)."""
    events = read_events(store)
    if events.empty:
        raise BriefingError(msg("the store holds no events: import a file (limes import) or start limes demo first"))
    index = EventIndex(events)
    sections = make_sections(options.sections, basemap)
    assignment = assign_to_sections(index.events["lat"], index.events["lon"], sections,
                                    corridor_km=options.params.figures.corridor_km)
    return build_briefing(index, assignment, sections, window, generated_at=generated_at,
                          set_levels=current_levels(store), params=options.params, source=options.source,
                          only=options.only, tr=tr)


def write_report(briefing: Briefing, basemap: Basemap, *, out: Path, extra_outputs: dict[str, Path],
                 routes: PlannerRoutes | None = None, tr: Translator = translator("en")) -> list[Path]:
    """Write the PDF to ``out`` (with the planners' routes page if ``routes`` are given) and each extra output
    (kind ``png``, ``csv``, ``geojson`` or ``parquet`` -> path), the PDF and PNG in ``tr``'s language; returns the
    paths written."""
    writers = {"png": lambda: render_map_png(briefing, basemap, tr=tr), "csv": lambda: sections_csv(briefing),
               "geojson": lambda: sections_geojson(briefing), "parquet": lambda: sections_geoparquet(briefing)}
    unknown = sorted(set(extra_outputs) - set(writers))
    if unknown:
        raise BriefingError(msg("unknown output kind(s) {unknown}; known: {known}",
                                unknown=unknown, known=sorted(writers)))
    written = []
    for kind, path in [("pdf", out), *extra_outputs.items()]:
        data = render_pdf(briefing, basemap, routes=routes, tr=tr) if kind == "pdf" else writers[kind]()
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise BriefingError(msg("cannot write {path}: {strerror}", path=path, strerror=exc.strerror)) from None
        written.append(path)
    return written


def read_rules(path: Path) -> LevelRules:
    """The level rules of a TOML file (see :mod:`geo.briefing.levels`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BriefingError(msg("cannot read the level rules {path}: {strerror}",
                                path=path, strerror=exc.strerror)) from None
    return load_rules(text)
