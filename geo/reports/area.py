"""Where the public report form lets a reporter pick a place: H3 cells along the watched borders.

A click on the form's map picks a cell, and the report takes the cell's centre: ~1.2 km from the
true spot at most at resolution 7, close enough for a patrol to look and coarse enough that a
report sent from home does not pinpoint the home.
"""

from __future__ import annotations

from typing import Final

import h3
import numpy as np
import numpy.typing as npt
import shapely

from geo.errors import ReportError, msg
from geo.region import Region
from geo.spatial import border_lines, bundled_region, geometry_to_lonlat, geometry_to_m

PICK_RES: Final[int] = 7
"""Resolution of the cells a reporter picks from (hexagons ~2.4 km across)."""
PICK_BUFFER_KM: Final[float] = 30.0
"""How far from the border a reporter may pick a place on the map (further: type a town name)."""


def pick_cells(*, res: int = PICK_RES, buffer_km: float = PICK_BUFFER_KM,
               region: Region | None = None) -> npt.NDArray[np.uint64]:
    """Sorted H3 cells at ``res`` whose centres lie within ``buffer_km`` of the region's borders (default: the
    bundled region)."""
    if not 5 <= res <= 9 or not 0 < buffer_km <= 100:
        raise ReportError(msg("pick cells need res 5..9 and buffer_km in (0, 100]; got {res!r} and {buffer_km!r}",
                              res=res, buffer_km=buffer_km))
    region = region or bundled_region()
    borders, crs = border_lines(region), region.metric_crs
    lines = shapely.union_all(borders.geometry.to_numpy())
    # Buffered in metres (the region's metric CRS), then back to degrees for H3.
    area_m = shapely.buffer(geometry_to_m(lines, crs=crs), buffer_km * 1000.0)
    area = geometry_to_lonlat(area_m, crs=crs)
    cells = h3.geo_to_cells(shapely.geometry.mapping(area), res)
    return np.sort(np.array([int(c, 16) for c in cells], dtype=np.uint64))
