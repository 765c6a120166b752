"""Panels of the crossing-routes view on the Coverage planner: its sidebar controls, the route table and caption.

The caption states the model from the parameter objects (:class:`geo.coverage.CostParams`,
:class:`geo.coverage.RouteParams`), so a change of a default changes the words with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt
import pandas as pd
import pydeck as pdk
import streamlit as st

from dashboard import cache, state
from dashboard.i18n import _, tr
from dashboard.plain import plain
from dashboard.terms import term
from geo.coverage import (
    CostParams,
    CoverageParams,
    RouteParams,
    Routes,
    compare_routes,
    corridor_frame,
    frame_bytes,
    parse_points,
    routes_frame,
)
from geo.errors import LimesError, describe
from geo.i18n import N_
from geo.models import Sensor
from geo.spatial import describe_place
from layers.colours import LegendEntry
from layers.routes import crossing_layers, route_layers, route_legend

WHAT_IF_STATUSES = (N_("new"), N_("closed"), N_("kept"))
"""What a what-if does to a route (:func:`geo.coverage.compare_routes`), marked for the catalogs."""


@dataclass(frozen=True, slots=True)
class RouteChoice:
    """What the sidebar selects for the routes view: whether to show it, the search, the weights, approach points."""

    show: bool
    route: RouteParams
    cost: CostParams
    points: tuple[tuple[float, float], ...]


def route_controls() -> RouteChoice:
    """Sidebar: show the likely crossing routes, how many, how much being seen costs, where groups set out."""
    defaults, weights = RouteParams(), CostParams()
    with st.sidebar:
        st.markdown("### " + _("Crossing routes"))
        show = st.toggle(_("Show likely crossing routes"), key=state.COV_ROUTES)
        k = st.slider(_("Routes"), min_value=1, max_value=10, value=defaults.k, key=state.COV_ROUTE_K,
                      disabled=not show)
        seen = st.select_slider(_("Cost of being seen by a sensor (× walking)"), options=[0.0, 1.0, 3.0, 10.0, 30.0],
                                value=weights.seen_weight, key=state.COV_SEEN_WEIGHT, disabled=not show,
                                format_func=lambda w: f"+{w:g}")
        patrol = st.select_slider(_("Cost of a patrolled area (× walking)"), options=[0.0, 1.0, 3.0, 10.0],
                                  value=weights.patrol_weight, key=state.COV_PATROL_WEIGHT, disabled=not show,
                                  format_func=lambda w: f"+{w:g}")
        typed = st.text_area(_("Approach points on the far side (lat, lon per line; empty: all its ground {km} km from the line)").format(
            km=tr().number(defaults.approach_km)), key=state.COV_APPROACH, height=70, disabled=not show)
    try:
        points = parse_points(typed) if show else ()
    except LimesError as exc:
        st.sidebar.error(plain(describe(exc, tr())))
        points = ()
    return RouteChoice(show=show, route=RouteParams(k=k), cost=CostParams(seen_weight=seen, patrol_weight=patrol),
                       points=points)


@dataclass(frozen=True)
class RouteOverlay:
    """The routes view on the map: the routes (None when off), their changes in a what-if, layers, legend rows."""

    routes: Routes | None = None
    changes: pd.DataFrame | None = None
    layers: list[pdk.Layer] = field(default_factory=list)
    legend: list[LegendEntry] = field(default_factory=list)
    labels: list[pdk.Layer] = field(default_factory=list)
    """Crossing dots and route labels, for the top of the layer stack."""


def route_overlay(params: CoverageParams, current: tuple[Sensor, ...], stored: tuple[Sensor, ...], minute: datetime,
                  choice: RouteChoice) -> RouteOverlay:
    """Routes for the what-if sensors and, when they differ from the stored ones, which routes close and open."""
    if not choice.show:
        return RouteOverlay()
    routes = cache.crossing_routes(params, current, minute, choice.route, choice.cost, choice.points)
    changes: pd.DataFrame | None = None
    closed_paths: tuple[npt.NDArray[np.float64], ...] = ()
    if current != stored:
        before = cache.crossing_routes(params, stored, minute, choice.route, choice.cost, choice.points)
        changes = compare_routes(before.table, routes.table)
        closed_paths = tuple(before.paths[int(r) - 1] for r in changes.loc[changes["status"] == "closed", "rank"])
    return RouteOverlay(routes=routes, changes=changes,
                        layers=route_layers(routes, changes=changes, closed_paths=closed_paths),
                        legend=route_legend(choice.route.band_share, tr()), labels=crossing_layers(routes))


def route_table(routes: Routes, changes: pd.DataFrame | None, towns: pd.DataFrame, choice: RouteChoice) -> None:
    """The routes, cheapest first, with where they cross in words; a what-if adds each route's status."""
    table = changes if changes is not None else routes.table.assign(status="")
    words = tr()
    st.markdown("#### " + _("Likely crossing routes"))
    st.dataframe(pd.DataFrame({
        _("route"): table["rank"].to_numpy(),
        _("what-if"): [term(words, s) if s else "" for s in table["status"]],
        _("crosses"): [describe_place(lat=la, lon=lo, towns=towns, tr=words)
                       for la, lo in zip(table["crossing_lat"], table["crossing_lon"], strict=True)],
        _("from → to"): [f"{a} → {b}" for a, b in zip(table["from_place"], table["to_place"], strict=True)],
        _("km"): table["length_km"].round(1).to_numpy(),
        _("on foot (h)"): table["walk_h"].round(1).to_numpy(),
        _("unseen"): [words.percent(u) for u in table["unseen_share"]],
        _("cost (h)"): table["cost_h"].round(1).to_numpy(),
    }), hide_index=True, width="stretch")
    st.caption(route_caption(routes, choice.route, choice.cost))
    downloads = st.columns(3)
    for column, (label, frame, suffix, name) in zip(downloads, (
            (_("Routes · GeoJSON"), routes_frame(routes), ".geojson", "routes"),
            (_("Routes · GeoParquet"), routes_frame(routes), ".parquet", "routes"),
            (_("Corridor · GeoJSON"), corridor_frame(routes), ".geojson", "corridor")), strict=True):
        mime = "application/geo+json" if suffix == ".geojson" else "application/vnd.apache.parquet"
        column.download_button(label, frame_bytes(frame, suffix=suffix), file_name=name + suffix, mime=mime)


def route_caption(routes: Routes, route: RouteParams, cost: CostParams) -> str:
    """How the routes are found, from the parameters."""
    words = tr()
    return _("Least-cost walking routes across the border band, from the far side's ground {ring} km from the line to "
             "ours {ring} km from it: walking time by Tobler's hiking function "
             "(1993) on SRTM slope, lakes impassable, rivers ×{river}; ground a sensor sees costs ×(1 + seen weight), "
             "ground patrolled within the window ×(1 + patrol weight). Routes cross the line at least {km} km apart; "
             "the shaded corridor holds every path within {share} of the cheapest ({hours} effective hours). A what-if "
             "marks routes it opens (new) and closes.").format(
        ring=words.number(route.approach_km), river=words.number(cost.river_factor),
        km=words.number(route.min_separation_m / 1000),
        share=words.percent(route.band_share), hours=words.number(routes.optimum_h, decimals=1))
