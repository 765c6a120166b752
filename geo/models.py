"""The domain vocabulary: event types, impact levels, sensor kinds, and the sensor record.

Kept in one place so that the scenario, the importer, the filters and the legends agree.
Event types follow the EUROSUR event layer (DESIGN.md section 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from geo.errors import Message, ReservedSourceError, SensorError, msg

EVENT_TYPES: Final[tuple[str, ...]] = (
    "irregular_crossing",
    "apprehension",
    "smuggling",
    "sensor_alarm",
    "citizen_report",
    "refusal_of_entry",
    "document_fraud",
    "search_and_rescue",
    "other",
)
"""Event types, in the order of their integer codes in columnar storage."""

EVENT_TYPE_LABELS: Final[dict[str, str]] = {
    "irregular_crossing": "Irregular crossing",
    "apprehension": "Apprehension",
    "smuggling": "Smuggling",
    "sensor_alarm": "Sensor alarm",
    "citizen_report": "Citizen report",
    "refusal_of_entry": "Refusal of entry",
    "document_fraud": "Document fraud",
    "search_and_rescue": "Search and rescue",
    "other": "Other",
}

IMPACT_LEVELS: Final[tuple[str, ...]] = ("low", "medium", "high", "very_high")
HIGH_IMPACT: Final[tuple[str, ...]] = ("high", "very_high")
"""Impact levels that count as high in KPIs and alerts."""
def impact_for(types: npt.NDArray[np.str_], persons: npt.NDArray[np.int64]) -> npt.NDArray[np.str_]:
    """Impact level of each event from its type and the persons involved, when a source gives none.

    very_high: a search and rescue case with 3+ persons, or 20+ persons; high: any search and
    rescue, 10+ persons, or smuggling of 5+ persons; medium: 4+ persons, any smuggling or document
    fraud; low: the rest.
    """
    types = np.asarray(types)
    persons = np.asarray(persons)
    sar = types == "search_and_rescue"
    return np.select(
        [(sar & (persons >= 3)) | (persons >= 20), sar | (persons >= 10) | ((types == "smuggling") & (persons >= 5)),
         (persons >= 4) | np.isin(types, ["smuggling", "document_fraud"])],
        ["very_high", "high", "medium"],
        default="low",
    )


EVENT_STATUSES: Final[tuple[str, ...]] = ("open", "closed")
SCENARIO_SOURCE: Final[str] = "scenario"
"""The bundled scenario's source name: reserved, because refreshing the scenario replaces every row of it."""


def check_source_name(name: str, *, what: Message) -> None:
    """Refuse a file's, a feed's or a row's source ``name`` when it is the scenario's reserved one.

    Raises
    ------
    geo.errors.ReservedSourceError
        Naming ``what`` (a :func:`~geo.errors.msg`: ``"feed 'x'"``, ``"a.csv (rename the file ...)"``) and what to
        do instead.
    """
    if name.strip().lower() == SCENARIO_SOURCE:
        raise ReservedSourceError(msg("{what}: the source name '{scenario_source}' is reserved for the bundled "
                                      "scenario, whose refresh replaces every row of it; give it another name",
                                      what=what, scenario_source=SCENARIO_SOURCE))


NAMED_CONFIDENCE: Final[dict[str, float]] = {"low": 0.3, "medium": 0.6, "high": 0.9, "confirmed": 1.0}
"""Named confidence levels and the number an event stores for each."""
SENSOR_KINDS: Final[tuple[str, ...]] = ("tower", "camera", "radar", "ground_sensor", "patrol_post")
SENSOR_STATUSES: Final[tuple[str, ...]] = ("active", "off")

TYPE_CODES: Final[dict[str, int]] = {name: code for code, name in enumerate(EVENT_TYPES)}
"""Event type name -> small integer code used in columnar arrays (int8)."""


@dataclass(frozen=True, slots=True)
class Sensor:
    """A fixed sensor on the ground.

    Attributes
    ----------
    sensor_id : str
        Unique identifier.
    kind : str
        One of :data:`SENSOR_KINDS`.
    lat, lon : float
        Position in degrees, EPSG:4326.
    height_m : float
        Height of the sensor above ground, metres.
    range_m : float
        Maximum useful range, metres.
    azimuth_deg : float
        Centre of the field of view, degrees clockwise from true north.
    fov_deg : float
        Horizontal field of view, degrees; 360 means omnidirectional.
    status : str
        ``"active"`` or ``"off"``.
    """

    sensor_id: str
    kind: str
    lat: float
    lon: float
    height_m: float
    range_m: float
    azimuth_deg: float
    fov_deg: float
    status: str = "active"

    def __post_init__(self) -> None:
        if self.kind not in SENSOR_KINDS:
            raise SensorError(msg("sensor {sensor_id}: kind must be one of {sensor_kinds}; got {kind!r}",
                                  sensor_id=self.sensor_id, sensor_kinds=list(SENSOR_KINDS), kind=self.kind))
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise SensorError(msg("sensor {sensor_id}: lat/lon out of range: ({lat}, {lon})",
                                  sensor_id=self.sensor_id, lat=self.lat, lon=self.lon))
        if self.height_m < 0 or self.range_m <= 0:
            raise SensorError(msg("sensor {sensor_id}: height_m must be >= 0 and range_m > 0; got {height_m} and "
                                  "{range_m}",
                                  sensor_id=self.sensor_id, height_m=self.height_m, range_m=self.range_m))
        if not 0 < self.fov_deg <= 360:
            raise SensorError(msg("sensor {sensor_id}: fov_deg must be in (0, 360]; got {fov_deg}",
                                  sensor_id=self.sensor_id, fov_deg=self.fov_deg))
        if self.status not in SENSOR_STATUSES:
            raise SensorError(msg("sensor {sensor_id}: status must be one of {sensor_statuses}; got {status!r}",
                                  sensor_id=self.sensor_id, sensor_statuses=list(SENSOR_STATUSES),
                                  status=self.status))

SHARE_HEXAGONS: Final[str] = "hexagons"
SHARE_LEVELS: Final[str] = "levels"
SHARE_PICTURE_KEY: Final[str] = "limes:picture"
"""The shared picture's wire format (issue 22): its two collections, and the member describing the picture in
every FeatureCollection; the publisher (:mod:`geo.sharing`) writes it, the ``limes-share`` feed reads it."""
