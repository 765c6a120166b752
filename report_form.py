"""The public community report form: its own small app, apart from the control-room dashboard.

Started by ``limes public-form``, which hands it its settings as ``LIMES_*`` variables; the page itself
lives in :mod:`dashboard.public_form`.
"""

from __future__ import annotations

import streamlit as st

from dashboard.config import settings

st.set_page_config(page_title="Report to the border police", page_icon=str(settings().static_dir / "limes-icon.png"),
                   layout="centered")

from dashboard.public_form import render  # after the page config, as Streamlit requires

render()
