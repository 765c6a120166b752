"""Coverage planner: what our sensors see, where the border corridor has no eyes, where to add a tower or a patrol.

The sensors table is a what-if: edit a row (move, height, range, switch off) or add one, and the
map, the covered share and the gaps follow at once, beside the stored sensors' share. "Save"
writes the table to the store; nothing changes in the store until then.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import streamlit as st

from dashboard import cache, state
from dashboard.auth import require_page
from dashboard.components.coverage_panels import (
    SITE_MODEL,
    coverage_controls,
    gap_table,
    headline,
    map_caption,
    shift_plan,
    site_sensors,
    store_controls,
    what_if_table,
)
from dashboard.components.legend import map_legend
from dashboard.components.route_panels import route_controls, route_overlay, route_table
from dashboard.config import settings
from dashboard.i18n import _, ngettext, session_language, tr
from dashboard.plain import plain
from geo.coverage import patrol_areas
from geo.errors import LimesError, describe
from layers.coverage import (
    COVERAGE,
    corridor_view,
    corridor_view_layers,
    coverage_raster_layer,
    patrol_area_layer,
    sensor_layers,
    site_layers,
)
from layers.deck import build_deck
from layers.routes import route_tooltip

ALL_SENSORS = "all"
"""The viewshed choice that shows every active sensor's."""


def render() -> None:
    """Draw the page: the what-if table is read first (it sits at the bottom) so that everything above follows it."""
    who = require_page("coverage")
    st.markdown(_("### Coverage planner  \n{region}, our side of the line").format(region=plain(settings().region.title_for(session_language()))))
    if settings().region.terrain_dem is None:
        st.info(_("Only the world's 5′ relief (~9 km cells) covers this region: viewsheds and slopes are rough. "
                  "Give a detailed DEM with `limes region init --dem FILE`."))
    choice = coverage_controls()
    routing = route_controls()
    params = choice.params
    minute = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    terrain = cache.coverage_terrain(params)
    stored = cache.stored_sensors()
    if not stored:  # imported history brings events, not sensors: say why every share reads 0 %
        st.info(_("No sensors stored yet: the whole corridor counts as unseen. Add them in “{table}” below, or import "
                  "a file there.").format(table=_("Sensors · what-if")))
    top, map_area, tables, editor = st.container(), st.container(), st.container(), st.container()
    with editor:
        st.markdown("#### " + _("Sensors · what-if"))
        st.caption(_("Edit a cell to move a sensor or change its height, range or field of view; set status to off; "
                     "add a row for a new one. The map and the share follow; Save writes the table to the store."))
        current = what_if_table(stored)
        store_controls(stored, current, who)
    started = time.perf_counter()
    baseline = cache.coverage_assessment(params, stored, minute)
    try:
        sites, optimum = cache.recommended_sites(params, current, minute, choice.k, SITE_MODEL, choice.points)
    except LimesError as exc:
        st.sidebar.error(_("{problem} — recommending among high ground near the border instead.").format(
            problem=plain(describe(exc, tr()))))
        sites, optimum = cache.recommended_sites(params, current, minute, choice.k, SITE_MODEL)
    with top:
        try_sites = st.toggle(ngettext("What-if: add the {n} recommended tower", "What-if: add the {n} recommended "
                                       "towers", len(sites)).format(n=len(sites)), key=state.TRY_SITES)
    if try_sites:
        current = (*current, *site_sensors(sites))
    result = cache.coverage_assessment(params, current, minute)
    ids = [s.sensor_id for s in current if s.status == "active"]
    everyone = _("All active sensors")
    shown = st.sidebar.selectbox(_("Viewshed shown"), [ALL_SENSORS, *ids], key=state.COV_VIEWSHED,
                                 format_func=lambda s: everyone if s == ALL_SENSORS else s)
    one = tuple(s for s in current if s.sensor_id == shown)
    image_url, bounds = cache.coverage_png(params, one or current)
    areas = patrol_areas(result.coverage, result.risk, n_cells=40, n_areas=4)
    with top:
        headline(result, baseline, terrain, elapsed_s=time.perf_counter() - started, what_if=current != stored)
    under, over = cache.basemap_layers(language=session_language())
    corridor = corridor_view_layers(choice.view, result, terrain,
                                    history_h=cache.PATROL_HISTORY.total_seconds() / 3600.0, tr=tr())
    overlay = route_overlay(params, current, stored, minute, routing)
    tooltip = route_tooltip(tr()) if overlay.routes is not None else corridor.tooltip
    view = corridor_view(terrain.corridor.cells)  # opens on the corridor, where its cells can be read
    layers = [*under, coverage_raster_layer(image_url, bounds), *corridor.layers, patrol_area_layer(areas), *over,
              *overlay.layers, *sensor_layers(current, zoom=view["zoom"]), *site_layers(sites), *overlay.labels]
    towns = cache.basemap().towns
    with map_area:
        map_col, side_col = st.columns([3, 1.2])
        with map_col:
            st.pydeck_chart(build_deck(layers, tooltip=tooltip, view=view), key=state.COVERAGE_MAP, height=620)
            st.caption(map_caption(params))
        with side_col:
            map_legend([*corridor.legend, *overlay.legend],
                       title=_("Coverage") if choice.view == COVERAGE else choice.label)
        if overlay.routes is not None:
            route_table(overlay.routes, overlay.changes, towns, routing)
    with tables:
        gaps_col, plan_col = st.columns([1.4, 1])
        with gaps_col:
            gap_table(result, terrain, towns)
        with plan_col:
            shift_plan(areas, sites, optimum, towns)


try:
    render()
except LimesError as exc:
    st.error(plain(describe(exc, tr())))
