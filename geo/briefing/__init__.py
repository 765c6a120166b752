"""The commanders' briefing: border sections, their figures and impact levels, suppression, the pack.

Every count that leaves the room passes small-count suppression first.
"""

from geo.briefing.build import Briefing, BriefingParams, build_briefing
from geo.briefing.figures import FigureParams, notable_events, section_coverage, section_figures, section_series
from geo.briefing.levels import (
    DEFAULT_RULES,
    LEVEL_COLOURS,
    REACTIONS,
    SECTION_LEVELS,
    current_levels,
    effective_levels,
    level_history,
    load_rules,
    propose_level,
    propose_levels,
    record_level,
)
from geo.briefing.pack import (
    ReportOptions,
    briefing_from_store,
    cells_csv,
    read_rules,
    sections_csv,
    sections_geojson,
    sections_geoparquet,
    write_report,
)
from geo.briefing.pdf import render_map_png, render_pdf, render_routes_png
from geo.briefing.routepage import NEAR_KM, PlannerRoutes, planner_routes, route_rows, table_columns
from geo.briefing.sections import (
    SectionSource,
    assign_to_sections,
    make_sections,
    read_sections,
    sections_by_length,
    sections_from_areas,
)
from geo.briefing.suppression import (
    DEFAULT_K,
    SECTION_COUNT_COLUMNS,
    check_suppressed,
    suppress_cells,
    suppress_section_figures,
    suppress_series,
)

__all__ = [
    "Briefing",
    "BriefingParams",
    "DEFAULT_K",
    "DEFAULT_RULES",
    "FigureParams",
    "LEVEL_COLOURS",
    "NEAR_KM",
    "PlannerRoutes",
    "REACTIONS",
    "ReportOptions",
    "SECTION_COUNT_COLUMNS",
    "SECTION_LEVELS",
    "SectionSource",
    "assign_to_sections",
    "briefing_from_store",
    "build_briefing",
    "cells_csv",
    "check_suppressed",
    "current_levels",
    "effective_levels",
    "level_history",
    "load_rules",
    "make_sections",
    "notable_events",
    "planner_routes",
    "propose_level",
    "propose_levels",
    "read_rules",
    "read_sections",
    "record_level",
    "render_map_png",
    "render_pdf",
    "render_routes_png",
    "route_rows",
    "table_columns",
    "section_coverage",
    "section_figures",
    "section_series",
    "sections_by_length",
    "sections_csv",
    "sections_from_areas",
    "sections_geojson",
    "sections_geoparquet",
    "suppress_cells",
    "suppress_section_figures",
    "suppress_series",
    "write_report",
]
