"""The languages Limes speaks, as codes users type (``el``, ``sr-Latn``) and the Babel locales behind them.

A language code names a catalog (``geo/i18n/locale/<locale>/LC_MESSAGES/limes.po``) and the locale
that formats its dates and numbers. Serbian comes in its two scripts: ``sr`` is Cyrillic, ``sr-Latn``
Latin.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from geo.errors import InputError, msg


@dataclass(frozen=True)
class Language:
    """One language of the interface: its code (BCP 47), its Babel locale, its own name and its script."""

    code: str
    locale: str
    native_name: str
    script: str


LANGUAGES: Final[dict[str, Language]] = {lang.code: lang for lang in (
    Language("en", "en", "English", "Latn"),
    Language("el", "el", "Ελληνικά", "Grek"),
    Language("mk", "mk", "Македонски", "Cyrl"),
    Language("sq", "sq", "Shqip", "Latn"),
    Language("bg", "bg", "Български", "Cyrl"),
    Language("sr", "sr", "Српски", "Cyrl"),
    Language("sr-Latn", "sr_Latn", "Srpski (latinica)", "Latn"),
)}
"""Every language with a catalog, in the order the language choice lists them."""
DEFAULT_LANGUAGE: Final[str] = "en"


def parse_language(text: str) -> str:
    """The language code ``text`` names (``EL``, ``sr_latn`` and ``sr-Latn`` alike), or :class:`InputError`."""
    wanted = text.strip().replace("_", "-").lower()
    for code in LANGUAGES:
        if code.lower() == wanted:
            return code
    raise InputError(msg("unknown language {code!r}: choose one of {languages}",
                         code=text.strip()[:20], languages=", ".join(LANGUAGES)))


def negotiate(preferred: Iterable[str | None], *, fallback: str = DEFAULT_LANGUAGE) -> str:
    """The first of a browser's ``preferred`` languages (``sr-Latn-RS``, ``mk-MK``, ``el``) that Limes speaks.

    A region subtag is ignored; Serbian asked without a script is Cyrillic. No match gives ``fallback``.
    """
    for tag in preferred:
        if not tag:
            continue
        parts = tag.strip().replace("_", "-").split("-")
        base = parts[0].lower()
        if base == "sr" and any(p.lower() == "latn" for p in parts[1:]):
            return "sr-Latn"
        if base in LANGUAGES:
            return base
    return fallback
