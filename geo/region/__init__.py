"""The watched region as data: its borders, "our" side, metric CRS, DEMs, gazetteer and opening view.

Read from a TOML file (:func:`load_region`); the bundled one is ``data/regions/bundled.toml``.
"""

from geo.region.model import (
    BUNDLED_REGION_FILE,
    Region,
    View,
    load_region,
    region_toml,
    utm_crs,
    view_bbox,
    view_of,
)

__all__ = ["BUNDLED_REGION_FILE", "Region", "View", "load_region", "region_toml", "utm_crs", "view_bbox",
           "view_of"]
