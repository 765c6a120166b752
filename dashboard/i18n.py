"""This session's language and the text pages show in it.

The language is the session's choice (the sidebar, or the public form's language menu), else the
settings' default (``LIMES_LANG``). Pages call :func:`_` and :func:`ngettext` with English messages
that are complete sentences with named fields, and format numbers and times with :func:`tr`.
"""

from __future__ import annotations

import streamlit as st

from dashboard import state
from dashboard.config import settings
from geo.i18n import LANGUAGES, Translator, translator


def session_language() -> str:
    """The language code this session shows its pages in."""
    chosen = st.session_state.get(state.LANGUAGE)
    return chosen if chosen in LANGUAGES else settings().language


def tr() -> Translator:
    """This session's :class:`~geo.i18n.Translator`."""
    return translator(session_language())


def _(message: str) -> str:
    """``message`` in this session's language."""
    return tr().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` this session's language uses for ``n``."""
    return tr().ngettext(singular, plural, n)


def language_name(code: str) -> str:
    """A language as its own speakers name it (``Ελληνικά``), for language menus."""
    return LANGUAGES[code].native_name


def border_zone() -> str:
    """The IANA time zone of the watched border's side (the region's), for local times beside UTC."""
    return settings().region.time_zone
