"""pydeck layer builders, colour ramps, legends and the offline basemap. Never imports Streamlit."""
