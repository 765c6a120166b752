"""Partners' shared pictures: on the live map their hexagons as layers of their own with a legend per partner
naming who sent it, how late it is and when it arrived; on the Briefing page their section levels beside ours."""

from __future__ import annotations

from datetime import datetime, timezone

import pydeck as pdk
import streamlit as st

from dashboard import cache
from dashboard.config import settings
from dashboard.i18n import _, tr
from dashboard.plain import plain
from geo.briefing import level_name
from geo.i18n import moment_with_local
from geo.store import StoredPicture, partner_levels, partner_pictures
from layers.colours import LegendEntry
from layers.partners import PARTNER_LINE, partner_breaks, partner_layers, partner_legend


def partner_map_layers() -> list[pdk.Layer]:
    """Every partner picture the store holds, as map layers (hex ids and counts only)."""
    layers: list[pdk.Layer] = []
    for picture, cells in cache.partner_pictures(settings().store_url):
        if not cells.empty:
            layers += partner_layers(cells["cell"], cells["events"], breaks=partner_breaks(cells["events"], picture.k),
                                     name=picture.feed)
    return layers


def _title(picture: StoredPicture) -> str:
    words = tr()
    end = datetime.fromtimestamp(picture.window_end_ms / 1000, timezone.utc)
    received = datetime.fromtimestamp(picture.received_at_ms / 1000, timezone.utc)
    hours = (picture.window_end_ms - picture.window_start_ms) / 3_600_000
    now, zone = datetime.now(timezone.utc), settings().region.time_zone
    return _("Partner: {publisher} — {hours} h to {end}, {delay} h behind, received {received}").format(
        publisher=picture.publisher, hours=words.number(hours), end=moment_with_local(words, end, now=now, zone=zone),
        delay=words.number(picture.delay_s / 3600), received=moment_with_local(words, received, now=now, zone=zone))


def _legend(entries: list[LegendEntry], *, title: str) -> None:
    """Swatches with the partner's outline; ``title`` and labels are outside text, shown through :func:`plain`."""
    r, g, b, a = PARTNER_LINE
    rows = "".join(
        f'<div style="display:flex;align-items:center;gap:8px;margin:2px 0">'
        f'<span style="width:18px;height:14px;background:rgba{e.colour[:3] + (round(e.colour[3] / 255, 2),)};'
        f'border:1.5px solid rgba({r},{g},{b},{a / 255:.2f});border-radius:2px;display:inline-block"></span>'
        f"<span>{plain(e.label)}</span></div>" for e in entries)
    st.markdown(f'<div data-testid="limes-partner-legend" style="font-size:0.85rem"><b>{plain(title)}</b>{rows}</div>',
                unsafe_allow_html=True)


def partner_legends() -> None:
    """One legend per partner picture, under ours (nothing when no partner shares with us)."""
    for picture, cells in cache.partner_pictures(settings().store_url):
        st.divider()
        _legend(partner_legend(partner_breaks(cells["events"], picture.k), tr()) if not cells.empty else [],
                title=_title(picture))
        st.caption(plain(_("Shared by {publisher} under agreement version {version}: counts of at least {k}, never "
                           "merged with ours.").format(publisher=picture.publisher, version=picture.version,
                                                       k=picture.k)))


def partner_section_levels() -> None:
    """Partners' section levels beside ours on the Briefing page (their own sections; shown, never merged)."""
    store = cache.current_store()
    for picture in partner_pictures(store):
        levels = partner_levels(store, picture.feed)
        if levels.empty:
            continue
        st.markdown(_("**Partner levels: {partner}**").format(partner=plain(picture.publisher)))
        shown = levels[["section_id", "level", "evidence", "set_at"]]
        st.dataframe(shown.assign(level=[level_name(str(lv), tr()) for lv in shown["level"]]), hide_index=True,
                     width="stretch", column_config={
                         "section_id": _("Section"), "level": _("Level"), "evidence": _("Evidence"),
                         "set_at": st.column_config.DatetimeColumn(_("Set at (UTC)"), format="YYYY-MM-DD HH:mm")})
