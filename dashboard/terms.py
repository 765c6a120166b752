"""The domain's words the pages show, by the codes the core keeps (event types, impact, confidence, sensor kinds,
emerging hot spot categories, audit actions), marked for the catalogs; shown through :func:`term`.

The core (``geo``) keeps English codes and labels; the words a reader sees are looked up here and
translated, so a code never changes with the language.
"""

from __future__ import annotations

from typing import Final

from geo.i18n import N_, Translator

TERMS: Final[dict[str, str]] = {
    # event types (geo.models.EVENT_TYPES)
    "irregular_crossing": N_("Irregular crossing"), "apprehension": N_("Apprehension"), "smuggling": N_("Smuggling"),
    "sensor_alarm": N_("Sensor alarm"), "citizen_report": N_("Citizen report"),
    "refusal_of_entry": N_("Refusal of entry"), "document_fraud": N_("Document fraud"),
    "search_and_rescue": N_("Search and rescue"), "other": N_("Other"),
    # impact levels and report confidence
    "low": N_("low"), "medium": N_("medium"), "high": N_("high"), "very_high": N_("very high"),
    "confirmed": N_("confirmed"),
    # event statuses (geo.models.EVENT_STATUSES; "closed" is below)
    "open": N_("open"),
    # sensor kinds and statuses (geo.models.SENSOR_KINDS, SENSOR_STATUSES)
    "tower": N_("tower"), "camera": N_("camera"), "radar": N_("radar"), "ground_sensor": N_("ground sensor"),
    "patrol_post": N_("patrol post"), "active": N_("active"), "off": N_("off"),
    # emerging hot spot categories (geo.analysis.CATEGORIES)
    "New hot spot": N_("New hot spot"), "Consecutive hot spot": N_("Consecutive hot spot"),
    "Intensifying hot spot": N_("Intensifying hot spot"), "Persistent hot spot": N_("Persistent hot spot"),
    "Diminishing hot spot": N_("Diminishing hot spot"), "Sporadic hot spot": N_("Sporadic hot spot"),
    "Oscillating hot spot": N_("Oscillating hot spot"), "Historical hot spot": N_("Historical hot spot"),
    "New cold spot": N_("New cold spot"), "Consecutive cold spot": N_("Consecutive cold spot"),
    "Intensifying cold spot": N_("Intensifying cold spot"), "Persistent cold spot": N_("Persistent cold spot"),
    "Diminishing cold spot": N_("Diminishing cold spot"), "Sporadic cold spot": N_("Sporadic cold spot"),
    "Oscillating cold spot": N_("Oscillating cold spot"), "Historical cold spot": N_("Historical cold spot"),
    "No pattern": N_("No pattern"),
    # time windows (geo.timewindow.PRESETS) and the filters' other choices
    "Last 24 h": N_("Last 24 h"), "Last 7 days": N_("Last 7 days"), "Last 30 days": N_("Last 30 days"),
    "All data": N_("All data"), "Custom": N_("Custom"), "Event count": N_("Event count"),
    "Hot spots (Gi*)": N_("Hot spots (Gi*)"), "Emerging hot spots": N_("Emerging hot spots"),
    "Week": N_("Week"), "Day": N_("Day"), "Hour": N_("Hour"),
    # a route in a what-if (layers.routes.STATUSES)
    "kept": N_("kept"), "new": N_("new"), "closed": N_("closed"),
    # audit actions and outcomes (geo.trust.ACTIONS, OUTCOMES)
    "login": N_("signed in"), "logout": N_("signed out"), "session_expired": N_("session expired"),
    "page_view": N_("page viewed"), "access_denied": N_("access refused"), "import": N_("file imported"),
    "export": N_("exported"), "level_set": N_("level set"), "sensor_edit": N_("sensor edited"),
    "report_submitted": N_("report submitted"), "report_accepted": N_("report accepted"),
    "report_merged": N_("report merged"), "report_rejected": N_("report rejected"),
    "contacts_purged": N_("contact details deleted"), "share_agreed": N_("sharing agreed"),
    "share_revoked": N_("sharing revoked"), "share_cert_issued": N_("partner certificate issued"),
    "incident_opened": N_("incident opened"), "incident_fused": N_("signal added to an incident"),
    "incident_acknowledged": N_("incident acknowledged"), "incident_assigned": N_("incident assigned"),
    "incident_dispatched": N_("unit tasked"), "incident_on_scene": N_("unit on scene"),
    "incident_closed": N_("incident closed"), "incident_priority": N_("priority changed"),
    "handover": N_("shift handed over"), "ok": N_("done"), "denied": N_("refused"),
}
"""A code (or the core's English label) → the English word the catalogs translate."""


def term(tr: Translator, code: str) -> str:
    """``code``'s word in ``tr``'s language; an unknown code (a partner's own type) as it is."""
    return tr.gettext(TERMS[code]) if code in TERMS else code
