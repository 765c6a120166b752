"""The Briefing page: a period's picture by border section, impact levels, and the briefing pack downloads.

Everything shown here is the :class:`geo.briefing.build.Briefing` that the PDF and the exports carry, so
what the room sees is what leaves it (counts below k blanked); the notable events of a section
are the one control-room-only view.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import streamlit as st

from dashboard import cache
from dashboard.auth import require_page, viewer
from dashboard.components.briefing_panels import downloads, level_panel, section_table
from dashboard.components.filters import CUSTOM
from geo.briefing import (
    Briefing,
    BriefingParams,
    FigureParams,
    SectionSource,
    build_briefing,
    current_levels,
    notable_events,
    section_coverage,
)
from geo.coverage import CoverageParams
from geo.errors import LimesError
from geo.grid import EventIndex
from geo.ingest import guard_upload
from geo.timewindow import PRESETS, TimeWindow, day_range_window, preset_window
from geo.trust import may
from layers.colours import class_breaks
from layers.deck import TOOLTIP_STYLE, build_deck
from layers.hexagons import hexagon_layer
from layers.sections import fit_view, section_layers

SECTION_SUFFIXES: Final[frozenset[str]] = frozenset({".geojson", ".json", ".gpkg", ".parquet", ".shp"})
"""Section files a user may upload (a Shapefile inside a .zip with its sidecars)."""
MAP_HEIGHT_PX: Final[int] = 560
MAP_WIDTH_PX: Final[int] = 600
"""The map column's width on a 1600-px wide screen; the view fits the sections into it."""
TOOLTIP: Final[dict[str, object]] = {"html": "<b>{name}</b><br/>level {level}",
                                     "style": TOOLTIP_STYLE}


@dataclass(frozen=True, slots=True)
class BriefingChoice:
    """What the page's controls select."""

    window: TimeWindow
    sections: SectionSource
    corridor_km: float
    k: int
    with_coverage: bool


def _controls(*, now: datetime, data_start: datetime, data_end: datetime | None = None) -> BriefingChoice:
    """Period, section length, corridor width and k, in the sidebar (a custom period defaults to the data's
    last week, so history that ended years ago opens on its own last days)."""
    with st.sidebar:
        st.subheader("Briefing period")
        name = st.radio("Period", [*PRESETS, CUSTOM], index=1, key="briefing_window", label_visibility="collapsed")
        if name == CUSTOM:
            end = min(now, data_end or now)
            first = st.date_input("From (UTC)", value=max(data_start, end - timedelta(days=7)).date(),
                                  key="briefing_from", min_value=data_start.date(), max_value=now.date())
            last = st.date_input("To (UTC), included", value=end.date(), key="briefing_to",
                                 min_value=data_start.date(), max_value=now.date())
            window = day_range_window(_utc(first), _utc(last))
        else:
            window = preset_window(name, now=now)
        with st.expander("Sections and suppression"):
            target = st.select_slider("Section length (km)", [10, 15, 20, 25, 35, 50, 75, 250], value=25,
                                      key="briefing_target_km", help="250: one section per country pair")
            corridor = st.slider("Corridor half-width (km)", 2, 20, 10, key="briefing_corridor_km",
                                 help="Events farther than this from every section belong to none.")
            k = st.number_input("Suppress counts below k", 2, 50, 5, key="briefing_k",
                                help="Applied to everything shown and exported here.")
            with_coverage = st.toggle("Covered share of each section", key="briefing_coverage",
                                      help="From the coverage planner: the stored sensors' line of sight and the "
                                           "patrols of the last 24 h over the 2 km corridor. The first time in a "
                                           "server's life the terrain is read, about 10 s.")
            upload = st.file_uploader("Sections file (lines, or polygons such as police-station areas)",
                                      type=[x.lstrip(".") for x in (*SECTION_SUFFIXES, ".zip")],
                                      key="briefing_sections_file",
                                      help="Needs a CRS; a 'name' column names the sections, 'section_id' keeps "
                                           "their ids. Without a file the border is cut by the length above.")
    path = None if upload is None else _saved_upload(upload.name, upload.getvalue())
    return BriefingChoice(window=window, sections=SectionSource(path=path, target_length_km=float(target)),
                          corridor_km=float(corridor), k=int(k), with_coverage=with_coverage)


def _saved_upload(name: str, data: bytes) -> Path:
    """The uploaded sections file on disk (OGR reads paths), checked by the upload guard first and kept in a
    folder named by its content, so each file is read once."""
    folder = Path(tempfile.gettempdir()) / "limes-sections" / hashlib.sha256(data).hexdigest()[:16]
    if folder.exists():
        return next(p for p in folder.iterdir() if p.suffix.lower() in SECTION_SUFFIXES)
    folder.mkdir(parents=True)
    try:
        return guard_upload(name, data, folder, allowed=SECTION_SUFFIXES)
    except LimesError:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def _delta(change: float | None) -> str | None:
    return None if change is None else f"{change:+.0f} %"


def _kpis(briefing: Briefing) -> None:
    """The three headline figures with change, and how many sections are at high or critical."""
    cols = st.columns(4)
    for col, kpi in zip(cols, briefing.kpis):
        col.metric(kpi.label, "<{}".format(briefing.k) if kpi.value is None else f"{kpi.value:,}",
                   _delta(kpi.change_pct), delta_color="inverse", border=True,
                   help="Change against the previous period of the same length.")
    high = int(briefing.sections["level"].isin(["high", "critical"]).sum())
    cols[3].metric("Sections at high or critical", f"{high} of {len(briefing.sections)}", border=True)
    outside = briefing.outside
    rest = "" if outside is None else (
        f" · {outside.label}: " + (f"fewer than {briefing.k}" if outside.value is None else f"{outside.value:,}"))
    st.caption(f"Figures {briefing.scope}{rest}.")


def _trends(briefing: Briefing) -> None:
    """Daily events over the sector, and in the five busiest sections."""
    left, right = st.columns(2)
    with left:
        st.markdown("**Events per day in the sections' corridors**")
        st.bar_chart(briefing.total_trend.rename("events").to_frame(), height=220, color="#4a6fa5")
    with right:
        st.markdown("**Events per day, busiest sections**")
        top = briefing.sections.sort_values("events", ascending=False, na_position="last").head(5)
        lines = briefing.trend[top["section_id"]].set_axis([str(n) for n in top["name"]], axis=1)
        st.line_chart(lines, height=220)


def _map(briefing: Briefing, *, highlight: str | None) -> None:
    under, over = cache.basemap_layers()
    cells = briefing.cells
    hexes = hexagon_layer(cells["cell"], cells["events"], breaks=class_breaks(cells["events"]), layer_id="briefing-hexagons")
    hexes.pickable = False
    view = fit_view(tuple(briefing.sections.total_bounds), width_px=MAP_WIDTH_PX, height_px=MAP_HEIGHT_PX)
    deck = build_deck([*under, hexes, *over, *section_layers(briefing.sections, highlight=highlight)], tooltip=TOOLTIP,
                      view=view)
    st.pydeck_chart(deck, height=MAP_HEIGHT_PX, key="briefing_map")
    st.caption(f"Sections coloured by level (green low, amber medium, red high, magenta critical) over events per "
               f"hexagon; cells below k={briefing.k} merged into their parents · Natural Earth · SRTM")


def _section_detail(briefing: Briefing, index: EventIndex, assignment_positions: dict[str, int],
                    assignment: npt.NDArray[np.int64], choice: BriefingChoice) -> str:
    """Figures, trend, evidence, checklist, notable events and level setting for one chosen section."""
    names = dict(zip(briefing.sections["name"], briefing.sections["section_id"]))
    name = st.selectbox("Section", list(names), key="briefing_section")
    section_id = names[name]
    row = briefing.sections.set_index("section_id").loc[section_id]
    left, right = st.columns([1.1, 1])
    with left:
        st.markdown(f"**Events per day · {name}**")
        st.bar_chart(briefing.trend[section_id].rename("events").to_frame(), height=200, color="#4a6fa5")
        st.markdown("**Latest notable events** (control room only: never exported)")
        notable = notable_events(index, assignment, briefing.window, section=assignment_positions[section_id],
                                 params=FigureParams(corridor_km=choice.corridor_km))
        if notable.empty:
            st.caption("No high-impact or large-group events in the period.")
        else:
            st.dataframe(notable.rename(columns={"occurred_at": "When (UTC)"}), hide_index=True, width="stretch")
    with right:
        level_panel(cache.current_store(), row, section_id=section_id, who=viewer())
    return section_id


def render() -> None:
    """Draw the page."""
    who = require_page("briefing")
    index = cache.event_index()
    span = index.time_range()
    if span is None:
        st.info("The store holds no events yet: import a file on the Data page, or start `limes demo`.")
        st.stop()
    now = datetime.now(timezone.utc)
    try:
        choice = _controls(now=now, data_start=span[0], data_end=span[1])
        sections = cache.border_sections(choice.sections)
        assignment = cache.section_assignment(index, source=choice.sections, corridor_km=choice.corridor_km)
        params = BriefingParams(k=choice.k, figures=FigureParams(corridor_km=choice.corridor_km))
        coverage = None
        if choice.with_coverage:
            minute = now.replace(second=0, microsecond=0)
            assessment = cache.coverage_assessment(CoverageParams(), cache.stored_sensors(), minute)
            coverage = section_coverage(assessment.coverage["covered"], sections, corridor_km=choice.corridor_km)
        briefing = build_briefing(index, assignment, sections, choice.window, generated_at=now,
                                  set_levels=current_levels(cache.current_store()), params=params, coverage=coverage)
    except LimesError as exc:
        st.error(str(exc))
        if span[1] < now - timedelta(days=30):
            st.info(f"The stored events end on {span[1]:%d %b %Y}: choose a custom period to brief on them.")
        st.stop()
    w = briefing.window
    st.markdown(f"### Briefing · GR–MK and BG–MK border sections  \n{w.start:%d %b %Y %H:%M} – "
                f"{w.end:%d %b %Y %H:%M} UTC, against the {pd.Timedelta(w.duration).days or 1}-day period before")
    _kpis(briefing)
    _trends(briefing)
    positions = {sid: i for i, sid in enumerate(sections["section_id"])}
    map_col, table_col = st.columns([1.25, 1])
    with table_col:
        section_table(briefing)
    st.divider()
    try:
        chosen = _section_detail(briefing, index, positions, assignment, choice)
    except LimesError as exc:
        st.error(str(exc))
        chosen = None
    with map_col:
        _map(briefing, highlight=chosen)
    st.divider()
    if may(who.roles, "export_aggregates"):
        downloads(briefing, cache.basemap(), who)


render()
