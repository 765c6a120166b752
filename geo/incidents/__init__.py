"""From alert to patrol: incidents with states and optimistic locking, fusion of related signals, unit suggestions,
Cursor-on-Target taskings with a delivery state, the on-scene check, and the shift handover.

Every step is audited with its actor and the previous state; the handover leaving the room is suppressed.
"""

from geo.incidents.cot import Delivery, Tasking, cot_time, parse_endpoint, send_cot, tasking_xml
from geo.incidents.dispatch import (
    ON_SCENE_RADIUS_M,
    Dispatched,
    DispatchTargets,
    assign_and_dispatch,
    check_on_scene,
    retry_dispatch,
)
from geo.incidents.fusion import Anchor, FusionRule, attach_all, distance_m, match
from geo.incidents.handover import Handover, build_handover, handover_from_store, open_alerts
from geo.incidents.handover_pdf import render_handover_pdf
from geo.incidents.model import (
    OPEN_STATES,
    OUTCOMES,
    PRIORITIES,
    SIGNAL_KINDS,
    STATE_LABELS,
    STATES,
    SYSTEM,
    Actor,
    Signal,
    next_state,
)
from geo.incidents.signals import candidate_signals, event_signal
from geo.incidents.suggest import TravelParams, suggest_units
from geo.incidents.workflow import (
    Opened,
    acknowledge,
    assign,
    close,
    current,
    fuse_signals,
    mark_on_scene,
    open_incident,
    set_priority,
)

__all__ = [
    "ON_SCENE_RADIUS_M",
    "OPEN_STATES",
    "OUTCOMES",
    "PRIORITIES",
    "SIGNAL_KINDS",
    "STATES",
    "STATE_LABELS",
    "SYSTEM",
    "Actor",
    "Anchor",
    "Delivery",
    "DispatchTargets",
    "Dispatched",
    "FusionRule",
    "Handover",
    "Opened",
    "Signal",
    "Tasking",
    "TravelParams",
    "acknowledge",
    "assign",
    "assign_and_dispatch",
    "attach_all",
    "build_handover",
    "candidate_signals",
    "check_on_scene",
    "close",
    "cot_time",
    "current",
    "distance_m",
    "event_signal",
    "fuse_signals",
    "handover_from_store",
    "mark_on_scene",
    "match",
    "next_state",
    "open_alerts",
    "open_incident",
    "parse_endpoint",
    "render_handover_pdf",
    "retry_dispatch",
    "send_cot",
    "set_priority",
    "suggest_units",
    "tasking_xml",
]
