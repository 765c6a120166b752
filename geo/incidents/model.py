"""What an incident is: its states and the steps between them, priorities, outcomes, the signals it starts from.

An incident moves ``new → acknowledged → assigned → on_scene → closed``; an operator may assign (or re-assign) a
unit from ``new`` or ``acknowledged`` as well, and close from any open state, with an outcome. Every step names
its actor (:class:`Actor`), and the step, its previous state and the actor are kept and audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from geo.errors import IncidentError, msg
from geo.i18n import N_

STATES: Final[tuple[str, ...]] = ("new", "acknowledged", "assigned", "on_scene", "closed")
OPEN_STATES: Final[tuple[str, ...]] = STATES[:-1]
STATE_LABELS: Final[dict[str, str]] = {"new": N_("new"), "acknowledged": N_("acknowledged"), "assigned": N_("assigned"),
                                       "on_scene": N_("on scene"), "closed": N_("closed")}
PRIORITIES: Final[tuple[str, ...]] = ("high", "medium", "low")
OUTCOMES: Final[dict[str, str]] = {
    "apprehension": N_("apprehension"),
    "persons_assisted": N_("persons assisted"),
    "nothing_found": N_("nothing found"),
    "false_alarm": N_("false alarm"),
    "handed_over": N_("handed to another agency"),
}
STEPS: Final[dict[str, tuple[tuple[str, ...], str]]] = {
    "acknowledge": (("new",), "acknowledged"),
    "assign": (("new", "acknowledged", "assigned"), "assigned"),
    "on_scene": (("assigned",), "on_scene"),
    "close": (OPEN_STATES, "closed"),
}
"""Each step: the states it may start from, and the state it leaves."""
SIGNAL_KINDS: Final[dict[str, str]] = {
    "unusual_cell": N_("unusual now"),
    "high_impact": N_("high-impact event"),
    "sensor_alarm": N_("sensor alarm"),
    "community_report": N_("community report"),
    "emerging_area": N_("emerging hot spot"),
}
"""What an incident may start from (one click each), with the label the queue shows."""
DEFAULT_PRIORITY: Final[dict[str, str]] = {"unusual_cell": "medium", "high_impact": "high", "sensor_alarm": "medium",
                                           "community_report": "low", "emerging_area": "medium"}


def next_state(step: str, state: str) -> str:
    """The state ``step`` leaves an incident in that is now ``state``.

    Raises
    ------
    IncidentError
        An unknown step, or one the state does not allow ("cannot close a closed incident").
    """
    if step not in STEPS:
        raise IncidentError(msg("unknown incident step {step!r}; steps are {steps}", step=step, steps=list(STEPS)))
    allowed, target = STEPS[step]
    if state not in allowed:
        raise IncidentError(msg("cannot {step} an incident that is {state}; allowed from {allowed}",
                                step=step.replace("_", " "), state=STATE_LABELS.get(state, state),
                                allowed=", ".join(STATE_LABELS[s] for s in allowed)))
    return target


@dataclass(frozen=True, slots=True)
class Actor:
    """Who takes a step: ``user_id`` (``system`` for the automatic on-scene check), ``role`` and ``client``."""

    user_id: str
    role: str = ""
    client: str = ""


SYSTEM: Final[Actor] = Actor("system", role="system", client="limes")


@dataclass(frozen=True, slots=True)
class Signal:
    """Something an incident can start from or absorb.

    ``kind`` is a key of :data:`SIGNAL_KINDS`; ``ref`` identifies it within its kind (an event's
    ``source:event_id``, a report id, a cell and hour); ``lat``/``lon`` degrees EPSG:4326; ``at`` when it
    happened (UTC); ``label`` a short human description (no personal data).
    """

    kind: str
    ref: str
    lat: float
    lon: float
    at: datetime
    label: str = ""

    def __post_init__(self) -> None:
        if self.kind not in SIGNAL_KINDS:
            raise IncidentError(msg("unknown signal kind {kind!r}; kinds are {signal_kinds}",
                                    kind=self.kind, signal_kinds=list(SIGNAL_KINDS)))
        if not self.ref:
            raise IncidentError(msg("a signal needs a reference (ref)"))
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0):
            raise IncidentError(msg("signal position out of range: lat={lat!r}, lon={lon!r}",
                                    lat=self.lat, lon=self.lon))
        if self.at.tzinfo is None:
            raise IncidentError(msg("signal time must be timezone-aware UTC; got {at!r}", at=self.at))
