"""The Data page: upload a file, choose or adjust its mapping with a preview, import, browse the quarantine."""

from __future__ import annotations

import streamlit as st

from dashboard import cache
from dashboard.auth import require_page
from dashboard.components.imports import import_panel, quarantine_browser
from dashboard.i18n import _


def render() -> None:
    """The import panel, then the quarantine browser."""
    who = require_page("data")
    st.markdown(_("### Data"))
    import_panel(who)
    st.divider()
    quarantine_browser(cache.current_store())


render()
