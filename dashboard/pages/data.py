"""The Data page: upload a file, choose or adjust its mapping with a preview, import, browse the quarantine."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Final

import pandas as pd
import streamlit as st

from dashboard import cache
from geo.errors import LimesError
from geo.importer import import_file, preview_file
from geo.mapping import PRESETS, mapping_from_toml, mapping_to_toml
from geo.readers import SUPPORTED
from geo.validate import REASONS

MAX_UPLOAD_MB: Final[int] = 50
"""Matches ``server.maxUploadSize``; checked here too so the message is ours."""
AUTO = "detect from the columns"


def _saved_upload(upload: st.runtime.uploaded_file_manager.UploadedFile) -> Path:
    """The upload in a private temporary file with its original suffix (parsers go by suffix), written once.

    The previous upload's file is removed when another one arrives.
    """
    saved = st.session_state.get("saved_upload")
    if saved and saved[0] == upload.file_id and Path(saved[1]).exists():
        return Path(saved[1])
    if saved:
        shutil.rmtree(Path(saved[1]).parent, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix="limes-upload-"))
    path = folder / Path(upload.name).name
    path.write_bytes(upload.getvalue())
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


def upload_section() -> None:
    st.subheader("Import a file")
    st.caption(f"Accepted: {', '.join(SUPPORTED)} · at most {MAX_UPLOAD_MB} MB · larger files: `limes import PATH`")
    upload = st.file_uploader("Event file", type=[s.lstrip(".") for s in SUPPORTED], key="upload")
    if upload is None:
        return
    if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
        st.error(f"{upload.name} is {upload.size / 1e6:.0f} MB; the limit here is {MAX_UPLOAD_MB} MB. "
                 "Import it on the server with `limes import`.")
        return
    path = _saved_upload(upload)
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
    if "last_import" in st.session_state:
        st.success(f"Imported {st.session_state['last_import']['file_name']}")
        _report(st.session_state["last_import"])


def quarantine_section() -> None:
    st.subheader("Quarantine")
    store = cache.current_store()
    reasons = store.quarantine_reasons()
    if not reasons:
        st.caption("No rejected rows.")
        return
    labels = {code: f"{code} ({n:,})" for code, n in reasons.items()}
    picked = st.selectbox("Reason", ["all", *reasons], format_func=lambda c: labels.get(c, "all reasons"),
                          key="quarantine_reason")
    rows = store.quarantine_frame(reason=None if picked == "all" else picked, limit=500)
    st.dataframe(rows[["quarantined_at", "file_name", "row_number", "reason", "detail", "raw"]], hide_index=True,
                 width="stretch", key="quarantine_rows")
    st.caption("Row numbers count the rows the parser could read; 0 marks a line it could not split into fields.")


st.markdown("### Data")
upload_section()
st.divider()
quarantine_section()
