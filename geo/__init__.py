"""The pure core of Limes: domain model, H3 grid, aggregation, terrain and the scenario.

Nothing in this package imports Streamlit or pydeck (enforced by import-linter).
"""
