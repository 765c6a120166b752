"""The world under the region: 1:50m countries and coast, country names, country-pair labels along the
borders and the world's large towns (named in their own script where the source has it).

Everything is drawn from ``data/world`` (see :mod:`geo.spatial`); nothing is fetched. Labels use
deck.gl's font atlas built in the browser from the page's own fonts (``character_set="auto"``
takes the glyphs the labels need, so Greek or Cyrillic names draw without any download).
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from geo.i18n import Translator, translator
from geo.spatial import Basemap, bundled_region, iso2_codes, reader_town_names, world_around
from layers.basemap import metres_per_px, placed_labels, thin_line_layer
from layers.colours import (
    COUNTRY_EDGE,
    COUNTRY_FILL,
    COUNTRY_FILL_FOCUS,
    TOWN_TEXT,
    LegendSymbol,
    faded_colour_expression,
)

COORD_DECIMALS: Final[int] = 2
"""~1 km: below the simplified outline's ~4 km, a third of the payload of full precision."""
COUNTRY_LABEL: Final[list[int]] = [150, 162, 185, 200]
PAIR_LABEL: Final[list[int]] = [245, 190, 110, 230]
PAIR_LABEL_PX: Final[int] = 11
TOWN_LABEL_M: Final[int] = 40_000
"""World town labels' height on the ground: ~1 px in a world view, 12 px from zoom 6 on."""
COUNTRY_LABEL_MIN_DEG2: Final[float] = 4.0
"""Countries smaller than this (square degrees, ~Slovenia's double) carry no name in the world layer, unless they are
the region's own."""
COUNTRY_LABEL_PX: Final[int] = 12
WORLD_LABEL_ZOOM: Final[float] = 1.2
"""The zoom at which the whole world's country names are thinned so that none overlaps another: about the zoom of
a whole-world view (a world 1,200 px wide). Zoomed further in, the kept names move apart; in the region's basemap
they are thinned one zoom out of the region's opening view."""
COUNTRY_LABEL_EM: Final[float] = 0.66
"""A capital letter's width (em) in the names' semibold capitals, a little generous: names part with a gap."""
WORLD_LAYER_IDS: Final[frozenset[str]] = frozenset({"world-countries", "world-outlines", "country-labels",
                                                   "border-pair-labels", "world-towns"})
"""The world's layers around a region: a live map that has just mounted draws its first frame without them."""
_HALO: Final[list[int]] = [11, 19, 32, 255]
_FONT: Final[str] = "'Source Sans, Helvetica, Arial, sans-serif'"


def _rounded_geojson(frame: gpd.GeoDataFrame, focus: tuple[str, ...]) -> dict[str, Any]:
    """Geometries with their ``alpha`` and a ``focus`` flag (``adm0_a3`` in ``focus``), coordinates rounded to
    :data:`COORD_DECIMALS`."""
    rounded = shapely.set_precision(frame.geometry.values, 10 ** -COORD_DECIMALS, mode="pointwise")
    features = [{"type": "Feature", "properties": {"alpha": int(alpha), "focus": code in focus},
                 "geometry": json.loads(shapely.to_geojson(g))}
                for code, alpha, g in zip(frame["adm0_a3"], frame["alpha"], rounded, strict=True)
                if g is not None and not g.is_empty]
    return {"type": "FeatureCollection", "features": features}


def world_layers(basemap: Basemap, *, bbox: tuple[float, float, float, float] | None = None) -> list[pdk.Layer]:
    """The world's land (1:50m countries) and its coasts and borders around the region's detail, fading out towards
    the edge of ``bbox`` (degrees; None: all of it), with a hole where the region's 1:10m countries draw the land
    (``basemap.land_lonlat``): see :func:`geo.spatial.world_around`."""
    if basemap.world is None or basemap.world.empty:
        return []
    # No hole where the region has no detailed land of its own to fill it.
    land = basemap.land_lonlat if not basemap.countries.empty else None
    fills, lines = world_around(basemap.world, bbox=bbox, land=land)
    watched = (basemap.region or bundled_region()).watched
    fill, focus = (faded_colour_expression(c, alpha="properties.alpha") for c in (COUNTRY_FILL, COUNTRY_FILL_FOCUS))
    return [pdk.Layer("GeoJsonLayer", id="world-countries", data=_rounded_geojson(fills, watched),
                      stroked=False, filled=True, get_fill_color=f"properties.focus ? {focus} : {fill}",
                      pickable=False),
            thin_line_layer("world-outlines", lines, colour=COUNTRY_EDGE, width_px=0.6, decimals=COORD_DECIMALS)]


def _text_layer(layer_id: str, rows: list[dict[str, object]], *, colour: list[int], size: int | str,
                **options: object) -> pdk.Layer:
    return pdk.Layer("TextLayer", id=layer_id, data=rows, get_position="[lon, lat]", get_text="text",
                     get_size=size, get_color=colour, outline_width=2, outline_color=_HALO,
                     font_settings={"sdf": True}, font_family=_FONT, character_set="'auto'", pickable=False,
                     **options)


def country_name(code: str, name: str, language: str) -> str:
    """Country ``code`` (ISO3 ``adm0_a3``) as readers of ``language`` name it (the locale's territory names, CLDR:
    English too, where Natural Earth's 1:50m names are dated, "Macedonia" for North Macedonia), else ``name``
    (Natural Earth's English one)."""
    iso2 = iso2_codes().get(code)
    return str(translator(language).locale.territories.get(iso2, name)) if iso2 else name


KM_PER_DEG: Final[float] = 111.32
"""Kilometres per degree of latitude (and of longitude at the equator)."""
OURS_PRIORITY: Final[int] = 1000
"""The region's own countries' names are never hidden by a neighbour's."""


def label_priority(code: str, part: shapely.Geometry, *, watched: tuple[str, ...]) -> int:
    """A country name's collision priority: the region's countries (``watched``, ISO3) first, then the larger
    country (``part``, its largest part in degrees): 100 × log10 of its area in km² (Russia ~720, Slovenia ~430)."""
    if code in watched:
        return OURS_PRIORITY
    lat = shapely.get_y(shapely.centroid(part))
    area_km2 = shapely.area(part) * KM_PER_DEG ** 2 * math.cos(math.radians(lat))
    return int(round(100 * math.log10(max(area_km2, 1.0))))


def watched_side_symbol(basemap: Basemap, tr: Translator) -> LegendSymbol:
    """The legend row for the land across the region's border (its ``watched`` countries), drawn a shade lighter than
    the rest, the countries named in ``tr``'s language."""
    region = basemap.region or bundled_region()
    english = dict(zip(basemap.countries["adm0_a3"], basemap.countries["name"], strict=True))
    names = tr.listing([country_name(code, english.get(code, code), tr.code) for code in region.watched])
    return LegendSymbol("fill", COUNTRY_FILL_FOCUS, tr.gettext("land across the border ({countries}), a shade "
                                                                "lighter").format(countries=names))


def country_label_layer(basemap: Basemap, *, bbox: tuple[float, float, float, float] | None = None,
                        language: str = "en") -> pdk.Layer | None:
    """Country names at a point inside each country's largest part (those inside ``bbox``, degrees, or all), in
    ``language``."""
    if basemap.world is None or basemap.world.empty:
        return None
    area = shapely.box(*bbox) if bbox is not None else None
    rows = []
    region = basemap.region or bundled_region()
    ours = region.watched + region.ours  # named however small: North Macedonia is the bundled region's own
    codes = basemap.world["adm0_a3"]
    names = [country_name(c, n, language) for c, n in zip(codes, basemap.world["name"], strict=True)]
    for code, name, geometry in zip(codes, names, basemap.world.geometry, strict=True):
        parts = shapely.get_parts(geometry)
        if not len(parts):
            continue
        largest = parts[int(np.argmax(shapely.area(parts)))]
        if shapely.area(largest) < COUNTRY_LABEL_MIN_DEG2 and code not in ours:  # islands and micro-states
            continue
        point = shapely.point_on_surface(largest)
        if area is not None and not area.contains(point):
            continue
        rows.append({"text": str(name).upper(), "lon": round(point.x, 3), "lat": round(point.y, 3),
                     "p": label_priority(code, largest, watched=ours)})
    zoom = WORLD_LABEL_ZOOM if bbox is None else region.view.zoom - 1.0
    return _text_layer("country-labels", names_apart(rows, zoom=zoom), colour=COUNTRY_LABEL, size=COUNTRY_LABEL_PX,
                       font_weight=600)


def names_apart(rows: list[dict[str, Any]], *, zoom: float) -> list[dict[str, Any]]:
    """The country names of ``rows`` (``text`` centred at ``lon``, ``lat``; priority ``p``) that do not overlap one
    of higher priority at ``zoom``, highest first (ties in the order of ``rows``), without their priorities
    (:func:`layers.basemap.placed_labels`, as the towns): a thinning done once here, where deck.gl's collision filter
    cost every software-drawn frame an extra pass."""
    placed = placed_labels([{"name": row["text"], "lon": row["lon"], "lat": row["lat"], "size": COUNTRY_LABEL_PX,
                             "priority": row["p"], "row": i} for i, row in enumerate(rows)],
                           zoom=zoom, em=COUNTRY_LABEL_EM, centred=True)
    return [{k: v for k, v in rows[label["row"]].items() if k != "p"} for label in placed]


def pair_label_layer(borders: gpd.GeoDataFrame, world: gpd.GeoDataFrame | None, language: str = "en", *,
                     zoom: float | None = None) -> pdk.Layer:
    """One label per land border at its middle, naming the two countries it separates (in ``language``), the western
    one first ("Finland | Russia"). With ``zoom`` (the region's opening zoom) they are sized on the ground at their
    pixel size there and capped at it, like the town labels: over a continent the region's dozens of borders shrink
    away instead of piling up into an amber smear."""
    centre_x = {} if world is None else dict(
        zip(world["adm0_a3"], shapely.get_x(shapely.centroid(world.geometry.values)), strict=True))
    rows = []
    for pair, left, right, line in zip(borders["pair"], borders["name_l"], borders["name_r"], borders.geometry,
                                       strict=True):
        merged = shapely.line_merge(line)
        parts = shapely.get_parts(merged)
        longest = parts[int(np.argmax(shapely.length(parts)))]
        middle = shapely.line_interpolate_point(longest, 0.5, normalized=True)
        codes = str(pair).split("-")
        if len(codes) == 2:
            left, right = country_name(codes[0], left, language), country_name(codes[1], right, language)
        west, east = left, right
        if len(codes) == 2 and centre_x.get(codes[0], 0.0) > centre_x.get(codes[1], 0.0):
            west, east = right, left
        rows.append({"text": f"{west} | {east}", "lon": round(middle.x, 4), "lat": round(middle.y, 4)})
    if zoom is None:
        return _text_layer("border-pair-labels", rows, colour=PAIR_LABEL, size=PAIR_LABEL_PX, get_pixel_offset=[0, -10])
    for row in rows:
        row["size_m"] = round(PAIR_LABEL_PX * metres_per_px(float(row["lat"]), zoom), 1)
    return _text_layer("border-pair-labels", rows, colour=PAIR_LABEL, size="size_m", get_pixel_offset=[0, -10],
                       size_units="'meters'", size_min_pixels=0, size_max_pixels=PAIR_LABEL_PX)


def world_town_layer(towns: pd.DataFrame | None, language: str = "en") -> pdk.Layer | None:
    """The world's large towns (outside the region's own labels), named for readers of ``language``."""
    if towns is None or towns.empty:
        return None
    rows = [{"text": n, "lon": round(float(x), 3), "lat": round(float(y), 3)}
            for n, x, y in zip(reader_town_names(towns, language), towns["lon"], towns["lat"], strict=True)]
    # Sized in metres, at most 12 px: the labels grow in as a continent comes into view, and a world view is
    # not buried under hundreds of names.
    return _text_layer("world-towns", rows, colour=list(TOWN_TEXT), size=TOWN_LABEL_M, get_text_anchor="'start'",
                       get_alignment_baseline="'center'", get_pixel_offset=[5, 0], size_units="'meters'",
                       size_min_pixels=0, size_max_pixels=12)


def world_label_layers(basemap: Basemap, *, bbox: tuple[float, float, float, float] | None = None,
                       language: str = "en") -> list[pdk.Layer]:
    """Country names, country-pair labels along the region's borders, and the world's large towns: those inside
    ``bbox`` (degrees), or all; in ``language``."""
    towns = basemap.world_towns
    if bbox is not None and towns is not None:
        west, south, east, north = bbox
        towns = towns[towns["lon"].between(west, east) & towns["lat"].between(south, north)]
    layers = [country_label_layer(basemap, bbox=bbox, language=language),
              pair_label_layer(basemap.borders, basemap.world, language,
                               zoom=(basemap.region or bundled_region()).view.zoom) if not basemap.borders.empty else None,
              world_town_layer(towns, language)]
    return [layer for layer in layers if layer is not None]
