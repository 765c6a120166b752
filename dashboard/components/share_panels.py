"""The Audit page's sharing section: our agreements as they stand, and what the endpoint sent to whom and when."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from dashboard import state
from dashboard.auth import Viewer, audit
from dashboard.plain import plain
from geo.exports import csv_bytes
from geo.sharing import agreement_from_json
from geo.store import Store, current_agreements, sent_log

SENT_COLUMNS = ["sent_at", "partner", "version", "path", "status", "items", "bytes", "cert_serial", "detail"]


def _terms(terms: str) -> str:
    agreement = agreement_from_json(terms)
    shared = f"counts at res {agreement.res} (k = {agreement.k})" + (", section levels" if agreement.levels else "")
    return f"{shared}; {agreement.window_h:g} h window, {agreement.delay_h:g} h behind"


def sharing_audit(store: Store, who: Viewer, *, since: datetime) -> None:
    """Agreements (newest version per partner) and the send log since ``since``, with a CSV export (audited)."""
    st.markdown("### Shared with partners")
    agreements = current_agreements(store)
    if agreements.empty:
        st.caption("No sharing agreements: nothing leaves this installation (see `limes share`).")
        return
    for row in agreements.itertuples():
        st.markdown(f"{plain(row.partner)}: version {row.version}, {row.status}, set by {plain(row.set_by)} — "
                    f"{_terms(row.terms)}")
    log = sent_log(store, since_ms=int(since.timestamp() * 1000))
    refused = int((log["status"] == 403).sum())
    st.markdown(f"**{len(log):,} answers sent**" + (f", {refused:,} refused" if refused else ""))
    st.dataframe(log[SENT_COLUMNS], hide_index=True, width="stretch",
                 column_config={"sent_at": st.column_config.DatetimeColumn("When (UTC)",
                                                                           format="YYYY-MM-DD HH:mm:ss")})
    if st.download_button("Export the send log as CSV", csv_bytes(log[SENT_COLUMNS]), file_name="limes-shared.csv",
                          mime="text/csv", key=state.AUDIT_SHARE_EXPORT, on_click="rerun"):
        audit(who, "export", target="limes-shared.csv", detail=f"{len(log)} send log entries")
