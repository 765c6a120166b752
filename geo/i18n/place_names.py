"""Town names for a reader: the town's own name where the reader's language is one its country speaks, else its local
name when the reader's script writes it, else the Latin one (see :func:`geo.i18n.name_for_reader`).

Our data names each town in Latin (``name``) and, where GeoNames or the region's gazetteer has it, in its
country's own script (``name_local``: Гевгелија, Ειδομένη); no source we ship names a town in every language.
So a Macedonian reads Гевгелија and a Bulgarian town's Cyrillic name (their script), a Greek reads Ειδομένη
and ``Gevgelija`` (Latin rather than a script he may not read), a Serbian in Latin script reads a Serbian
town's Cyrillic name transliterated. Which languages a country speaks comes from CLDR (Babel), by its ISO 3166
two-letter code.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from babel.languages import get_official_languages

from geo.i18n.languages import LANGUAGES
from geo.i18n.scripts import name_for_reader

_SCRIPTS: Final[dict[str, str]] = {"LATIN": "Latn", "GREEK": "Grek", "CYRILLIC": "Cyrl"}
_BY_LOCALE: Final[dict[str, str]] = {language.locale: code for code, language in LANGUAGES.items()}


def script_of(text: str) -> str | None:
    """The script of ``text``'s first letter (``Latn``, ``Grek``, ``Cyrl``; ``Zyyy`` for others), ``None``
    without letters."""
    for char in text:
        if char.isalpha():
            return _SCRIPTS.get(unicodedata.name(char, "").split(" ")[0], "Zyyy")
    return None


def official_languages(iso2: str | None) -> tuple[str, ...]:
    """The languages of ours a country (ISO 3166 alpha-2, ``MK``) speaks officially (CLDR): ``("mk",)``."""
    if not iso2:
        return ()
    return tuple(_BY_LOCALE[locale] for locale in get_official_languages(iso2) if locale in _BY_LOCALE)


def town_name(*, latin: str, local: str | None, spoken: tuple[str, ...], language: str) -> str:
    """The name of a town (``latin``, its ``local`` name or ``None``, the languages its country speaks ``spoken``,
    see :func:`official_languages`) for a reader of ``language``."""
    local = local if isinstance(local, str) and local.strip() else None
    names = {"en": latin}
    if local:
        names.update({code: local for code in spoken if LANGUAGES[code].script == script_of(local)})
    readable = local if local and script_of(local) == LANGUAGES[language].script else None
    return name_for_reader(names, language, local=readable, latin=latin)
