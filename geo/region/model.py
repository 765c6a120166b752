"""A :class:`Region` read from a TOML file: the one place that knows which border Limes watches.

Every regional choice lives in the file, never in code: the country pairs (ISO3 ``pair`` values of a
border file, ``"AAA-BBB"``), which side is ours, the metric CRS (the UTM zone of the region's centre
unless the file names one), the DEMs, the gazetteer, the area of interest and the opening view.
Paths in the file are relative to the file itself.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from zoneinfo import available_timezones

from geo.errors import InputError, msg

BUNDLED_REGION_FILE: Final[str] = "regions/bundled.toml"
"""The bundled region, relative to the data folder (``Settings.data_dir``)."""
_PATH_KEYS: Final[tuple[str, ...]] = ("borders", "countries", "gazetteer", "hillshade_dem", "terrain_dem", "coarse_dem")


@dataclass(frozen=True, kw_only=True)
class View:
    """A map view: centre in degrees (EPSG:4326) and a Web Mercator zoom level."""

    latitude: float
    longitude: float
    zoom: float

    def as_dict(self) -> dict[str, float]:
        """The view as pydeck's ``ViewState`` keywords (pitch and bearing 0)."""
        return {"latitude": self.latitude, "longitude": self.longitude, "zoom": self.zoom, "pitch": 0.0,
                "bearing": 0.0}


@dataclass(frozen=True, kw_only=True)
class Region:
    """The border a Limes installation watches.

    Parameters
    ----------
    name, title : str
        Short name (section prefixes, file names) and the heading pages show.
    pairs : tuple of str
        Country pairs of the border file's ``pair`` column (``"AAA-BBB"``, ISO3), or the user's own line ids.
    ours : tuple of str
        ISO3 codes of "our" side: the coverage corridor and the sensors stay there.
    watched : tuple of str
        ISO3 codes across the line (drawn a shade lighter).
    metric_crs : str
        Projected CRS (metres) for distances, buffers, slope and viewsheds.
    aoi_lonlat : tuple of float
        Area of interest (west, south, east, north), degrees.
    view, form_view : View
        The map's opening view, and the public form's.
    borders : Path
        Line file (any OGR format in EPSG:4326) with ``pair``, ``eu_external`` and ``length_km`` columns.
    countries, gazetteer : Path or None
        Detailed country polygons for the area (else the world data's); a CSV of extra towns
        (``name``, ``adm0_a3``, ``lat``, ``lon``).
    hillshade_dem, terrain_dem, coarse_dem : Path or None
        The relief's DEM, the full-resolution DEM for viewsheds and slopes, and a coarse regional DEM;
        without them the world's 5' relief stands in (pages say so).
    source : Path or None
        The TOML file the region was read from.
    time_zone : str
        The IANA time zone of the border (``Europe/Athens``): pages show its local time beside UTC.
    titles : tuple of (str, str)
        The heading in other languages, ``(language code, title)`` pairs (the TOML's ``[titles]`` table,
        ``el = "..."``, ``sr-Latn = "..."``); :meth:`title_for` falls back to ``title``.
    """

    name: str
    title: str
    pairs: tuple[str, ...]
    ours: tuple[str, ...]
    watched: tuple[str, ...]
    metric_crs: str
    aoi_lonlat: tuple[float, float, float, float]
    view: View
    form_view: View
    borders: Path
    countries: Path | None = None
    gazetteer: Path | None = None
    hillshade_dem: Path | None = None
    terrain_dem: Path | None = None
    coarse_dem: Path | None = None
    source: Path | None = None
    time_zone: str = "UTC"
    titles: tuple[tuple[str, str], ...] = ()

    def title_for(self, language: str) -> str:
        """The heading for readers of ``language`` (a code such as ``el``, ``sr-Latn``): its own title, else ``title``."""
        return dict(self.titles).get(language, self.title)

    @property
    def centre_lonlat(self) -> tuple[float, float]:
        """The centre of the area of interest (lon, lat degrees)."""
        west, south, east, north = self.aoi_lonlat
        return (west + east) / 2, (south + north) / 2


def utm_crs(lon: float, lat: float) -> str:
    """The UTM zone of a place as an EPSG code: 326zz north of the equator, 327zz south (zones 1-60, 6° each)."""
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ValueError(f"utm_crs needs lon in -180..180 and lat in -90..90; got lon={lon}, lat={lat}")
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


DECK_TILE_PX: Final[float] = 512.0
"""deck.gl's Web Mercator: at zoom 0 the whole world is 512 pixels wide (not the 256 of raster tile maps)."""
MAP_PX: Final[tuple[int, int]] = (800, 600)
"""The live map's drawing area, about (width, height) in CSS pixels, that an opening view must fit."""


def _mercator_y(lat: float) -> float:
    """Web Mercator northing of a latitude (degrees, clamped to ±85.05), in radians of the world's 2π height."""
    phi = math.radians(min(max(lat, -85.05), 85.05))
    return math.log(math.tan(math.pi / 4 + phi / 2))


def view_of(aoi_lonlat: tuple[float, float, float, float], *, width_px: int = MAP_PX[0],
            height_px: int = MAP_PX[1]) -> View:
    """The view that shows all of ``aoi_lonlat`` (west, south, east, north degrees) on a deck.gl map of
    ``width_px`` × ``height_px`` CSS pixels: centred on the box in Web Mercator, at the largest zoom (to 0.01,
    within 1-13) at which the box still fits."""
    west, south, east, north = aoi_lonlat
    y_south, y_north = _mercator_y(south), _mercator_y(north)
    zoom_x = math.log2(width_px * 360.0 / (DECK_TILE_PX * max(east - west, 1e-6)))
    zoom_y = math.log2(height_px * 2 * math.pi / (DECK_TILE_PX * max(y_north - y_south, 1e-9)))
    zoom = math.floor(min(zoom_x, zoom_y) * 100) / 100
    lat = math.degrees(2 * math.atan(math.exp((y_south + y_north) / 2)) - math.pi / 2)
    return View(latitude=round(lat, 6), longitude=round((west + east) / 2, 6), zoom=min(max(zoom, 1.0), 13.0))


def view_bbox(view: View, *, width_px: int = MAP_PX[0], height_px: int = MAP_PX[1]) -> tuple[float, float, float, float]:
    """What ``view`` shows (west, south, east, north degrees, clamped to Web Mercator's ±85.05° and ±180°) on a
    deck.gl map of ``width_px`` × ``height_px`` CSS pixels: the inverse of :func:`view_of`."""
    degrees_per_px = 360.0 / (DECK_TILE_PX * 2.0 ** view.zoom)
    y, half_y = _mercator_y(view.latitude), math.radians(degrees_per_px * height_px / 2)
    south, north = (math.degrees(2 * math.atan(math.exp(y + s * half_y)) - math.pi / 2) for s in (-1, 1))
    half_x = degrees_per_px * width_px / 2
    return (max(view.longitude - half_x, -180.0), max(south, -85.05), min(view.longitude + half_x, 180.0),
            min(north, 85.05))


def _field(table: dict[str, Any], key: str, kind: type, where: Path) -> Any:
    value = table.get(key)
    if not isinstance(value, kind):
        raise InputError(msg("{name}: {key!r} must be a {kind}; got {value!r}",
                             name=where.name, key=key, kind=kind.__name__, value=value))
    return value


def _codes(table: dict[str, Any], key: str, where: Path) -> tuple[str, ...]:
    values = table.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise InputError(msg("{name}: {key!r} must be a list of codes; got {values!r}",
                             name=where.name, key=key, values=values))
    return tuple(values)


def _view(table: object, key: str, where: Path) -> View:
    if not isinstance(table, dict):
        raise InputError(msg("{name}: [{key}] must be a table with latitude, longitude and zoom",
                             name=where.name, key=key))
    try:
        view = View(latitude=float(table["latitude"]), longitude=float(table["longitude"]), zoom=float(table["zoom"]))
    except (KeyError, TypeError, ValueError):
        raise InputError(msg("{name}: [{key}] needs numbers latitude, longitude and zoom; got {table!r}",
                             name=where.name, key=key, table=table)) from None
    if not (-90 <= view.latitude <= 90 and -180 <= view.longitude <= 180 and 0 <= view.zoom <= 20):
        raise InputError(msg("{name}: [{key}] is outside lat -90..90, lon -180..180, zoom 0..20: {table!r}",
                             name=where.name, key=key, table=table))
    return view


def _titles(value: object, where: Path) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict) or not all(isinstance(v, str) and v.strip() for v in value.values()):
        raise InputError(msg("{name}: [titles] must map language codes to titles (el = \"...\"); got {value!r}",
                             name=where.name, value=value))
    return tuple((str(code), title.strip()) for code, title in value.items())


def _aoi(value: object, where: Path) -> tuple[float, float, float, float]:
    if not (isinstance(value, list) and len(value) == 4 and all(isinstance(v, int | float) for v in value)):
        raise InputError(msg("{name}: 'aoi' must be [west, south, east, north] in degrees; got {value!r}",
                             name=where.name, value=value))
    west, south, east, north = (float(v) for v in value)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise InputError(msg("{name}: 'aoi' must have west < east and south < north within the globe; got "
                             "{value!r}",
                             name=where.name, value=value))
    return west, south, east, north


@lru_cache(maxsize=16)
def _load(path: Path, mtime_ns: int) -> Region:
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(msg("{name} is not a valid TOML region file: {exc}", name=path.name, exc=exc)) from None
    paths: dict[str, Path | None] = {}
    for key in _PATH_KEYS:
        raw = table.get(key)
        if raw is None and key != "borders":
            paths[key] = None
            continue
        if not isinstance(raw, str) or not raw:
            raise InputError(msg("{name}: {key!r} must be a file path; got {raw!r}",
                                 name=path.name, key=key, raw=raw))
        resolved = (path.parent / raw).resolve()
        if not resolved.is_file():
            raise InputError(msg("{name}: {key} file {resolved} does not exist",
                                 name=path.name, key=key, resolved=resolved))
        paths[key] = resolved
    aoi = _aoi(table.get("aoi"), path)
    centre_lon, centre_lat = (aoi[0] + aoi[2]) / 2, (aoi[1] + aoi[3]) / 2
    metric_crs = table.get("metric_crs") or utm_crs(centre_lon, centre_lat)
    if not isinstance(metric_crs, str):
        raise InputError(msg("{name}: 'metric_crs' must be a CRS code such as 'EPSG:326zz'; got {metric_crs!r}",
                             name=path.name, metric_crs=metric_crs))
    pairs = _codes(table, "pairs", path)
    if not pairs:
        raise InputError(msg("{name}: 'pairs' must name at least one border (a 'pair' value of the border file)",
                             name=path.name))
    view = _view(table["view"], "view", path) if "view" in table else view_of(aoi)
    time_zone = table.get("time_zone", "UTC")
    if time_zone not in available_timezones() and time_zone != "UTC":
        raise InputError(msg("{name}: 'time_zone' must be an IANA time zone such as 'Europe/Athens'; got "
                             "{time_zone!r}",
                             name=path.name, time_zone=time_zone))
    return Region(name=_field(table, "name", str, path), title=str(table.get("title") or table["name"]), pairs=pairs,
                  ours=_codes(table, "ours", path), watched=_codes(table, "watched", path), metric_crs=metric_crs,
                  aoi_lonlat=aoi, view=view,
                  form_view=_view(table["form_view"], "form_view", path) if "form_view" in table else view,
                  source=path, time_zone=time_zone, titles=_titles(table.get("titles", {}), path),
                  **paths)  # type: ignore[arg-type]


def load_region(path: str | Path) -> Region:
    """Read a region TOML file (read again only when the file changes).

    Raises
    ------
    InputError
        The file is missing, not TOML, lacks a field, or names a file that does not exist.
    """
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise InputError(msg("region file {path} does not exist; write one with `limes region init`", path=path))
    return _load(path, path.stat().st_mtime_ns)


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(float(value)) if isinstance(value, float) else str(value)


def region_toml(region: Region, *, folder: Path) -> str:
    """The TOML text of ``region``, its paths relative to ``folder`` (where the file will be written)."""
    lines = [f"name = {_toml_value(region.name)}", f"title = {_toml_value(region.title)}",
             f"pairs = {_toml_value(region.pairs)}", f"ours = {_toml_value(region.ours)}",
             f"watched = {_toml_value(region.watched)}", f"metric_crs = {_toml_value(region.metric_crs)}",
             f"aoi = {_toml_value([round(v, 4) for v in region.aoi_lonlat])}", f"time_zone = {_toml_value(region.time_zone)}"]
    for key in _PATH_KEYS:
        value = getattr(region, key)
        if value is not None:
            try:
                text = Path(value).resolve().relative_to(folder.resolve()).as_posix()
            except ValueError:
                text = Path(value).resolve().as_posix()
            lines.append(f"{key} = {_toml_value(text)}")
    for key in ("view", "form_view"):
        view: View = getattr(region, key)
        lines += ["", f"[{key}]", f"latitude = {view.latitude}", f"longitude = {view.longitude}", f"zoom = {view.zoom}"]
    if region.titles:
        lines += ["", "[titles]", *(f"{_toml_value(code)} = {_toml_value(title)}" for code, title in region.titles)]
    return "\n".join(lines) + "\n"
