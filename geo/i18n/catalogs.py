"""The gettext catalogs and a :class:`Translator` per language: messages, plural forms, and the locale's
numbers, dates, times and durations (Babel).

The catalogs are the ``.po`` files under ``geo/i18n/locale/<locale>/LC_MESSAGES/limes.po``, read
and compiled in memory on first use (no ``.mo`` files to keep in step). Messages are Python format
strings with named fields (``"{n} new report"``): a translation reorders the fields, never concatenates
translated parts. English is the source language; its catalog holds no translations, every other
catalog is complete (a test extracts the messages from the code and compares).
"""

from __future__ import annotations

import copy
import gettext
import importlib.resources
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_timedelta, get_datetime_format
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from geo.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES, Language, parse_language

DOMAIN: Final[str] = "limes"
LOCALE_DIR: Final[Path] = Path(str(importlib.resources.files("geo.i18n"))) / "locale"
"""``<locale>/LC_MESSAGES/limes.po`` per language (``sr_Latn`` for ``sr-Latn``)."""


def catalog_path(code: str) -> Path:
    """The ``.po`` file of language ``code``."""
    return LOCALE_DIR / LANGUAGES[code].locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@dataclass(frozen=True)
class Translator:
    """Messages and formats in one language. Pure: nothing global is switched, so sessions of one server
    (threads) can each use their own."""

    language: Language
    catalog: gettext.NullTranslations

    @property
    def code(self) -> str:
        return self.language.code

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.language.locale)

    def gettext(self, message: str) -> str:
        """``message`` in this language (the English text where the catalog has none)."""
        return self.catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form of ``singular``/``plural`` this language uses for ``n`` (Serbian has three)."""
        return self.catalog.ngettext(singular, plural, n)

    def number(self, value: float, *, decimals: int | None = None) -> str:
        """``value`` with the locale's separators (``1.234,5`` in Greek); ``decimals`` fixes the digits."""
        pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
        return format_decimal(value, format=pattern, locale=self.language.locale)

    def percent(self, fraction: float, *, decimals: int = 0) -> str:
        """``fraction`` (0.805) as the locale writes a percentage (``80 %`` in Macedonian), with exactly ``decimals``
        digits after the locale's decimal sign (``0,0%``)."""
        pattern = copy.copy(Locale.parse(self.language.locale).percent_formats[None])
        pattern.frac_prec = (decimals, decimals)
        return pattern.apply(round(fraction, decimals + 2), Locale.parse(self.language.locale))

    def listing(self, items: Sequence[str]) -> str:
        """``items`` as the locale lists them (``A, B и C``); each item is a whole message already."""
        return format_list(list(items), locale=self.language.locale) if items else ""

    def date(self, day: date) -> str:
        """``day`` in the locale's medium form (``30 Νοε 2026``)."""
        return format_date(day, "medium", locale=self.language.locale)

    def utc_and_local(self, moment: datetime, zone: str) -> str:
        """``moment`` (aware) as date and time in UTC, with the time at the border (time zone ``zone``,
        an IANA name such as the region's) beside it."""
        utc = moment.astimezone(timezone.utc)
        locale = self.language.locale
        stamp = get_datetime_format("medium", locale=locale).format(
            format_skeleton("Hm", utc, tzinfo=timezone.utc, locale=locale), format_date(utc.date(), "medium", locale=locale))
        return self.gettext("{utc} UTC ({local} local time)").format(
            utc=stamp,
            local=format_skeleton("Hm", utc, tzinfo=ZoneInfo(zone), locale=self.language.locale))

    def ago(self, elapsed: timedelta) -> str:
        """How long ago, in words (``πριν από 3 ώρες``, ``пре 3 сата``); ``elapsed`` ≥ 0 is in the past."""
        return format_timedelta(-elapsed, add_direction=True, threshold=1.0, locale=self.language.locale)

    def duration(self, length: timedelta) -> str:
        """A length of time in words (``7 дена``), rounded to its largest unit."""
        return format_timedelta(length, threshold=1.0, locale=self.language.locale)


def load_catalog(code: str) -> gettext.NullTranslations:
    """Language ``code``'s catalog compiled in memory (an empty one for English, the source language)."""
    path = catalog_path(code)
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=LANGUAGES[code].locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@lru_cache(maxsize=len(LANGUAGES))
def translator(code: str = DEFAULT_LANGUAGE) -> Translator:
    """The :class:`Translator` of language ``code`` (any spelling :func:`parse_language` takes)."""
    code = parse_language(code)
    return Translator(language=LANGUAGES[code], catalog=load_catalog(code))


def N_(message: str) -> str:
    """Marks ``message`` for the catalogs where it is defined (a label table, a constant) and returns it
    unchanged; the code that shows it translates it then with :meth:`Translator.gettext`."""
    return message
