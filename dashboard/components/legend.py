"""The map legend: hexagon classes and the basemap's line symbols."""

from __future__ import annotations

import html

import streamlit as st

from dashboard import cache
from dashboard.i18n import _, tr
from layers.colours import BORDER_EU_EXTERNAL, BORDER_OTHER, LegendEntry, LegendSymbol
from layers.world import watched_side_symbol


def _css(colour: tuple[int, int, int, int]) -> str:
    r, g, b, a = colour
    return f"rgba({r},{g},{b},{a / 255:.2f})"


def _swatch(symbol: LegendSymbol) -> str:
    colour = _css(symbol.colour)
    if symbol.shape == "dot":
        return (f'<span style="width:10px;height:10px;margin:0 4px;background:{colour};border-radius:50%;'
                'display:inline-block"></span>')
    if symbol.shape == "line":
        return f'<span style="width:18px;height:0;border-top:{symbol.width_px}px solid {colour};display:inline-block"></span>'
    fill = colour if symbol.shape == "fill" else "transparent"
    return (f'<span style="width:16px;height:12px;background:{fill};border:{symbol.width_px}px solid {colour};'
            'border-radius:2px;display:inline-block"></span>')


def map_legend(entries: list[LegendEntry], *, title: str, symbols: list[LegendSymbol] | None = None) -> None:
    """Colour swatches for the hexagon classes, then the border symbols, the land across the border and any other
    ``symbols`` on the map."""
    rows = "".join(
        f'<div style="display:flex;align-items:center;gap:8px;margin:2px 0">'
        f'<span style="width:18px;height:14px;background:{_css(e.colour)};border-radius:2px;display:inline-block"></span>'
        f"<span>{html.escape(e.label)}</span></div>"
        for e in entries
    )
    lines = "".join(
        f'<div style="display:flex;align-items:center;gap:8px;margin:2px 0">'
        f'<span style="width:18px;height:0;border-top:{w}px solid {_css(c)};display:inline-block"></span>'
        f"<span>{html.escape(label)}</span></div>"
        for c, w, label in ((BORDER_EU_EXTERNAL, 3, _("EU external border")), (BORDER_OTHER, 1, _("Other land border")))
    ) + "".join(
        f'<div style="display:flex;align-items:center;gap:8px;margin:2px 0">{_swatch(s)}<span>{html.escape(s.label)}</span></div>'
        for s in [watched_side_symbol(cache.basemap(), tr()), *(symbols or ())]
    )
    st.markdown(
        f'<div data-testid="limes-legend" style="font-size:0.85rem"><b>{html.escape(title)}</b>{rows}'
        f'<div style="margin-top:6px">{lines}</div></div>',
        unsafe_allow_html=True,
    )
