"""The public community report form: its own small app, apart from the control-room dashboard.

Started by ``limes public-form``; the page itself lives in :mod:`dashboard.public_form`.
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Report to the border police", page_icon="static/limes-icon.png", layout="centered")

from dashboard.public_form import render  # after the page config, as Streamlit requires

render()
