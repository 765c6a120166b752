"""Every Streamlit cache of the app, each wrapping a pure function of ``geo`` or ``layers``.

Resources are shared by all sessions of the server process: one store connection, one columnar
mirror of its events, the basemap and the relief images.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pydeck as pdk
import scipy.sparse as sp
import streamlit as st

from dashboard.config import settings
from dashboard.relief_cache import GENERATED_URL, _relief_layers, generated_dir, region_tag
from geo.analysis import EmergingParams, emerging_hot_spots, space_time_cube
from geo.briefing import SectionSource, assign_to_sections, make_sections
from geo.coverage import (
    Assessment,
    CostParams,
    CoverageParams,
    DiskCache,
    RouteGrid,
    RouteParams,
    Routes,
    SiteModel,
    Terrain,
    assess,
    candidate_coverage,
    content_key,
    coverage_sets,
    find_routes,
    load_route_grid,
    load_sensors,
    load_terrain,
    patrol_cells,
    patrolled_cells,
    read_unit_positions,
    recommend,
    seen_by_sensors,
    user_sites,
    with_approach_points,
)
from geo.grid import EventIndex, Filters, Totals
from geo.models import EVENT_TYPES, Sensor
from geo.region import Region
from geo.reports import pending_counts
from geo.scenario import ensure_fresh_scenario
from geo.spatial import Basemap, load_basemap, world_box, world_towns
from geo.store import (
    Store,
    StoredPicture,
    StoreMirror,
    event_ids,
    history_aggregate,
    history_totals,
    open_store,
    partner_cells,
)
from geo.store import latest_units as read_latest_units
from geo.store import partner_pictures as read_partner_pictures
from geo.timewindow import TimeWindow
from layers.basemap import border_layers, country_layers, town_layer, town_marker_layer, water_layers
from layers.basemap import town_label_boxes as basemap_town_label_boxes
from layers.coverage import coverage_image
from layers.files import served_as_files
from layers.world import world_label_layers, world_layers


@st.cache_resource
def store(url: str) -> Store:
    """The store at ``url`` (one connection per server process, shared by sessions)."""
    return open_store(url)


WATERMARK_CHECK_S = 1.0
"""At most one watermark query per second per server, whatever the number of sessions (SQLite); with
PostgreSQL the mirror asks only when a writer's NOTIFY wakes it."""
HOT_WINDOW_FROM_EVENTS = 5_000_000
"""Below this many stored events (about 215 MB of index) a server holds them all: the hot window bounds
memory for national stores, not for an agency's few years of history."""


@st.cache_resource
def _mirror(url: str) -> StoreMirror:
    config = settings()
    return StoreMirror(store(url), hot_window_days=config.hot_window_days, clock=config.clock,
                       check_every_s=WATERMARK_CHECK_S, keep_all_below=HOT_WINDOW_FROM_EVENTS)


@st.cache_data(ttl=300, show_spinner="Loading the bundled scenario…")
def _scenario_checked(url: str) -> bool:
    """Load or refresh the bundled scenario, at most every five minutes (unless the settings turn it off)."""
    config = settings()
    if not config.scenario:
        return False
    return ensure_fresh_scenario(store(url), now=config.clock())


def current_store() -> Store:
    """The store the settings name (``LIMES_DB``, or the default SQLite file in the var folder)."""
    return store(settings().store_url)


def with_event_ids(events: pd.DataFrame) -> pd.DataFrame:
    """``events`` (a few rows of the index) with their ``event_id``, read by ``seq`` when the mirror kept none."""
    if "event_id" in events or "seq" not in events:
        return events
    ids = event_ids(current_store(), events["seq"].tolist())
    return events.assign(event_id=events["seq"].map(ids))


def index_key(index: EventIndex) -> tuple[int, int]:
    """What a cache keys an index's content by: how many events, and when the newest occurred (epoch s)."""
    span = index.time_range()
    return len(index), int(span[1].timestamp()) if span else 0


def event_index() -> EventIndex:
    """The columnar index of every stored event, refreshed with what arrived since the last rerun."""
    url = settings().store_url
    _scenario_checked(url)
    return _mirror(url).refresh()


def data_span(index: EventIndex) -> tuple[datetime, datetime] | None:
    """When the first and the last stored event occurred, history beyond the mirror's hot window included."""
    return _mirror(settings().store_url).time_range() or index.time_range()


def hot_from_s() -> int | None:
    """Epoch second from which the mirror's index holds every stored event (``None``: it holds them all)."""
    return _mirror(settings().store_url).hot_from_s


def cells(index: EventIndex, filters: Filters) -> pd.DataFrame:
    """Events and persons per cell for ``filters``; the store adds what lies before the mirror's hot window."""
    return history_aggregate(current_store(), index, filters, hot_from_s=_mirror(settings().store_url).hot_from_s)


def totals(index: EventIndex, window: TimeWindow, types: tuple[str, ...]) -> Totals:
    """Event, person and high-impact counts; the store adds what lies before the mirror's hot window."""
    return history_totals(current_store(), index, window, types,
                          hot_from_s=_mirror(settings().store_url).hot_from_s)


@st.cache_data(ttl=2, show_spinner=False)
def latest_units() -> pd.DataFrame:
    """Each unit's newest position (the live map asks every second; one query per two seconds serves every session)."""
    return read_latest_units(current_store())


@st.cache_data(ttl=5, show_spinner=False)
def partner_pictures(store_url: str) -> list[tuple[StoredPicture, pd.DataFrame]]:
    """Each partner picture's head and hexagon counts in the store (``store_url``, the settings': the cache key, so a
    process with another store never gets these; asked every second by the live map, changed at most once a poll)."""
    db = current_store()
    return [(picture, partner_cells(db, picture.feed)) for picture in read_partner_pictures(db)]


@st.cache_data(max_entries=8, show_spinner="Analysing the space-time cube…")
def emerging(_index: EventIndex, index_key: tuple[int, int], filters: Filters, step_s: int,
             params: EmergingParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The space-time cube and its emerging hot spot categories; ``index_key`` (see :func:`index_key`) keys the data."""
    cube = space_time_cube(_index, filters, step=timedelta(seconds=step_s))
    return cube, emerging_hot_spots(cube, params=params)


@st.cache_resource
def _basemap(region: Region) -> Basemap:
    return load_basemap(region)


def basemap() -> Basemap:
    """Vector layers of the offline basemap: the region's detail over the world."""
    return _basemap(settings().region)


@st.cache_resource
def _gazetteer(region: Region) -> pd.DataFrame:
    towns = _basemap(region).towns
    world = world_towns()[["name", "adm0_a3", "lat", "lon"]]
    west, south, east, north = region.aoi_lonlat  # inside the region its own towns speak, as before
    world = world[~(world["lon"].between(west, east) & world["lat"].between(south, north))]
    return pd.concat([towns, world.assign(rank=1)], ignore_index=True)


def gazetteer() -> pd.DataFrame:
    """Towns to describe a place from: the region's inside its area, the world's towns of 15,000 people elsewhere."""
    return _gazetteer(settings().region)


@st.cache_resource
def _basemap_layers(region: Region, whole_world: bool, language: str) -> tuple[list[pdk.Layer], list[pdk.Layer]]:
    base = _basemap(region)
    near = None if whole_world else world_box(region, margin_deg=WORLD_NEAR_DEG)
    under = [*world_layers(base, bbox=near), *country_layers(base), *_relief_layers(region, whole_world),
             *water_layers(base)]
    lines = [*border_layers(base), town_marker_layer(base)]
    labels = [town_layer(base, language), *world_label_layers(base, bbox=near, language=language)]
    # By URL, not inline: a browser fetches them once, and the spec sent on every run carries the data layers only;
    # labels are in the reader's script: a file (and a ?v= digest) per language.
    # Named for the region too: two servers of two regions may share one app folder (their files must not clash).
    folder, url, name = generated_dir(), GENERATED_URL, f"basemap{region_tag(region)}"
    return (served_as_files(under, folder, url_prefix=url, prefix=name),
            [*served_as_files(lines, folder, url_prefix=url, prefix=name),
             *served_as_files(labels, folder, url_prefix=url, prefix=f"{name}-{language}")])


@st.cache_resource
def town_label_boxes(region: Region, language: str) -> list[tuple[float, float, float, float]]:
    """Where the town labels (named for readers of ``language``) sit at ``region``'s opening zoom (pixels), for the
    callsigns to keep clear of."""
    return basemap_town_label_boxes(_basemap(region), language)


WORLD_NEAR_DEG: Final[float] = 15.0
"""The region's map carries the world's countries at least this far around it (degrees; further for a region that
opens zoomed far out: :func:`geo.spatial.world_box`); "Zoom to data" the whole world."""


def basemap_layers(*, whole_world: bool = False, language: str = "en") -> tuple[list[pdk.Layer], list[pdk.Layer]]:
    """The basemap in two parts: what goes under the data (world, land, relief, water) and over it (borders,
    towns, labels, named for readers of ``language``); the world's countries near the region, or all of them."""
    return _basemap_layers(settings().region, whole_world, language)


# -- Border sections and the briefing (issue 7) ------------------------------------------------
def _content_key(source: SectionSource) -> SectionSource:
    """``source`` as a cache keys it: a user's file by its folder's content, not by the temporary path it sits at
    (an upload is written afresh on every rerun and removed after it; see :mod:`dashboard.uploads`)."""
    if source.path is None:
        return source
    digest = hashlib.sha256()
    for part in sorted(source.path.parent.iterdir()):
        digest.update(part.name.encode() + b"\0" + part.read_bytes())
    return dataclasses.replace(source, path=Path(f"{digest.hexdigest()[:24]}{source.path.suffix}"))


@st.cache_resource(max_entries=8)
def _border_sections(key: SectionSource, _source: SectionSource) -> gpd.GeoDataFrame:
    return make_sections(_source, basemap())


def border_sections(source: SectionSource) -> gpd.GeoDataFrame:
    """The sections of ``source``: the focus borders cut by length, or a user's file (shared by sessions)."""
    return _border_sections(_content_key(source), source)


@st.cache_resource(max_entries=4)
def _section_assignment(key: SectionSource, corridor_km: float, content: tuple[int, int], _index: EventIndex,
                        _source: SectionSource) -> npt.NDArray[np.int64]:
    return assign_to_sections(_index.events["lat"], _index.events["lon"], border_sections(_source),
                              corridor_km=corridor_km)


def section_assignment(index: EventIndex, *, source: SectionSource, corridor_km: float) -> npt.NDArray[np.int64]:
    """The section of each event of ``index`` (-1 outside every corridor), recomputed when events arrive."""
    return _section_assignment(_content_key(source), corridor_km, index_key(index), index, source)


# -- Coverage planner (issue 6) -------------------------------------------------------------
# The terrain is read once per server process.

PATROL_HISTORY: Final[timedelta] = timedelta(days=30)
"""Unit positions read for "time since the last patrol"; older passes count as never."""
RISK_DAYS: Final[int] = 30
"""Recent events that weigh a gap's risk."""
KEEP_COVERAGE_IMAGES: Final[int] = 48


def coverage_disk() -> DiskCache:
    """Terrain, viewsheds and candidate sites kept on disk under the var dir (a restarted server reads them back)."""
    return DiskCache(settings().var_dir / "cache" / "coverage")


@st.cache_resource(show_spinner="Reading the terrain for line of sight (once)…")
def _coverage_terrain(corridor_width_m: float, res: int) -> Terrain:
    return load_terrain(params=CoverageParams(corridor_width_m=corridor_width_m, res=res), region=settings().region,
                        cache=coverage_disk())


def coverage_terrain(params: CoverageParams) -> Terrain:
    """The metric DEM, corridor, terrain statistics and candidate sites for ``params`` (read again only
    when the corridor's width or resolution changes)."""
    return dataclasses.replace(_coverage_terrain(params.corridor_width_m, params.res), params=params)


def stored_sensors() -> tuple[Sensor, ...]:
    """The sensors in the store (the scenario's are loaded into an empty table on first use)."""
    _scenario_checked(settings().store_url)
    return tuple(load_sensors(current_store()))


@st.cache_data(ttl=60, show_spinner=False)
def patrol_record(store_url: str, res: int, minute: datetime) -> pd.DataFrame:
    """Per-cell patrol record (last pass, effort) from the unit positions of the last 30 days in the store at
    ``store_url`` (the key: a process that opens another store, a test after a test, gets that store's patrols)."""
    return patrol_cells(read_unit_positions(current_store(), since=minute - PATROL_HISTORY), res=res)


def recent_event_counts(res: int, minute: datetime) -> pd.Series:
    """Events per cell at ``res`` over the last :data:`RISK_DAYS` days, all types."""
    counts = event_index().aggregate(Filters(TimeWindow(minute - timedelta(days=RISK_DAYS), minute), EVENT_TYPES, res))
    return counts.set_index("cell")["events"]


@st.cache_resource(max_entries=24, show_spinner=False)
def coverage_assessment(params: CoverageParams, sensors: tuple[Sensor, ...], minute: datetime) -> Assessment:
    """Coverage, risk and gaps for one set of sensors (what-ifs included), recomputed at most once a minute."""
    return assess(coverage_terrain(params), sensors, patrol_record(settings().store_url, params.res, minute),
                  recent_event_counts(params.res, minute), now=minute, event_days=float(RISK_DAYS), cache=coverage_disk())


@st.cache_resource(show_spinner="Preparing the terrain for crossing routes (once)…")
def _route_grid(corridor_width_m: float, res: int, approach_km: float) -> RouteGrid:
    return load_route_grid(_coverage_terrain(corridor_width_m, res), approach_km=approach_km,
                           region=settings().region)


@st.cache_resource(max_entries=16, show_spinner="Finding the likely crossing routes…")
def crossing_routes(params: CoverageParams, sensors: tuple[Sensor, ...], minute: datetime, route: RouteParams,
                    cost: CostParams, points: tuple[tuple[float, float], ...] = ()) -> Routes:
    """Top crossing routes for these sensors (what-ifs included) and the patrol window of ``params``."""
    grid = with_approach_points(_route_grid(params.corridor_width_m, params.res, route.approach_km), points)
    seen = coverage_assessment(params, sensors, minute).seen_count
    watched = patrolled_cells(patrol_record(settings().store_url, params.res, minute), now=minute, params=params)
    return find_routes(grid, seen, watched, params=route, cost_params=cost)


@st.cache_resource(max_entries=24, show_spinner=False)
def _coverage_png(sight: CoverageParams, sensors: tuple[Sensor, ...]) -> tuple[str, tuple[float, float, float, float]]:
    terrain, disk = coverage_terrain(sight), coverage_disk()
    image = disk.objects("image", content_key("image", terrain.source_key, sight, sensors),
                         lambda: coverage_image(seen_by_sensors(terrain, sensors, cache=disk)[0], terrain.dem))
    digest = hashlib.sha1(repr((sight, sensors)).encode()).hexdigest()[:12]
    folder = generated_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"coverage-{digest}.png").write_bytes(image.png)
    # Every what-if writes an image: keep the newest few dozen so a long-running server does not fill its disk.
    written = sorted(folder.glob("coverage-*.png"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in written[KEEP_COVERAGE_IMAGES:]:
        stale.unlink(missing_ok=True)
    return f"{GENERATED_URL}/coverage-{digest}.png?v={digest}", image.bounds_lonlat  # the name is the content


def coverage_png(params: CoverageParams, sensors: tuple[Sensor, ...]) -> tuple[str, tuple[float, float, float, float]]:
    """The cumulative coverage image, written to ``static/generated/`` under a name unique to the sensors; made
    again only when the sensors or the line-of-sight settings change (not with the clock or the patrol window)."""
    return _coverage_png(params.sight(), sensors)


@st.cache_resource(show_spinner="Computing candidate sites' viewsheds…")
def _candidate_sets(sight: CoverageParams, model: SiteModel) -> sp.csr_matrix:
    return candidate_coverage(coverage_terrain(sight), model, cache=coverage_disk())


def candidate_sets(params: CoverageParams, model: SiteModel) -> sp.csr_matrix:
    """Which corridor cells each candidate site would see with ``model`` (kept across patrol-window changes)."""
    return _candidate_sets(params.sight(), model)


@st.cache_data(max_entries=24, show_spinner=False)
def recommended_sites(params: CoverageParams, sensors: tuple[Sensor, ...], minute: datetime, k: int,
                      model: SiteModel, user_points: tuple[tuple[float, float], ...] = ()
                      ) -> tuple[pd.DataFrame, float | None]:
    """Greedy sites for the open risk and the exact optimum, among high ground near the border or the
    user's own candidate points (lat, lon)."""
    result = coverage_assessment(params, sensors, minute)
    weights = np.where(result.coverage["covered"], 0.0, result.risk["risk"])
    terrain = coverage_terrain(params)
    if user_points:
        candidates = user_sites(terrain.dem, [p[0] for p in user_points], [p[1] for p in user_points])
        sets = coverage_sets(terrain.corridor, candidates, model=model, params=params)
    else:
        candidates, sets = terrain.candidates, candidate_sets(params, model)
    return recommend(candidates, sets, weights, k)


# -- Community reports (issue 9) ---------------------------------------------------------------


@st.cache_data(ttl=5, show_spinner=False)
def _pending_reports(url: str, res: int) -> pd.DataFrame:
    return pending_counts(store(url), res=res)


def pending_reports(res: int) -> pd.DataFrame:
    """Unmoderated reports per cell at ``res`` (re-read at most every five seconds: the map refreshes each second)."""
    return _pending_reports(settings().store_url, res)
