"""The public report form's page: a place (picked on our offline map, or a town's name), a category, a text,
an optional contact; sent with :func:`geo.reports.intake.submit_report` and nothing else.

It runs as its own app (``report_form.py``, started by ``limes public-form``), apart from the
control-room dashboard: no login, no navigation, and no reader of the store — the only thing it
does with the store is queue the report. A reporter's address is used for the hourly limit only
(hashed, see :mod:`geo.reports.intake`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

import streamlit as st

from dashboard import form_cache, state
from dashboard.config import settings
from dashboard.i18n import _, language_name, ngettext, tr
from dashboard.plain import plain
from dashboard.state import keyed
from geo.errors import LimesError, describe
from geo.grid import cell_latlng, edge_length_km, hex_to_cell
from geo.i18n import LANGUAGES, N_, negotiate
from geo.reports import (
    CATEGORY_LABELS,
    MAX_CONTACT_CHARS,
    MAX_TEXT_CHARS,
    PICK_BUFFER_KM,
    PICK_RES,
    PUBLIC_SOURCE,
    REPORT_CATEGORIES,
    RateLimit,
    check_report,
    client_address,
    report_reference,
    submit_report,
)
from geo.spatial import describe_place
from layers.deck import build_deck
from layers.reports import PICK_LAYER_ID, pick_layers

ON_MAP: Final[str] = N_("Pick it on the map")
BY_NAME: Final[str] = N_("Type a town or village")
WHEN: Final[dict[str, timedelta]] = {
    N_("Just now"): timedelta(0), N_("Within the last hour"): timedelta(minutes=30),
    N_("1–3 hours ago"): timedelta(hours=2), N_("3–12 hours ago"): timedelta(hours=7), N_("Yesterday"): timedelta(hours=24),
}
"""What a reporter can say about the time, and the offset taken for it (their memory is no finer)."""


def _client() -> str:
    """The reporter's address (only its hourly keyed hash is kept), behind the settings' trusted proxies."""
    peer = st.context.ip_address  # None in AppTest, which has no real request
    return client_address(peer=peer if isinstance(peer, str) else None,
                          # Every X-Forwarded-For line, in order: a client's own line must not hide the proxy's.
                          forwarded_for=", ".join(st.context.headers.get_all("X-Forwarded-For")) or None,
                          proxy_hops=settings().form_proxy_hops)


def _limit() -> RateLimit:
    return RateLimit(max_reports=settings().reports_per_hour)


def _language_menu() -> None:
    """The browser's language when Limes speaks it (else the settings' default), and a menu of the others."""
    if state.LANGUAGE not in st.session_state:
        browser = st.context.locale  # None in AppTest and for browsers that send no language
        st.session_state[state.LANGUAGE] = negotiate([browser], fallback=settings().language)
    st.set_page_config(page_title=_("Report to the border police"))  # the browser tab, in the reader's language
    st.selectbox(_("Language"), list(LANGUAGES), format_func=language_name, key=state.LANGUAGE,
                 label_visibility="collapsed", width=220)


def _picked_hex() -> str | None:
    """The picked cell, if it is one of ours (a selection is only what the browser claims)."""
    objects = (st.session_state.get(state.REPORT_MAP) or {}).get("selection", {}).get("objects", {}).get(PICK_LAYER_ID, [])
    picked = objects[0].get("hex") if objects else None
    if not isinstance(picked, str):
        return None
    try:
        cell = hex_to_cell(picked)
    except LimesError:
        return None
    return picked if cell in set(form_cache.report_area().tolist()) else None


def _where() -> tuple[float | None, float | None, str]:
    """``(lat, lon, place)`` from the map pick, or ``(None, None, town)`` from a typed name."""
    towns = form_cache.towns()
    how = st.radio(_("Where did it happen?"), [ON_MAP, BY_NAME], format_func=tr().gettext, horizontal=True,
                   key=state.WHERE)
    if how == BY_NAME:
        town = st.selectbox(_("Town or village"), sorted(towns["name"]), index=None, key=state.TOWN,
                            accept_new_options=True, placeholder=_("Start typing the name…"))
        return None, None, town or ""
    picked = _picked_hex()
    under, over = form_cache.picker_basemap()
    st.pydeck_chart(build_deck([*under, *over, *pick_layers(form_cache.report_area(), picked)], view=form_cache.form_view()),
                    on_select="rerun", selection_mode="single-object", key=state.REPORT_MAP, height=440)
    if picked is None:
        st.caption(_("Click the map where it happened (within {km} km of the border); zoom with the wheel or two "
                     "fingers.").format(km=tr().number(PICK_BUFFER_KM, decimals=0)))
        return None, None, ""
    lat, lon = cell_latlng(hex_to_cell(picked))
    place = describe_place(lat=lat, lon=lon, towns=towns)  # stored with the report in English, as every place is
    st.caption(_("Chosen place: {place} (yellow hexagon, about {km} km across)").format(
        place=describe_place(lat=lat, lon=lon, towns=towns, tr=tr()), km=tr().number(2 * edge_length_km(PICK_RES),
                                                                                     decimals=0)))
    return lat, lon, place


def render() -> None:
    """The whole form; a sent report is acknowledged and the form starts afresh."""
    _language_menu()
    st.title(_("Report what you saw at the border"))
    st.markdown(_("People crossing, vehicles where none should be, someone in need of help: tell the border police's "
                  "control room. Every report is read by a person before it counts."))
    sent = st.session_state.pop(state.REPORT_SENT, None)
    if sent is not None:
        st.success(_("Thank you. Your report (reference {reference}) has reached the control room.").format(
            reference=sent))
    lat, lon, place = _where()
    round_ = st.session_state.setdefault(state.FORM_ROUND, 0)
    with st.form(keyed(state.REPORT_FORM, round_)):
        category = st.selectbox(_("What did you see?"), REPORT_CATEGORIES, index=None,
                                format_func=lambda name, gettext=tr().gettext: gettext(CATEGORY_LABELS[name]),
                                placeholder=_("Choose one…"), key=keyed(state.CATEGORY, round_))
        when = st.selectbox(_("When?"), list(WHEN), format_func=tr().gettext, key=keyed(state.WHEN, round_))
        text = st.text_area(_("What happened? (optional)"), max_chars=MAX_TEXT_CHARS, key=keyed(state.TEXT, round_),
                            placeholder=_("How many people or vehicles, which direction, anything that helps to find it"))
        days = settings().contact_retention_days
        contact = st.text_input(_("Phone or e-mail, if we may contact you (optional)"), max_chars=MAX_CONTACT_CHARS,
                                key=keyed(state.CONTACT, round_),
                                help=ngettext("Seen only by the moderators in the control room, deleted after {n} day.",
                                              "Seen only by the moderators in the control room, deleted after {n} days.",
                                              int(days)).format(n=tr().number(days)))
        go = st.form_submit_button(_("Send report"), type="primary")
    st.caption(_("We keep no record of who sent a report, only what you write here."))
    if not go:
        return
    if category is None:
        st.error(_("Choose what you saw."))
        return
    now = datetime.now(UTC)
    try:
        draft = check_report(source=PUBLIC_SOURCE, external_id="", category=category, text=text, lat=lat, lon=lon,
                             place=place, contact=contact, occurred_at=now - WHEN[when],
                             towns=form_cache.towns(), now=now)
        store = form_cache.current_store()
        report_id = submit_report(store, draft, client=_client(), limit=_limit(), now=now)
    except LimesError as exc:
        st.error(plain(describe(exc, tr())))  # the form keeps what was typed
        return
    st.session_state[state.REPORT_SENT] = report_reference(store, report_id)  # not the id: it would count reports
    st.session_state[state.FORM_ROUND] = round_ + 1
    st.rerun()
