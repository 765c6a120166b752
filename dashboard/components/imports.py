"""Panels of the Data page: import a file (mapping, preview, import report) and browse the quarantine."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd
import streamlit as st

from dashboard import cache, config, state
from dashboard.auth import Viewer, audit
from dashboard.plain import plain
from dashboard.uploads import saved_upload
from geo.errors import LimesError, describe
from geo.ingest import (
    PRESETS,
    REASONS,
    SUPPORTED,
    UploadLimits,
    import_file,
    mapping_from_toml,
    mapping_to_toml,
    preview_file,
)
from geo.store import Store, quarantine_frame, quarantine_reasons

UPLOAD_LIMITS: Final[UploadLimits] = UploadLimits()
"""What an upload may be; ``max_bytes`` matches ``server.maxUploadSize``, checked here too so the message is ours."""
AUTO: Final[str] = "detect from the columns"
REPORT_FIGURES: Final[tuple[str, ...]] = ("read", "inserted", "duplicates", "quarantined")


def _import_report(report: dict[str, object]) -> None:
    cols = st.columns(len(REPORT_FIGURES))
    for col, key in zip(cols, REPORT_FIGURES, strict=True):
        col.metric(key.capitalize(), f"{int(report[key]):,}", border=True)
    reasons = report["reasons"]
    if reasons:
        st.dataframe(
            pd.DataFrame([{"reason": k, "rows": v, "meaning": REASONS.get(k, "")} for k, v in dict(reasons).items()]),
            hide_index=True, width="stretch",
        )


def import_panel(who: Viewer) -> None:
    """Upload, choose or edit the mapping with a preview of the first rows, import (audited), and its report.

    The upload is checked by the upload guard before any parser sees it and lives on disk only
    while this panel draws (:func:`dashboard.uploads.saved_upload`).
    """
    st.subheader("Import a file")
    st.caption(f"Accepted: {', '.join(SUPPORTED)}, or one of them in a .zip (a Shapefile with its .shx, .dbf, .prj) "
               f"· at most {UPLOAD_LIMITS.max_bytes // 2**20} MB · larger files: `limes import PATH`")
    upload = st.file_uploader("Event file", type=[s.lstrip(".") for s in (*SUPPORTED, ".zip")], key=state.UPLOAD)
    if upload is None:
        return
    try:
        with saved_upload(upload, allowed=frozenset(SUPPORTED), limits=UPLOAD_LIMITS) as path:
            _map_and_import(path, upload.name, upload.file_id, who)
    except LimesError as exc:  # only the upload guard's refusal reaches here
        st.error(f"{plain(exc)}. Nothing was imported.")
        audit(who, "import", target=upload.name, outcome="denied", detail=str(exc))


def _map_and_import(path: Path, name: str, file_id: str, who: Viewer) -> None:
    choice = st.selectbox("Mapping", [AUTO, *PRESETS, "generic"], key=state.MAPPING_CHOICE)
    try:
        chosen, _ = preview_file(path, mapping=None if choice == AUTO else choice)
        toml_text = st.text_area("Mapping (TOML, editable)", value=mapping_to_toml(chosen), height=220,
                                 key=state.mapping_toml(file_id, choice))
        mapping = mapping_from_toml(toml_text, default_name=chosen.name)
        _, preview = preview_file(path, mapping=mapping)
    except LimesError as exc:
        st.error(plain(describe(exc)))
        return
    st.markdown(f"**Preview** of the first rows: {len(preview.events)} would be imported, "
                f"{len(preview.quarantine)} quarantined.")
    st.dataframe(preview.events.drop(columns=["cell"]).head(20), hide_index=True, width="stretch",
                 key=state.PREVIEW_EVENTS)
    if not preview.quarantine.empty:
        st.dataframe(preview.quarantine[["row_number", "reason", "detail"]], hide_index=True, width="stretch",
                     key=state.PREVIEW_QUARANTINE)
    if st.button("Import", type="primary", key=state.DO_IMPORT):
        try:
            with st.spinner(f"Importing {name}…"):
                report = import_file(path, cache.current_store(), mapping=mapping,
                                     earliest=config.settings().earliest_event)
        except LimesError as exc:
            st.error(plain(describe(exc)))
            return
        st.session_state[state.LAST_IMPORT] = report.as_dict()
        audit(who, "import", target=name, detail=f"mapping {mapping.name}: {report.inserted} inserted, "
                                                 f"{report.duplicates} duplicates, {report.quarantined} quarantined")
    if state.LAST_IMPORT in st.session_state:
        st.success(f"Imported {plain(st.session_state[state.LAST_IMPORT]['file_name'])}")
        _import_report(st.session_state[state.LAST_IMPORT])


def quarantine_browser(store: Store) -> None:
    """The rejected rows by reason, newest first."""
    st.subheader("Quarantine")
    reasons = quarantine_reasons(store)
    if not reasons:
        st.caption("No rejected rows.")
        return
    labels = {code: f"{code} ({n:,})" for code, n in reasons.items()}
    picked = st.selectbox("Reason", ["all", *reasons], format_func=lambda c: labels.get(c, "all reasons"),
                          key=state.QUARANTINE_REASON)
    rows = quarantine_frame(store, reason=None if picked == "all" else picked, limit=500)
    st.dataframe(rows[["quarantined_at", "file_name", "row_number", "reason", "detail", "raw"]], hide_index=True,
                 width="stretch", key=state.QUARANTINE_ROWS)
    st.caption("Row numbers count the rows the parser could read; 0 marks a line it could not split into fields.")
