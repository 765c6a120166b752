"""Community report layers: accepted reports and unmoderated counts on the map, and the form's place picker.

Each carries H3 hex ids and, where it counts, one number per cell: never a report's position,
text, source or contact (DESIGN.md section 5 and the privacy rules of issue 9).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pydeck as pdk

from geo.grid import cells_to_hex
from layers.checks import one_resolution, rgba
from layers.colours import Rgba
from layers.hexagons import hexagon_records

ACCEPTED_LAYER_ID: Final[str] = "accepted-reports"
PENDING_LAYER_ID: Final[str] = "pending-reports"
PICK_LAYER_ID: Final[str] = "report-pick"
PICKED_LAYER_ID: Final[str] = "report-picked"
ACCEPTED_COLOUR: Final[Rgba] = (0, 230, 160, 255)
"""Accepted community reports: a green outline, apart from every count and hot spot colour."""
PENDING_COLOUR: Final[Rgba] = (190, 140, 255, 90)
"""Unmoderated reports: a faint violet fill at a coarse resolution."""
PICKED_COLOUR: Final[Rgba] = (255, 196, 0, 200)


def accepted_report_layer(cells: pd.Series, counts: pd.Series) -> pdk.Layer:
    """Outlines of cells with accepted community reports: hex id and count only."""
    return pdk.Layer(
        "H3HexagonLayer", id=ACCEPTED_LAYER_ID, data=hexagon_records(cells, counts), get_hexagon="hex", filled=False,
        stroked=True, extruded=False, get_line_color=rgba(ACCEPTED_COLOUR), line_width_min_pixels=2.5, pickable=False,
    )


def pending_report_layer(cells: pd.Series, counts: pd.Series) -> pdk.Layer:
    """Coarse cells holding unmoderated reports: hex id and count only, a faint fill under the data."""
    return pdk.Layer(
        "H3HexagonLayer", id=PENDING_LAYER_ID, data=hexagon_records(cells, counts), get_hexagon="hex", filled=True,
        stroked=True, extruded=False, get_fill_color=rgba(PENDING_COLOUR),
        get_line_color=[*PENDING_COLOUR[:3], 220], line_width_min_pixels=1, pickable=False,
    )


def pick_layers(cells: npt.NDArray[np.uint64], picked: str | None) -> list[pdk.Layer]:
    """The form's picker: every pickable cell, nearly transparent, and the picked one in yellow."""
    one_resolution(cells, layer=PICK_LAYER_ID)
    grid = pdk.Layer(
        "H3HexagonLayer", id=PICK_LAYER_ID, data=[{"hex": h} for h in cells_to_hex(cells)], get_hexagon="hex",
        filled=True, stroked=True, extruded=False, get_fill_color=[255, 255, 255, 12],
        get_line_color=[255, 255, 255, 40], line_width_min_pixels=0.5, pickable=True, auto_highlight=True,
        highlight_color=[255, 196, 0, 120],
    )
    chosen = pdk.Layer(
        "H3HexagonLayer", id=PICKED_LAYER_ID, data=[{"hex": picked}] if picked else [], get_hexagon="hex",
        filled=True, stroked=True, extruded=False, get_fill_color=rgba(PICKED_COLOUR),
        get_line_color=[255, 255, 255, 255], line_width_min_pixels=2, pickable=False,
    )
    return [grid, chosen]
