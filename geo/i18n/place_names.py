"""Town names for a reader: the town's own name where the reader's language is the town's, else its local name
when the reader's script writes it, else the Latin one (see :func:`geo.i18n.name_for_reader`).

Our data names each town in Latin (``name``) and, where GeoNames or the region's gazetteer has it, in its
country's own script (``name_local``: Гевгелија, Ειδομένη); no source we ship names a town in every language.
So a Macedonian reads Гевгелија and a Bulgarian town's Cyrillic name (their script), a Greek reads Ειδομένη
and ``Gevgelija`` (Latin rather than a script he may not read), a Serbian in Latin script reads a Serbian
town's Cyrillic name transliterated.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from geo.i18n.languages import LANGUAGES
from geo.i18n.scripts import name_for_reader

COUNTRY_LANGUAGE: Final[dict[str, str]] = {"GRC": "el", "CYP": "el", "MKD": "mk", "BGR": "bg", "SRB": "sr",
                                           "ALB": "sq", "KOS": "sq"}
"""The language a country's local names (``name_local``) are in (ISO3 ``adm0_a3``; Kosovo: Natural Earth's code)."""
_SCRIPTS: Final[dict[str, str]] = {"LATIN": "Latn", "GREEK": "Grek", "CYRILLIC": "Cyrl"}


def script_of(text: str) -> str | None:
    """The script of ``text``'s first letter (``Latn``, ``Grek``, ``Cyrl``; ``Zyyy`` for others), ``None``
    without letters."""
    for char in text:
        if char.isalpha():
            return _SCRIPTS.get(unicodedata.name(char, "").split(" ")[0], "Zyyy")
    return None


def town_name(*, latin: str, local: str | None, country: str | None, language: str) -> str:
    """The name of a town (``latin``, its ``local`` name or ``None``, ``country`` ISO3) for a reader of
    ``language``."""
    local = local if isinstance(local, str) and local.strip() else None
    names = {"en": latin}
    own = COUNTRY_LANGUAGE.get(country or "")
    if own and local:
        names[own] = local
    readable = local if local and script_of(local) == LANGUAGES[language].script else None
    return name_for_reader(names, language, local=readable, latin=latin)
