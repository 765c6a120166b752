"""The hillshade bitmap of our offline basemap: SRTM relief warped to Web Mercator as an RGBA PNG.

The image is warped to EPSG:3857 before it becomes a ``BitmapLayer``: deck.gl stretches a
bitmap linearly between its corner coordinates in Web Mercator, so an EPSG:4326 image would be
misplaced by up to ~0.5 km in the middle of a 1.4 degree tall window.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image
from rasterio.crs import CRS
from rasterio.warp import Resampling, calculate_default_transform, reproject, transform_bounds

from geo.terrain import Dem, hillshade

_FLAT = float(np.sin(np.radians(45.0)))
"""Illumination of flat ground with the sun at 45 degrees: the shade that is drawn transparent."""


@dataclass(frozen=True, slots=True)
class HillshadeImage:
    """A PNG and the (west, south, east, north) degrees its corners sit at."""

    png: bytes
    bounds_lonlat: tuple[float, float, float, float]


def _shade_rgba(shade: npt.NDArray[np.float64], valid: npt.NDArray[np.bool_], *, strength: float) -> npt.NDArray[np.uint8]:
    """Sunlit slopes as translucent white, shadowed ones as translucent black, flat ground clear."""
    delta = shade - _FLAT
    rgba = np.zeros((*shade.shape, 4), dtype=np.uint8)
    lit = delta > 0
    rgba[lit, :3] = 255
    alpha = np.clip(np.abs(delta) / _FLAT * 255.0 * strength, 0, 255)
    rgba[..., 3] = np.where(valid, alpha, 0).astype(np.uint8)
    return rgba


def hillshade_image(dem: Dem, *, max_width_px: int = 2048, strength: float = 1.3, z_factor: float = 1.0) -> HillshadeImage:
    """Hillshade of ``dem`` (EPSG:4326) as a Web Mercator RGBA PNG at most ``max_width_px`` wide.

    ``z_factor`` exaggerates heights: a coarse DEM averages slopes away and needs more to show relief.
    """
    shade = hillshade(dem.elevation_m, *dem.cell_size_m(), z_factor=z_factor)
    rows, cols = shade.shape
    west, south, east, north = dem.bounds_lonlat
    src_crs, dst_crs = CRS.from_epsg(4326), CRS.from_epsg(3857)
    dst_transform, width, height = calculate_default_transform(src_crs, dst_crs, cols, rows, west, south, east, north)
    if width > max_width_px:
        scale = width / max_width_px
        dst_transform = dst_transform @ dst_transform.scale(scale, scale)
        width, height = max_width_px, int(round(height / scale))
    warped = np.full((height, width), np.nan, dtype=np.float64)
    reproject(
        np.where(np.ma.getmaskarray(dem.elevation_m), np.nan, shade), warped, src_transform=dem.transform,
        src_crs=src_crs, dst_transform=dst_transform, dst_crs=dst_crs, resampling=Resampling.bilinear,
        src_nodata=np.nan, dst_nodata=np.nan,
    )
    rgba = _shade_rgba(np.nan_to_num(warped, nan=_FLAT), np.isfinite(warped), strength=strength)
    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG", compress_level=6)
    left, top = dst_transform @ (0, 0)
    right, bottom = dst_transform @ (width, height)
    bounds = transform_bounds(dst_crs, src_crs, left, bottom, right, top)
    return HillshadeImage(png=buffer.getvalue(), bounds_lonlat=tuple(float(b) for b in bounds))
