"""Panels of the Coverage planner: its controls, the sensors what-if table, the headline, the gap and plan tables.

Captions state what the map and the figures rest on from the parameter objects themselves
(:class:`geo.coverage.CoverageParams`, the risk weights, the new towers' model), so a change of
a default changes the words with it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Final

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import cache, state
from dashboard.auth import Viewer, audit
from dashboard.i18n import _, ngettext, tr
from dashboard.plain import plain
from geo.coverage import (
    COLUMNS,
    DEFAULT_RISK,
    Assessment,
    CoverageParams,
    RiskParams,
    SiteModel,
    Terrain,
    delete_sensor,
    parse_points,
    read_sensor_file,
    save_sensors,
    sensors_from_frame,
)
from geo.errors import LimesError, describe
from geo.i18n import N_, Translator
from geo.models import SENSOR_KINDS, SENSOR_STATUSES, Sensor
from geo.spatial import describe_place, xy_m_to_lonlat
from geo.trust import may
from layers.coverage import COVERAGE, EFFORT, ELEVATION, SINCE_PATROL, SLOPE

SITE_MODEL: Final[SiteModel] = SiteModel(height_m=24.0, range_m=12_000.0)
"""The tower a recommended site would get."""
VIEW_LABELS: Final[dict[str, str]] = {
    COVERAGE: N_("Coverage and gaps"), SLOPE: N_("Mean slope (°)"), SINCE_PATROL: N_("Hours since the last patrol"),
    EFFORT: N_("Patrol effort, {days} days (unit-hours)"), ELEVATION: N_("Mean elevation (m)"),
}
"""The sidebar's words for each corridor view of :mod:`layers.coverage`."""


def view_label(view: str, words: Translator) -> str:
    """The words for corridor ``view`` in ``words``' language."""
    return words.gettext(VIEW_LABELS[view]).format(days=cache.PATROL_HISTORY.days)
GAP_ROWS: Final[int] = 8
GREEDY_GUARANTEE: Final[float] = 1.0 - 1.0 / math.e
"""Greedy maximum coverage reaches at least this share of the optimum (Nemhauser, Wolsey and Fisher 1978)."""


@dataclass(frozen=True, slots=True)
class CoverageChoice:
    """What the sidebar selects: the coverage parameters, how many sites, the corridor view, the user's candidates."""

    params: CoverageParams
    k: int
    view: str
    label: str
    points: tuple[tuple[float, float], ...]


def coverage_controls() -> CoverageChoice:
    """Sidebar: what the corridor shows, its width, the patrol window, how many new sites and where they may go."""
    with st.sidebar:
        st.markdown("### " + _("Coverage"))
        words = tr()  # the format functions keep the run's language (AppTest calls them outside a run)
        view = st.radio(_("Colour the corridor by"), list(VIEW_LABELS), key=state.COV_VIEW,
                        format_func=lambda v: view_label(v, words))
        width_km = st.select_slider(_("Corridor width (our side)"), options=[1, 2, 3, 5],
                                    value=round(CoverageParams().corridor_width_m / 1000), key=state.COV_WIDTH,
                                    format_func=lambda v: words.gettext("{n} km").format(n=v))
        within_h = st.selectbox(_("Patrolled within"), options=[24, 72, 168], index=1, key=state.COV_PATROL_H,
                                format_func=lambda h: words.gettext("{n} h").format(n=h) if h < 168
                                else words.gettext("7 days"))
        k = st.slider(_("New sites to recommend"), min_value=1, max_value=6, value=3, key=state.COV_K)
        typed = st.text_area(_("Your candidate sites (lat, lon per line; empty: high ground near the border)"),
                             key=state.COV_CANDIDATES, height=90)
    try:
        points = parse_points(typed)
    except LimesError as exc:
        st.sidebar.error(plain(describe(exc, tr())))
        points = ()
    params = CoverageParams(corridor_width_m=width_km * 1000.0, patrol_within_h=float(within_h))
    return CoverageChoice(params=params, k=k, view=view, label=view_label(view, tr()), points=points)


def _sensor_frame(sensors: tuple[Sensor, ...]) -> pd.DataFrame:
    """Sensors as the editable table, in the store's column order."""
    return pd.DataFrame([asdict(s) for s in sensors], columns=list(COLUMNS))


def what_if_table(stored: tuple[Sensor, ...]) -> tuple[Sensor, ...]:
    """The sensors table, editable; returns the edited sensors (the stored ones if an edit is invalid)."""
    edited = st.data_editor(
        _sensor_frame(stored), key=state.SENSOR_EDITOR, num_rows="dynamic", hide_index=True, width="stretch",
        column_config={
            "sensor_id": st.column_config.TextColumn(_("sensor")),
            "kind": st.column_config.SelectboxColumn(_("kind"), options=list(SENSOR_KINDS), required=True),
            "status": st.column_config.SelectboxColumn(_("status"), options=list(SENSOR_STATUSES), required=True),
            "lat": st.column_config.NumberColumn(_("lat"), format="%.5f"),
            "lon": st.column_config.NumberColumn(_("lon"), format="%.5f"),
            "height_m": st.column_config.NumberColumn(_("height (m)"), min_value=0.0),
            "range_m": st.column_config.NumberColumn(_("range (m)"), min_value=1.0),
            "azimuth_deg": st.column_config.NumberColumn(_("azimuth (°)")),
            "fov_deg": st.column_config.NumberColumn(_("field of view (°)"), min_value=1.0, max_value=360.0),
        },
    )
    try:
        return tuple(sensors_from_frame(edited.dropna(how="all")))
    except LimesError as exc:
        st.error(_("{problem} — showing the stored sensors until the table is fixed.").format(
            problem=plain(describe(exc, tr()))))
        return stored


def store_controls(stored: tuple[Sensor, ...], current: tuple[Sensor, ...], who: Viewer) -> None:
    """Save the what-if to the store, or import a sensor file (planners only; both audited)."""
    if not may(who.roles, "edit_sensors"):
        return
    changed = current != stored
    left, right = st.columns([1, 2])
    with left:
        if st.button(_("Save sensors to the store"), key=state.SAVE_SENSORS, disabled=not changed, type="primary"):
            removed = {s.sensor_id for s in stored} - {s.sensor_id for s in current}
            edited = sorted({s.sensor_id for s in set(current) - set(stored)})
            # Saves, removals and the audit entry are one transaction: the table never holds half an edit.
            with cache.current_store().transaction() as tx:
                save_sensors(tx, current, source="edited")
                for gone in removed:
                    delete_sensor(tx, gone)
                audit(who, "sensor_edit", target=", ".join(edited + sorted(removed))[:200],
                      detail=f"{len(edited)} saved, {len(removed)} removed", db=tx)
            st.session_state.pop(state.SENSOR_EDITOR, None)
            st.rerun()
    with right:
        upload = st.file_uploader(_("Import sensors (CSV or GeoJSON points; our column names)"),
                                  type=["csv", "geojson"], key=state.SENSOR_UPLOAD)
        if upload is not None and st.button(_("Import"), key=state.IMPORT_SENSORS):
            try:
                sensors = read_sensor_file(upload.getvalue(), name=upload.name)
                with cache.current_store().transaction() as tx:
                    written = save_sensors(tx, sensors, source=upload.name)
                    audit(who, "sensor_edit", target=upload.name, detail=f"{written} sensors imported", db=tx)
                st.success(ngettext("{n} sensor imported from {file}", "{n} sensors imported from {file}",
                                    written).format(n=written, file=plain(upload.name)))
                st.session_state.pop(state.SENSOR_EDITOR, None)
            except LimesError as exc:
                st.error(plain(describe(exc, tr())))


def site_sensors(sites: pd.DataFrame) -> tuple[Sensor, ...]:
    """Recommended sites as new towers of :data:`SITE_MODEL`, for the what-if."""
    return tuple(Sensor(f"NEW{int(r)}", "tower", float(la), float(lo), SITE_MODEL.height_m, SITE_MODEL.range_m, 0.0,
                        360.0) for r, la, lo in zip(sites["rank"], sites["lat"], sites["lon"], strict=True))


def _dem_north(terrain: Terrain) -> float:
    """The northern edge of the elevation data, degrees (sensors beyond it cannot be judged)."""
    dem = terrain.dem
    width = dem.elevation_m.shape[1] * dem.cell_size_m
    _, lat = xy_m_to_lonlat(dem.transform.c + width / 2, dem.transform.f)
    return float(lat)


def headline(result: Assessment, baseline: Assessment, terrain: Terrain, *, elapsed_s: float, what_if: bool) -> None:
    """Covered share (with its change against the stored sensors in a what-if), seen, patrolled, gaps."""
    words = tr()
    coverage = result.coverage
    cols = st.columns(4)
    delta = result.covered_share - baseline.covered_share
    share = terrain.params.seen_share
    sign = "+" if delta > 0 else "-" if delta < 0 else "±"
    cols[0].metric(_("Corridor covered"), words.percent(result.covered_share, decimals=1),
                   _("{change} what-if").format(change=sign + words.percent(abs(delta), decimals=1)) if what_if
                   else None, border=True,
                   help=_("Cells seen by a sensor ({share} of their area or more) or patrolled within {hours} "
                          "h.").format(share=words.percent(share), hours=words.number(terrain.params.patrol_within_h)))
    cols[1].metric(_("Seen by sensors"), words.percent(coverage["seen"].mean(), decimals=1), border=True)
    cols[2].metric(_("Patrolled"), words.percent(coverage["patrolled"].mean(), decimals=1), border=True)
    cols[3].metric(_("Gaps"), words.number(len(result.gaps)), border=True,
                   help=_("{n} of {total} corridor cells uncovered").format(
                       n=words.number(int((~coverage["covered"]).sum())), total=words.number(len(coverage))))
    seconds = words.number(elapsed_s, decimals=2)
    if result.skipped:
        st.caption(_("Computed in {seconds} s · {sensors} beyond the elevation data ({north}° N), not counted").format(
            seconds=seconds, sensors=", ".join(result.skipped), north=words.number(_dem_north(terrain), decimals=0)))
    else:
        st.caption(_("Computed in {seconds} s").format(seconds=seconds))


def map_caption(params: CoverageParams) -> str:
    """What the planner map shows, from the parameters it was computed with."""
    words = tr()
    return _("Teal: ground a standing person ({height} m) can be seen on, by 1 to 3+ sensors (SRTM 3″ line of sight, "
             "earth curvature and refraction k = 1/{k}). Hexagons: the corridor, {width} km wide on our side, H3 res "
             "{res}. White outlines: patrol areas for the next shift. Magenta: recommended new towers.").format(
        height=words.number(params.target_height_m), k=round(1 / params.refraction_coeff),
        width=words.number(params.corridor_width_m / 1000), res=params.res)


def risk_caption(risk: RiskParams = DEFAULT_RISK) -> str:
    """How a gap's risk is weighed, from the risk weights."""
    words = tr()
    return _("Risk: events a day within a ring × passability (exp(−slope/{scale}°)) × {bonus} near a Gi* hot spot, "
             "summed over the gap's cells.").format(scale=words.number(risk.slope_scale_deg),
                                                    bonus=words.number(1 + risk.hot_bonus))


def gap_table(result: Assessment, terrain: Terrain, towns: pd.DataFrame) -> None:
    """The riskiest gaps with the place, their cells' mean slope and extent."""
    gaps = result.gaps.head(GAP_ROWS)
    slope = terrain.stats.join(result.gap_rank, how="inner").groupby("gap_rank")["slope_mean_deg"].mean()
    words = tr()
    st.markdown("#### " + _("Gaps by risk"))
    st.dataframe(pd.DataFrame({
        _("gap"): gaps["rank"].to_numpy(),
        _("near"): [describe_place(lat=la, lon=lo, towns=towns, tr=words)
                    for la, lo in zip(gaps["lat"], gaps["lon"], strict=True)],
        _("cells"): gaps["cells"].to_numpy(),
        _("risk"): gaps["risk"].round(2).to_numpy(),
        _("events/day"): gaps["events_per_day"].round(1).to_numpy(),
        _("slope (°)"): slope.reindex(gaps["rank"]).round(1).to_numpy(),
        _("lon from–to"): [f"{words.number(a, decimals=2)}–{words.number(b, decimals=2)}"
                           for a, b in zip(gaps["lon_min"], gaps["lon_max"], strict=True)],
    }), hide_index=True, width="stretch")
    st.caption(risk_caption())


def shift_plan(areas: pd.DataFrame, sites: pd.DataFrame, optimum: float | None, towns: pd.DataFrame) -> None:
    """Next shift's patrol areas, and the recommended towers with how close greedy came to the optimum."""
    words = tr()
    st.markdown("#### " + _("Next shift: patrol areas"))
    st.dataframe(pd.DataFrame({
        _("area"): areas["area"],
        _("near"): [describe_place(lat=a, lon=b, towns=towns, tr=words)
                    for a, b in zip(areas["lat"], areas["lon"], strict=True)],
        _("cells"): areas["n_cells"], _("risk"): areas["risk"].round(2),
        _("lat, lon"): [f"{a:.4f}, {b:.4f}" for a, b in zip(areas["lat"], areas["lon"], strict=True)]}),
        hide_index=True, width="stretch")
    heading = ngettext("{n} new tower ({height} m, {range} km)", "{n} new towers ({height} m, {range} km)",
                       len(sites)).format(n=len(sites), height=words.number(SITE_MODEL.height_m),
                                          range=words.number(SITE_MODEL.range_m / 1000))
    st.markdown(f"#### {heading}")
    headers = {"rank": _("rank"), "lat": _("lat"), "lon": _("lon"), "gain": _("gain"),
               "elevation_m": _("elevation (m)")}
    st.dataframe(sites.assign(gain=sites["gain"].round(2), elevation_m=sites["elevation_m"].round()),
                 hide_index=True, width="stretch",
                 column_config={column: st.column_config.Column(label) for column, label in headers.items()})
    total = float(np.sum(sites["gain"]))
    if optimum:
        st.caption(_("Greedy closes {total} of open risk; the exact optimum (MILP) is {optimum} ({share} of it; the "
                     "guarantee is {guarantee}).").format(
            total=words.number(total, decimals=2), optimum=words.number(optimum, decimals=2),
            share=words.percent(total / optimum), guarantee=words.percent(GREEDY_GUARANTEE)))
