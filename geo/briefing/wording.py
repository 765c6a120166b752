"""The briefing's words in the reader's language: level names, counts, changes, shares, the period and what the
figures cover, for the pack (PDF, PNG) and the Briefing page alike.

Every function takes a :class:`geo.i18n.Translator`; numbers, dates and times come from its locale, times in UTC with
the border's local time beside them (``zone``, an IANA name such as :func:`geo.spatial.time_zone` gives).
"""

from __future__ import annotations

from datetime import date
from typing import Final

import pandas as pd
from babel.dates import format_skeleton

from geo.briefing.build import Briefing
from geo.i18n import N_, Translator
from geo.models import EVENT_TYPE_LABELS
from geo.timewindow import TimeWindow

LEVEL_LABELS: Final[dict[str, str]] = {"low": N_("low"), "medium": N_("medium"), "high": N_("high"),
                                       "critical": N_("critical")}
"""The impact levels of a border section as printed (the keys are the stored values)."""
IMPACT_LABELS: Final[dict[str, str]] = {"low": N_("low"), "medium": N_("medium"), "high": N_("high"),
                                        "very_high": N_("very high")}
"""The impact levels of an event (:data:`geo.models.IMPACT_LEVELS`) as printed."""
EVENT_TYPE_MESSAGES: Final[tuple[str, ...]] = (
    N_("Irregular crossing"), N_("Apprehension"), N_("Smuggling"), N_("Sensor alarm"), N_("Citizen report"),
    N_("Refusal of entry"), N_("Document fraud"), N_("Search and rescue"), N_("Other"))
"""The labels of :data:`geo.models.EVENT_TYPE_LABELS`, marked for the catalogs (geo.models sits below geo.i18n)."""
KPI_MESSAGES: Final[tuple[str, ...]] = (N_("Events"), N_("Persons"), N_("High / very high impact"),
                                        N_("Events outside these corridors"))
"""The labels of the briefing's headline figures (:class:`geo.briefing.build.Kpi`), marked for the catalogs."""


def level_name(level: str, tr: Translator) -> str:
    """A section level (``high``) as the reader's language names it."""
    return tr.gettext(LEVEL_LABELS.get(level, level))


def event_type_name(event_type: str, tr: Translator) -> str:
    """An event type (``irregular_crossing``) in the reader's language."""
    return tr.gettext(EVENT_TYPE_LABELS.get(event_type, event_type))


def count_text(value: object, k: int, tr: Translator) -> str:
    """A published count with the locale's separators, or ``<k`` where suppression blanked it."""
    return f"<{k}" if value is None or pd.isna(value) else tr.number(int(value))  # type: ignore[call-overload]


def change_text(pct: object, tr: Translator) -> str:
    """A change in percent with its sign (``+12 %``), or a dash where there is none."""
    if pct is None or pd.isna(pct):
        return "–"
    value = round(float(pct))  # type: ignore[arg-type]
    return ("+" if value > 0 else "") + tr.percent(value / 100)


def share_text(fraction: object, tr: Translator) -> str:
    """A share (0.8) as a percentage, or "n/a"."""
    if fraction is None or pd.isna(fraction):
        return tr.gettext("n/a")
    return tr.percent(float(fraction))  # type: ignore[arg-type]


def day_text(day: date, tr: Translator) -> str:
    """Day and month (``30 Νοε``), for the axes of daily charts."""
    return format_skeleton("MMMd", day, locale=tr.language.locale)


def period_text(window: TimeWindow, tr: Translator, zone: str) -> str:
    """The period from its first to its last moment, in UTC with the border's local time beside each."""
    return tr.gettext("{start} to {end}").format(start=tr.utc_and_local(window.start, zone),
                                                 end=tr.utc_and_local(window.end, zone))


def scope_text(briefing: Briefing, tr: Translator) -> str:
    """What the headline figures cover (the corridors of the sections), with the events outside them if known."""
    n = len(briefing.sections)
    fields = {"n": tr.number(n), "km": tr.number(briefing.corridor_km)}
    outside = briefing.outside
    if outside is None:
        return tr.ngettext("Figures in the corridor of its {n} section ({km} km either side of the line).",
                           "Figures in the corridors of the {n} sections ({km} km either side of the line).",
                           n).format(**fields)
    if outside.value is None:
        return tr.ngettext(
            "Figures in the corridor of its {n} section ({km} km either side of the line); events outside it: "
            "fewer than {k}.",
            "Figures in the corridors of the {n} sections ({km} km either side of the line); events outside them: "
            "fewer than {k}.", n).format(k=briefing.k, **fields)
    return tr.ngettext(
        "Figures in the corridor of its {n} section ({km} km either side of the line); events outside it: {outside}.",
        "Figures in the corridors of the {n} sections ({km} km either side of the line); events outside them: "
        "{outside}.", n).format(outside=tr.number(outside.value), **fields)


def set_or_proposed(level_set: bool, tr: Translator) -> str:
    """Whether a section's level was set by a person or proposed by the rules."""
    return tr.gettext("set by an operator") if level_set else tr.gettext("proposed by the rules")
