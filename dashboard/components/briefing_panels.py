"""Panels of the Briefing page: the section table, a section's level with evidence and history, the downloads.

Only a viewer with the ``set_level`` capability (commanders) sees the form that sets a level; the
level is recorded under the signed-in identity and audited, as is every download.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.auth import Viewer, audit
from geo.briefing import (
    LEVEL_COLOURS,
    REACTIONS,
    SECTION_LEVELS,
    Briefing,
    cells_csv,
    level_history,
    record_level,
    render_map_png,
    render_pdf,
    sections_csv,
    sections_geojson,
    sections_geoparquet,
)
from geo.errors import LimesError
from geo.spatial import Basemap
from geo.store import Store
from geo.trust import may

_BADGE: dict[str, str] = {"low": "green", "medium": "orange", "high": "red", "critical": "violet"}
"""Streamlit's named background colours nearest to :data:`geo.briefing.levels.LEVEL_COLOURS`."""


def section_table(briefing: Briefing) -> None:
    """Sections sorted by level, then by change: level, proposal, events, change, persons, shares."""
    s = briefing.sections
    table = pd.DataFrame({
        "Section": s["name"], "Level": s["level"],
        "Proposed": s["proposed_level"], "Events": s["events"], "Change %": s["change_pct"].round(0).astype("Int64"),
        "Persons": s["persons"], "Hot cells %": (100 * s["hot_share"]).round(0),
        "Covered %": (100 * s["coverage_share"]).round(0),
    })
    st.markdown("**Sections, highest level and largest rise first**")
    # Level cells in the level's colour (no emoji: the control room's browsers may have no emoji font).
    styled = table.style.map(lambda level: f"background-color: {LEVEL_COLOURS[level]}; color: white; font-weight: 600",
                             subset=["Level"]).format(precision=0, na_rep="")
    st.dataframe(styled, hide_index=True, height=36 * (len(table) + 1) + 3, width="stretch", key="briefing_table")
    st.caption(f"Empty cells: fewer than {briefing.k} (suppressed). Covered %: switch on “Covered share of each section” under Sections and suppression.")


def level_panel(store: Store, row: pd.Series, *, section_id: str, who: Viewer) -> None:
    """The section's level, the evidence of the proposal, the Art. 35 checklist, and setting the level."""
    level = str(row["level"])
    how = "set by an operator" if row["level_set"] else "proposed by the rules"
    st.markdown(f"#### Level :{_BADGE[level]}-background[{level.upper()}] · {how}")
    st.markdown(f"**Evidence for the proposal ({row['proposed_level']})**")
    for line in row["evidence"]:
        st.markdown(f"- `{line}`")
    st.markdown(f"**Reactions at level {level}** (Regulation (EU) 2019/1896 Art. 35)")
    st.markdown("\n".join(f"- [ ] {reaction}" for reaction in REACTIONS[level]))
    if may(who.roles, "set_level"):
        _level_form(store, row, section_id=section_id, level=level, who=who)
    history = level_history(store, section_id=section_id)
    st.markdown("**History**")
    if history.empty:
        st.caption("No level set by hand yet: the proposal applies.")
    else:
        st.dataframe(history[["set_at", "level", "proposed_level", "set_by", "comment"]], hide_index=True,
                     width="stretch", key="level_history")


def _level_form(store: Store, row: pd.Series, *, section_id: str, level: str, who: Viewer) -> None:
    with st.form(key="set_level", clear_on_submit=True):
        st.markdown(f"**Set the level** (recorded as {who.user_id})")
        chosen = st.selectbox("Level", SECTION_LEVELS, index=SECTION_LEVELS.index(level), key="level_choice",
                              help="critical is temporary: for a crisis putting the Schengen area at risk (Art. 34(2)).")
        comment = st.text_area("Comment (required)", key="level_comment")
        if st.form_submit_button("Record level"):
            try:
                # The decision and its audit entry are one transaction: neither lands without the other.
                with store.transaction() as tx:
                    record_level(tx, section_id=section_id, level=chosen, proposed_level=str(row["proposed_level"]),
                                 evidence=tuple(row["evidence"]), comment=comment, set_by=who.user_id,
                                 at=pd.Timestamp.now(tz="UTC").to_pydatetime())
                    audit(who, "level_set", target=section_id, detail=f"{level} -> {chosen}: {comment[:200]}", db=tx)
                st.rerun()
            except LimesError as exc:
                st.error(str(exc))


def downloads(briefing: Briefing, basemap: Basemap, who: Viewer) -> None:
    """The briefing pack and the aggregated figures, generated when a button is clicked."""
    stamp = f"{briefing.window.start:%Y%m%d}-{briefing.window.end:%Y%m%d}"
    st.markdown(f"**Briefing pack** · every count below k={briefing.k} suppressed; no individual events")
    cols = st.columns(6)
    items = (
        ("PDF briefing", lambda: render_pdf(briefing, basemap), f"limes-briefing-{stamp}.pdf", "application/pdf"),
        ("PNG map", lambda: render_map_png(briefing, basemap), f"limes-map-{stamp}.png", "image/png"),
        ("CSV sections", lambda: sections_csv(briefing), f"limes-sections-{stamp}.csv", "text/csv"),
        ("GeoJSON sections", lambda: sections_geojson(briefing), f"limes-sections-{stamp}.geojson",
         "application/geo+json"),
        ("GeoParquet sections", lambda: sections_geoparquet(briefing), f"limes-sections-{stamp}.parquet",
         "application/vnd.apache.parquet"),
        ("CSV hexagons", lambda: cells_csv(briefing), f"limes-hexagons-{stamp}.csv", "text/csv"),
    )
    for col, (label, data, file_name, mime) in zip(cols, items):
        with col:
            st.download_button(label, data=data, file_name=file_name, mime=mime, on_click=audit,
                               args=(who, "export"), kwargs={"target": file_name, "detail": f"k={briefing.k}"},
                               key=f"download-{file_name.split('-')[1]}-{file_name.rsplit('.', 1)[1]}")
