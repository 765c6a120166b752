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
from dashboard.components.daily_bars import daily_bars, time_lines
from dashboard.components.filters import CUSTOM, STALE_AFTER
from dashboard.components.tables import EMPTY_CELL, narrow_columns, small, when_column, with_dashes
from dashboard.i18n import _, tr
from dashboard.plain import plain
from dashboard.state import keyed
from geo.briefing import (
    IMPACT_LABELS,
    LEVEL_COLOURS,
    REACTIONS,
    SECTION_LEVELS,
    Briefing,
    FigureParams,
    PlannerRoutes,
    cells_csv,
    change_text,
    count_text,
    event_type_name,
    level_history,
    level_name,
    notable_events,
    record_level,
    render_map_png,
    render_pdf,
    scope_text,
    sections_csv,
    sections_geojson,
    sections_geoparquet,
    set_or_proposed,
)
from geo.coverage import CoverageParams
from geo.errors import LimesError, describe
from geo.grid import EventIndex
from geo.i18n import N_
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
SECTION_NAME_PX: Final[int] = 150
"""The section table's name column ("GR–MK 8 · Star Dojran"); the figures share the rest of the ~450-px column."""
PERIOD_NAMES: Final[tuple[str, ...]] = (N_("Last 24 h"), N_("Last 7 days"), N_("Last 30 days"), N_("Custom"))
"""The period choices (:data:`geo.timewindow.PRESETS` and "Custom"), marked for the catalogs."""


def _tooltip() -> dict[str, object]:
    """The map's tooltip: the section's name and level (deck.gl fills the fields)."""
    return {"html": _("<b>{name}</b><br/>level {level}"), "style": TOOLTIP_STYLE}

_BADGE: dict[str, str] = {"low": "green", "medium": "orange", "high": "red", "critical": "violet"}
"""Streamlit's named background colours nearest to :data:`geo.briefing.levels.LEVEL_COLOURS`."""


def section_table(briefing: Briefing) -> None:
    """Sections sorted by level, then by change: level, events, change, persons, hot cells; the proposal only where a
    level was set by hand, the covered share only once computed. Narrow enough for its column in any language."""
    s = briefing.sections
    t = tr()
    names = {"level": _("Level"), "covered": _("Covered %")}
    columns = {
        _("Section"): s["name"], names["level"]: [level_name(lv, t) for lv in s["level"]],
        _("Proposed"): [level_name(lv, t) for lv in s["proposed_level"]], _("Events"): s["events"],
        _("Change %"): s["change_pct"].round(0).astype("Int64"),
        _("Persons"): s["persons"], _("Hot cells %"): (100 * s["hot_share"]).round(0),
        names["covered"]: (100 * s["coverage_share"]).round(0),
    }
    if (s["level"] == s["proposed_level"]).all():
        del columns[_("Proposed")]
    covered = bool(s["coverage_share"].notna().any())
    if not covered:
        del columns[names["covered"]]
    table = with_dashes(pd.DataFrame(columns))
    colours = {level_name(lv, t): colour for lv, colour in LEVEL_COLOURS.items()}
    st.markdown(_("**Sections, highest level and largest rise first**"))
    # Level cells in the level's colour (no emoji: the control room's browsers may have no emoji font).
    styled = table.style.map(lambda level: f"background-color: {colours[level]}; color: white; font-weight: 600",
                             subset=[names["level"]]).format(precision=0)
    st.dataframe(styled, hide_index=True, height=36 * (len(table) + 1) + 3, width="stretch", key=state.BRIEFING_TABLE,
                 column_config=narrow_columns(list(table.columns), first_px=SECTION_NAME_PX,
                                               words=(names["level"], _("Proposed"))))
    st.caption(_("{dash}: fewer than {k} (suppressed), or no events in the period before to compare with.").format(
        dash=EMPTY_CELL, k=briefing.k))
    if not covered:
        st.caption(_("The covered share of each section: switch on “{toggle}” under {expander}.").format(
            toggle=_("Covered share of each section"), expander=_("Sections and suppression")))


def level_panel(store: Store, row: pd.Series, *, section_id: str, who: Viewer) -> None:
    """The section's level, the evidence of the proposal, the Art. 35 checklist, and setting the level."""
    level = str(row["level"])
    t = tr()
    st.markdown(_("#### Level :{colour}-background[{level}] · {how}").format(
        colour=_BADGE[level], level=level_name(level, t).upper(), how=set_or_proposed(bool(row["level_set"]), t)))
    st.markdown(_("**Evidence for the proposal ({level})**").format(level=level_name(row["proposed_level"], t)))
    deciding, *others = row["evidence"] or ("",)
    st.markdown(plain(deciding))  # the rule that decided the level; rule names may come from a rules file
    if others:
        st.caption(_("Also: {rules}").format(rules=plain(" · ".join(others))))
    st.markdown(_("**Reactions at level {level}** (Regulation (EU) 2019/1896 Art. 35)").format(
        level=level_name(level, t)))
    st.markdown("\n".join(f"- [ ] {t.gettext(reaction)}" for reaction in REACTIONS[level]))
    if may(who.roles, "set_level"):
        _level_form(store, row, section_id=section_id, level=level, who=who)
    history = level_history(store, section_id=section_id)
    st.markdown(_("**History**"))
    if history.empty:
        st.caption(_("No level set by hand yet: the proposal applies."))
    else:
        shown = history[["set_at", "level", "proposed_level", "set_by", "comment"]].assign(
            level=[level_name(lv, t) for lv in history["level"]],
            proposed_level=[level_name(lv, t) for lv in history["proposed_level"]])
        st.dataframe(shown.rename(columns={"set_at": _("Set at (UTC)"), "level": _("Level"), "proposed_level":
                                           _("Proposed"), "set_by": _("Set by"), "comment": _("Comment")}),
                     hide_index=True, width="stretch", key=state.LEVEL_HISTORY,
                     column_config={_("Set at (UTC)"): when_column(_("Set at (UTC)")), _("Level"): small(_("Level")),
                                    _("Proposed"): small(_("Proposed"))})


def _level_form(store: Store, row: pd.Series, *, section_id: str, level: str, who: Viewer) -> None:
    with st.form(key=state.SET_LEVEL, clear_on_submit=True):
        st.markdown(_("**Set the level** (recorded as {user})").format(user=plain(who.user_id)))
        chosen = st.selectbox(_("Level"), SECTION_LEVELS, index=SECTION_LEVELS.index(level), key=state.LEVEL_CHOICE,
                              format_func=lambda lv, t=tr(): level_name(lv, t),
                              help=_("critical is temporary: for a crisis putting the Schengen area at risk "
                                     "(Art. 34(2))."))
        comment = st.text_area(_("Comment (required)"), key=state.LEVEL_COMMENT)
        if st.form_submit_button(_("Record level")):
            try:
                # The decision and its audit entry are one transaction: neither lands without the other.
                with store.transaction() as tx:
                    record_level(tx, section_id=section_id, level=chosen, proposed_level=str(row["proposed_level"]),
                                 evidence=tuple(row["evidence"]), comment=comment, set_by=who.user_id,
                                 at=pd.Timestamp.now(tz="UTC").to_pydatetime())
                    audit(who, "level_set", target=section_id, detail=f"{level} -> {chosen}: {comment[:200]}", db=tx)
                st.rerun()
            except LimesError as exc:
                st.error(plain(describe(exc, tr())))


def downloads(briefing: Briefing, basemap: Basemap, who: Viewer, *, routes: PlannerRoutes | None = None) -> None:
    """The briefing pack (with the planners' routes page when ``routes`` are given) and the aggregated figures,
    generated when a button is clicked."""
    stamp = f"{briefing.window.start:%Y%m%d}-{briefing.window.end:%Y%m%d}"
    t = tr()
    st.markdown(_("**Briefing pack** · every count below k={k} suppressed; no individual events").format(k=briefing.k))
    cols = st.columns(6)
    items = (
        (_("PDF briefing"), lambda: render_pdf(briefing, basemap, routes=routes, tr=t), f"limes-briefing-{stamp}.pdf",
         "application/pdf"),
        (_("PNG map"), lambda: render_map_png(briefing, basemap, tr=t), f"limes-map-{stamp}.png", "image/png"),
        (_("CSV sections"), lambda: sections_csv(briefing), f"limes-sections-{stamp}.csv", "text/csv"),
        (_("GeoJSON sections"), lambda: sections_geojson(briefing), f"limes-sections-{stamp}.geojson",
         "application/geo+json"),
        (_("GeoParquet sections"), lambda: sections_geoparquet(briefing), f"limes-sections-{stamp}.parquet",
         "application/vnd.apache.parquet"),
        (_("CSV hexagons"), lambda: cells_csv(briefing), f"limes-hexagons-{stamp}.csv", "text/csv"),
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
    return _("From the coverage planner: the stored sensors' line of sight and the patrols of the last {hours} h over "
             "the {km} km corridor. The first time in a server's life the terrain is read, about 10 s.").format(
        hours=tr().number(params.patrol_within_h), km=tr().number(params.corridor_width_m / 1000))


def briefing_controls(*, now: datetime, data_start: datetime, data_end: datetime | None = None) -> BriefingChoice:
    """Period, section length, corridor width and k, in the sidebar (a custom period defaults to the data's
    last week, and is the default when the data ended over 30 days ago, so history that ended years ago opens on
    its own last days instead of an empty week)."""
    stale = data_end is not None and data_end < now - STALE_AFTER
    with st.sidebar:
        st.subheader(_("Briefing period"))
        name = st.radio(_("Period"), [*PRESETS, CUSTOM], index=len(PRESETS) if stale else 1, key=state.BRIEFING_WINDOW,
                        label_visibility="collapsed", format_func=tr().gettext)
        if name == CUSTOM:
            end = min(now, data_end or now)
            first = st.date_input(_("From (UTC)"), value=max(data_start, end - timedelta(days=7)).date(),
                                  key=state.BRIEFING_FROM, min_value=data_start.date(), max_value=now.date())
            last = st.date_input(_("To (UTC), included"), value=end.date(), key=state.BRIEFING_TO,
                                 min_value=data_start.date(), max_value=now.date())
            window = day_range_window(_utc(first), _utc(last))
        else:
            window = preset_window(name, now=now)
        with st.expander(_("Sections and suppression")):
            target = st.select_slider(_("Section length (km)"), [10, 15, 20, 25, 35, 50, 75, 250], value=25,
                                      key=state.BRIEFING_TARGET_KM, help=_("250: one section per country pair"))
            corridor = st.slider(_("Corridor half-width (km)"), 2, 20, 10, key=state.BRIEFING_CORRIDOR_KM,
                                 help=_("Events farther than this from every section belong to none."))
            k = st.number_input(_("Suppress counts below k"), 2, 50, 5, key=state.BRIEFING_K,
                                help=_("Applied to everything shown and exported here."))
            with_coverage = st.toggle(_("Covered share of each section"), key=state.BRIEFING_COVERAGE,
                                      help=coverage_help())
            with_routes = st.toggle(_("Planners' routes page"), key=state.BRIEFING_ROUTES,
                                    help=_("Where a group would cross unseen: the likely crossing routes on this page "
                                           "and as a page of the PDF. The first time in a server's life, ~20 s."))
            upload = st.file_uploader(_("Sections file (lines, or polygons such as police-station areas)"),
                                      type=[x.lstrip(".") for x in (*SECTION_SUFFIXES, ".zip")],
                                      key=state.BRIEFING_SECTIONS_FILE,
                                      help=_("Needs a CRS; a 'name' column names the sections, 'section_id' keeps "
                                             "their ids. Without a file the border is cut by the length above."))
    return BriefingChoice(window=window, target_length_km=float(target), corridor_km=float(corridor), k=int(k),
                          with_coverage=with_coverage, upload=upload, with_routes=with_routes)


def briefing_kpis(briefing: Briefing) -> None:
    """The three headline figures with change, and how many sections are at high or critical."""
    cols = st.columns(4)
    t = tr()
    for col, kpi in zip(cols[:len(briefing.kpis)], briefing.kpis, strict=True):
        col.metric(t.gettext(kpi.label), count_text(kpi.value, briefing.k, t),
                   None if kpi.change_pct is None else change_text(kpi.change_pct, t), delta_color="inverse",
                   border=True, help=_("Change against the previous period of the same length."))
    high = int(briefing.sections["level"].isin(["high", "critical"]).sum())
    cols[3].metric(_("Sections at high or critical"), _("{high} of {total}").format(
        high=t.number(high), total=t.number(len(briefing.sections))), border=True)
    st.caption(scope_text(briefing, t))


def briefing_trends(briefing: Briefing) -> None:
    """Daily events over the sector, and in the five busiest sections."""
    left, right = st.columns(2)
    with left:
        st.markdown(_("**Events per day in the sections' corridors**"))
        daily_bars(briefing.total_trend, briefing.window, height=220, k=briefing.k)
    with right:
        st.markdown(_("**Events per day, busiest sections**"))
        top = briefing.sections.sort_values("events", ascending=False, na_position="last").head(5)
        lines = briefing.trend[top["section_id"]].set_axis([str(n) for n in top["name"]], axis=1)
        whole = day_shares(pd.DatetimeIndex(lines.index), briefing.window) == 1.0
        time_lines(lines[whole], y_title=_("events"), height=220, k=briefing.k)
        if not whole.all():
            st.caption(_("Whole days only: the part-days where the period starts or ends are left out."))


def briefing_map(briefing: Briefing, *, highlight: str | None) -> None:
    """Sections coloured by level over the (suppressed) events per hexagon, fitted to the sections."""
    under, over = cache.basemap_layers()
    cells = briefing.cells
    hexes = hexagon_layers_by_resolution(cells["cell"], cells["events"], breaks=class_breaks(cells["events"]),
                                         layer_id="briefing-hexagons", pickable=False)
    view = fit_view(tuple(briefing.sections.total_bounds), width_px=MAP_WIDTH_PX, height_px=MAP_HEIGHT_PX)
    sections = section_layers(briefing.sections, highlight=highlight)
    for layer in sections:  # the tooltip names the level in the session's language (colours are set by then)
        for row in layer.data if isinstance(layer.data, list) else []:
            if isinstance(row, dict) and "level" in row:
                row["level"] = level_name(str(row["level"]), tr())
    deck = build_deck([*under, *hexes, *over, *sections], tooltip=_tooltip(), view=view)
    st.pydeck_chart(deck, height=MAP_HEIGHT_PX, key=state.BRIEFING_MAP)
    st.caption(_("Sections coloured by level (green low, amber medium, red high, magenta critical) over events per "
                 "hexagon; cells below k={k} merged into their parents · Natural Earth · SRTM").format(k=briefing.k))


def section_detail(briefing: Briefing, index: EventIndex, assignment: npt.NDArray[np.int64], *,
                   positions: dict[str, int], figures: FigureParams) -> str:
    """Figures, trend, evidence, checklist, notable events and level setting for one chosen section; its id.

    ``positions`` maps a section id to its number in ``assignment`` (the order of the sections assigned to).
    """
    names = dict(zip(briefing.sections["name"], briefing.sections["section_id"], strict=True))
    name = st.selectbox(_("Section"), list(names), key=state.BRIEFING_SECTION)
    section_id = names[name]
    row = briefing.sections.set_index("section_id").loc[section_id]
    left, right = st.columns([1.1, 1])
    with left:
        st.markdown(_("**Events per day · {section}**").format(section=plain(name)))
        daily_bars(briefing.trend[section_id], briefing.window, height=200, k=briefing.k)
        st.markdown(_("**Latest notable events** (control room only: never exported)"))
        notable = cache.with_event_ids(notable_events(index, assignment, briefing.window,
                                                      section=positions[section_id], params=figures))
        notable = notable.drop(columns="seq", errors="ignore")
        if notable.empty:
            st.caption(_("No high-impact or large-group events in the period."))
        else:
            st.dataframe(_notable_for_display(notable), hide_index=True, width="stretch",
                         column_config={_("When (UTC)"): when_column(_("When (UTC)"), short=True),
                                        _("Persons"): small(_("Persons")), _("Impact"): small(_("Impact"))})
    with right:
        level_panel(cache.current_store(), row, section_id=section_id, who=viewer())
    return section_id


def _notable_for_display(notable: pd.DataFrame) -> pd.DataFrame:
    """The notable events with their types and headers in the session's language (proper names and ids unchanged)."""
    t = tr()
    shown = notable.copy()
    if "type" in shown:
        shown["type"] = [event_type_name(x, t) for x in shown["type"]]
    if "impact" in shown:
        shown["impact"] = [t.gettext(IMPACT_LABELS.get(x, x)) for x in shown["impact"]]
    headers = {"occurred_at": _("When (UTC)"), "type": _("Type"), "persons": _("Persons"), "impact": _("Impact"),
               "source": _("Source"), "event_id": _("Event"), "lat": _("Latitude"), "lon": _("Longitude")}
    return shown.rename(columns=headers)
