"""Elevation in a metric CRS for line of sight: any DEM (GeoTIFF/COG, SRTM .hgt, any CRS) read safely.

:func:`read_metric_dem` checks the CRS and the size of what it will read before a pixel is read
(as :mod:`geo.spatial.terrain` does), reads only the window of the area of interest, masks nodata, and
reprojects to square cells in a metric CRS (the region's metric CRS, by default the UTM zone of its
border), so that distances along the grid are metres, which the viewshed needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import rasterio
from affine import Affine
from pyproj import Transformer
from rasterio.errors import WindowError
from rasterio.transform import from_origin
from rasterio.warp import Resampling, reproject, transform_bounds
from rasterio.windows import Window
from rasterio.windows import from_bounds as window_from_bounds

from geo.errors import RasterError, msg
from geo.spatial.projection import default_crs
from geo.spatial.terrain import MAX_PIXELS, grid_to_web_mercator, open_georeferenced

DEFAULT_CELL_M: Final[float] = 90.0
"""Cell size of the metric grid: SRTM 3 arc-seconds is ~92 m north-south and ~70 m east-west here."""


@lru_cache(maxsize=8)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


@dataclass(frozen=True)
class MetricDem:
    """An elevation grid with square cells in a metric CRS.

    Attributes
    ----------
    elevation_m : numpy.ndarray of float32
        Heights above sea level, metres, NaN where there is no data; rows run north to south.
    transform : affine.Affine
        Pixel (col, row) -> (x, y) metres of the pixel's upper-left corner in ``crs``.
    crs : str
        The metric CRS, e.g. a UTM zone ``"EPSG:326zz"``.
    cell_size_m : float
        Width and height of a cell, metres.
    """

    elevation_m: npt.NDArray[np.float32]
    transform: Affine
    crs: str
    cell_size_m: float

    @property
    def shape(self) -> tuple[int, int]:
        return self.elevation_m.shape  # type: ignore[return-value]

    def rowcol(self, lat: npt.ArrayLike, lon: npt.ArrayLike
               ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Row and column of the cell holding each point (degrees, EPSG:4326), clipped, and whether it is inside."""
        x, y = _transformer("EPSG:4326", self.crs).transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        col, row = ~self.transform @ (np.asarray(x), np.asarray(y))
        row_i, col_i = np.floor(row).astype(np.int64), np.floor(col).astype(np.int64)
        rows, cols = self.shape
        inside = (row_i >= 0) & (row_i < rows) & (col_i >= 0) & (col_i < cols)
        return np.clip(row_i, 0, rows - 1), np.clip(col_i, 0, cols - 1), inside

    def cell_lonlat(self, rows: npt.ArrayLike, cols: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Longitude and latitude (degrees, EPSG:4326) of the centres of the given cells."""
        x, y = self.transform @ (np.asarray(cols, dtype=float) + 0.5, np.asarray(rows, dtype=float) + 0.5)
        lon, lat = _transformer(self.crs, "EPSG:4326").transform(np.asarray(x), np.asarray(y))
        return np.asarray(lon), np.asarray(lat)

    def bounds_lonlat(self) -> tuple[float, float, float, float]:
        """West, south, east, north in degrees of the grid's outline."""
        rows, cols = self.shape
        left, top = self.transform @ (0, 0)
        right, bottom = self.transform @ (cols, rows)
        return tuple(float(v) for v in transform_bounds(self.crs, "EPSG:4326", left, bottom, right, top))  # type: ignore[return-value]


def read_metric_dem(path: str | Path, *, bounds_lonlat: tuple[float, float, float, float],
                    crs: str | None = None,
                    cell_size_m: float = DEFAULT_CELL_M, max_pixels: int = MAX_PIXELS) -> MetricDem:
    """Read the part of a DEM that covers ``bounds_lonlat`` and reproject it to square cells in ``crs``.

    Parameters
    ----------
    path : str or Path
        Any single-band raster GDAL reads with a georeference: GeoTIFF/COG in any CRS, SRTM ``.hgt``.
    bounds_lonlat : (west, south, east, north)
        Area of interest, degrees EPSG:4326.
    crs : str, optional
        Metric target CRS (projected, in metres); default: the bundled region's.
    cell_size_m : float
        Cell size of the result, metres.
    max_pixels : int
        Refuse to read or produce more pixels than this (checked before reading).

    Raises
    ------
    RasterError
        Unreadable file, no CRS, a geographic target CRS, a window outside the raster, or too many pixels.
    """
    if not (np.isfinite(cell_size_m) and cell_size_m > 0):
        raise RasterError(msg("cell_size_m must be > 0; got {cell_size_m}", cell_size_m=cell_size_m))
    west, south, east, north = bounds_lonlat
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise RasterError(msg("bounds_lonlat must be (west, south, east, north) in degrees; got {bounds_lonlat}",
                              bounds_lonlat=bounds_lonlat))
    crs = default_crs(crs)
    if not rasterio.crs.CRS.from_user_input(crs).is_projected:
        raise RasterError(msg("{crs} is not a projected (metric) CRS; use a UTM zone (EPSG:326zz north, 327zz "
                              "south)",
                              crs=crs))
    with open_georeferenced(path) as src:
        left, bottom, right, top = transform_bounds("EPSG:4326", src.crs, *bounds_lonlat, densify_pts=21)
        window = window_from_bounds(left, bottom, right, top, transform=src.transform).round_offsets().round_lengths()
        try:
            window = window.intersection(Window(0, 0, src.width, src.height))
        except WindowError:
            raise RasterError(msg("{path} does not cover {bounds_lonlat} (west, south, east, north)",
                                  path=path, bounds_lonlat=bounds_lonlat)) from None
        n_read = int(window.width) * int(window.height)
        if n_read > max_pixels:
            raise RasterError(msg("{path}: the window holds {n_read:,} pixels, more than the limit of "
                                  "{max_pixels:,}",
                                  path=path, n_read=n_read, max_pixels=max_pixels))
        source = src.read(1, window=window, masked=True).astype(np.float32).filled(np.nan)
        src_transform, src_crs = src.window_transform(window), src.crs
    x0, y0, x1, y1 = transform_bounds("EPSG:4326", crs, *bounds_lonlat, densify_pts=21)
    width, height = int(np.ceil((x1 - x0) / cell_size_m)), int(np.ceil((y1 - y0) / cell_size_m))
    if width * height > max_pixels:
        raise RasterError(msg("the metric grid would hold {pixels:,} pixels, more than the limit of {max_pixels:,}",
                              pixels=width * height, max_pixels=max_pixels))
    transform = from_origin(np.floor(x0 / cell_size_m) * cell_size_m, np.ceil(y1 / cell_size_m) * cell_size_m,
                            cell_size_m, cell_size_m)
    elevation = np.full((height, width), np.nan, dtype=np.float32)
    reproject(source, elevation, src_transform=src_transform, src_crs=src_crs, dst_transform=transform, dst_crs=crs,
              resampling=Resampling.bilinear, src_nodata=np.nan, dst_nodata=np.nan)
    return MetricDem(elevation_m=elevation, transform=transform, crs=str(crs), cell_size_m=float(cell_size_m))


def metric_grid_to_web_mercator(values: npt.NDArray[np.float64], dem: MetricDem, *, max_width_px: int
                                ) -> tuple[npt.NDArray[np.float64], tuple[float, float, float, float]]:
    """Resample a grid aligned with ``dem`` to Web Mercator (EPSG:3857), nearest neighbour (counts stay counts).

    Returns the warped grid (NaN outside) at most ``max_width_px`` wide and its (west, south,
    east, north) corners in degrees, as deck.gl's ``BitmapLayer`` takes them.
    """
    bounds = dem.bounds_lonlat()
    warped = grid_to_web_mercator(values, transform=dem.transform, crs=dem.crs, bounds_lonlat=bounds,
                                  max_width_px=max_width_px, resampling=Resampling.nearest)
    return warped, bounds
