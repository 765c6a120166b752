"""From a store and a period to a briefing pack on disk: what ``limes report`` runs.

The steps are the same as the Briefing page's: sections (automatic or from a file), events
assigned to them, the levels people set from the store, the suppressed briefing, then the PDF
and, on request, the PNG map and the CSV / GeoJSON / GeoParquet figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from geo.aggregate import EventIndex
from geo.briefing import Briefing, BriefingParams, build_briefing
from geo.briefing_export import sections_csv, sections_geojson, sections_geoparquet
from geo.briefing_pdf import render_map_png, render_pdf
from geo.errors import BriefingError
from geo.geodata import Basemap
from geo.levels import LevelRules, current_levels, load_rules
from geo.sections import SectionSource, assign_to_sections, make_sections
from geo.store import Store
from geo.timewindow import TimeWindow


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """Everything ``limes report`` can be told besides the period and the output file."""

    sections: SectionSource = SectionSource()
    only: tuple[str, ...] = ()
    params: BriefingParams = BriefingParams()
    source: str = "Limes event store"


def briefing_from_store(store: Store, window: TimeWindow, *, options: ReportOptions, basemap: Basemap,
                        generated_at: datetime) -> Briefing:
    """The suppressed briefing of ``window`` for the events and level decisions in ``store``."""
    events = store.read_events()
    if events.empty:
        raise BriefingError("the store holds no events: import a file (limes import) or start limes demo first")
    index = EventIndex(events)
    sections = make_sections(options.sections, basemap)
    assignment = assign_to_sections(index.events["lat"], index.events["lon"], sections,
                                    corridor_km=options.params.figures.corridor_km)
    return build_briefing(index, assignment, sections, window, generated_at=generated_at,
                          set_levels=current_levels(store), params=options.params, source=options.source,
                          only=options.only)


def write_report(briefing: Briefing, basemap: Basemap, *, out: Path, extra_outputs: dict[str, Path]) -> list[Path]:
    """Write the PDF to ``out`` and each extra output (kind ``png``, ``csv``, ``geojson`` or ``parquet``
    -> path); returns the paths written."""
    writers = {"png": lambda: render_map_png(briefing, basemap), "csv": lambda: sections_csv(briefing),
               "geojson": lambda: sections_geojson(briefing), "parquet": lambda: sections_geoparquet(briefing)}
    unknown = sorted(set(extra_outputs) - set(writers))
    if unknown:
        raise BriefingError(f"unknown output kind(s) {unknown}; known: {sorted(writers)}")
    written = []
    for kind, path in [("pdf", out), *extra_outputs.items()]:
        data = render_pdf(briefing, basemap) if kind == "pdf" else writers[kind]()
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise BriefingError(f"cannot write {path}: {exc.strerror}") from None
        written.append(path)
    return written


def read_rules(path: Path) -> LevelRules:
    """The level rules of a TOML file (see :mod:`geo.levels`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BriefingError(f"cannot read the level rules {path}: {exc.strerror}") from None
    return load_rules(text)
