"""The drill-down's small charts as SVG and HTML written here, drawn at once with the panel's text.

A hexagon's drill-down is what an operator waits for after a click. Drawn by the chart library, its two
charts cost the browser the library's code (~0.8 MB to load and compile on the first click) and a chart
view each; as markup they draw with the text around them. Every text in them is escaped; the colours are
the pages' charts' (:mod:`dashboard.components.daily_bars`): whole days blue, part-days pale.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Final

from dashboard.components.daily_bars import PART_COLOUR, WHOLE_COLOUR

TYPE_BAR_COLOUR: Final[str] = "#ffc400"
VIEW_W: Final[int] = 300
"""The SVG's own width (user units); it is drawn at the column's width."""
PLOT_H: Final[int] = 80
TOP_PAD: Final[int] = 14
"""Room above the bars for the largest value."""
LABEL_PAD: Final[int] = 34
"""Room under the bars for slanted labels."""
LEFT_PAD: Final[int] = 28
"""Room left of the first bar for its slanted label."""


def type_bars_html(rows: Sequence[tuple[str, int]], *, number: Callable[[int], str], title: str) -> str:
    """Horizontal bars of ``rows`` (label, count; drawn in the given order), each bar's length its share of the
    largest count, the count beside it as ``number`` writes it; ``title`` names the block for screen readers."""
    top = max((count for _, count in rows), default=0) or 1
    lines = "".join(
        '<div style="display:flex;align-items:center;gap:6px;margin:1px 0">'
        f'<span style="flex:0 0 45%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap">{html.escape(label)}'
        '</span><span style="flex:1 1 auto">'
        f'<span style="display:block;height:11px;width:{100 * count / top:.1f}%;background:{TYPE_BAR_COLOUR}">'
        f'</span></span><span style="flex:0 0 2.6em;text-align:right">{html.escape(number(count))}</span></div>'
        for label, count in rows)
    return (f'<div data-testid="limes-type-bars" role="img" aria-label="{html.escape(title)}" '
            f'style="font-size:0.8rem;margin-bottom:6px">{lines}</div>')


def column_bars_svg(values: Sequence[float], labels: Sequence[str], tips: Sequence[str], *, pale: Sequence[bool],
                    number: Callable[[int], str], label_every: int = 1, title: str) -> str:
    """Vertical bars of ``values`` in order (heights in proportion, the largest value written above its bar as
    ``number`` writes it),
    under each ``label_every``-th bar its slanted label, each bar's tooltip its ``tips`` entry; bars where
    ``pale`` is true drawn in the part-day colour. ``title`` names the chart for screen readers."""
    n = len(values)
    top = max(values, default=0.0) or 1.0
    step = (VIEW_W - LEFT_PAD) / max(n, 1)
    width = max(step * 0.8, 1.0)
    base = TOP_PAD + PLOT_H
    bars, texts = [], []
    for i, (value, label, tip, light) in enumerate(zip(values, labels, tips, pale, strict=True)):
        height = PLOT_H * value / top
        x = LEFT_PAD + i * step + (step - width) / 2
        bars.append(f'<rect class="bar" x="{x:.1f}" y="{base - height:.1f}" width="{width:.1f}" '
                    f'height="{height:.1f}" fill="{PART_COLOUR if light else WHOLE_COLOUR}">'
                    f'<title>{html.escape(tip)}</title></rect>')
        if i % label_every == 0:
            cx = LEFT_PAD + i * step + step / 2
            texts.append(f'<text x="{cx:.1f}" y="{base + 11}" transform="rotate(-40 {cx:.1f} {base + 11})" '
                         f'text-anchor="end">{html.escape(label)}</text>')
    peak = max(range(n), key=lambda i: values[i]) if n else 0
    peak_x = min(LEFT_PAD + peak * step + step / 2, VIEW_W - 12.0)
    biggest = (f'<text x="{peak_x:.1f}" y="{TOP_PAD - 3}" text-anchor="middle">{html.escape(number(round(top)))}</text>'
               if n else "")
    return (f'<svg data-testid="limes-mini-bars" role="img" aria-label="{html.escape(title)}" '
            f'viewBox="0 0 {VIEW_W} {base + LABEL_PAD}" width="100%" style="font-size:10px;fill:currentColor">'
            f'<line x1="{LEFT_PAD}" y1="{base}" x2="{VIEW_W}" y2="{base}" stroke="currentColor" stroke-opacity="0.3"/>'
            f'{"".join(bars)}{"".join(texts)}{biggest}</svg>')


def swatches_html(entries: Sequence[tuple[str, str]]) -> str:
    """A one-line legend: a colour swatch before each (colour, label) entry."""
    return '<div style="font-size:0.75rem;opacity:0.85">' + " ".join(
        f'<span style="display:inline-block;width:10px;height:10px;background:{colour};margin:0 3px 0 8px">'
        f'</span>{html.escape(label)}' for colour, label in entries) + "</div>"

