"""A deck serialised once and shown by many sessions: its JSON is built from layer JSON texts made ahead.

``st.pydeck_chart`` asks the deck for ``to_json()`` on every call. On the live map that is every
session every second, and pydeck's serialiser walks every record of every layer (the basemap's
countries, rivers and towns included) each time. Here the basemap's layers are serialised once per
server (:func:`layer_json`), the data layers once per server and second for every session showing
the same view, and the deck's JSON is those texts joined: the same text pydeck would write.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Final

import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from layers.deck import build_deck

_NO_LAYERS: Final[str] = '"layers":[]'


def layer_json(layer: pdk.Layer) -> str:
    """One layer as the compact JSON text it has inside a deck's spec."""
    return json.dumps(layer, default=default_serialize, separators=(",", ":"))


class FrozenDeck:
    """What ``st.pydeck_chart`` reads of a deck (``to_json``, the tooltip, the layers), with the JSON made once.

    Parameters
    ----------
    spec : str
        The deck's JSON text.
    tooltip : dict or None
        The tooltip the deck was built with (Streamlit sends it beside the spec).
    """

    layers: Final[tuple[pdk.Layer, ...]] = ()
    """Empty: the layers are in :attr:`spec` already (Streamlit would otherwise convert their data again)."""

    def __init__(self, spec: str, tooltip: dict[str, object] | None) -> None:
        self.spec = spec
        self._tooltip = tooltip

    def to_json(self) -> str:
        """The stored JSON text (no serialisation)."""
        return self.spec


def frozen_deck(layer_texts: Sequence[str], *, tooltip: dict[str, object] | None = None,
                view: dict[str, float] | None = None) -> FrozenDeck:
    """A deck of the layers whose JSON texts (see :func:`layer_json`) are given bottom first; otherwise as
    :func:`layers.deck.build_deck` makes it."""
    empty = build_deck([], tooltip=tooltip, view=view)
    shell = empty.to_json()
    if shell.count(_NO_LAYERS) != 1:
        raise RuntimeError(f"a deck without layers serialised unexpectedly: {shell[:200]}")
    return FrozenDeck(shell.replace(_NO_LAYERS, '"layers":[' + ",".join(layer_texts) + "]"), empty._tooltip)
