"""Limes: the picture frame. Page config, navigation and the shared sidebar header."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Limes · border situational awareness", page_icon="static/limes-icon.png", layout="wide")

with st.sidebar:
    st.markdown("## Limes")
    st.caption("Border situational awareness · offline")

navigation = st.navigation(
    [
        st.Page("dashboard/pages/live_map.py", title="Map", icon=":material/map:", default=True),
        st.Page("dashboard/pages/briefing.py", title="Briefing", icon=":material/summarize:"),
        st.Page("dashboard/pages/coverage.py", title="Coverage"),
        st.Page("dashboard/pages/data.py", title="Data", icon=":material/upload_file:"),
    ],
    position="sidebar",
)
navigation.run()
