"""Panels of the Data page: import a file (mapping, preview, import report) and browse the quarantine."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd
import streamlit as st

from dashboard import cache, config, state
from dashboard.auth import Viewer, audit
from dashboard.components.tables import small, when_column
from dashboard.i18n import _, tr
from dashboard.plain import plain
from dashboard.terms import term
from dashboard.uploads import saved_upload
from geo.errors import LimesError, describe
from geo.i18n import N_
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
AUTO: Final[str] = N_("detect from the columns")
REPORT_FIGURES: Final[dict[str, str]] = {"read": N_("Read"), "inserted": N_("Inserted"),
                                         "duplicates": N_("Duplicates"), "quarantined": N_("Quarantined")}
"""The import report's figures and their labels."""


def _import_report(report: dict[str, object]) -> None:
    cols = st.columns(len(REPORT_FIGURES))
    for col, (key, label) in zip(cols, REPORT_FIGURES.items(), strict=True):
        col.metric(_(label), tr().number(int(report[key])), border=True)  # type: ignore[call-overload]
    reasons = report["reasons"]
    if reasons:
        st.dataframe(
            pd.DataFrame([{_("Reason"): k, _("Rows"): v, _("Meaning"): _(REASONS[k]) if k in REASONS else ""}
                          for k, v in dict(reasons).items()]),
            hide_index=True, width="stretch",
        )


def import_panel(who: Viewer) -> None:
    """Upload, choose or edit the mapping with a preview of the first rows, import (audited), and its report.

    The upload is checked by the upload guard before any parser sees it and lives on disk only
    while this panel draws (:func:`dashboard.uploads.saved_upload`).
    """
    st.subheader(_("Import a file"))
    st.caption(_("Accepted: {formats}, or one of them in a .zip (a Shapefile with its .shx, .dbf, .prj) · at most "
                 "{mb} MB · larger files: `limes import PATH`").format(formats=", ".join(SUPPORTED),
                                                                      mb=tr().number(UPLOAD_LIMITS.max_bytes // 2**20)))
    upload = st.file_uploader(_("Event file"), type=[s.lstrip(".") for s in (*SUPPORTED, ".zip")], key=state.UPLOAD)
    if upload is None:
        return
    try:
        with saved_upload(upload, allowed=frozenset(SUPPORTED), limits=UPLOAD_LIMITS) as path:
            _map_and_import(path, upload.name, upload.file_id, who)
    except LimesError as exc:  # only the upload guard's refusal reaches here
        st.error(_("{reason}. Nothing was imported.").format(reason=plain(describe(exc, tr()))))
        audit(who, "import", target=upload.name, outcome="denied", detail=str(exc))


def _map_and_import(path: Path, name: str, file_id: str, who: Viewer) -> None:
    choice = st.selectbox(_("Mapping"), [AUTO, *PRESETS, "generic"], key=state.MAPPING_CHOICE,
                          format_func=lambda c, auto=_(AUTO): auto if c == AUTO else c)
    try:
        chosen, _rows = preview_file(path, mapping=None if choice == AUTO else choice)
        toml_text = st.text_area(_("Mapping (TOML, editable)"), value=mapping_to_toml(chosen), height=220,
                                 key=state.mapping_toml(file_id, choice))
        mapping = mapping_from_toml(toml_text, default_name=chosen.name)
        _mapping, preview = preview_file(path, mapping=mapping)
    except LimesError as exc:
        st.error(plain(describe(exc, tr())))
        return
    st.markdown(_("**Preview** of the first rows: {imported} would be imported, {quarantined} quarantined.").format(
        imported=tr().number(len(preview.events)), quarantined=tr().number(len(preview.quarantine))))
    shown = _preview_for_display(preview.events.drop(columns=["cell"]).head(20))
    st.dataframe(shown, hide_index=True, width="stretch", key=state.PREVIEW_EVENTS,
                 column_config=_preview_columns(list(shown.columns)))
    if not preview.quarantine.empty:
        st.dataframe(preview.quarantine[["row_number", "reason", "detail"]].rename(columns=_quarantine_headers()),
                     hide_index=True, width="stretch", key=state.PREVIEW_QUARANTINE)
    if st.button(_("Import"), type="primary", key=state.DO_IMPORT):
        try:
            with st.spinner(_("Importing {file}…").format(file=plain(name))):
                report = import_file(path, cache.current_store(), mapping=mapping,
                                     earliest=config.settings().earliest_event)
        except LimesError as exc:
            st.error(plain(describe(exc, tr())))
            return
        st.session_state[state.LAST_IMPORT] = report.as_dict()
        audit(who, "import", target=name, detail=f"mapping {mapping.name}: {report.inserted} inserted, "
                                                 f"{report.duplicates} duplicates, {report.quarantined} quarantined")
    if state.LAST_IMPORT in st.session_state:
        st.success(_("Imported {file}").format(file=plain(st.session_state[state.LAST_IMPORT]["file_name"])))
        _import_report(st.session_state[state.LAST_IMPORT])


def quarantine_browser(store: Store) -> None:
    """The rejected rows by reason, newest first."""
    st.subheader(_("Quarantine"))
    reasons = quarantine_reasons(store)
    if not reasons:
        st.caption(_("No rejected rows."))
        return
    labels = {code: f"{code} ({tr().number(n)})" for code, n in reasons.items()}
    picked = st.selectbox(_("Reason"), ["all", *reasons],
                          format_func=lambda c, every=_("all reasons"): labels.get(c, every),
                          key=state.QUARANTINE_REASON)
    rows = quarantine_frame(store, reason=None if picked == "all" else picked, limit=500)
    rows = rows.assign(meaning=[_(REASONS[code]) if code in REASONS else "" for code in rows["reason"]])
    names = _quarantine_headers()
    # Times as people read them; the long texts (a file name, a whole raw row) cut to a width, in full on a click,
    # so that the table fits the page instead of scrolling sideways.
    st.dataframe(rows[list(names)].rename(columns=names), hide_index=True, width="stretch", key=state.QUARANTINE_ROWS,
                 column_config={names["quarantined_at"]: when_column(names["quarantined_at"]),
                                names["row_number"]: small(names["row_number"]),
                                **{names[c]: st.column_config.TextColumn(names[c], width="medium")
                                   for c in ("file_name", "detail", "raw")}})
    st.caption(_("Row numbers count the rows the parser could read; 0 marks a line it could not split into fields."))


def _preview_for_display(events: pd.DataFrame) -> pd.DataFrame:
    """The previewed events with their type, impact and status codes as words and their headers in the session's
    language (ids, sources, names and numbers as the file has them)."""
    t = tr()
    shown = events.assign(**{column: [term(t, str(code)) for code in events[column]]
                             for column in ("type", "impact", "status") if column in events})
    return shown.rename(columns=_event_headers())


PREVIEW_WIDTHS_PX: Final[dict[str, int]] = {
    "source": 70, "event_id": 100, "type": 130, "lat": 70, "lon": 75, "persons": 50, "impact": 90, "confidence": 60,
    "status": 70, "attrs": 100}
"""The import preview's column widths (pixels; its times take :data:`PREVIEW_TIME_PX`): 12 columns in the
~1040-px main column of a 1500-px screen without sideways scrolling; a header cut short is named by its help."""
PREVIEW_TIME_PX: Final[int] = 130


def _preview_columns(labels: list[str]) -> dict[str, st.column_config.Column]:
    """Widths that fit the preview's ``labels`` (headers of :func:`_event_headers`) into the page's column."""
    headers = _event_headers()
    times = {headers["occurred_at"], headers["received_at"]}
    widths = {headers[field]: px for field, px in PREVIEW_WIDTHS_PX.items()}
    return {label: when_column(label, width_px=PREVIEW_TIME_PX) if label in times else
            st.column_config.Column(label, width=widths.get(label), help=label) for label in labels}


def _event_headers() -> dict[str, str]:
    """The previewed events' column headers in the session's language."""
    return {"source": _("Source"), "event_id": _("Event"), "type": _("Type"), "occurred_at": _("Happened (UTC)"),
            "received_at": _("Received (UTC)"), "lat": _("Latitude"), "lon": _("Longitude"), "persons": _("Persons"),
            "impact": _("Impact"), "confidence": _("Confidence"), "status": _("Status"), "attrs": _("Attributes")}


def _quarantine_headers() -> dict[str, str]:
    """The quarantine's column headers in the session's language."""
    return {"quarantined_at": _("Quarantined at (UTC)"), "file_name": _("File"), "row_number": _("Row"),
            "reason": _("Reason"), "meaning": _("Meaning"), "detail": _("Detail"), "raw": _("Raw row")}
