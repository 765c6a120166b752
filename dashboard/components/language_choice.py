"""The sidebar's language choice, remembered per signed-in user in the store."""

from __future__ import annotations

import streamlit as st

from dashboard import state
from dashboard.cache import current_store
from dashboard.config import settings
from dashboard.i18n import _, language_name
from geo.i18n import LANGUAGES
from geo.store import preference, set_preference

LANGUAGE_PREFERENCE = "language"
"""The name the choice is kept under in the user preferences."""


RESHOWN: tuple[str, ...] = (state.TYPES, state.COV_PATROL_H, state.COV_VIEWSHED)
"""Widgets whose browser side keeps the chosen options' shown words: their values are handed back on a change of
language, so that they show in the new one (the chips of "Event types" stayed English after choosing Greek)."""


def _remember(user: str) -> None:
    set_preference(current_store(), user=user, name=LANGUAGE_PREFERENCE, value=st.session_state[state.LANGUAGE])
    for key in RESHOWN:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def language_choice(user: str) -> None:
    """A language menu; a session starts in the last choice of ``user`` (a user id), else the settings' default."""
    if state.LANGUAGE not in st.session_state:
        saved = preference(current_store(), user=user, name=LANGUAGE_PREFERENCE)
        st.session_state[state.LANGUAGE] = saved if saved in LANGUAGES else settings().language
    st.selectbox(_("Language"), list(LANGUAGES), format_func=language_name, key=state.LANGUAGE,
                 on_change=_remember, args=(user,))
