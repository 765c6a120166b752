"""Responses of the publishing endpoint, built from a :class:`~geo.sharing.picture.Picture` only.

OGC API – Features style: a landing page, ``/collections``, and ``/collections/{id}/items`` as a
GeoJSON FeatureCollection with ``numberMatched``, ``numberReturned``, ``timeStamp`` and ``links``
(``self``, ``next`` while more remain; paging by ``limit`` and ``offset``). Every body has a strong
ETag (a hash of its bytes). This module imports no store, no event index and no event model (an
import contract in pyproject.toml says so): what is not in the picture cannot be in a response.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Final
from urllib.parse import urlencode

import h3

from geo.errors import InputError, msg
from geo.models import SHARE_HEXAGONS as HEXAGONS
from geo.models import SHARE_LEVELS as LEVELS
from geo.models import SHARE_PICTURE_KEY as PICTURE_KEY
from geo.sharing.picture import Picture

COLLECTIONS: Final[dict[str, str]] = {
    HEXAGONS: "Events per H3 hexagon over the agreed window, small counts suppressed",
    LEVELS: "Border section impact levels with the rules' evidence",
}
DEFAULT_LIMIT: Final[int] = 500
MAX_LIMIT: Final[int] = 5000


@dataclass(frozen=True, slots=True)
class Body:
    """One response: JSON bytes, its ETag, and how many items it carries (for the send log)."""

    content: bytes
    etag: str
    items: int


def _body(doc: dict[str, object], picture: Picture, items: int = 0) -> Body:
    """The body of ``doc``; its ETag hashes the bytes and the whole picture, so a change on a later page (or in
    another collection) gives the first page a new ETag too."""
    content = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()
    return Body(content, f'"{hashlib.sha256(content + picture.digest().encode()).hexdigest()[:32]}"', items)


def _iso(at_ms: int) -> str:
    return datetime.fromtimestamp(at_ms / 1000, timezone.utc).isoformat()


def paging(limit: str | None, offset: str | None) -> tuple[int, int]:
    """``(limit, offset)`` from query parameters: limit 1-:data:`MAX_LIMIT` (default :data:`DEFAULT_LIMIT`)."""
    try:
        size = DEFAULT_LIMIT if limit is None else int(limit)
        start = 0 if offset is None else int(offset)
    except ValueError:
        raise InputError(msg("limit and offset must be integers; got limit={limit!r}, offset={offset!r}",
                             limit=limit, offset=offset)) from None
    if not 1 <= size <= MAX_LIMIT or start < 0:
        raise InputError(msg("limit must be 1-{MAX_LIMIT} and offset >= 0; got limit={size}, offset={start}",
                             MAX_LIMIT=MAX_LIMIT, size=size, start=start))
    return size, start


def landing(base_url: str, picture: Picture) -> Body:
    """The landing page of one agreement's endpoint."""
    return _body({"title": f"{picture.publisher}: shared picture for {picture.partner}",
                  "links": [{"rel": "data", "href": f"{base_url}/collections", "type": "application/json"}],
                  PICTURE_KEY: picture.head()}, picture)


def _shown(picture: Picture) -> list[str]:
    return [c for c in COLLECTIONS if c == HEXAGONS or picture.levels]


def _description(base_url: str, collection: str) -> dict[str, object]:
    return {"id": collection, "title": COLLECTIONS[collection], "links": [
        {"rel": "items", "href": f"{base_url}/collections/{collection}/items", "type": "application/geo+json"}]}


def collections(base_url: str, picture: Picture) -> Body:
    """The collections of one agreement: hexagons always, levels when the agreement shares them."""
    shown = _shown(picture)
    return _body({"collections": [_description(base_url, c) for c in shown],
                  "links": [{"rel": "self", "href": f"{base_url}/collections"}]}, picture, len(shown))


def collection(base_url: str, picture: Picture, collection_id: str) -> Body:
    """One collection's description; ``KeyError`` for one this agreement does not have."""
    if collection_id not in _shown(picture):
        raise KeyError(collection_id)
    return _body(_description(base_url, collection_id), picture, 1)


def _hexagon(cell: int, events: int) -> dict[str, object]:
    hex_id = h3.int_to_str(cell)
    ring = [[round(lng, 6), round(lat, 6)] for lat, lng in h3.cell_to_boundary(hex_id)]
    return {"type": "Feature", "id": hex_id, "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
            "properties": {"h3": hex_id, "res": h3.get_resolution(hex_id), "events": events}}


def items(base_url: str, picture: Picture, collection: str, *, limit: int, offset: int) -> Body:
    """One page of a collection's items as a GeoJSON FeatureCollection (``timeStamp``: the end of the data window,
    so that an unchanged picture keeps its ETag).

    Raises
    ------
    KeyError
        For a collection this picture does not have (the endpoint answers 404).
    """
    if collection == HEXAGONS:
        everything = picture.cells
        features = [_hexagon(c, n) for c, n in everything[offset:offset + limit]]
    elif collection == LEVELS and picture.levels:
        everything = picture.levels
        features = [{"type": "Feature", "id": lv.section_id, "geometry": None,
                     "properties": {"section_id": lv.section_id, "level": lv.level, "evidence": lv.evidence,
                                    "set_at_ms": lv.set_at_ms}} for lv in everything[offset:offset + limit]]
    else:
        raise KeyError(collection)
    here = f"{base_url}/collections/{collection}/items"
    links = [{"rel": "self", "href": f"{here}?{urlencode({'limit': limit, 'offset': offset})}",
              "type": "application/geo+json"}]
    if offset + limit < len(everything):
        links.append({"rel": "next", "href": f"{here}?{urlencode({'limit': limit, 'offset': offset + limit})}",
                      "type": "application/geo+json"})
    return _body({"type": "FeatureCollection", "features": features, "numberMatched": len(everything),
                  "numberReturned": len(features), "timeStamp": _iso(picture.window_end_ms),
                  "links": links, PICTURE_KEY: picture.head()}, picture, len(features))
