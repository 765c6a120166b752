"""Layer data as files the browser fetches once: the basemap's vectors by URL instead of inline in every spec.

A deck spec carries each layer's data inline; the map page sends its spec on every run (the live
fragment once a second), and deck.gl re-reads inline data whenever a new spec arrives, since a
freshly parsed array is never the array it drew. Static layers (countries, water, borders, towns)
are therefore written once as JSON files into the app's static folder and referenced by URL:
the spec shrinks to the data layers, deck.gl sees the same URL string run after run and keeps
what it loaded, and the URL carries a digest of the content (``?v=``), so a server that answers
it with a long cache lifetime (:func:`dashboard.serve.cache_versioned_static`) never serves a
stale file and a browser that has it does not ask again.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Final

import pydeck as pdk

VERSION_PARAM: Final[str] = "v"
"""The query parameter holding a static file's content digest."""


def versioned_url(url: str, content: bytes) -> str:
    """``url`` with ``?v=`` and the first 12 hex digits of the SHA-1 of ``content``."""
    return f"{url}?{VERSION_PARAM}={hashlib.sha1(content).hexdigest()[:12]}"


def layer_data_bytes(layer: pdk.Layer) -> bytes | None:
    """The compact JSON of ``layer``'s inline data, or None when it has none (a URL, or no data at all)."""
    data = layer.data
    if data is None or isinstance(data, str):
        return None
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def served_as_files(layers: list[pdk.Layer], folder: Path, *, url_prefix: str, prefix: str = "basemap") -> list[pdk.Layer]:
    """Copies of ``layers`` whose inline data is written to ``folder/<prefix>-<layer id>.json`` and referenced
    by ``url_prefix/<file>?v=<digest>``; layers without inline data are returned as they are.

    A file is rewritten only when its content changed, so a restart keeps the browser's cached copy valid.
    """
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for layer in layers:
        content = layer_data_bytes(layer)
        if content is None:
            out.append(layer)
            continue
        name = f"{prefix}-{layer.id}.json"
        path = folder / name
        if not path.exists() or path.read_bytes() != content:
            partial = path.with_suffix(".json.part")
            partial.write_bytes(content)
            partial.replace(path)  # atomic: a browser never reads half a file
        served = copy.copy(layer)
        served.data = versioned_url(f"{url_prefix.rstrip('/')}/{name}", content)
        out.append(served)
    return out
