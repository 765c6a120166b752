"""Partner pictures on the map: each partner's shared hexagon counts in a palette of their own, apart from ours.

A partner's cells may mix resolutions (its small counts merged into parents before sending): one
layer per resolution, as :func:`layers.hexagons.hexagon_layers_by_resolution` draws ours. Only the
hex id and the count reach the browser.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd
import pydeck as pdk

from geo.grid import cell_resolutions
from geo.i18n import Translator, translator
from layers.checks import ascending, rgba, same_length
from layers.colours import LegendEntry, Rgba, unit_text
from layers.hexagons import hexagon_records

PARTNER_LAYER_ID: Final[str] = "partner"
PARTNER_RAMP: Final[tuple[Rgba, ...]] = (
    (40, 120, 110, 120),
    (40, 170, 150, 160),
    (90, 215, 185, 195),
    (180, 250, 225, 225),
)
"""A teal ramp, translucent to opaque: no colour of our own counts, hot spots or reports."""
PARTNER_LINE: Final[Rgba] = (150, 255, 225, 235)


def partner_colour_expression(breaks: list[int], *, value: str = "value") -> str:
    """A deck.gl accessor colouring a partner's counts by ``breaks`` on :data:`PARTNER_RAMP`."""
    ascending(breaks)
    colours = PARTNER_RAMP[-len(breaks):] if len(breaks) <= len(PARTNER_RAMP) else PARTNER_RAMP
    expr = str(rgba(colours[0]))
    for low, colour in zip(breaks[1:len(colours)], colours[1:], strict=True):
        expr = f"{value} >= {low} ? {rgba(colour)} : {expr}"
    return expr


def partner_breaks(counts: pd.Series, k: int) -> list[int]:
    """Up to four classes from ``k`` (no partner count is below it) to the partner's largest count."""
    top = int(counts.max()) if len(counts) else k
    steps = np.unique(np.round(np.geomspace(k, max(top, k), num=len(PARTNER_RAMP) + 1)[:-1]).astype(int))
    return [int(s) for s in steps]


def partner_legend(breaks: list[int], tr: Translator | None = None) -> list[LegendEntry]:
    """Legend rows for a partner's classes: "5–11 events", …, "40+ events" (in ``tr``'s language, English by
    default)."""
    tr = tr or translator()
    colours = PARTNER_RAMP[-len(breaks):]
    rows = []
    for i, (low, colour) in enumerate(zip(breaks, colours, strict=True)):
        if i + 1 == len(breaks):
            label = unit_text(tr, "events", f"{tr.number(low)}+", low)
        else:
            high = breaks[i + 1] - 1
            label = unit_text(tr, "events", f"{tr.number(low)}–{tr.number(high)}", high)
        rows.append(LegendEntry(colour=colour, label=label))
    return rows


def partner_layers(cells: pd.Series, counts: pd.Series, *, breaks: list[int], name: str) -> list[pdk.Layer]:
    """A partner's hexagons (``cells`` uint64, possibly of several resolutions), coarsest first, outlined."""
    same_length(cells=cells, counts=counts)
    resolutions = cell_resolutions(cells.to_numpy(dtype=np.uint64))
    layers = []
    for res in sorted(set(resolutions.tolist())):
        chosen = resolutions == res
        layers.append(pdk.Layer(
            "H3HexagonLayer", id=f"{PARTNER_LAYER_ID}-{name}-r{res}",
            data=hexagon_records(cells[chosen], counts[chosen]), get_hexagon="hex", filled=True, stroked=True,
            extruded=False, get_fill_color=partner_colour_expression(breaks), get_line_color=rgba(PARTNER_LINE),
            line_width_min_pixels=1.5, pickable=False,
        ))
    return layers
