"""Every session-state key of the app: widget keys and the values pages keep between reruns.

One place so that two widgets never share a key by accident, and tests set state by name
(``at.session_state[state.SENSOR_EDITOR]``) rather than by a string that may drift. Keys that
belong to one record (a report, a form round) are made by :func:`keyed`.
"""

from __future__ import annotations

from typing import Final


def keyed(prefix: str, *parts: object) -> str:
    """A key for one record: ``keyed(ACCEPT, 12) == "accept-12"``."""
    return "-".join([prefix, *(str(p) for p in parts)])


# -- Sign-in (dashboard.auth) ---------------------------------------------------------------
VIEWER: Final[str] = "_limes_viewer"
LOGIN_RECORDED: Final[str] = "_limes_login_recorded"
LOGIN: Final[str] = "login"
LOGOUT: Final[str] = "logout"
LANGUAGE: Final[str] = "language"
"""The session's interface language (a code of geo.i18n.LANGUAGES)."""

# -- Live map and its filters ----------------------------------------------------------------
MAP: Final[str] = "map"
PAGE: Final[str] = "_limes_page"
"""The page the frame ran last (its URL path)."""
PAGE_CHANGED: Final[str] = "_limes_page_changed"
"""Whether this run opened another page than the last (the page's elements mount afresh)."""
MAP_FIRST_FRAME: Final[str] = "_limes_map_first_frame"
"""Set by the map page when it opens: the live view's next run sends the map's first-frame deck."""
LIVE_CLOCK: Final[str] = "_limes_live_clock"
"""The live view's last run: the map's selection then and the clock second it drew (a click redraws that second)."""
ZOOM_TO_DATA: Final[str] = "zoom_to_data"
WINDOW: Final[str] = "window"
CUSTOM_DAYS: Final[str] = "custom_days"
TYPES: Final[str] = "types"
RES: Final[str] = "res"
COLOUR_BY: Final[str] = "colour_by"
RINGS: Final[str] = "rings"
EHSA_STEP: Final[str] = "ehsa_step"
EHSA_RES: Final[str] = "ehsa_res"
REPORT_CONFIDENCE: Final[str] = "report_confidence"
REPORT_PENDING: Final[str] = "report_pending"
ALERT_HOURS: Final[str] = "alert_hours"
ALERT_WEEKS: Final[str] = "alert_weeks"
ALERT_P: Final[str] = "alert_p"
ALERT_MIN: Final[str] = "alert_min"
RECENT_OUTLINES: Final[str] = "recent_outlines"
PLAYBACK: Final[str] = "playback"
PLAYING: Final[str] = "_playback_playing"
PLAY_STEP: Final[str] = "playback_step"
PLAY_FRAME: Final[str] = "playback_frame"
PLAY_BUTTON: Final[str] = "playback_button"


def ehsa_steps(step: str) -> str:
    """The slider of how many steps are analysed, one per step length (each keeps its own value)."""
    return f"ehsa_steps_{step}"


# -- Coverage planner -------------------------------------------------------------------------
COVERAGE_MAP: Final[str] = "coverage_map"
SENSOR_EDITOR: Final[str] = "sensor_editor"
COV_VIEW: Final[str] = "cov_view"
COV_WIDTH: Final[str] = "cov_width"
COV_PATROL_H: Final[str] = "cov_patrol_h"
COV_K: Final[str] = "cov_k"
COV_CANDIDATES: Final[str] = "cov_candidates"
COV_VIEWSHED: Final[str] = "cov_viewshed"
COV_ROUTES: Final[str] = "cov_routes"
COV_ROUTE_K: Final[str] = "cov_route_k"
COV_SEEN_WEIGHT: Final[str] = "cov_seen_weight"
COV_PATROL_WEIGHT: Final[str] = "cov_patrol_weight"
COV_APPROACH: Final[str] = "cov_approach"
SAVE_SENSORS: Final[str] = "save_sensors"
SENSOR_UPLOAD: Final[str] = "sensor_upload"
IMPORT_SENSORS: Final[str] = "import_sensors"
TRY_SITES: Final[str] = "try_sites"

# -- Briefing ---------------------------------------------------------------------------------
BRIEFING_WINDOW: Final[str] = "briefing_window"
BRIEFING_FROM: Final[str] = "briefing_from"
BRIEFING_TO: Final[str] = "briefing_to"
BRIEFING_TARGET_KM: Final[str] = "briefing_target_km"
BRIEFING_CORRIDOR_KM: Final[str] = "briefing_corridor_km"
BRIEFING_K: Final[str] = "briefing_k"
BRIEFING_COVERAGE: Final[str] = "briefing_coverage"
BRIEFING_SECTIONS_FILE: Final[str] = "briefing_sections_file"
BRIEFING_MAP: Final[str] = "briefing_map"
BRIEFING_SECTION: Final[str] = "briefing_section"
BRIEFING_TABLE: Final[str] = "briefing_table"
BRIEFING_ROUTES: Final[str] = "briefing_routes"
BRIEFING_ROUTE_TABLE: Final[str] = "briefing_route_table"
LEVEL_HISTORY: Final[str] = "level_history"
SET_LEVEL: Final[str] = "set_level"
LEVEL_CHOICE: Final[str] = "level_choice"
LEVEL_COMMENT: Final[str] = "level_comment"
DOWNLOAD: Final[str] = "download"
"""Prefix of the export buttons: ``keyed(DOWNLOAD, "sections", "csv")``."""

# -- Data -------------------------------------------------------------------------------------
UPLOAD: Final[str] = "upload"
MAPPING_CHOICE: Final[str] = "mapping_choice"
PREVIEW_EVENTS: Final[str] = "preview_events"
PREVIEW_QUARANTINE: Final[str] = "preview_quarantine"
DO_IMPORT: Final[str] = "do_import"
LAST_IMPORT: Final[str] = "last_import"
"""The last import's report (a dict), shown until another file is imported."""
QUARANTINE_REASON: Final[str] = "quarantine_reason"
QUARANTINE_ROWS: Final[str] = "quarantine_rows"


def mapping_toml(file_id: str, choice: str) -> str:
    """The editable mapping of one upload and one preset (a new upload or preset starts from its own text)."""
    return f"mapping_toml_{file_id}_{choice}"


# -- Moderation -------------------------------------------------------------------------------
MODERATION_QUEUE: Final[str] = "moderation_queue"
"""Prefix of the queue table, keyed by :data:`MODERATION_DECISIONS` so a decision clears the selection."""
MODERATION_DECISIONS: Final[str] = "moderation_decisions"
MODERATION_DONE: Final[str] = "moderation_done"
"""The message of the last decision, shown once after the rerun."""
CONFIDENCE: Final[str] = "confidence"
ACCEPT: Final[str] = "accept"
MERGE_PICK: Final[str] = "merge-pick"
MERGE: Final[str] = "merge"
REASON: Final[str] = "reason"
REJECT: Final[str] = "reject"

# -- Incidents ----------------------------------------------------------------------------------
INCIDENT_PICK: Final[str] = "incident_pick"
INCIDENT_SHOW_CLOSED: Final[str] = "incident_show_closed"
INCIDENT_DONE: Final[str] = "incident_done"
"""The message of the last incident step (or why it was refused), shown once after the rerun."""
MAKE_INCIDENT: Final[str] = "make_incident"
"""Prefix of the one-click buttons: ``keyed(MAKE_INCIDENT, kind, ref)``."""
INCIDENT_ACK: Final[str] = "incident_ack"
INCIDENT_UNIT: Final[str] = "incident_unit"
INCIDENT_REMARKS: Final[str] = "incident_remarks"
INCIDENT_ASSIGN: Final[str] = "incident_assign"
INCIDENT_RESEND: Final[str] = "incident_resend"
INCIDENT_ON_SCENE: Final[str] = "incident_on_scene"
INCIDENT_OUTCOME: Final[str] = "incident_outcome"
INCIDENT_CLOSE: Final[str] = "incident_close"
INCIDENT_PRIORITY: Final[str] = "incident_priority"
INCIDENT_SET_PRIORITY: Final[str] = "incident_set_priority"
HANDOVER_HOURS: Final[str] = "handover_hours"
HANDOVER_EXTERNAL: Final[str] = "handover_external"
HANDOVER_BUILD: Final[str] = "handover_build"
HANDOVER_PDF: Final[str] = "handover_pdf"

# -- Audit log --------------------------------------------------------------------------------
AUDIT_ACTIONS: Final[str] = "audit_actions"
AUDIT_ACTOR: Final[str] = "audit_actor"
AUDIT_DAYS: Final[str] = "audit_days"
AUDIT_EXPORT: Final[str] = "audit_export"
AUDIT_SHARE_EXPORT: Final[str] = "audit_share_export"

# -- Public report form -------------------------------------------------------------------------
REPORT_MAP: Final[str] = "report_map"
WHERE: Final[str] = "where"
TOWN: Final[str] = "town"
REPORT_SENT: Final[str] = "report_sent"
"""The reference of the report just sent, acknowledged once."""
FORM_ROUND: Final[str] = "form_round"
"""How many reports this session sent: the form's widgets are keyed by it, so each report starts afresh."""
REPORT_FORM: Final[str] = "report"
CATEGORY: Final[str] = "category"
WHEN: Final[str] = "when"
TEXT: Final[str] = "text"
CONTACT: Final[str] = "contact"
