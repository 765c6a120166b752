"""Coverage planner: what our sensors see, where the border corridor has no eyes, where to add a tower or a patrol.

The sensors table is a what-if: edit a row (move, height, range, switch off) or add one, and the
map, the covered share and the gaps follow at once, beside the stored sensors' share. "Save"
writes the table to the store; nothing changes in the store until then.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Final

import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st

from dashboard import cache
from dashboard.auth import Viewer, audit, require_page
from dashboard.components.legend import map_legend
from geo.coverage import (
    COLUMNS,
    Assessment,
    CoverageParams,
    SiteModel,
    Terrain,
    delete_sensor,
    parse_points,
    patrol_areas,
    read_sensor_file,
    save_sensors,
    sensors_from_frame,
)
from geo.errors import LimesError
from geo.models import SENSOR_KINDS, SENSOR_STATUSES, Sensor
from geo.spatial import nearest_town
from geo.trust import may
from layers.colours import LegendEntry, class_breaks, legend
from layers.coverage import (
    CORRIDOR_LAYER_ID,
    corridor_layer,
    coverage_legend,
    coverage_raster_layer,
    gap_layer,
    patrol_area_layer,
    sensor_layers,
    site_layers,
)
from layers.deck import TOOLTIP_STYLE, build_deck
from layers.hexagons import hexagon_layer

MAP_KEY: Final[str] = "coverage_map"
EDITOR_KEY: Final[str] = "sensor_editor"
TOOLTIP: Final[dict[str, object]] = {"html": "Gap <b>#{value}</b> (1 = riskiest)",
                                     "style": TOOLTIP_STYLE}
VALUE_TOOLTIP: Final[dict[str, object]] = {"html": "<b>{value}</b>", "style": TOOLTIP["style"]}
SITE_MODEL: Final[SiteModel] = SiteModel(height_m=24.0, range_m=12_000.0)


VIEWS: Final[tuple[str, ...]] = ("Coverage and gaps", "Mean slope (°)", "Hours since the last patrol",
                                  "Patrol effort, 30 days (unit-hours)", "Mean elevation (m)")


def _controls() -> tuple[CoverageParams, int, str, tuple[tuple[float, float], ...]]:
    """Sidebar: what the corridor shows, its width, the patrol window, how many new sites and where they may go."""
    with st.sidebar:
        st.markdown("### Coverage")
        view = st.radio("Colour the corridor by", VIEWS, key="cov_view")
        width_km = st.select_slider("Corridor width (our side)", options=[1, 2, 3, 5], value=2, key="cov_width",
                                    format_func=lambda v: f"{v} km")
        within_h = st.selectbox("Patrolled within", options=[24, 72, 168], index=1, key="cov_patrol_h",
                                format_func=lambda h: f"{h} h" if h < 168 else "7 days")
        k = st.slider("New sites to recommend", min_value=1, max_value=6, value=3, key="cov_k")
        typed = st.text_area("Your candidate sites (lat, lon per line; empty: high ground near the border)",
                             key="cov_candidates", height=90)
    try:
        points = parse_points(typed)
    except LimesError as exc:
        st.sidebar.error(str(exc))
        points = ()
    return CoverageParams(corridor_width_m=width_km * 1000.0, patrol_within_h=float(within_h)), k, view, points


def _corridor_layers(view: str, result: Assessment, terrain: Terrain
                     ) -> tuple[list[pdk.Layer], list[LegendEntry], str]:
    """The corridor's hexagons for the chosen view, their legend and its title."""
    if view == VIEWS[0]:
        return [corridor_layer(result.coverage), gap_layer(result.gap_rank)], coverage_legend(), "Coverage"
    if view == VIEWS[1]:
        values, unit = terrain.stats["slope_mean_deg"], "° mean slope"
    elif view == VIEWS[4]:
        values, unit = terrain.stats["elevation_mean_m"], "m above sea level"
    elif view == VIEWS[2]:
        # Never patrolled within the history read counts as the history's length.
        values = result.coverage["hours_since_patrol"].fillna(cache.PATROL_HISTORY.total_seconds() / 3600.0)
        unit = "h since a patrol"
    else:
        values, unit = result.coverage["effort_h"], "unit-hours"
        values = values[values > 0]  # cells no patrol came near stay clear
    values = np.maximum(np.ceil(values), 1).astype(int)  # class breaks take whole numbers >= 1
    breaks = class_breaks(values)
    cells = pd.Series(values.index.to_numpy(dtype=np.uint64))
    layer = hexagon_layer(cells, pd.Series(values.to_numpy()), breaks=breaks, layer_id=CORRIDOR_LAYER_ID)
    return [layer], legend(breaks, unit=unit), view


def _sensor_frame(sensors: tuple[Sensor, ...]) -> pd.DataFrame:
    """Sensors as the editable table, in the store's column order."""
    return pd.DataFrame([asdict(s) for s in sensors], columns=list(COLUMNS))


def _what_if(stored: tuple[Sensor, ...]) -> tuple[Sensor, ...]:
    """The sensors table, editable; returns the edited sensors (the stored ones if an edit is invalid)."""
    edited = st.data_editor(
        _sensor_frame(stored), key=EDITOR_KEY, num_rows="dynamic", hide_index=True, width="stretch",
        column_config={
            "kind": st.column_config.SelectboxColumn("kind", options=list(SENSOR_KINDS), required=True),
            "status": st.column_config.SelectboxColumn("status", options=list(SENSOR_STATUSES), required=True),
            "lat": st.column_config.NumberColumn("lat", format="%.5f"),
            "lon": st.column_config.NumberColumn("lon", format="%.5f"),
            "height_m": st.column_config.NumberColumn("height (m)", min_value=0.0),
            "range_m": st.column_config.NumberColumn("range (m)", min_value=1.0),
            "azimuth_deg": st.column_config.NumberColumn("azimuth (°)"),
            "fov_deg": st.column_config.NumberColumn("field of view (°)", min_value=1.0, max_value=360.0),
        },
    )
    try:
        return tuple(sensors_from_frame(edited.dropna(how="all")))
    except LimesError as exc:
        st.error(f"{exc} — showing the stored sensors until the table is fixed.")
        return stored


def _store_controls(stored: tuple[Sensor, ...], current: tuple[Sensor, ...], who: Viewer) -> None:
    """Save the what-if to the store, or import a sensor file (planners only; both audited)."""
    if not may(who.roles, "edit_sensors"):
        return
    changed = current != stored
    left, right = st.columns([1, 2])
    with left:
        if st.button("Save sensors to the store", key="save_sensors", disabled=not changed, type="primary"):
            removed = {s.sensor_id for s in stored} - {s.sensor_id for s in current}
            edited = sorted({s.sensor_id for s in set(current) - set(stored)})
            # Saves, removals and the audit entry are one transaction: the table never holds half an edit.
            with cache.current_store().transaction() as tx:
                save_sensors(tx, current, source="edited")
                for gone in removed:
                    delete_sensor(tx, gone)
                audit(who, "sensor_edit", target=", ".join(edited + sorted(removed))[:200],
                      detail=f"{len(edited)} saved, {len(removed)} removed", db=tx)
            st.session_state.pop(EDITOR_KEY, None)
            st.rerun()
    with right:
        upload = st.file_uploader("Import sensors (CSV or GeoJSON points; our column names)", type=["csv", "geojson"],
                                  key="sensor_upload")
        if upload is not None and st.button("Import", key="import_sensors"):
            try:
                sensors = read_sensor_file(upload.getvalue(), name=upload.name)
                with cache.current_store().transaction() as tx:
                    written = save_sensors(tx, sensors, source=upload.name)
                    audit(who, "sensor_edit", target=upload.name, detail=f"{written} sensors imported", db=tx)
                st.success(f"{written} sensors imported from {upload.name}")
                st.session_state.pop(EDITOR_KEY, None)
            except LimesError as exc:
                st.error(str(exc))


def _site_sensors(sites: pd.DataFrame) -> tuple[Sensor, ...]:
    """Recommended sites as new towers of :data:`SITE_MODEL`, for the what-if."""
    return tuple(Sensor(f"NEW{int(r)}", "tower", float(la), float(lo), SITE_MODEL.height_m, SITE_MODEL.range_m, 0.0,
                        360.0) for r, la, lo in zip(sites["rank"], sites["lat"], sites["lon"]))


def _headline(result: Assessment, baseline: Assessment, elapsed_s: float, what_if: bool) -> None:
    """Covered share (with its change against the stored sensors in a what-if), seen, patrolled, gaps."""
    coverage = result.coverage
    cols = st.columns(4)
    delta = result.covered_share - baseline.covered_share
    cols[0].metric("Corridor covered", f"{result.covered_share:.1%}", f"{delta:+.1%} what-if" if what_if else None,
                   border=True, help="Cells seen by a sensor (half their area or more) or patrolled within the window.")
    cols[1].metric("Seen by sensors", f"{coverage['seen'].mean():.1%}", border=True)
    cols[2].metric("Patrolled", f"{coverage['patrolled'].mean():.1%}", border=True)
    cols[3].metric("Gaps", f"{len(result.gaps):,}", border=True,
                   help=f"{int((~coverage['covered']).sum()):,} of {len(coverage):,} corridor cells uncovered")
    note = f" · {', '.join(result.skipped)} beyond the elevation data (42° N), not counted" if result.skipped else ""
    st.caption(f"Computed in {elapsed_s:.2f} s{note}")


def _gap_table(result: Assessment, terrain: Terrain) -> pd.DataFrame:
    """The eight riskiest gaps with the nearest town and their cells' mean slope."""
    towns = cache.basemap().towns
    gaps = result.gaps.head(8)
    by_gap = terrain.stats.join(result.gap_rank, how="inner").groupby("gap_rank")
    slope = by_gap["slope_mean_deg"].mean()
    return pd.DataFrame({
        "gap": gaps["rank"].to_numpy(),
        "near": [nearest_town(la, lo, towns).name for la, lo in zip(gaps["lat"], gaps["lon"])],
        "cells": gaps["cells"].to_numpy(),
        "risk": gaps["risk"].round(2).to_numpy(),
        "events/day": gaps["events_per_day"].round(1).to_numpy(),
        "slope (°)": slope.reindex(gaps["rank"]).round(1).to_numpy(),
        "lon from–to": [f"{a:.2f}–{b:.2f}" for a, b in zip(gaps["lon_min"], gaps["lon_max"])],
    })


def render() -> None:
    """Draw the page: the what-if table is read first (it sits at the bottom) so that everything above follows it."""
    who = require_page("coverage")
    st.markdown("### Coverage planner  \nGreece–North Macedonia · Bulgaria–North Macedonia, our side of the line")
    params, k, view, points = _controls()
    minute = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    terrain = cache.coverage_terrain(params)
    stored = cache.stored_sensors()
    headline, map_area, tables, editor = st.container(), st.container(), st.container(), st.container()
    with editor:
        st.markdown("#### Sensors · what-if")
        st.caption("Edit a cell to move a sensor or change its height, range or field of view; set status to off; "
                   "add a row for a new one. The map and the share follow; Save writes the table to the store.")
        current = _what_if(stored)
        _store_controls(stored, current, who)
    started = time.perf_counter()
    baseline = cache.coverage_assessment(params, stored, minute)
    try:
        sites, optimum = cache.recommended_sites(params, current, minute, k, SITE_MODEL, points)
    except LimesError as exc:
        st.sidebar.error(f"{exc} — recommending among high ground near the border instead.")
        sites, optimum = cache.recommended_sites(params, current, minute, k, SITE_MODEL)
    with headline:
        try_sites = st.toggle(f"What-if: add the {len(sites)} recommended towers", key="try_sites")
    if try_sites:
        current = (*current, *_site_sensors(sites))
    result = cache.coverage_assessment(params, current, minute)
    ids = [s.sensor_id for s in current if s.status == "active"]
    shown = st.sidebar.selectbox("Viewshed shown", ["All active sensors", *ids], key="cov_viewshed")
    one = tuple(s for s in current if s.sensor_id == shown)
    image_url, bounds = cache.coverage_png(params, one or current)
    areas = patrol_areas(result.coverage, result.risk, n_cells=40, n_areas=4)
    elapsed = time.perf_counter() - started
    with headline:
        _headline(result, baseline, elapsed, what_if=current != stored)
    under, over = cache.basemap_layers()
    hexagons, entries, legend_title = _corridor_layers(view, result, terrain)
    layers = [*under, coverage_raster_layer(image_url, bounds), *hexagons, patrol_area_layer(areas), *over,
              *sensor_layers(current), *site_layers(sites)]
    with map_area:
        map_col, side_col = st.columns([3, 1.2])
        with map_col:
            st.pydeck_chart(build_deck(layers, tooltip=TOOLTIP if view == VIEWS[0] else VALUE_TOOLTIP), key=MAP_KEY,
                            height=620)
            st.caption("Teal: ground a standing person (1.7 m) can be seen on, by 1 to 3+ sensors (SRTM 3″ line of "
                       "sight, earth curvature and refraction k = 1/7). Hexagons: the corridor, "
                       f"{params.corridor_width_m / 1000:.0f} km wide on our side, H3 res {params.res}. "
                       "White outlines: patrol areas for the next shift. Magenta: recommended new towers.")
        with side_col:
            map_legend(entries, title=legend_title)
    with tables:
        gaps_col, plan_col = st.columns([1.4, 1])
        with gaps_col:
            st.markdown("#### Gaps by risk")
            st.dataframe(_gap_table(result, terrain), hide_index=True, width="stretch")
            st.caption("Risk: events a day within a ring × passability (exp(−slope/15°)) × 2 near a Gi* hot spot, "
                       "summed over the gap's cells.")
        with plan_col:
            st.markdown("#### Next shift: patrol areas")
            towns = cache.basemap().towns
            st.dataframe(pd.DataFrame({
                "area": areas["area"], "near": [nearest_town(a, b, towns).name for a, b in zip(areas["lat"], areas["lon"])],
                "cells": areas["n_cells"], "risk": areas["risk"].round(2),
                "lat, lon": [f"{a:.4f}, {b:.4f}" for a, b in zip(areas["lat"], areas["lon"])]}),
                hide_index=True, width="stretch")
            st.markdown(f"#### {len(sites)} new towers ({SITE_MODEL.height_m:.0f} m, "
                        f"{SITE_MODEL.range_m / 1000:.0f} km)")
            st.dataframe(sites.assign(gain=sites["gain"].round(2), elevation_m=sites["elevation_m"].round()),
                         hide_index=True, width="stretch")
            total = float(np.sum(sites["gain"]))
            if optimum:
                st.caption(f"Greedy closes {total:.2f} of open risk; the exact optimum (MILP) is {optimum:.2f} "
                           f"({total / optimum:.0%} of it; the guarantee is 63 %).")


try:
    render()
except LimesError as exc:
    st.error(str(exc))
