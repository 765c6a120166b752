"""Vectorised positions along a polyline in a metric CRS (numpy; no per-point geometry objects)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

FloatArray = npt.NDArray[np.float64]


def points_along(line_m: shapely.LineString, distance_m: npt.ArrayLike, lateral_m: npt.ArrayLike = 0.0
                 ) -> tuple[FloatArray, FloatArray]:
    """Points at ``distance_m`` along ``line_m`` (clipped to its ends), pushed ``lateral_m`` to its left.

    Parameters
    ----------
    line_m : shapely.LineString
        A line in a metric CRS.
    distance_m : array-like of float
        Distances from the line's start, metres.
    lateral_m : array-like of float
        Offsets perpendicular to the local segment, metres; positive is to the left of the
        direction of travel.

    Returns
    -------
    x_m, y_m : numpy.ndarray
        Coordinates in the line's CRS.
    """
    coords = shapely.get_coordinates(line_m)
    steps = np.diff(coords, axis=0)
    seg_len = np.hypot(steps[:, 0], steps[:, 1])
    keep = seg_len > 0
    steps, seg_len = steps[keep], seg_len[keep]
    starts = coords[:-1][keep]
    cum = np.concatenate([[0.0], np.cumsum(seg_len)])
    d = np.clip(np.asarray(distance_m, dtype=float), 0.0, cum[-1])
    seg = np.clip(np.searchsorted(cum, d, side="right") - 1, 0, seg_len.size - 1)
    unit = steps[seg] / seg_len[seg, None]
    base = starts[seg] + unit * (d - cum[seg])[:, None]
    lateral = np.broadcast_to(np.asarray(lateral_m, dtype=float), d.shape)
    return base[:, 0] - unit[:, 1] * lateral, base[:, 1] + unit[:, 0] * lateral


def offset_into(line_m: shapely.LineString, area_m: shapely.Geometry, offset_m: float) -> shapely.LineString:
    """``line_m`` shifted ``offset_m`` sideways, to whichever side has its midpoint inside ``area_m``.

    Falls back to the line itself when neither side does (a stretch too short or too winding).
    """
    for signed in (offset_m, -offset_m):
        shifted = line_m.offset_curve(signed)
        if area_m.contains(shifted.interpolate(0.5, normalized=True)):
            return shifted
    return line_m
