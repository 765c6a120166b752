"""H3 cells as integers and the columnar event index.

Vectorised indexing and parents by bit operations; the time-sorted index that re-aggregates in milliseconds.
"""

from geo.grid.cells import (
    BASE_RES,
    VIEW_RES_RANGE,
    cell_at_resolution,
    cell_latlng,
    cell_resolutions,
    cells_latlng,
    cells_to_hex,
    edge_length_km,
    hex_to_cell,
    latlng_to_cells,
    parent_cells,
    resolution_for_zoom,
)
from geo.grid.index import DAILY_FROM, EventIndex, Filters, Totals, event_series

__all__ = [
    "BASE_RES",
    "DAILY_FROM",
    "EventIndex",
    "Filters",
    "Totals",
    "VIEW_RES_RANGE",
    "cell_at_resolution",
    "cell_latlng",
    "cell_resolutions",
    "cells_latlng",
    "cells_to_hex",
    "edge_length_km",
    "event_series",
    "hex_to_cell",
    "latlng_to_cells",
    "parent_cells",
    "resolution_for_zoom",
]
