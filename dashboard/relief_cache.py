"""The relief of the offline basemap: hillshade PNGs written once to ``static/generated/`` and their layers.

The world's 5' relief lies under everything; a region's coarse DEM and its fine DEM lie over it, the
fine one feathered into the coarse relief so that no rectangle shows where it ends.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Final

import numpy as np
import pydeck as pdk
import streamlit as st

from dashboard.config import settings
from geo.region import Region
from geo.settings import bundled_region
from geo.spatial import WORLD_LONLAT, WORLD_RELIEF, Dem, read_dem
from layers.basemap import relief_layer
from layers.files import versioned_url
from layers.hillshade import hillshade_image

GENERATED_URL: Final[str] = "/app/static/generated"
"""Where the browser finds :func:`generated_dir`."""


def generated_dir() -> Path:
    """Where images for the browser are written: ``static/generated/`` of the app folder, served by Streamlit."""
    return settings().generated_dir


WORLD_RELIEF_PX: Final[int] = 1024
"""Width of the world relief image (~21' a pixel, ~0.5 MB): a continental view needs no more, and the region's
own relief lies over it."""


def _relief_png(name: str, dem_path: Path, z_factor: float, bounds_lonlat: tuple[float, float, float, float], *,
                feather_px: int = 0, max_width_px: int = 2048) -> tuple[float, float, float, float]:
    """Write (or reuse, when made from the same DEM with the same settings) ``static/generated/<name>.png``;
    returns its (west, south, east, north) bounds. Reuse saves half a second of every server start."""
    png, meta = generated_dir() / f"{name}.png", generated_dir() / f"{name}.json"
    key = {"dem": str(dem_path), "dem_mtime": dem_path.stat().st_mtime, "z_factor": z_factor,
           "aoi": list(bounds_lonlat), "feather_px": feather_px, "width": max_width_px}
    if png.exists() and meta.exists():
        saved = json.loads(meta.read_text())
        if saved.get("key") == key:
            return tuple(saved["bounds_lonlat"])
    dem = read_dem(dem_path, bounds_lonlat=bounds_lonlat)
    if dem_path == WORLD_RELIEF:  # the sea has no data there: at sea level, coasts shade as gentle slopes, not rims
        dem = Dem(elevation_m=np.ma.masked_array(dem.elevation_m.filled(0.0)), transform=dem.transform)
    image = hillshade_image(dem, z_factor=z_factor,
                            feather_px=feather_px, max_width_px=max_width_px)
    png.write_bytes(image.png)
    meta.write_text(json.dumps({"key": key, "bounds_lonlat": list(image.bounds_lonlat)}))
    return image.bounds_lonlat


@st.cache_resource(show_spinner="Shading the terrain…")
def region_tag(region: Region) -> str:
    """What the files written for ``region`` carry in their names: servers of two regions may share one app folder
    (empty for the bundled region, ``-<digest of its file>`` for another)."""
    return "" if region == bundled_region() else "-" + hashlib.sha256(str(region.source).encode()).hexdigest()[:10]


REGIONAL_FEATHER_PX = 4
"""The coarse relief (~9 km a pixel) fades out over its last 4 pixels: zoomed out, its rectangle showed."""


def _relief_layers(region: Region, whole_world: bool = True) -> list[pdk.Layer]:
    generated_dir().mkdir(parents=True, exist_ok=True)
    # The world's 5' relief lies under everything; the region's coarse DEM and its fine one (feathered
    # into the coarse relief, so no rectangle shows) lie over it. Coarse slopes are averaged over 9 km,
    # so they are exaggerated to look like the same terrain at a glance.
    # A region with its own coarse DEM opens without the world's (one image less on the first map).
    reliefs = [("relief-world", WORLD_RELIEF, 0.4, 5.0, WORLD_LONLAT, 0, WORLD_RELIEF_PX)] \
        if whole_world or region.coarse_dem is None else []
    if region.coarse_dem is not None:
        reliefs.append(("relief-regional", region.coarse_dem, 0.45, 5.0, region.aoi_lonlat, REGIONAL_FEATHER_PX,
                        2048))
    if region.hillshade_dem is not None:
        reliefs.append(("relief-srtm", region.hillshade_dem, 0.6, 1.0, region.aoi_lonlat, 96, 2048))
    layers = []
    tag = region_tag(region)
    for name, path, opacity, z_factor, bounds_lonlat, feather_px, width in reliefs:
        name = name if name == "relief-world" else name + tag
        bounds = _relief_png(name, path, z_factor, bounds_lonlat, feather_px=feather_px, max_width_px=width)
        url = versioned_url(f"{GENERATED_URL}/{name}.png", (generated_dir() / f"{name}.png").read_bytes())
        layers.append(relief_layer(url, bounds, layer_id=name, opacity=opacity))
    return layers


def relief_layers() -> list[pdk.Layer]:
    """Hillshade bitmaps in ``static/generated/`` and their layers, coarse ones first."""
    return _relief_layers(settings().region)
