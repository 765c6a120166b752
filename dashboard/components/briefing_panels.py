"""Panels of the Briefing page: the section table, a section's level with evidence and history, the downloads.

Only a viewer with the ``set_level`` capability (commanders) sees the form that sets a level; the
level is recorded under the signed-in identity and audited, as is every download.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from dashboard import cache, state
from dashboard.auth import Viewer, audit, viewer
from dashboard.components.daily_bars import daily_bars
from dashboard.components.filters import CUSTOM
from dashboard.components.tables import small, when_column
from dashboard.i18n import _
from dashboard.plain import plain
from dashboard.state import keyed
from geo.briefing import (
    LEVEL_COLOURS,
    REACTIONS,
    SECTION_LEVELS,
    Briefing,
    FigureParams,
    PlannerRoutes,
    cells_csv,
    level_history,
    notable_events,
    record_level,
    render_map_png,
    render_pdf,
    sections_csv,
    sections_geojson,
    sections_geoparquet,
)
from geo.coverage import CoverageParams
from geo.errors import LimesError, describe
from geo.grid import EventIndex
from geo.spatial import Basemap
from geo.store import Store
from geo.timewindow import PRESETS, TimeWindow, day_range_window, day_shares, preset_window
from geo.trust import may
from layers.colours import class_breaks
from layers.deck import TOOLTIP_STYLE, build_deck
from layers.hexagons import hexagon_layers_by_resolution
from layers.sections import fit_view, section_layers

SECTION_SUFFIXES: Final[frozenset[str]] = frozenset({".geojson", ".json", ".gpkg", ".parquet", ".shp"})
"""Section files a user may upload (a Shapefile inside a .zip with its sidecars)."""
SECTION_COVERAGE: Final[CoverageParams] = CoverageParams()
"""The coverage planner's defaults, with which each section's covered share is computed."""
MAP_HEIGHT_PX: Final[int] = 560
MAP_WIDTH_PX: Final[int] = 600
"""The map column's width on a 1600-px wide screen; the view fits the sections into it."""
TOOLTIP: Final[dict[str, object]] = {"html": "<b>{name}</b><br/>level {level}", "style": TOOLTIP_STYLE}

_BADGE: dict[str, str] = {"low": "green", "medium": "orange", "high": "red", "critical": "violet"}
"""Streamlit's named background colours nearest to :data:`geo.briefing.levels.LEVEL_COLOURS`."""


def section_table(briefing: Briefing) -> None:
    """Sections sorted by level, then by change: level, proposal, events, change, persons, shares."""
    s = briefing.sections
    table = pd.DataFrame({
        "Section": s["name"], "Level": s["level"],
        "Proposed": s["proposed_level"], "Events": s["events"], "Change %": s["change_pct"].round(0).astype("Int64"),
        "Persons": s["persons"], "Hot cells %": (100 * s["hot_share"]).round(0),
        "Covered %": (100 * s["coverage_share"]).round(0),
    })
    st.markdown("**Sections, highest level and largest rise first**")
    # Level cells in the level's colour (no emoji: the control room's browsers may have no emoji font).
    styled = table.style.map(lambda level: f"background-color: {LEVEL_COLOURS[level]}; color: white; font-weight: 600",
                             subset=["Level"]).format(precision=0, na_rep="")
    st.dataframe(styled, hide_index=True, height=36 * (len(table) + 1) + 3, width="stretch", key=state.BRIEFING_TABLE,
                 column_config={name: small(name) for name in table.columns if name != "Section"})
    st.caption(f"Empty cells: fewer than {briefing.k} (suppressed). Covered %: switch on “Covered share of each section” under Sections and suppression.")


def level_panel(store: Store, row: pd.Series, *, section_id: str, who: Viewer) -> None:
    """The section's level, the evidence of the proposal, the Art. 35 checklist, and setting the level."""
    level = str(row["level"])
    how = "set by an operator" if row["level_set"] else "proposed by the rules"
    st.markdown(f"#### Level :{_BADGE[level]}-background[{level.upper()}] · {how}")
    st.markdown(f"**Evidence for the proposal ({row['proposed_level']})**")
    deciding, *others = row["evidence"] or ("",)
    st.markdown(plain(deciding))  # the rule that decided the level; rule names may come from a rules file
    if others:
        st.caption(_("Also: {rules}").format(rules=plain(" · ".join(others))))
    st.markdown(f"**Reactions at level {level}** (Regulation (EU) 2019/1896 Art. 35)")
    st.markdown("\n".join(f"- [ ] {reaction}" for reaction in REACTIONS[level]))
    if may(who.roles, "set_level"):
        _level_form(store, row, section_id=section_id, level=level, who=who)
    history = level_history(store, section_id=section_id)
    st.markdown("**History**")
    if history.empty:
        st.caption("No level set by hand yet: the proposal applies.")
    else:
        st.dataframe(history[["set_at", "level", "proposed_level", "set_by", "comment"]], hide_index=True,
                     width="stretch", key=state.LEVEL_HISTORY,
                     column_config={"set_at": when_column("set at (UTC)"), "level": small("level"),
                                    "proposed_level": small("proposed")})


def _level_form(store: Store, row: pd.Series, *, section_id: str, level: str, who: Viewer) -> None:
    with st.form(key=state.SET_LEVEL, clear_on_submit=True):
        st.markdown(f"**Set the level** (recorded as {who.user_id})")
        chosen = st.selectbox("Level", SECTION_LEVELS, index=SECTION_LEVELS.index(level), key=state.LEVEL_CHOICE,
                              help="critical is temporary: for a crisis putting the Schengen area at risk (Art. 34(2)).")
        comment = st.text_area("Comment (required)", key=state.LEVEL_COMMENT)
        if st.form_submit_button("Record level"):
            try:
                # The decision and its audit entry are one transaction: neither lands without the other.
                with store.transaction() as tx:
                    record_level(tx, section_id=section_id, level=chosen, proposed_level=str(row["proposed_level"]),
                                 evidence=tuple(row["evidence"]), comment=comment, set_by=who.user_id,
                                 at=pd.Timestamp.now(tz="UTC").to_pydatetime())
                    audit(who, "level_set", target=section_id, detail=f"{level} -> {chosen}: {comment[:200]}", db=tx)
                st.rerun()
            except LimesError as exc:
                st.error(plain(describe(exc)))


def downloads(briefing: Briefing, basemap: Basemap, who: Viewer, *, routes: PlannerRoutes | None = None) -> None:
    """The briefing pack (with the planners' routes page when ``routes`` are given) and the aggregated figures,
    generated when a button is clicked."""
    stamp = f"{briefing.window.start:%Y%m%d}-{briefing.window.end:%Y%m%d}"
    st.markdown(f"**Briefing pack** · every count below k={briefing.k} suppressed; no individual events")
    cols = st.columns(6)
    items = (
        ("PDF briefing", lambda: render_pdf(briefing, basemap, routes=routes), f"limes-briefing-{stamp}.pdf", "application/pdf"),
        ("PNG map", lambda: render_map_png(briefing, basemap), f"limes-map-{stamp}.png", "image/png"),
        ("CSV sections", lambda: sections_csv(briefing), f"limes-sections-{stamp}.csv", "text/csv"),
        ("GeoJSON sections", lambda: sections_geojson(briefing), f"limes-sections-{stamp}.geojson",
         "application/geo+json"),
        ("GeoParquet sections", lambda: sections_geoparquet(briefing), f"limes-sections-{stamp}.parquet",
         "application/vnd.apache.parquet"),
        ("CSV hexagons", lambda: cells_csv(briefing), f"limes-hexagons-{stamp}.csv", "text/csv"),
    )
    for col, (label, data, file_name, mime) in zip(cols, items, strict=True):
        with col:
            st.download_button(label, data=data, file_name=file_name, mime=mime, on_click=audit,
                               args=(who, "export"), kwargs={"target": file_name, "detail": f"k={briefing.k}"},
                               key=keyed(state.DOWNLOAD, file_name.split("-")[1], file_name.rsplit(".", 1)[1]))


@dataclass(frozen=True, slots=True)
class BriefingChoice:
    """What the Briefing page's controls select; ``upload`` is a sections file, if one was given."""

    window: TimeWindow
    target_length_km: float
    corridor_km: float
    k: int
    with_coverage: bool
    upload: UploadedFile | None
    with_routes: bool = False


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def coverage_help(params: CoverageParams = SECTION_COVERAGE) -> str:
    """What "Covered share of each section" rests on, from the coverage parameters it is computed with."""
    return (f"From the coverage planner: the stored sensors' line of sight and the patrols of the last "
            f"{params.patrol_within_h:g} h over the {params.corridor_width_m / 1000:g} km corridor. The first time in "
            "a server's life the terrain is read, about 10 s.")


def briefing_controls(*, now: datetime, data_start: datetime, data_end: datetime | None = None) -> BriefingChoice:
    """Period, section length, corridor width and k, in the sidebar (a custom period defaults to the data's
    last week, so history that ended years ago opens on its own last days)."""
    with st.sidebar:
        st.subheader("Briefing period")
        name = st.radio("Period", [*PRESETS, CUSTOM], index=1, key=state.BRIEFING_WINDOW, label_visibility="collapsed")
        if name == CUSTOM:
            end = min(now, data_end or now)
            first = st.date_input("From (UTC)", value=max(data_start, end - timedelta(days=7)).date(),
                                  key=state.BRIEFING_FROM, min_value=data_start.date(), max_value=now.date())
            last = st.date_input("To (UTC), included", value=end.date(), key=state.BRIEFING_TO,
                                 min_value=data_start.date(), max_value=now.date())
            window = day_range_window(_utc(first), _utc(last))
        else:
            window = preset_window(name, now=now)
        with st.expander("Sections and suppression"):
            target = st.select_slider("Section length (km)", [10, 15, 20, 25, 35, 50, 75, 250], value=25,
                                      key=state.BRIEFING_TARGET_KM, help="250: one section per country pair")
            corridor = st.slider("Corridor half-width (km)", 2, 20, 10, key=state.BRIEFING_CORRIDOR_KM,
                                 help="Events farther than this from every section belong to none.")
            k = st.number_input("Suppress counts below k", 2, 50, 5, key=state.BRIEFING_K,
                                help="Applied to everything shown and exported here.")
            with_coverage = st.toggle("Covered share of each section", key=state.BRIEFING_COVERAGE,
                                      help=coverage_help())
            with_routes = st.toggle("Planners' routes page", key=state.BRIEFING_ROUTES,
                                    help="Where a group would cross unseen: the likely crossing routes on this page "
                                         "and as a page of the PDF. The first time in a server's life, ~20 s.")
            upload = st.file_uploader("Sections file (lines, or polygons such as police-station areas)",
                                      type=[x.lstrip(".") for x in (*SECTION_SUFFIXES, ".zip")],
                                      key=state.BRIEFING_SECTIONS_FILE,
                                      help="Needs a CRS; a 'name' column names the sections, 'section_id' keeps "
                                           "their ids. Without a file the border is cut by the length above.")
    return BriefingChoice(window=window, target_length_km=float(target), corridor_km=float(corridor), k=int(k),
                          with_coverage=with_coverage, upload=upload, with_routes=with_routes)


def _delta(change: float | None) -> str | None:
    return None if change is None else f"{change:+.0f} %"


def briefing_kpis(briefing: Briefing) -> None:
    """The three headline figures with change, and how many sections are at high or critical."""
    cols = st.columns(4)
    for col, kpi in zip(cols[:len(briefing.kpis)], briefing.kpis, strict=True):
        col.metric(kpi.label, f"<{briefing.k}" if kpi.value is None else f"{kpi.value:,}",
                   _delta(kpi.change_pct), delta_color="inverse", border=True,
                   help="Change against the previous period of the same length.")
    high = int(briefing.sections["level"].isin(["high", "critical"]).sum())
    cols[3].metric("Sections at high or critical", f"{high} of {len(briefing.sections)}", border=True)
    outside = briefing.outside
    rest = "" if outside is None else (
        f" · {outside.label}: " + (f"fewer than {briefing.k}" if outside.value is None else f"{outside.value:,}"))
    st.caption(f"Figures {briefing.scope}{rest}.")


def briefing_trends(briefing: Briefing) -> None:
    """Daily events over the sector, and in the five busiest sections."""
    left, right = st.columns(2)
    with left:
        st.markdown("**Events per day in the sections' corridors**")
        daily_bars(briefing.total_trend, briefing.window, height=220)
    with right:
        st.markdown("**Events per day, busiest sections**")
        top = briefing.sections.sort_values("events", ascending=False, na_position="last").head(5)
        lines = briefing.trend[top["section_id"]].set_axis([str(n) for n in top["name"]], axis=1)
        whole = day_shares(pd.DatetimeIndex(lines.index), briefing.window) == 1.0
        st.line_chart(lines[whole], height=220)
        if not whole.all():
            st.caption(_("Whole days only: the part-days where the period starts or ends are left out."))


def briefing_map(briefing: Briefing, *, highlight: str | None) -> None:
    """Sections coloured by level over the (suppressed) events per hexagon, fitted to the sections."""
    under, over = cache.basemap_layers()
    cells = briefing.cells
    hexes = hexagon_layers_by_resolution(cells["cell"], cells["events"], breaks=class_breaks(cells["events"]),
                                         layer_id="briefing-hexagons", pickable=False)
    view = fit_view(tuple(briefing.sections.total_bounds), width_px=MAP_WIDTH_PX, height_px=MAP_HEIGHT_PX)
    deck = build_deck([*under, *hexes, *over, *section_layers(briefing.sections, highlight=highlight)], tooltip=TOOLTIP,
                      view=view)
    st.pydeck_chart(deck, height=MAP_HEIGHT_PX, key=state.BRIEFING_MAP)
    st.caption(f"Sections coloured by level (green low, amber medium, red high, magenta critical) over events per "
               f"hexagon; cells below k={briefing.k} merged into their parents · Natural Earth · SRTM")


def section_detail(briefing: Briefing, index: EventIndex, assignment: npt.NDArray[np.int64], *,
                   positions: dict[str, int], figures: FigureParams) -> str:
    """Figures, trend, evidence, checklist, notable events and level setting for one chosen section; its id.

    ``positions`` maps a section id to its number in ``assignment`` (the order of the sections assigned to).
    """
    names = dict(zip(briefing.sections["name"], briefing.sections["section_id"], strict=True))
    name = st.selectbox("Section", list(names), key=state.BRIEFING_SECTION)
    section_id = names[name]
    row = briefing.sections.set_index("section_id").loc[section_id]
    left, right = st.columns([1.1, 1])
    with left:
        st.markdown(f"**Events per day · {name}**")
        daily_bars(briefing.trend[section_id], briefing.window, height=200)
        st.markdown("**Latest notable events** (control room only: never exported)")
        notable = cache.with_event_ids(notable_events(index, assignment, briefing.window,
                                                      section=positions[section_id], params=figures))
        notable = notable.drop(columns="seq", errors="ignore")
        if notable.empty:
            st.caption("No high-impact or large-group events in the period.")
        else:
            st.dataframe(notable, hide_index=True, width="stretch",
                         column_config={"occurred_at": when_column("When (UTC)", short=True), "persons": small("persons"),
                                        "impact": small("impact")})
    with right:
        level_panel(cache.current_store(), row, section_id=section_id, who=viewer())
    return section_id
