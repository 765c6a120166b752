"""Elevation rasters read safely, and the terrain derivatives the map and the scenario need.

Rasters are read masked (nodata never enters a statistic) and their size is checked before a
single pixel is read: a small file can declare a huge grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import rasterio
from affine import Affine
from rasterio.crs import CRS
from rasterio.errors import WindowError
from rasterio.transform import from_bounds
from rasterio.warp import Resampling, reproject, transform_bounds
from rasterio.windows import Window
from rasterio.windows import from_bounds as window_from_bounds

from geo.errors import RasterError, msg

MAX_PIXELS: Final[int] = 60_000_000
"""Largest grid (width x height x bands) read in one go, ~240 MB as float32."""

_M_PER_DEG_LAT: Final[float] = 110_574.0
_M_PER_DEG_LON_EQUATOR: Final[float] = 111_320.0


@dataclass(frozen=True)
class Dem:
    """An elevation grid in EPSG:4326 (lon/lat degrees) with masked nodata.

    Attributes
    ----------
    elevation_m : numpy.ma.MaskedArray of float32
        Heights above sea level, metres; rows run north to south.
    transform : affine.Affine
        Pixel (col, row) -> (lon, lat) of the pixel's upper-left corner.
    """

    elevation_m: np.ma.MaskedArray
    transform: Affine

    @property
    def bounds_lonlat(self) -> tuple[float, float, float, float]:
        """West, south, east, north in degrees."""
        rows, cols = self.elevation_m.shape
        west, north = self.transform @ (0, 0)
        east, south = self.transform @ (cols, rows)
        return float(west), float(south), float(east), float(north)

    def cell_size_m(self) -> tuple[float, float]:
        """Pixel width and height in metres at the grid's central latitude."""
        west, south, east, north = self.bounds_lonlat
        mid_lat = np.radians((south + north) / 2)
        dx = abs(self.transform.a) * _M_PER_DEG_LON_EQUATOR * float(np.cos(mid_lat))
        dy = abs(self.transform.e) * _M_PER_DEG_LAT
        return dx, dy

    def rowcol(self, lat: npt.ArrayLike, lon: npt.ArrayLike
               ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Row and column of the pixel holding each point (clipped to the grid), and whether it is inside."""
        col, row = ~self.transform @ (np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        row_i, col_i = np.floor(row).astype(np.int64), np.floor(col).astype(np.int64)
        rows, cols = self.elevation_m.shape
        inside = (row_i >= 0) & (row_i < rows) & (col_i >= 0) & (col_i < cols)
        return np.clip(row_i, 0, rows - 1), np.clip(col_i, 0, cols - 1), inside

    def sample(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Elevation in metres at each point (nearest pixel); NaN where nodata or outside the grid."""
        row, col, inside = self.rowcol(lat, lon)
        values = self.elevation_m.astype(np.float64).filled(np.nan)[row, col]
        return np.where(inside, values, np.nan)


def open_georeferenced(path: str | Path) -> rasterio.io.DatasetReader:
    """Open a raster that has a CRS (use it as a context manager); :class:`RasterError` otherwise."""
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise RasterError(msg("cannot open elevation raster {path}: {exc}", path=path, exc=exc)) from None
    if src.crs is None:
        src.close()
        raise RasterError(msg("{path} has no CRS; give the raster a georeference (e.g. EPSG:4326)", path=path))
    return src


def read_dem(path: str | Path, *, bounds_lonlat: tuple[float, float, float, float] | None = None,
             max_pixels: int = MAX_PIXELS) -> Dem:
    """Read a single-band elevation GeoTIFF in EPSG:4326, optionally a window of it.

    Parameters
    ----------
    path : str or Path
        GeoTIFF / COG with a CRS.
    bounds_lonlat : (west, south, east, north), optional
        Window to read, degrees EPSG:4326; the whole raster when omitted.
    max_pixels : int
        Refuse to read more pixels than this (checked before reading).

    Raises
    ------
    RasterError
        No CRS, a CRS other than EPSG:4326, a window outside the raster, or too many pixels.
    """
    with open_georeferenced(path) as src:
        if src.crs.to_epsg() != 4326:
            raise RasterError(msg("{path} is in {crs}; this reader takes EPSG:4326 rasters",
                                  path=path, crs=src.crs))
        window = Window(0, 0, src.width, src.height)
        if bounds_lonlat is not None:
            west, south, east, north = transform_bounds("EPSG:4326", src.crs, *bounds_lonlat)
            window = window_from_bounds(west, south, east, north, transform=src.transform).round_offsets().round_lengths()
            try:
                window = window.intersection(Window(0, 0, src.width, src.height))
            except WindowError:
                raise RasterError(msg("{path} does not cover {bounds_lonlat} (west, south, east, north)",
                                      path=path, bounds_lonlat=bounds_lonlat)) from None
        n_pixels = int(window.width) * int(window.height) * src.count
        if n_pixels > max_pixels:
            raise RasterError(msg("{path}: the window holds {n_pixels:,} pixels, more than the limit of "
                                  "{max_pixels:,}",
                                  path=path, n_pixels=n_pixels, max_pixels=max_pixels))
        elevation = src.read(1, window=window, masked=True).astype(np.float32)
        return Dem(elevation_m=elevation, transform=src.window_transform(window))


def _gradients(elevation_m: np.ma.MaskedArray, dx_m: float, dy_m: float) -> tuple[np.ndarray, np.ndarray]:
    """dz/dx (eastward) and dz/dy (northward) in m/m; masked pixels take the mean height."""
    z = elevation_m.astype(np.float64).filled(float(elevation_m.mean()) if elevation_m.count() else 0.0)
    dz_drow, dz_dcol = np.gradient(z, dy_m, dx_m)
    return dz_dcol, -dz_drow  # rows run southward


def slope_deg(elevation_m: np.ma.MaskedArray, dx_m: float, dy_m: float) -> npt.NDArray[np.float64]:
    """Slope in degrees from horizontal, by central differences (pixel size ``dx_m`` x ``dy_m``)."""
    gx, gy = _gradients(elevation_m, dx_m, dy_m)
    return np.degrees(np.arctan(np.hypot(gx, gy)))


def hillshade(elevation_m: np.ma.MaskedArray, dx_m: float, dy_m: float, *,
              azimuth_deg: float = 315.0, altitude_deg: float = 45.0, z_factor: float = 1.0) -> npt.NDArray[np.float64]:
    """Illumination 0..1 of each pixel by a sun at ``azimuth_deg`` (clockwise from north), ``altitude_deg``.

    The standard Lambertian formula (as GDAL's ``gdaldem hillshade``): a flat pixel gets
    ``sin(altitude)``, a slope facing the sun squarely gets 1.
    """
    gx, gy = _gradients(elevation_m, dx_m, dy_m)
    gx, gy = gx * z_factor, gy * z_factor
    az, alt = np.radians(azimuth_deg), np.radians(altitude_deg)
    sun = np.array([np.sin(az) * np.cos(alt), np.cos(az) * np.cos(alt), np.sin(alt)])
    # Surface normal of z = f(x, y) is (-gx, -gy, 1) / norm.
    shade = (-gx * sun[0] - gy * sun[1] + sun[2]) / np.sqrt(gx**2 + gy**2 + 1.0)
    return np.clip(shade, 0.0, 1.0)


def warp_to_web_mercator(values: npt.NDArray[np.float64], dem: Dem, *, max_width_px: int
                         ) -> tuple[npt.NDArray[np.float64], tuple[float, float, float, float]]:
    """Resample a grid aligned with ``dem`` (EPSG:4326) to Web Mercator (EPSG:3857), bilinearly.

    Returns the warped grid (NaN where there is no data), at most ``max_width_px`` wide, and the
    (west, south, east, north) degrees of its corners, as deck.gl's ``BitmapLayer`` takes them.
    """
    warped = grid_to_web_mercator(np.where(np.ma.getmaskarray(dem.elevation_m), np.nan, values),
                                  transform=dem.transform, crs=CRS.from_epsg(4326), bounds_lonlat=dem.bounds_lonlat,
                                  max_width_px=max_width_px, resampling=Resampling.bilinear)
    return warped, dem.bounds_lonlat


def grid_to_web_mercator(values: npt.NDArray[np.float64], *, transform: Affine, crs: CRS | str,
                         bounds_lonlat: tuple[float, float, float, float], max_width_px: int,
                         resampling: Resampling) -> npt.NDArray[np.float64]:
    """Resample a grid (``transform`` in ``crs``, NaN for no data) onto square Web Mercator pixels covering
    ``bounds_lonlat``, at most ``max_width_px`` wide; NaN where nothing maps."""
    left, bottom, right, top = transform_bounds("EPSG:4326", "EPSG:3857", *bounds_lonlat)
    width = min(values.shape[1], max_width_px)
    height = max(1, round(width * (top - bottom) / (right - left)))  # square pixels
    warped = np.full((height, width), np.nan, dtype=np.float64)
    reproject(values.astype(np.float64), warped, src_transform=transform, src_crs=crs,
              dst_transform=from_bounds(left, bottom, right, top, width, height), dst_crs="EPSG:3857",
              resampling=resampling, src_nodata=np.nan, dst_nodata=np.nan)
    return warped
