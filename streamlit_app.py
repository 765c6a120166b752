"""Limes: the picture frame. Page config (the tab's title in the reader's language), the access gate, role-based
navigation and the shared sidebar header.

Its settings come from the ``LIMES_*`` environment (:func:`dashboard.config.settings`), where ``limes serve``
puts them; the pages are found wherever the ``dashboard`` package is installed.
"""

from __future__ import annotations

import streamlit as st

from dashboard.config import PAGES_DIR, settings
from dashboard.preload import preload_map_bundle

# The tab's title follows once the reader's language is known (below); Streamlit merges the two calls.
st.set_page_config(page_icon=str(settings().static_dir / "limes-icon.png"), layout="wide")
# Before the imports below (about a second on a first run): the browser fetches the map code meanwhile.
preload_map_bundle()

from dashboard import state  # noqa: E402
from dashboard.auth import audit, sidebar_identity, viewer, visible_pages  # noqa: E402
from dashboard.components.language_choice import language_choice  # noqa: E402
from dashboard.i18n import _  # noqa: E402

# Every page, keyed as geo.trust.access.PAGE_ROLES keys them; a role sees only its own in the navigation.
PAGES = {
    "map": lambda: st.Page(PAGES_DIR / "live_map.py", title=_("Map"), icon=":material/map:"),
    "moderation": lambda: st.Page(PAGES_DIR / "moderation.py", title=_("Moderation"), icon=":material/fact_check:"),
    "incidents": lambda: st.Page(PAGES_DIR / "incidents.py", title=_("Incidents"), icon=":material/local_police:"),
    "briefing": lambda: st.Page(PAGES_DIR / "briefing.py", title=_("Briefing"), icon=":material/summarize:"),
    "coverage": lambda: st.Page(PAGES_DIR / "coverage.py", title=_("Coverage"), icon=":material/visibility:"),
    "data": lambda: st.Page(PAGES_DIR / "data.py", title=_("Data"), icon=":material/upload_file:"),
    "audit": lambda: st.Page(PAGES_DIR / "audit.py", title=_("Audit log"), icon=":material/policy:"),
}

who = viewer()
with st.sidebar:
    st.markdown("## Limes")
    language_choice(who.user_id)
    st.set_page_config(page_title=_("Limes · border situational awareness"))  # the browser tab, in that language
    st.caption(_("Border situational awareness · offline"))
    sidebar_identity(who)

pages = [PAGES[name]() for name in visible_pages(who) if name in PAGES]
if not pages:
    audit(who, "access_denied", target="app", outcome="denied", detail="no role")
    st.error(_("Your account has no Limes role. Ask an administrator to add one of your groups to the allow-list."))
    st.stop()
navigation = st.navigation(pages, position="sidebar")
st.session_state[state.PAGE_CHANGED] = st.session_state.get(state.PAGE) != navigation.url_path
st.session_state[state.PAGE] = navigation.url_path
navigation.run()
