"""The Briefing page: a period's picture by border section, impact levels, and the briefing pack downloads.

Everything shown here is the :class:`geo.briefing.build.Briefing` that the PDF and the exports carry, so
what the room sees is what leaves it (counts below k blanked); the notable events of a section
are the one control-room-only view.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import streamlit as st

from dashboard import cache
from dashboard.auth import audit, require_page
from dashboard.components.briefing_panels import (
    SECTION_COVERAGE,
    SECTION_SUFFIXES,
    briefing_controls,
    briefing_kpis,
    briefing_map,
    briefing_trends,
    downloads,
    section_detail,
    section_table,
)
from dashboard.components.briefing_routes import briefing_routes, routes_section
from dashboard.components.partner_view import partner_section_levels
from dashboard.config import settings
from dashboard.i18n import _, border_zone, session_language, tr
from dashboard.plain import plain
from dashboard.uploads import saved_upload
from geo.briefing import (
    BriefingParams,
    FigureParams,
    SectionSource,
    build_briefing,
    current_levels,
    period_text,
    section_coverage,
)
from geo.errors import LimesError, UploadRejected, describe
from geo.trust import may


def render() -> None:
    """Draw the page."""
    who = require_page("briefing")
    index = cache.event_index()
    span = index.time_range()
    if span is None:
        st.info(_("The store holds no events yet: import a file on the Data page, or start `limes demo`."))
        st.stop()
    now = datetime.now(timezone.utc)
    try:  # a period whose last day precedes its first is the user's to correct, not a crash
        choice = briefing_controls(now=now, data_start=span[0], data_end=span[1])
    except LimesError as exc:
        st.error(plain(describe(exc, tr())))
        st.stop()
    figures = FigureParams(corridor_km=choice.corridor_km)
    try:
        with saved_upload(choice.upload, allowed=SECTION_SUFFIXES) as path:
            source = SectionSource(path=path, target_length_km=choice.target_length_km)
            sections = cache.border_sections(source)
            assignment = cache.section_assignment(index, source=source, corridor_km=choice.corridor_km)
        coverage = None
        if choice.with_coverage:
            minute = now.replace(second=0, microsecond=0)
            assessment = cache.coverage_assessment(SECTION_COVERAGE, cache.stored_sensors(), minute)
            coverage = section_coverage(assessment.coverage["covered"], sections, corridor_km=choice.corridor_km)
        briefing = build_briefing(index, assignment, sections, choice.window, generated_at=now,
                                  set_levels=current_levels(cache.current_store()),
                                  params=BriefingParams(k=choice.k, figures=figures), coverage=coverage, tr=tr())
    except LimesError as exc:
        st.error(plain(describe(exc, tr())))
        if isinstance(exc, UploadRejected) and choice.upload is not None:
            audit(who, "import", target=choice.upload.name, outcome="denied", detail=f"border sections: {exc}")
        if span[1] < now - timedelta(days=30):
            st.info(_("The stored events end on {day}: choose a custom period to brief on them.").format(
                day=tr().date(span[1].date())))
        st.stop()
    w = briefing.window
    st.markdown(_("### Briefing · {region}, border sections  \n{period}, against the {length} before").format(
        region=plain(settings().region.title_for(session_language())), period=plain(period_text(w, tr(), border_zone())),  # "23. 11." no list
        length=plain(tr().duration(w.duration))))
    briefing_kpis(briefing)
    briefing_trends(briefing)
    map_col, table_col = st.columns([1.25, 1])
    with table_col:
        section_table(briefing)
        partner_section_levels()
    st.divider()
    try:
        positions = {sid: i for i, sid in enumerate(sections["section_id"])}
        chosen = section_detail(briefing, index, assignment, positions=positions, figures=figures)
    except LimesError as exc:
        st.error(plain(describe(exc, tr())))
        chosen = None
    with map_col:
        briefing_map(briefing, highlight=chosen)
    routes = None
    if choice.with_routes:
        st.divider()
        try:
            routes = briefing_routes(index, choice.window, k=choice.k, params=SECTION_COVERAGE, now=now)
            routes_section(routes)
        except LimesError as exc:
            st.error(plain(describe(exc, tr())))
    st.divider()
    if may(who.roles, "export_aggregates"):
        downloads(briefing, cache.basemap(), who, routes=routes)


render()
