"""Sharing agreements as data: per partner, what we give (hexagon counts at one resolution, section levels), how
late (the delay), where (an area in lon/lat), and the small-count rule.

An agreements file is TOML::

    publisher = "Hellenic Police, Border Unit Kilkis"   # our name, as partners see it
    [[agreement]]
    partner = "MK"                  # the partner: its client certificate's common name
    name = "North Macedonia border police"
    res = 6                         # H3 resolution of the counts (5-9): the finest detail given
    window_h = 168                  # hours of events the counts cover
    delay_h = 1                     # the counts end this many hours before now (at a whole hour)
    area = [[21.9, 40.9], [23.1, 40.9], [23.1, 41.5], [21.9, 41.5]]  # polygon, lon/lat (EPSG:4326)
    types = ["irregular_crossing"]  # optional, default every type
    k = 5                           # no count below k is given (cells merge into parents, then are withheld)
    levels = true                   # our section levels and their evidence (never comments or who set them)
    sections = ["AAA-BBB"]          # optional: only sections whose id starts so (a country pair)

Unit positions, incident summaries and event rows are not terms an agreement can have: asking for
them is refused, so nothing beyond aggregates can be agreed by mistake.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from geo.errors import InputError, msg
from geo.i18n import N_
from geo.models import EVENT_TYPES

SHARE_RES_RANGE: Final[tuple[int, int]] = (5, 9)
PARTNER_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
"""A partner's name: its certificate's common name and a path segment of its endpoint."""
REFUSED_TERMS: Final[dict[str, str]] = {
    "units": N_("agreement with {partner!r}: unit positions are never shared by this endpoint (remove 'units')"),
    "events": N_("agreement with {partner!r}: event rows are never shared, only aggregates (remove 'events')"),
    "incidents": N_("agreement with {partner!r}: incident summaries are not served yet (remove 'incidents')"),
    "contacts": N_("agreement with {partner!r}: contacts are never shared (remove 'contacts')"),
}
"""Terms an agreement cannot have, and the error (a :func:`~geo.errors.msg` template) that refuses each."""


class AgreementError(InputError):
    """An agreement or agreements file that cannot be honoured as written."""


@dataclass(frozen=True, slots=True)
class Agreement:
    """What we give one partner. Hours as ``*_h``, the area as ``(lon, lat)`` vertices in EPSG:4326."""

    partner: str
    name: str
    publisher: str
    area: tuple[tuple[float, float], ...]
    res: int = 6
    window_h: float = 168.0
    delay_h: float = 1.0
    types: tuple[str, ...] = EVENT_TYPES
    k: int = 5
    levels: bool = False
    sections: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        partner = self.partner
        if not isinstance(partner, str) or not PARTNER_NAME.match(partner):
            raise AgreementError(msg("partner must be 1-40 letters, digits, '.', '_' or '-'; got {partner!r}",
                                     partner=partner))
        if not isinstance(self.res, int) or not SHARE_RES_RANGE[0] <= self.res <= SHARE_RES_RANGE[1]:
            raise AgreementError(msg("agreement with {partner!r}: res must be an integer {low}-{high}; got {res!r}",
                                     partner=partner, low=SHARE_RES_RANGE[0], high=SHARE_RES_RANGE[1], res=self.res))
        for name, low in (("window_h", 1.0), ("delay_h", 0.0)):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value) or value < low:
                raise AgreementError(msg("agreement with {partner!r}: {name} must be a number >= {low:g}; "
                                         "got {value!r}", partner=partner, name=name, low=low, value=value))
        if not isinstance(self.k, int) or isinstance(self.k, bool) or self.k < 1:
            raise AgreementError(msg("agreement with {partner!r}: k must be an integer >= 1; got {k!r}",
                                     partner=partner, k=self.k))
        unknown = sorted(set(self.types) - set(EVENT_TYPES))
        if unknown or not self.types:
            raise AgreementError(msg("agreement with {partner!r}: types must be some of {known}; got {types}",
                                     partner=partner, known=list(EVENT_TYPES), types=list(self.types)))
        if len(self.area) < 3 or any(not (-180 <= lon <= 180 and -90 <= lat <= 90) for lon, lat in self.area):
            raise AgreementError(msg("agreement with {partner!r}: area must be at least 3 [lon, lat] vertices "
                                     "within -180..180, -90..90", partner=partner))

    def terms_json(self) -> str:
        """The terms as canonical JSON (what the store keeps, and what a new version is compared with)."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @property
    def delay_s(self) -> int:
        return int(round(self.delay_h * 3600))


def _vertices(value: Any, partner: object) -> tuple[tuple[float, float], ...]:
    try:
        points = tuple((float(p[0]), float(p[1])) for p in value)
        if any(len(p) != 2 for p in value) or not all(math.isfinite(c) for p in points for c in p):
            raise ValueError
    except (TypeError, ValueError, IndexError):
        raise AgreementError(msg("agreement with {partner!r}: area must be a list of [lon, lat] pairs; got {value!r}",
                                 partner=partner, value=value)) from None
    return points


def agreement_from_terms(terms: dict[str, Any], *, publisher: str) -> Agreement:
    """One :class:`Agreement` from a TOML table or stored JSON terms; unknown and refused keys are errors."""
    partner = terms.get("partner", "?")
    refused = sorted(set(terms) & set(REFUSED_TERMS))
    if refused:
        raise AgreementError(msg(REFUSED_TERMS[refused[0]], partner=partner))  # one at a time: no joined translations
    known = set(Agreement.__dataclass_fields__) - {"publisher"}
    unknown = sorted(set(terms) - known - {"publisher"})
    if unknown:
        raise AgreementError(msg("agreement with {partner!r}: unknown key(s) {unknown}; keys are {keys}",
                                 partner=partner, unknown=unknown, keys=sorted(known)))
    for key in ("partner", "name", "area"):
        if key not in terms:
            raise AgreementError(msg("agreement with {partner!r}: {key!r} is required", partner=partner, key=key))
    values = dict(terms)
    values["area"] = _vertices(values["area"], partner)
    for key in ("types", "sections"):
        if key in values:
            if isinstance(values[key], str) or not isinstance(values[key], list | tuple):
                raise AgreementError(msg("agreement with {partner!r}: {key} must be a list of strings; got {value!r}",
                                         partner=partner, key=key, value=values[key]))
            values[key] = tuple(str(v) for v in values[key])
    if "levels" in values and not isinstance(values["levels"], bool):
        raise AgreementError(msg("agreement with {partner!r}: levels must be true or false; got {levels!r}",
                                 partner=partner, levels=values["levels"]))
    values["publisher"] = str(values.get("publisher", publisher))
    return Agreement(**values)


def load_agreements(doc: dict[str, Any]) -> list[Agreement]:
    """Agreements from a parsed TOML document: ``publisher`` and ``[[agreement]]`` tables, one per partner."""
    publisher = doc.get("publisher")
    if not isinstance(publisher, str) or not publisher.strip():
        raise AgreementError(msg("the agreements file needs publisher = \"our name, as partners see it\""))
    tables = doc.get("agreement")
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        raise AgreementError(msg("the agreements file lists no agreements: add [[agreement]] tables"))
    extra = sorted(set(doc) - {"publisher", "agreement"})
    if extra:
        raise AgreementError(msg("unknown top-level key(s) {extra}; the file has publisher and [[agreement]] "
                                 "tables",
                                 extra=extra))
    agreements = [agreement_from_terms(t, publisher=publisher.strip()) for t in tables]
    partners = [a.partner for a in agreements]
    twice = sorted({p for p in partners if partners.count(p) > 1})
    if twice:
        raise AgreementError(msg("one agreement per partner: {twice} appear more than once", twice=twice))
    return agreements


def agreement_from_json(terms: str) -> Agreement:
    """An :class:`Agreement` back from :meth:`Agreement.terms_json`."""
    values = json.loads(terms)
    return agreement_from_terms(values, publisher=values.get("publisher", ""))
