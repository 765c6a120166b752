"""The caches of the public report form: the towns and map it shows, the area a reporter may pick, its store.

Apart from :mod:`dashboard.cache` (an import contract keeps it so): a public server process
loads neither the control room's event index nor its analyses, and reads no elevation data.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import pydeck as pdk
import streamlit as st

from dashboard.config import settings
from geo.region import Region
from geo.reports import pick_cells
from geo.spatial import Basemap, load_basemap
from geo.store import Store, open_store
from layers.basemap import border_layers, country_layers, town_layer, town_marker_layer, water_layers


@st.cache_resource
def _store(url: str) -> Store:
    return open_store(url)


def current_store() -> Store:
    """The store the form queues reports in (the settings' store, as for the dashboard)."""
    return _store(settings().store_url)


@st.cache_resource
def _region_basemap(region: Region) -> Basemap:
    return load_basemap(region)


def _basemap() -> Basemap:
    return _region_basemap(settings().region)


def form_view() -> dict[str, float]:
    """The region's form view: centred on the watched borders, so the picker's cells fill the map."""
    return settings().region.form_view.as_dict()


def towns() -> pd.DataFrame:
    """The gazetteer a typed place is matched against and a picked one described from."""
    return _basemap().towns


@st.cache_resource
def _report_area(region: Region) -> npt.NDArray[np.uint64]:
    return pick_cells(region=region)


def report_area() -> npt.NDArray[np.uint64]:
    """The cells a reporter may pick on the map (shared by sessions): near the region's borders."""
    return _report_area(settings().region)


@st.cache_resource
def picker_basemap() -> tuple[list[pdk.Layer], list[pdk.Layer]]:
    """The form map's basemap, under and over the picker: land, water, borders and towns, without relief."""
    base = _basemap()
    return [*country_layers(base), *water_layers(base)], [*border_layers(base), town_marker_layer(base), town_layer(base)]
