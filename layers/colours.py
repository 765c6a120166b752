"""Colour ramps and class breaks for the map, with the legend entries that explain them.

Colours are RGBA lists of 0..255 ints, as deck.gl takes them. Class colours are applied in the
browser by an accessor expression on the single value column, so a hexagon travels as its id
and one number only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from geo.analysis import CATEGORIES
from geo.i18n import N_, Translator, translator
from layers.checks import ascending, rgba

Rgba = tuple[int, int, int, int]

COUNT_RAMP: Final[tuple[Rgba, ...]] = (
    (49, 54, 149, 150),
    (69, 117, 180, 170),
    (116, 173, 209, 185),
    (254, 224, 144, 200),
    (253, 174, 97, 210),
    (244, 109, 67, 220),
    (215, 48, 39, 235),
)
"""Sequential ramp for counts on a dark basemap: cool and translucent for few, hot and opaque for many."""

BACKGROUND_HEX: Final[str] = "#0b1320"
COUNTRY_FILL: Final[Rgba] = (28, 37, 54, 255)
COUNTRY_FILL_FOCUS: Final[Rgba] = (32, 42, 62, 255)
"""The land across the region's border (its ``watched`` countries): a shade lighter than :data:`COUNTRY_FILL`, so the
two sides read as one land with the other side just told apart (the legend says so); it was (36, 48, 70), which
without relief to break it up (a plain such as HU–RS's) read as a different kind of ground."""
COUNTRY_EDGE: Final[Rgba] = (70, 84, 110, 255)
WATER: Final[Rgba] = (24, 62, 100, 255)
BORDER_EU_EXTERNAL: Final[Rgba] = (255, 196, 0, 255)
BORDER_OTHER: Final[Rgba] = (150, 160, 180, 200)
TOWN_TEXT: Final[Rgba] = (225, 230, 240, 235)


@dataclass(frozen=True, slots=True)
class LegendEntry:
    """One legend row: a colour and the range of values it stands for."""

    colour: Rgba
    label: str

    def __post_init__(self) -> None:
        rgba(self.colour, name=f"legend colour of {self.label!r}")


@dataclass(frozen=True, slots=True)
class LegendSymbol:
    """One legend row for a symbol other than a hexagon class: its ``shape`` (``outline``, ``fill``, ``dot`` or
    ``line``), colour, line width in pixels and what it means."""

    shape: str
    colour: Rgba
    label: str
    width_px: float = 2.0

    def __post_init__(self) -> None:
        rgba(self.colour, name=f"legend colour of {self.label!r}")
        if self.shape not in ("outline", "fill", "dot", "line"):
            raise ValueError(f"legend shape must be outline, fill, dot or line, got {self.shape!r}")


def _nice_ceiling(value: float) -> int:
    """The smallest number of the series 1, 2, 3, 5, 10, 20, 30, 50, ... that is >= ``value``."""
    if value <= 1:
        return 1
    magnitude = 10 ** int(np.floor(np.log10(value)))
    for step in (1, 2, 3, 5, 10):
        if step * magnitude >= value:
            return int(step * magnitude)
    return int(10 * magnitude)


def class_breaks(values: npt.ArrayLike, n_classes: int = len(COUNT_RAMP)) -> list[int]:
    """Lower bounds of up to ``n_classes`` classes for positive integer counts.

    Breaks follow quantiles of the values (so that a few extreme cells do not flatten the
    map), rounded up to readable numbers (1, 2, 3, 5, 10, 20, ...) and de-duplicated; the first
    break is always 1.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return [1]
    quantiles = np.quantile(v, np.linspace(0.0, 0.97, n_classes))
    return sorted({1, *(_nice_ceiling(q) for q in quantiles)})[:n_classes]


WEEK_RES6_BREAKS: Final[tuple[int, ...]] = (1, 2, 5, 10, 20, 50, 100)
"""Event-count classes of a 7-day window at H3 res 6; other windows and resolutions scale them."""
MIN_BREAKS: Final[tuple[int, ...]] = (1, 2, 3, 5, 10, 20, 30)
"""The finest classes any window gets (short windows and fine cells)."""
CORRIDOR_RES_FACTOR: Final[float] = 7 ** 0.5
"""How much a cell's count falls per finer resolution where events follow corridors (lines: √7; areas: 7)."""


def window_breaks(window_h: float, res: int) -> list[int]:
    """Class lower bounds for event counts that depend only on the window's length (hours) and the resolution.

    The same colour then means the same count range in every window of the same length (the 7 days to now
    and the 7 days before look alike when activity is alike). :data:`WEEK_RES6_BREAKS` is scaled by
    ``window_h / 168`` and by :data:`CORRIDOR_RES_FACTOR` per resolution step, rounded up to 1, 2, 3, 5,
    10, ..., and kept at least :data:`MIN_BREAKS`, so no class spans more than a factor of about 3.
    """
    if window_h <= 0:
        raise ValueError(f"window_h must be positive hours, got {window_h!r}")
    scale = window_h / 168.0 * CORRIDOR_RES_FACTOR ** (6 - res)
    breaks = [1]
    for base, floor in zip(WEEK_RES6_BREAKS[1:], MIN_BREAKS[1:], strict=True):
        low = max(_nice_ceiling(base * scale), floor)
        if low > breaks[-1]:
            breaks.append(low)
    return breaks


def count_breaks(counts: npt.ArrayLike, *, window_h: float, res: int) -> list[int]:
    """:func:`window_breaks`, unless every count falls in their first class (a window of years over sparse history,
    where a week's classes scaled up start their second class at 1,000): then classes of the counts themselves
    (:func:`class_breaks`), so that the map is not one colour."""
    breaks = window_breaks(window_h, res)
    v = np.asarray(counts, dtype=float)
    v = v[np.isfinite(v)]
    if len(breaks) > 1 and v.size and v.max() < breaks[1]:
        return class_breaks(v)
    return breaks


def ramp_for(breaks: list[int]) -> list[Rgba]:
    """Colours for ``breaks``: spread over the whole ramp so that the top class is always the hottest."""
    ascending(breaks)
    idx = np.round(np.linspace(0, len(COUNT_RAMP) - 1, len(breaks))).astype(int) if len(breaks) > 1 else [len(COUNT_RAMP) - 1]
    return [COUNT_RAMP[i] for i in idx]


def class_colour_expression(breaks: list[int], *, value: str = "value") -> str:
    """A deck.gl accessor expression that colours ``value`` by ``breaks`` (highest class first)."""
    colours = ramp_for(breaks)
    expr = _rgba(colours[0])
    for low, colour in zip(breaks[1:], colours[1:], strict=True):
        expr = f"{value} >= {low} ? {_rgba(colour)} : {expr}"
    return expr


def class_colours(values: npt.ArrayLike, breaks: list[int]) -> npt.NDArray[np.uint8]:
    """The colours :func:`class_colour_expression` gives each value, computed here (for tests and images)."""
    colours = np.asarray(ramp_for(breaks), dtype=np.uint8)  # checks the breaks
    index = np.searchsorted(np.asarray(breaks), np.asarray(values), side="right") - 1
    return colours[np.clip(index, 0, len(breaks) - 1)]


UNITS: Final[tuple[str, ...]] = ("events", "slope_deg", "elevation_m", "since_patrol_h", "unit_hours")
"""What a count legend counts: events, or a corridor cell's mean slope, elevation, hours since a patrol, effort."""


def unit_text(tr: Translator, unit: str, values: str, count: int) -> str:
    """``values`` (a formatted number or range, "1–4", "250+") with ``unit`` (one of :data:`UNITS`) in ``tr``'s
    language, the plural form chosen by ``count``."""
    if unit == "events":
        return tr.ngettext("{values} event", "{values} events", count).format(values=values)
    if unit == "slope_deg":
        return tr.gettext("{values}° mean slope").format(values=values)
    if unit == "elevation_m":
        return tr.gettext("{values} m above sea level").format(values=values)
    if unit == "since_patrol_h":
        return tr.gettext("{values} h since a patrol").format(values=values)
    if unit == "unit_hours":
        return tr.ngettext("{values} unit-hour", "{values} unit-hours", count).format(values=values)
    raise ValueError(f"unknown legend unit {unit!r}; expected one of {', '.join(UNITS)}")


def legend(breaks: list[int], *, unit: str, tr: Translator | None = None) -> list[LegendEntry]:
    """Legend rows for ``breaks``: "1-4 events", ..., "250+ events" (``unit``: one of :data:`UNITS`), in ``tr``'s
    language (English by default)."""
    tr = tr or translator()
    entries = []
    colours = ramp_for(breaks)
    for i, (low, colour) in enumerate(zip(breaks, colours, strict=True)):
        high = breaks[i + 1] - 1 if i + 1 < len(breaks) else None
        if high is None:
            label = unit_text(tr, unit, f"{tr.number(low)}+", low)
        elif high == low:
            label = unit_text(tr, unit, tr.number(low), low)
        else:
            label = unit_text(tr, unit, f"{tr.number(low)}–{tr.number(high)}", high)
        entries.append(LegendEntry(colour=colour, label=label))
    return entries


def _rgba(colour: Rgba) -> str:
    return "[" + ", ".join(str(c) for c in rgba(colour)) + "]"


HOTSPOT_COLOURS: Final[dict[int, Rgba]] = {
    3: (215, 48, 39, 235), 2: (252, 141, 89, 220), 1: (254, 224, 144, 205),
    -1: (198, 219, 239, 205), -2: (107, 174, 214, 220), -3: (33, 113, 181, 235),
}
"""Diverging classes: hot (red) and cold (blue) spots at 99, 95 and 90 % confidence."""
_HOTSPOT_LABELS: Final[dict[int, str]] = {
    3: N_("Hot spot, 99 %"), 2: N_("Hot spot, 95 %"), 1: N_("Hot spot, 90 %"),
    -1: N_("Cold spot, 90 %"), -2: N_("Cold spot, 95 %"), -3: N_("Cold spot, 99 %"),
}


def code_colour_expression(colours: dict[int, Rgba], *, value: str = "value") -> str:
    """A deck.gl accessor colouring an integer code by ``colours``; other codes are transparent."""
    expr = "[0, 0, 0, 0]"
    for code, colour in colours.items():
        expr = f"{value} == {code} ? {_rgba(colour)} : {expr}"
    return expr


def faded_colour_expression(colour: Rgba, *, alpha: str) -> str:
    """A deck.gl accessor: ``colour`` as opaque as each datum's ``alpha`` field (0-255; e.g. ``properties.alpha``)."""
    return f"[{colour[0]}, {colour[1]}, {colour[2]}, {alpha}]"


def hotspot_colour_expression(*, value: str = "value") -> str:
    """A deck.gl accessor colouring a Gi* class (-3..3) by :data:`HOTSPOT_COLOURS`."""
    return code_colour_expression(HOTSPOT_COLOURS, value=value)


def hotspot_legend(tr: Translator | None = None) -> list[LegendEntry]:
    """Legend rows for the Gi* classes, hottest first, in ``tr``'s language (English by default)."""
    tr = tr or translator()
    return [LegendEntry(colour=HOTSPOT_COLOURS[c], label=tr.gettext(_HOTSPOT_LABELS[c])) for c in (3, 2, 1, -1, -2, -3)]


_EMERGING_HOT: Final[tuple[Rgba, ...]] = (
    (235, 40, 255, 245), (255, 140, 0, 245), (255, 60, 140, 245), (178, 24, 43, 225),
    (244, 165, 130, 205), (214, 96, 77, 200), (205, 110, 190, 210), (140, 100, 90, 195),
)
_EMERGING_COLD: Final[tuple[Rgba, ...]] = (
    (0, 200, 255, 230), (60, 150, 255, 225), (30, 80, 230, 230), (33, 102, 172, 220),
    (146, 197, 222, 200), (67, 147, 195, 195), (150, 130, 220, 205), (100, 110, 130, 190),
)
EMERGING_COLOURS: Final[dict[int, Rgba]] = dict(enumerate((*_EMERGING_HOT, *_EMERGING_COLD)))
"""Colour by category code (the position in :data:`geo.analysis.emerging.CATEGORIES`): the emerging ones
(new: magenta, consecutive: orange, intensifying: pink) stand out from the dark reds of the
established hot spots and from the yellow EU border; "no pattern" is not drawn."""


def emerging_legend(present: list[int], tr: Translator | None = None) -> list[LegendEntry]:
    """Legend rows for the emerging hot spot category codes in ``present``, in the order of the categories, in
    ``tr``'s language (the categories' words are in :mod:`dashboard.terms`' catalog entries)."""
    tr = tr or translator()
    return [LegendEntry(colour=EMERGING_COLOURS[code], label=tr.gettext(CATEGORIES[code]))
            for code in sorted(set(present)) if code in EMERGING_COLOURS]
