"""The users' own languages: gettext catalogs with plural forms, the locale's numbers and dates (Babel),
and names in the reader's script.

Code that shows text takes a :class:`Translator` and never joins translated parts into a sentence.
"""

from geo.i18n.catalogs import DOMAIN, LOCALE_DIR, N_, Translator, catalog_path, translator
from geo.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES, Language, negotiate, parse_language
from geo.i18n.moments import clock, day, moment, moment_with_local, window_text
from geo.i18n.place_names import official_languages, script_of, town_name
from geo.i18n.scripts import name_for_reader, serbian_latin

__all__ = ["DEFAULT_LANGUAGE", "DOMAIN", "N_", "LANGUAGES", "LOCALE_DIR", "Language", "Translator", "catalog_path",
           "clock", "day", "moment", "moment_with_local", "name_for_reader", "negotiate", "official_languages",
           "parse_language", "script_of", "serbian_latin", "town_name", "translator", "window_text"]
