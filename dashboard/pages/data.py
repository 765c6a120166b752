"""The Data page: upload a file, choose or adjust its mapping with a preview, import, browse the quarantine."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Final

import pandas as pd
import streamlit as st

from dashboard import cache
from dashboard.auth import Viewer, audit, require_page
from geo.errors import LimesError
from geo.ingest import (
    PRESETS,
    REASONS,
    SUPPORTED,
    UploadLimits,
    guard_upload,
    import_file,
    mapping_from_toml,
    mapping_to_toml,
    preview_file,
)
from geo.store import quarantine_frame, quarantine_reasons

MAX_UPLOAD_MB: Final[int] = 50
"""Matches ``server.maxUploadSize``; checked here too so the message is ours."""
AUTO = "detect from the columns"


def _saved_upload(upload: st.runtime.uploaded_file_manager.UploadedFile) -> Path:
    """The checked upload in a private temporary folder (parsers go by suffix), written once.

    :func:`geo.ingest.upload_guard.guard_upload` refuses it before any parser sees it when it is too
    large, a zip bomb, or an archive with paths outside itself. The previous upload's folder is
    removed when another one arrives.
    """
    saved = st.session_state.get("saved_upload")
    if saved and saved[0] == upload.file_id and Path(saved[1]).exists():
        return Path(saved[1])
    if saved:
        shutil.rmtree(Path(saved[1]).parent, ignore_errors=True)
        st.session_state.pop("saved_upload")
    folder = Path(tempfile.mkdtemp(prefix="limes-upload-"))
    try:
        path = guard_upload(upload.name, upload.getvalue(), folder, allowed=frozenset(SUPPORTED),
                            limits=UploadLimits(max_bytes=MAX_UPLOAD_MB * 1024 * 1024))
    except LimesError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    st.session_state["saved_upload"] = (upload.file_id, str(path))
    return path


def _report(report: dict[str, object]) -> None:
    cols = st.columns(4)
    for col, key in zip(cols, ("read", "inserted", "duplicates", "quarantined")):
        col.metric(key.capitalize(), f"{int(report[key]):,}", border=True)
    reasons = report["reasons"]
    if reasons:
        st.dataframe(
            pd.DataFrame([{"reason": k, "rows": v, "meaning": REASONS.get(k, "")} for k, v in dict(reasons).items()]),
            hide_index=True, width="stretch",
        )


def upload_section(who: Viewer) -> None:
    st.subheader("Import a file")
    st.caption(f"Accepted: {', '.join(SUPPORTED)}, or one of them in a .zip (a Shapefile with its .shx, .dbf, .prj) "
               f"· at most {MAX_UPLOAD_MB} MB · larger files: `limes import PATH`")
    upload = st.file_uploader("Event file", type=[s.lstrip(".") for s in (*SUPPORTED, ".zip")], key="upload")
    if upload is None:
        return
    try:
        path = _saved_upload(upload)
    except LimesError as exc:
        st.error(f"{exc}. Nothing was imported.")
        audit(who, "import", target=upload.name, outcome="denied", detail=str(exc))
        return
    choice = st.selectbox("Mapping", [AUTO, *PRESETS, "generic"], key="mapping_choice")
    try:
        chosen, _ = preview_file(path, mapping=None if choice == AUTO else choice)
        toml_text = st.text_area("Mapping (TOML, editable)", value=mapping_to_toml(chosen), height=220,
                                 key=f"mapping_toml_{upload.file_id}_{choice}")
        mapping = mapping_from_toml(toml_text, default_name=chosen.name)
        _, preview = preview_file(path, mapping=mapping)
    except LimesError as exc:
        st.error(str(exc))
        return
    st.markdown(f"**Preview** of the first rows: {len(preview.events)} would be imported, "
                f"{len(preview.quarantine)} quarantined.")
    shown = preview.events.drop(columns=["cell"]).head(20)
    st.dataframe(shown, hide_index=True, width="stretch", key="preview_events")
    if not preview.quarantine.empty:
        st.dataframe(preview.quarantine[["row_number", "reason", "detail"]], hide_index=True, width="stretch",
                     key="preview_quarantine")
    if st.button("Import", type="primary", key="do_import"):
        try:
            with st.spinner(f"Importing {upload.name}…"):
                report = import_file(path, cache.current_store(), mapping=mapping)
        except LimesError as exc:
            st.error(str(exc))
            return
        st.session_state["last_import"] = report.as_dict()
        audit(who, "import", target=upload.name, detail=f"mapping {mapping.name}: {report.inserted} inserted, "
                                                        f"{report.duplicates} duplicates, {report.quarantined} quarantined")
    if "last_import" in st.session_state:
        st.success(f"Imported {st.session_state['last_import']['file_name']}")
        _report(st.session_state["last_import"])


def quarantine_section() -> None:
    st.subheader("Quarantine")
    store = cache.current_store()
    reasons = quarantine_reasons(store)
    if not reasons:
        st.caption("No rejected rows.")
        return
    labels = {code: f"{code} ({n:,})" for code, n in reasons.items()}
    picked = st.selectbox("Reason", ["all", *reasons], format_func=lambda c: labels.get(c, "all reasons"),
                          key="quarantine_reason")
    rows = quarantine_frame(store, reason=None if picked == "all" else picked, limit=500)
    st.dataframe(rows[["quarantined_at", "file_name", "row_number", "reason", "detail", "raw"]], hide_index=True,
                 width="stretch", key="quarantine_rows")
    st.caption("Row numbers count the rows the parser could read; 0 marks a line it could not split into fields.")


viewer = require_page("data")
st.markdown("### Data")
upload_section(viewer)
st.divider()
quarantine_section()
