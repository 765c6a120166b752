"""The H3 hexagon layer: one hex id and one value per cell, coloured in the browser by class."""

from __future__ import annotations

import pandas as pd
import pydeck as pdk

from geo.grid import cell_resolutions, cells_to_hex
from layers.checks import ascending, one_resolution, same_length
from layers.colours import class_colour_expression

HEX_LAYER_ID = "hexagons"


def hexagon_records(cells: pd.Series, values: pd.Series, labels: pd.Series | None = None) -> list[dict[str, object]]:
    """Layer data: ``{"hex": <h3 hex id>, "value": <int>}`` per cell, plus a ``label`` for the tooltip if given.

    Nothing else reaches the browser (DESIGN.md section 5): no coordinates, no event details, no
    polygon outlines (deck.gl computes them from the id).

    Raises :class:`geo.errors.LayerError` when the columns differ in length or the cells mix H3
    resolutions (deck.gl would draw them without complaint).
    """
    if labels is None:
        same_length(cells=cells, values=values)
    else:
        same_length(cells=cells, values=values, labels=labels)
    one_resolution(cells.to_numpy(), layer="hexagons")
    hexes = cells_to_hex(cells.to_numpy())
    if labels is None:
        return [{"hex": h, "value": int(v)} for h, v in zip(hexes, values.to_numpy(), strict=True)]
    return [{"hex": h, "value": int(v), "label": str(t)}
            for h, v, t in zip(hexes, values.to_numpy(), labels.to_numpy(), strict=True)]


def hexagon_layer(cells: pd.Series, values: pd.Series, *, breaks: list[int] | None = None,
                  fill_expression: str | None = None, labels: pd.Series | None = None,
                  layer_id: str = HEX_LAYER_ID) -> pdk.Layer:
    """A pickable, flat H3HexagonLayer of ``values`` per cell: counts classed by ``breaks``, or
    any other value coloured by ``fill_expression`` (a deck.gl accessor on ``value``)."""
    if breaks is not None:
        ascending(breaks)
    return pdk.Layer(
        "H3HexagonLayer",
        id=layer_id,
        data=hexagon_records(cells, values, labels),
        get_hexagon="hex",
        get_fill_color=fill_expression or class_colour_expression(breaks or [1]),
        extruded=False,
        stroked=True,
        get_line_color=[11, 19, 32, 120],
        line_width_min_pixels=0.5,
        pickable=True,
        auto_highlight=True,
        highlight_color=[255, 255, 255, 90],
    )


def hexagon_layers_by_resolution(cells: pd.Series, values: pd.Series, *, breaks: list[int], layer_id: str,
                                 pickable: bool = True) -> list[pdk.Layer]:
    """Cells of several resolutions (small counts merged into their parents) as one layer per resolution.

    One classing (``breaks``) colours them all; the finest resolution's layer is ``layer_id``, each
    coarser one ``f"{layer_id}-r{res}"``, coarsest first. deck.gl would draw a mixed layer too,
    but :func:`hexagon_records` refuses one so that a wrong resolution never passes unseen.
    """
    same_length(cells=cells, values=values)
    resolutions = cell_resolutions(cells.to_numpy())
    present = sorted(set(resolutions.tolist()))
    layers = []
    for res in present:
        chosen = resolutions == res
        layer = hexagon_layer(cells[chosen], values[chosen], breaks=breaks,
                              layer_id=layer_id if res == present[-1] else f"{layer_id}-r{res}")
        layer.pickable = pickable
        layers.append(layer)
    return layers
