"""The public community report form: its own small app, apart from the control-room dashboard.

Started by ``limes public-form``, which hands it its settings as ``LIMES_*`` variables; the page itself
lives in :mod:`dashboard.public_form`.
"""

from __future__ import annotations

import streamlit as st

from dashboard.config import settings

# The tab's title is set by the form once it knows the reader's language (Streamlit merges the two calls).
st.set_page_config(page_icon=str(settings().static_dir / "limes-icon.png"), layout="centered")

from dashboard.public_form import render  # after the page config: the icon shows while the form loads

render()
