"""Moments and windows of time in a reader's locale, in UTC with the border's local time beside them.

``30 Νοε 14:05`` in Greek, ``30.11. 14:05`` style where the locale writes it so; the year only when it is
not the current one. Times are always UTC first (the control room's clock), the border's local time after.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, get_datetime_format

from geo.i18n.catalogs import Translator


def day(tr: Translator, when: datetime, *, skeleton: str = "MMMd", zone: str = "UTC") -> str:
    """The day of ``when`` in ``zone`` as the locale writes the date ``skeleton`` (``MMMd``: ``30 Νοε``)."""
    return format_skeleton(skeleton, when, tzinfo=ZoneInfo(zone), locale=tr.language.locale)


def moment(tr: Translator, when: datetime, *, now: datetime, zone: str = "UTC") -> str:
    """``when`` (aware) as day, month and time in ``zone`` (UTC by default), with the year when it is not
    ``now``'s year: the locale's date and time joined the locale's way."""
    date_part = day(tr, when, skeleton="MMMd" if when.year == now.year else "yMMMd", zone=zone)
    return get_datetime_format("medium", locale=tr.language.locale).format(clock(tr, when, zone=zone), date_part)


def clock(tr: Translator, when: datetime, *, zone: str = "UTC") -> str:
    """The time of day of ``when`` in ``zone`` (``14:05``)."""
    return format_skeleton("Hm", when, tzinfo=ZoneInfo(zone), locale=tr.language.locale)


def window_text(tr: Translator, start: datetime, end: datetime, *, now: datetime, zone: str) -> str:
    """A window heading: ``21 Nov 00:00 – 28 Nov 00:00 UTC (02:00 – 02:00 local time)``."""
    with_year = not (start.year == end.year == now.year)
    reference = now if not with_year else datetime(1, 1, 1, tzinfo=timezone.utc)
    return tr.gettext("{start} – {end} UTC ({local_start} – {local_end} local time)").format(
        start=moment(tr, start, now=reference), end=moment(tr, end, now=reference),
        local_start=clock(tr, start, zone=zone), local_end=clock(tr, end, zone=zone))


def moment_with_local(tr: Translator, when: datetime, *, now: datetime, zone: str) -> str:
    """``when`` in UTC with the border's local time beside it: ``28 Nov 14:00 UTC (16:00 local time)``."""
    return tr.gettext("{utc} UTC ({local} local time)").format(utc=moment(tr, when, now=now),
                                                              local=clock(tr, when, zone=zone))
