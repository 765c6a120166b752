"""Crossing-route layers: the likely routes as paths ranked by cost, their crossing points, the corridor band.

Only geometries and aggregates reach the browser: each route's rank, status against the stored
sensors, length, walking time and unseen share with its path (lon, lat rounded to 5 decimals,
~1 m); the corridor as H3 hex ids with a whole percentage. No events, units or people.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd
import pydeck as pdk

from geo.coverage import Routes
from geo.errors import LayerError
from geo.i18n import Translator, translator
from layers.checks import rgba, same_length
from layers.colours import LegendEntry, Rgba
from layers.deck import TOOLTIP_STYLE
from layers.hexagons import hexagon_records

ROUTE_LAYER_ID: Final[str] = "routes"
ROUTE_HALO_LAYER_ID: Final[str] = "routes-halo"
CROSSING_LAYER_ID: Final[str] = "route-crossings"
BAND_LAYER_ID: Final[str] = "route-corridor"
ROUTE_TOP: Final[Rgba] = (255, 70, 200, 255)
ROUTE_OTHER: Final[Rgba] = (255, 150, 230, 220)
ROUTE_NEW: Final[Rgba] = (255, 230, 40, 255)
ROUTE_CLOSED: Final[Rgba] = (150, 160, 175, 200)
BAND: Final[Rgba] = (255, 70, 200, 70)
HALO: Final[Rgba] = (11, 19, 32, 235)
"""A dark outline under every route, so the pink reads over teal coverage, red gaps and the relief alike."""
TOP_ROUTES: Final[int] = 3
"""Routes of rank 1..TOP_ROUTES are drawn thick in the alarm colour."""
WIDTH_PX: Final[tuple[float, float]] = (6.0, 4.0)
"""Route widths in screen pixels, top routes and the others: the same at every zoom, legible at the opening one."""
HALO_PX: Final[float] = 4.0
"""The outline adds this many pixels to a route's width (2 on each side)."""
LABEL_PREFIX: Final[str] = "R"
"""Route labels read R1, R2, ...: the gaps and recommended sites on the same map are numbered #1, #2, ..."""
STATUSES: Final[tuple[str, ...]] = ("kept", "new", "closed")
def route_tooltip(tr: Translator | None = None) -> dict[str, object]:
    """The routes' tooltip in ``tr``'s language (English by default); ``{rank}``, ``{status}`` (a code of
    :data:`STATUSES`) and the figures are deck.gl's placeholders, filled in the browser."""
    text = (tr or translator()).gettext("Route <b>R{rank}</b> ({status}) · {length_km} km · {walk_h} h on foot · "
                                        "{unseen_pct} % unseen")
    return {"html": text, "style": TOOLTIP_STYLE}


def route_records(table: pd.DataFrame, paths: tuple[np.ndarray, ...]) -> list[dict[str, object]]:
    """One record per route: rank, status, rounded figures and the path as ``[[lon, lat], ...]``.

    Raises :class:`LayerError` when table and paths differ in length or a status is unknown.
    """
    same_length(routes=table["rank"], paths=paths)
    status = table["status"] if "status" in table else pd.Series(["kept"] * len(table), index=table.index)
    unknown = set(status) - set(STATUSES)
    if unknown:
        raise LayerError(f"unknown route status {sorted(unknown)}; expected one of {', '.join(STATUSES)}")
    return [{"rank": int(r), "status": str(s), "length_km": round(float(k), 1), "walk_h": round(float(h), 1),
             "unseen_pct": round(100 * float(u)), "path": np.round(p, 5).tolist()}
            for r, s, k, h, u, p in zip(table["rank"], status, table["length_km"], table["walk_h"],
                                        table["unseen_share"], paths, strict=True)]


def route_layers(routes: Routes, *, changes: pd.DataFrame | None = None,
                 closed_paths: tuple[np.ndarray, ...] = ()) -> list[pdk.Layer]:
    """The corridor band and the routes over their outline (closed ones grey beneath, new ones yellow).

    ``changes`` is :func:`geo.coverage.compare_routes` of the stored sensors' routes against
    these (None: no what-if); ``closed_paths`` are the paths of its "closed" rows, in order.
    """
    table = routes.table
    if changes is not None:
        status = changes.loc[changes["status"] != "closed", "status"].to_numpy()
        table = table.assign(status=status[:len(table)])
        closed = changes[changes["status"] == "closed"]
    else:
        closed = table.iloc[:0].assign(status=[])
    records = route_records(closed, closed_paths) + route_records(table, routes.paths)
    colour = (f"status == 'closed' ? {rgba(ROUTE_CLOSED)} : status == 'new' ? {rgba(ROUTE_NEW)} : "
              f"rank <= {TOP_ROUTES} ? {rgba(ROUTE_TOP)} : {rgba(ROUTE_OTHER)}")
    band = routes.band
    return [
        pdk.Layer("H3HexagonLayer", id=BAND_LAYER_ID,
                  data=hexagon_records(pd.Series(band.index.to_numpy(np.uint64)),
                                       pd.Series(np.round(100 * band.to_numpy()).astype(int))),
                  get_hexagon="hex", extruded=False, filled=True, stroked=False, get_fill_color=rgba(BAND),
                  pickable=False),
        pdk.Layer("PathLayer", id=ROUTE_HALO_LAYER_ID, data=records, get_path="path", get_color=rgba(HALO),
                  get_width=f"rank <= {TOP_ROUTES} ? {WIDTH_PX[0] + HALO_PX} : {WIDTH_PX[1] + HALO_PX}",
                  width_units="'pixels'", width_min_pixels=WIDTH_PX[1] + HALO_PX, cap_rounded=True,
                  joint_rounded=True, pickable=False),
        pdk.Layer("PathLayer", id=ROUTE_LAYER_ID, data=records, get_path="path", get_color=colour,
                  get_width=f"rank <= {TOP_ROUTES} ? {WIDTH_PX[0]} : {WIDTH_PX[1]}", width_units="'pixels'",
                  width_min_pixels=WIDTH_PX[1], cap_rounded=True, joint_rounded=True, pickable=True,
                  auto_highlight=True),
    ]


def crossing_layers(routes: Routes) -> list[pdk.Layer]:
    """A dot per crossing and its route label (R1, R2, ...): drawn last, above sensors and sites, so no label
    of theirs hides a route's."""
    table = routes.table
    crossings = [{"rank": f"{LABEL_PREFIX}{int(r)}", "lon": round(float(x), 5), "lat": round(float(y), 5)}
                 for r, x, y in zip(table["rank"], table["crossing_lon"], table["crossing_lat"], strict=True)]
    return [
        pdk.Layer("ScatterplotLayer", id=CROSSING_LAYER_ID, data=crossings, get_position="[lon, lat]", get_radius=7,
                  radius_units="'pixels'", get_fill_color=rgba(ROUTE_TOP), get_line_color=[255, 255, 255, 255],
                  stroked=True, line_width_min_pixels=2, pickable=False),
        pdk.Layer("TextLayer", id="route-ranks", data=crossings, get_position="[lon, lat]", get_text="rank",
                  get_size=14, get_color=[255, 255, 255, 255], get_pixel_offset=[22, 0], background=True,
                  get_background_color=rgba(ROUTE_TOP), background_padding=[5, 2, 5, 2],
                  get_border_color=rgba(HALO), get_border_width=1, font_settings={"sdf": False}, font_weight=700,
                  font_family="'Source Sans, Helvetica, Arial, sans-serif'", pickable=False),
    ]


def route_legend(band_share: float, tr: Translator | None = None) -> list[LegendEntry]:
    """Legend rows of the routes view, in ``tr``'s language (English by default)."""
    tr = tr or translator()
    return [LegendEntry(ROUTE_TOP, tr.gettext("likely route, top {n} (labels R1, R2, … by cost)").format(n=TOP_ROUTES)),
            LegendEntry(ROUTE_OTHER, tr.gettext("likely route")),
            LegendEntry(ROUTE_NEW, tr.gettext("route the what-if opens")),
            LegendEntry(ROUTE_CLOSED, tr.gettext("route the what-if closes")),
            LegendEntry(BAND, tr.gettext("corridor: within {share} of the cheapest").format(
                share=tr.percent(band_share)))]
