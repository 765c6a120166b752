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

from geo.spatial import Dem, hillshade, warp_to_web_mercator

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


def feather(rgba: npt.NDArray[np.uint8], *, width_px: int) -> npt.NDArray[np.uint8]:
    """Fade the alpha of ``rgba`` linearly to zero over ``width_px`` pixels at each edge, so that an image laid
    over a coarser one has no hard rectangular edge."""
    if width_px <= 0:
        return rgba
    rows, cols = rgba.shape[:2]
    ramp_r = np.clip(np.minimum(np.arange(rows), np.arange(rows)[::-1]) / width_px, 0.0, 1.0)
    ramp_c = np.clip(np.minimum(np.arange(cols), np.arange(cols)[::-1]) / width_px, 0.0, 1.0)
    out = rgba.copy()
    out[..., 3] = (rgba[..., 3] * np.minimum.outer(ramp_r, ramp_c)).astype(np.uint8)
    return out


def hillshade_image(dem: Dem, *, max_width_px: int = 2048, strength: float = 1.3, z_factor: float = 1.0,
                    feather_px: int = 0) -> HillshadeImage:
    """Hillshade of ``dem`` (EPSG:4326) as a Web Mercator RGBA PNG at most ``max_width_px`` wide.

    ``z_factor`` exaggerates heights: a coarse DEM averages slopes away and needs more to show relief.
    ``feather_px`` fades the image out towards its edges (see :func:`feather`).
    """
    shade = hillshade(dem.elevation_m, *dem.cell_size_m(), z_factor=z_factor)
    warped, bounds = warp_to_web_mercator(shade, dem, max_width_px=max_width_px)
    rgba = _shade_rgba(np.nan_to_num(warped, nan=_FLAT), np.isfinite(warped), strength=strength)
    rgba = feather(rgba, width_px=feather_px)
    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG", compress_level=6)
    return HillshadeImage(png=buffer.getvalue(), bounds_lonlat=bounds)
