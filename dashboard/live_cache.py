"""The live map's caches shared by every session of a server: one computation per data version, view and second.

Twenty operators watching the same view at 1 Hz used to cost twenty computations of the same
figures, layers and deck JSON every second; :func:`shared` makes it one. The basemap's JSON is
made once per server (:func:`basemap_layer_json`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeVar

import pandas as pd
import streamlit as st

from dashboard import cache
from dashboard.config import settings
from geo.grid import EventIndex
from geo.store import feed_health
from layers.frozen import layer_json
from layers.world import WORLD_LAYER_IDS

T = TypeVar("T")

SHARED_ENTRIES: Final[int] = 64
"""Views (data version, filters, role, second) whose results a server keeps; a past second is not asked again."""


@st.cache_resource(max_entries=SHARED_ENTRIES, ttl=10, show_spinner=False)
def _shared(key: str, _build: Callable[[], object]) -> object:
    return _build()


def shared(key: str, build: Callable[[], T]) -> T:
    """``build()`` once per ``key`` for every session of the server (sessions asking meanwhile wait for it).

    ``key`` must name everything the result depends on: the index version (:func:`index_version`),
    the view and the clock second. The result is shared, never copied: treat it as read-only.
    """
    return _shared(key, build)  # type: ignore[return-value]


def index_version(index: EventIndex) -> tuple[str, int, int, int, int | None]:
    """What identifies an index's content: the store, its events, newest time (epoch s), late rows in its tail,
    and where the mirror's hot window starts (the store's history beside it)."""
    return (settings().store_url, *cache.index_key(index), index.tail_rows, cache.hot_from_s())


@st.cache_resource
def basemap_layer_json(whole_world: bool = False, language: str = "en", *,
                       with_world: bool = True) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """:func:`dashboard.cache.basemap_layers` as JSON texts, serialised once per server and language (see
    :mod:`layers.frozen`); without the world's layers around the region (:data:`layers.world.WORLD_LAYER_IDS`)
    unless ``with_world``."""
    under, over = cache.basemap_layers(whole_world=whole_world, language=language)
    if not with_world:
        under, over = ([layer for layer in part if layer.id not in WORLD_LAYER_IDS] for part in (under, over))
    return tuple(map(layer_json, under)), tuple(map(layer_json, over))


@st.cache_data(ttl=1, show_spinner=False)
def feeds_health(url: str) -> pd.DataFrame:
    """Each feed's health record in the store at ``url`` (the live map asks every second; one query a second
    serves every session)."""
    return feed_health(cache.store(url))
