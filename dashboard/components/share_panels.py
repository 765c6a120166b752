"""The Audit page's sharing section: our agreements as they stand, and what the endpoint sent to whom and when."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from dashboard import state
from dashboard.auth import Viewer, audit
from dashboard.i18n import _, ngettext, tr
from dashboard.plain import plain
from geo.exports import csv_bytes
from geo.i18n import N_
from geo.sharing import agreement_from_json
from geo.store import Store, current_agreements, sent_log

AGREEMENT_STATUSES = (N_("active"), N_("revoked"))
"""An agreement's statuses, marked for the catalogs."""
SENT_COLUMNS = ["sent_at", "partner", "version", "path", "status", "items", "bytes", "cert_serial", "detail"]


def _terms(terms: str) -> str:
    agreement = agreement_from_json(terms)
    fields = {"res": agreement.res, "k": agreement.k, "window": tr().number(agreement.window_h),
              "delay": tr().number(agreement.delay_h)}
    if agreement.levels:
        return _("counts at res {res} (k = {k}), section levels; {window} h window, {delay} h behind").format(**fields)
    return _("counts at res {res} (k = {k}); {window} h window, {delay} h behind").format(**fields)


def sharing_audit(store: Store, who: Viewer, *, since: datetime) -> None:
    """Agreements (newest version per partner) and the send log since ``since``, with a CSV export (audited)."""
    st.markdown(_("### Shared with partners"))
    agreements = current_agreements(store)
    if agreements.empty:
        st.caption(_("No sharing agreements: nothing leaves this installation (see `limes share`)."))
        return
    for row in agreements.itertuples():
        st.markdown(_("{partner}: version {version}, {status}, set by {user} — {terms}").format(
            partner=plain(row.partner), version=row.version, status=_(str(row.status)), user=plain(row.set_by),
            terms=_terms(row.terms)))
    log = sent_log(store, since_ms=int(since.timestamp() * 1000))
    refused = int((log["status"] == 403).sum())
    n = tr().number(len(log))
    st.markdown(ngettext("**{n} answer sent**, {refused} refused", "**{n} answers sent**, {refused} refused",
                         len(log)).format(n=n, refused=tr().number(refused)) if refused
                else ngettext("**{n} answer sent**", "**{n} answers sent**", len(log)).format(n=n))
    st.dataframe(log[SENT_COLUMNS], hide_index=True, width="stretch", column_config={
        "sent_at": st.column_config.DatetimeColumn(_("When (UTC)"), format="YYYY-MM-DD HH:mm:ss"),
        "partner": _("Partner"), "version": _("Version"), "path": _("Path"), "status": _("Status"),
        "items": _("Items"), "bytes": _("Bytes"), "cert_serial": _("Certificate serial"), "detail": _("Detail")})
    if st.download_button(_("Export the send log as CSV"), csv_bytes(log[SENT_COLUMNS]), file_name="limes-shared.csv",
                          mime="text/csv", key=state.AUDIT_SHARE_EXPORT, on_click="rerun"):
        audit(who, "export", target="limes-shared.csv", detail=f"{len(log)} send log entries")
