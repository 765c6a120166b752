"""Static maps for the briefing pack, drawn with matplotlib from our own vector data (no tiles, offline).

Countries, lakes, rivers, towns and borders come from :class:`geo.spatial.vectors.Basemap`; on top go
the (suppressed) hexagons and the border sections coloured by level. Coordinates stay lon/lat
(EPSG:4326) with the axes' aspect set to 1/cos(latitude), which at this scale looks like a
conformal map without reprojecting anything.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection, PolyCollection
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from geo.briefing.levels import LEVEL_COLOURS
from geo.spatial import Basemap, bundled_region, reader_town_names

LAND: Final[str] = "#eef0f2"
LAND_FOCUS: Final[str] = "#f8f8f6"
WATER: Final[str] = "#b9d3ea"
BORDER: Final[str] = "#8a93a3"
EU_EXTERNAL: Final[str] = "#40485a"
HEX_RAMP: Final[tuple[str, ...]] = ("#fde9c8", "#fcc48d", "#f99b5a", "#e8663a", "#c03a2b")
"""Hexagon colours by count class, light to dark (printable on white)."""


def _ring_path(geometry: shapely.Geometry) -> MplPath | None:
    """A matplotlib path of a (multi)polygon's rings; holes cut out by their opposite orientation."""
    paths = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.is_empty or polygon.geom_type != "Polygon":
            continue
        polygon = shapely.geometry.polygon.orient(polygon)
        paths.extend(MplPath(np.asarray(ring.coords)[:, :2], closed=True) for ring in (polygon.exterior, *polygon.interiors))
    return MplPath.make_compound_path(*paths) if paths else None


def _lines(geometries: gpd.GeoSeries) -> list[np.ndarray]:
    parts: list[np.ndarray] = []
    for geometry in geometries:
        for line in getattr(geometry, "geoms", [geometry]):
            if not line.is_empty:
                parts.append(np.asarray(line.coords)[:, :2])
    return parts


def set_extent(ax: Axes, bounds_lonlat: tuple[float, float, float, float], *, margin_deg: float = 0.05) -> None:
    """Frame ``bounds_lonlat`` (west, south, east, north, degrees) with a margin and a true aspect."""
    west, south, east, north = bounds_lonlat
    west, south, east, north = west - margin_deg, south - margin_deg, east + margin_deg, north + margin_deg
    aspect = 1.0 / math.cos(math.radians((south + north) / 2.0))
    # Widen the shorter side so that the extent fills the axes' box at the true aspect.
    box = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    box_ratio = (box.height * fig_h) / (box.width * fig_w)
    width, height = east - west, (north - south) * aspect
    if height / width < box_ratio:
        grow = (width * box_ratio - height) / aspect / 2.0
        south, north = south - grow, north + grow
    else:
        grow = (height / box_ratio - width) / 2.0
        west, east = west - grow, east + grow
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(aspect, adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor(WATER)


def draw_basemap(ax: Axes, basemap: Basemap, *, town_rank: int = 0, language: str = "en") -> None:
    """Countries (the watched side lighter), lakes, rivers and land borders; towns of rank <= ``town_rank``, named
    for a reader of ``language`` as the live map names them (:func:`geo.spatial.reader_town_names`)."""
    region = basemap.region or bundled_region()
    patches, colours = [], []
    for code, geometry in zip(basemap.countries["adm0_a3"], basemap.countries.geometry):
        path = _ring_path(geometry)
        if path is not None:
            patches.append(PathPatch(path))
            colours.append(LAND_FOCUS if code in region.watched else LAND)
    ax.add_collection(PatchCollection(patches, facecolors=colours, edgecolors="#c5cad3", linewidths=0.4, zorder=1))
    lakes = [PathPatch(p) for p in map(_ring_path, basemap.lakes.geometry) if p is not None]
    ax.add_collection(PatchCollection(lakes, facecolors=WATER, edgecolors="none", zorder=2))
    ax.add_collection(LineCollection(_lines(basemap.rivers.geometry), colors=WATER, linewidths=0.6, zorder=2))
    other = basemap.borders[~basemap.borders["pair"].isin(region.pairs)]
    ax.add_collection(LineCollection(_lines(other.geometry), colors=BORDER, linewidths=0.8, linestyles="--", zorder=3))
    towns = basemap.towns[basemap.towns["rank"] <= town_rank]
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    towns = towns[towns["lon"].between(x0, x1) & towns["lat"].between(y0, y1)]
    halo = [patheffects.withStroke(linewidth=2, foreground="white")]
    for name, lon, lat in zip(reader_town_names(towns, language), towns["lon"], towns["lat"], strict=True):
        ax.plot(lon, lat, "o", color="#333a45", markersize=2.2, zorder=6)
        ax.annotate(name, (lon, lat), xytext=(3, 2), textcoords="offset points", fontsize=6, color="#333a45",
                    path_effects=halo, zorder=6, annotation_clip=True)


def hex_breaks(events: pd.Series) -> list[float]:
    """Upper class limits for the hexagon colours: quantiles of the counts, strictly increasing."""
    if events.empty:
        return [1.0]
    qs = np.unique(np.quantile(events.to_numpy(dtype=float), np.linspace(0.2, 1.0, len(HEX_RAMP))).round())
    return [float(q) for q in qs]


def draw_hexagons(ax: Axes, cells: pd.DataFrame, breaks: list[float]) -> None:
    """Suppressed hexagons (``cell``, ``res``, ``events``), coarse ones underneath, coloured by class."""
    if cells.empty:
        return
    ordered = cells.sort_values("res")
    polygons = [np.asarray(h3.cell_to_boundary(h3.int_to_str(int(c))))[:, ::-1] for c in ordered["cell"]]
    edges = [0.0, *breaks]
    cmap = ListedColormap(list(HEX_RAMP[-len(breaks):]))
    collection = PolyCollection(polygons, array=ordered["events"].to_numpy(dtype=float), cmap=cmap,
                                norm=BoundaryNorm(edges, cmap.N, clip=True), edgecolors="white", linewidths=0.15,
                                alpha=0.9, zorder=4)
    ax.add_collection(collection)


def draw_sections(ax: Axes, sections: gpd.GeoDataFrame, *, highlight: str | None = None, labels: bool = True) -> None:
    """Sections as thick lines in their level's colour over a dark halo, labelled with their short name."""
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    for section_id, name, level, geometry in zip(sections["section_id"], sections["name"], sections["level"],
                                                 sections.geometry):
        width = 5.0 if section_id == highlight else 3.2
        lines = _lines(gpd.GeoSeries([geometry]))
        ax.add_collection(LineCollection(lines, colors="#1d2330", linewidths=width + 1.6, zorder=7,
                                         capstyle="butt"))
        ax.add_collection(LineCollection(lines, colors=LEVEL_COLOURS[level], linewidths=width, zorder=8,
                                         capstyle="butt"))
        if labels:
            point = shapely.line_interpolate_point(geometry, 0.5, normalized=True)
            ax.annotate(str(name).split(" · ")[0], (point.x, point.y), xytext=(0, 7), textcoords="offset points",
                        fontsize=6.5, fontweight="bold", ha="center", color="#1d2330", path_effects=halo, zorder=9,
                        annotation_clip=True)


def draw_level_legend(ax: Axes, *, loc: str = "lower left", labels: Mapping[str, str] | None = None,
                      title: str = "Section level") -> None:
    """A small key of the level colours, in a corner of the map (``loc``, as matplotlib names them); ``labels`` name
    the levels in the reader's language (default: the level keys), ``title`` heads the key."""
    names = labels or {}
    handles = [ax.plot([], [], color=colour, linewidth=4, label=names.get(level, level))[0]
               for level, colour in LEVEL_COLOURS.items()]
    ax.legend(handles=handles, loc=loc, fontsize=6.5, title=title, title_fontsize=7,
              frameon=True, framealpha=0.9)
