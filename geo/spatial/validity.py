"""Geometry validity: mend invalid polygons and lines, or say why they cannot be used.

Files of sections or station areas come from outside; a self-intersecting ring would make
buffers and joins silently wrong, so every geometry passes here first.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


def repair_geometries(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Mend invalid geometries (``make_valid``, structure method); drop those that cannot be mended.

    Returns the usable rows (repaired ones included) and a report with ``row`` (0-based),
    ``reason`` (``shapely.is_valid_reason`` of the original) and ``action`` (``repaired`` or
    ``rejected``: empty, missing, or of another dimension once mended).
    """
    geometry = frame.geometry.to_numpy()
    missing = pd.isna(geometry) | shapely.is_empty(geometry)
    invalid = ~missing & ~shapely.is_valid(geometry)
    report = []
    fixed = geometry.copy()
    for row in np.flatnonzero(missing):
        report.append({"row": int(row), "reason": "missing or empty geometry", "action": "rejected"})
    for row in np.flatnonzero(invalid):
        reason = shapely.is_valid_reason(geometry[row])
        mended = shapely.make_valid(geometry[row], method="structure")
        if mended.is_empty or shapely.get_dimensions(mended) != shapely.get_dimensions(geometry[row]):
            report.append({"row": int(row), "reason": reason, "action": "rejected"})
            missing[row] = True
        else:
            fixed[row] = mended
            report.append({"row": int(row), "reason": reason, "action": "repaired"})
    usable = frame.set_geometry(gpd.GeoSeries(fixed, index=frame.index, crs=frame.crs))[~missing]
    return usable, pd.DataFrame(report, columns=["row", "reason", "action"]).sort_values("row", ignore_index=True)
