"""Names in the reader's script: Serbian Cyrillic to Latin, and the choice among a place's names.

Serbian is written in both scripts with a one-to-one letter mapping (the standard *gajica*), so the
``sr-Latn`` catalog is the ``sr`` catalog transliterated (a test keeps them in step) and a Serbian
place name can be shown to a Latin reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

SERBIAN_LATIN: Final[dict[str, str]] = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Ђ": "Đ", "Е": "E", "Ж": "Ž", "З": "Z", "И": "I",
    "Ј": "J", "К": "K", "Л": "L", "Љ": "Lj", "М": "M", "Н": "N", "Њ": "Nj", "О": "O", "П": "P", "Р": "R",
    "С": "S", "Т": "T", "Ћ": "Ć", "У": "U", "Ф": "F", "Х": "H", "Ц": "C", "Ч": "Č", "Џ": "Dž", "Ш": "Š",
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "đ", "е": "e", "ж": "ž", "з": "z", "и": "i",
    "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "ћ": "ć", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "č", "џ": "dž", "ш": "š",
}
"""Serbian Cyrillic letters and their Latin spelling (Љ, Њ, Џ become two letters)."""


def serbian_latin(text: str) -> str:
    """``text`` with its Serbian Cyrillic letters in Latin (anything else unchanged).

    A two-letter capital before a capital or at the end of an all-capital word is written in capitals
    (``ЉУБА`` → ``LJUBA``), before a small letter in title case (``Љуба`` → ``Ljuba``).
    """
    out: list[str] = []
    for i, char in enumerate(text):
        latin = SERBIAN_LATIN.get(char, char)
        if len(latin) == 2 and char.isupper():
            following = text[i + 1] if i + 1 < len(text) else ""
            previous = text[i - 1] if i else ""
            if following.isupper() or (not following.isalpha() and previous.isupper()):
                latin = latin.upper()
        out.append(latin)
    return "".join(out)


def name_for_reader(names: Mapping[str, str | None], language: str, *, local: str | None, latin: str) -> str:
    """A place's name for a reader of ``language``: the name in that language where the data has one,
    else the local name, else the Latin one.

    ``names`` maps language codes (``el``, ``mk``, ``sr``, ...) to names; for ``sr-Latn`` the Serbian
    name is transliterated when no Latin Serbian name is given.
    """
    own = names.get(language)
    if not own and language == "sr-Latn" and names.get("sr"):
        own = serbian_latin(str(names["sr"]))
    return own or local or latin
