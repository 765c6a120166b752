"""The messages in the code, and the catalogs kept in step with them.

:func:`code_messages` extracts every message Babel finds in calls of ``_``, ``gettext``, ``ngettext``,
``N_`` and ``msg`` (an error message, :func:`geo.errors.msg`) in the Python files of Limes;
:func:`update_catalogs` adds the new ones to every language's ``.po`` file (untranslated) and drops the
ones the code no longer has. ``make catalogs`` runs it; a test fails while a catalog misses a message or keeps an obsolete one.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po, write_po

from geo.i18n.catalogs import DOMAIN, catalog_path
from geo.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES

SOURCES: Final[tuple[str, ...]] = ("geo", "layers", "dashboard", "streamlit_app.py", "report_form.py")
"""What is scanned for messages, relative to the repository (tests and benchmarks are not)."""
KEYWORDS: Final[dict[str, object]] = {**DEFAULT_KEYWORDS, "msg": None}
"""Babel's keywords and :func:`geo.errors.msg`, whose first argument is an error message's English template."""
DRAFT_NOTE: Final[str] = ("DRAFT translation, machine-assisted, awaiting review by a native speaker. "
                          "Terms follow docs/glossary.csv.")
"""Every non-English catalog's header says so until a reviewer removes it."""


def _python_files(root: Path) -> Iterator[Path]:
    for name in SOURCES:
        path = root / name
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def code_messages(root: Path) -> Catalog:
    """Every message of the Python files under ``root`` (see :data:`SOURCES`), with where it occurs."""
    catalog = Catalog(domain=DOMAIN, project="Limes")
    for path in _python_files(root):
        for line, message, comments, context in extract_from_file("python", path, keywords=KEYWORDS):
            catalog.add(message, locations=[(str(path.relative_to(root)), line)], auto_comments=comments,
                        context=context)
    return catalog


def read_catalog(code: str) -> Catalog:
    """Language ``code``'s catalog as Babel reads it (an empty one when there is no file yet)."""
    path = catalog_path(code)
    if not path.is_file():
        return Catalog(locale=LANGUAGES[code].locale, domain=DOMAIN, project="Limes")
    with path.open("rb") as handle:
        return read_po(handle, locale=LANGUAGES[code].locale, domain=DOMAIN)


def write_catalog(code: str, catalog: Catalog) -> None:
    """Write ``catalog`` as language ``code``'s ``.po`` file, sorted by message."""
    path = catalog_path(code)
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.project, catalog.version, catalog.fuzzy = "Limes", "", False
    language = LANGUAGES[code]
    catalog.header_comment = (f"# Limes: the {language.native_name} ({language.code}) catalog."
                              + ("" if code == DEFAULT_LANGUAGE else f"\n# {DRAFT_NOTE}"))
    with path.open("wb") as handle:
        write_po(handle, catalog, sort_output=True, ignore_obsolete=True, width=120, omit_header=False)


def update_catalogs(root: Path) -> dict[str, int]:
    """Bring every language's catalog in step with the code under ``root``; the number of messages each
    still lacks a translation for (English: 0, it is the source)."""
    template = code_messages(root)
    missing: dict[str, int] = {}
    for code in LANGUAGES:
        catalog = read_catalog(code)
        created = catalog.creation_date  # kept, so that a run without new messages changes no file
        catalog.update(template, no_fuzzy_matching=True)
        catalog.creation_date = created
        write_catalog(code, catalog)
        missing[code] = 0 if code == DEFAULT_LANGUAGE else sum(1 for m in catalog if m.id and not _translated(m.string))
    return missing


def _translated(string: str | tuple[str, ...] | list[str]) -> bool:
    return all(string) if isinstance(string, (tuple, list)) else bool(string)


if __name__ == "__main__":  # make catalogs
    for language, count in update_catalogs(Path(sys.argv[1] if len(sys.argv) > 1 else ".")).items():
        print(f"{language}: {count} untranslated")
