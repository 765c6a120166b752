"""The Streamlit UI and the ``limes`` command line: the only package that imports Streamlit."""
