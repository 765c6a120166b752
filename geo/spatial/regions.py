"""Build a :class:`~geo.region.Region` from the shipped world data or from a user's own border lines and DEMs.

Behind ``limes region init``: country pairs pick land borders from the world data (Natural Earth
1:10m, derived per pair of neighbours); a user's line file (any OGR format with a CRS) replaces them.
The area of interest is the borders' extent with a margin, the metric CRS the UTM zone of their
centre, the opening view the one that shows the whole area.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Final

import geopandas as gpd
import pyogrio
import rasterio
import shapely

from geo.errors import GeodataError, InputError, msg
from geo.region import Region, region_toml, utm_crs, view_of
from geo.spatial.projection import geodesic_length_km
from geo.spatial.world import WORLD_BORDERS, country_pairs_lines, time_zone

AOI_MARGIN_DEG: Final[float] = 0.4
"""The area of interest reaches this far beyond the borders' extent (degrees, ~40 km)."""


def _iso3(code: str) -> str:
    code = code.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise InputError(msg("country codes are ISO 3166 alpha-3 (three letters such as HUN); got {code!r}",
                             code=code))
    return code


def read_border_file(path: Path) -> gpd.GeoDataFrame:
    """A user's border lines (any OGR format with a CRS) in EPSG:4326, one row per line, with ``pair``
    (``LINE-1``...), ``name_l``, ``name_r``, ``eu_external`` and geodesic ``length_km``.

    Raises
    ------
    InputError
        The file cannot be read, has no CRS, or holds no lines.
    """
    try:
        frame = pyogrio.read_dataframe(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(msg("cannot read the border file {name}: {exc}", name=path.name, exc=exc)) from None
    if frame.crs is None:
        raise InputError(msg("{name} has no CRS (a shapefile needs its .prj): say which CRS its coordinates are in",
                             name=path.name))
    frame = frame.to_crs("EPSG:4326")
    kinds = frame.geometry.geom_type.fillna("None")
    lines = frame[kinds.isin(["LineString", "MultiLineString"])]
    if lines.empty:
        raise InputError(msg("{name} holds no lines (found {kinds}): a border file has LineStrings",
                             name=path.name, kinds=sorted(set(kinds))))
    geometry = [shapely.line_merge(g) if g.geom_type == "MultiLineString" else g for g in lines.geometry]
    return gpd.GeoDataFrame({"pair": [f"LINE-{i + 1}" for i in range(len(lines))],
                             "name_l": "", "name_r": "", "eu_external": True,
                             "length_km": [round(geodesic_length_km(g), 3) for g in geometry]},
                            geometry=geometry, crs="EPSG:4326")


def _check_dem(path: Path) -> Path:
    try:
        with rasterio.open(path) as src:
            if src.crs is None:
                raise InputError(msg("DEM {name} has no CRS", name=path.name))
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(msg("cannot read the DEM {name}: {exc}", name=path.name, exc=exc)) from None
    return path.resolve()


def build_region(*, name: str, countries: list[tuple[str, str]] | None = None, ours: str | None = None,
                 borders: Path | None = None, dems: list[Path] | None = None, metric_crs: str | None = None,
                 out: Path) -> tuple[Region, gpd.GeoDataFrame]:
    """A region from country pairs (``[("HUN", "SRB")]``) or a user's ``borders`` file, and its border lines.

    ``ours`` (ISO3) is "our" side (default: the first country named); ``dems`` the user's DEMs, the
    first one used for the relief, viewsheds and slopes (without one the world's 5' relief stands in).
    A user's border file is copied beside ``out`` as GeoJSON (``<out stem>.borders.geojson``).
    """
    if not countries and borders is None:
        raise InputError(msg("a region needs its borders: give --countries AAA BBB (ISO3) or --borders FILE"))
    pairs_iso = [(_iso3(a), _iso3(b)) for a, b in countries or []]
    if borders is not None:
        lines = read_border_file(borders)
        border_path = out.with_name(f"{out.stem}.borders.geojson")
    else:
        lines = country_pairs_lines(tuple(f"{a}-{b}" for a, b in pairs_iso))
        border_path = WORLD_BORDERS
    named = [code for pair in pairs_iso for code in pair]
    ours_code = _iso3(ours) if ours else (named[0] if named else None)
    if ours_code is None:
        raise InputError(msg("with --borders, say which side is ours: --ours AAA (ISO3)"))
    if named and ours_code not in named:
        raise InputError(msg("--ours {ours_code} is not one of the countries given ({countries})",
                             ours_code=ours_code, countries=" ".join(sorted(set(named)))))
    west, south, east, north = shapely.union_all(lines.geometry.values).bounds
    aoi = (max(west - AOI_MARGIN_DEG, -180.0), max(south - AOI_MARGIN_DEG, -85.0),
           min(east + AOI_MARGIN_DEG, 180.0), min(north + AOI_MARGIN_DEG, 85.0))
    centre = shapely.centroid(shapely.union_all(lines.geometry.values))
    view = view_of(aoi)
    dem_paths = [_check_dem(Path(p)) for p in dems or []]
    if any(not p.exists() for p in dem_paths):
        raise GeodataError(msg("a DEM file vanished while the region was built"))
    watched = tuple(sorted({c for c in named if c != ours_code}))
    title = name if not pairs_iso else f"{name} border"
    region = Region(name=name, title=title, pairs=tuple(str(p) for p in lines["pair"]), ours=(ours_code,),
                    watched=watched, metric_crs=metric_crs or utm_crs(float(centre.x), float(centre.y)),
                    aoi_lonlat=tuple(round(v, 4) for v in aoi),  # type: ignore[arg-type]
                    view=view, form_view=view, borders=border_path,
                    hillshade_dem=dem_paths[0] if dem_paths else None,
                    terrain_dem=dem_paths[0] if dem_paths else None, time_zone=time_zone((ours_code,)))
    return region, lines


def write_region(region: Region, lines: gpd.GeoDataFrame, *, out: Path) -> Region:
    """Write ``region`` as TOML to ``out`` (and a user's border lines beside it); returns it as read back."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if region.borders != WORLD_BORDERS:
        lines.to_file(region.borders, driver="GeoJSON")
    out.write_text(region_toml(replace(region, source=out), folder=out.parent), encoding="utf-8")
    return region
